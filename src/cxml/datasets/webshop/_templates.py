"""Shared vocabulary of the synthetic web-shop generator (:func:`cxml.datasets.make_webshop`).

Reasons, teams, topics (one knowledge-base article group per topic), products with their Finnish case forms,
couriers, shop pages, greetings, sign-offs and the other pieces the ticket and article templates are filled
with. Everything here is invented: there is no real customer data in this module.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOP = "https://shop.example.fi"

#: Contact reasons with their relative frequency, default team and base priority (0 low .. 3 urgent).
REASONS: dict[str, tuple[float, str, float]] = {
    "order_status": (0.160, "orders", 1.0),
    "delivery": (0.150, "deliveries", 1.0),
    "return": (0.120, "returns", 0.8),
    "refund": (0.080, "returns", 1.1),
    "complaint": (0.075, "complaints", 1.5),
    "invoice": (0.090, "billing", 0.9),
    "payment_failure": (0.085, "payments", 1.5),
    "account_login": (0.070, "accounts", 1.1),
    "product_question": (0.070, "sales", 0.4),
    "cancellation": (0.050, "orders", 1.3),
    "discount_code": (0.040, "sales", 0.5),
    "gdpr_request": (0.010, "accounts", 0.9),
}

#: Neighbouring reasons: where an agent's label plausibly lands instead (label noise) and which reasons share
#: vocabulary.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "order_status": ("delivery", "cancellation"),
    "delivery": ("order_status", "complaint"),
    "return": ("refund", "complaint"),
    "refund": ("return", "payment_failure", "complaint"),
    "complaint": ("return", "refund", "delivery"),
    "invoice": ("payment_failure", "refund"),
    "payment_failure": ("invoice", "order_status"),
    "account_login": ("gdpr_request", "order_status"),
    "product_question": ("order_status", "discount_code"),
    "cancellation": ("refund", "order_status"),
    "discount_code": ("payment_failure", "product_question"),
    "gdpr_request": ("account_login",),
}

TEAMS: tuple[str, ...] = (
    "orders",
    "deliveries",
    "returns",
    "complaints",
    "billing",
    "payments",
    "accounts",
    "sales",
    "key_accounts",
)

#: Agents per team (invented first names).
AGENTS: dict[str, tuple[str, ...]] = {
    "orders": ("Aino", "Mikko", "Sanna", "Jussi"),
    "deliveries": ("Laura", "Teemu", "Noora"),
    "returns": ("Emilia", "Ville", "Petra"),
    "complaints": ("Johanna", "Antti"),
    "billing": ("Heidi", "Markus", "Riikka"),
    "payments": ("Oskari", "Katja"),
    "accounts": ("Elina", "Tuomas"),
    "sales": ("Veera", "Joonas", "Minna"),
    "key_accounts": ("Kristiina", "Pekka"),
}


@dataclass(frozen=True)
class Topic:
    """One recurring question: a knowledge-base article group and the tickets it answers.

    Parameters
    ----------
    group_id : str
        Article group id shared by the language versions, e.g. ``"KB012"``.
    reason : str
        The contact reason the topic belongs to.
    title_fi, title_en : str
        Article titles.
    slug_fi, slug_en : str
        URL slugs under ``/ohje/`` and ``/help/``.
    tags : tuple of str
        Article tags.
    errors : tuple of str
        Error codes customers see on this topic (may be empty).
    pages : tuple of str
        Keys of :data:`PAGES` where the problem shows up.
    weight : float
        Relative frequency of the topic within its reason.
    languages : tuple of str
        Languages the help centre has the article in.
    """

    group_id: str
    reason: str
    title_fi: str
    title_en: str
    slug_fi: str
    slug_en: str
    tags: tuple[str, ...]
    errors: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    weight: float = 1.0
    languages: tuple[str, ...] = ("fi", "en")


def _t(
    n: int,
    reason: str,
    title_fi: str,
    title_en: str,
    slug_fi: str,
    slug_en: str,
    tags: str,
    errors: str = "",
    pages: str = "",
    weight: float = 1.0,
    languages: tuple[str, ...] = ("fi", "en"),
) -> Topic:
    return Topic(
        group_id=f"KB{n:03d}",
        reason=reason,
        title_fi=title_fi,
        title_en=title_en,
        slug_fi=slug_fi,
        slug_en=slug_en,
        tags=tuple(tags.split()),
        errors=tuple(errors.split()),
        pages=tuple(pages.split()),
        weight=weight,
        languages=languages,
    )


# fmt: off
TOPICS: tuple[Topic, ...] = (
    # order_status
    _t(1, "order_status", "Missä tilaukseni on?", "Where is my order?",
       "missa-tilaukseni-on", "where-is-my-order", "orders tracking status", "", "order orders", 2.0),
    _t(2, "order_status", "Tilausvahvistusta ei tullut", "I did not get an order confirmation",
       "tilausvahvistus-puuttuu", "missing-order-confirmation", "orders email confirmation", "", "orders", 1.0),
    _t(3, "order_status", "Tilauksen muuttaminen", "Changing an order",
       "tilauksen-muuttaminen", "changing-an-order", "orders change", "order_locked", "order", 1.0),
    _t(4, "order_status", "Tilaus saapuu useassa erässä", "Order arriving in several parcels",
       "osatoimitus", "split-deliveries", "orders delivery split", "", "order", 0.6),
    # delivery
    _t(5, "delivery", "Toimitusajat ja kuljetusyhtiöt", "Delivery times and couriers",
       "toimitusajat", "delivery-times", "delivery couriers posti matkahuolto dhl budbee", "", "delivery_step tracking",
       1.4),
    _t(6, "delivery", "Noutopisteen vaihtaminen", "Changing the pickup point",
       "noutopisteen-vaihto", "change-pickup-point", "delivery pickup", "pickup_point_full", "delivery_step tracking",
       0.9),
    _t(7, "delivery", "Seurantatieto ei päivity", "Tracking is not updating",
       "seuranta-ei-paivity", "tracking-not-updating", "delivery tracking", "tracking_not_found", "tracking order",
       1.4),
    _t(8, "delivery", "Toimitusosoitteen korjaaminen", "Correcting the delivery address",
       "toimitusosoite", "delivery-address", "delivery address", "address_invalid", "delivery_step order", 0.8),
    _t(9, "delivery", "Kotiinkuljetus ja Budbee", "Home delivery with Budbee",
       "kotiinkuljetus", "home-delivery", "delivery home budbee", "", "delivery_step tracking", 0.6),
    # return
    _t(10, "return", "Näin palautat tuotteen", "How to return a product",
       "palautusohje", "how-to-return", "returns howto", "", "return_form order", 2.0),
    _t(11, "return", "Palautuslipuke ja palautuskoodi", "Return label and return code",
       "palautuslipuke", "return-label", "returns label", "return_label_failed", "return_form", 1.2),
    _t(12, "return", "Palautusoikeus ja palautusaika", "Right of return and return period",
       "palautusoikeus", "return-period", "returns policy period", "return_window_closed", "return_form order", 1.0),
    _t(13, "return", "Koon tai värin vaihtaminen", "Exchanging size or colour",
       "vaihto", "exchanges", "returns exchange size", "", "return_form product", 1.0),
    # refund
    _t(14, "refund", "Milloin saan rahani takaisin?", "When will I get my refund?",
       "hyvityksen-aikataulu", "refund-timeline", "refund timeline", "", "order orders", 1.8),
    _t(15, "refund", "Hyvitys puuttuu", "Refund missing",
       "hyvitys-puuttuu", "refund-missing", "refund missing", "", "order", 1.0),
    _t(16, "refund", "Hyvitystavat ja lahjakortti", "Refund methods and gift cards",
       "hyvitystavat", "refund-methods", "refund giftcard", "", "order", 0.7),
    _t(17, "refund", "Osittainen hyvitys", "Partial refunds",
       "osittainen-hyvitys", "partial-refund", "refund partial", "", "order", 0.6),
    # complaint
    _t(18, "complaint", "Tuote saapui rikkinäisenä", "Product arrived damaged",
       "rikkoutunut-tuote", "damaged-product", "complaint damaged", "", "order", 1.3),
    _t(19, "complaint", "Viallinen tuote ja takuu", "Faulty product and warranty",
       "takuu-ja-reklamaatio", "warranty-claims", "complaint warranty faulty", "", "order product", 1.3),
    _t(20, "complaint", "Sain väärän tuotteen", "I received the wrong item",
       "vaara-tuote", "wrong-item", "complaint wrong-item", "", "order", 0.9),
    _t(21, "complaint", "Reklamaation käsittely", "How complaints are handled",
       "reklamaatio", "complaint-process", "complaint process", "", "order help", 0.8),
    # invoice
    _t(22, "invoice", "Laskun eräpäivän siirto", "Changing an invoice due date",
       "erapaivan-siirto", "invoice-due-date", "invoice due-date", "", "invoice", 1.8),
    _t(23, "invoice", "Laskun kopio ja kuitti", "Invoice copy and receipt",
       "laskun-kopio", "invoice-copy", "invoice receipt", "", "invoice orders", 1.0),
    _t(24, "invoice", "Maksa erissä tai laskulla", "Pay later or in instalments",
       "lasku-ja-osamaksu", "invoice-and-instalments", "invoice instalments klarna", "invoice_not_available",
       "payment", 1.0),
    _t(25, "invoice", "Maksumuistutus ja muistutusmaksu", "Payment reminders and fees",
       "maksumuistutus", "payment-reminder", "invoice reminder fee", "", "invoice", 0.9),
    # payment_failure
    _t(26, "payment_failure", "Korttimaksu hylättiin", "Why was my card declined?",
       "kortti-hylatty", "card-declined", "payment card declined", "card_declined insufficient_funds",
       "payment", 2.0),
    _t(27, "payment_failure", "Vahva tunnistautuminen (3D Secure) epäonnistui", "3D Secure verification failed",
       "3d-secure", "3d-secure", "payment 3ds", "3ds_failed", "payment", 1.2),
    _t(28, "payment_failure", "MobilePay- ja verkkopankkimaksut", "MobilePay and online bank payments",
       "mobilepay-ja-verkkopankki", "mobilepay-and-bank-payments", "payment mobilepay bank", "payment_timeout",
       "payment", 1.0),
    _t(29, "payment_failure", "Veloitus näkyy kahteen kertaan", "I was charged twice",
       "tuplaveloitus", "double-charge", "payment double-charge", "", "payment order", 0.8),
    _t(30, "payment_failure", "Maksu epäonnistui, syntyikö tilaus?", "Payment failed: was my order created?",
       "maksu-epaonnistui", "payment-failed-order", "payment order", "payment_timeout",
       "payment", 0.8),
    # account_login
    _t(31, "account_login", "Salasanan vaihtaminen", "Resetting your password",
       "salasanan-vaihto", "reset-password", "account password", "invalid_password", "login password", 1.8),
    _t(32, "account_login", "Tili on lukittu", "Account locked",
       "tili-lukittu", "account-locked", "account locked", "login_locked", "login", 1.0),
    _t(33, "account_login", "Sähköpostiosoitteen vaihtaminen", "Changing your e-mail address",
       "sahkopostin-vaihto", "change-email", "account email", "email_not_verified", "account", 0.7),
    _t(34, "account_login", "Kirjautuminen katkeaa", "Being logged out unexpectedly",
       "istunto-vanhentui", "session-expired", "account session", "session_expired", "login payment", 0.8),
    # product_question
    _t(35, "product_question", "Tuotteen saatavuus", "Product availability",
       "saatavuus", "availability", "product stock", "out_of_stock", "product", 1.5),
    _t(36, "product_question", "Kokotaulukko", "Size guide",
       "kokotaulukko", "size-guide", "product size", "", "product", 1.2),
    _t(37, "product_question", "Tuotetiedot ja yhteensopivuus", "Product details and compatibility",
       "tuotetiedot", "product-details", "product specs", "", "product", 1.0),
    # cancellation
    _t(38, "cancellation", "Tilauksen peruminen", "Cancelling an order",
       "tilauksen-peruminen", "cancel-order", "cancellation order", "order_locked", "order orders", 2.0),
    _t(39, "cancellation", "Peruminen lähetyksen jälkeen", "Cancelling after dispatch",
       "peruminen-lahetyksen-jalkeen", "cancel-after-dispatch", "cancellation shipped",
       "order_already_shipped", "order", 1.0),
    _t(40, "cancellation", "Ennakkotilauksen peruminen", "Cancelling a pre-order",
       "ennakkotilauksen-peruminen", "cancel-pre-order", "cancellation preorder", "", "order product", 0.5),
    # discount_code
    _t(41, "discount_code", "Alennuskoodin käyttäminen", "Using a discount code",
       "alennuskoodi", "discount-code", "discount howto", "coupon_invalid", "cart payment", 1.5),
    _t(42, "discount_code", "Alennuskoodi ei toimi", "My discount code does not work",
       "koodi-ei-toimi", "code-not-working", "discount expired", "coupon_expired coupon_min_order",
       "cart", 1.5),
    _t(43, "discount_code", "Kanta-asiakasedut ja bonukset", "Loyalty benefits and bonus points",
       "kanta-asiakasedut", "loyalty-benefits", "discount loyalty", "", "account cart", 0.7),
    # gdpr_request
    _t(44, "gdpr_request", "Henkilötietojen poistaminen", "Deleting your personal data",
       "tietojen-poisto", "delete-my-data", "gdpr privacy delete", "", "privacy", 1.2),
    _t(45, "gdpr_request", "Omien tietojen tarkastaminen", "Requesting a copy of your data",
       "tietojen-tarkastus", "data-access-request", "gdpr privacy access", "", "privacy", 0.8),
    _t(46, "gdpr_request", "Markkinointiviestien peruminen", "Unsubscribing from marketing",
       "markkinoinnin-peruminen", "unsubscribe-marketing", "gdpr marketing newsletter", "", "privacy account", 0.8),
    # articles in one language only
    _t(47, "delivery", "Toimitukset Ahvenanmaalle", "Deliveries to Åland",
       "ahvenanmaa", "aland", "delivery aland customs", "", "delivery_step", 0.2, ("fi",)),
    _t(48, "payment_failure", "Verkkopankkimaksun peruuntuminen", "Online bank payment cancelled",
       "verkkopankkimaksu-peruuntui", "bank-payment-cancelled", "payment bank", "payment_timeout",
       "payment", 0.3, ("fi",)),
    _t(49, "delivery", "International shipping", "International shipping",
       "kansainvaliset-toimitukset", "international-shipping", "delivery international customs", "",
       "delivery_step", 0.3, ("en",)),
)
# fmt: on

TOPIC_BY_GROUP: dict[str, Topic] = {t.group_id: t for t in TOPICS}

#: Human-readable error messages per error code, with slots for ids.
ERROR_MESSAGES: dict[str, str] = {
    "card_declined": "Payment {pid} failed: card declined (code 05)",
    "insufficient_funds": "Payment {pid} failed: insufficient funds (code 51)",
    "3ds_failed": "3-D Secure authentication failed for payment {pid}",
    "payment_timeout": "Payment {pid} timed out after 300 s",
    "invoice_not_available": "Invoice payment is not available for this order (ref {pid})",
    "address_invalid": "Address could not be validated: postal code {zip} does not match city",
    "pickup_point_full": "Pickup point {pp} is full, choose another one",
    "tracking_not_found": "No tracking events found for {code}",
    "order_locked": "Order {order} can no longer be modified (status: processing)",
    "order_already_shipped": "Order {order} has already been shipped and cannot be cancelled",
    "return_label_failed": "Could not create return label for order {order} (error 502)",
    "return_window_closed": "Return period for order {order} ended on {date}",
    "invalid_password": "Invalid e-mail or password (attempt {n}/5)",
    "login_locked": "Account locked after 5 failed attempts, try again in 30 min",
    "session_expired": "Session expired (id {sid}), please log in again",
    "email_not_verified": "E-mail address not verified for account {cid}",
    "out_of_stock": "Product {sku} is out of stock",
    "coupon_expired": "Discount code {coupon} expired on {date}",
    "coupon_invalid": "Discount code {coupon} is not valid",
    "coupon_min_order": "Discount code {coupon} requires a minimum order of 50 EUR",
}

#: Shop pages: key -> list of (path template, Finnish title, English title); a path starting with ``/fi/`` or
#: ``/en/`` is language specific.
PAGES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "payment": (
        ("/checkout/payment", "Kassa – maksu", "Checkout – payment"),
        ("/fi/kassa/maksu", "Kassa – maksu", "Checkout – payment"),
        ("/en/checkout/payment", "Kassa – maksu", "Checkout – payment"),
        ("/checkout/payment/confirm", "Maksun vahvistus", "Confirm payment"),
    ),
    "delivery_step": (
        ("/checkout/delivery", "Kassa – toimitustapa", "Checkout – delivery"),
        ("/fi/kassa/toimitus", "Kassa – toimitustapa", "Checkout – delivery"),
    ),
    "cart": (
        ("/cart", "Ostoskori", "Shopping cart"),
        ("/fi/ostoskori", "Ostoskori", "Shopping cart"),
        ("/en/cart", "Ostoskori", "Shopping cart"),
    ),
    "order": (
        ("/account/orders/{order}", "Tilaus {order}", "Order {order}"),
        ("/fi/tilaukset/{order}", "Tilaus {order}", "Order {order}"),
        ("/en/orders/{order}", "Tilaus {order}", "Order {order}"),
    ),
    "orders": (
        ("/account/orders", "Omat tilaukset", "My orders"),
        ("/fi/omat-tilaukset", "Omat tilaukset", "My orders"),
    ),
    "tracking": (
        ("/tracking", "Lähetyksen seuranta", "Track your parcel"),
        ("/fi/seuranta/{code}", "Lähetyksen seuranta", "Track your parcel"),
        ("/en/tracking/{code}", "Lähetyksen seuranta", "Track your parcel"),
    ),
    "return_form": (
        ("/account/orders/{order}/return", "Palauta tuotteita", "Return items"),
        ("/fi/tilaukset/{order}/palautus", "Palauta tuotteita", "Return items"),
        ("/fi/tilaus/{order}/palautus", "Palauta tuotteita", "Return items"),
        ("/en/orders/{order}/return", "Palauta tuotteita", "Return items"),
    ),
    "invoice": (
        ("/account/invoices/{inv}", "Lasku {inv}", "Invoice {inv}"),
        ("/fi/laskut/{inv}", "Lasku {inv}", "Invoice {inv}"),
        ("/en/invoices/{inv}", "Lasku {inv}", "Invoice {inv}"),
    ),
    "login": (
        ("/account/login", "Kirjaudu sisään", "Log in"),
        ("/fi/kirjaudu", "Kirjaudu sisään", "Log in"),
        ("/en/login", "Kirjaudu sisään", "Log in"),
    ),
    "password": (
        ("/account/password/reset", "Unohtunut salasana", "Forgotten password"),
        ("/fi/salasana/unohtunut", "Unohtunut salasana", "Forgotten password"),
    ),
    "account": (
        ("/account/settings", "Tilin asetukset", "Account settings"),
        ("/fi/oma-tili/asetukset", "Tilin asetukset", "Account settings"),
        ("/en/account/settings", "Tilin asetukset", "Account settings"),
    ),
    "product": (
        ("/product/{sku}", "{product} | Tuote", "{product} | Product"),
        ("/fi/tuote/{sku}", "{product} | Tuote", "{product} | Product"),
        ("/en/product/{sku}", "{product} | Tuote", "{product} | Product"),
    ),
    "privacy": (
        ("/account/privacy", "Tietosuoja-asetukset", "Privacy settings"),
        ("/fi/tietosuoja", "Tietosuojaseloste", "Privacy policy"),
        ("/en/privacy", "Tietosuojaseloste", "Privacy policy"),
    ),
    "help": (
        ("/help", "Asiakaspalvelu", "Customer service"),
        ("/fi/asiakaspalvelu", "Asiakaspalvelu", "Customer service"),
    ),
    "home": (
        ("/", "Etusivu", "Home"),
        ("/fi/", "Etusivu", "Home"),
        ("/en/", "Etusivu", "Home"),
    ),
}

QUERY_STRINGS: tuple[str, ...] = (
    "?ref=mail", "?utm_source=newsletter&utm_medium=email", "?step=3", "?step=2", "?lang=fi", "?lang=en",
    "?retry=1", "?session={sid}", "?utm_campaign=blackfriday", "?from=app", "?src=sms",
)

#: Products: Finnish nominative, genitive, partitive, elative, total object (accusative), the 3rd person of
#: "olla" that agrees with it, and English.
PRODUCTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("takki", "takin", "takkia", "takista", "takin", "on", "jacket"),
    ("kengät", "kenkien", "kenkiä", "kengistä", "kengät", "ovat", "shoes"),
    ("farkut", "farkkujen", "farkkuja", "farkuista", "farkut", "ovat", "jeans"),
    ("kuulokkeet", "kuulokkeiden", "kuulokkeita", "kuulokkeista", "kuulokkeet", "ovat", "headphones"),
    ("kahvinkeitin", "kahvinkeittimen", "kahvinkeitintä", "kahvinkeittimestä", "kahvinkeittimen", "on",
     "coffee maker"),
    ("pyöräilykypärä", "pyöräilykypärän", "pyöräilykypärää", "pyöräilykypärästä", "pyöräilykypärän", "on",
     "bike helmet"),
    ("villapaita", "villapaidan", "villapaitaa", "villapaidasta", "villapaidan", "on", "wool sweater"),
    ("reppu", "repun", "reppua", "repusta", "repun", "on", "backpack"),
    ("juoksukengät", "juoksukenkien", "juoksukenkiä", "juoksukengistä", "juoksukengät", "ovat", "running shoes"),
    ("sauvasekoitin", "sauvasekoittimen", "sauvasekoitinta", "sauvasekoittimesta", "sauvasekoittimen", "on",
     "hand blender"),
    ("pöytävalaisin", "pöytävalaisimen", "pöytävalaisinta", "pöytävalaisimesta", "pöytävalaisimen", "on",
     "desk lamp"),
    ("älykello", "älykellon", "älykelloa", "älykellosta", "älykellon", "on", "smartwatch"),
    ("talvitakki", "talvitakin", "talvitakkia", "talvitakista", "talvitakin", "on", "winter coat"),
    ("lakanasetti", "lakanasetin", "lakanasettiä", "lakanasetistä", "lakanasetin", "on", "bed linen set"),
    ("paistinpannu", "paistinpannun", "paistinpannua", "paistinpannusta", "paistinpannun", "on", "frying pan"),
    ("lasten kumisaappaat", "lasten kumisaappaiden", "lasten kumisaappaita", "lasten kumisaappaista",
     "lasten kumisaappaat", "ovat", "kids' rubber boots"),
    ("pipo", "pipon", "pipoa", "piposta", "pipon", "on", "beanie"),
    ("robotti-imuri", "robotti-imurin", "robotti-imuria", "robotti-imurista", "robotti-imurin", "on",
     "robot vacuum"),
    ("kaiutin", "kaiuttimen", "kaiutinta", "kaiuttimesta", "kaiuttimen", "on", "speaker"),
    ("joogamatto", "joogamaton", "joogamattoa", "joogamatosta", "joogamaton", "on", "yoga mat"),
    ("mekko", "mekon", "mekkoa", "mekosta", "mekon", "on", "dress"),
    ("sohvatyyny", "sohvatyynyn", "sohvatyynyä", "sohvatyynystä", "sohvatyynyn", "on", "cushion"),
    ("vedenkeitin", "vedenkeittimen", "vedenkeitintä", "vedenkeittimestä", "vedenkeittimen", "on", "kettle"),
    ("ulkoiluhousut", "ulkoiluhousujen", "ulkoiluhousuja", "ulkoiluhousuista", "ulkoiluhousut", "ovat",
     "outdoor trousers"),
    ("pelikonsoli", "pelikonsolin", "pelikonsolia", "pelikonsolista", "pelikonsolin", "on", "game console"),
)

COURIERS: tuple[str, ...] = ("Posti", "Matkahuolto", "DHL", "Budbee", "PostNord")
COURIER_WEIGHTS: tuple[float, ...] = (0.45, 0.25, 0.12, 0.12, 0.06)

PICKUP_POINTS: tuple[str, ...] = (
    "K-Market Kallio", "S-Market Tikkurila", "Posti Kamppi", "R-kioski Hervanta", "Matkahuolto Itis",
    "Prisma Raisio", "Alepa Töölö", "Posti Tampere Koskikeskus", "Sale Kuopio", "Pakettiautomaatti Sello",
)

#: First and last names used in signatures (invented combinations).
FIRST_NAMES: tuple[str, ...] = (
    "Matti", "Liisa", "Juha", "Anna", "Timo", "Sari", "Jari", "Tiina", "Mika", "Maria", "Pekka", "Kaisa",
    "Ville", "Emma", "Eero", "Helmi", "Lauri", "Sofia", "Olli", "Ella", "John", "Sarah", "David", "Nina",
)
LAST_NAMES: tuple[str, ...] = (
    "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
    "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi", "Smith", "Brown",
)
STREETS: tuple[str, ...] = (
    "Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Rantatie", "Koivukuja", "Puistokatu",
    "Satamakatu", "Kirkkokatu", "Myllytie", "Pihlajatie", "Itäinen Pitkäkatu",
)
CITIES: tuple[tuple[str, str], ...] = (
    ("00100", "Helsinki"), ("00530", "Helsinki"), ("02100", "Espoo"), ("01300", "Vantaa"), ("33100", "Tampere"),
    ("20100", "Turku"), ("90100", "Oulu"), ("40100", "Jyväskylä"), ("70100", "Kuopio"), ("15110", "Lahti"),
)
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.fi", "example.net", "mail.example.org")

#: Wearable products: nominative, genitive, partitive, elative, total object, agreeing "olla", English, and
#: the Finnish plural nominative.
GARMENTS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("takki", "takin", "takkia", "takista", "takin", "on", "jacket", "takit"),
    ("kengät", "kenkien", "kenkiä", "kengistä", "kengät", "ovat", "shoes", "kengät"),
    ("farkut", "farkkujen", "farkkuja", "farkuista", "farkut", "ovat", "jeans", "farkut"),
    ("villapaita", "villapaidan", "villapaitaa", "villapaidasta", "villapaidan", "on", "wool sweater",
     "villapaidat"),
    ("juoksukengät", "juoksukenkien", "juoksukenkiä", "juoksukengistä", "juoksukengät", "ovat",
     "running shoes", "juoksukengät"),
    ("talvitakki", "talvitakin", "talvitakkia", "talvitakista", "talvitakin", "on", "winter coat", "talvitakit"),
    ("mekko", "mekon", "mekkoa", "mekosta", "mekon", "on", "dress", "mekot"),
    ("ulkoiluhousut", "ulkoiluhousujen", "ulkoiluhousuja", "ulkoiluhousuista", "ulkoiluhousut", "ovat",
     "outdoor trousers", "ulkoiluhousut"),
    ("kuoritakki", "kuoritakin", "kuoritakkia", "kuoritakista", "kuoritakin", "on", "shell jacket",
     "kuoritakit"),
    ("neuletakki", "neuletakin", "neuletakkia", "neuletakista", "neuletakin", "on", "cardigan", "neuletakit"),
)

#: Electrical products: Finnish nominative and English.
DEVICES: tuple[tuple[str, str], ...] = (
    ("kahvinkeitin", "coffee maker"), ("kuulokkeet", "headphones"), ("sauvasekoitin", "hand blender"),
    ("älykello", "smartwatch"), ("robotti-imuri", "robot vacuum"), ("kaiutin", "speaker"),
    ("vedenkeitin", "kettle"), ("pelikonsoli", "game console"), ("pöytävalaisin", "desk lamp"),
    ("sähköhammasharja", "electric toothbrush"),
)
