"""LiveChat: archived chats, incoming_chat webhooks with secret_key, agents-only notes and thread tags."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cxml.connectors import ConnectorError, SignatureError, parse_webhook, read_tickets, write_back


def test_archived_chat(fixtures_dir):
    frame = read_tickets(fixtures_dir / "livechat" / "archives.json", "livechat", scrub_pii=False)
    t = frame.iloc[0]
    assert (t["id"], t["chat_id"], t["thread_id"]) == ("PJ0MRSHTDG/K600PKZON8", "PJ0MRSHTDG", "K600PKZON8")
    assert t["subject"] == "Shipping options to Åland"  # the pre-chat form's question
    assert t["body"] == "hi\ndo you ship to Åland islands?"  # the opening burst
    assert t["answer"] == "Yes, we ship to Åland; customs fees may apply."
    assert [(m["role"], m["public"]) for m in t["thread"]] == [
        ("customer", True), ("customer", True), ("agent", False), ("agent", True)]
    assert (t["channel"], t["status"], t["team"], t["agent"]) == ("chat", "closed", "2", "agent1@example.com")
    assert (t["url"], t["page_title"]) == ("https://shop.example.fi/checkout/shipping", "Checkout - Shipping")
    assert t["created_at"] == pd.Timestamp("2024-06-06T10:00:00Z")
    assert t["first_response_at"] == pd.Timestamp("2024-06-06T10:02:00Z")
    assert t["resolved_at"] == pd.Timestamp("2024-06-06T10:05:00Z")
    assert (t["csat"], t["feedback"], t["tags"]) == (5.0, "fast answer", ["shipping"])
    assert pd.isna(t["priority"])


def test_chat_without_thread_is_named():
    with pytest.raises(ConnectorError, match=r"livechat: chat X \(record 0\): field 'thread' is missing"):
        read_tickets([{"id": "X", "users": [], "thread": {}}], "livechat")


def test_incoming_chat_webhook(fixtures_dir):
    body = (fixtures_dir / "livechat" / "incoming_chat.json").read_bytes()
    event = parse_webhook("livechat", body, {}, secret="laskdjlksajd823")
    assert (event.event_type, event.event_id) == ("incoming_chat", "incoming_chat:PJ0MRSHTDX:K600PKZONX")
    assert event.ticket_ids == ("PJ0MRSHTDX/K600PKZONX",)
    assert event.ticket["body"] == "I cannot log in, it says LOGIN_LOCKED"
    assert (event.ticket["url"], event.ticket["status"]) == ("https://shop.example.fi/account/login", "active")
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("livechat", body, {}, secret="laskdjlksajd824")
    changed = json.loads(body)
    del changed["secret_key"]
    with pytest.raises(SignatureError, match="no 'secret_key'"):
        parse_webhook("livechat", json.dumps(changed).encode(), {}, secret="laskdjlksajd823")


def test_event_webhook_without_a_chat():
    body = json.dumps({"webhook_id": "w", "secret_key": "k", "action": "incoming_event",
                       "payload": {"chat_id": "C1", "thread_id": "T1", "event": {"id": "E9", "type": "message"}}})
    event = parse_webhook("livechat", body.encode(), {}, secret="k")
    assert (event.ticket, event.ticket_ids, event.event_id) == (None, ("C1/T1",), "incoming_event:C1:T1:E9")


def test_write_back_note_and_tags():
    wb = write_back("livechat", "PJ0MRSHTDG/K600PKZON8", {
        "reason": "delivery", "reason_action": "auto", "priority": "low", "priority_action": "suggest",
        "priority_top3": [("low", 0.6), ("medium", 0.3)]})
    assert (wb.path, wb.json["event"]["visibility"]) == ("/v3.5/agent/action/send_event", "agents")
    assert "cxml suggests priority: low (60%), medium (30%)" in wb.json["event"]["text"]
    assert [r.json["tag"] for r in wb.also] == ["cxml_reason_delivery", "cxml_auto"]
    assert all(r.json["thread_id"] == "K600PKZON8" for r in wb.also)
    with pytest.raises(ConnectorError, match="should be '<chat_id>/<thread_id>'"):
        write_back("livechat", "PJ0MRSHTDG", {"reason": "x", "reason_action": "auto"})
