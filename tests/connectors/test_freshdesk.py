"""Freshdesk: API v2 tickets and conversations, search pages, the CSV export, articles, webhooks, updates."""

from __future__ import annotations

import base64
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


def test_real_api_responses(payloads):
    t = read_tickets(payloads / "freshdesk_api_v2" / "ticket_1.json", "freshdesk").iloc[0]
    assert (t["id"], t["subject"], t["channel"], t["channel_raw"]) == ("1", "This is a sample ticket", "web_form", 2)
    assert (t["priority"], t["priority_raw"], t["status"], t["reason"]) == ("low", 1, "open", "Question")
    assert t["body"] == "This is a sample ticket, feel free to delete it."
    assert t["created_at"] == pd.Timestamp("2016-05-18T04:36:04Z")
    assert t["first_response_at"] == pd.Timestamp("2020-06-17T20:23:43Z")
    assert t["resolved_at"] == pd.Timestamp("2020-07-24T15:35:21Z")
    assert (t["customer_id"], t["agent"], t["tags"]) == ("6012691534", "6010396333", ["foo", "bar"])
    assert "cf_parent_ticket_id" in t.index


def test_search_page_with_a_repeated_id_keeps_the_last_and_reports_it(payloads):
    frame = read_tickets(payloads / "freshdesk_api_v2" / "search_tickets.json", "freshdesk")
    assert len(frame) == 1 and frame.loc[0, "subject"] == "This is another ticket"
    assert frame.loc[0, "created_at"] == pd.Timestamp("2020-01-01T06:21:45Z")  # +10:00 in the page
    assert frame.attrs["skipped"] == [{"position": 0, "id": "1",
                                       "reason": "duplicate of a later record (the later version is kept)"}]


@pytest.mark.filterwarnings("ignore:freshdesk. unknown .*Carrier pigeon:UserWarning")
def test_conversations_thread_ratings_and_groups(fixtures_dir):
    frame = read_tickets(fixtures_dir / "freshdesk", "freshdesk", scrub_pii=False)
    t = frame.set_index("id").loc["120"]
    assert t["body"] == "Korttimaksu hylättiin kassalla, virhe CARD_DECLINED."  # signature and quote stripped
    assert t["answer"] == "Tarkistimme maksun, yritä uudelleen 3-D Secure -vahvistuksella."
    assert [(m["role"], m["public"]) for m in t["thread"]] == [
        ("customer", True), ("agent", False), ("agent", True), ("customer", True)]
    assert (t["channel"], t["priority"], t["priority_raw"]) == ("chat", "urgent", 4)
    assert (t["status"], t["status_raw"], t["reason"]) == ("resolved", 4, "Payments")
    assert (t["team"], t["language"], t["cf_error_code"]) == ("Payments", "fi", "card_declined")
    assert (t["csat"], t["csat_raw"], t["feedback"]) == (5.0, 103, "Nopea apu")
    assert t["first_response_at"] == pd.Timestamp("2024-06-01T12:20:00Z")


def test_csv_export(fixtures_dir):
    with pytest.warns(UserWarning, match="unknown source value 'Carrier pigeon'"):
        frame = read_tickets(fixtures_dir / "freshdesk" / "export.csv", "freshdesk", tz="Europe/Helsinki")
    frame = frame.set_index("id")
    first = frame.loc["201"]
    assert first["body"] == "My parcel has not arrived, order 100999."  # "Sent from my iPhone" stripped
    assert (first["channel"], first["priority"], first["status"], first["reason"]) == (
        "email", "medium", "open", "Deliveries")
    assert first["created_at"] == pd.Timestamp("2024-06-03T06:15:00Z")  # 09:15 Helsinki summer time
    assert first["first_response_at"] == pd.Timestamp("2024-06-03T07:00:00Z")
    assert (first["agent"], first["team"], first["customer_id"]) == ("Anna", "Deliveries", "7001")
    assert first["tags"] == ["delivery", "parcel"] and first["cf_order_number"] == "100999"
    second = frame.loc["202"]
    assert (second["channel"], second["priority"], second["csat"]) == ("chat", "urgent", 5.0)
    assert second["resolved_at"] == pd.Timestamp("2024-06-03T09:30:00Z")
    assert frame.loc["203", "channel"] == "Carrier pigeon"  # unknown: kept raw


def test_spam_is_skipped_and_missing_id_is_named():
    records = [{"id": 5, "spam": True, "created_at": "2024-01-01T00:00:00Z", "source": 1, "priority": 1},
               {"id": 6, "created_at": "2024-01-01T00:00:00Z", "source": 1, "priority": 9, "requester_id": 1,
                "description": "x"}]
    with pytest.warns(UserWarning, match="unknown priority value 9"):
        frame = read_tickets(records, "freshdesk")
    assert frame["id"].tolist() == ["6"] and frame.loc[0, "priority"] == 9
    assert frame.attrs["skipped"] == [{"position": 0, "id": "5", "reason": "spam"}]
    with pytest.raises(ConnectorError, match=r"freshdesk: record 0: field 'id' is missing"):
        read_tickets([{"subject": "x", "source": 1, "requester_id": 2}], "freshdesk")


def test_a_webhook_body_is_not_an_export(payloads):
    with pytest.raises(ConnectorError, match="automation webhook body, not a ticket export"):
        read_tickets(payloads / "freshdesk" / "ticket_created.json", "freshdesk")


def test_solution_articles(payloads):
    articles = read_articles(payloads / "freshdesk_api_v2" / "solution_articles.json", "freshdesk")
    assert articles["id"].tolist() == ["4"]  # article 5 is a draft
    assert articles.loc[0, "body"].startswith("Update your account details like name, email address")
    assert "\n- Select account details from the menu bar." in articles.loc[0, "body"]
    assert articles.attrs["skipped"] == [{"position": 1, "id": "5", "reason": "draft article"}]


@pytest.mark.parametrize("name, priority, status, event", [
    ("ticket_created", "high", "pending", "{ticket_action:created}"),
    ("inline_images", "urgent", "open", "{ticket_action:created}"),
    ("priority_changed", "low", "resolved", "{priority:{from:3,to:1}}"),
    ("status_changed", "low", "pending", "{status:{from:4,to:6}}"),
    ("status_changed_fixture_with_missing_key", "low", "pending", "automation"),
])
def test_real_automation_webhooks(payloads, name, priority, status, event):
    body = (payloads / "freshdesk" / f"{name}.json").read_bytes()
    parsed = parse_webhook("freshdesk", body, {"X-Cxml-Webhook-Secret": "s3cret"}, secret="s3cret")
    raw = json.loads(body)["freshdesk_webhook"]
    assert parsed.ticket_ids == (raw["ticket_id"],)
    assert parsed.event_type == event
    t = parsed.ticket
    assert (t["priority"], t["priority_raw"], t["status"]) == (priority, raw["ticket_priority"], status)
    assert t["subject"] == raw["ticket_subject"] and t["reason"] == raw["ticket_type"]
    assert "<div>" not in t["body"] and t["body"]
    assert t["customer_id"].startswith("h:") and "example.com" not in json.dumps(t)


def test_webhook_secret_header_or_basic_auth(payloads):
    body = (payloads / "freshdesk" / "ticket_created.json").read_bytes()
    basic = "Basic " + base64.b64encode(b"cxml:s3cret").decode()
    assert parse_webhook("freshdesk", body, {"authorization": basic}, secret="s3cret").ticket_ids == ("11",)
    with pytest.raises(SignatureError, match="does not match"):
        parse_webhook("freshdesk", body, {"X-Cxml-Webhook-Secret": "nope"}, secret="s3cret")
    with pytest.raises(SignatureError, match="neither header"):
        parse_webhook("freshdesk", body, {}, secret="s3cret")


def test_write_back_update_and_private_note():
    decisions = {"priority": "urgent", "priority_action": "auto", "priority_confidence": 0.96,
                 "reason": "refund", "reason_action": "suggest", "reason_confidence": 0.6,
                 "reason_top3": [("refund", 0.6), ("return", 0.3), ("invoice", 0.05)]}
    wb = write_back("freshdesk", "120", decisions, current_tags=["payment"])
    assert (wb.method, wb.path, wb.json) == ("PUT", "/api/v2/tickets/120",
                                             {"priority": 4, "tags": ["payment", "cxml_auto"]})
    [note] = wb.also
    assert (note.method, note.path, note.json["private"]) == ("POST", "/api/v2/tickets/120/notes", True)
    assert "<p>cxml suggests reason: refund (60%), return (30%), invoice (5%)</p>" in note.json["body"]
    custom = write_back("freshdesk", "120", {"reason": "refund", "reason_action": "auto"},
                        custom_fields={"reason": "cf_contact_reason"})
    assert custom.json == {"custom_fields": {"cf_contact_reason": "refund"}, "tags": ["cxml_auto"]}
    assert write_back("freshdesk", "120", {"reason": "x", "reason_action": "abstain"}) is None


def test_broken_html_in_a_ticket_is_read_not_refused():
    record = {"id": 9, "created_at": "2024-06-01T00:00:00Z", "source": 2, "priority": 2, "requester_id": 1,
              "description": "<div>Broken <b>markup <i>still readable</span><p>second line"}
    assert read_tickets([record], "freshdesk").loc[0, "body"] == "Broken markup still readable\nsecond line"
