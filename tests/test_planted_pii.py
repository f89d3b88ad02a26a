"""Every kind of personal data planted in tickets stays out of every artifact file and the HTML report (issue 14).

The README promises that customer data stays out of models. This plants each kind the scrubber knows (names in
greetings and signatures, plain and obfuscated e-mail addresses, phone numbers in every form, payment cards with
their CVV, IBANs, identity codes, street addresses) into the subject, body, answer and feedback of real-looking
tickets, trains a triage model (TF-IDF vocabulary saved as JSON) and a knowledge base with those tickets, saves
them as one artifact, writes the operations report, and reads back every file: JSON, Parquet, the skops zip
members, the model card, the manifest and the HTML.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

#: (where, text planted) -- each ticket gets one, cycling, in its body (and answer / feedback, see below).
PLANTED = [
    "Hei Ilmari,\nPaketti ei tullut.\n\nTerveisin,\nIlmari Kyyrönen",
    "Where is my parcel?\n\nBest regards,\nWilhelmina Zbigniewska",
    "Lähetä kuitti osoitteeseen ilmari(at)kyyronen.fi kiitos",
    "Please mail me at wilhelmina @ zorbalux.com thanks",
    "Soita numeroon 040.765.4321 iltapäivällä",
    "Soita ０４５ ９８７ ６５４３ iltapäivällä",
    "Henkilötunnukseni on 240575 -777X ja tilaus peruttiin",
    "Kortti 4929 3813 0712 5629 cvv 8152 hylättiin",
    "Palauttakaa rahat tilille FI21 1234 5600 0007 85",
    "Toimitus osoitteeseen Zorbalukuja 17 B 12, 00100 Helsinki",
]

#: What must not be found anywhere (lower case; TF-IDF lower-cases and may keep character n-grams).
FORBIDDEN = ["ilmari", "kyyrönen", "kyyron", "wilhelmina", "zbigniew", "zorbalux", "zorbaluk", "7654321",
             "765.4321", "９８７", "6543", "240575", "777x", "4929", "3813", "0712", "5629", "8152", "1234 5600",
             "12345600000785"]


def _texts_of(path: Path) -> str:
    """Everything a file holds, as searchable text."""
    raw = path.read_bytes()
    parts = [raw.decode("utf-8", errors="ignore")]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            parts += [zf.read(name).decode("utf-8", errors="ignore") for name in zf.namelist()]
    if path.suffix == ".parquet":
        parts.append(pq.read_table(path).to_pandas().to_json(force_ascii=False))
    if path.suffix == ".npy" or path.suffix == ".faiss":
        parts = []  # numbers only
    return _searchable("\n".join(parts))


def _searchable(text: str) -> str:
    """Lower-case NFC text without what only looks like digits: checksums (hex) and embedded images (base64)."""
    text = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", " ", text)
    text = re.sub(r"[0-9a-f]{16,}", " ", text)
    return unicodedata.normalize("NFC", text).lower()


def _leaks(text: str) -> list[str]:
    """The forbidden values in ``text``; numbers only as whole numbers (not inside a longer one)."""
    return [f for f in FORBIDDEN if re.search(rf"(?<![0-9]){re.escape(f)}(?![0-9])" if f[0].isdigit() else
                                              re.escape(f), text)]


@pytest.fixture(scope="module")
def planted():
    from cxml.datasets import make_webshop

    shop = make_webshop(n_tickets=400, seed=3)
    tickets = shop.tickets.copy()
    base = "\n".join(tickets[["subject", "body", "answer", "feedback"]].astype(str).agg(" ".join, axis=1)).lower()
    present = _leaks(base)
    assert not present, f"the unplanted data already holds {present}: pick other planted values"
    for i in range(len(tickets)):
        text = PLANTED[i % len(PLANTED)]
        tickets.loc[tickets.index[i], "body"] = f"{tickets['body'].iloc[i]}\n{text}"
        if i % 3 == 0:
            tickets.loc[tickets.index[i], "answer"] = f"Hei Ilmari,\n{tickets['answer'].iloc[i]}\n{text}"
        if i % 2 == 0:
            tickets.loc[tickets.index[i], "feedback"] = f"Kiitos! {text}"
        if i % 5 == 0 and i % len(PLANTED) >= 2:  # a bare name in a subject is no signature: see the README
            tickets.loc[tickets.index[i], "subject"] = f"{tickets['subject'].iloc[i]} {text.splitlines()[-1]}"
    return shop, tickets


def test_nothing_planted_reaches_an_artifact_file(planted, tmp_path):
    import cxml
    from cxml.bundle import HelpdeskModel
    from cxml.knowledge import KnowledgeBase
    from cxml.triage import Triage

    shop, tickets = planted
    triage = Triage(targets=("reason", "priority"), encoder="hash", features="tfidf", cv=3).fit(tickets)
    kb = KnowledgeBase(encoder="hash").add(shop.articles).fit_feedback(tickets)
    path = HelpdeskModel(triage=triage, knowledge=kb).save(tmp_path / "model")
    files = [p for p in path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"tfidf_vocabulary.json", "tickets.parquet", "README.md", "manifest.json"} <= names, names
    for file in files:
        leaked = _leaks(_texts_of(file))
        assert not leaked, f"{file.relative_to(path)} holds {leaked}"
    # the scrubbed tickets are still there, with their content: scrubbing removed only the personal data
    stored = pq.read_table(next(p for p in files if p.name == "tickets.parquet")).to_pandas()
    assert stored["text"].str.contains("Paketti ei tullut").any()
    assert stored["text"].str.contains(r"\[IBAN\]").any() and stored["text"].str.contains(r"\[CVV\]").any()
    cxml.load(path)


def test_nothing_planted_reaches_the_html_report(planted, tmp_path):
    from cxml.reports import write_report
    from cxml.schema import as_tickets

    _, tickets = planted
    report = write_report(as_tickets(tickets, require=("created_at",), allow_empty_text=True), tmp_path / "r")
    html = _searchable(report.read_text(encoding="utf-8"))
    leaked = _leaks(html)
    assert not leaked, f"the report shows {leaked}"
    assert "kiitos" in html  # the feedback is there, scrubbed


def test_the_check_would_catch_a_leak(planted):
    """Without scrubbing, the same tickets show every planted value: the checks above can fail."""
    from cxml.schema import as_tickets

    _, tickets = planted
    raw = as_tickets(tickets, scrub_pii=False)
    text = _searchable(raw.to_json(force_ascii=False))
    planted_as_written = _leaks(_searchable("\n".join(PLANTED)))  # the rest guard other spellings (compact IBAN...)
    assert len(planted_as_written) >= 15
    assert set(planted_as_written) <= set(_leaks(text))
    scrubbed = _searchable(as_tickets(tickets).to_json(force_ascii=False))
    assert _leaks(scrubbed) == []
