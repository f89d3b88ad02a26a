"""Zammad: tickets and articles, the default webhook with X-Hub-Signature, KB answers, updates."""

from __future__ import annotations

import hashlib
import hmac
import json

import pandas as pd
import pytest

from cxml.connectors import (
    ConnectorError,
    SignatureError,
    parse_webhook,
    read_articles,
    read_tickets,
    write_back,
)

TOKEN = "zammad-signature-token"


def sign(body: bytes, token: str = TOKEN) -> dict[str, str]:
    return {"X-Hub-Signature": "sha1=" + hmac.new(token.encode(), body, hashlib.sha1).hexdigest(),
            "X-Zammad-Delivery": "6f1c0b8e-0d4e-4c1b-9f43-3f8c7a2b1d00", "X-Zammad-Trigger": "cxml triage"}


def test_tickets_with_articles(fixtures_dir):
    frame = read_tickets(fixtures_dir / "zammad", "zammad", scrub_pii=False, fields={"invoice_no": "cf_invoice"})
    frame = frame.set_index("id")
    t = frame.loc["42"]
    assert t["body"] == "Laskulla 2024-118 on väärä summa."  # "-- " signature cut
    assert t["answer"] == "Hyvitimme erotuksen, pahoittelut!"
    assert [(m["role"], m["public"]) for m in t["thread"]] == [("customer", True), ("agent", False), ("agent", True)]
    assert (t["channel"], t["priority"], t["priority_raw"], t["status"]) == ("email", "high", "3 high", "closed")
    assert (t["team"], t["agent"], t["customer_id"], t["number"]) == ("Laskutus", "3", "17", "31042")
    assert t["created_at"] == pd.Timestamp("2024-06-10T09:00:00Z")
    assert t["first_response_at"] == pd.Timestamp("2024-06-10T09:30:00Z")
    assert t["resolved_at"] == pd.Timestamp("2024-06-10T11:00:00Z")
    assert (t["tags"], t["cf_invoice"]) == (["lasku"], "2024-118")
    new = frame.loc["43"]
    assert (new["channel"], new["priority"], new["status"]) == ("web_form", "medium", "new")
    assert pd.isna(new["agent"])  # owner "-" is nobody
    assert {"position": 2, "id": "44", "reason": "merged ticket"} in frame.attrs["skipped"]


def test_default_webhook(fixtures_dir):
    body = (fixtures_dir / "zammad" / "webhook.json").read_bytes()
    event = parse_webhook("zammad", body, sign(body), secret=TOKEN)
    assert (event.event_id, event.event_type) == ("6f1c0b8e-0d4e-4c1b-9f43-3f8c7a2b1d00", "cxml triage")
    t = event.ticket
    assert (t["id"], t["team"], t["priority"], t["status"], t["channel"]) == ("45", "Users", "medium", "new",
                                                                              "web_form")
    assert t["body"] == "I requested a password reset three times, no e-mail."
    assert t["tags"] == ["login"] and t["agent"] is None
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("zammad", body.replace(b"three", b"four"), sign(body), secret=TOKEN)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("zammad", body, sign(body, "other"), secret=TOKEN)
    with pytest.raises(ConnectorError, match="zammad: webhook body: field 'ticket' is missing"):
        parse_webhook("zammad", json.dumps({"article": {}}).encode(), {})


def test_kb_answers_in_assets_shape(fixtures_dir):
    articles = read_articles(fixtures_dir / "zammad" / "kb_answer.json", "zammad").set_index("id")
    assert articles.index.tolist() == ["7-fi", "7-en"]
    assert articles.loc["7-fi", "title"] == "Salasanan vaihto"
    assert articles.loc["7-fi", "body"] == "Valitse Tili > Vaihda salasana."
    assert articles.loc["7-en", "language"] == "en"


def test_write_back_update_with_internal_note_and_tags():
    decisions = {"priority": "urgent", "priority_action": "auto", "team": "Laskutus", "team_action": "auto",
                 "reason": "invoice", "reason_action": "suggest", "reason_top3": [("invoice", 0.7)]}
    wb = write_back("zammad", "42", decisions, groups={"Laskutus": "Laskutus"})
    assert (wb.method, wb.path) == ("PUT", "/api/v1/tickets/42")
    assert (wb.json["priority"], wb.json["group"]) == ("3 high", "Laskutus")
    assert wb.json["article"]["internal"] is True and wb.json["article"]["type"] == "note"
    assert "invoice (70%)" in wb.json["article"]["body"]
    assert [(r.path, r.json) for r in wb.also] == [
        ("/api/v1/tags/add", {"object": "Ticket", "o_id": 42, "item": "cxml_auto"})]
