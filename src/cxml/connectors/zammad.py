"""Zammad: tickets with their articles, knowledge-base answers, the default webhook, ticket updates.

Reading
-------
``read_tickets(data, vendor="zammad")`` takes ticket objects (``GET /api/v1/tickets/{id}?expand=true``), list /
search pages (a JSON list, or ``{"tickets": [...]}`` / ``{"assets": {...}}`` search results), articles
(``GET /api/v1/ticket_articles/by_ticket/{id}``, objects with ``ticket_id``) found among the pages or inline in
a ticket's ``articles``, default webhook bodies (``{"ticket": ..., "article": ...}``), files or folders of them.
Names come from ``expand=true`` (``"group": "Sales"``) or nested objects (``"group": {"name": "Sales"}``).

Mapped: ``id``; ``number`` kept; ``subject`` = ``title``; ``thread`` = every article (``sender`` Customer ->
customer, Agent -> agent, System -> system; ``internal`` -> not public; ``text/html`` through the parser);
``body`` = the first customer article; ``answer`` = the first public agent article; ``channel`` from
``create_article_type`` or the first article's ``type`` (``email``, ``web`` -> web_form, ``phone``, ``chat``,
``sms``, ``twitter status`` / ``facebook feed post`` / ``telegram personal-message`` / ``whatsapp message`` ->
social; raw in ``channel_raw``); ``created_at``; ``status`` = ``state``; ``priority`` ``1 low`` / ``2 normal`` /
``3 high`` (also ``4 urgent`` / ``critical`` where configured; raw in ``priority_raw``); ``team`` = ``group``;
``agent`` = ``owner_id`` (none when ``-``); ``customer_id`` = ``customer_id``; ``tags``; ``first_response_at``;
``resolved_at`` = ``close_at``; custom object attributes named in ``fields=`` as columns.

Knowledge base: ``read_articles(data, vendor="zammad")`` takes answers in the API's ``assets`` shape
(``KnowledgeBaseAnswerTranslation`` + ``KnowledgeBaseAnswerTranslationContent`` + ``KnowledgeBaseLocale``,
from ``GET /api/v1/knowledge_bases/{kb}/answers/{id}?full=1`` or ``POST /api/v1/knowledge_bases/init``) or flat
answers (``{"id", "title", "body", "locale"}``); one article per answer translation (id ``"<answer>-<lang>"``
when an answer has several).

Webhooks
--------
Signature scheme: header ``X-Hub-Signature`` = ``"sha1=" + hex(HMAC-SHA1(signature_token, body))`` (set the
webhook's "HMAC SHA1 Signature Token"). Zammad sends no signed timestamp, so there is no replay window:
``event_id`` is the ``X-Zammad-Delivery`` header (a delivery UUID) to de-duplicate on; ``event_type`` the
``X-Zammad-Trigger`` header (the trigger's name).

Writing
-------
:func:`write_back` builds ``PUT /api/v1/tickets/{id}`` with ``priority`` (by name), ``group`` (by name),
custom attributes and an internal ``note`` article in the same request; auto-decision tags follow as
``POST /api/v1/tags/add`` requests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cxml.connectors._base import (
    ReadContext,
    WebhookEvent,
    WriteBack,
    article_ok,
    chain,
    decide,
    dig,
    fail,
    language_code,
    load_webhook_json,
    map_enum,
    record_id,
    text_of,
    thread_entry,
    thread_summary,
    timestamp,
)
from cxml.connectors._html import html_to_text, message_text
from cxml.connectors._read import article_reader, ticket_reader
from cxml.connectors._signatures import check_hub_signature, header

NAME = "zammad"

CHANNELS: dict[str, str] = {
    "email": "email", "web": "web_form", "phone": "phone", "chat": "chat", "sms": "sms", "fax": "email",
    "note": "system", "twitter status": "social", "twitter direct-message": "social", "facebook feed post": "social",
    "facebook feed comment": "social", "telegram personal-message": "social", "whatsapp message": "social",
}
PRIORITIES: dict[str, str] = {"low": "low", "normal": "medium", "medium": "medium", "high": "high",
                              "urgent": "urgent", "critical": "urgent", "1": "low", "2": "medium", "3": "high"}
PRIORITY_VALUES: dict[str, str] = {"low": "1 low", "medium": "2 normal", "normal": "2 normal", "high": "3 high",
                                   "urgent": "3 high"}
ROLES: dict[str, str] = {"customer": "customer", "agent": "agent", "system": "system"}


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for Zammad.
read_tickets = ticket_reader(NAME, "Zammad", __name__)
#: ``read_articles(data, **options)``: :func:`cxml.connectors.read_articles` for Zammad.
read_articles = article_reader(NAME, "Zammad", __name__)


def looks_like(record: Any) -> bool:
    """A Zammad ticket (``number`` and ``state`` / ``state_id``) or webhook (``ticket`` + ``article``)."""
    if not isinstance(record, Mapping):
        return False
    if isinstance(record.get("ticket"), Mapping) and "article" in record:
        return True
    return "number" in record and ("state_id" in record or "state" in record) and "title" in record


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, Mapping) else value


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    """Ticket records; articles with ``ticket_id`` go to ``ctx.side``."""
    articles: dict[str, list[Any]] = {}
    tickets: list[Any] = []
    for page in pages:
        if isinstance(page, Mapping) and isinstance(page.get("ticket"), Mapping):  # a webhook body
            ticket = dict(page["ticket"])
            if isinstance(page.get("article"), Mapping):
                ticket.setdefault("articles", [page["article"]])
            tickets.append(ticket)
            continue
        if isinstance(page, Mapping) and isinstance(page.get("assets"), Mapping):
            tickets.extend(dig(page, "assets.Ticket", {}).values())
            for article in dig(page, "assets.TicketArticle", {}).values():
                articles.setdefault(str(article.get("ticket_id")), []).append(article)
            continue
        items = page if isinstance(page, list) else page.get("tickets") or [page]
        for item in items:
            if isinstance(item, Mapping) and "ticket_id" in item and ("sender" in item or "sender_id" in item):
                articles.setdefault(str(item["ticket_id"]), []).append(item)
            else:
                tickets.append(item)
    ctx.side["articles"] = articles
    return tickets


def _priority_word(value: Any) -> Any:
    if value is None:
        return None
    text = str(_name(value)).strip().lower()
    match = re.fullmatch(r"\d+\s+(.+)", text)
    return match.group(1) if match else text


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One Zammad ticket as a canonical row (merged and removed tickets are skipped)."""
    tid = record_id(NAME, record, ctx, "ticket")
    ref = f"ticket {tid} (record {ctx.position})"
    state = _name(record.get("state")) or record.get("state_id")
    if str(state).lower() in ("merged", "removed"):
        ctx.skip(tid, f"{state} ticket")
        return None
    created = timestamp(record.get("created_at"), ctx, ref, "created_at")
    if created is None:
        raise fail(NAME, ref, "created_at", "is missing")
    arts = record.get("articles") or ctx.side.get("articles", {}).get(tid) or []
    customer_id = record.get("customer_id") or dig(record, "customer.id")
    thread = []
    for a in sorted((a for a in arts if isinstance(a, Mapping)), key=lambda a: (str(a.get("created_at")), a.get("id", 0))):
        sender = str(_name(a.get("sender")) or "").lower()
        body = text_of(a.get("body"))
        text = message_text(body if "html" in str(a.get("content_type", "")) or "<" in body else body)
        thread.append(thread_entry(ROLES.get(sender, "agent"), not a.get("internal", False),
                                   timestamp(a.get("created_at"), ctx, ref, "articles.created_at"), text,
                                   a.get("created_by_id") or dig(a, "created_by.id"), _name(a.get("type"))))
    summary = thread_summary(thread)
    kind = record.get("create_article_type") or (thread[0]["channel"] if thread else None)
    kind = _name(kind)
    owner = record.get("owner_id") or dig(record, "owner.id")
    if _name(record.get("owner")) == "-" or owner in (1, "1"):  # Zammad's "-" system user means unassigned
        owner = None
    priority = record.get("priority") if record.get("priority") is not None else record.get("priority_id")
    tags = record.get("tags") or []
    row: dict[str, Any] = {
        "id": tid,
        "number": record.get("number"),
        "subject": text_of(record.get("title")),
        "body": summary["body"],
        "answer": summary["answer"],
        "thread": thread,
        "channel": map_enum(kind, CHANNELS, ctx, "create_article_type"),
        "channel_raw": kind,
        "created_at": created,
        "status": state,
        "priority": map_enum(_priority_word(priority), PRIORITIES, ctx, "priority"),
        "priority_raw": _name(priority),
        "tags": [str(t) for t in (tags.split(",") if isinstance(tags, str) else tags) if str(t).strip()],
        "team": _name(record.get("group")) or (None if record.get("group_id") is None else str(record["group_id"])),
        "agent": None if owner is None else str(owner),
        "customer_id": None if customer_id is None else str(customer_id),
        "first_response_at": timestamp(record.get("first_response_at"), ctx, ref, "first_response_at")
        or summary["first_response_at"],
        "resolved_at": timestamp(record.get("close_at"), ctx, ref, "close_at"),
    }
    for key, name in ctx.fields.items():
        if key in record:
            row[name] = _name(record[key])
    return row


# ---------------------------------------------------------------------------------------------------------------
# knowledge base


def collect_articles(pages: list[Any]) -> list[Any]:
    """Answer translations: from ``assets`` (one record per translation, content and locale joined) or flat."""
    out: list[Any] = []
    for page in pages:
        assets = page.get("assets", page) if isinstance(page, Mapping) else None
        if isinstance(assets, Mapping) and "KnowledgeBaseAnswerTranslation" in assets:
            contents = assets.get("KnowledgeBaseAnswerTranslationContent") or {}
            kb_locales = assets.get("KnowledgeBaseLocale") or {}
            locales = assets.get("Locale") or {}
            answers = assets.get("KnowledgeBaseAnswer") or {}
            for tr in (assets["KnowledgeBaseAnswerTranslation"] or {}).values():
                kb_locale = kb_locales.get(str(tr.get("kb_locale_id"))) or {}
                locale = dig(locales, f"{kb_locale.get('system_locale_id')}.locale") or kb_locale.get("locale")
                answer = answers.get(str(tr.get("answer_id"))) or {}
                out.append({"id": tr.get("answer_id", tr.get("id")), "translation_id": tr.get("id"),
                            "title": tr.get("title"),
                            "body": dig(contents, f"{tr.get('content_id')}.body") or "", "locale": locale,
                            "tags": answer.get("tags") or [], "archived_at": answer.get("archived_at"),
                            "published_at": answer.get("published_at"), "_assets": True})
        elif isinstance(page, list):
            out.extend(page)
        elif isinstance(page, Mapping):
            out.extend(page.get("answers") or [page])
    counts: dict[Any, int] = {}
    for a in out:
        if isinstance(a, Mapping):
            counts[a.get("id")] = counts.get(a.get("id"), 0) + 1
    return [{**a, "_several": counts.get(a.get("id"), 0) > 1} if isinstance(a, Mapping) else a for a in out]


def map_article(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One answer translation; archived answers are skipped."""
    if not article_ok(NAME, record, ctx, lambda r: "archived answer" if r.get("archived_at") else None, "answer"):
        return None
    lang = language_code(record.get("locale") or record.get("language"))
    ident = f"{record['id']}-{lang}" if record.get("_several") else str(record["id"])
    body = record.get("body") or dig(record, "content.body") or ""
    return {"id": ident, "title": record["title"], "body": html_to_text(text_of(body)), "url": record.get("url"),
            "language": lang, "tags": list(record.get("tags") or [])}


# ---------------------------------------------------------------------------------------------------------------
# webhooks and write-back


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None) -> WebhookEvent:
    """Verify ``X-Hub-Signature`` (HMAC-SHA1) and read the default ``{"ticket", "article"}`` body."""
    if secret is not None:
        check_hub_signature(NAME, body, headers, secret, "signature token")
    obj = load_webhook_json(NAME, body)
    if not isinstance(obj, Mapping) or not isinstance(obj.get("ticket"), Mapping):
        raise fail(NAME, "webhook body", "ticket", "is missing",
                   "Zammad's default webhook payload is {\"ticket\": {...}, \"article\": {...}}; a custom payload "
                   "must keep the ticket object.")
    ctx = ReadContext(NAME)
    row = map_ticket(collect([obj], ctx)[0], ctx)
    if row is None:
        raise fail(NAME, "webhook body", "ticket.state", "is merged or removed; nothing to triage")
    delivery = header(headers, "X-Zammad-Delivery")
    event_id = delivery or f"{row['id']}:{dig(obj, 'article.id')}"
    return WebhookEvent(NAME, event_id, header(headers, "X-Zammad-Trigger") or "trigger", row, (row["id"],))


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, custom_fields: Mapping[str, Any] | None = None,
               groups: Mapping[str, Any] | None = None, tag_prefix: str = "cxml_") -> WriteBack | None:
    """``PUT /api/v1/tickets/{id}`` (priority, group, attributes, internal note) and ``tags/add`` requests.

    ``groups`` maps a team label to a Zammad group name; ``custom_fields`` a target to a ticket attribute.
    """
    decided = decide(NAME, decisions, priorities=PRIORITY_VALUES, custom_fields=custom_fields, groups=groups, tag_prefix=tag_prefix)
    if decided is None:
        return None
    dec, plan = decided
    tid = str(ticket_id)
    update: dict[str, Any] = dict(plan.custom)
    if plan.priority is not None:
        update["priority"] = plan.priority
    if plan.group is not None:
        update["group"] = plan.group
    note = dec.note(html=True)
    if note:
        update["article"] = {"subject": "cxml triage", "body": note, "content_type": "text/html", "type": "note",
                             "internal": True}
    requests = [WriteBack(NAME, tid, "PUT", f"/api/v1/tickets/{tid}", update)] if update else []
    requests += [WriteBack(NAME, tid, "POST", "/api/v1/tags/add", {"object": "Ticket", "o_id": int(tid) if tid.isdigit()
                                                                    else tid, "item": tag}) for tag in plan.tags]
    return chain(requests)
