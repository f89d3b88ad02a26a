"""Ticket phrasing for the synthetic web-shop generator (:func:`cxml.datasets.make_webshop`).

``CORE[group_id][lang]``: the sentence(s) that state the customer's problem for one topic.
``SUBJECTS[group_id][lang]``: short subject lines for the topic.
``DETAILS[reason][lang]``: optional follow-up sentences shared by all topics of a reason.
``VAGUE[reason][lang]``: under-specified messages (the reason is guessable only from weak cues).

Slots filled by the generator: ``{order}`` (``#100234``), ``{product}``, ``{p_gen}``, ``{p_part}``, ``{p_ela}``,
``{p_acc}``, ``{p_olla}`` (Finnish case forms and the agreeing verb), ``{p_en}``, ``{courier}``, ``{tracking}``,
``{amount}``, ``{date}``, ``{days}``, ``{coupon}``, ``{pp}`` (pickup point), ``{inv}`` (invoice number),
``{size}``, ``{size2}``; ``{garment}``/``{g_*}`` (a wearable product, with ``{g_pl}`` its plural) and
``{device}``/``{d_en}`` (an electrical product) where the sentence only fits one kind; agreement helpers
``{g_small}`` (pieni/pienet), ``{g_is}`` (is/are), ``{p_en_a}`` ("a jacket", "shoes") and the Finnish cases
of the courier ``{courier_gen}``, ``{courier_ade}``, ``{courier_all}`` (Matkahuollon, Matkahuollolla,
Matkahuollolle). All text is invented.
"""

from __future__ import annotations

# fmt: off
CORE: dict[str, dict[str, list[str]]] = {
    # ---------------------------------------------------------------- order_status
    "KB001": {
        "fi": [
            "Tilaukseni {order} ei ole vieläkään saapunut. Missä vaiheessa se on?",
            "Tilasin {p_acc} {days} päivää sitten, eikä siitä ole kuulunut mitään.",
            "Voisitteko tarkistaa tilaukseni {order} tilan? Sivulla lukee vain \"käsittelyssä\".",
            "Milloin tilaukseni lähtee? Tilausnumero on {order}.",
            "Tilasin {p_acc} {date}, mutta mitään ei ole kuulunut. Onko tilaus edes lähtenyt?",
            "Mikä on tilauksen {order} tilanne? Maksu on jo veloitettu tililtäni.",
        ],
        "en": [
            "My order {order} still hasn't arrived. Can you tell me where it is?",
            "I ordered {p_en_a} {days} days ago and haven't heard anything since.",
            "Could you check the status of order {order}? The page just says \"processing\".",
            "When will my order ship? The order number is {order}.",
            "I'm still waiting for the {p_en} I ordered on {date}. Has the order even been sent?",
            "What's going on with order {order}? The payment has already been taken from my account.",
        ],
    },
    "KB002": {
        "fi": [
            "En saanut tilausvahvistusta sähköpostiini. Meniköhän tilaus {order} läpi?",
            "Tein tilauksen eilen, mutta vahvistusviestiä ei ole tullut. Roskapostissakaan ei ole mitään.",
            "Maksoin tilauksen, mutta en saanut vahvistusta enkä tilausnumeroa. Onko tilaus kirjautunut?",
            "Tilausvahvistus puuttuu edelleen. Voitteko lähettää sen uudelleen?",
        ],
        "en": [
            "I never received an order confirmation e-mail. Did order {order} go through?",
            "I placed an order yesterday but no confirmation has arrived, not even in my spam folder.",
            "I paid but got no confirmation and no order number. Is my order in your system?",
            "Still no order confirmation. Could you resend it please?",
        ],
    },
    "KB003": {
        "fi": [
            "Haluaisin lisätä tilaukseeni {order} vielä yhden tuotteen. Onnistuuko se?",
            "Valitsin väärän koon ({size}), voinko muuttaa tilausta {order} kokoon {size2}?",
            "Voiko tilauksen {order} toimitustapaa vielä muuttaa? Haluaisin noudon {pp}.",
            "Tilasin vahingossa kaksi kappaletta, voitteko poistaa toisen tilauksesta?",
        ],
        "en": [
            "I'd like to add one more item to order {order}. Is that possible?",
            "I picked the wrong size ({size}). Can you change order {order} to {size2}?",
            "Can I still change the delivery method on order {order}? I'd prefer pickup at {pp}.",
            "I accidentally ordered two of the same item, can you remove one from the order?",
        ],
    },
    "KB004": {
        "fi": [
            "Sain vain osan tilauksesta {order}. Missä loput tuotteet ovat?",
            "Paketista puuttui yksi tuote ({product}), vaikka se oli tilausvahvistuksessa. Tuleeko se erikseen?",
            "Tilaukseni tuli kahdessa osassa ja toinen paketti puuttuu vielä. Onko se tulossa?",
            "Vain yksi kolmesta tuotteesta on toimitettu. Milloin loput lähtevät?",
        ],
        "en": [
            "I only received part of order {order}. Where are the rest of the items?",
            "One item ({p_en}) was missing from the parcel even though it was on the confirmation. Is it coming separately?",
            "My order came in two parcels and the second one is still missing. Is it on its way?",
            "Only one of three items has been delivered. When will the rest ship?",
        ],
    },
    # ---------------------------------------------------------------- delivery
    "KB005": {
        "fi": [
            "Kuinka kauan toimitus kestää {courier_ade}? Tarvitsisin paketin ennen viikonloppua.",
            "Paljonko toimitus maksaa ja kuinka nopeasti {courier} tuo paketin?",
            "Ehtiikö tilaus perille {date} mennessä, jos tilaan tänään?",
            "Toimitusaika-arvio oli 2–4 päivää, mutta nyt on mennyt jo viikko. Onko tämä normaalia?",
            "Toimitatteko myös lauantaisin? Olen arkisin töissä enkä ehdi noutamaan.",
        ],
        "en": [
            "How long does delivery take with {courier}? I need the parcel before the weekend.",
            "How much is shipping and how fast does {courier} deliver?",
            "If I order today, will it arrive by {date}?",
            "The delivery estimate was 2-4 days but it's been a week already. Is that normal?",
            "Do you deliver on Saturdays too? I work on weekdays and can't pick it up.",
        ],
    },
    "KB006": {
        "fi": [
            "Haluaisin vaihtaa noutopisteeksi {pp}. Paketti on jo matkalla.",
            "Noutopiste on täynnä ja paketti ohjattiin toiseen paikkaan. Voinko vaihtaa sen lähemmäs?",
            "Valitsin väärän noutopisteen, voiko sen vielä vaihtaa?",
            "Pakettini meni noutopisteeseen, joka on kaukana. Saako sen siirrettyä {pp}?",
        ],
        "en": [
            "I'd like to change my pickup point to {pp}. The parcel is already on its way.",
            "The pickup point was full and my parcel was redirected. Can I move it somewhere closer?",
            "I chose the wrong pickup point, can it still be changed?",
            "My parcel went to a pickup point far away. Can it be moved to {pp}?",
        ],
    },
    "KB007": {
        "fi": [
            "Seurantakoodi {tracking} ei näytä mitään tietoja. Onko paketti oikeasti lähtenyt?",
            "Seurannassa lukee samaa jo viisi päivää: \"lähetys on rekisteröity\". Missä paketti on?",
            "{courier_gen} seuranta ei päivity, ja paketin piti olla perillä jo {date}.",
            "Paketti näkyy seurannassa toimitettuna, mutta en ole saanut sitä.",
            "Lähetystunnus {tracking} ei toimi {courier_gen} sivuilla.",
        ],
        "en": [
            "Tracking code {tracking} shows no information. Has the parcel actually been sent?",
            "Tracking has said \"shipment registered\" for five days now. Where is my parcel?",
            "The {courier} tracking isn't updating, and the parcel was supposed to arrive on {date}.",
            "The tracking says delivered but I never got the parcel.",
            "Tracking number {tracking} doesn't work on the {courier} website.",
        ],
    },
    "KB008": {
        "fi": [
            "Huomasin, että toimitusosoitteessa on virhe. Voitteko korjata sen ennen lähetystä?",
            "Osoitteesta puuttuu rapun kirjain ja asunnon numero, eikä paketti tule perille.",
            "Kassalla tuli ilmoitus, ettei osoitetta voitu vahvistaa, vaikka se on oikein.",
            "Muutin juuri, ja tilaus {order} on menossa vanhaan osoitteeseen. Voiko osoitetta vaihtaa?",
        ],
        "en": [
            "I noticed a mistake in my delivery address. Can you fix it before the parcel ships?",
            "The address is missing my staircase letter and flat number, so the parcel won't reach me.",
            "At checkout it said the address could not be validated, but it is correct.",
            "I just moved and order {order} is going to my old address. Can you change it?",
        ],
    },
    "KB009": {
        "fi": [
            "Budbee-kuljettaja ei tullut sovittuna aikana. Milloin paketti toimitetaan?",
            "Voiko kotiinkuljetuksen ajankohtaa siirtää? En ole kotona {date}.",
            "Kotiinkuljetus jätettiin oven taakse, mutta pakettia ei ollut siellä.",
            "Valitsin kotiinkuljetuksen, mutta paketti meni noutopisteeseen. Miksi?",
        ],
        "en": [
            "The Budbee driver didn't show up in the agreed time slot. When will the parcel come?",
            "Can I reschedule the home delivery? I won't be home on {date}.",
            "The home delivery was left outside my door but the parcel wasn't there.",
            "I chose home delivery but the parcel went to a pickup point. Why?",
        ],
    },
    # ---------------------------------------------------------------- return
    "KB010": {
        "fi": [
            "Haluaisin palauttaa {p_acc}. Miten palautus tehdään?",
            "Miten tuotteen palautus toimii? {garment} {g_olla} liian {g_small}.",
            "Kuinka palautan tilauksen {order}? En löydä ohjeita sivuiltanne.",
            "Haluan palauttaa osan tilauksesta. Pitääkö minun täyttää jokin lomake?",
            "Voinko palauttaa {p_acc}, vaikka pakkaus on jo avattu?",
        ],
        "en": [
            "I'd like to return the {p_en}. How do I do that?",
            "How do returns work? The {g_en} {g_is} too small.",
            "How do I send back order {order}? I can't find any instructions on your site.",
            "I want to return part of my order. Do I need to fill in a form?",
            "Can I return the {p_en} even though I've opened the package?",
        ],
    },
    "KB011": {
        "fi": [
            "Paketissa ei ollut palautuslipuketta. Mistä saan sen?",
            "Palautuskoodia ei tullut sähköpostiin, vaikka tein palautuksen verkossa.",
            "Palautuslomake antaa virheen, kun yritän tulostaa palautuslappua.",
            "Tarvitsen uuden palautuskoodin {courier_all}, vanha ei kelpaa automaatissa.",
        ],
        "en": [
            "There was no return label in the parcel. Where can I get one?",
            "I never got the return code by e-mail although I registered the return online.",
            "The return form gives an error when I try to print the return label.",
            "I need a new return code for {courier}, the old one doesn't work at the parcel locker.",
        ],
    },
    "KB012": {
        "fi": [
            "Kuinka pitkä palautusaika teillä on? Tilasin {p_acc} noin kuukausi sitten.",
            "Palautusaika umpeutui pari päivää sitten. Voinko silti palauttaa {p_acc}?",
            "Onko palautus ilmainen, vai joudunko maksamaan postikulut itse?",
            "Koskeeko palautusoikeus myös alennustuotteita?",
        ],
        "en": [
            "How long is your return period? I ordered the {p_en} about a month ago.",
            "The return period ended a couple of days ago. Can I still send the {p_en} back?",
            "Are returns free, or do I have to pay the postage myself?",
            "Does the right of return apply to sale items as well?",
        ],
    },
    "KB013": {
        "fi": [
            "{garment} {g_olla} liian {g_small}. Voinko vaihtaa koon {size} kokoon {size2}?",
            "Haluaisin vaihtaa {g_acc} toiseen väriin. Miten vaihto tehdään?",
            "Onko mahdollista vaihtaa koko suoraan, ilman että teen palautuksen ja uuden tilauksen?",
            "Tilasin koon {size}, mutta tarvitsen isomman. Onko vaihto maksuton?",
        ],
        "en": [
            "The {g_en} {g_is} too small. Can I exchange size {size} for {size2}?",
            "I'd like to swap the {g_en} for another colour. How do exchanges work?",
            "Can I exchange the size directly without returning it and placing a new order?",
            "I ordered size {size} but need a bigger one. Is an exchange free of charge?",
        ],
    },
    # ---------------------------------------------------------------- refund
    "KB014": {
        "fi": [
            "Palautin {p_acc} {days} päivää sitten. Milloin saan rahat takaisin?",
            "Kuinka kauan hyvityksen käsittely kestää? Palautus on jo perillä teillä.",
            "Milloin palautuksesta maksetaan hyvitys? Summa oli {amount}.",
            "Palautukseni on kirjattu vastaanotetuksi, mutta rahoja ei ole vielä näkynyt.",
        ],
        "en": [
            "I returned the {p_en} {days} days ago. When will I get my money back?",
            "How long does a refund take? The return has already reached you.",
            "When will the refund for my return be paid? The amount was {amount}.",
            "My return has been marked as received but I haven't seen the money yet.",
        ],
    },
    "KB015": {
        "fi": [
            "Hyvitystä ei ole vieläkään tullut tililleni, vaikka palautuksesta on kolme viikkoa.",
            "Sain viestin, että hyvitys {amount} on maksettu, mutta tilillä ei näy mitään.",
            "Peruin tilauksen {order} jo {date}, mutta rahoja ei ole palautettu.",
            "Missä viipyy hyvitykseni? Olen odottanut sitä jo kuukauden.",
        ],
        "en": [
            "The refund still hasn't reached my account, although I returned the items three weeks ago.",
            "I got a message that the {amount} refund was paid, but nothing shows up in my account.",
            "I cancelled order {order} on {date} but the money hasn't been returned.",
            "Where is my refund? I've been waiting for a month now.",
        ],
    },
    "KB016": {
        "fi": [
            "Maksoin lahjakortilla, palautetaanko hyvitys lahjakortille vai tilille?",
            "Voitteko maksaa hyvityksen tilisiirtona? Korttini on suljettu.",
            "Saisinko hyvityksen rahana lahjakortin sijaan?",
            "Maksoin laskulla, mutta olen jo maksanut laskun. Miten saan rahat takaisin?",
        ],
        "en": [
            "I paid with a gift card. Is the refund returned to the gift card or to my account?",
            "Can you pay the refund by bank transfer? My card has been closed.",
            "Could I get the refund as money instead of a gift card?",
            "I paid by invoice and have already paid it. How do I get my money back?",
        ],
    },
    "KB017": {
        "fi": [
            "Sain hyvitystä vain {amount}, vaikka palautin koko tilauksen. Miksi summa on pienempi?",
            "Hyvityksestä on vähennetty postikulut, vaikka palautus piti olla ilmainen.",
            "Palautin kaksi tuotetta, mutta hyvitys tuli vain toisesta.",
            "Miksi hyvityksestä vähennettiin {amount}? Tuote oli käyttämätön.",
        ],
        "en": [
            "I only got {amount} back although I returned the whole order. Why is it less?",
            "Shipping costs were deducted from my refund although returns were supposed to be free.",
            "I returned two items but was refunded for only one of them.",
            "Why was {amount} deducted from my refund? The item was unused.",
        ],
    },
}
# fmt: on

#: Subject lines per topic (filled below).
SUBJECTS: dict[str, dict[str, list[str]]] = {}
#: Follow-up sentences per reason (filled below).
DETAILS: dict[str, dict[str, list[str]]] = {}
#: Vague messages per reason (filled below).
VAGUE: dict[str, dict[str, list[str]]] = {}

# fmt: off
CORE.update({
    # ---------------------------------------------------------------- complaint
    "KB018": {
        "fi": [
            "Tilaamani tuote ({product}) saapui rikkinäisenä. Paketti oli pahasti ruttuun painunut.",
            "Avasin paketin ja {p_ela} puuttui osa, lisäksi pinta on naarmuilla.",
            "Tilauksen {order} tuote ({product}) on särkynyt kuljetuksessa. Liitin kuvat mukaan.",
            "Tuote tuli rikki, laatikko oli märkä ja revennyt. Mitä nyt teen?",
            "Sain {p_acc} vaurioituneena, en voi käyttää tuotetta näin.",
        ],
        "en": [
            "The {p_en} arrived broken. The box was badly crushed.",
            "I opened the parcel and part of the {p_en} was missing, and the surface is scratched.",
            "The {p_en} from order {order} was damaged in transit. Photos attached.",
            "The item came broken, the box was wet and torn. What do I do now?",
            "The {p_en} I ordered arrived damaged, I can't use the item like this.",
        ],
    },
    "KB019": {
        "fi": [
            "{device} lakkasi toimimasta kahden viikon käytön jälkeen. Kuuluuko tämä takuuseen?",
            "Ostamani {device} on viallinen: se ei käynnisty ollenkaan.",
            "{g_ela} irtosi sauma jo ensimmäisellä käyttökerralla. Haluan tehdä reklamaation.",
            "Tuote on ollut käytössä vasta kuukauden ja nyt se on jo hajonnut. Onko tuotteella takuu?",
            "Haluan reklamoida {g_gen} laadusta: sauma aukesi jo ensimmäisessä pesussa.",
        ],
        "en": [
            "The {d_en} stopped working after two weeks. Is this covered by the warranty?",
            "The {d_en} I bought won't switch on at all.",
            "A seam on the {g_en} came apart the first time I used it. I want to make a complaint.",
            "I've only used it for a month and it's already broken. Does it have a warranty?",
            "I'd like to complain about the quality of the {g_en}, the seams didn't survive a single wash.",
        ],
    },
    "KB020": {
        "fi": [
            "Sain väärän tuotteen. Tilasin {p_acc}, mutta paketissa oli jotain aivan muuta.",
            "Paketissa oli väärä koko: tilasin {size}, mutta sain {size2}.",
            "Tilauksessa {order} tuli väärän värinen tuote ({product}).",
            "Tilasin kaksi eri tuotetta, mutta sain kaksi samaa. Miten tämä korjataan?",
        ],
        "en": [
            "I received the wrong item. I ordered {p_en_a} but the parcel had something else entirely.",
            "The parcel had the wrong size: I ordered {size} but got {size2}.",
            "Order {order} came with the {p_en} in the wrong colour.",
            "I ordered two different items but got two of the same. How will you fix this?",
        ],
    },
    "KB021": {
        "fi": [
            "Tein reklamaation kaksi viikkoa sitten, eikä kukaan ole vastannut. Miten asia etenee?",
            "Olen todella pettynyt palveluunne. Tämä on jo toinen kerta, kun tilaukseni menee pieleen.",
            "Haluan tehdä virallisen valituksen asiakaspalvelun toiminnasta.",
            "Reklamaationi käsittely on kestänyt kohtuuttoman kauan. Milloin saan päätöksen?",
        ],
        "en": [
            "I filed a complaint two weeks ago and nobody has replied. What's happening with it?",
            "I'm really disappointed with your service. This is the second time my order has gone wrong.",
            "I want to make a formal complaint about how your customer service has handled this.",
            "My complaint has been pending for an unreasonably long time. When will I get a decision?",
        ],
    },
    # ---------------------------------------------------------------- invoice
    "KB022": {
        "fi": [
            "Voisinko saada lisää maksuaikaa laskulle {inv}? Eräpäivä on {date}.",
            "Haluaisin siirtää laskun eräpäivää kahdella viikolla.",
            "Onko mahdollista saada eräpäivän siirto? Palkka tulee vasta kuun lopussa.",
            "Pyydän eräpäivän siirtoa laskulle, joka erääntyy {date}.",
            "En ehdi maksaa laskua ajallaan. Voiko eräpäivää siirtää ilman lisämaksua?",
        ],
        "en": [
            "Could I get more time to pay invoice {inv}? It's due on {date}.",
            "I'd like to move the due date of my invoice by two weeks.",
            "Is it possible to postpone the due date? I only get paid at the end of the month.",
            "Please extend the due date of the invoice that falls due on {date}.",
            "I can't pay the invoice on time. Can the due date be moved without a fee?",
        ],
    },
    "KB023": {
        "fi": [
            "Tarvitsisin kopion laskusta {inv}, alkuperäinen on kadonnut.",
            "Mistä löydän kuitin tilauksesta {order}? Tarvitsen sen työnantajalle.",
            "Voitteko lähettää laskun uudelleen sähköpostiini? En saanut sitä.",
            "Laskulla on väärä nimi ja osoite. Saisinko korjatun laskun?",
            "Tarvitsen ALV-erittelyn sisältävän kuitin yritykselleni.",
        ],
        "en": [
            "I need a copy of invoice {inv}, I've lost the original.",
            "Where can I find the receipt for order {order}? My employer needs it.",
            "Can you resend the invoice to my e-mail? I never got it.",
            "The invoice has the wrong name and address. Could I get a corrected one?",
            "I need a receipt with the VAT breakdown for my company.",
        ],
    },
    "KB024": {
        "fi": [
            "Miksi laskulla maksaminen ei ole mahdollista tilauksessani?",
            "Haluaisin maksaa tilauksen osamaksulla. Miten se onnistuu?",
            "Kassalla lasku-vaihtoehto on harmaana, vaikka olen ennenkin maksanut laskulla.",
            "Voiko laskun jakaa useampaan erään?",
        ],
        "en": [
            "Why can't I pay by invoice for my order?",
            "I'd like to pay for the order in instalments. How does that work?",
            "The invoice option is greyed out at checkout although I've paid by invoice before.",
            "Can I split the invoice into several payments?",
        ],
    },
    "KB025": {
        "fi": [
            "Sain maksumuistutuksen, vaikka maksoin laskun jo {date}.",
            "Miksi minulta peritään {amount} muistutusmaksu? En saanut alkuperäistä laskua.",
            "Laskuni on mennyt perintään, vaikka se on maksettu. Tarkistaisitteko asian?",
            "Muistutuslaskussa on eri summa kuin alkuperäisessä laskussa.",
        ],
        "en": [
            "I got a payment reminder although I paid the invoice on {date}.",
            "Why am I being charged a {amount} reminder fee? I never got the original invoice.",
            "My invoice has gone to debt collection even though it's paid. Could you check this?",
            "The reminder shows a different amount than the original invoice.",
        ],
    },
    # ---------------------------------------------------------------- payment_failure
    "KB026": {
        "fi": [
            "Maksu ei mene läpi kortilla. Kortissa on katetta ja se toimii muualla.",
            "Korttimaksu hylätään joka kerta, kun yritän maksaa tilauksen.",
            "Yritin maksaa Visalla, mutta tuli ilmoitus \"kortti hylätty\".",
            "Maksu epäonnistuu kassalla, olen kokeillut jo kolmella eri kortilla.",
            "Kortillani ei pysty maksamaan, mikä voi olla syynä?",
        ],
        "en": [
            "My card payment won't go through. There's money on the card and it works elsewhere.",
            "The card payment gets declined every time I try to pay for my order.",
            "I tried to pay with Visa but got a \"card declined\" message.",
            "Payment fails at checkout, I've already tried three different cards.",
            "I can't pay with my card, what could be the reason?",
        ],
    },
    "KB027": {
        "fi": [
            "Pankin vahvistusikkuna ei aukea, ja maksu keskeytyy.",
            "En saa vahvistettua korttimaksua pankkisovelluksessa, se aikakatkaistaan.",
            "Tunnistautuminen epäonnistuu maksun yhteydessä joka kerta.",
            "Maksun vahvistus jää pyörimään, eikä tilaus mene läpi.",
        ],
        "en": [
            "The bank verification window doesn't open and the payment is cancelled.",
            "I can't confirm the card payment in my banking app, it times out.",
            "Authentication fails every time I try to pay.",
            "The payment confirmation just keeps loading and the order doesn't go through.",
        ],
    },
    "KB028": {
        "fi": [
            "MobilePay-maksu epäonnistui, mutta rahat lähtivät tililtä.",
            "Verkkopankkimaksu katkesi kesken, eikä tilausta syntynyt.",
            "MobilePay ei avaudu kassalta puhelimella.",
            "Maksoin verkkopankissa, mutta kauppaan ei palattu ja tilaus jäi kesken.",
        ],
        "en": [
            "The MobilePay payment failed but the money left my account.",
            "The online bank payment was interrupted and no order was created.",
            "MobilePay doesn't open from the checkout on my phone.",
            "I paid in my online bank but it never returned to the shop and the order is incomplete.",
        ],
    },
    "KB029": {
        "fi": [
            "Minulta veloitettiin tilaus kahteen kertaan! Tililtä lähti {amount} kahdesti.",
            "Tililläni näkyy kaksi samaa veloitusta tilauksesta {order}.",
            "Rahat veloitettiin tuplana, vaikka tein vain yhden tilauksen.",
            "Maksu näkyy pankissa kahteen kertaan. Palauttakaa toinen veloitus.",
        ],
        "en": [
            "I was charged twice for my order! {amount} was taken from my account two times.",
            "I can see two identical charges for order {order} on my account.",
            "You charged me double although I only placed one order.",
            "The payment shows up twice in my bank. Please refund the second charge.",
        ],
    },
    "KB030": {
        "fi": [
            "Maksu epäonnistui, mutta tililtä veloitettiin silti. Syntyikö tilaus?",
            "Kassalla tuli virhe maksun jälkeen. En tiedä, menikö tilaus läpi.",
            "Sain virheilmoituksen maksaessa, mutta katevaraus näkyy pankissa.",
            "Maksusivu kaatui, ja nyt en tiedä, onko tilaus tehty vai pitääkö tilata uudestaan.",
        ],
        "en": [
            "The payment failed but my account was still charged. Was the order created?",
            "I got an error at checkout after paying. I don't know whether the order went through.",
            "I got an error message while paying, but there's a pending charge in my bank.",
            "The payment page crashed and now I don't know whether to order again.",
        ],
    },
    "KB048": {
        "fi": [
            "Verkkopankkimaksu peruuntui itsestään, kun palasin kauppaan.",
            "Pankki ilmoitti, että maksu on peruttu. Miksi näin kävi?",
        ],
        "en": [
            "The online bank payment was cancelled by itself when I returned to the shop.",
            "My bank says the payment was cancelled. Why did that happen?",
        ],
    },
})
# fmt: on

# fmt: off
CORE.update({
    # ---------------------------------------------------------------- account_login
    "KB031": {
        "fi": [
            "Unohdin salasanani, eikä palautuslinkkiä tule sähköpostiin.",
            "Salasanan vaihtolinkki on vanhentunut, kun yritän avata sen.",
            "En pääse kirjautumaan, salasana on kuulemma väärä, vaikka se on oikein.",
            "Miten vaihdan salasanan? En löydä sitä asetuksista.",
            "Salasanan palautus ei toimi, sivu vain latautuu uudelleen.",
        ],
        "en": [
            "I forgot my password and the reset link never arrives in my inbox.",
            "The password reset link has expired when I try to open it.",
            "I can't log in, it says my password is wrong although it's correct.",
            "How do I change my password? I can't find it in the settings.",
            "Password reset doesn't work, the page just reloads.",
        ],
    },
    "KB032": {
        "fi": [
            "Tilini on lukittu liian monen kirjautumisyrityksen jälkeen.",
            "En pääse tililleni, se on kuulemma lukittu. Voitteko avata sen?",
            "Tili lukittiin, vaikka en ole yrittänyt kirjautua. Onko joku muu yrittänyt?",
            "Kirjautuessa tulee ilmoitus, että tili on väliaikaisesti suljettu.",
        ],
        "en": [
            "My account got locked after too many login attempts.",
            "I can't get into my account, it says it's locked. Can you unlock it?",
            "My account was locked although I haven't tried to log in. Has someone else tried?",
            "When I log in it says the account is temporarily suspended.",
        ],
    },
    "KB033": {
        "fi": [
            "Haluaisin vaihtaa tilini sähköpostiosoitteen uuteen.",
            "Vanha sähköpostini ei ole enää käytössä. Miten päivitän sen tilille?",
            "Vahvistusviesti ei tule uuteen sähköpostiosoitteeseen.",
            "Tein vahingossa kaksi tiliä eri sähköposteilla. Voiko ne yhdistää?",
        ],
        "en": [
            "I'd like to change the e-mail address on my account.",
            "My old e-mail isn't in use any more. How do I update it on my account?",
            "The verification e-mail doesn't arrive at my new address.",
            "I accidentally created two accounts with different e-mails. Can they be merged?",
        ],
    },
    "KB034": {
        "fi": [
            "Minut kirjataan ulos kesken ostosten, ja ostoskori tyhjenee.",
            "Istunto vanhenee koko ajan, kun yritän päästä kassalle.",
            "Sovellus kirjaa minut ulos joka kerta, kun suljen sen.",
            "En pysy kirjautuneena, vaikka valitsin \"muista minut\".",
        ],
        "en": [
            "I get logged out in the middle of shopping and my cart empties.",
            "The session keeps expiring when I try to go to checkout.",
            "The app logs me out every time I close it.",
            "I don't stay logged in even though I ticked \"remember me\".",
        ],
    },
    # ---------------------------------------------------------------- product_question
    "KB035": {
        "fi": [
            "Milloin {p_part} tulee taas varastoon?",
            "Onko {g_part} saatavilla koossa {size}? Sivulla lukee \"loppu\".",
            "Tuleeko tätä tuotetta vielä myyntiin, vai onko se poistunut valikoimasta?",
            "Voinko tilata {p_acc}, vaikka tuote näkyy loppuneena?",
        ],
        "en": [
            "When will the {p_en} be back in stock?",
            "Is the {g_en} available in size {size}? The page says \"sold out\".",
            "Will this product be available again or has it been discontinued?",
            "Can I order the {p_en} even though the page says it's out of stock?",
        ],
    },
    "KB036": {
        "fi": [
            "Ovatko {g_pl} normaalia pienempiä vai isompia kooltaan? Käytän yleensä kokoa {size}.",
            "Mistä löydän kokotaulukon? En tiedä, kumman koon valitsen.",
            "Olen 175 cm pitkä, sopiiko koko {size} minulle?",
            "Vastaako koko {size} eurooppalaista kokoa?",
        ],
        "en": [
            "Does the {g_en} run small or large? I usually wear size {size}.",
            "Where can I find the size guide? I'm not sure which size to pick.",
            "I'm 175 cm tall, would size {size} fit me?",
            "Does size {size} correspond to the European size?",
        ],
    },
    "KB037": {
        "fi": [
            "Mistä materiaalista {product} {p_olla} valmistettu?",
            "Toimiiko {device} myös iPhonen kanssa?",
            "Onko {p_ela} saatavilla varaosia?",
            "Mitkä ovat {p_gen} mitat ja paino? Tuotesivulla ei kerrota niitä.",
            "Voiko {g_acc} pestä pesukoneessa?",
        ],
        "en": [
            "What material is the {p_en} made of?",
            "Does the {d_en} work with an iPhone as well?",
            "Are spare parts available for the {p_en}?",
            "What are the dimensions and weight of the {p_en}? The product page doesn't say.",
            "Can the {g_en} be machine washed?",
        ],
    },
    # ---------------------------------------------------------------- cancellation
    "KB038": {
        "fi": [
            "Haluan perua tilauksen {order}. Tilasin vahingossa.",
            "Voinko vielä perua tilaukseni? Tein sen vasta tunti sitten.",
            "Perukaa tilaus {order}, löysin tuotteen muualta halvemmalla.",
            "Miten tilauksen voi perua? En löydä painiketta omalta tililtä.",
            "En tarvitse tilaamaani tuotetta enää. Voitteko perua tilauksen?",
        ],
        "en": [
            "I want to cancel order {order}. I ordered by mistake.",
            "Can I still cancel my order? I placed it just an hour ago.",
            "Please cancel order {order}, I found the item cheaper elsewhere.",
            "How can I cancel an order? I can't find the button in my account.",
            "I don't need the {p_en} I ordered any more. Can you cancel the order?",
        ],
    },
    "KB039": {
        "fi": [
            "Yritin perua tilauksen, mutta se on jo lähetetty. Mitä voin tehdä?",
            "Tilaus {order} lähti ennen kuin ehdin perua sen. Voinko jättää paketin noutamatta?",
            "Jos en nouda pakettia, peruuntuuko tilaus automaattisesti?",
            "Halusin perua tilauksen, mutta sain ilmoituksen, että se on jo matkalla.",
        ],
        "en": [
            "I tried to cancel my order but it has already shipped. What can I do?",
            "Order {order} shipped before I could cancel. Can I just not pick up the parcel?",
            "If I don't collect the parcel, is the order cancelled automatically?",
            "I wanted to cancel but got a message that it's already on its way.",
        ],
    },
    "KB040": {
        "fi": [
            "Haluan perua ennakkotilaukseni, julkaisu siirtyi liian myöhäiseksi.",
            "Ennakkotilasin {p_acc}, mutta en tarvitsekaan tuotetta. Veloitetaanko minua?",
            "Voiko ennakkotilauksen perua ennen julkaisupäivää?",
        ],
        "en": [
            "I want to cancel my pre-order, the release was pushed back too far.",
            "I pre-ordered the {p_en} but don't need the item any more. Will I be charged?",
            "Can a pre-order be cancelled before the release date?",
        ],
    },
    # ---------------------------------------------------------------- discount_code
    "KB041": {
        "fi": [
            "Mihin alennuskoodi syötetään? En löydä kenttää kassalta.",
            "Unohdin käyttää alennuskoodia {coupon} tilauksessa {order}. Voiko alennuksen vielä saada?",
            "Sain uutiskirjeen mukana koodin, mutta en tiedä, miten sitä käytetään.",
            "Voiko alennuskoodia käyttää myös jo alennettuihin tuotteisiin?",
        ],
        "en": [
            "Where do I enter a discount code? I can't find the field at checkout.",
            "I forgot to use discount code {coupon} on order {order}. Can I still get the discount?",
            "I got a code with the newsletter but don't know how to use it.",
            "Can the discount code be used on items that are already on sale?",
        ],
    },
    "KB042": {
        "fi": [
            "Alennuskoodi {coupon} ei toimi, vaikka sen pitäisi olla voimassa.",
            "Koodi {coupon} antaa virheen \"koodi ei kelpaa\".",
            "Alennus ei näy ostoskorissa, vaikka syötin koodin oikein.",
            "Kampanjakoodi hylätään. Onko se jo vanhentunut?",
            "Yritin käyttää koodia {coupon}, mutta alennus ei vähentynyt loppusummasta.",
        ],
        "en": [
            "Discount code {coupon} doesn't work even though it should be valid.",
            "The code {coupon} gives an error saying \"invalid code\".",
            "The discount doesn't show in the cart although I typed the code correctly.",
            "The promo code is rejected. Has it expired already?",
            "I tried code {coupon} but the discount wasn't taken off the total.",
        ],
    },
    "KB043": {
        "fi": [
            "Miten kanta-asiakasbonukset kertyvät? Tililläni ei näy yhtään pisteitä.",
            "Bonukseni vanhenivat, vaikka ostin juuri. Voiko niitä palauttaa?",
            "Miten liityn kanta-asiakkaaksi ja mitä etuja siitä saa?",
            "Syntymäpäiväetua ei tullut, vaikka olen kanta-asiakas.",
        ],
        "en": [
            "How do loyalty points build up? My account shows no points at all.",
            "My bonus points expired although I just made a purchase. Can they be restored?",
            "How do I join the loyalty programme and what are the benefits?",
            "I didn't get my birthday benefit although I'm a member.",
        ],
    },
    # ---------------------------------------------------------------- gdpr_request
    "KB044": {
        "fi": [
            "Pyydän poistamaan kaikki henkilötietoni järjestelmästänne.",
            "Haluan, että asiakastilini ja siihen liittyvät tiedot poistetaan pysyvästi.",
            "Poistakaa tietoni GDPR:n nojalla.",
        ],
        "en": [
            "Please delete all my personal data from your systems.",
            "I want my customer account and all related data deleted permanently.",
            "Please erase my data under the GDPR.",
        ],
    },
    "KB045": {
        "fi": [
            "Haluaisin tarkastaa, mitä tietoja minusta on tallennettu.",
            "Pyydän kopion kaikista minua koskevista henkilötiedoista.",
            "Mihin tarkoitukseen käytätte tietojani? Haluan nähdä tallennetut tiedot.",
        ],
        "en": [
            "I'd like to see what data you have stored about me.",
            "I request a copy of all personal data you hold about me.",
            "What do you use my data for? I want to see what's stored.",
        ],
    },
    "KB046": {
        "fi": [
            "En halua enää markkinointiviestejä. Miten peruutan uutiskirjeen?",
            "Saan edelleen mainospostia, vaikka peruin tilauksen jo kuukausi sitten.",
            "Lopettakaa tekstiviestimainonta numerooni.",
        ],
        "en": [
            "I don't want any more marketing e-mails. How do I unsubscribe?",
            "I still get newsletters even though I unsubscribed a month ago.",
            "Please stop sending marketing text messages to my number.",
        ],
    },
    # ---------------------------------------------------------------- one-language topics
    "KB047": {
        "fi": [
            "Toimitatteko Ahvenanmaalle? Tuleeko paketista tullimaksuja?",
            "Asun Maarianhaminassa, paljonko toimitus maksaa ja kauanko se kestää?",
        ],
        "en": [
            "Do you deliver to Åland? Will there be customs charges?",
            "I live in Mariehamn, how much is delivery and how long does it take?",
        ],
    },
    "KB049": {
        "fi": [
            "Toimitatteko myös Ruotsiin? Asun Tukholmassa.",
            "Voiko tilauksen lähettää ulkomaille?",
        ],
        "en": [
            "Do you ship to Sweden? I live in Stockholm.",
            "Can I have the order shipped abroad?",
            "Do you ship outside Finland, and are there customs fees?",
        ],
    },
})
# fmt: on

# fmt: off
_S = {
    "KB001": ("Missä tilaukseni on?|Tilaus {order} ei ole saapunut|Tilauksen tila|Milloin tilaus lähtee?",
              "Where is my order?|Order {order} not arrived|Order status|When will my order ship?"),
    "KB002": ("Tilausvahvistus puuttuu|Ei vahvistusta tilauksesta|Menikö tilaus läpi?",
              "No order confirmation|Missing confirmation e-mail|Did my order go through?"),
    "KB003": ("Tilauksen muutos|Muutos tilaukseen {order}|Väärä koko tilauksessa",
              "Change my order|Change to order {order}|Wrong size on my order"),
    "KB004": ("Tuotteita puuttuu|Osa tilauksesta puuttuu|Toinen paketti puuttuu",
              "Items missing|Part of my order missing|Second parcel missing"),
    "KB005": ("Toimitusaika|Kauanko toimitus kestää?|Toimituskulut|Toimitus myöhässä",
              "Delivery time|How long is shipping?|Shipping costs|Delivery delayed"),
    "KB006": ("Noutopisteen vaihto|Väärä noutopiste|Paketti väärässä noutopisteessä",
              "Change pickup point|Wrong pickup point|Parcel at the wrong pickup point"),
    "KB007": ("Seuranta ei päivity|Paketti kadoksissa|Seurantakoodi ei toimi|Lähetys {tracking}",
              "Tracking not updating|Parcel missing|Tracking code not working|Shipment {tracking}"),
    "KB008": ("Osoitteen korjaus|Väärä toimitusosoite|Osoitteenmuutos",
              "Address correction|Wrong delivery address|Change of address"),
    "KB009": ("Kotiinkuljetus|Budbee ei tullut|Toimitusajan siirto",
              "Home delivery|Budbee didn't come|Reschedule delivery"),
    "KB010": ("Palautus|Tuotteen palautus|Haluan palauttaa tuotteen|Palautusohjeet",
              "Return|Returning an item|I want to return something|Return instructions"),
    "KB011": ("Palautuslipuke puuttuu|Palautuskoodi|Palautuslappu ei tulostu",
              "Missing return label|Return code|Can't print return label"),
    "KB012": ("Palautusaika|Palautusoikeus|Onko palautus ilmainen?",
              "Return period|Right of return|Are returns free?"),
    "KB013": ("Koon vaihto|Vaihto toiseen kokoon|Värin vaihto",
              "Size exchange|Exchange for another size|Colour exchange"),
    "KB014": ("Hyvitys|Milloin saan rahat takaisin?|Palautuksen hyvitys",
              "Refund|When do I get my money back?|Refund for my return"),
    "KB015": ("Hyvitys puuttuu|Rahoja ei ole palautettu|Missä hyvitykseni on?",
              "Refund missing|Money not returned|Where is my refund?"),
    "KB016": ("Hyvitystapa|Hyvitys lahjakortille?|Hyvitys tilisiirtona",
              "Refund method|Refund to gift card?|Refund by bank transfer"),
    "KB017": ("Hyvitys väärin|Liian pieni hyvitys|Vähennys hyvityksestä",
              "Wrong refund amount|Refund too small|Deduction from refund"),
    "KB018": ("Rikkinäinen tuote|Tuote rikki|Vaurioitunut paketti",
              "Damaged item|Item broken|Damaged parcel"),
    "KB019": ("Reklamaatio|Viallinen tuote|Takuu|Tuote hajosi",
              "Complaint|Faulty product|Warranty claim|Item broke"),
    "KB020": ("Väärä tuote|Sain väärän tuotteen|Väärä koko toimitettu",
              "Wrong item|Received the wrong product|Wrong size delivered"),
    "KB021": ("Valitus|Reklamaation käsittely|Olen erittäin tyytymätön",
              "Formal complaint|Complaint status|Very dissatisfied"),
    "KB022": ("Eräpäivän siirto|Lisää maksuaikaa|Laskun eräpäivä",
              "Due date change|More time to pay|Invoice due date"),
    "KB023": ("Laskun kopio|Kuitti|Lasku {inv}",
              "Invoice copy|Receipt|Invoice {inv}"),
    "KB024": ("Laskulla maksaminen|Osamaksu|Lasku ei käy maksutapana",
              "Paying by invoice|Instalments|Invoice option unavailable"),
    "KB025": ("Maksumuistutus|Muistutusmaksu|Perintä",
              "Payment reminder|Reminder fee|Debt collection"),
    "KB026": ("Maksu ei onnistu|Kortti hylätty|Korttimaksu ei mene läpi",
              "Payment not working|Card declined|Card payment fails"),
    "KB027": ("Pankkivahvistus ei toimi|Tunnistautuminen epäonnistui|3D Secure",
              "Bank verification not working|Authentication failed|3D Secure"),
    "KB028": ("MobilePay ei toimi|Verkkopankkimaksu|Maksu keskeytyi",
              "MobilePay not working|Online bank payment|Payment interrupted"),
    "KB029": ("Tuplaveloitus|Veloitettu kahdesti|Kaksi veloitusta",
              "Double charge|Charged twice|Two charges"),
    "KB030": ("Maksu epäonnistui|Syntyikö tilaus?|Virhe kassalla",
              "Payment failed|Was my order created?|Checkout error"),
    "KB031": ("Salasana|Unohtunut salasana|Salasanan palautus",
              "Password|Forgot password|Password reset"),
    "KB032": ("Tili lukittu|En pääse tilille|Lukittu tili",
              "Account locked|Can't access my account|Locked out"),
    "KB033": ("Sähköpostin vaihto|Uusi sähköpostiosoite|Kaksi tiliä",
              "Change e-mail|New e-mail address|Two accounts"),
    "KB034": ("Uloskirjautuminen|Istunto vanhenee|Kirjautuminen katkeaa",
              "Logged out|Session expires|Keeps logging me out"),
    "KB035": ("Saatavuus|Milloin tuote tulee varastoon?|Loppuunmyyty tuote",
              "Availability|Back in stock when?|Sold out item"),
    "KB036": ("Kokotaulukko|Mikä koko?|Koko {size}",
              "Size guide|Which size?|Size {size}"),
    "KB037": ("Kysymys tuotteesta|Tuotetiedot|{product}",
              "Product question|Product details|{p_en}"),
    "KB038": ("Tilauksen peruminen|Peru tilaus {order}|Peruutus",
              "Cancel order|Cancel order {order}|Cancellation"),
    "KB039": ("Peruminen|Tilaus jo lähetetty|Peruutus lähetyksen jälkeen",
              "Cancellation|Order already shipped|Cancel after dispatch"),
    "KB040": ("Ennakkotilaus|Ennakkotilauksen peruminen",
              "Pre-order|Cancel pre-order"),
    "KB041": ("Alennuskoodi|Koodin käyttö|Unohdin alennuskoodin",
              "Discount code|Using a code|Forgot my discount code"),
    "KB042": ("Koodi ei toimi|Alennuskoodi {coupon}|Kampanjakoodi hylätään",
              "Code not working|Discount code {coupon}|Promo code rejected"),
    "KB043": ("Kanta-asiakasedut|Bonukset|Bonuspisteet",
              "Loyalty benefits|Bonus points|Loyalty points"),
    "KB044": ("Tietojen poisto|GDPR|Poistakaa tietoni",
              "Data deletion|GDPR|Delete my data"),
    "KB045": ("Tietopyyntö|Omat tiedot|GDPR-pyyntö",
              "Data request|My personal data|GDPR request"),
    "KB046": ("Uutiskirje|Markkinointikielto|Ei mainoksia",
              "Newsletter|Unsubscribe|No more marketing"),
    "KB047": ("Ahvenanmaa|Toimitus Ahvenanmaalle", "Åland|Delivery to Åland"),
    "KB048": ("Verkkopankkimaksu peruuntui|Pankkimaksu", "Bank payment cancelled|Bank payment"),
    "KB049": ("Ulkomaantoimitus|Toimitus Ruotsiin", "International shipping|Shipping to Sweden"),
}
SUBJECTS.update({k: {"fi": fi.split("|"), "en": en.split("|")} for k, (fi, en) in _S.items()})

DETAILS.update({
    "order_status": {
        "fi": ["Tilasin sen lahjaksi, joten tarvitsisin sen pian.", "Olen odottanut jo yli viikon.",
               "Tilaussivulla ei näy mitään päivityksiä.", "Tilauksen numero on {order}.",
               "Maksoin tilauksen heti, joten sen pitäisi olla kunnossa."],
        "en": ["I ordered it as a gift so I need it soon.", "I've been waiting for over a week.",
               "There are no updates on the order page.", "The order number is {order}.",
               "I paid for it straight away so that should be fine."],
    },
    "delivery": {
        "fi": ["Kuljetusyhtiönä on {courier}.", "Seurantakoodi on {tracking}.",
               "Olen kotona vain iltaisin.", "Noutopisteeni on {pp}.", "Paketin piti tulla jo {date}."],
        "en": ["The courier is {courier}.", "The tracking code is {tracking}.", "I'm only home in the evenings.",
               "My pickup point is {pp}.", "The parcel should have arrived on {date}."],
    },
    "return": {
        "fi": ["Tuote on käyttämätön ja alkuperäisessä pakkauksessa.", "Lappu on vielä kiinni.",
               "Tilausnumero on {order}.", "Palautan sen {courier_gen} kautta.", "Tilasin kaksi kokoa sovitettavaksi."],
        "en": ["The item is unused and in its original packaging.", "The tag is still attached.",
               "The order number is {order}.", "I'll send it back with {courier}.",
               "I ordered two sizes to try on."],
    },
    "refund": {
        "fi": ["Summa oli {amount}.", "Palautus kirjattiin vastaanotetuksi {date}.",
               "Maksoin alun perin kortilla.", "Tarvitsisin rahat pian takaisin.", "Tilaus oli {order}."],
        "en": ["The amount was {amount}.", "The return was marked as received on {date}.",
               "I originally paid by card.", "I need the money back soon.", "The order was {order}."],
    },
    "complaint": {
        "fi": ["Liitteenä kuvat tuotteesta.", "Tämä on todella harmillista.", "Tilausnumero on {order}.",
               "Haluaisin korvaavan tuotteen tai rahat takaisin.", "Olen ollut tyytyväinen asiakas vuosia."],
        "en": ["Photos of the item attached.", "This is really annoying.", "The order number is {order}.",
               "I'd like a replacement or my money back.", "I've been a happy customer for years."],
    },
    "invoice": {
        "fi": ["Laskun numero on {inv}.", "Laskun summa on {amount}.", "Lasku tuli Klarnan kautta.",
               "Maksan laskun heti, kun voin.", "En ole saanut laskua postissa."],
        "en": ["The invoice number is {inv}.", "The invoice amount is {amount}.", "The invoice came via Klarna.",
               "I'll pay the invoice as soon as I can.", "I haven't received the invoice by post."],
    },
    "payment_failure": {
        "fi": ["Kokeilin myös toisella selaimella.", "Summa on {amount}.", "Käytän Mastercardia.",
               "Pankin mukaan vika ei ole heidän päässään.", "Sama ongelma toistuu puhelimella ja koneella."],
        "en": ["I tried another browser too.", "The amount is {amount}.", "I'm using a Mastercard.",
               "My bank says the problem isn't on their side.", "Same problem on my phone and laptop."],
    },
    "account_login": {
        "fi": ["Olen yrittänyt jo useita kertoja.", "Käytän sovellusta Androidilla.",
               "Tilillä on tilaus {order}, jota haluaisin seurata.", "Tyhjensin jo selaimen välimuistin."],
        "en": ["I've tried several times already.", "I use the app on Android.",
               "There's an order {order} on the account I want to track.", "I already cleared my browser cache."],
    },
    "product_question": {
        "fi": ["Olisin kiinnostunut ostamaan kaksi kappaletta.", "Tarvitsisin tuotteen ennen {date}.",
               "Tuotesivulla ei ole tätä tietoa.", "Onko teillä myymälää, jossa voisin kokeilla tuotetta?"],
        "en": ["I'd be interested in buying two.", "I'd need the item before {date}.",
               "The product page doesn't say.", "Do you have a store where I could try it?"],
    },
    "cancellation": {
        "fi": ["Tilaus on {order}.", "Maksoin {amount}, ja haluan rahat takaisin.",
               "Tilasin vahingossa kahteen kertaan.", "Tilaus tehtiin vasta tänään."],
        "en": ["The order is {order}.", "I paid {amount} and want the money back.",
               "I accidentally ordered twice.", "I only placed the order today."],
    },
    "discount_code": {
        "fi": ["Koodi on {coupon}.", "Ostoskorin summa on {amount}.", "Koodi tuli uutiskirjeessä.",
               "Kaverini sai saman koodin toimimaan."],
        "en": ["The code is {coupon}.", "The cart total is {amount}.", "The code came in the newsletter.",
               "My friend got the same code to work."],
    },
    "gdpr_request": {
        "fi": ["Asiakasnumeroni löytyy alla.", "Vahvistakaa, kun tiedot on käsitelty.",
               "Käsitelkää pyyntö lain mukaisessa ajassa."],
        "en": ["My customer number is below.", "Please confirm once it's done.",
               "Please handle this within the legal deadline."],
    },
})

VAGUE.update({
    "order_status": {"fi": ["Voisitteko katsoa tilaukseni {order}? Jotain on pielessä.",
                            "Mitä tilaukselleni on tapahtunut?"],
                     "en": ["Could you look at my order {order}? Something's not right.",
                            "What happened to my order?"]},
    "delivery": {"fi": ["Paketin kanssa on ongelma, voitteko auttaa?", "Soittakaa minulle paketista."],
                 "en": ["There's a problem with my parcel, can you help?", "Please call me about my parcel."]},
    "return": {"fi": ["Tuote ei ollut sopiva. Mitä teen sille?", "Lähetin tavarat takaisin teille."],
               "en": ["The item wasn't right for me. What should I do with it?", "I sent the stuff back to you."]},
    "refund": {"fi": ["Rahat? Tilaus {order}.", "Odotan edelleen teiltä rahaa."],
               "en": ["My money? Order {order}.", "I'm still waiting for money from you."]},
    "complaint": {"fi": ["Tilaus {order} meni taas pieleen.", "Tuotteessa on ongelma."],
                  "en": ["Order {order} went wrong again.", "There's a problem with the item."]},
    "invoice": {"fi": ["Kysymys laskusta {inv}.", "Laskussa on jotain outoa."],
                "en": ["Question about invoice {inv}.", "Something's odd about my bill."]},
    "payment_failure": {"fi": ["En pysty maksamaan tilausta.", "Maksun kanssa on ongelmia."],
                        "en": ["I can't pay for the order.", "Having trouble with payment."]},
    "account_login": {"fi": ["Tilin kanssa on ongelma.", "En pääse sisään."],
                      "en": ["Problem with my account.", "Can't get in."]},
    "product_question": {"fi": ["Kysyisin yhdestä tuotteesta.", "Onko teillä {p_part}?"],
                         "en": ["Quick question about a product.", "Do you have the {p_en}?"]},
    "cancellation": {"fi": ["En halua tilausta {order} enää.", "Muutin mieleni tilauksen suhteen."],
                     "en": ["I don't want order {order} any more.", "I changed my mind about my order."]},
    "discount_code": {"fi": ["Alennus ei näkynyt tilauksessa {order}.", "Kysymys kampanjasta."],
                      "en": ["The discount didn't show on order {order}.", "Question about the sale."]},
    "gdpr_request": {"fi": ["Kysymys tietosuojasta."], "en": ["Question about privacy."]},
})
# fmt: on
