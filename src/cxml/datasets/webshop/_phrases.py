"""Framing phrases of the synthetic web-shop generator: greetings, sign-offs, urgency cues, agent replies,
feedback comments and generic subject lines. All text is invented.
"""

from __future__ import annotations

# fmt: off
GREETINGS: dict[str, dict[str, list[str]]] = {
    "formal": {
        "fi": ["Hyvä asiakaspalvelu,", "Hei,", "Hyvää päivää,", "Hei asiakaspalvelu,", "Arvoisa asiakaspalvelu,",
               "Hei!"],
        "en": ["Dear customer service,", "Hello,", "Good morning,", "Dear Sir or Madam,", "Hi there,",
               "To whom it may concern,"],
    },
    "casual": {
        "fi": ["Moi!", "Moikka,", "Heippa", "Hei", "Moi", "Terve,", "Hei vaan!", ""],
        "en": ["Hi!", "Hey", "Hello", "Hi,", "hey there", "Hiya", ""],
    },
}

CLOSINGS: dict[str, dict[str, list[str]]] = {
    "formal": {
        "fi": ["Ystävällisin terveisin", "Kiitos jo etukäteen.", "Terveisin", "Kiitos vastauksesta etukäteen!",
               "Odotan vastaustanne.", "Ystävällisesti"],
        "en": ["Kind regards,", "Best regards,", "Thanks in advance.", "Sincerely,", "Looking forward to your reply.",
               "Many thanks,"],
    },
    "casual": {
        "fi": ["Kiitos!", "kiitti", "Kiitos etukäteen", "t.", "Kiitos paljon!", "", ""],
        "en": ["Thanks!", "thx", "Cheers", "Thanks a lot", "ty", "", ""],
    },
}

#: Urgency cues: (text, strength). Strength adds to the priority score.
URGENCY: dict[str, list[tuple[str, float]]] = {
    "fi": [
        ("Tarvitsen vastauksen heti.", 1.2),
        ("Kiireellinen!", 1.4),
        ("Asia on todella kiireellinen.", 1.4),
        ("Vastatkaa mahdollisimman pian.", 0.9),
        ("Tämä pitää hoitaa tänään.", 1.2),
        ("KIIRE!!", 1.5),
        ("Olen yrittänyt saada teihin yhteyttä jo kolme kertaa.", 1.0),
    ],
    "en": [
        ("I need an answer ASAP.", 1.3),
        ("URGENT!", 1.5),
        ("This is urgent, please respond today.", 1.3),
        ("Please reply as soon as possible.", 0.9),
        ("I need this sorted immediately.", 1.2),
        ("This is the third time I'm contacting you.", 1.0),
    ],
}

LEGAL: dict[str, list[str]] = {
    "fi": [
        "Jos asia ei ratkea, vien sen kuluttajariitalautakuntaan.",
        "Otan yhteyttä kuluttajaneuvontaan, jos en saa rahojani takaisin tällä viikolla.",
        "Harkitsen asian viemistä eteenpäin juristin kautta.",
    ],
    "en": [
        "If this isn't resolved I will take it to the Consumer Disputes Board.",
        "I will contact consumer protection if I don't get my money back this week.",
        "I'm considering legal action if this is not resolved.",
    ],
}

#: Sentences that say the customer already wrote in through another channel.
FOLLOW_UP: dict[str, list[str]] = {
    "fi": [
        "Kirjoitin tästä jo aiemmin, mutta en ole saanut vastausta.",
        "Laitoin asiasta viestiä jo {channel_fi}, kysyn nyt täällä uudestaan.",
        "Sama asia kuin edellisessä viestissäni.",
        "Kyselin tätä jo aiemmin {channel_fi}, eikä asia ole edennyt.",
    ],
    "en": [
        "I already wrote about this but got no reply.",
        "I sent a message about this via {channel_en} already, asking again here.",
        "Same issue as in my previous message.",
        "I asked about this earlier via {channel_en} and nothing has happened.",
    ],
}
CHANNEL_NAMES: dict[str, tuple[str, str]] = {
    "email": ("sähköpostilla", "e-mail"),
    "chat": ("chatissa", "chat"),
    "web_form": ("yhteydenottolomakkeella", "the contact form"),
    "social": ("Facebookissa", "Facebook"),
}

#: English words that bilingual customers drop into Finnish text (code-switching), whole words only, with
#: Finnish endings where the sentence needs them.
CODE_SWITCH: dict[str, str] = {
    "seurantakoodi": "tracking-koodi",
    "Seurantakoodi": "Tracking-koodi",
    "seurannassa": "trackingissä",
    "Seurannassa": "Trackingissä",
    "seuranta": "tracking",
    "hyvitys": "refund",
    "Hyvitys": "Refund",
    "hyvitystä": "refundia",
    "Hyvitystä": "Refundia",
    "hyvityksen": "refundin",
    "palautuslipuketta": "return labelia",
    "alennuskoodi": "discount code",
    "Alennuskoodi": "Discount code",
    "alennuskoodia": "discount-koodia",
    "tilausvahvistusta": "order confirmationia",
    "Tilausvahvistus": "Order confirmation",
    "sähköpostiin": "mailiin",
    "sähköpostiini": "mailiini",
    "salasanani": "passwordini",
    "salasana": "password",
    "laskua": "invoicea",
    "laskun": "invoicen",
    "toimitus": "delivery",
    "noutopiste": "pickup point",
    "kassalla": "checkoutissa",
    "Kassalla": "Checkoutissa",
    "palautus": "return",
}

#: English sentences appended to Finnish messages (and Finnish ones to English) in code-switched tickets.
MIXED_TAIL: dict[str, list[str]] = {
    "fi": ["Thanks!", "Please help asap.", "Sorry for my Finnish, not my first language.",
           "Can you check this?", "Any update?", "Thx in advance."],
    "en": ["Kiitos!", "Kiitos paljon.", "Moi!", "Terveisin", "Kiitos etukäteen!", "Hei hei."],
}

#: Generic subject lines that say nothing about the reason.
GENERIC_SUBJECTS: dict[str, list[str]] = {
    "fi": ["Kysymys", "Apua", "Tilaus {order}", "Re: Tilauksesi {order}", "Yhteydenotto", "Asiakaspalvelu",
           "Ongelma", "Tilaukseen liittyen", "Kysymys tilauksesta", "Fwd: Tilausvahvistus {order}"],
    "en": ["Question", "Help", "Order {order}", "Re: Your order {order}", "Enquiry", "Problem",
           "Regarding my order", "Quick question", "Fwd: Order confirmation {order}", "Support request"],
}
CHAT_SUBJECTS: dict[str, list[str]] = {
    "fi": ["Chat-keskustelu", "Chat: {first}", "Chat {time}"],
    "en": ["Chat conversation", "Chat: {first}", "Chat {time}"],
}

#: Agent replies: (opening, closing) per language; the middle is the topic's answer in
#: :data:`cxml._webshop_articles.FACTS`.
ANSWER_FRAME: dict[str, list[tuple[str, str]]] = {
    "fi": [
        ("Hei {name}, kiitos viestistäsi!", "Ystävällisin terveisin, {agent} / asiakaspalvelu"),
        ("Hei ja kiitos yhteydenotosta.", "Mukavaa päivänjatkoa! {agent}"),
        ("Moi {name}!", "Terveisin {agent}"),
        ("Hei, pahoittelut odottelusta.", "Ystävällisin terveisin, {agent}"),
    ],
    "en": [
        ("Hi {name}, thanks for your message!", "Kind regards, {agent} / customer service"),
        ("Hello and thank you for contacting us.", "Have a great day! {agent}"),
        ("Hi {name}!", "Best, {agent}"),
        ("Hi, sorry for the wait.", "Kind regards, {agent}"),
    ],
}

#: Sentences that point to the resolving article: ``{title}`` and ``{url}``.
ANSWER_LINK: dict[str, list[str]] = {
    "fi": ["Lisätietoja löydät ohjeestamme \"{title}\": {url}", "Katso myös ohje: {title} ({url}).",
           "Ohjeet löydät täältä: {url}"],
    "en": ["You'll find more in our guide \"{title}\": {url}", "See also: {title} ({url}).",
           "Instructions here: {url}"],
}

#: Free-text CSAT comments: theme -> language -> texts. Positive and negative themes.
FEEDBACK: dict[str, dict[str, list[str]]] = {
    "helpful_agent": {
        "fi": ["Tosi ystävällinen ja nopea palvelu, kiitos!", "Asiakaspalvelija oli todella avulias.",
               "Asia hoitui yhdellä viestillä, hienoa.", "Kiitos {agent}, sain apua heti."],
        "en": ["Really friendly and quick service, thanks!", "The agent was very helpful.",
               "Sorted in one message, great.", "Thanks {agent}, got help right away."],
    },
    "slow_response": {
        "fi": ["Vastauksen saaminen kesti liian kauan.", "Jouduin odottamaan vastausta monta päivää.",
               "Chatissa jonotin yli 20 minuuttia.", "Hidasta palvelua, piti kysyä kahteen kertaan."],
        "en": ["It took far too long to get an answer.", "I had to wait several days for a reply.",
               "Queued for over 20 minutes in chat.", "Slow service, I had to ask twice."],
    },
    "delivery": {
        "fi": ["Paketti tuli myöhässä, mutta asiakaspalvelu hoiti asian.", "Toimitus on aivan liian hidas.",
               "Postin kanssa on aina ongelmia.", "Noutopiste oli liian kaukana."],
        "en": ["The parcel was late, but customer service sorted it.", "Delivery is far too slow.",
               "Always problems with the courier.", "The pickup point was too far away."],
    },
    "website_bug": {
        "fi": ["Kassasivu ei toiminut puhelimella.", "Sivusto kaatuu maksuvaiheessa.",
               "Palautuslomake ei toimi kunnolla.", "Kirjautuminen katkeaa koko ajan."],
        "en": ["The checkout page didn't work on my phone.", "The site crashes at the payment step.",
               "The return form is buggy.", "I keep getting logged out."],
    },
    "price": {
        "fi": ["Postikulut ovat liian kalliit.", "Palautuksen pitäisi olla ilmainen.",
               "Hinnat nousivat heti alen jälkeen.", "Muistutusmaksu tuntuu kohtuuttomalta."],
        "en": ["Shipping costs are too high.", "Returns should be free.",
               "Prices went up right after the sale.", "The reminder fee feels unfair."],
    },
    "unresolved": {
        "fi": ["Asia ei ratkennut.", "En saanut vastausta kysymykseeni.", "Vastaus oli pelkkä vakioviesti."],
        "en": ["My issue was not solved.", "Didn't answer my question.", "The reply was just a canned message."],
    },
}
# fmt: on
