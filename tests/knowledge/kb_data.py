"""A small bilingual help centre shared by the knowledge tests."""

ARTICLES = [
    {"id": "ret-fi", "group_id": "ret", "language": "fi", "title": "Tuotteen palauttaminen",
     "body": "## Palautusoikeus\nVoit palauttaa tuotteen 14 päivän kuluessa.\n\n## Palautusohje\n"
             "Tulosta palautuslappu ja vie paketti noutopisteeseen.", "tags": ["returns"]},
    {"id": "ret-en", "group_id": "ret", "language": "en", "title": "Returning a product",
     "body": "## Right of return\nYou can return any product within 14 days.\n\n## How to return\n"
             "Print the return label and take the parcel to a pickup point.", "tags": ["returns"]},
    {"id": "pay-en", "group_id": "pay", "language": "en", "title": "Declined card payment",
     "body": "Error E-402 at checkout means the bank declined the card payment. Try another card.",
     "tags": ["payments"]},
    {"id": "pay-fi", "group_id": "pay", "language": "fi", "title": "Korttimaksu hylättiin",
     "body": "Virhe E-402 kassalla tarkoittaa, että pankki hylkäsi korttimaksun. Kokeile toista korttia.",
     "tags": ["payments"]},
    {"id": "del-en", "group_id": "del", "language": "en", "title": "Where is my parcel",
     "body": "Track the parcel with the tracking code from the confirmation message.",
     "tags": ["deliveries"]},
    {"id": "inv-fi", "group_id": "inv", "language": "fi", "title": "Laskun eräpäivän siirto",
     "body": "Eräpäivää voi siirtää kerran enintään 14 päivällä maksupalvelun sovelluksessa.",
     "tags": ["invoices"]},
]
