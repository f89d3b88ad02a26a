"""Intercom: REST conversations, the older webhook shape, tickets, articles, X-Hub-Signature, notes."""

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

SECRET = "intercom-client-secret"


def sign(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """X-Hub-Signature as Intercom sends it: sha1= + hex HMAC-SHA1 of the body under the client secret."""
    return {"X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()}


def test_rest_conversations(fixtures_dir):
    frame = read_tickets(fixtures_dir / "intercom" / "conversations.json", "intercom", scrub_pii=False)
    t = frame.set_index("id").loc["1295"]
    assert t["body"] == "I get an error PAYMENT_TIMEOUT when I pay."  # "Best regards," cut
    assert t["answer"] == "Sorry! Please try again now, it is fixed."
    assert [(m["role"], m["public"]) for m in t["thread"]] == [("customer", True), ("agent", False), ("agent", True)]
    assert (t["channel"], t["channel_raw"], t["delivered_as"]) == ("chat", "conversation", "customer_initiated")
    assert (t["priority"], t["priority_raw"], t["status"]) == ("high", "priority", "closed")
    assert t["created_at"] == pd.Timestamp(1717236000, unit="s", tz="UTC")
    assert t["first_response_at"] == pd.Timestamp(1717236600, unit="s", tz="UTC")
    assert t["resolved_at"] == pd.Timestamp(1717239600, unit="s", tz="UTC")
    assert (t["url"], t["error_code"], t["language"], t["cf_plan"]) == (
        "https://shop.example.fi/checkout/payment?step=3", "PAYMENT_TIMEOUT", "en", "pro")
    assert (t["team"], t["agent"], t["customer_id"]) == ("5017691", "814860", "5ba682d23d7cf92bef87bfd4")
    assert (t["csat"], t["feedback"], t["tags"]) == (4.0, "ok", ["checkout"])
    email = frame.set_index("id").loc["1296"]
    assert (email["channel"], email["priority"], email["subject"]) == ("email", "medium", "Refund")
    assert pd.isna(email["resolved_at"]) and pd.isna(email["answer"])


def test_real_webhooks_old_and_new_shapes(payloads):
    old = json.loads((payloads / "intercom" / "conversation_admin_replied.json").read_bytes())
    new = (payloads / "intercom" / "conversation_operator_replied.json").read_bytes()
    frame = read_tickets([old, json.loads(new)], "intercom", scrub_pii=False).set_index("id")
    o = frame.loc["21322009097"]
    assert (o["body"], o["channel"], o["agent"]) == ("Hello", "chat", "1957471")
    assert o["answer"] == "Hey Eeshan! How can I help?"  # an assignment part with a reply
    assert o["thread"][1]["role"] == "agent"
    assert o["created_at"] == pd.Timestamp(1553290933, unit="s", tz="UTC")
    n = frame.loc[str(json.loads(new)["data"]["item"]["id"])]
    assert n["priority"] == "medium" and n["priority_raw"] == "not_priority"
    assert n["thread"][0]["role"] == "customer"


def test_ticket_objects(payloads):
    frame = read_tickets(payloads / "intercom" / "ticket_created.json", "intercom")
    t = frame.iloc[0]
    assert t["subject"] == "Unclear user message 'erf' with pending email response"
    assert t["body"].startswith("User sent an unclear message 'erf'")
    assert (t["channel"], t["status"], t["customer_id"]) == ("chat", "submitted", "696346bbaebb5a479d3851a3")
    assert [m["role"] for m in t["thread"]] == ["customer", "bot"]


def test_webhook_signature_and_replay_window(payloads):
    body = (payloads / "intercom" / "conversation_user_created.json").read_bytes()
    sent = json.loads(body)["created_at"]
    event = parse_webhook("intercom", body, {"x-hub-signature": sign(body)["X-Hub-Signature"]}, secret=SECRET,
                          now=sent + 60)
    assert (event.event_id, event.event_type) == ("notif_3ac27816-d27c-45fd-a65a-bbaf021cf780",
                                                  "conversation.user.created")
    assert event.ticket["body"] == "Hello everyone!" and event.ticket_ids == ("21321941764",)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("intercom", body.replace(b"everyone", b"every1"), sign(body), secret=SECRET, now=sent)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("intercom", body, sign(body, "other"), secret=SECRET, now=sent)
    with pytest.raises(SignatureError, match="replay window"):
        parse_webhook("intercom", body, sign(body), secret=SECRET, now=sent + 3600)


def test_non_ticket_topics_and_other_vendors(payloads):
    admin = (payloads / "intercom" / "admin_logged_in.json").read_bytes()
    event = parse_webhook("intercom", admin, {})
    assert event.ticket is None and event.event_type == "admin.logged_in"
    with pytest.raises(ConnectorError, match="intercom webhook: the body looks like a payload from freshdesk"):
        parse_webhook("intercom", (payloads / "freshdesk" / "ticket_created.json").read_bytes(), {})
    with pytest.raises(ConnectorError, match="expected 'notification_event'"):
        parse_webhook("intercom", b'{"topic": "x"}', {})
    with pytest.raises(ConnectorError, match="looks like a payload from intercom"):
        read_tickets(payloads / "intercom" / "conversation_user_created.json", "zendesk")


def test_articles(fixtures_dir, payloads):
    articles = read_articles(fixtures_dir / "intercom" / "articles.json", "intercom")
    assert articles["id"].tolist() == ["39"]
    assert articles.iloc[0][["body", "language", "url"]].tolist() == [
        "Wait a minute and pay again; you are not charged twice.", "en",
        "https://help.example.com/en/articles/39-payment-timeouts"]
    assert articles.iloc[0]["tags"] == ["payments"]
    assert articles.attrs["skipped"] == [{"position": 1, "id": "40", "reason": "draft article"}]
    webhook = read_articles(payloads / "intercom" / "article_published.json", "intercom")
    assert webhook[["id", "title", "body"]].values.tolist() == [
        ["15147019", "Zulip test", "This is a test article for Zulip."]]
    with pytest.raises(ConnectorError, match=r"intercom: no articles in the data \(1 records skipped\)"):
        read_articles(payloads / "intercom" / "article_created.json", "intercom")  # a draft


def test_write_back_note_attributes_and_tags():
    decisions = {"reason": "payment_failure", "reason_action": "auto", "reason_confidence": 0.93,
                 "priority": "urgent", "priority_action": "auto"}
    wb = write_back("intercom", "1295", decisions, admin_id="814860", tag_ids={"cxml_auto": "77"})
    assert (wb.method, wb.path) == ("POST", "/conversations/1295/reply")
    assert wb.json["message_type"] == "note" and wb.json["admin_id"] == "814860"
    assert "cxml set reason to payment_failure" in wb.json["body"]
    update, tag = wb.also
    assert (update.method, update.path, update.json) == (
        "PUT", "/conversations/1295", {"custom_attributes": {"cxml_reason": "payment_failure"}, "priority": "priority"})
    assert (tag.path, tag.json) == ("/conversations/1295/tags", {"id": "77", "admin_id": "814860"})
