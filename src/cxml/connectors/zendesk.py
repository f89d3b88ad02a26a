"""Zendesk Support: tickets, comments / audits, incremental export, Guide articles, webhooks, updates.

Reading
-------
``read_tickets(data, vendor="zendesk")`` takes ticket objects (``GET /api/v2/tickets/{id}``), a list page
(``{"tickets": [...]}``) or an incremental export page (``GET /api/v2/incremental/tickets/cursor.json``:
``{"tickets": [...], "after_cursor": ..., "end_of_stream": ...}``), a JSON Lines file of them or a folder of pages.
Side data found on the pages (or in the same folder) is joined by id: sideloads ``users``, ``groups``,
``metric_sets`` (``include=users,groups,metric_sets``), ``satisfaction_ratings`` pages, ``audits`` pages
(``GET /api/v2/tickets/{id}/audits``) and ticket-event export pages (``include=comment_events``). A ticket may also
carry its ``comments`` (``GET /api/v2/tickets/{id}/comments``) inline, as ``cxml sync`` stores them.

Mapped: ``id``; ``subject``; ``body`` = the requester's first comment (``html_body`` through the HTML parser, quotes
and signature stripped; ``description`` when no comments are given); ``thread`` (every comment: role, public,
time); ``answer`` = the first public agent comment; ``channel`` from ``via.channel`` (raw value in
``channel_raw``); ``created_at``; ``status``; ``priority`` (``normal`` -> ``medium``; raw in ``priority_raw``);
``ticket_type``; ``tags``; custom fields as ``cf_<id>`` columns (or the names given in ``fields=``, where a
canonical name such as ``url`` or ``error_code`` fills that field); ``customer_id`` = ``requester_id``; ``team`` =
group name (sideload) or id; ``agent`` = ``assignee_id``; ``first_response_at`` = created + metric
``reply_time_in_minutes.calendar`` (else the first public agent comment); ``resolved_at`` = metric ``solved_at``;
``csat`` = satisfaction ``good`` 5 / ``bad`` 1 (raw in ``csat_raw``); ``language`` from the requester's ``locale``.
Deleted tickets are skipped and reported.

Webhooks
--------
Signature scheme (what :func:`parse_webhook` verifies): header ``X-Zendesk-Webhook-Signature`` =
``base64(HMAC-SHA256(secret, timestamp + body))`` where ``timestamp`` is the exact text of header
``X-Zendesk-Webhook-Signature-Timestamp`` (ISO 8601, e.g. ``2024-04-17T17:18:10Z``); the timestamp must be within
``tolerance_s`` of now. Event webhooks (``"type": "zen:event-type:ticket.created"``, ``detail``, ``event``) are
read as they are; trigger / automation bodies, which an admin writes with placeholders, are read with
``field_map`` (canonical field -> key in the body; ``"a|b"`` takes the first present), by default
:data:`TRIGGER_FIELDS`.

Writing
-------
:func:`write_back` builds ``PUT /api/v2/tickets/{id}.json`` with ``priority``, ``group_id``, ``custom_fields``,
``additional_tags`` (added to, never replacing, the ticket's tags) and a private ``comment`` for suggestions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from cxml.connectors._base import (
    CsvRecord,
    ReadContext,
    WebhookEvent,
    WriteBack,
    article_ok,
    decide,
    dig,
    fail,
    from_trigger_body,
    language_code,
    load_webhook_json,
    map_enum,
    text_of,
    thread_entry,
    thread_summary,
    timestamp,
)
from cxml.connectors._html import html_to_text, message_text
from cxml.connectors._read import article_reader, ticket_reader
from cxml.connectors._signatures import check_window, header, hmac_digest, require_header, same
from cxml.exceptions import ConnectorError, SignatureError
from cxml.schema import TICKET_FIELDS

NAME = "zendesk"

#: ``via.channel`` -> cxml channel.
CHANNELS: dict[str, str] = {
    "email": "email", "web": "web_form", "web_form": "web_form", "web_widget": "web_form", "help_center": "web_form",
    "mobile": "app", "mobile_sdk": "app", "api": "api", "web_service": "api", "any_channel": "api",
    "chat": "chat", "chat_transcript": "chat", "native_messaging": "chat", "messaging": "chat",
    "voice": "phone", "phone": "phone", "sms": "sms", "text": "sms",
    "twitter": "social", "facebook": "social", "instagram_dm": "social", "whatsapp": "social", "line": "social",
    "wechat": "social", "rule": "system", "system": "system", "closed_ticket": "system", "merge": "system",
    "sample_ticket": "system", "side_conversation": "system",
}
#: Zendesk priority -> cxml level.
PRIORITIES: dict[str, str] = {"low": "low", "normal": "medium", "high": "high", "urgent": "urgent"}
#: cxml level -> Zendesk priority (write-back).
PRIORITY_VALUES: dict[str, str] = {"low": "low", "medium": "normal", "normal": "normal", "high": "high",
                                   "urgent": "urgent"}
STATUSES: dict[str, str] = {s: s for s in ("new", "open", "pending", "hold", "solved", "closed")}
#: Satisfaction score -> csat on cxml's 1-5 scale.
CSAT: dict[str, float] = {"good": 5.0, "bad": 1.0}
#: Default reading of a trigger / automation body (placeholders as Zendesk's examples name them).
TRIGGER_FIELDS: dict[str, str] = {
    "id": "ticket_id|ticket.id|id", "subject": "ticket_title|ticket.title|subject",
    "body": "ticket_description|ticket.description|description|message",
    "status": "ticket_status|ticket.status", "priority": "ticket_priority|ticket.priority",
    "tags": "tags|ticket.tags", "created_at": "created_at|ticket.created_at", "channel": "ticket_via|ticket.via",
    "ticket_type": "ticket_type|ticket.ticket_type", "customer_id": "requester_id|ticket.requester.id",
}


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for Zendesk.
read_tickets = ticket_reader(NAME, "Zendesk", __name__)
#: ``read_articles(data, **options)``: :func:`cxml.connectors.read_articles` for Zendesk.
read_articles = article_reader(NAME, "Zendesk", __name__)


def looks_like(record: Any) -> bool:
    """A Zendesk ticket object (``via`` and ``requester_id``), event webhook or ticket page."""
    if not isinstance(record, Mapping):
        return False
    if str(record.get("type", "")).startswith("zen:event-type:"):
        return True
    return "via" in record and ("requester_id" in record or "raw_subject" in record)


# ---------------------------------------------------------------------------------------------------------------
# reading


def _index(items: Any) -> dict[str, Any]:
    return {str(i["id"]): i for i in items or [] if isinstance(i, Mapping) and "id" in i}


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    """Ticket records of the pages; sideloads, audits, events and ratings go to ``ctx.side``."""
    users: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    metrics: dict[str, Any] = {}
    ratings: dict[str, Any] = {}
    comments: dict[str, list[dict[str, Any]]] = {}
    tickets: list[Any] = []

    def add_audit(audit: Mapping[str, Any]) -> None:
        tid = str(audit.get("ticket_id"))
        for event in audit.get("events") or audit.get("child_events") or []:
            if isinstance(event, Mapping) and event.get("type", event.get("event_type")) == "Comment":
                author = audit.get("author_id", audit.get("updater_id"))  # ticket events name the updater
                comments.setdefault(tid, []).append({"created_at": audit.get("created_at"), "author_id": author,
                                                     **event})

    for page in pages:
        items = page if isinstance(page, list) else None
        if isinstance(page, Mapping):
            users.update(_index(page.get("users")))
            groups.update(_index(page.get("groups")))
            metrics.update({str(m.get("ticket_id")): m for m in page.get("metric_sets") or []})
            ratings.update({str(r.get("ticket_id")): r for r in page.get("satisfaction_ratings") or []})
            for audit in page.get("audits") or []:
                add_audit(audit)
            for event in page.get("ticket_events") or []:
                add_audit(event)
            if str(page.get("type", "")).startswith("zen:event-type:ticket"):
                items = [_event_record(page)] if isinstance(page.get("detail"), Mapping) else []
            elif "tickets" in page:
                items = page["tickets"]
            elif "ticket" in page and isinstance(page["ticket"], Mapping):
                items = [page["ticket"]]
            elif "id" in page:
                items = [page]
        for item in items or []:
            if isinstance(item, Mapping) and "score" in item and "ticket_id" in item and "subject" not in item:
                ratings[str(item["ticket_id"])] = item
            elif isinstance(item, Mapping) and "ticket_id" in item and ("events" in item or "child_events" in item):
                add_audit(item)
            else:
                tickets.append(item)
    ctx.side.update(users=users, groups=groups, metrics=metrics, ratings=ratings, comments=comments)
    return tickets


def _event_record(event: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket of an event webhook's ``detail`` (upper-case enums lowered; created_at from the event time)."""
    record = {k: (v.lower() if k in ("status", "priority", "type") and isinstance(v, str) else v)
              for k, v in event["detail"].items()}
    record.setdefault("created_at", event.get("time"))
    return record


def _role(author_id: Any, requester_id: Any, users: Mapping[str, Any]) -> str:
    if author_id is not None and str(author_id) == str(requester_id):
        return "customer"
    role = dig(users, f"{author_id}.role")
    if role == "end-user":
        return "customer"
    return "agent"


def _custom_fields(record: Mapping[str, Any], ctx: ReadContext, row: dict[str, Any]) -> None:
    for item in record.get("custom_fields") or record.get("fields") or []:
        if not isinstance(item, Mapping) or "id" not in item:
            continue
        name = ctx.fields.get(str(item["id"]), f"cf_{item['id']}")
        value = item.get("value")
        if name in TICKET_FIELDS and value in (None, ""):
            continue
        row[name] = value


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One Zendesk ticket object as a canonical row (None for a deleted ticket, recorded as skipped)."""
    if isinstance(record, CsvRecord):
        raise ConnectorError(
            "zendesk: CSV exports leave out descriptions and comments; export JSON instead (Admin Center > "
            "Account > Tools > Reports > Export, or the incremental export API), then read that file."
        )
    if not isinstance(record, Mapping):
        raise fail(NAME, f"record {ctx.position}", "ticket", f"is a {type(record).__name__}, not a ticket object")
    ref = f"ticket {record.get('id', '?')} (record {ctx.position})"
    if record.get("id") in (None, ""):
        raise fail(NAME, f"record {ctx.position}", "id", "is missing", "Every Zendesk ticket object has an id.")
    tid = str(record["id"])
    status = record.get("status")
    if str(status).lower() == "deleted":
        ctx.skip(tid, "deleted ticket")
        return None
    created = timestamp(record.get("created_at"), ctx, ref, "created_at")
    if created is None:
        raise fail(NAME, ref, "created_at", "is missing", "Export tickets with their created_at.")
    side = ctx.side
    users = side.get("users", {})
    requester = record.get("requester_id")
    comments = record.get("comments") or side.get("comments", {}).get(tid) or []
    thread = []
    for c in sorted(comments, key=lambda c: str(c.get("created_at") or "")):
        text = message_text(c.get("html_body") or c.get("plain_body") or c.get("body"))
        when = timestamp(c.get("created_at"), ctx, ref, "comments.created_at")
        channel = map_enum(dig(c, "via.channel"), CHANNELS, ctx, "comment via.channel") if dig(c, "via.channel") else None
        thread.append(thread_entry(_role(c.get("author_id"), requester, users), c.get("public", True) is not False,
                                   when, text, c.get("author_id"), channel))
    if not thread:
        thread.append(thread_entry("customer", True, created, message_text(record.get("description")), requester))
    summary = thread_summary(thread)
    via = dig(record, "via.channel")
    row: dict[str, Any] = {
        "id": tid,
        "subject": text_of(record.get("subject") or record.get("raw_subject")),
        "body": summary["body"],
        "answer": summary["answer"],
        "thread": thread,
        "channel": map_enum(via, CHANNELS, ctx, "via.channel"),
        "channel_raw": via,
        "created_at": created,
        "status": map_enum(status, STATUSES, ctx, "status"),
        "priority": map_enum(record.get("priority"), PRIORITIES, ctx, "priority"),
        "priority_raw": record.get("priority"),
        "ticket_type": record.get("type"),
        "tags": [str(t) for t in record.get("tags") or []],
        "customer_id": None if requester is None else str(requester),
        "team": dig(side, f"groups.{record.get('group_id')}.name") or (
            None if record.get("group_id") is None else str(record["group_id"])),
        "agent": None if record.get("assignee_id") is None else str(record["assignee_id"]),
        "language": language_code(dig(users, f"{requester}.locale")),
        "first_response_at": summary["first_response_at"],
        "resolved_at": None,
    }
    metric = side.get("metrics", {}).get(tid) or record.get("metric_set")
    if isinstance(metric, Mapping):
        minutes = dig(metric, "reply_time_in_minutes.calendar")
        if isinstance(minutes, (int, float)):
            row["first_response_at"] = created + pd.Timedelta(minutes=float(minutes))
        row["resolved_at"] = timestamp(metric.get("solved_at"), ctx, ref, "metric_set.solved_at")
    rating = side.get("ratings", {}).get(tid) or record.get("satisfaction_rating")
    if isinstance(rating, Mapping) and rating.get("score") in CSAT:
        row["csat"] = CSAT[rating["score"]]
        row["csat_raw"] = rating["score"]
        if rating.get("comment"):
            row["feedback"] = text_of(rating["comment"])
    _custom_fields(record, ctx, row)
    return row


def collect_articles(pages: list[Any]) -> list[Any]:
    """Guide articles from ``{"articles": [...]}`` pages, single ``{"article": ...}`` objects or lists."""
    out: list[Any] = []
    for page in pages:
        if isinstance(page, Mapping):
            out.extend(page.get("articles") or ([page["article"]] if "article" in page else [page]))
        else:
            out.extend(page)
    return out


def map_article(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """A Guide article (``GET /api/v2/help_center/articles``); drafts are skipped."""
    if not article_ok(NAME, record, ctx, lambda r: "draft article" if r.get("draft") else None):
        return None
    return {"id": str(record["id"]), "title": record["title"], "body": html_to_text(text_of(record.get("body"))),
            "url": record.get("html_url") or record.get("url"), "language": language_code(record.get("locale")),
            "tags": list(record.get("label_names") or [])}


# ---------------------------------------------------------------------------------------------------------------
# webhooks


def verify(body: bytes, headers: Mapping[str, str], secret: str, *, now: float | None, tolerance_s: float) -> None:
    """Check ``X-Zendesk-Webhook-Signature`` and the replay window; raise SignatureError."""
    signature = require_header(NAME, headers, "X-Zendesk-Webhook-Signature")
    sent = require_header(NAME, headers, "X-Zendesk-Webhook-Signature-Timestamp")
    expected = hmac_digest(secret, sent.encode("utf-8") + body, "sha256", "base64")
    if not same(expected, signature):
        raise SignatureError("zendesk webhook: X-Zendesk-Webhook-Signature does not match the body and timestamp "
                             "under the configured secret (wrong secret, or the body was changed).")
    try:
        sent_at = pd.Timestamp(sent)
        sent_at = (sent_at.tz_localize("UTC") if sent_at.tzinfo is None else sent_at).timestamp()
    except (ValueError, TypeError):
        raise SignatureError(f"zendesk webhook: X-Zendesk-Webhook-Signature-Timestamp {sent!r} is not a "
                             "timestamp.") from None
    check_window(NAME, sent_at, now=now, tolerance_s=tolerance_s, what="X-Zendesk-Webhook-Signature-Timestamp")


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None) -> WebhookEvent:
    """Verify and read one Zendesk webhook request (event webhook or trigger body)."""
    if secret is not None:
        verify(body, headers, secret, now=now, tolerance_s=tolerance_s)
    obj = load_webhook_json(NAME, body)
    if not isinstance(obj, Mapping):
        raise fail(NAME, "webhook body", "(top level)", f"is a JSON {type(obj).__name__}, expected an object")
    ctx = ReadContext(NAME)
    kind = str(obj.get("type", ""))
    if kind.startswith("zen:event-type:"):
        event_id = str(obj.get("id") or "")
        if not event_id:
            raise fail(NAME, "event webhook", "id", "is missing")
        subject = str(obj.get("subject", ""))
        detail = obj.get("detail")
        if not subject.startswith("zen:ticket:") or not isinstance(detail, Mapping):
            return WebhookEvent(NAME, event_id, kind, None, ())
        row = map_ticket(_event_record(obj), ctx)
        return WebhookEvent(NAME, event_id, kind, row, (row["id"],) if row else ())
    row = from_trigger_body(NAME, obj, field_map or TRIGGER_FIELDS)
    row = _normalise_trigger_row(row, ctx)
    event_id = header(headers, "X-Zendesk-Webhook-Invocation-Id") or "sha256:" + hashlib.sha256(body).hexdigest()[:24]
    return WebhookEvent(NAME, str(event_id), "trigger", row, (row["id"],))


def _normalise_trigger_row(row: dict[str, Any], ctx: ReadContext) -> dict[str, Any]:
    ref = f"webhook ticket {row['id']}"
    out = dict(row)
    # an admin-written template: its markdown quotes ("> {{ticket.description}}") are content, not history
    out["body"] = html_to_text(text_of(row.get("body")))
    out["subject"] = text_of(row.get("subject"))
    if "priority" in row:
        out["priority_raw"] = row["priority"]
        out["priority"] = map_enum(str(row["priority"]).lower(), PRIORITIES, ctx, "priority")
    if "status" in row:
        out["status"] = map_enum(str(row["status"]).lower(), STATUSES, ctx, "status")
    if "channel" in row:
        out["channel_raw"] = row["channel"]
        out["channel"] = map_enum(str(row["channel"]).lower().replace(" ", "_"), CHANNELS, ctx, "via")
    if isinstance(row.get("tags"), str):
        out["tags"] = row["tags"].replace(",", " ").split()
    if "created_at" in row:
        out["created_at"] = timestamp(row["created_at"], ctx, ref, "created_at")
    return out


# ---------------------------------------------------------------------------------------------------------------
# write-back


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, custom_fields: Mapping[str, Any] | None = None,
               groups: Mapping[str, Any] | None = None, tag_prefix: str = "cxml_") -> WriteBack | None:
    """``PUT /api/v2/tickets/{id}.json``: auto decisions as fields / tags, suggestions as a private comment.

    ``custom_fields`` maps a target to a custom field id (e.g. ``{"reason": 360001234}``); ``groups`` maps a team
    label to a group id. Returns None when every decision abstains.
    """
    decided = decide(NAME, decisions, priorities=PRIORITY_VALUES, custom_fields=custom_fields, groups=groups, tag_prefix=tag_prefix)
    if decided is None:
        return None
    dec, plan = decided
    ticket: dict[str, Any] = {}
    if plan.priority is not None:
        ticket["priority"] = plan.priority
    if plan.group is not None:
        ticket["group_id"] = plan.group
    if plan.custom:
        ticket["custom_fields"] = [{"id": k, "value": v} for k, v in plan.custom.items()]
    if plan.tags:
        ticket["additional_tags"] = plan.tags
    note = dec.note()
    if note:
        ticket["comment"] = {"body": note, "public": False}
    if not ticket:
        return None
    tid = str(ticket_id)
    return WriteBack(NAME, tid, "PUT", f"/api/v2/tickets/{tid}.json", {"ticket": ticket})
