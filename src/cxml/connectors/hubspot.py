"""HubSpot Service Hub: CRM ticket objects, id-only webhooks with the v3 signature, ticket updates.

Reading
-------
``read_tickets(data, vendor="hubspot")`` takes CRM ticket objects (``GET /crm/v3/objects/tickets/{id}?
properties=...``: ``{"id", "properties": {...}, "createdAt", "archived"}``), list / search / batch-read pages
(``{"results": [...], "paging": ...}``), files or folders of them.

Mapped: ``id``; ``subject`` = ``properties.subject``; ``body`` = ``properties.content`` (HTML through the parser,
quotes and signature stripped; the CRM object has no thread, so ``thread`` holds that one message);
``channel`` from ``source_type`` (``EMAIL``, ``CHAT``, ``FORM`` -> web_form, ``PHONE``; raw in ``channel_raw``);
``created_at`` = ``createdate``; ``priority`` ``LOW`` / ``MEDIUM`` / ``HIGH`` / ``URGENT`` (raw in
``priority_raw``); ``reason`` = ``hs_ticket_category`` (several values joined by ``;`` are kept as they are);
``status`` = ``hs_pipeline_stage`` (default pipeline stages 1-4 named, others raw); ``team`` = ``hubspot_team_id``;
``agent`` = ``hubspot_owner_id``; ``customer_id`` = first associated contact; ``first_response_at`` =
``first_agent_reply_date``; ``resolved_at`` = ``closed_date``; ``tags`` from ``hs_tag_ids``; other properties are
kept as ``hs_*`` columns only when named in ``fields=``. Archived tickets are skipped and reported.

Webhooks
--------
HubSpot webhooks carry ids only: a JSON array of ``{"eventId", "subscriptionType": "ticket.creation",
"objectId", "occurredAt", ...}``. :class:`WebhookEvent` has ``ticket=None`` and ``ticket_ids`` = the ticket
``objectId`` values, to fetch with the CRM API. Signature scheme (v3): header ``X-HubSpot-Signature-v3`` =
``base64(HMAC-SHA256(client_secret, method + uri + body + timestamp))`` with ``timestamp`` the text of header
``X-HubSpot-Request-Timestamp`` (epoch milliseconds) and ``uri`` the full request URL; pass ``method=`` and
``url=`` to :func:`cxml.connectors.parse_webhook`. Requests older than ``tolerance_s`` (HubSpot: 5 minutes) are
refused.

Writing
-------
:func:`write_back` builds ``PATCH /crm/v3/objects/tickets/{id}`` with ``hs_ticket_priority``,
``hs_ticket_category`` (reason), ``hubspot_team_id`` and named properties, and a ``POST /crm/v3/objects/notes``
note associated with the ticket (association type 228, note to ticket) for suggestions.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from cxml.connectors._base import (
    Decisions,
    ReadContext,
    WebhookEvent,
    WriteBack,
    chain,
    dig,
    fail,
    load_webhook_json,
    map_enum,
    plan_fields,
    require_object,
    text_of,
    thread_entry,
    timestamp,
)
from cxml.connectors._html import message_text
from cxml.connectors._read import ticket_reader
from cxml.connectors._signatures import check_window, hmac_digest, require_header, same
from cxml.exceptions import SignatureError

NAME = "hubspot"

CHANNELS: dict[str, str] = {"email": "email", "chat": "chat", "form": "web_form", "phone": "phone",
                            "message": "chat", "whatsapp": "social", "facebook_messenger": "social",
                            "instagram": "social", "sms": "sms", "api": "api", "bot": "chat"}
PRIORITIES: dict[str, str] = {"low": "low", "medium": "medium", "high": "high", "urgent": "urgent"}
PRIORITY_VALUES: dict[str, str] = {"low": "LOW", "medium": "MEDIUM", "normal": "MEDIUM", "high": "HIGH",
                                   "urgent": "URGENT"}
#: Stages of HubSpot's default support pipeline ("0").
STAGES: dict[str, str] = {"1": "new", "2": "waiting on contact", "3": "waiting on us", "4": "closed"}
#: Note -> ticket association type id (HUBSPOT_DEFINED).
NOTE_TO_TICKET = 228


#: ``read_tickets(data, **options)``: :func:`cxml.connectors.read_tickets` for HubSpot.
read_tickets = ticket_reader(NAME, "HubSpot", __name__)


def looks_like(record: Any) -> bool:
    """A CRM ticket (``properties`` with ``hs_pipeline`` / ``subject`` / ``content``) or a webhook event."""
    if not isinstance(record, Mapping):
        return False
    if "subscriptionType" in record and "objectId" in record:
        return True
    props = record.get("properties")
    return isinstance(props, Mapping) and any(k in props for k in ("hs_pipeline", "hs_pipeline_stage", "content",
                                                                   "hs_ticket_priority", "createdate"))


def collect(pages: list[Any], ctx: ReadContext) -> list[Any]:
    out: list[Any] = []
    for page in pages:
        out.extend(page if isinstance(page, list) else page.get("results") or [page])
    return out


def map_ticket(record: Any, ctx: ReadContext) -> dict[str, Any] | None:
    """One CRM ticket object as a canonical row; archived tickets are skipped."""
    props = require_object(NAME, record, ctx, "ticket").get("properties")
    tid = record.get("id") or (props or {}).get("hs_object_id")
    if tid in (None, ""):
        raise fail(NAME, f"record {ctx.position}", "id", "is missing")
    tid = str(tid)
    ref = f"ticket {tid} (record {ctx.position})"
    if not isinstance(props, Mapping):
        raise fail(NAME, ref, "properties", "is missing", "Fetch tickets with ?properties=subject,content,...")
    if record.get("archived"):
        ctx.skip(tid, "archived ticket")
        return None
    created = timestamp(props.get("createdate") or record.get("createdAt"), ctx, ref, "properties.createdate")
    if created is None:
        raise fail(NAME, ref, "properties.createdate", "is missing")
    body = message_text(props.get("content"))
    source = props.get("source_type")
    stage = props.get("hs_pipeline_stage")
    default_pipeline = str(props.get("hs_pipeline", "0")) == "0"
    contact = dig(record, "associations.contacts.results.0.id")
    row: dict[str, Any] = {
        "id": tid,
        "subject": text_of(props.get("subject")),
        "body": body,
        "answer": None,
        "thread": [thread_entry("customer", True, created, body, contact)],
        "channel": map_enum(source, CHANNELS, ctx, "source_type"),
        "channel_raw": source,
        "created_at": created,
        "status": STAGES.get(str(stage), stage) if default_pipeline else stage,
        "priority": map_enum(props.get("hs_ticket_priority"), PRIORITIES, ctx, "hs_ticket_priority"),
        "priority_raw": props.get("hs_ticket_priority"),
        "reason": props.get("hs_ticket_category") or None,
        "tags": [t for t in str(props.get("hs_tag_ids") or "").split(";") if t],
        "customer_id": None if contact is None else str(contact),
        "team": props.get("hubspot_team_id") or None,
        "agent": props.get("hubspot_owner_id") or None,
        "first_response_at": timestamp(props.get("first_agent_reply_date"), ctx, ref, "first_agent_reply_date"),
        "resolved_at": timestamp(props.get("closed_date"), ctx, ref, "closed_date"),
    }
    for key, name in ctx.fields.items():
        if key in props:
            row[name] = props[key]
    return row


def _signed_uri(url: str) -> str:
    # HubSpot signs the URI with these characters decoded (its v3 validation guide)
    out = url
    for encoded in ("%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C", "%3B"):
        out = out.replace(encoded, unquote(encoded)).replace(encoded.lower(), unquote(encoded))
    return out


def parse_webhook(body: bytes, headers: Mapping[str, str], *, secret: str | None, now: float | None,
                  tolerance_s: float, field_map: Mapping[str, str] | None, method: str = "POST",
                  url: str | None = None) -> WebhookEvent:
    """Verify ``X-HubSpot-Signature-v3`` and the timestamp; return the ticket ids to fetch."""
    if secret is not None:
        if not url:
            raise SignatureError("hubspot webhook: the v3 signature covers the request URL; pass url= (the full URL "
                                 "HubSpot called, with the query string) and method= to parse_webhook.")
        signature = require_header(NAME, headers, "X-HubSpot-Signature-v3")
        sent = require_header(NAME, headers, "X-HubSpot-Request-Timestamp")
        message = method.upper().encode() + _signed_uri(url).encode("utf-8") + body + sent.encode()
        if not same(hmac_digest(secret, message, "sha256", "base64"), signature):
            raise SignatureError("hubspot webhook: X-HubSpot-Signature-v3 does not match method + URL + body + "
                                 "timestamp under the app's client secret (wrong secret, URL or changed body).")
        try:
            sent_s = int(sent) / 1000.0
        except ValueError:
            raise SignatureError(f"hubspot webhook: X-HubSpot-Request-Timestamp {sent!r} is not epoch ms.") from None
        check_window(NAME, sent_s, now=now, tolerance_s=tolerance_s, what="X-HubSpot-Request-Timestamp")
    obj = load_webhook_json(NAME, body)
    events = obj if isinstance(obj, list) else [obj]
    if not events or not all(isinstance(e, Mapping) for e in events):
        raise fail(NAME, "webhook body", "(top level)", "is not a non-empty array of event objects")
    for i, event in enumerate(events):
        for key in ("eventId", "subscriptionType", "objectId"):
            if key not in event:
                raise fail(NAME, f"webhook event {i}", key, "is missing",
                           "HubSpot sends arrays of {eventId, subscriptionType, objectId, ...}.")
    ids = tuple(dict.fromkeys(str(e["objectId"]) for e in events
                              if str(e["subscriptionType"]).startswith(("ticket.", "object."))))
    kinds = sorted({str(e["subscriptionType"]) for e in events})
    event_id = ",".join(str(e["eventId"]) for e in events)
    return WebhookEvent(NAME, event_id, kinds[0] if len(kinds) == 1 else ",".join(kinds), None, ids)


def write_back(ticket_id: str, decisions: Mapping[str, Any], *, custom_fields: Mapping[str, Any] | None = None,
               now_ms: int | None = None, tag_prefix: str = "cxml_") -> WriteBack | None:
    """``PATCH /crm/v3/objects/tickets/{id}`` for auto decisions, a note for suggestions.

    ``custom_fields`` maps a target to a ticket property; ``reason`` goes to ``hs_ticket_category`` and ``team``
    to ``hubspot_team_id`` by default. Labels that are not tags in HubSpot are written as properties only.
    """
    dec = Decisions.of(decisions)
    if dec.empty:
        return None
    fields = {"reason": "hs_ticket_category", "team": "hubspot_team_id", **(custom_fields or {})}
    plan = plan_fields(NAME, dec, priorities=PRIORITY_VALUES, custom_fields=fields, tag_prefix=tag_prefix)
    tid = str(ticket_id)
    props: dict[str, Any] = dict(plan.custom)
    if plan.priority is not None:
        props["hs_ticket_priority"] = plan.priority
    requests: list[WriteBack] = []
    if props:
        requests.append(WriteBack(NAME, tid, "PATCH", f"/crm/v3/objects/tickets/{tid}", {"properties": props}))
    note = dec.note(html=True)
    if note:
        stamp = int(time.time() * 1000) if now_ms is None else int(now_ms)
        requests.append(WriteBack(NAME, tid, "POST", "/crm/v3/objects/notes", {
            "properties": {"hs_note_body": note, "hs_timestamp": stamp},
            "associations": [{"to": {"id": tid}, "types": [{"associationCategory": "HUBSPOT_DEFINED",
                                                            "associationTypeId": NOTE_TO_TICKET}]}],
        }))
    return chain(requests)
