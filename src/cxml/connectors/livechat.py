"""LiveChat (Agent Chat API v3.x): archived chats, webhooks, tags and agent-only notes.

Reading
-------
``read_tickets(data, vendor="livechat")`` takes chat objects (``list_archives`` / ``get_chat``: ``{"id", "users":
[...], "thread": {...}}`` or ``"threads": [...]``), ``list_archives`` pages (``{"chats": [...],
"next_page_id"}``), ``incoming_chat`` webhook bodies, files or folders of them. Each thread is one ticket with id
``"<chat_id>/<thread_id>"`` (also in ``chat_id`` / ``thread_id`` columns).

Mapped: ``channel`` = chat; ``created_at`` = ``thread.created_at``; ``thread`` = every ``message`` event (author
``customer`` user -> customer, agents -> agent; ``visibility: agents`` -> not public) and ``filled_form``
answers; ``body`` = the customer's opening messages up to the first agent reply, joined (chat customers write in
bursts); ``answer`` = the first agent message; ``subject`` = the pre-chat form's question or the first line;
``customer_id`` = the customer user's id; ``agent`` = the first agent who wrote; ``team`` = ``access.group_ids``;
``tags`` = ``thread.tags``; ``url`` / ``page_title`` = the last page the customer visited before the chat
(``last_visit.last_pages``); ``first_response_at`` = the first agent message; ``resolved_at`` = the last event of
an inactive thread; ``csat`` = rating good 5 / bad 1 (``properties.rating.score.value``), ``feedback`` its comment;
``status`` active / closed. LiveChat has no priority: ``priority`` stays empty.

Webhooks
--------
Signature scheme: LiveChat sends no signature header; each webhook body carries the ``secret_key`` set when the
webhook was registered, compared here in constant time with ``secret``. There is no signed timestamp and thus no
replay window; de-duplicate on ``event_id`` (``<action>:<chat_id>:<thread_id>[:<event id>]``).

Writing
-------
:func:`write_back` builds ``POST /v3.5/agent/action/send_event`` with an agents-only message (suggestions and
decisions) and ``POST /v3.5/agent/action/tag_thread`` for each auto decision's tag. ``ticket_id`` is
``"<chat_id>/<thread_id>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cxml.connectors._base import (
    ReadContext,
    WebhookEvent,
    WriteBack,
    chain,
    decide,
    dig,
    fail,
    load_webhook_json,
    record_id,
    text_of,
    thread_entry,
    timestamp,
)
from cxml.connectors._html import message_text
from cxml.connectors._read import ticket_reader
from cxml.connectors._signatures import same
from cxml.exceptions import ConnectorError, SignatureError

NAME = "livechat"
API = "/v3.5/agent/action"
CSAT: dict[Any, float] = {1: 5.0, 0: 1.0, "good": 5.0, "bad": 1.0, "rated_good": 5.0, "rated_bad": 1.0}


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for LiveChat.
read_tickets = ticket_reader(NAME, "LiveChat", __name__)


def looks_like(record: Any) -> bool:
    """A LiveChat chat (``users`` and ``thread`` / ``threads``) or webhook (``action`` and ``payload``)."""
    if not isinstance(record, Mapping):
        return False
    if "action" in record and "payload" in record and "webhook_id" in record:
        return True
    return "users" in record and ("thread" in record or "threads" in record)


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    """One record per (chat, thread)."""
    out: list[Any] = []
    for page in pages:
        if isinstance(page, Mapping) and "payload" in page and "action" in page:
            page = [dig(page, "payload.chat")] if dig(page, "payload.chat") else []
        items = page if isinstance(page, list) else page.get("chats") or [page]
        for chat in items:
            if not isinstance(chat, Mapping):
                out.append(chat)
                continue
            threads = chat.get("threads") or ([chat["thread"]] if chat.get("thread") else [])
            if not threads:
                out.append({**chat, "thread": None})
            for thread in threads:
                out.append({**chat, "thread": thread})
    return out


def _users(chat: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(u.get("id")): u for u in chat.get("users") or [] if isinstance(u, Mapping)}


def _last_page(customer: Mapping[str, Any] | None) -> Mapping[str, Any]:
    pages = dig(customer, "last_visit.last_pages") or dig(customer, "visit.last_pages") or []
    pages = [p for p in pages if isinstance(p, Mapping)]
    return pages[-1] if pages else {}


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One chat thread as a canonical row."""
    chat_id = record_id(NAME, record, ctx, "chat")
    thread = record.get("thread")
    if not isinstance(thread, Mapping) or thread.get("id") in (None, ""):
        raise fail(NAME, f"chat {chat_id} (record {ctx.position})", "thread", "is missing or has no id",
                   "Export chats with their threads (list_archives returns them).")
    thread_id = str(thread["id"])
    ref = f"chat {chat_id} thread {thread_id} (record {ctx.position})"
    created = timestamp(thread.get("created_at"), ctx, ref, "thread.created_at")
    if created is None:
        raise fail(NAME, ref, "thread.created_at", "is missing")
    users = _users(record)
    customer = next((u for u in users.values() if u.get("type") == "customer"), None)
    messages = []
    subject = ""
    for event in thread.get("events") or []:
        if not isinstance(event, Mapping):
            continue
        author = str(event.get("author_id"))
        when = timestamp(event.get("created_at"), ctx, ref, "events.created_at")
        kind = event.get("type")
        if kind == "filled_form":
            answers = [f.get("answer") for f in event.get("fields") or [] if isinstance(f, Mapping)
                       and isinstance(f.get("answer"), str) and f.get("type") in ("question", "textarea")]
            if answers:
                subject = subject or answers[0].splitlines()[0][:200]
            continue
        if kind != "message" or not event.get("text"):
            continue
        role = "customer" if dig(users, f"{author}.type") == "customer" else "agent"
        messages.append(thread_entry(role, event.get("visibility", "all") == "all", when,
                                     message_text(event["text"]), author, "chat"))
    opening = []
    for m in messages:
        if m["role"] == "agent" and m["public"]:
            break
        if m["role"] == "customer":
            opening.append(m["body"])
    agent_msg = next((m for m in messages if m["role"] == "agent" and m["public"]), None)
    page = _last_page(customer)
    rating = dig(thread, "properties.rating.score.value")
    last_event = (thread.get("events") or [{}])[-1]
    row: dict[str, Any] = {
        "id": f"{chat_id}/{thread_id}",
        "chat_id": chat_id,
        "thread_id": thread_id,
        "subject": subject or (opening[0].splitlines()[0][:120] if opening else ""),
        "body": "\n".join(opening),
        "answer": agent_msg["body"] if agent_msg else None,
        "thread": messages,
        "channel": "chat",
        "channel_raw": "chat",
        "created_at": created,
        "status": "active" if thread.get("active") else "closed",
        "priority": None,
        "priority_raw": None,
        "tags": [str(t) for t in thread.get("tags") or []],
        "url": page.get("url"),
        "page_title": page.get("title"),
        "customer_id": None if customer is None else str(customer.get("id")),
        "agent": agent_msg["author_id"] if agent_msg else None,
        "team": next((str(g) for g in dig(thread, "access.group_ids") or dig(record, "access.group_ids") or []),
                     None),
        "first_response_at": timestamp(agent_msg["created_at"], ctx, ref, "events.created_at") if agent_msg else None,
        "resolved_at": None if thread.get("active") else timestamp(
            dig(last_event, "created_at"), ctx, ref, "events.created_at"),
    }
    if rating is not None:
        row["csat_raw"] = rating
        row["csat"] = CSAT.get(rating)
        comment = dig(thread, "properties.rating.comment.value")
        if comment:
            row["feedback"] = text_of(comment)
    return row


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None) -> WebhookEvent:
    """Compare the body's ``secret_key`` in constant time; read ``incoming_chat`` and other chat actions."""
    obj = load_webhook_json(NAME, body)
    if not isinstance(obj, Mapping):
        raise fail(NAME, "webhook body", "(top level)", f"is a JSON {type(obj).__name__}, expected an object")
    if secret is not None:
        given = obj.get("secret_key")
        if not isinstance(given, str) or not given:
            raise SignatureError("livechat webhook: the body has no 'secret_key'; register the webhook with a "
                                 "secret key.")
        if not same(secret, given):
            raise SignatureError("livechat webhook: 'secret_key' does not match the configured secret.")
    for key in ("action", "payload"):
        if key not in obj:
            raise fail(NAME, "webhook body", key, "is missing", "LiveChat webhooks carry action and payload.")
    action = str(obj["action"])
    payload = obj["payload"] if isinstance(obj["payload"], Mapping) else {}
    chat = payload.get("chat")
    if isinstance(chat, Mapping):
        records = collect([chat], ReadContext(NAME))
        row = map_ticket(records[0], ReadContext(NAME)) if records and records[0].get("thread") else None
        if row is None:
            raise fail(NAME, f"{action} webhook", "payload.chat.thread", "is missing")
        return WebhookEvent(NAME, f"{action}:{row['chat_id']}:{row['thread_id']}", action, row, (row["id"],))
    chat_id = payload.get("chat_id")
    thread_id = payload.get("thread_id")
    event_id = dig(payload, "event.id")
    ident = ":".join(str(p) for p in (action, chat_id, thread_id, event_id) if p is not None)
    ids = (f"{chat_id}/{thread_id}",) if chat_id and thread_id else ()
    return WebhookEvent(NAME, ident, action, None, ids)


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, tag_prefix: str = "cxml_") -> WriteBack | None:
    """An agents-only message and ``tag_thread`` requests; ``ticket_id`` is ``"<chat_id>/<thread_id>"``."""
    chat_id, _, thread_id = str(ticket_id).partition("/")
    if not chat_id or not thread_id:
        raise ConnectorError(f"write_back: livechat: ticket_id {ticket_id!r} should be '<chat_id>/<thread_id>' "
                             "(the id read_tickets gives a chat thread).")
    decided = decide(NAME, decisions, priorities=None, tag_prefix=tag_prefix)
    if decided is None:
        return None
    dec, plan = decided
    requests: list[WriteBack] = []
    note = dec.note()
    if note or dec.auto:
        text = note or "\n".join(f"cxml set {t} to {v}" for t, v in dec.auto.items())
        requests.append(WriteBack(NAME, str(ticket_id), "POST", f"{API}/send_event", {
            "chat_id": chat_id, "event": {"type": "message", "text": text, "visibility": "agents"}}))
    for tag in plan.tags:
        requests.append(WriteBack(NAME, str(ticket_id), "POST", f"{API}/tag_thread",
                                  {"chat_id": chat_id, "thread_id": thread_id, "tag": tag}))
    return chain(requests)
