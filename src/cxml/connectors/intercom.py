"""Intercom: conversations (REST 2.x and the older webhook shape), tickets, articles, webhooks, replies.

Reading
-------
``read_tickets(data, vendor="intercom")`` takes conversation objects (``GET /conversations/{id}``), list / search
pages (``{"type": "conversation.list", "conversations": [...]}``), ticket objects (``{"type": "ticket",
"ticket_attributes": ...}``), webhook ``notification_event`` envelopes (``data.item``), files or folders of them.

Mapped: ``id``; ``subject`` = ``title`` (or ``source.subject``); ``body`` = the first customer message:
``source.body`` (HTML through the parser) when a user or lead wrote it, else the first customer
``conversation_parts`` comment (the old shape: ``conversation_message``); ``thread`` = ``source`` then every part
with a body (``comment`` public, ``note`` private; author ``user`` / ``lead`` / ``contact`` -> customer, ``admin`` /
``team`` -> agent, ``bot`` -> bot); ``answer`` = the first public admin reply; ``channel`` from ``source.type``
(``conversation`` -> chat, ``email``, ``push`` -> app, ``facebook`` / ``twitter`` / ``instagram`` / ``whatsapp``
-> social, ``sms``, ``phone_call`` -> phone; raw in ``channel_raw``), ``source.delivered_as`` kept in
``delivered_as`` (an ``admin_initiated`` conversation is outbound); ``created_at`` (epoch seconds);
``status`` = ``state``; ``priority`` ``priority`` -> high, ``not_priority`` -> medium (raw in ``priority_raw``);
``tags``; ``custom_attributes`` as ``cf_*`` columns (``url``, ``error_code``, ``language`` ... fill those fields);
``url`` = ``source.url`` (the page the conversation started on); ``customer_id`` = first contact;
``team`` = ``team_assignee_id``; ``agent`` = ``admin_assignee_id``; ``first_response_at`` =
``statistics.first_admin_reply_at``; ``resolved_at`` = ``statistics.last_close_at`` when closed; ``csat`` =
``conversation_rating.rating`` (1-5) with its ``remark`` as ``feedback``.

Webhooks
--------
Signature scheme: header ``X-Hub-Signature`` = ``"sha1=" + hex(HMAC-SHA1(client_secret, body))``. The signed
body's ``created_at`` (epoch seconds; ``first_sent_at`` when present) must be within ``tolerance_s`` of now
(Intercom retries a failed delivery once, about a minute later). ``event_id`` is the notification ``id``.

Writing
-------
:func:`write_back` builds ``POST /conversations/{id}/reply`` with an admin ``note`` (suggestions and the decisions
taken) and, for auto decisions, ``PUT /conversations/{id}`` setting ``custom_attributes`` (``cxml_<target>`` or
the names in ``custom_fields``) and ``priority``. Tags in Intercom need tag ids (``POST /conversations/{id}/tags``);
give ``tag_ids={"cxml_reason_billing": "123"}`` to add them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxml.connectors._base import (
    Decisions,
    ReadContext,
    WebhookEvent,
    WriteBack,
    article_ok,
    chain,
    dig,
    fail,
    language_code,
    load_webhook_json,
    map_enum,
    plan_fields,
    record_id,
    text_of,
    thread_entry,
    thread_summary,
    timestamp,
)
from cxml.connectors._html import html_to_text, message_text
from cxml.connectors._read import article_reader, ticket_reader
from cxml.connectors._signatures import check_hub_signature, check_window
from cxml.exceptions import SignatureError
from cxml.schema import TICKET_FIELDS

NAME = "intercom"

CHANNELS: dict[str, str] = {
    "conversation": "chat", "chat": "chat", "messenger": "chat", "email": "email", "push": "app",
    "facebook": "social", "twitter": "social", "instagram": "social", "whatsapp": "social", "sms": "sms",
    "phone_call": "phone", "phone_switch": "phone", "phone": "phone", "api": "api", "form": "web_form",
}
PRIORITIES: dict[str, str] = {"priority": "high", "not_priority": "medium"}
ROLES: dict[str, str] = {"user": "customer", "lead": "customer", "contact": "customer", "admin": "agent",
                         "team": "agent", "bot": "bot", "operator": "bot"}
_PUBLIC_PARTS = {"comment", "assignment", "close", "open", "conversation_rating_remark_added", None}


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for Intercom.
read_tickets = ticket_reader(NAME, "Intercom", __name__)
#: ``read_articles(data, **options)``: :func:`cxml.connectors.read_articles` for Intercom.
read_articles = article_reader(NAME, "Intercom", __name__)


def looks_like(record: Any) -> bool:
    """An Intercom conversation / ticket (``type`` field and ``source`` or ``conversation_parts``)."""
    if not isinstance(record, Mapping):
        return False
    if record.get("type") == "notification_event":
        return True
    return record.get("type") in ("conversation", "ticket") and (
        "source" in record or "conversation_parts" in record or "ticket_attributes" in record
        or "conversation_message" in record)


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    """Conversation and ticket records of the pages (notification envelopes unwrapped)."""
    out: list[Any] = []
    for page in pages:
        if isinstance(page, list):
            items = page
        elif page.get("type") == "notification_event":
            items = [page]
        else:
            items = page.get("conversations") or page.get("tickets") or page.get("data") or [page]
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, Mapping) and item.get("type") == "notification_event":
                item = dig(item, "data.item")
            if isinstance(item, Mapping) and item.get("type") not in ("conversation", "ticket", None):
                ctx.skip(item.get("id"), f"not a conversation ({item.get('type')})")
                continue
            out.append(item)
    return out


def _parts(record: Mapping[str, Any]) -> list[Any]:
    parts = record.get("conversation_parts") or record.get("ticket_parts") or {}
    if isinstance(parts, Mapping):
        parts = parts.get("conversation_parts") or parts.get("ticket_parts") or []
    return [p for p in parts if isinstance(p, Mapping)]


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One conversation or ticket as a canonical row."""
    tid = record_id(NAME, record, ctx, "conversation")
    ref = f"conversation {tid} (record {ctx.position})"
    created = timestamp(record.get("created_at"), ctx, ref, "created_at")
    if created is None:
        raise fail(NAME, ref, "created_at", "is missing")
    source = record.get("source") or record.get("conversation_message") or {}
    attrs = record.get("ticket_attributes") or {}
    first_author = dig(source, "author.type") or ("user" if attrs else None)
    opening = source.get("body") or attrs.get("_default_description_")
    thread = []
    if opening:
        thread.append(thread_entry(ROLES.get(first_author, "customer"), True, created, message_text(opening),
                                   dig(source, "author.id")))
    for part in _parts(record):
        if not part.get("body"):
            continue
        role = ROLES.get(dig(part, "author.type"), "agent")
        thread.append(thread_entry(role, part.get("part_type") in _PUBLIC_PARTS,
                                   timestamp(part.get("created_at"), ctx, ref, "conversation_parts.created_at"),
                                   message_text(part["body"]), dig(part, "author.id")))
    summary = thread_summary(thread)
    stats = record.get("statistics") or {}
    channel = source.get("type") if source.get("type") not in (None, "conversation_message") else record.get("channel")
    if channel is None and "conversation_message" in record:
        channel = "conversation"
    contact = dig(record, "contacts.contacts.0.id") or dig(record, "user.id")
    state = record.get("state") or dig(record, "ticket_state.category")
    rating = record.get("conversation_rating") or {}
    row: dict[str, Any] = {
        "id": tid,
        "subject": text_of(record.get("title") or attrs.get("_default_title_") or html_to_text(
            text_of(source.get("subject")))),
        "body": summary["body"],
        "answer": summary["answer"],
        "thread": thread,
        "channel": map_enum(channel, CHANNELS, ctx, "source.type"),
        "channel_raw": channel,
        "delivered_as": source.get("delivered_as"),
        "created_at": created,
        "status": state,
        "priority": map_enum(record.get("priority"), PRIORITIES, ctx, "priority"),
        "priority_raw": record.get("priority"),
        "tags": [t.get("name") for t in dig(record, "tags.tags") or [] if isinstance(t, Mapping) and t.get("name")],
        "url": source.get("url"),
        "customer_id": None if contact is None else str(contact),
        "team": None if record.get("team_assignee_id") in (None, "0", 0) else str(record["team_assignee_id"]),
        "agent": next((str(a) for a in (record.get("admin_assignee_id"), dig(record, "assignee.id"))
                       if a not in (None, "0", 0)), None),
        "first_response_at": timestamp(stats.get("first_admin_reply_at"), ctx, ref, "statistics.first_admin_reply_at")
        or summary["first_response_at"],
        "resolved_at": timestamp(stats.get("last_close_at"), ctx, ref, "statistics.last_close_at")
        if state == "closed" else None,
    }
    if rating.get("rating") is not None:
        row["csat"] = float(rating["rating"])
        if rating.get("remark"):
            row["feedback"] = text_of(rating["remark"])
    custom = {**(record.get("custom_attributes") or {}),
              **{k: v for k, v in attrs.items() if not k.startswith("_default_")}}
    for key, value in custom.items():
        name = ctx.fields.get(str(key), str(key) if str(key) in TICKET_FIELDS else "cf_" + "_".join(str(key).lower().split()))
        if value in (None, "") and name in TICKET_FIELDS:
            continue
        row[name] = language_code(value) if name == "language" else value
    return row


def collect_articles(pages: list[Any]) -> list[Any]:
    """Articles from ``{"type": "list", "data": [...]}`` pages, notification envelopes or single objects."""
    out: list[Any] = []
    for page in pages:
        items = page if isinstance(page, list) else (page.get("data") if isinstance(page.get("data"), list)
                                                     else [page])
        for item in items:
            if isinstance(item, Mapping) and item.get("type") == "notification_event":
                item = dig(item, "data.item")
            out.append(item)
    return out


def map_article(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """An article (``GET /articles``); drafts are skipped."""
    if not article_ok(NAME, record, ctx, lambda r: "draft article" if r.get("state") == "draft" else None):
        return None
    if record.get("type") not in ("article", None):
        raise fail(NAME, f"article record {ctx.position}", "type", f"is {record.get('type')!r}, not 'article'")
    return {"id": str(record["id"]), "title": record["title"], "body": html_to_text(text_of(record.get("body"))),
            "url": record.get("url"), "language": language_code(record.get("default_locale") or record.get("locale")),
            "tags": [t.get("name") for t in dig(record, "tags.tags") or [] if isinstance(t, Mapping)]}


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None) -> WebhookEvent:
    """Verify ``X-Hub-Signature`` (HMAC-SHA1) and the replay window; read the notification."""
    if secret is not None:
        check_hub_signature(NAME, body, headers, secret, "client secret")
    obj = load_webhook_json(NAME, body)
    if secret is not None:
        sent = obj.get("first_sent_at") or obj.get("created_at") if isinstance(obj, Mapping) else None
        if not isinstance(sent, (int, float)) or sent <= 0:
            raise SignatureError("intercom webhook: the signed body has no created_at, so its age cannot be checked.")
        check_window(NAME, float(sent), now=now, tolerance_s=tolerance_s, what="the notification's created_at")
    if not isinstance(obj, Mapping) or obj.get("type") != "notification_event":
        raise fail(NAME, "webhook body", "type", f"is {dig(obj, 'type')!r}, expected 'notification_event'",
                   "Intercom webhooks are notification_event envelopes; is this another vendor's payload?")
    event_id, topic = str(obj.get("id") or ""), str(obj.get("topic") or "")
    if not event_id or not topic:
        raise fail(NAME, "notification_event", "id" if not event_id else "topic", "is missing")
    item = dig(obj, "data.item")
    if isinstance(item, Mapping) and item.get("type") in ("conversation", "ticket") and item.get("created_at"):
        ctx = ReadContext(NAME)
        row = map_ticket(item, ctx)
        return WebhookEvent(NAME, event_id, topic, row, (row["id"],) if row else ())
    ids = (str(item["id"]),) if isinstance(item, Mapping) and item.get("type") in ("conversation", "ticket") else ()
    return WebhookEvent(NAME, event_id, topic, None, ids)


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, admin_id: str | None = None,
               custom_fields: Mapping[str, Any] | None = None, tag_ids: Mapping[str, str] | None = None,
               tag_prefix: str = "cxml_") -> WriteBack | None:
    """An admin note with the decisions (``POST /conversations/{id}/reply``), attributes and tags for auto ones.

    ``admin_id`` is the Intercom admin the note is written as (required by Intercom to send it).
    """
    dec = Decisions.of(decisions)
    if dec.empty:
        return None
    custom_fields = {t: f"{tag_prefix}{t}" for t in dec.auto if t != "priority"} | dict(custom_fields or {})
    plan = plan_fields(NAME, dec, priorities={"low": "not_priority", "medium": "not_priority",
                                              "normal": "not_priority", "high": "priority", "urgent": "priority"},
                       custom_fields=custom_fields, tag_prefix=tag_prefix)
    tid = str(ticket_id)
    requests: list[WriteBack] = []
    note = dec.note(html=True)
    auto_lines = "".join(f"<p>cxml set {t} to {v}</p>" for t, v in dec.auto.items())
    body = note or auto_lines
    if body:
        requests.append(WriteBack(NAME, tid, "POST", f"/conversations/{tid}/reply",
                                  {"message_type": "note", "type": "admin", "admin_id": admin_id, "body": body}))
    update: dict[str, Any] = {}
    if plan.custom:
        update["custom_attributes"] = dict(plan.custom)
    if plan.priority is not None:
        update["priority"] = plan.priority
    if update:
        requests.append(WriteBack(NAME, tid, "PUT", f"/conversations/{tid}", update))
    for tag in plan.tags:
        if tag_ids and tag in tag_ids:
            requests.append(WriteBack(NAME, tid, "POST", f"/conversations/{tid}/tags",
                                      {"id": tag_ids[tag], "admin_id": admin_id}))
    return chain(requests)
