"""HubSpot: CRM ticket objects, id-only webhooks with the v3 signature, PATCH and notes."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pandas as pd
import pytest

from cxml.connectors import ConnectorError, SignatureError, parse_webhook, read_tickets, write_back

SECRET = "hubspot-app-secret"
URL = "https://cxml.example.com/webhooks/hubspot?portal=62515"


def sign(body: bytes, timestamp_ms: int, url: str = URL, method: str = "POST", secret: str = SECRET) -> dict:
    """X-HubSpot-Signature-v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp))."""
    message = method.encode() + url.encode() + body + str(timestamp_ms).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return {"X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
            "X-HubSpot-Request-Timestamp": str(timestamp_ms)}


def test_crm_tickets(fixtures_dir):
    frame = read_tickets(fixtures_dir / "hubspot" / "tickets_search.json", "hubspot", scrub_pii=False)
    first, second = frame.iloc[0], frame.iloc[1]
    assert (first["id"], first["subject"], first["body"]) == (
        "512", "Double charge", "I was charged twice for invoice 2024-118.")
    assert (first["channel"], first["priority"], first["priority_raw"]) == ("email", "high", "HIGH")
    assert (first["reason"], first["status"], first["team"], first["agent"], first["customer_id"]) == (
        "BILLING_ISSUE", "new", "4422", "910901", "151")
    assert first["created_at"] == pd.Timestamp("2024-06-05T08:30:17.883Z")
    assert first["first_response_at"] == pd.Timestamp("2024-06-05T09:00:00Z")
    assert (second["channel"], second["priority"], second["status"]) == ("chat", "urgent", "closed")
    assert second["resolved_at"] == pd.Timestamp("2024-06-05T12:00:00Z")
    assert frame.attrs["skipped"] == [{"position": 2, "id": "514", "reason": "archived ticket"}]


def test_missing_properties_are_named():
    with pytest.raises(ConnectorError, match=r"hubspot: ticket 9 \(record 0\): field 'properties' is missing"):
        read_tickets([{"id": "9"}], "hubspot")


def test_webhook_ids_and_v3_signature(fixtures_dir):
    body = (fixtures_dir / "hubspot" / "webhook_ticket_creation.json").read_bytes()
    sent = 1717576220000
    event = parse_webhook("hubspot", body, sign(body, sent), secret=SECRET, now=sent / 1000 + 10, url=URL)
    assert event.ticket is None
    assert event.ticket_ids == ("512", "513")
    assert event.event_id == "1776409286,1776409287"
    assert event.event_type == "ticket.creation,ticket.propertyChange"
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("hubspot", body.replace(b"512", b"513"), sign(body, sent), secret=SECRET,
                      now=sent / 1000, url=URL)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("hubspot", body, sign(body, sent, secret="x"), secret=SECRET, now=sent / 1000, url=URL)
    with pytest.raises(SignatureError, match="does not match"):  # the URL is signed too
        parse_webhook("hubspot", body, sign(body, sent), secret=SECRET, now=sent / 1000, url=URL + "&x=1")
    with pytest.raises(SignatureError, match="replay window"):
        parse_webhook("hubspot", body, sign(body, sent), secret=SECRET, now=sent / 1000 + 301, url=URL)
    with pytest.raises(SignatureError, match="pass url="):
        parse_webhook("hubspot", body, sign(body, sent), secret=SECRET)


def test_encoded_characters_in_the_url_are_signed_decoded(fixtures_dir):
    body = (fixtures_dir / "hubspot" / "webhook_ticket_creation.json").read_bytes()
    encoded = "https://cxml.example.com/webhooks/hubspot?next=%2Ftickets%3Fa%3A1"
    decoded = "https://cxml.example.com/webhooks/hubspot?next=/tickets?a:1"
    assert parse_webhook("hubspot", body, sign(body, 1000, url=decoded), secret=SECRET, now=1.0, url=encoded)


def test_webhook_event_missing_object_id():
    with pytest.raises(ConnectorError, match=r"webhook event 0: field 'objectId' is missing"):
        parse_webhook("hubspot", b'[{"eventId": 1, "subscriptionType": "ticket.creation"}]', {})


def test_write_back_patch_and_note():
    decisions = {"priority": "high", "priority_action": "auto", "reason": "BILLING_ISSUE", "reason_action": "auto",
                 "team": "4422", "team_action": "suggest", "team_top3": [("4422", 0.5), ("4423", 0.4)]}
    wb = write_back("hubspot", "512", decisions, now_ms=1717576300000)
    assert (wb.method, wb.path, wb.json) == ("PATCH", "/crm/v3/objects/tickets/512", {"properties": {
        "hs_ticket_category": "BILLING_ISSUE", "hs_ticket_priority": "HIGH"}})
    [note] = wb.also
    assert note.path == "/crm/v3/objects/notes"
    assert note.json["associations"][0]["to"] == {"id": "512"}
    assert note.json["associations"][0]["types"][0]["associationTypeId"] == 228
    assert note.json["properties"]["hs_timestamp"] == 1717576300000
    assert "4422 (50%)" in note.json["properties"]["hs_note_body"]
