"""Read and write the helpdesks cxml's users run: Zendesk, Freshdesk, Intercom, HubSpot, LiveChat and Zammad.

One module per helpdesk, each with the same small surface; the functions here dispatch on the vendor name:

:func:`read_tickets`   an export, API page or file -> the canonical ticket frame of :mod:`cxml.schema`
:func:`read_articles`  help-centre articles -> the canonical article frame
:func:`parse_webhook`  verify a webhook's signature and read the event -> :class:`WebhookEvent`
:func:`write_back`     a row of triage decisions -> the vendor's own update request (:class:`WriteBack`), unsent
:func:`make_client`    an HTTP client that sends updates and, for Zendesk and Freshdesk, pulls new tickets

Each vendor module's docstring lists what is mapped and the webhook signature scheme it verifies.

Examples
--------
>>> from cxml.connectors import read_tickets
>>> tickets = read_tickets([{"id": 7, "subject": "Refund", "description": "<p>Please refund order 1</p>",
...                          "source": 7, "priority": 4, "status": 2, "created_at": "2024-05-01T08:00:00Z"}],
...                        vendor="freshdesk")
>>> tickets.loc[0, ["channel", "priority", "priority_raw", "body"]].tolist()
['chat', 'urgent', 4, 'Please refund order 1']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from cxml.connectors._base import MAX_BODY_BYTES, VENDORS, WebhookEvent, WriteBack, check_size
from cxml.connectors._read import other_vendor, read_vendor_articles, read_vendor_tickets, vendor_module
from cxml.connectors.client import HelpdeskClient, make_client
from cxml.exceptions import ConnectorError, SignatureError

__all__ = [
    "MAX_BODY_BYTES",
    "VENDORS",
    "ConnectorError",
    "HelpdeskClient",
    "SignatureError",
    "WebhookEvent",
    "WriteBack",
    "make_client",
    "parse_webhook",
    "read_articles",
    "read_tickets",
    "write_back",
]

def read_tickets(data: Any, vendor: str, *, errors: str = "raise", scrub_pii: bool = True,
                 fields: Mapping[Any, str] | None = None, reason_field: str | None = None,
                 tz: str = "UTC") -> pd.DataFrame:
    """Tickets exported from a helpdesk, in the canonical shape of :mod:`cxml.schema`.

    Parameters
    ----------
    data : list, dict, str, path or DataFrame
        What you have: a list of API objects, an API response page or export envelope (Zendesk incremental export
        ``{"tickets": [...], "after_cursor": ..., "end_of_stream": ...}``, Freshdesk ``{"results": [...]}``,
        Intercom ``{"conversations": [...]}``, HubSpot ``{"results": [...]}``, LiveChat ``{"chats": [...]}``),
        a JSON or JSON Lines file, a folder of pages, or the vendor's CSV export (Freshdesk).
    vendor : str
        One of :data:`VENDORS`.
    errors : {"raise", "skip"}, default "raise"
        What a malformed record does: raise :class:`ConnectorError` naming the vendor, record and field, or be
        skipped and reported. Records that are not tickets to learn from (deleted, spam, drafts) are always
        skipped and reported.
    scrub_pii : bool, default True
        Scrub personal data from the free-text columns and the thread (see :func:`cxml.schema.as_tickets`).
    fields : mapping, optional
        Custom field id or key -> column name; a canonical name (``"reason"``, ``"url"``, ``"error_code"``, ...)
        fills that field. Unnamed custom fields become ``cf_<id>`` columns.
    reason_field : str, optional
        Column (after ``fields``) to use as the contact ``reason`` label, e.g. ``"cf_360001"``.
    tz : str, default "UTC"
        Time zone of timestamps written without one (CSV exports); all timestamps come out tz-aware.

    Returns
    -------
    DataFrame
        Canonical columns (``id``, ``subject``, ``body``, ``text``, ``channel``, ``created_at``, ``priority``,
        ``team``, ``agent``, ``customer_id``, ``first_response_at``, ``resolved_at``, ``csat``, ``answer``, ...)
        plus ``thread`` (list of messages: role, public, created_at, author_id, channel, body), ``status``,
        ``tags``, ``priority_raw``, ``channel_raw`` and custom-field columns. ``attrs["skipped"]`` lists the
        skipped records (position, id, reason); a warning is logged when there are any.

    Raises
    ------
    ConnectorError
        With the vendor, the record and the field, for a malformed record (``errors="raise"``), another vendor's
        payload, or data with no tickets.
    """
    return read_vendor_tickets(vendor, data, errors=errors, scrub_pii=scrub_pii, fields=fields,
                               reason_field=reason_field, tz=tz)


def read_articles(data: Any, vendor: str, *, errors: str = "raise") -> pd.DataFrame:
    """Help-centre articles in the canonical shape (``id``, ``title``, ``body``, ``url``, ``language``, ``tags``).

    Zendesk Guide articles, Freshdesk solution articles, Intercom articles and Zammad knowledge-base answers;
    HTML is turned into text, the locale into an ISO 639-1 language code. Drafts are skipped and reported in
    ``attrs["skipped"]``.
    """
    return read_vendor_articles(vendor, data, errors=errors)


def parse_webhook(vendor: str, body: bytes, headers: Mapping[str, str], *, secret: str | None = None,
                  now: float | None = None, tolerance_s: float = 300.0,
                  field_map: Mapping[str, str] | None = None, **kw: Any) -> WebhookEvent:
    """Verify a webhook request's signature and read its event.

    Parameters
    ----------
    vendor : str
        One of :data:`VENDORS`.
    body : bytes
        The raw request body, exactly as received (the signature covers these bytes).
    headers : mapping
        The request headers; names are matched case-insensitively.
    secret : str, optional
        The webhook's signing secret. None skips the check (local testing only).
    now : float, optional
        Current time as epoch seconds (default: the clock), for the replay window.
    tolerance_s : float, default 300
        Replay window: signed timestamps further than this from ``now`` are refused.
    field_map : mapping, optional
        For bodies an admin writes by hand (Zendesk triggers, Freshdesk automations): canonical field -> key path
        in the body (dots for nesting, ``"a|b"`` for the first present).
    **kw
        Vendor extras: HubSpot takes ``method`` and ``url`` (the v3 signature covers them).

    Returns
    -------
    WebhookEvent

    Raises
    ------
    SignatureError
        Missing, wrong or stale signature.
    ConnectorError
        A body over :data:`MAX_BODY_BYTES`, not JSON, or without the fields the event needs.
    """
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError(f"parse_webhook: body must be the raw request bytes, got {type(body).__name__}.")
    module = vendor_module(vendor)
    body = bytes(body)
    check_size(module.NAME, body)
    try:
        other = other_vendor(json.loads(body), module.NAME)
    except (UnicodeDecodeError, json.JSONDecodeError):
        other = None  # the vendor module says what is wrong with it
    if other is not None:
        raise ConnectorError(f"{module.NAME} webhook: the body looks like a payload from {other}; is the {other} "
                             f"webhook pointed at the {module.NAME} endpoint?")
    return module.parse_webhook(body, headers, secret=secret, now=now, tolerance_s=tolerance_s,
                                field_map=field_map, **kw)


def write_back(vendor: str, ticket_id: str, decisions: Mapping[str, Any], **kw: Any) -> WriteBack | None:
    """The vendor's update request for one ticket's decisions; nothing is sent.

    Automatic decisions become fields (priority, group, custom fields) or tags; suggestions and articles an
    internal note; abstentions change nothing (None when nothing changes). Vendor keyword arguments (e.g.
    ``custom_fields={"reason": 360001}``, ``groups={"billing": 42}``) are documented in each vendor module.
    """
    if ticket_id is None or not str(ticket_id).strip():
        raise ConnectorError(f"write_back: {vendor}: ticket_id is empty; pass the id of the ticket to update.")
    return vendor_module(vendor).write_back(str(ticket_id), decisions, **kw)
