"""Reading records with a vendor module: load the pages, map each record, skip or raise, build the frame.

Shared by :func:`cxml.connectors.read_tickets` / :func:`cxml.connectors.read_articles` and each vendor module's
``read_tickets`` / ``read_articles``. Vendor modules are imported by name when first needed (they import this
module, so there is no import cycle).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pandas as pd

from cxml.connectors._base import VENDORS, ReadContext, articles_frame, load_pages, tickets_frame
from cxml.exceptions import ConnectorError

__all__ = ["article_reader", "other_vendor", "read_vendor_articles", "read_vendor_tickets", "ticket_reader",
           "vendor_module"]

#: Vendors with a knowledge base to read articles from.
WITH_ARTICLES = ("zendesk", "freshdesk", "intercom", "zammad")


def vendor_module(vendor: str) -> ModuleType:
    """The module of ``vendor`` (one of :data:`VENDORS`)."""
    if not isinstance(vendor, str) or vendor.strip().lower() not in VENDORS:
        raise ConnectorError(f"unknown vendor {vendor!r}; choose one of {list(VENDORS)}.")
    return importlib.import_module(f"cxml.connectors.{vendor.strip().lower()}")


def other_vendor(record: Any, vendor: str) -> str | None:
    """The vendor whose payload ``record`` looks like, when it is not ``vendor``'s."""
    if isinstance(record, list) and record:
        record = record[0]
    if vendor_module(vendor).looks_like(record):
        return None
    for other in VENDORS:
        if other != vendor and vendor_module(other).looks_like(record):
            return other
    return None


def _record_id(record: Any) -> Any:
    return record.get("id") if isinstance(record, Mapping) else None


def _mapped(mapper: Callable[[Any, ReadContext], dict[str, Any] | None], record: Any,
            ctx: ReadContext) -> dict[str, Any] | None:
    """``mapper(record)``; a malformed record raises, or with ``errors="skip"`` is recorded as skipped."""
    try:
        return mapper(record, ctx)
    except ConnectorError as exc:
        if ctx.errors == "raise":
            raise
        ctx.skip(_record_id(record), str(exc))
        return None


def _check_errors(errors: str) -> None:
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}.")


def read_vendor_tickets(vendor: str, data: Any, *, errors: str = "raise", scrub_pii: bool = True,
                        fields: Mapping[Any, str] | None = None, reason_field: str | None = None,
                        tz: str = "UTC") -> pd.DataFrame:
    """See :func:`cxml.connectors.read_tickets`."""
    _check_errors(errors)
    module = vendor_module(vendor)
    vendor = module.NAME
    ctx = ReadContext(vendor, tz=tz, fields={str(k): v for k, v in (fields or {}).items()},
                      reason_field=reason_field, errors=errors)
    records = module.collect(load_pages(data, vendor), ctx)
    rows = []
    for position, record in enumerate(records):
        ctx.position = position
        other = other_vendor(record, vendor) if isinstance(record, Mapping) else None
        if other is not None:
            raise ConnectorError(
                f"{vendor}: record {position} (id {_record_id(record)!r}) looks like a payload from {other}, not "
                f"{vendor}; call read_tickets(..., vendor={other!r})."
            )
        row = _mapped(module.map_ticket, record, ctx)
        if row is None:
            continue
        if reason_field is not None:
            if reason_field not in row:
                raise ConnectorError(
                    f"{vendor}: record {position}: reason_field {reason_field!r} is not among its fields "
                    f"{sorted(k for k in row if k != 'thread')[:30]}; name a column read_tickets produces.")
            row["reason"] = row[reason_field]
        row["_position"] = position
        rows.append(row)
    if not rows and records:
        other = next((o for o in (other_vendor(r, vendor) for r in records if isinstance(r, Mapping)) if o), None)
        if other:
            raise ConnectorError(f"{vendor}: the data looks like an export from {other}; pass vendor={other!r}.")
    return tickets_frame(rows, ctx, scrub_pii=scrub_pii)


def read_vendor_articles(vendor: str, data: Any, *, errors: str = "raise") -> pd.DataFrame:
    """See :func:`cxml.connectors.read_articles`."""
    _check_errors(errors)
    module = vendor_module(vendor)
    if module.NAME not in WITH_ARTICLES:
        raise ConnectorError(f"{module.NAME} has no knowledge-base articles to read; articles come from "
                             f"{list(WITH_ARTICLES)}.")
    ctx = ReadContext(module.NAME, errors=errors)
    rows = []
    for position, record in enumerate(module.collect_articles(load_pages(data, module.NAME))):
        ctx.position = position
        row = _mapped(module.map_article, record, ctx)
        if row is not None:
            rows.append(row)
    return articles_frame(rows, ctx)


def _reader(read: Callable[..., pd.DataFrame], vendor: str, what: str, label: str,
            module: str) -> Callable[..., pd.DataFrame]:
    """A vendor module's ``read_<what>(data, **options)``: ``read(vendor, data, **options)``."""
    def reader(data: Any, **options: Any) -> pd.DataFrame:
        return read(vendor, data, **options)

    reader.__name__ = reader.__qualname__ = f"read_{what}"
    reader.__doc__ = f"{label} {what} in the canonical shape; options as in cxml.connectors.read_{what}."
    reader.__module__ = module
    return reader


def ticket_reader(vendor: str, label: str, module: str) -> Callable[..., pd.DataFrame]:
    """A vendor module's ``read_tickets(data, **options)``."""
    return _reader(read_vendor_tickets, vendor, "tickets", label, module)


def article_reader(vendor: str, label: str, module: str) -> Callable[..., pd.DataFrame]:
    """A vendor module's ``read_articles(data, **options)``."""
    return _reader(read_vendor_articles, vendor, "articles", label, module)
