"""Zendesk: incremental export pages, audits, ratings, event and trigger webhooks, updates, Guide articles."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pandas as pd
import pytest

from cxml.connectors import (
    MAX_BODY_BYTES,
    ConnectorError,
    SignatureError,
    parse_webhook,
    read_articles,
    read_tickets,
    write_back,
)

SECRET = "dGhpcyBpcyBhIHNlY3JldA=="
FIELDS = {27642: "reason", 27648: "url"}


def sign(body: bytes, timestamp: str = "2024-04-17T17:18:10Z", secret: str = SECRET) -> dict[str, str]:
    """Headers as Zendesk sends them: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {"X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp}


NOW = pd.Timestamp("2024-04-17T17:18:40Z").timestamp()


@pytest.fixture(scope="module")
def tickets(fixtures_dir):
    return read_tickets(fixtures_dir / "zendesk", "zendesk", fields=FIELDS, scrub_pii=False).set_index("id")


def test_incremental_export_mapped(tickets):
    t = tickets.loc["35436"]
    assert t["subject"] == "Tilaus ei ole saapunut"
    assert t["body"] == "Hei, tilasin kengät 28.4. eikä paketti ole vieläkään tullut."  # signature stripped
    assert t["answer"] == "Hei Maija, paketti on matkalla ja saapuu huomenna."
    assert [(m["role"], m["public"]) for m in t["thread"]] == [("customer", True), ("agent", False), ("agent", True)]
    assert t["thread"][1]["created_at"] == "2024-05-02T09:00:00+00:00"
    assert (t["channel"], t["channel_raw"]) == ("email", "email")
    assert (t["priority"], t["priority_raw"], t["status"]) == ("high", "high", "open")
    assert t["created_at"] == pd.Timestamp("2024-05-02T08:15:00Z")
    assert t["first_response_at"] == pd.Timestamp("2024-05-02T10:00:00Z")  # created + 105 min (metric set)
    assert pd.isna(t["resolved_at"])
    assert (t["team"], t["agent"], t["customer_id"], t["language"]) == ("Deliveries", "235323", "20978392", "fi")
    assert (t["reason"], t["url"]) == ("deliveries", "https://shop.example.fi/tilaukset/100234")
    assert t["tags"] == ["delivery", "vip"]
    assert (t["csat"], t["csat_raw"], t["feedback"]) == (1.0, "bad", "Still waiting")  # the ratings page


def test_offset_timestamps_metrics_and_rating(tickets):
    t = tickets.loc["35437"]
    assert t["created_at"] == pd.Timestamp("2024-05-02T08:20:00Z")  # +03:00 in the export
    assert str(tickets["created_at"].dt.tz) == "UTC"
    assert (t["channel"], t["channel_raw"], t["priority"]) == ("chat", "native_messaging", "urgent")
    assert t["resolved_at"] == pd.Timestamp("2024-05-02T08:40:00Z")
    assert t["first_response_at"] == pd.Timestamp("2024-05-02T08:32:00Z")
    assert (t["csat"], t["feedback"]) == (5.0, "Quick help, thanks!")
    assert t["body"] == "My card was declined at checkout but the money left my account"  # description, no comments
    assert t["language"] == "en"


def test_audits_page_gives_the_thread_and_quotes_are_stripped(tickets):
    t = tickets.loc["35438"]
    assert t["body"] == "How do I get a return label for my order?"
    assert t["answer"] == "You can print a return label at https://shop.example.fi/returns"
    assert (t["channel"], t["priority"], t["priority_raw"], t["reason"]) == ("web_form", "medium", "normal", "returns")


def test_deleted_ticket_is_skipped_and_reported(tickets):
    assert "35439" not in tickets.index
    assert {"position": 4, "id": "35439", "reason": "deleted ticket"} in tickets.attrs["skipped"]


def test_event_webhook_file_in_the_folder_is_read(tickets):
    t = tickets.loc["35440"]
    assert (t["priority"], t["status"], t["channel"], t["subject"]) == ("high", "new", "web_form", "Tuplaveloitus")


def test_a_single_page_and_a_jsonl_file(fixtures_dir, tmp_path):
    page = json.loads((fixtures_dir / "zendesk" / "incremental_page1.json").read_text())
    assert read_tickets(page, "zendesk")["id"].tolist() == ["35436", "35437"]
    lines = tmp_path / "tickets.jsonl"
    lines.write_text("\n".join(json.dumps(t) for t in page["tickets"]))
    frame = read_tickets(lines, "zendesk")
    assert frame["channel"].tolist() == ["email", "chat"]
    assert frame["team"].tolist() == ["98738", "98739"]  # no groups sideload: the id


def test_pii_is_scrubbed_from_texts_and_thread(fixtures_dir):
    page = json.loads((fixtures_dir / "zendesk" / "incremental_page1.json").read_text())
    page["tickets"][0]["comments"][0]["html_body"] = "<p>Call me at 040 123 4567 or maija@example.com</p>"
    frame = read_tickets(page, "zendesk")
    assert "040 123 4567" not in frame.loc[0, "body"] and "maija@example.com" not in frame.loc[0, "body"]
    assert "maija@example.com" not in json.dumps(frame.loc[0, "thread"])


def test_unknown_channel_warns_and_keeps_the_raw_value():
    record = {"id": 1, "via": {"channel": "carrier_pigeon"}, "requester_id": 5, "created_at": "2024-01-01T00:00:00Z",
              "subject": "x", "description": "y", "priority": "normal", "status": "open"}
    with pytest.warns(UserWarning, match=r"zendesk: unknown via.channel value 'carrier_pigeon' \(record 0\)"):
        frame = read_tickets([record], "zendesk")
    assert frame.loc[0, "channel"] == "carrier_pigeon"


def test_missing_field_names_vendor_record_and_field():
    records = [{"id": 1, "via": {"channel": "web"}, "requester_id": 5, "created_at": "2024-01-01T00:00:00Z",
                "description": "ok"},
               {"id": 2, "via": {"channel": "web"}, "requester_id": 5, "description": "no time"}]
    with pytest.raises(ConnectorError, match=r"zendesk: ticket 2 \(record 1\): field 'created_at' is missing"):
        read_tickets(records, "zendesk")
    frame = read_tickets(records, "zendesk", errors="skip")
    assert frame["id"].tolist() == ["1"]
    assert frame.attrs["skipped"][0]["id"] == "2" and "created_at" in frame.attrs["skipped"][0]["reason"]


def test_bad_timestamp_is_named():
    record = {"id": 3, "via": {"channel": "web"}, "requester_id": 5, "created_at": "yesterday-ish"}
    with pytest.raises(ConnectorError, match=r"ticket 3 \(record 0\): field 'created_at' holds 'yesterday-ish'"):
        read_tickets([record], "zendesk")


def test_another_vendors_payload_is_named(payloads):
    with pytest.raises(ConnectorError, match=r"looks like a payload from freshdesk.*vendor='freshdesk'"):
        read_tickets(payloads / "freshdesk_api_v2" / "ticket_1.json", "zendesk")


def test_csv_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Id,Subject\n1,x\n")
    with pytest.raises(ConnectorError, match="export JSON instead"):
        read_tickets(path, "zendesk")


# ---------------------------------------------------------------------------------------------------------------
# webhooks


def test_event_webhook_verified_and_read(fixtures_dir):
    body = (fixtures_dir / "zendesk" / "event_ticket_created.json").read_bytes()
    event = parse_webhook("zendesk", body, sign(body), secret=SECRET, now=NOW)
    assert (event.event_id, event.event_type) == ("cbe4028c-7f3a-4a9e-a2a3-5b0e1c2d3f40",
                                                  "zen:event-type:ticket.created")
    assert event.ticket_ids == ("35440",)
    t = event.ticket
    assert (t["priority"], t["priority_raw"], t["status"], t["channel"]) == ("high", "high", "new", "web_form")
    assert t["body"] == "Laskussani on väärä summa, veloititte kahdesti."
    assert t["created_at"] == pd.Timestamp("2024-04-17T17:18:10Z")


def test_signature_failures(fixtures_dir):
    body = (fixtures_dir / "zendesk" / "event_ticket_created.json").read_bytes()
    headers = sign(body)
    lower = {k.lower(): v for k, v in headers.items()}
    assert parse_webhook("zendesk", body, lower, secret=SECRET, now=NOW).event_id  # names are case-insensitive
    changed = body.replace(b"kahdesti", b"kolmesti")
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("zendesk", changed, headers, secret=SECRET, now=NOW)
    flipped = bytearray(body)
    flipped[10] ^= 1
    with pytest.raises(SignatureError):
        parse_webhook("zendesk", bytes(flipped), headers, secret=SECRET, now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("zendesk", body, headers, secret="wrong", now=NOW)
    with pytest.raises(SignatureError, match="outside the replay window"):
        parse_webhook("zendesk", body, headers, secret=SECRET, now=NOW + 301)
    with pytest.raises(SignatureError, match="in the future"):
        parse_webhook("zendesk", body, headers, secret=SECRET, now=NOW - 3600)
    with pytest.raises(SignatureError, match="X-Zendesk-Webhook-Signature' is missing"):
        parse_webhook("zendesk", body, {}, secret=SECRET, now=NOW)
    assert parse_webhook("zendesk", body, {}, secret=None).ticket_ids == ("35440",)  # no secret: no check


def test_oversized_and_non_json_bodies():
    with pytest.raises(ConnectorError, match=r"10,485,760-byte limit"):
        parse_webhook("zendesk", b"{" + b" " * MAX_BODY_BYTES + b"}", {})
    with pytest.raises(ConnectorError, match="zendesk webhook: body is not JSON"):
        parse_webhook("zendesk", b"<xml/>", {})


def test_trigger_bodies_from_real_accounts(payloads):
    body = (payloads / "zendesk" / "ticket_create_update.json").read_bytes()
    event = parse_webhook("zendesk", body, {"X-Zendesk-Webhook-Invocation-Id": "inv-1"})
    t = event.ticket
    assert (event.event_id, event.event_type, event.ticket_ids) == ("inv-1", "trigger", ("7",))
    assert (t["subject"], t["status"], t["priority"], t["priority_raw"]) == ("Hello world", "open", "medium", "Normal")
    assert t["tags"] == ["change_address", "help", "order"]
    assert t["created_at"] == pd.Timestamp("2025-02-03T00:00:00Z")
    assert "I am writing this to create a ticket." in t["body"]
    titled = parse_webhook("zendesk", (payloads / "zendesk" / "message_with_ticket_id_and_title.json").read_bytes(),
                           {})
    assert titled.ticket["subject"] == "SAMPLE TICKET: Problems changing address"
    assert "updating their address" in titled.ticket["body"]  # from "message"


def test_another_vendors_webhook_is_named(payloads):
    body = (payloads / "intercom" / "conversation_user_created.json").read_bytes()
    with pytest.raises(ConnectorError, match="zendesk webhook: the body looks like a payload from intercom"):
        parse_webhook("zendesk", body, {})


def test_trigger_body_without_an_id_and_a_field_map(payloads):
    body = (payloads / "zendesk" / "ticket_user_provided_message.json").read_bytes()
    with pytest.raises(ConnectorError, match=r"zendesk: webhook body: field 'ticket_id\|ticket.id\|id' is missing"):
        parse_webhook("zendesk", body, {})
    custom = json.dumps({"t": {"no": 9, "head": "Laskutus", "prio": "Urgent"}}).encode()
    event = parse_webhook("zendesk", custom, {}, field_map={"id": "t.no", "subject": "t.head", "priority": "t.prio"})
    assert (event.ticket["id"], event.ticket["priority"]) == ("9", "urgent")


# ---------------------------------------------------------------------------------------------------------------
# write-back

AUTO = {"reason": "delivery", "reason_confidence": 0.97, "reason_action": "auto", "reason_abstain_reason": None,
        "reason_top3": [("delivery", 0.97), ("return", 0.02)],
        "priority": "high", "priority_confidence": 0.95, "priority_action": "auto",
        "priority_abstain_reason": None, "priority_top3": [("high", 0.95)]}
SUGGEST = {"reason": "refund", "reason_confidence": 0.55, "reason_action": "suggest",
           "reason_abstain_reason": None, "reason_top3": [["refund", 0.55], ["return", 0.3], ["invoice", 0.1]],
           "priority": "low", "priority_confidence": 0.4, "priority_action": "abstain",
           "priority_abstain_reason": "low_confidence", "priority_top3": [("low", 0.4)]}


def test_auto_decisions_become_fields_and_tags():
    wb = write_back("zendesk", "35436", AUTO)
    assert (wb.method, wb.path) == ("PUT", "/api/v2/tickets/35436.json")
    assert wb.json == {"ticket": {"priority": "high", "additional_tags": ["cxml_reason_delivery", "cxml_auto"]}}
    mapped = write_back("zendesk", 35436, {**AUTO, "team": "billing", "team_action": "auto"},
                        custom_fields={"reason": 27642}, groups={"billing": 98739})
    assert mapped.json["ticket"]["custom_fields"] == [{"id": 27642, "value": "delivery"}]
    assert mapped.json["ticket"]["group_id"] == 98739


def test_suggestions_and_articles_become_a_private_comment():
    wb = write_back("zendesk", "1", {**SUGGEST, "articles": [
        {"article_id": "360001", "title": "Palautukset", "url": "https://acme.zendesk.com/hc/fi/articles/360001",
         "score": 0.81}]})
    comment = wb.json["ticket"]["comment"]
    assert comment["public"] is False
    assert "cxml suggests reason: refund (55%), return (30%), invoice (10%)" in comment["body"]
    assert "Palautukset: https://acme.zendesk.com/hc/fi/articles/360001 (score 0.81)" in comment["body"]
    assert "priority" not in wb.json["ticket"]  # abstained


def test_abstentions_change_nothing():
    abstain = {k: v for k, v in SUGGEST.items()}
    abstain["reason_action"] = "abstain"
    assert write_back("zendesk", "1", abstain) is None


def test_bad_decisions_are_named():
    with pytest.raises(ConnectorError, match="not one of cxml's priority levels"):
        write_back("zendesk", "1", {**AUTO, "priority": "blocker"})
    with pytest.raises(ConnectorError, match="expected 'auto', 'suggest' or 'abstain'"):
        write_back("zendesk", "1", {**AUTO, "reason_action": "maybe"})
    with pytest.raises(ConnectorError, match="unknown vendor 'zendeks'"):
        write_back("zendeks", "1", AUTO)


# ---------------------------------------------------------------------------------------------------------------
# Guide articles


def test_guide_articles(fixtures_dir):
    articles = read_articles(fixtures_dir / "zendesk" / "articles.json", "zendesk")
    assert articles["id"].tolist() == ["360001", "360002"]
    first = articles.iloc[0]
    assert first["body"] == "Näin palautat\nTulosta palautuslappu täältä.\n- Pakkaa tuote\n- Vie pakettiautomaattiin"
    assert (first["language"], first["tags"], first["url"]) == (
        "fi", ["palautus", "returns"], "https://acme.zendesk.com/hc/fi/articles/360001-Palautukset")
    assert articles.iloc[1]["body"] == "If your card is declined, check the 3-D Secure step."  # no script
    assert articles.iloc[1]["language"] == "en"
    assert articles.attrs["skipped"] == [{"position": 2, "id": "360003", "reason": "draft article"}]
