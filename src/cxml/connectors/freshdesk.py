"""Freshdesk (API v2): tickets with conversations, search pages, CSV exports, solution articles, webhooks.

Reading
-------
``read_tickets(data, vendor="freshdesk")`` takes ticket objects (``GET /api/v2/tickets/{id}?include=
conversations,requester,stats``), list pages (``GET /api/v2/tickets``: a JSON list), search pages
(``{"results": [...], "total": N}``), the older v1-style objects (``description_html``, ``custom_field``), the CSV
export (Tickets > Export: "Ticket ID", "Subject", "Status", "Priority", "Source", "Created time", ...) or a folder
of them. Conversations (``GET /api/v2/tickets/{id}/conversations``, objects with ``ticket_id``), satisfaction
ratings (``GET /api/v2/surveys/satisfaction_ratings``) and ``groups`` / ``agents`` lists found among the pages are
joined by id.

Mapped: ``id``; ``subject``; ``body`` = ``description`` (HTML through the parser, quotes and signature stripped);
``thread`` = the description then every conversation (``incoming`` -> customer, else agent; ``private`` ->
not public); ``answer`` = the first public agent reply; ``channel`` from ``source`` (1 email, 2 portal -> web_form,
3 phone, 5 twitter / 6 facebook -> social, 7 chat, 8 mobihelp -> app, 9 feedback widget -> web_form, 10 outbound
email, 13 WhatsApp -> social; raw in ``channel_raw``); ``priority`` 1-4 -> low / medium / high / urgent (raw in
``priority_raw``); ``status`` 2 open, 3 pending, 4 resolved, 5 closed, 6 / 7 waiting on customer / third party -> pending
(raw in ``status_raw``; custom statuses kept raw with a warning);
``reason`` = ``type``; ``tags``; ``custom_fields`` as ``cf_*`` columns; ``customer_id`` = ``requester_id``;
``team`` = group name or id; ``agent`` = ``responder_id``; ``first_response_at`` / ``resolved_at`` from
``stats``; ``csat`` from the survey rating (103..-103 onto 1-5, raw in ``csat_raw``); ``language`` from the
requester. Spam and deleted tickets are skipped and reported.

Webhooks
--------
Freshdesk does not sign webhooks. Its automation rules call a URL with a body the admin writes, and may add
custom headers or basic authentication. Scheme verified here when ``secret`` is given: header
``X-Cxml-Webhook-Secret`` equal to the secret, or HTTP basic authentication whose password (or API key user
name) equals it; compared in constant time. There is no signed timestamp, so there is no replay window: de-duplicate
on ``event_id``. The body is read with ``field_map`` (default :data:`TRIGGER_FIELDS`, the legacy
``{"freshdesk_webhook": {"ticket_id": ..., "ticket_subject": ...}}`` placeholders).

Writing
-------
:func:`write_back` builds ``PUT /api/v2/tickets/{id}`` (``priority``, ``group_id``, ``custom_fields``, ``tags``)
and, for suggestions, ``POST /api/v2/tickets/{id}/notes`` with a private note (in :attr:`WriteBack.also`).
Freshdesk replaces the tag list on update, so pass ``current_tags`` to keep the ticket's tags.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from cxml.connectors._base import (
    CsvRecord,
    ReadContext,
    WebhookEvent,
    WriteBack,
    article_ok,
    chain,
    csv_text,
    decide,
    dig,
    fail,
    from_trigger_body,
    language_code,
    load_webhook_json,
    map_enum,
    pseudonym,
    text_of,
    thread_entry,
    thread_summary,
    timestamp,
)
from cxml.connectors._html import html_to_text, message_text
from cxml.connectors._read import article_reader, ticket_reader
from cxml.connectors._signatures import header, same
from cxml.exceptions import SignatureError
from cxml.schema import TICKET_FIELDS

NAME = "freshdesk"

SOURCES: dict[Any, str] = {
    1: "email", 2: "web_form", 3: "phone", 4: "web_form", 5: "social", 6: "social", 7: "chat", 8: "app",
    9: "web_form", 10: "email", 11: "app", 12: "chat", 13: "social",
    "email": "email", "portal": "web_form", "phone": "phone", "forum": "web_form", "twitter": "social",
    "facebook": "social", "chat": "chat", "mobihelp": "app", "feedback widget": "web_form",
    "outbound email": "email", "ecommerce": "app", "bot": "chat", "whatsapp": "social",
}
PRIORITIES: dict[Any, str] = {1: "low", 2: "medium", 3: "high", 4: "urgent",
                              "low": "low", "medium": "medium", "high": "high", "urgent": "urgent"}
PRIORITY_VALUES: dict[str, int] = {"low": 1, "medium": 2, "normal": 2, "high": 3, "urgent": 4}
STATUSES: dict[Any, str] = {2: "open", 3: "pending", 4: "resolved", 5: "closed", 6: "pending", 7: "pending",
                            "open": "open", "pending": "pending", "resolved": "resolved", "closed": "closed",
                            "waiting on customer": "pending", "waiting on third party": "pending"}
#: Survey rating -> csat on cxml's 1-5 scale (Freshdesk's 3-, 5- and 7-point scales share these codes).
CSAT: dict[Any, float] = {103: 5.0, 102: 5.0, 101: 4.0, 100: 3.0, -101: 2.0, -102: 1.0, -103: 1.0,
                          "extremely happy": 5.0, "very happy": 5.0, "happy": 4.0, "neutral": 3.0,
                          "unhappy": 2.0, "very unhappy": 1.0, "extremely unhappy": 1.0}
TRIGGER_FIELDS: dict[str, str] = {
    "id": "freshdesk_webhook.ticket_id|ticket_id|ticket.id",
    "subject": "freshdesk_webhook.ticket_subject|ticket_subject|ticket.subject",
    "body": "freshdesk_webhook.ticket_description|ticket_description|ticket.description",
    "status": "freshdesk_webhook.ticket_status|ticket_status|ticket.status",
    "priority": "freshdesk_webhook.ticket_priority|ticket_priority|ticket.priority",
    "ticket_type": "freshdesk_webhook.ticket_type|ticket_type|ticket.type",
    "channel": "freshdesk_webhook.ticket_source|ticket_source|ticket.source",
    "customer_email": "freshdesk_webhook.requester_email|requester_email|ticket.requester_email",
    "tags": "freshdesk_webhook.ticket_tags|ticket_tags|ticket.tags",
    "event": "freshdesk_webhook.triggered_event|triggered_event",
}
#: CSV export column -> API field.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("Ticket ID", "Ticket Id", "ID"), "subject": ("Subject",), "description": ("Description",),
    "status": ("Status",), "priority": ("Priority",), "source": ("Source",), "type": ("Type",),
    "group": ("Group",), "agent": ("Agent",), "created_at": ("Created time", "Created Time"),
    "resolved_at": ("Resolved time", "Resolved Time"), "closed_at": ("Closed time", "Closed Time"),
    "first_responded_at": ("Initial response time", "First response time"), "tags": ("Tags",),
    "requester_id": ("Contact ID", "Requester ID"), "requester_email": ("Email", "Requester Email"),
    "csat": ("Survey results", "Satisfaction rating"), "language": ("Language",),
}


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for Freshdesk.
read_tickets = ticket_reader(NAME, "Freshdesk", __name__)
#: ``read_articles(data, **options)``: :func:`cxml.connectors.read_articles` for Freshdesk.
read_articles = article_reader(NAME, "Freshdesk", __name__)


def looks_like(record: Any) -> bool:
    """A Freshdesk ticket (integer ``source`` and ``requester_id``) or automation body."""
    if not isinstance(record, Mapping):
        return False
    if "freshdesk_webhook" in record:
        return True
    return ("requester_id" in record and isinstance(record.get("source"), int)) or (
        "description_text" in record and "priority" in record)


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    """Ticket records; conversations, ratings, groups and agents go to ``ctx.side``."""
    conversations: dict[str, list[Any]] = {}
    ratings: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    tickets: list[Any] = []
    for page in pages:
        if isinstance(page, Mapping):
            items = page.get("results") or page.get("tickets") or [page]
        else:
            items = page
        for item in items:
            if isinstance(item, CsvRecord):
                tickets.append(item)
            elif not isinstance(item, Mapping):
                tickets.append(item)
            elif "ticket_id" in item and ("body" in item or "body_text" in item) and "subject" not in item:
                conversations.setdefault(str(item["ticket_id"]), []).append(item)
            elif "ticket_id" in item and "ratings" in item:
                ratings[str(item["ticket_id"])] = item
            elif "agent_ids" in item or ("name" in item and "escalate_to" in item):
                groups[str(item["id"])] = item.get("name")
            elif "contact" in item and "ticket_scope" in item:
                continue  # an agent list
            else:
                tickets.append(item)
    ctx.side.update(conversations=conversations, ratings=ratings, groups=groups)
    return tickets


def _from_csv(record: CsvRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"_csv": True}
    for key, names in CSV_COLUMNS.items():
        value = csv_text(record, *names)
        if value is not None:
            out[key] = value
    if "tags" in out:
        out["tags"] = [t.strip() for t in out["tags"].split(",") if t.strip()]
    for key in ("priority", "status", "source"):
        if key in out and out[key].isdigit():
            out[key] = int(out[key])
    known = {n for names in CSV_COLUMNS.values() for n in names}
    for column, value in record.row.items():
        if column not in known and value not in (None, ""):
            out.setdefault("custom_fields", {})["cf_" + "_".join(column.lower().split())] = value
    return out


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One Freshdesk ticket (API object or CSV row) as a canonical row; spam and deleted are skipped."""
    if isinstance(record, CsvRecord):
        record = _from_csv(record)
    if not isinstance(record, Mapping):
        raise fail(NAME, f"record {ctx.position}", "ticket", f"is a {type(record).__name__}, not a ticket object")
    if "freshdesk_webhook" in record:
        raise fail(NAME, f"record {ctx.position}", "freshdesk_webhook",
                   "is an automation webhook body, not a ticket export", "Read it with parse_webhook('freshdesk', ...).")
    if record.get("id") in (None, ""):
        raise fail(NAME, f"record {ctx.position}", "id", "is missing", "Every Freshdesk ticket has an id.")
    tid = str(record["id"])
    ref = f"ticket {tid} (record {ctx.position})"
    if record.get("spam") or record.get("deleted"):
        ctx.skip(tid, "spam" if record.get("spam") else "deleted ticket")
        return None
    created = timestamp(record.get("created_at"), ctx, ref, "created_at")
    if created is None:
        raise fail(NAME, ref, "created_at", "is missing")
    requester = record.get("requester_id") or dig(record, "requester.id")
    description = record.get("description_html") or record.get("description") or record.get("description_text")
    thread = [thread_entry("customer", True, created, message_text(description), requester)]
    convs = record.get("conversations") or ctx.side.get("conversations", {}).get(tid) or []
    for c in sorted(convs, key=lambda c: str(c.get("created_at") or "")):
        role = "customer" if c.get("incoming") or (requester is not None and c.get("user_id") == requester) else "agent"
        thread.append(thread_entry(role, not c.get("private", False),
                                   timestamp(c.get("created_at"), ctx, ref, "conversations.created_at"),
                                   message_text(c.get("body") or c.get("body_text")), c.get("user_id")))
    summary = thread_summary(thread)
    source = record.get("source")
    stats = record.get("stats") or {}
    priority = record.get("priority")
    group_id = record.get("group_id")
    row: dict[str, Any] = {
        "id": tid,
        "subject": text_of(record.get("subject")),
        "body": summary["body"],
        "answer": summary["answer"],
        "thread": thread,
        "channel": map_enum(source, SOURCES, ctx, "source"),
        "channel_raw": source,
        "created_at": created,
        "status": map_enum(record.get("status"), STATUSES, ctx, "status"),
        "status_raw": record.get("status"),
        "priority": map_enum(priority, PRIORITIES, ctx, "priority"),
        "priority_raw": priority,
        "reason": record.get("type") or record.get("ticket_type"),
        "tags": [str(t) for t in record.get("tags") or []],
        "customer_id": str(requester) if requester is not None else pseudonym(record.get("requester_email")),
        "team": record.get("group") or ctx.side.get("groups", {}).get(str(group_id)) or (
            None if group_id is None else str(group_id)),
        "agent": record.get("agent") if record.get("_csv") else (
            None if record.get("responder_id") is None else str(record["responder_id"])),
        "language": language_code(dig(record, "requester.language") or record.get("language")),
        "first_response_at": timestamp(stats.get("first_responded_at") or record.get("first_responded_at"), ctx,
                                       ref, "stats.first_responded_at") or summary["first_response_at"],
        "resolved_at": timestamp(stats.get("resolved_at") or stats.get("closed_at") or record.get("resolved_at")
                                 or record.get("closed_at"), ctx, ref, "stats.resolved_at"),
    }
    rating = ctx.side.get("ratings", {}).get(tid)
    score = dig(rating, "ratings.default_question") if rating else None
    if score is None and record.get("_csv") and record.get("csat"):
        score = record["csat"]
    if score is not None:
        row["csat_raw"] = score
        key = int(score) if isinstance(score, int) or str(score).lstrip("-").isdigit() else score
        csat = map_enum(key, CSAT, ctx, "survey rating")
        row["csat"] = csat if isinstance(csat, float) else None
        if rating and rating.get("feedback"):
            row["feedback"] = text_of(rating["feedback"])
    custom = record.get("custom_fields") or record.get("custom_field") or {}
    for key, value in custom.items() if isinstance(custom, Mapping) else []:
        name = ctx.fields.get(str(key), key if str(key).startswith("cf_") else f"cf_{key}")
        if name in TICKET_FIELDS and value in (None, ""):
            continue
        row[name] = value
    return row


def collect_articles(pages: list[Any]) -> list[Any]:
    """Solution articles from lists (``GET /api/v2/solutions/folders/{id}/articles``) or single objects."""
    out: list[Any] = []
    for page in pages:
        out.extend(page if isinstance(page, list) else page.get("articles") or [page])
    return out


def map_article(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """A solution article; drafts (``status`` 1) are skipped."""
    if not article_ok(NAME, record, ctx, lambda r: "draft article" if r.get("status") == 1 else None):
        return None
    body = record.get("description") or record.get("description_text") or ""
    return {"id": str(record["id"]), "title": record["title"], "body": html_to_text(text_of(body)),
            "url": record.get("url") or record.get("portal_url"),
            "language": language_code(record.get("language") or record.get("lang")),
            "tags": list(record.get("tags") or [])}


def _basic_secret(value: str) -> list[str]:
    if not value.lower().startswith("basic "):
        return []
    try:
        user, _, password = base64.b64decode(value[6:].strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return []
    return [password, user] if password not in ("", "X") else [user]


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None) -> WebhookEvent:
    """Check the shared secret (custom header or basic auth) and read an automation body."""
    obj = load_webhook_json(NAME, body)
    if secret is not None:
        given = [v for v in [header(headers, "X-Cxml-Webhook-Secret")] if v]
        given += _basic_secret(header(headers, "Authorization") or "")
        if not given:
            raise SignatureError("freshdesk webhook: neither header 'X-Cxml-Webhook-Secret' nor basic "
                                 "'Authorization' is present; add one of them to the automation rule's webhook.")
        if not any(same(secret, g) for g in given):
            raise SignatureError("freshdesk webhook: the shared secret in 'X-Cxml-Webhook-Secret' / 'Authorization' "
                                 "does not match the configured secret.")
    if not isinstance(obj, Mapping):
        raise fail(NAME, "webhook body", "(top level)", f"is a JSON {type(obj).__name__}, expected an object")
    row = from_trigger_body(NAME, obj, field_map or TRIGGER_FIELDS)
    ctx = ReadContext(NAME)
    event = str(row.pop("event", "") or "automation")
    out: dict[str, Any] = {"id": row["id"], "subject": text_of(row.get("subject")),
                           "body": message_text(text_of(row.get("body")))}
    if "priority" in row:
        out["priority_raw"] = row["priority"]
        out["priority"] = map_enum(row["priority"], PRIORITIES, ctx, "ticket_priority")
    if "status" in row:
        out["status_raw"] = row["status"]
        out["status"] = map_enum(row["status"], STATUSES, ctx, "ticket_status")
    if "channel" in row:
        out["channel_raw"] = row["channel"]
        out["channel"] = map_enum(row["channel"], SOURCES, ctx, "ticket_source")
    if "ticket_type" in row:
        out["reason"] = row["ticket_type"]
    if "customer_email" in row:
        out["customer_id"] = pseudonym(row["customer_email"])
    if "tags" in row:
        tags = row["tags"]
        out["tags"] = [t.strip() for t in tags.split(",") if t.strip()] if isinstance(tags, str) else list(tags)
    for key, value in row.items():
        if key != "customer_email":
            out.setdefault(key, value)
    event_id = f"{out['id']}:{event}:{hashlib.sha256(body).hexdigest()[:16]}"
    return WebhookEvent(NAME, event_id, event, out, (out["id"],))


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, custom_fields: Mapping[str, Any] | None = None,
               groups: Mapping[str, Any] | None = None, current_tags: Sequence[str] | None = None,
               tag_prefix: str = "cxml_") -> WriteBack | None:
    """``PUT /api/v2/tickets/{id}`` for auto decisions, plus a private note for suggestions.

    ``custom_fields`` maps a target to a custom field name (``{"reason": "cf_contact_reason"}``); ``groups`` a
    team label to a group id. Tags replace the ticket's tags in Freshdesk: pass ``current_tags`` to keep them.
    """
    decided = decide(NAME, decisions, priorities=PRIORITY_VALUES, custom_fields=custom_fields, groups=groups, tag_prefix=tag_prefix)
    if decided is None:
        return None
    dec, plan = decided
    tid = str(ticket_id)
    update: dict[str, Any] = {}
    if plan.priority is not None:
        update["priority"] = plan.priority
    if plan.group is not None:
        update["group_id"] = plan.group
    if plan.custom:
        update["custom_fields"] = dict(plan.custom)
    if plan.tags:
        update["tags"] = list(dict.fromkeys([*(current_tags or []), *plan.tags]))
    note = dec.note(html=True)
    requests = []
    if update:
        requests.append(WriteBack(NAME, tid, "PUT", f"/api/v2/tickets/{tid}", update))
    if note:
        requests.append(WriteBack(NAME, tid, "POST", f"/api/v2/tickets/{tid}/notes", {"body": note, "private": True}))
    return chain(requests)
