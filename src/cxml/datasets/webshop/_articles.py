"""Knowledge-base articles of the synthetic web shop's help centre (:func:`cxml.datasets.make_webshop`).

Each article is composed from per-topic key facts (:data:`FACTS`: a summary, steps and good-to-know facts in
each language) and shared section templates (:data:`SECTIONS`), so that the ~100 Markdown bodies read like a
real help centre without being written one by one. The help centre is the same for every seed. All text is
invented.
"""

from __future__ import annotations

from cxml.datasets.webshop._templates import SHOP, TOPICS, Topic

TEAM_CONTACT: dict[str, dict[str, str]] = {
    "fi": {
        "orders": "tilauspalvelumme",
        "deliveries": "toimitustiimimme",
        "returns": "palautustiimimme",
        "complaints": "reklamaatiotiimimme",
        "billing": "laskutustiimimme",
        "payments": "maksutiimimme",
        "accounts": "asiakastilitiimimme",
        "sales": "myyntitiimimme",
    },
    "en": {
        "orders": "our order team",
        "deliveries": "our delivery team",
        "returns": "our returns team",
        "complaints": "our complaints team",
        "billing": "our billing team",
        "payments": "our payments team",
        "accounts": "our account team",
        "sales": "our sales team",
    },
}

# fmt: off
#: Shared section templates (alternatives separated by ``|``); ``{team}`` and ``{related}`` are filled per
#: article.
SECTIONS: dict[str, dict[str, str]] = {
    "intro": {
        "fi": ("Tästä ohjeesta löydät vastaukset yleisimpiin kysymyksiin ja ohjeet, joilla hoidat asian itse. "
               "Suurimman osan tilanteista voit hoitaa omalla tililläsi vuorokauden ympäri, eikä sinun tarvitse "
               "jonottaa asiakaspalveluun."
               "|Kokosimme tähän ohjeeseen asiakkaidemme useimmin kysymät asiat. Lue ohje läpi ennen kuin otat "
               "yhteyttä: useimmiten asia ratkeaa muutamassa minuutissa."
               "|Tämä ohje kertoo lyhyesti, miten asia hoituu ja mitä kannattaa tarkistaa ensin. Voit tehdä "
               "useimmat toimenpiteet itse omalla tililläsi milloin tahansa."),
        "en": ("This guide answers the most common questions and shows how to sort things out yourself. Most "
               "situations can be handled in your own account at any time of day, so there is no need to queue "
               "for customer service."
               "|We've collected the questions our customers ask most often into this guide. Please read it "
               "before contacting us: most issues are solved in a few minutes."
               "|This guide briefly explains how things work and what to check first. You can do most of the "
               "steps yourself in your account at any time."),
    },
    "steps_heading": {"fi": "## Näin toimit", "en": "## What to do"},
    "facts_heading": {"fi": "## Hyvä tietää", "en": "## Good to know"},
    "contact_heading": {"fi": "## Jos ohje ei auttanut", "en": "## Still need help?"},
    "contact": {
        "fi": ("Jos ohjeista ei ollut apua, ota yhteyttä asiakaspalveluumme chatissa arkisin klo 8–21 tai "
               "lähetä viesti yhteydenottolomakkeella. Kerro viestissä tilausnumerosi, niin {team} pääsee "
               "auttamaan sinua nopeammin. Vastaamme sähköposteihin 24 tunnin kuluessa, ja palvelemme sekä "
               "suomeksi että englanniksi. Kiireellisissä maksu- ja toimitusasioissa chat on nopein kanava."),
        "en": ("If this guide did not help, contact our customer service by chat on weekdays 8 am - 9 pm or send "
               "us a message through the contact form. Please include your order number so that {team} can help "
               "you faster. We answer e-mails within 24 hours, and we serve customers in both Finnish and "
               "English. For urgent payment or delivery issues, chat is the fastest channel."),
    },
    "related": {"fi": "Katso myös: {related}.", "en": "See also: {related}."},
}
# fmt: on

#: Per-topic key facts: group id -> language -> {"summary": str, "steps": [...], "facts": [...]}.
FACTS: dict[str, dict[str, dict[str, object]]] = {}


def _body(topic: Topic, lang: str, team: str) -> str:
    title = topic.title_fi if lang == "fi" else topic.title_en
    facts = FACTS.get(topic.group_id, {}).get(lang, {})
    summary = str(facts.get("summary", ""))
    steps = [x for x in facts.get("steps", []) if x]  # type: ignore[attr-defined]
    goods = [x for x in facts.get("facts", []) if x]  # type: ignore[attr-defined]
    related = [
        (t.title_fi if lang == "fi" else t.title_en)
        for t in TOPICS
        if t.reason == topic.reason and t.group_id != topic.group_id and lang in t.languages
    ][:2]
    fill = {"team": TEAM_CONTACT[lang][team], "related": ", ".join(related)}
    intros = SECTIONS["intro"][lang].split("|")
    parts = [f"# {title}", intros[int(topic.group_id[2:]) % len(intros)]]
    if summary:
        parts.append(summary)
    if steps:
        parts.append(SECTIONS["steps_heading"][lang])
        parts.append("\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
    if goods:
        parts.append(SECTIONS["facts_heading"][lang])
        parts.extend(str(g) for g in goods)
    parts.append(SECTIONS["contact_heading"][lang])
    parts.append(SECTIONS["contact"][lang].format(**fill))
    if related:
        parts.append(SECTIONS["related"][lang].format(**fill))
    return "\n\n".join(parts)


def build_articles(teams: dict[str, str]) -> list[dict[str, object]]:
    """Return the help-centre articles as records (same for every call).

    Parameters
    ----------
    teams : dict
        Reason -> team that owns the topic (named in the contact section).

    Returns
    -------
    list of dict
        One record per article and language with id, group_id, title, body, url, language, tags, reason.
    """
    rows: list[dict[str, object]] = []
    for topic in TOPICS:
        for lang in ("fi", "en"):
            if lang not in topic.languages:
                continue
            title = topic.title_fi if lang == "fi" else topic.title_en
            url = f"{SHOP}/ohje/{topic.slug_fi}" if lang == "fi" else f"{SHOP}/help/{topic.slug_en}"
            rows.append(
                {
                    "id": f"{topic.group_id}-{lang}",
                    "group_id": topic.group_id,
                    "title": title,
                    "body": _body(topic, lang, teams[topic.reason]),
                    "url": url,
                    "language": lang,
                    "tags": list(topic.tags),
                    "reason": topic.reason,
                }
            )
    return rows


def _add(group_id: str, lang: str, summary: str, steps: str, facts: str, answer: str) -> None:
    """Register an article's key facts; ``steps`` and ``facts`` are separated by `` | ``."""
    FACTS.setdefault(group_id, {})[lang] = {
        "summary": summary,
        "steps": [x.strip() for x in steps.split("|")],
        "facts": [x.strip() for x in facts.split("|")],
        "answer": answer,
    }


# fmt: off
# ---------------------------------------------------------------------------------------------- order_status
_add("KB001", "fi",
     "Useimmat tilaukset lähtevät varastoltamme 1–2 arkipäivän kuluessa, ja näet tilauksen vaiheen omalta tililtäsi.",
     "Kirjaudu omalle tilillesi ja avaa Omat tilaukset. | Valitse tilaus, niin näet sen tilan: vastaanotettu, "
     "käsittelyssä, lähetetty tai toimitettu. | Kun tilaus on lähetetty, avaa seurantalinkki ja seuraa pakettia "
     "kuljetusyhtiön sivuilla.",
     "Tila \"käsittelyssä\" tarkoittaa, että tuotteita kerätään varastolla. Sesonkiaikoina, kuten Black Fridayn "
     "jälkeen, käsittely voi kestää 1–2 päivää tavallista kauemmin. | Saat sähköpostin ja tekstiviestin, kun "
     "paketti lähtee ja kun se on noudettavissa.",
     "Tilauksesi tila näkyy omalla tililläsi kohdassa Omat tilaukset, ja seurantalinkki päivittyy, kun paketti "
     "lähtee varastolta.")
_add("KB001", "en",
     "Most orders leave our warehouse within 1-2 working days, and you can follow the order's progress in your "
     "account.",
     "Log in to your account and open My orders. | Select the order to see its status: received, processing, "
     "shipped or delivered. | Once the order has shipped, open the tracking link to follow the parcel on the "
     "courier's website.",
     "\"Processing\" means the items are being picked in our warehouse. In peak seasons, such as after Black "
     "Friday, this can take 1-2 days longer than usual. | You'll get an e-mail and a text message when the "
     "parcel leaves and when it is ready for pickup.",
     "You can see your order's status in your account under My orders, and the tracking link updates as soon as "
     "the parcel leaves our warehouse.")
_add("KB002", "fi",
     "Lähetämme tilausvahvistuksen sähköpostiisi muutaman minuutin kuluessa tilauksesta.",
     "Tarkista sähköpostisi roskaposti- ja mainoskansiot. | Kirjaudu omalle tilillesi: jos tilaus näkyy Omissa "
     "tilauksissa, se on mennyt läpi. | Tarkista, että tilillesi tallennettu sähköpostiosoite on kirjoitettu "
     "oikein.",
     "Jos maksu keskeytyi, tilausta ei synny eikä vahvistusta lähetetä. | Voit tulostaa tilausvahvistuksen "
     "myös tilauksen sivulta omalla tililläsi.",
     "Tilausvahvistus lähtee sähköpostiin muutamassa minuutissa; jos sitä ei löydy roskapostista, tilaus näkyy "
     "joka tapauksessa omalla tililläsi.")
_add("KB002", "en",
     "We send an order confirmation to your e-mail within a few minutes of your order.",
     "Check your spam and promotions folders. | Log in to your account: if the order is listed under My orders, "
     "it went through. | Check that the e-mail address saved in your account is spelled correctly.",
     "If the payment was interrupted, no order is created and no confirmation is sent. | You can also print the "
     "confirmation from the order page in your account.",
     "The confirmation is e-mailed within minutes; if it's not in your spam folder, you can still see the order "
     "in your account.")
_add("KB003", "fi",
     "Voit muuttaa tilausta niin kauan kuin sen tila on \"vastaanotettu\". Kun keräily on alkanut, muutoksia ei "
     "voi enää tehdä.",
     "Avaa tilaus omalla tililläsi. | Valitse Muokkaa tilausta ja vaihda koko, määrä tai toimitustapa. | "
     "Tallenna muutokset; mahdollinen hinnanero veloitetaan tai hyvitetään automaattisesti.",
     "Uusia tuotteita ei voi lisätä olemassa olevaan tilaukseen, vaan niistä tehdään uusi tilaus. | Jos tilaus on "
     "jo käsittelyssä, voit palauttaa tuotteen ja tilata oikean tilalle.",
     "Tilausta voi muuttaa omalla tililläsi niin kauan kuin sen tila on \"vastaanotettu\".")
_add("KB003", "en",
     "You can change an order as long as its status is \"received\". Once picking has started, it can no longer "
     "be changed.",
     "Open the order in your account. | Choose Edit order and change the size, quantity or delivery method. | "
     "Save the changes; any price difference is charged or refunded automatically.",
     "New items can't be added to an existing order; place a new order for them instead. | If the order is "
     "already being processed, you can return the item and order the right one.",
     "You can change the order in your account as long as its status is \"received\".")
_add("KB004", "fi",
     "Jos tuotteet lähtevät eri varastoista, tilaus voi saapua useassa paketissa, joilla kullakin on oma "
     "seurantakoodinsa.",
     "Avaa tilauksen sivu omalla tililläsi. | Tarkista, montako lähetystä tilaukseen kuuluu ja mikä niiden tila "
     "on. | Seuraa jokaista pakettia sen omalla seurantakoodilla.",
     "Osatoimitukset eivät maksa sinulle mitään ylimääräistä. | Jos tuote puuttuu eikä sille ole omaa "
     "lähetystä, ilmoita siitä meille 14 päivän kuluessa.",
     "Tilauksesi on lähtenyt useassa paketissa, ja jokaisella on oma seurantakoodinsa tilauksen sivulla.")
_add("KB004", "en",
     "If the items ship from different warehouses, your order may arrive in several parcels, each with its own "
     "tracking code.",
     "Open the order page in your account. | Check how many shipments belong to the order and their status. | "
     "Follow each parcel with its own tracking code.",
     "Split deliveries cost you nothing extra. | If an item is missing and has no shipment of its own, let us "
     "know within 14 days.",
     "Your order was sent in several parcels, each with its own tracking code on the order page.")
# ---------------------------------------------------------------------------------------------- delivery
_add("KB005", "fi",
     "Toimitusaika riippuu valitsemastasi kuljetusyhtiöstä: Posti ja Matkahuolto toimittavat noutopisteeseen "
     "yleensä 1–3 arkipäivässä, Budbee kotiin 1–2 arkipäivässä ja DHL 2–4 arkipäivässä.",
     "Valitse toimitustapa kassalla; näet arvioidun toimituspäivän jokaisen vaihtoehdon kohdalla. | Seuraa "
     "pakettia lähetysvahvistuksen seurantalinkistä. | Nouda paketti noutopisteestä 7 päivän kuluessa.",
     "Yli 50 euron tilaukset toimitetaan noutopisteeseen ilmaiseksi. | Sesonkiaikoina ja pyhien aikaan "
     "toimitukset voivat kestää 1–2 päivää tavallista kauemmin. Lauantaitoimitukset ovat mahdollisia vain "
     "Budbeella.",
     "Toimitus kestää kuljetusyhtiöstä riippuen 1–4 arkipäivää, ja arvioitu toimituspäivä näkyy kassalla.")
_add("KB005", "en",
     "Delivery time depends on the courier you choose: Posti and Matkahuolto deliver to a pickup point usually in "
     "1-3 working days, Budbee to your door in 1-2 and DHL in 2-4 working days.",
     "Choose the delivery method at checkout; each option shows an estimated delivery date. | Follow the parcel "
     "with the tracking link in the shipping confirmation. | Collect the parcel from the pickup point within 7 "
     "days.",
     "Orders over 50 euros are delivered to a pickup point free of charge. | In peak seasons and around public "
     "holidays deliveries can take 1-2 days longer. Saturday delivery is only available with Budbee.",
     "Depending on the courier, delivery takes 1-4 working days, and the estimated date is shown at checkout.")
_add("KB006", "fi",
     "Noutopistettä voi vaihtaa kuljetusyhtiön palvelussa niin kauan kuin paketti ei ole vielä saapunut "
     "noutopisteeseen.",
     "Avaa seurantalinkki lähetysvahvistuksesta. | Valitse Vaihda noutopiste ja etsi uusi piste postinumerolla. "
     "| Vahvista muutos; saat uuden ilmoituksen, kun paketti on noudettavissa.",
     "Jos valittu noutopiste on täynnä, kuljetusyhtiö ohjaa paketin lähimpään vapaaseen pisteeseen. | "
     "Pakettiautomaattiin ohjattua lähetystä ei voi enää siirtää toiseen automaattiin.",
     "Voit vaihtaa noutopisteen itse kuljetusyhtiön seurantasivulla, kunhan paketti ei ole vielä perillä.")
_add("KB006", "en",
     "You can change the pickup point in the courier's service as long as the parcel hasn't reached the pickup "
     "point yet.",
     "Open the tracking link in the shipping confirmation. | Choose Change pickup point and search for a new one "
     "by postal code. | Confirm the change; you'll get a new notice when the parcel is ready.",
     "If the chosen pickup point is full, the courier redirects the parcel to the nearest free point. | A parcel "
     "already routed to a parcel locker can't be moved to another locker.",
     "You can change the pickup point yourself on the courier's tracking page as long as the parcel hasn't "
     "arrived yet.")
_add("KB007", "fi",
     "Seurantatieto päivittyy yleensä vasta, kun kuljetusyhtiö on skannannut paketin ensimmäisen kerran, mikä "
     "voi kestää vuorokauden.",
     "Odota 24 tuntia lähetysvahvistuksesta ja tarkista seuranta uudelleen. | Varmista, että käytät oikean "
     "kuljetusyhtiön seurantasivua. | Jos tila ei ole muuttunut viiteen arkipäivään, ota yhteyttä meihin, niin "
     "teemme selvityspyynnön.",
     "Jos seuranta näyttää paketin toimitetuksi mutta et ole saanut sitä, tarkista naapurit ja postilaatikko ja "
     "ilmoita meille 7 päivän kuluessa. | Kadonneeksi todettu paketti korvataan aina uudella lähetyksellä tai "
     "hyvityksellä.",
     "Seuranta päivittyy, kun kuljetusyhtiö skannaa paketin; jos tila ei muutu viiteen arkipäivään, teemme "
     "selvityspyynnön.")
_add("KB007", "en",
     "Tracking usually updates only after the courier has scanned the parcel for the first time, which can take "
     "a day.",
     "Wait 24 hours after the shipping confirmation and check the tracking again. | Make sure you're using the "
     "right courier's tracking page. | If the status hasn't changed in five working days, contact us and we'll "
     "open an investigation.",
     "If tracking shows the parcel as delivered but you haven't received it, check with neighbours and your "
     "mailbox and let us know within 7 days. | A parcel confirmed lost is always replaced or refunded.",
     "Tracking updates once the courier scans the parcel; if nothing changes in five working days we'll open an "
     "investigation.")
_add("KB008", "fi",
     "Toimitusosoitetta voi korjata ennen kuin tilaus on lähtenyt varastolta.",
     "Avaa tilaus omalla tililläsi ja valitse Muokkaa toimitusosoitetta. | Tarkista katuosoite, rapun kirjain, "
     "asunnon numero ja postinumero. | Jos tilaus on jo lähtenyt, pyydä osoitteenmuutosta kuljetusyhtiön "
     "seurantasivulla.",
     "Kassa tarkistaa osoitteen automaattisesti; jos uutta osoitetta ei vielä tunnisteta, voit ohittaa "
     "tarkistuksen. | Muista tehdä muuttoilmoitus myös Postille, niin lähetykset ohjautuvat oikein.",
     "Osoitteen voi korjata omalla tililläsi ennen lähetystä, ja sen jälkeen kuljetusyhtiön seurantasivulla.")
_add("KB008", "en",
     "You can correct the delivery address before the order has left our warehouse.",
     "Open the order in your account and choose Edit delivery address. | Check the street address, staircase "
     "letter, flat number and postal code. | If the order has already shipped, request an address change on the "
     "courier's tracking page.",
     "Checkout validates addresses automatically; if a new address isn't recognised yet, you can skip the check. "
     "| Remember to file a change of address with Posti too, so parcels are forwarded correctly.",
     "You can correct the address in your account before dispatch, and after that on the courier's tracking "
     "page.")
_add("KB009", "fi",
     "Budbee toimittaa paketit kotiovelle arki-iltaisin ja lauantaisin, ja voit valita toimitusajan Budbeen "
     "sovelluksessa.",
     "Lataa Budbee-sovellus tai avaa tekstiviestin linkki. | Valitse sopiva toimitusaika tai pyydä jättämään "
     "paketti oven taakse. | Jos et ole kotona, siirrä toimitusta sovelluksessa viimeistään edellisenä päivänä.",
     "Kuljettaja ottaa kuvan paketista, kun se jätetään oven taakse. | Jos toimitus ei onnistu kahdella "
     "yrityksellä, paketti palautuu meille ja hyvitämme tilauksen.",
     "Kotiinkuljetuksen ajankohdan voi valita ja siirtää Budbeen sovelluksessa.")
_add("KB009", "en",
     "Budbee delivers parcels to your door on weekday evenings and Saturdays, and you can choose the time slot "
     "in the Budbee app.",
     "Download the Budbee app or open the link in the text message. | Choose a time slot or ask for the parcel "
     "to be left outside your door. | If you won't be home, reschedule in the app by the day before.",
     "The driver takes a photo when leaving the parcel at your door. | If delivery fails twice, the parcel "
     "returns to us and we refund the order.",
     "You can choose and reschedule the home delivery slot in the Budbee app.")
# fmt: on

# fmt: off
# ---------------------------------------------------------------------------------------------- return
_add("KB010", "fi",
     "Sinulla on 30 päivää aikaa palauttaa tuotteet niiden vastaanottamisesta. Palautus on ilmainen, kun teet "
     "sen omalla tililläsi.",
     "Kirjaudu omalle tilillesi ja avaa Omat tilaukset. | Valitse palautettavat tuotteet ja palautuksen syy. | "
     "Saat palautuskoodin sähköpostiisi; vie paketti mihin tahansa Postin tai Matkahuollon palvelupisteeseen.",
     "Palauta tuotteet käyttämättöminä ja mieluiten alkuperäisessä pakkauksessa. | Jos palautat vain osan "
     "tilauksesta, hyvitämme vain palautetut tuotteet.",
     "Palautuksen voi tehdä omalla tililläsi kohdassa Omat tilaukset, ja palautuskoodi tulee sähköpostiin.")
_add("KB010", "en",
     "You have 30 days from delivery to return items. Returns are free when you register them in your account.",
     "Log in to your account and open My orders. | Select the items to return and the reason for the return. | "
     "You'll receive a return code by e-mail; take the parcel to any Posti or Matkahuolto service point.",
     "Return items unused and preferably in their original packaging. | If you return only part of an order, "
     "we refund only the returned items.",
     "You can register the return in your account under My orders, and the return code is e-mailed to you.")
_add("KB011", "fi",
     "Emme lähetä paperisia palautuslipukkeita, vaan palautus tehdään sähköisellä palautuskoodilla.",
     "Rekisteröi palautus omalla tililläsi. | Avaa sähköpostiisi tullut palautuskoodi puhelimella. | Näytä "
     "koodi palvelupisteessä tai syötä se pakettiautomaattiin.",
     "Palautuskoodi on voimassa 14 päivää; vanhentuneen koodin tilalle saat uuden tekemällä palautuksen "
     "uudelleen. | Jos palautuslomake antaa virheen, kokeile toista selainta tai ota yhteyttä meihin.",
     "Palautus tehdään sähköisellä palautuskoodilla, jonka saat sähköpostiisi, kun rekisteröit palautuksen.")
_add("KB011", "en",
     "We don't include paper return labels; returns use an electronic return code instead.",
     "Register the return in your account. | Open the return code you received by e-mail on your phone. | Show "
     "the code at the service point or enter it at a parcel locker.",
     "The return code is valid for 14 days; if it has expired, register the return again to get a new one. | If "
     "the return form gives an error, try another browser or contact us.",
     "Returns use an electronic return code that is e-mailed to you when you register the return.")
_add("KB012", "fi",
     "Kaikilla tuotteilla on 30 päivän palautusoikeus, myös alennustuotteilla. Kuluttajansuojalain mukainen "
     "14 päivän peruutusoikeus sisältyy tähän.",
     "Tarkista tilauksen toimituspäivä omalta tililtäsi. | Tee palautus viimeistään 30. päivänä. | Pakkaa "
     "tuotteet huolellisesti ja vie paketti palvelupisteeseen koodin voimassaoloaikana.",
     "Palautus on ilmainen noutopistetoimituksissa; kotiinkuljetettujen isojen tuotteiden noudosta veloitamme "
     "19,90 €. | Hygieniatuotteita ja avattuja ohjelmistoja ei voi palauttaa.",
     "Palautusoikeus on 30 päivää toimituksesta, myös alennustuotteille, ja palautus on pääsääntöisesti ilmainen.")
_add("KB012", "en",
     "All items have a 30-day right of return, including sale items. The statutory 14-day cancellation right is "
     "included in this.",
     "Check the delivery date of your order in your account. | Register the return by day 30 at the latest. | "
     "Pack the items carefully and drop the parcel off while the code is valid.",
     "Returns are free for pickup-point deliveries; collecting large items delivered to your home costs 19.90 "
     "euros. | Hygiene products and opened software can't be returned.",
     "The right of return is 30 days from delivery, sale items included, and returns are usually free.")
_add("KB013", "fi",
     "Nopein tapa vaihtaa kokoa tai väriä on palauttaa tuote ja tehdä samalla uusi tilaus.",
     "Tee uusi tilaus oikeasta koosta tai väristä, niin saat sen heti. | Rekisteröi alkuperäisen tuotteen "
     "palautus omalla tililläsi. | Hyvitämme palautetun tuotteen, kun se on saapunut varastollemme.",
     "Vaihto on maksuton, kun palautus tehdään 30 päivän kuluessa. | Kokotaulukko auttaa valitsemaan oikean "
     "koon; se löytyy jokaiselta vaatteiden ja kenkien tuotesivulta.",
     "Kokoa tai väriä vaihdetaan tekemällä uusi tilaus ja palauttamalla alkuperäinen tuote maksutta.")
_add("KB013", "en",
     "The fastest way to exchange a size or colour is to return the item and place a new order at the same "
     "time.",
     "Place a new order for the right size or colour so you get it straight away. | Register the return of the "
     "original item in your account. | We refund the returned item once it reaches our warehouse.",
     "Exchanges are free when the return is made within 30 days. | The size guide helps you choose the right "
     "size; you'll find it on every clothing and footwear product page.",
     "To exchange a size or colour, place a new order and return the original item free of charge.")
# ---------------------------------------------------------------------------------------------- refund
_add("KB014", "fi",
     "Käsittelemme palautukset 5 arkipäivän kuluessa niiden saapumisesta, ja hyvitys maksetaan alkuperäiselle "
     "maksutavalle.",
     "Seuraa palautuspakettia palautuskoodin seurantalinkistä. | Kun palautus on käsitelty, saat siitä "
     "sähköpostin. | Hyvitys näkyy tililläsi pankista riippuen 1–5 arkipäivän kuluessa.",
     "Korttimaksujen hyvitykset palautuvat kortille, laskulla maksetut hyvitetään laskulle. | Palautuksen "
     "matka varastollemme kestää yleensä 2–4 arkipäivää.",
     "Hyvitys maksetaan alkuperäiselle maksutavalle 5 arkipäivän kuluessa siitä, kun palautus on saapunut.")
_add("KB014", "en",
     "We process returns within 5 working days of receiving them, and the refund goes to the original payment "
     "method.",
     "Follow the return parcel with the tracking link of the return code. | You'll get an e-mail once the return "
     "has been processed. | Depending on your bank, the refund shows in your account within 1-5 working days.",
     "Card payments are refunded to the card, invoice payments are credited to the invoice. | A return "
     "usually takes 2-4 working days to reach our warehouse.",
     "The refund goes to the original payment method within 5 working days of the return arriving.")
_add("KB015", "fi",
     "Jos hyvitystä ei näy tililläsi 10 arkipäivän kuluessa palautuksen käsittelystä, selvitämme asian.",
     "Tarkista palautusvahvistuksesta hyvityksen päivämäärä ja summa. | Tarkista pankkisi tiliotteelta myös "
     "katevarausten palautukset. | Ota yhteyttä meihin ja kerro tilausnumero sekä palautuksen lähetyspäivä.",
     "Jos palautuspaketti on kadonnut matkalla, selvitämme asian kuljetusyhtiön kanssa. | Laskulla maksetun "
     "tilauksen hyvitys näkyy maksupalvelun sovelluksessa, ei pankkitililläsi.",
     "Tarkistimme hyvityksesi tilanteen; jos se ei näy 10 arkipäivässä, teemme selvityksen maksupalveluun.")
_add("KB015", "en",
     "If the refund hasn't appeared in your account within 10 working days of the return being processed, we'll "
     "investigate.",
     "Check the refund date and amount in the return confirmation. | Check your bank statement for released "
     "authorisation holds too. | Contact us with your order number and the date you sent the return.",
     "If the return parcel was lost in transit, we'll sort it out with the courier. | Refunds for orders paid by "
     "invoice show in the payment provider's app, not in your bank account.",
     "We've checked your refund; if it doesn't show within 10 working days we'll investigate with the payment "
     "provider.")
_add("KB016", "fi",
     "Hyvitys maksetaan aina sille maksutavalle, jolla tilaus maksettiin: kortille, MobilePayhin, "
     "verkkopankkitilille tai lahjakortille.",
     "Tarkista tilauksesta, millä maksutavalla maksoit. | Jos kortti on suljettu, pankki ohjaa hyvityksen "
     "tilillesi. | Lahjakortilla maksettu osuus palautetaan uutena lahjakorttina sähköpostiisi.",
     "Emme voi maksaa hyvitystä eri maksutavalle kuin alkuperäinen maksu. | Lahjakortin hyvitys on voimassa "
     "12 kuukautta.",
     "Hyvitys palautuu samalle maksutavalle, jolla maksoit; lahjakorttiosuus palautetaan uutena lahjakorttina.")
_add("KB016", "en",
     "Refunds are always paid to the method used for the order: card, MobilePay, bank account or gift card.",
     "Check which payment method you used for the order. | If the card has been closed, the bank forwards the "
     "refund to your account. | The part paid by gift card is returned as a new gift card by e-mail.",
     "We can't pay a refund to a different method than the original payment. | A refunded gift card is valid "
     "for 12 months.",
     "The refund goes back to the payment method you used; the gift-card part comes back as a new gift card.")
_add("KB017", "fi",
     "Hyvitys voi olla tilauksen summaa pienempi, jos palautat vain osan tuotteista tai jos tilaukseen kuului "
     "kampanjaetu.",
     "Vertaa palautusvahvistuksen tuoterivejä alkuperäiseen tilaukseen. | Tarkista, kohdistettiinko alennus "
     "useaan tuotteeseen. | Jos summa on mielestäsi väärä, ota yhteyttä ja liitä mukaan palautusvahvistus.",
     "Toimituskulut hyvitetään vain, jos palautat koko tilauksen tai tuote on viallinen. | Käytetyn tai "
     "vaurioituneen tuotteen arvonalennus voidaan vähentää hyvityksestä.",
     "Hyvitys lasketaan palautetuista tuotteista; toimituskulut hyvitetään vain koko tilauksen palautuksesta.")
_add("KB017", "en",
     "A refund can be less than the order total if you return only some items or the order included a "
     "campaign benefit.",
     "Compare the lines in the return confirmation with the original order. | Check whether a discount was "
     "spread over several items. | If you think the amount is wrong, contact us and attach the return "
     "confirmation.",
     "Shipping costs are refunded only if you return the whole order or the item is faulty. | A reduction in "
     "value of a used or damaged item may be deducted from the refund.",
     "The refund is calculated from the returned items; shipping is refunded only when the whole order is "
     "returned.")
# ---------------------------------------------------------------------------------------------- complaint
_add("KB018", "fi",
     "Jos tuote on vaurioitunut kuljetuksessa, hoidamme asian nopeasti: saat korvaavan tuotteen tai rahat "
     "takaisin.",
     "Ota kuva tuotteesta ja pakkauksesta. | Tee reklamaatio omalla tililläsi tilauksen kohdalla ja liitä kuvat "
     "mukaan. | Säilytä tuote ja pakkaus, kunnes reklamaatio on käsitelty.",
     "Ilmoita kuljetusvaurioista 14 päivän kuluessa vastaanottamisesta. | Vaurioitunutta tuotetta ei yleensä "
     "tarvitse palauttaa.",
     "Kuljetusvaurio korvataan korvaavalla tuotteella tai hyvityksellä, kun lähetät meille kuvat tuotteesta.")
_add("KB018", "en",
     "If an item was damaged in transit, we'll sort it out quickly: you'll get a replacement or your money back.",
     "Take photos of the item and the packaging. | File a complaint for the order in your account and attach "
     "the photos. | Keep the item and packaging until the complaint has been handled.",
     "Report transport damage within 14 days of receiving the parcel. | You usually don't need to send the "
     "damaged item back.",
     "Transport damage is covered with a replacement or a refund once you send us photos of the item.")
_add("KB019", "fi",
     "Kaikilla tuotteilla on lakisääteinen virhevastuu, ja monella tuotteella on lisäksi valmistajan takuu.",
     "Tarkista tuotesivulta tai kuitista takuuaika. | Tee reklamaatio omalla tililläsi ja kuvaile vika "
     "mahdollisimman tarkasti. | Lähetämme sinulle ohjeet tuotteen toimittamisesta huoltoon tai vaihtoon.",
     "Virhevastuu ei koske tavallista kulumista tai käyttöohjeiden vastaista käyttöä. | Korjaus, vaihto tai "
     "hyvitys ratkaistaan yleensä 14 päivän kuluessa.",
     "Viallinen tuote kuuluu virhevastuun tai takuun piiriin; teethän reklamaation omalla tililläsi.")
_add("KB019", "en",
     "All items are covered by the statutory liability for defects, and many also have a manufacturer's "
     "warranty.",
     "Check the warranty period on the product page or receipt. | File a complaint in your account and describe "
     "the fault as precisely as possible. | We'll send you instructions for repair or replacement.",
     "Liability for defects doesn't cover normal wear and tear or use against the instructions. | Repair, "
     "replacement or refund is usually decided within 14 days.",
     "A faulty item is covered by our liability for defects or the warranty; please file a complaint in your "
     "account.")
_add("KB020", "fi",
     "Pahoittelemme, jos sait väärän tuotteen. Lähetämme oikean tuotteen heti, kun olet ilmoittanut asiasta.",
     "Ilmoita väärästä tuotteesta omalla tililläsi tilauksen kohdalla. | Saat maksuttoman palautuskoodin "
     "väärälle tuotteelle. | Lähetämme oikean tuotteen ilman lisäkuluja.",
     "Älä käytä väärää tuotetta, jotta voimme myydä sen edelleen. | Jos oikea tuote on loppunut, hyvitämme sen "
     "hinnan heti.",
     "Lähetämme oikean tuotteen veloituksetta, ja väärän tuotteen voi palauttaa maksuttomalla koodilla.")
_add("KB020", "en",
     "We're sorry if you received the wrong item. We'll send the right one as soon as you've let us know.",
     "Report the wrong item for the order in your account. | You'll get a free return code for the wrong item. "
     "| We'll ship the right item at no extra cost.",
     "Please don't use the wrong item so that it can be resold. | If the right item is out of stock, we refund "
     "it straight away.",
     "We'll ship the correct item free of charge, and the wrong one can be returned with a free code.")
_add("KB021", "fi",
     "Käsittelemme reklamaatiot saapumisjärjestyksessä, tavallisesti 5 arkipäivän kuluessa.",
     "Tee reklamaatio omalla tililläsi tai yhteydenottolomakkeella. | Saat vahvistuksen ja käsittelynumeron "
     "sähköpostiisi. | Reklamaatiotiimi ottaa sinuun yhteyttä ja kertoo ratkaisun.",
     "Jos et ole tyytyväinen ratkaisuun, voit pyytää asian uudelleenkäsittelyä esimieheltä. | Voit myös viedä "
     "asian kuluttajaneuvontaan ja kuluttajariitalautakuntaan.",
     "Reklamaatiosi on käsittelyssä, ja saat ratkaisun tavallisesti 5 arkipäivän kuluessa.")
_add("KB021", "en",
     "We handle complaints in the order they arrive, usually within 5 working days.",
     "File the complaint in your account or with the contact form. | You'll receive a confirmation and a case "
     "number by e-mail. | Our complaints team will contact you with a resolution.",
     "If you're not happy with the resolution, you can ask for the case to be reviewed by a supervisor. | You can "
     "also take the matter to consumer advice and the Consumer Disputes Board.",
     "Your complaint is being handled, and you'll usually get a resolution within 5 working days.")
# fmt: on

# fmt: off
# ---------------------------------------------------------------------------------------------- invoice
_add("KB022", "fi",
     "Voit siirtää laskun eräpäivää kerran enintään 14 päivällä maksupalvelumme sovelluksessa tai verkkosivulla.",
     "Avaa lasku maksupalvelun sovelluksessa tai laskun linkistä. | Valitse Siirrä eräpäivää ja uusi eräpäivä. "
     "| Vahvista siirto; uusi eräpäivä näkyy laskulla heti.",
     "Eräpäivän siirto on tehtävä ennen alkuperäistä eräpäivää. | Ensimmäinen siirto on maksuton, seuraavista "
     "voidaan periä 5 euron käsittelymaksu.",
     "Eräpäivää voi siirtää kerran enintään 14 päivällä maksupalvelun sovelluksessa ennen alkuperäistä eräpäivää.")
_add("KB022", "en",
     "You can move an invoice's due date once by up to 14 days in our payment provider's app or website.",
     "Open the invoice in the payment provider's app or from the link in the invoice. | Choose Extend due date "
     "and pick the new date. | Confirm; the new due date shows on the invoice straight away.",
     "The due date must be moved before the original due date. | The first extension is free; further ones may "
     "cost a 5-euro handling fee.",
     "You can move the due date once by up to 14 days in the payment provider's app, before the original due "
     "date.")
_add("KB023", "fi",
     "Kaikki laskut ja kuitit löytyvät omalta tililtäsi, josta voit ladata ne PDF-muodossa.",
     "Kirjaudu omalle tilillesi ja avaa Omat tilaukset. | Valitse tilaus ja Lataa kuitti tai Lataa lasku. | "
     "Jos tarvitset laskuun yrityksen tiedot, ota yhteyttä laskutukseen ennen laskun maksamista.",
     "Kuitissa on arvonlisäveron erittely. | Laskun nimeä tai osoitetta ei voi muuttaa enää maksamisen jälkeen.",
     "Laskun ja kuitin saa ladattua PDF-muodossa omalta tililtä kohdasta Omat tilaukset.")
_add("KB023", "en",
     "All invoices and receipts are in your account, where you can download them as PDF files.",
     "Log in to your account and open My orders. | Select the order and choose Download receipt or Download "
     "invoice. | If you need company details on the invoice, contact billing before paying it.",
     "Receipts include the VAT breakdown. | An invoice's name or address can't be changed after it has been "
     "paid.",
     "You can download the invoice and receipt as a PDF in your account under My orders.")
_add("KB024", "fi",
     "Voit maksaa tilauksen laskulla 14 päivän maksuajalla tai jakaa maksun 3–36 kuukauden erään.",
     "Valitse kassalla maksutavaksi Lasku tai Osamaksu. | Tunnistaudu ja hyväksy maksuehdot. | Saat laskun "
     "sähköpostiisi, kun tilaus on lähetetty.",
     "Laskulla maksaminen edellyttää hyväksyttyä luottopäätöstä; siksi vaihtoehto voi joskus puuttua. | Lasku- "
     "ja osamaksu ovat mahdollisia 20–5000 euron tilauksille.",
     "Laskulla tai osamaksulla maksaminen valitaan kassalla, ja se edellyttää hyväksyttyä luottopäätöstä.")
_add("KB024", "en",
     "You can pay for an order by invoice with 14 days to pay, or split the payment into 3-36 monthly "
     "instalments.",
     "Choose Invoice or Instalments at checkout. | Identify yourself and accept the payment terms. | You'll "
     "receive the invoice by e-mail once the order has shipped.",
     "Paying by invoice requires an approved credit decision, which is why the option is sometimes missing. | "
     "Invoice and instalments are available for orders of 20-5,000 euros.",
     "Invoice or instalment payment is chosen at checkout and requires an approved credit decision.")
_add("KB025", "fi",
     "Jos laskua ei ole maksettu eräpäivään mennessä, lähetämme maksumuistutuksen, josta peritään 5 euron "
     "muistutusmaksu.",
     "Tarkista, että maksoit laskun oikealla viitenumerolla. | Jos maksoit juuri ennen muistutusta, maksun "
     "kirjautuminen voi kestää 1–2 arkipäivää. | Jos olet jo maksanut, lähetä meille kuitti maksusta.",
     "Maksamaton muistutus siirtyy perintään 14 päivän kuluttua. | Väärin perityt muistutusmaksut hyvitämme "
     "aina.",
     "Maksumuistutus lähtee, jos maksua ei ole kirjattu eräpäivään mennessä; väärin perityt maksut hyvitämme.")
_add("KB025", "en",
     "If an invoice hasn't been paid by the due date, we send a payment reminder with a 5-euro reminder fee.",
     "Check that you paid the invoice with the correct reference number. | If you paid just before the "
     "reminder, the payment can take 1-2 working days to register. | If you've already paid, send us the "
     "payment receipt.",
     "An unpaid reminder goes to debt collection after 14 days. | We always refund reminder fees charged by "
     "mistake.",
     "A reminder is sent if no payment is registered by the due date; fees charged by mistake are refunded.")
# ---------------------------------------------------------------------------------------------- payment_failure
_add("KB026", "fi",
     "Korttimaksu hylätään yleensä pankin päässä: kortin verkkomaksut voivat olla estetty, kate tai "
     "käyttöraja voi olla ylittynyt tai kortti voi olla vanhentunut.",
     "Tarkista kortin voimassaolo ja saldo sekä verkkomaksujen käyttöraja pankkisovelluksessa. | Varmista, että "
     "kortin verkko- ja ulkomaanmaksut on sallittu. | Kokeile uudelleen tai valitse toinen maksutapa, kuten "
     "MobilePay tai verkkopankki.",
     "Emme näe hylkäyksen tarkkaa syytä; pankkisi kertoo sen. Virhekoodi 05 tarkoittaa yleistä hylkäystä ja 51 "
     "riittämätöntä katetta. | Hylätystä maksusta voi näkyä tilapäinen katevaraus, joka vapautuu muutamassa "
     "päivässä.",
     "Kortin hylkäys tulee pankilta: tarkista verkkomaksujen käyttöraja ja kate, tai valitse toinen maksutapa.")
_add("KB026", "en",
     "Card payments are usually declined by the bank: online payments may be blocked, the balance or limit may "
     "be exceeded, or the card may have expired.",
     "Check the card's expiry date, balance and online payment limit in your banking app. | Make sure online and "
     "foreign payments are allowed on the card. | Try again or choose another method, such as MobilePay or "
     "online banking.",
     "We can't see the exact reason for the decline; your bank can. Error code 05 means a general decline and "
     "51 insufficient funds. | A declined payment may leave a temporary authorisation hold that is released in "
     "a few days.",
     "Card declines come from your bank: check your online payment limit and balance, or choose another method.")
_add("KB027", "fi",
     "Korttimaksut vahvistetaan vahvalla tunnistautumisella (3D Secure) pankkisi sovelluksessa tai "
     "tekstiviestikoodilla.",
     "Pidä pankkisovellus ajan tasalla ja salli sen ilmoitukset. | Vahvista maksu sovelluksessa 5 minuutin "
     "kuluessa. | Jos vahvistusikkuna ei aukea, salli ponnahdusikkunat tai kokeile toista selainta.",
     "Mainosten esto ja yksityinen selaustila voivat estää vahvistusikkunan. | Jos tunnistautuminen epäonnistuu "
     "toistuvasti, tarkista pankista, onko korttisi rekisteröity 3D Secure -palveluun.",
     "Maksu pitää vahvistaa pankin sovelluksessa 5 minuutin kuluessa; salli ponnahdusikkunat tai kokeile toista "
     "selainta.")
_add("KB027", "en",
     "Card payments are confirmed with strong customer authentication (3D Secure) in your bank's app or by a "
     "text-message code.",
     "Keep your banking app up to date and allow its notifications. | Confirm the payment in the app within 5 "
     "minutes. | If the verification window doesn't open, allow pop-ups or try another browser.",
     "Ad blockers and private browsing can block the verification window. | If authentication keeps failing, "
     "ask your bank whether your card is enrolled in 3D Secure.",
     "Confirm the payment in your bank's app within 5 minutes; allow pop-ups or try another browser.")
_add("KB028", "fi",
     "MobilePay- ja verkkopankkimaksussa sinut ohjataan maksupalveluun ja takaisin kauppaan, kun maksu on "
     "valmis.",
     "Älä sulje selainta ennen kuin palaat kauppaan. | Jos MobilePay ei avaudu, tarkista että sovellus on "
     "päivitetty ja puhelinnumero oikein. | Jos maksu keskeytyi, tarkista omalta tililtäsi, syntyikö tilaus, "
     "ennen kuin maksat uudelleen.",
     "Keskeytyneestä maksusta voi näkyä katevaraus, joka vapautuu automaattisesti 1–5 arkipäivässä. | "
     "Maksutapahtuma aikakatkaistaan 5 minuutin jälkeen.",
     "Jos MobilePay- tai pankkimaksu keskeytyi, tilausta ei syntynyt, ja mahdollinen katevaraus vapautuu "
     "itsestään.")
_add("KB028", "en",
     "With MobilePay and online bank payments you are taken to the payment service and back to the shop when the "
     "payment is complete.",
     "Don't close the browser before you're back in the shop. | If MobilePay doesn't open, check that the app is "
     "updated and your phone number is correct. | If the payment was interrupted, check in your account whether "
     "an order was created before paying again.",
     "An interrupted payment may show an authorisation hold that is released automatically in 1-5 working days. "
     "| Payments time out after 5 minutes.",
     "If a MobilePay or bank payment was interrupted, no order was created, and any hold is released "
     "automatically.")
_add("KB029", "fi",
     "Jos tililläsi näkyy kaksi samaa veloitusta, toinen on useimmiten vain katevaraus, joka vapautuu "
     "automaattisesti.",
     "Tarkista omalta tililtäsi, montako tilausta syntyi. | Jos tilauksia on yksi, toinen veloitus on "
     "katevaraus ja vapautuu 1–5 arkipäivässä. | Jos katevaraus ei vapaudu viikossa, ota yhteyttä meihin.",
     "Jos syntyi vahingossa kaksi tilausta, voimme perua toisen ja hyvittää sen heti. | Katevaraus näkyy "
     "pankissa usein tilassa \"varaus\" tai \"vahvistamaton\".",
     "Toinen veloitus on katevaraus, joka vapautuu automaattisesti; jos tilauksia syntyi kaksi, perumme toisen.")
_add("KB029", "en",
     "If you see two identical charges, one of them is usually just an authorisation hold that is released "
     "automatically.",
     "Check in your account how many orders were created. | If there's one order, the second charge is a hold "
     "and will be released in 1-5 working days. | If the hold isn't released within a week, contact us.",
     "If two orders were created by mistake, we can cancel one and refund it straight away. | Holds often show "
     "in the bank as \"reserved\" or \"pending\".",
     "The second charge is an authorisation hold that is released automatically; if two orders were created "
     "we'll cancel one.")
_add("KB030", "fi",
     "Jos maksusivulla tuli virhe, tilaus syntyi vain, jos se näkyy omalla tililläsi ja sait tilausvahvistuksen.",
     "Tarkista Omat tilaukset ja sähköpostisi. | Jos tilausta ei ole, mahdollinen veloitus on katevaraus, joka "
     "vapautuu. | Tee tilaus uudelleen vasta, kun olet varmistanut, ettei ensimmäistä tilausta syntynyt.",
     "Virhekoodi payment_timeout tarkoittaa, että maksu aikakatkaistiin ennen vahvistusta. | Voit myös kysyä "
     "meiltä, niin tarkistamme maksun tilan maksupalvelusta.",
     "Tilaus syntyi vain, jos se näkyy omalla tililläsi; muuten veloitus on katevaraus ja vapautuu.")
_add("KB030", "en",
     "If you got an error on the payment page, an order was only created if it shows in your account and you "
     "received a confirmation.",
     "Check My orders and your e-mail. | If there's no order, any charge is a hold that will be released. | Only "
     "order again once you're sure the first order wasn't created.",
     "The error code payment_timeout means the payment timed out before it was confirmed. | You can also ask us "
     "and we'll check the payment status with the payment provider.",
     "An order exists only if it shows in your account; otherwise the charge is a hold that will be released.")
_add("KB048", "fi",
     "Verkkopankkimaksu peruuntuu, jos paluu kauppaan katkeaa tai maksua ei hyväksytä 5 minuutin kuluessa.",
     "Tarkista verkkopankista, näkyykö maksu veloitettuna. | Jos maksu on peruttu, tilausta ei syntynyt. | Tee "
     "tilaus uudelleen ja palaa maksun jälkeen kauppaan Palaa kauppaan -painikkeella.",
     "Peruttu maksu ei veloitu tililtäsi. | Jos maksu veloittui mutta tilausta ei syntynyt, palautamme rahat "
     "automaattisesti 3 arkipäivässä.",
     "Peruuntunut verkkopankkimaksu ei veloitu; jos rahat lähtivät, ne palautuvat automaattisesti.")
# fmt: on

# fmt: off
# ---------------------------------------------------------------------------------------------- account_login
_add("KB031", "fi",
     "Voit vaihtaa unohtuneen salasanan itse kirjautumissivun Unohtuiko salasana? -linkistä.",
     "Valitse kirjautumissivulla Unohtuiko salasana? ja syötä tilisi sähköpostiosoite. | Avaa sähköpostiisi "
     "tullut linkki tunnin kuluessa. | Valitse uusi salasana, jossa on vähintään 10 merkkiä.",
     "Vaihtolinkki on voimassa tunnin ja toimii vain kerran. | Jos viestiä ei tule, tarkista roskaposti ja se, "
     "että käytät samaa sähköpostia kuin tiliä luodessa.",
     "Salasanan voi vaihtaa kirjautumissivun Unohtuiko salasana? -linkistä; linkki on voimassa tunnin.")
_add("KB031", "en",
     "You can reset a forgotten password yourself with the Forgot password? link on the login page.",
     "On the login page choose Forgot password? and enter your account's e-mail address. | Open the link you "
     "receive by e-mail within an hour. | Choose a new password of at least 10 characters.",
     "The reset link is valid for one hour and works only once. | If no e-mail arrives, check your spam folder "
     "and that you're using the same address you signed up with.",
     "You can reset the password with the Forgot password? link on the login page; the link is valid for an "
     "hour.")
_add("KB032", "fi",
     "Tili lukitaan 30 minuutiksi viiden epäonnistuneen kirjautumisyrityksen jälkeen tietoturvasyistä.",
     "Odota 30 minuuttia ja yritä uudelleen. | Jos et muista salasanaa, vaihda se Unohtuiko salasana? "
     "-linkistä, jolloin lukitus poistuu. | Jos epäilet, että joku muu yrittää kirjautua tilillesi, ota "
     "yhteyttä meihin.",
     "Asiakaspalvelu voi avata lukituksen, kun olemme varmistaneet henkilöllisyytesi. | Emme koskaan kysy "
     "salasanaasi sähköpostilla tai puhelimessa.",
     "Lukitus poistuu 30 minuutissa tai heti, kun vaihdat salasanan Unohtuiko salasana? -linkistä.")
_add("KB032", "en",
     "For security, an account is locked for 30 minutes after five failed login attempts.",
     "Wait 30 minutes and try again. | If you don't remember the password, reset it with the Forgot password? "
     "link, which also removes the lock. | If you suspect someone else is trying to log in to your account, "
     "contact us.",
     "Customer service can unlock the account once we've verified your identity. | We never ask for your "
     "password by e-mail or phone.",
     "The lock is lifted after 30 minutes, or straight away when you reset your password.")
_add("KB033", "fi",
     "Voit vaihtaa tilisi sähköpostiosoitteen Tilin asetuksissa; uusi osoite pitää vahvistaa.",
     "Kirjaudu sisään ja avaa Tilin asetukset. | Syötä uusi sähköpostiosoite ja nykyinen salasanasi. | Vahvista "
     "muutos uuteen osoitteeseen tulleesta linkistä.",
     "Kahta tiliä ei voi yhdistää, mutta voimme siirtää tilaushistorian pyynnöstäsi. | Jos et enää pääse "
     "vanhaan sähköpostiin, ota yhteyttä meihin henkilöllisyyden varmistamiseksi.",
     "Sähköpostin voi vaihtaa Tilin asetuksissa, ja muutos vahvistetaan uuteen osoitteeseen tulevalla linkillä.")
_add("KB033", "en",
     "You can change your account's e-mail address in Account settings; the new address must be verified.",
     "Log in and open Account settings. | Enter the new e-mail address and your current password. | Confirm the "
     "change with the link sent to the new address.",
     "Two accounts can't be merged, but we can move your order history on request. | If you can no longer "
     "access the old e-mail, contact us so we can verify your identity.",
     "You can change the e-mail in Account settings and confirm it with the link sent to the new address.")
_add("KB034", "fi",
     "Istunto vanhenee tietoturvasyistä, jos olet ollut passiivisena 30 minuuttia tai jos selain estää evästeet.",
     "Salli evästeet osoitteelle shop.example.fi. | Valitse kirjautuessa Muista minut. | Päivitä selain tai "
     "sovellus uusimpaan versioon ja tyhjennä välimuisti.",
     "Ostoskorin sisältö säilyy, kun kirjaudut uudelleen samalla tilillä. | Yksityinen selaustila kirjaa sinut "
     "ulos aina, kun suljet ikkunan.",
     "Istunto vanhenee 30 minuutin käyttämättömyyden jälkeen; salli evästeet ja valitse Muista minut.")
_add("KB034", "en",
     "For security, your session expires after 30 minutes of inactivity or if your browser blocks cookies.",
     "Allow cookies for shop.example.fi. | Tick Remember me when logging in. | Update your browser or app to the "
     "latest version and clear the cache.",
     "Your cart is kept when you log back in with the same account. | Private browsing logs you out whenever you "
     "close the window.",
     "Sessions expire after 30 minutes of inactivity; allow cookies and tick Remember me.")
# ---------------------------------------------------------------------------------------------- product_question
_add("KB035", "fi",
     "Tuotesivulla näkyy aina ajantasainen varastosaldo ja, jos tiedossa, arvioitu saapumispäivä.",
     "Avaa tuotesivu ja valitse koko tai väri nähdäksesi sen saatavuuden. | Valitse Ilmoita kun saatavilla, niin "
     "saat sähköpostin, kun tuote tulee varastoon. | Tarkista myös vastaavat tuotteet tuotesivun alaosasta.",
     "Loppuunmyytyä tuotetta ei voi tilata jälkitoimitukseen. | Poistuvat tuotteet merkitään tuotesivulle "
     "tekstillä \"poistuu valikoimasta\".",
     "Saatavuus näkyy tuotesivulla, ja saat ilmoituksen sähköpostiin, kun tuote tulee takaisin varastoon.")
_add("KB035", "en",
     "The product page always shows the current stock level and, where known, the expected arrival date.",
     "Open the product page and pick a size or colour to see its availability. | Choose Notify me when "
     "available to get an e-mail when it's back in stock. | Also check similar products at the bottom of the "
     "page.",
     "Sold-out items can't be back-ordered. | Discontinued products are marked \"being discontinued\" on the "
     "product page.",
     "Availability is shown on the product page, and you can get an e-mail when the item is back in stock.")
_add("KB036", "fi",
     "Jokaisella vaatteiden ja kenkien tuotesivulla on kokotaulukko, jossa mitat on ilmoitettu senttimetreinä.",
     "Mittaa rinnanympärys, vyötärö ja lantio tai jalan pituus. | Vertaa mittoja tuotesivun kokotaulukkoon. | "
     "Lue muiden asiakkaiden arviot: niissä kerrotaan usein, onko tuote pieni vai iso kooltaan.",
     "Kokojen välillä kannattaa valita isompi, jos haluat väljemmän istuvuuden. | Koon vaihto on maksuton 30 "
     "päivän kuluessa.",
     "Kokotaulukko löytyy tuotesivulta, ja koon voi vaihtaa maksutta 30 päivän kuluessa.")
_add("KB036", "en",
     "Every clothing and footwear product page has a size guide with measurements in centimetres.",
     "Measure your chest, waist and hips or the length of your foot. | Compare the measurements with the size "
     "guide on the product page. | Read other customers' reviews: they often say whether an item runs small or "
     "large.",
     "If you're between sizes, choose the larger one for a looser fit. | Size exchanges are free within 30 days.",
     "The size guide is on the product page, and sizes can be exchanged free of charge within 30 days.")
_add("KB037", "fi",
     "Tuotteen tekniset tiedot, materiaalit, mitat ja hoito-ohjeet löytyvät tuotesivun Tuotetiedot-välilehdeltä.",
     "Avaa tuotesivun Tuotetiedot-välilehti. | Tarkista yhteensopivuus valmistajan ilmoittamista tiedoista. | "
     "Jos tietoa ei löydy, kysy tuotesivun Kysy tuotteesta -toiminnolla.",
     "Sähkölaitteiden käyttöohjeet ovat ladattavissa PDF-muodossa tuotesivulta. | Varaosia voi tilata "
     "valmistajan huoltoliikkeistä.",
     "Tuotetiedot, mitat ja yhteensopivuus löytyvät tuotesivun Tuotetiedot-välilehdeltä.")
_add("KB037", "en",
     "An item's specifications, materials, dimensions and care instructions are on the product page's Details "
     "tab.",
     "Open the Details tab on the product page. | Check compatibility in the manufacturer's information. | If "
     "the information isn't there, use Ask about this product on the product page.",
     "Manuals for electrical products can be downloaded as PDF files from the product page. | Spare parts can be "
     "ordered from the manufacturer's service partners.",
     "Specifications, dimensions and compatibility are on the product page's Details tab.")
# fmt: on

# fmt: off
# ---------------------------------------------------------------------------------------------- cancellation
_add("KB038", "fi",
     "Voit perua tilauksen omalla tililläsi niin kauan kuin sen tila on \"vastaanotettu\".",
     "Avaa tilaus kohdassa Omat tilaukset. | Valitse Peru tilaus ja vahvista peruminen. | Saat vahvistuksen "
     "sähköpostiisi, ja veloitus palautuu maksutavallesi 3–5 arkipäivässä.",
     "Käsittelyssä olevaa tilausta ei voi enää perua verkossa, mutta asiakaspalvelu voi yrittää pysäyttää sen. "
     "| Osittain perutusta tilauksesta hyvitetään vain perutut tuotteet.",
     "Tilauksen voi perua omalla tililläsi kohdassa Omat tilaukset niin kauan kuin sen tila on "
     "\"vastaanotettu\".")
_add("KB038", "en",
     "You can cancel an order in your account as long as its status is \"received\".",
     "Open the order under My orders. | Choose Cancel order and confirm. | You'll get a confirmation by e-mail, "
     "and the charge is returned to your payment method within 3-5 working days.",
     "An order that is being processed can no longer be cancelled online, but customer service can try to stop "
     "it. | For a partly cancelled order, only the cancelled items are refunded.",
     "You can cancel the order in your account under My orders as long as its status is \"received\".")
_add("KB039", "fi",
     "Lähetettyä tilausta ei voi perua, mutta voit palauttaa sen maksutta 30 päivän kuluessa.",
     "Odota, että paketti saapuu, ja tee palautus omalla tililläsi. | Vaihtoehtoisesti jätä paketti noutamatta, "
     "jolloin se palautuu meille automaattisesti. | Hyvitämme tilauksen, kun paketti on palautunut varastolle.",
     "Noutamatta jätetystä paketista voimme periä 9,90 euron käsittelymaksun. | Kotiinkuljetuksen voi kieltäytyä "
     "vastaanottamasta kuljettajalle.",
     "Lähetettyä tilausta ei voi perua, mutta sen voi palauttaa maksutta 30 päivän kuluessa.")
_add("KB039", "en",
     "A shipped order can't be cancelled, but you can return it free of charge within 30 days.",
     "Wait for the parcel to arrive and register the return in your account. | Alternatively, don't collect the "
     "parcel and it will be returned to us automatically. | We refund the order once the parcel is back in our "
     "warehouse.",
     "We may charge a 9.90-euro handling fee for uncollected parcels. | You can refuse a home delivery at the "
     "door.",
     "A shipped order can't be cancelled, but it can be returned free of charge within 30 days.")
_add("KB040", "fi",
     "Ennakkotilauksen voi perua maksutta milloin tahansa ennen kuin tuote lähetetään.",
     "Avaa ennakkotilaus kohdassa Omat tilaukset. | Valitse Peru tilaus. | Koska ennakkotilausta ei veloiteta "
     "ennen lähetystä, rahaa ei tarvitse palauttaa; katevaraus vapautuu.",
     "Jos julkaisu siirtyy, ilmoitamme siitä sähköpostilla. | Ennakkotilaukset lähetetään julkaisupäivänä "
     "tilausjärjestyksessä.",
     "Ennakkotilauksen voi perua maksutta omalla tililläsi ennen kuin tuote lähetetään.")
_add("KB040", "en",
     "A pre-order can be cancelled free of charge at any time before the item ships.",
     "Open the pre-order under My orders. | Choose Cancel order. | Pre-orders aren't charged before dispatch, so "
     "nothing needs refunding; any hold is released.",
     "If the release is delayed, we'll let you know by e-mail. | Pre-orders ship on the release date in order of "
     "purchase.",
     "A pre-order can be cancelled free of charge in your account before the item ships.")
# ---------------------------------------------------------------------------------------------- discount_code
_add("KB041", "fi",
     "Alennuskoodi syötetään ostoskorissa kohtaan Lisää alennuskoodi ennen maksamista.",
     "Avaa ostoskori. | Valitse Lisää alennuskoodi ja kirjoita koodi täsmälleen sellaisenaan. | Tarkista, että "
     "alennus näkyy loppusummassa ennen kuin siirryt maksamaan.",
     "Yhteen tilaukseen voi käyttää yhden koodin. | Koodia ei voi lisätä jälkikäteen jo maksettuun tilaukseen.",
     "Alennuskoodi syötetään ostoskorissa kohtaan Lisää alennuskoodi ennen maksamista.")
_add("KB041", "en",
     "Enter the discount code in the cart under Add discount code before you pay.",
     "Open your cart. | Choose Add discount code and type the code exactly as given. | Check that the discount "
     "shows in the total before going to payment.",
     "Only one code can be used per order. | A code can't be added afterwards to an order that has already been "
     "paid.",
     "Enter the discount code in the cart under Add discount code before you pay.")
_add("KB042", "fi",
     "Alennuskoodi ei toimi yleensä siksi, että se on vanhentunut, vähimmäistilaussumma ei täyty tai koodi ei "
     "koske ostoskorin tuotteita.",
     "Tarkista koodin voimassaoloaika ja ehdot viestistä, jossa sait sen. | Varmista, että ostoskorin summa "
     "ylittää mahdollisen vähimmäissumman. | Poista välilyönnit koodin alusta ja lopusta.",
     "Koodit eivät yleensä koske jo alennettuja tuotteita eivätkä lahjakortteja. | Henkilökohtaisen koodin voi "
     "käyttää vain kerran.",
     "Koodi ei toimi, jos se on vanhentunut, vähimmäissumma ei täyty tai se ei koske ostoskorin tuotteita.")
_add("KB042", "en",
     "A discount code usually fails because it has expired, the minimum order value isn't met or the code "
     "doesn't apply to the items in your cart.",
     "Check the validity period and terms in the message that gave you the code. | Make sure the cart total "
     "exceeds any minimum order value. | Remove spaces at the start and end of the code.",
     "Codes usually don't apply to items already on sale or to gift cards. | A personal code can only be used "
     "once.",
     "A code fails if it has expired, the minimum isn't met or it doesn't apply to the items in the cart.")
_add("KB043", "fi",
     "Kanta-asiakkaana saat jokaisesta ostoksesta bonusta 3 % ja lisäksi syntymäpäivä- ja jäsenetuja.",
     "Liity kanta-asiakkaaksi maksutta omalla tililläsi. | Bonus kertyy automaattisesti, kun olet kirjautunut "
     "ostaessasi. | Käytä kertynyt bonus kassalla kohdassa Käytä bonukset.",
     "Bonukset ovat voimassa 12 kuukautta niiden kertymisestä. | Palautetuista tuotteista kertynyt bonus "
     "vähennetään saldostasi.",
     "Bonus kertyy automaattisesti, kun olet kirjautunut, ja sen voi käyttää kassalla 12 kuukauden ajan.")
_add("KB043", "en",
     "As a loyalty member you earn 3 % bonus on every purchase plus birthday and member benefits.",
     "Join the loyalty programme for free in your account. | Bonus builds up automatically when you're logged "
     "in while shopping. | Use your bonus at checkout under Use bonus.",
     "Bonus is valid for 12 months from when it was earned. | Bonus earned on returned items is deducted from "
     "your balance.",
     "Bonus builds up automatically when you're logged in and can be used at checkout for 12 months.")
# ---------------------------------------------------------------------------------------------- gdpr_request
_add("KB044", "fi",
     "Voit pyytää henkilötietojesi poistamista, ja käsittelemme pyynnön 30 päivän kuluessa.",
     "Kirjaudu omalle tilillesi ja avaa Tietosuoja-asetukset. | Valitse Poista tili ja tiedot ja vahvista "
     "pyyntö. | Saat sähköpostiisi vahvistuksen, kun tiedot on poistettu.",
     "Kirjanpitolaki velvoittaa säilyttämään ostotiedot kuusi vuotta, joten niitä ei voi poistaa heti. | "
     "Poistettua tiliä ei voi palauttaa, ja kertyneet bonukset menetetään.",
     "Tietojen poistopyyntö tehdään Tietosuoja-asetuksissa, ja käsittelemme sen 30 päivän kuluessa.")
_add("KB044", "en",
     "You can ask us to delete your personal data, and we handle the request within 30 days.",
     "Log in to your account and open Privacy settings. | Choose Delete account and data and confirm the "
     "request. | You'll get a confirmation by e-mail once the data has been deleted.",
     "Accounting law requires us to keep purchase records for six years, so they can't be deleted straight "
     "away. | A deleted account can't be restored, and any bonus is lost.",
     "Deletion requests are made in Privacy settings, and we handle them within 30 days.")
_add("KB045", "fi",
     "Sinulla on oikeus saada tietää, mitä henkilötietoja sinusta on tallennettu ja mihin niitä käytetään.",
     "Avaa Tietosuoja-asetukset omalla tililläsi. | Valitse Lataa omat tiedot. | Saat koneluettavan tiedoston "
     "sähköpostiisi 30 päivän kuluessa.",
     "Tietopyyntö on maksuton kerran vuodessa. | Tietojen käyttötarkoitukset on kuvattu tietosuojaselosteessa.",
     "Omat tiedot voi ladata Tietosuoja-asetuksista, ja tiedosto toimitetaan 30 päivän kuluessa.")
_add("KB045", "en",
     "You have the right to know what personal data we hold about you and what it is used for.",
     "Open Privacy settings in your account. | Choose Download my data. | You'll receive a machine-readable file "
     "by e-mail within 30 days.",
     "A data request is free once a year. | The purposes of processing are described in our privacy policy.",
     "You can download your data in Privacy settings, and the file is delivered within 30 days.")
_add("KB046", "fi",
     "Voit perua uutiskirjeen ja muut markkinointiviestit milloin tahansa.",
     "Napsauta uutiskirjeen alaosan Peru tilaus -linkkiä. | Tai avaa Tilin asetukset ja poista "
     "markkinointiluvat. | Tekstiviestimarkkinoinnin voi lopettaa vastaamalla viestiin STOP.",
     "Muutos tulee voimaan viimeistään 7 päivän kuluessa. | Tilaukseen liittyviä viestejä, kuten "
     "toimitusilmoituksia, lähetämme jatkossakin.",
     "Markkinointiviestit voi perua uutiskirjeen linkistä tai Tilin asetuksista; muutos tulee voimaan viikossa.")
_add("KB046", "en",
     "You can unsubscribe from the newsletter and other marketing at any time.",
     "Click Unsubscribe at the bottom of the newsletter. | Or open Account settings and remove your marketing "
     "consents. | Stop text-message marketing by replying STOP.",
     "The change takes effect within 7 days at the latest. | We'll still send messages about your orders, such "
     "as delivery notices.",
     "You can unsubscribe via the newsletter link or Account settings; it takes effect within a week.")
# ---------------------------------------------------------------------------------------------- single-language
_add("KB047", "fi",
     "Toimitamme Ahvenanmaalle Postin kautta. Ahvenanmaa kuuluu EU:n arvonlisäverotuksen ulkopuolelle, joten "
     "lähetykset tulliselvitetään.",
     "Valitse kassalla toimitustavaksi Posti. | Tilauksesta laaditaan tulli-ilmoitus automaattisesti. | Posti "
     "perii mahdolliset tullimaksut ja arvonlisäveron paketin luovutuksen yhteydessä.",
     "Toimitus kestää tavallisesti 3–6 arkipäivää. | Palautukset Ahvenanmaalta ovat maksuttomia, mutta "
     "tulliselvitys voi pidentää hyvityksen käsittelyä.",
     "Toimitamme Ahvenanmaalle Postilla; lähetykset tulliselvitetään, ja toimitus kestää 3–6 arkipäivää.")
_add("KB049", "en",
     "We ship to Sweden, Estonia and the other Nordic and Baltic countries with DHL.",
     "Choose DHL as the delivery method at checkout. | Check the estimated delivery date and shipping cost "
     "shown for your country. | Follow the parcel with the DHL tracking link.",
     "Deliveries within the EU have no customs charges. | Delivery usually takes 3-7 working days, and returns "
     "from abroad cost 9.90 euros.",
     "We ship to the Nordic and Baltic countries with DHL; delivery takes 3-7 working days with no customs "
     "within the EU.")
# fmt: on

# Answers (no article) for the single-language topics, so that agents can reply in either language.
_add("KB047", "en", "", "", "",
     "We deliver to Åland with Posti; parcels go through customs clearance and take 3-6 working days.")
_add("KB048", "en", "", "", "",
     "A cancelled online bank payment is not charged; if money did leave your account, it is returned "
     "automatically.")
_add("KB049", "fi", "", "", "",
     "Toimitamme Pohjoismaihin ja Baltiaan DHL:llä; toimitus kestää 3–7 arkipäivää, eikä EU:n sisällä ole "
     "tullimaksuja.")
