"""What every vendor module shares: the result types, record loading, value mapping and the ticket frame.

A vendor module (``zendesk.py``, ``freshdesk.py``, ...) provides the same small surface; the dispatchers in
:mod:`cxml.connectors` and the reading loop in ``_read.py`` use the rest:

``NAME``                                   the vendor name
``read_tickets(data, **options)``          :func:`cxml.connectors.read_tickets` for this vendor
``read_articles(data, **options)``         :func:`cxml.connectors.read_articles` (vendors with a knowledge base)
``collect(pages, ctx) -> list[dict]``      the ticket records of the loaded pages (side data into ``ctx``)
``map_ticket(record, ctx) -> dict | None`` one canonical row (None: skipped, reason recorded in ``ctx``)
``collect_articles(pages) -> list[dict]``  article records (vendors with a knowledge base)
``map_article(record, ctx) -> dict``       one canonical article
``looks_like(record) -> bool``             whether a record is this vendor's (to name the right vendor on error)
``parse_webhook(...) -> WebhookEvent``     verify and read one webhook request
``write_back(ticket_id, decisions, **kw)`` the vendor's update request(s), or None
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from cxml.exceptions import ConnectorError
from cxml.pii import scrub_many
from cxml.schema import as_articles, as_tickets

__all__ = [
    "MAX_BODY_BYTES",
    "VENDORS",
    "CsvRecord",
    "Decisions",
    "FieldPlan",
    "ReadContext",
    "WebhookEvent",
    "WriteBack",
    "article_ok",
    "articles_frame",
    "chain",
    "check_size",
    "csv_text",
    "decide",
    "dig",
    "fail",
    "from_trigger_body",
    "language_code",
    "load_pages",
    "load_webhook_json",
    "map_enum",
    "plan_fields",
    "pseudonym",
    "slug",
    "text_of",
    "thread_entry",
    "thread_summary",
    "tickets_frame",
    "timestamp",
]

logger = logging.getLogger("cxml.connectors")

#: The helpdesks cxml reads and writes.
VENDORS: tuple[str, ...] = ("zendesk", "freshdesk", "intercom", "hubspot", "livechat", "zammad")

#: Largest webhook body read (bytes); larger ones are refused before parsing.
MAX_BODY_BYTES = 10 * 1024 * 1024

#: cxml's channels; vendor values are mapped onto these, unknown values kept raw with a warning.
CHANNELS = ("email", "chat", "web_form", "phone", "social", "sms", "app", "api", "system")


@dataclass(frozen=True)
class WebhookEvent:
    """One verified webhook request.

    Attributes
    ----------
    vendor : str
        The helpdesk.
    event_id : str
        The vendor's delivery or event id (for de-duplication of retried deliveries).
    event_type : str
        The vendor's event name, e.g. ``zen:event-type:ticket.created`` or ``conversation.user.created``.
    ticket : dict or None
        One canonical ticket row (:mod:`cxml.schema` field names), or None when the event carries no ticket.
    ticket_ids : tuple of str
        Ids of the tickets concerned: those to fetch when the event carries only ids (HubSpot), else the ticket's.
    """

    vendor: str
    event_id: str
    event_type: str
    ticket: dict[str, Any] | None
    ticket_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class WriteBack:
    """An update request in the vendor's own API shape; building one sends nothing.

    Attributes
    ----------
    vendor, ticket_id : str
        Where it goes.
    method, path : str
        HTTP method and path relative to the vendor's API base URL, e.g. ``PUT`` ``/api/v2/tickets/35436.json``.
    json : dict
        The request body.
    also : tuple of WriteBack
        Further requests of the same update, sent after this one (a Freshdesk note is a request of its own).
    """

    vendor: str
    ticket_id: str
    method: str
    path: str
    json: dict[str, Any]
    also: tuple[WriteBack, ...] = ()

    def requests(self) -> list[WriteBack]:
        """This request and the ones in :attr:`also`, in the order to send them."""
        return [self, *self.also]


def chain(requests: list[WriteBack]) -> WriteBack | None:
    """The first request with the others in ``also``; None for no requests."""
    if not requests:
        return None
    first, *rest = requests
    return WriteBack(first.vendor, first.ticket_id, first.method, first.path, first.json, tuple(rest))


@dataclass
class CsvRecord:
    """A row of a vendor's CSV export, told apart from an API object."""

    row: dict[str, str]


@dataclass
class ReadContext:
    """State of one ``read_tickets`` / ``read_articles`` call: side data, skips, warnings already given."""

    vendor: str
    tz: str = "UTC"
    fields: Mapping[str, str] = field(default_factory=dict)
    reason_field: str | None = None
    errors: str = "raise"
    side: dict[str, Any] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    warned: set[tuple[str, str]] = field(default_factory=set)
    position: int = 0

    def skip(self, record_id: Any, reason: str) -> None:
        self.skipped.append({"position": self.position, "id": None if record_id is None else str(record_id),
                             "reason": reason})

    def warn_unknown(self, field_name: str, value: Any, known: Iterable[Any]) -> None:
        key = (field_name, repr(value))
        if key in self.warned:
            return
        self.warned.add(key)
        message = (f"{self.vendor}: unknown {field_name} value {value!r} (record {self.position}); kept as it is. "
                   f"Known values: {sorted(map(str, known))}.")
        logger.warning(message)
        warnings.warn(message, UserWarning, stacklevel=4)


def fail(vendor: str, record: str, field_name: str, problem: str, hint: str = "") -> ConnectorError:
    """The one shape of a connector error: vendor, record, field, problem, what to do."""
    return ConnectorError(f"{vendor}: {record}: field {field_name!r} {problem}.{(' ' + hint) if hint else ''}")


def require_object(vendor: str, record: Any, ctx: ReadContext, what: str) -> Mapping[str, Any]:
    """``record`` when it is a JSON object; the connector error naming ``what`` it should be otherwise."""
    if not isinstance(record, Mapping):
        raise fail(vendor, f"record {ctx.position}", what, f"is a {type(record).__name__}, not an object")
    return record


def record_id(vendor: str, record: Any, ctx: ReadContext, what: str) -> str:
    """The ``id`` of a record that must be a JSON object (a ``what``), as a string; a connector error without one."""
    if require_object(vendor, record, ctx, what).get("id") in (None, ""):
        raise fail(vendor, f"record {ctx.position}", "id", "is missing")
    return str(record["id"])


def dig(obj: Any, path: str, default: Any = None) -> Any:
    """``obj["a"]["b"][0]`` for ``"a.b.0"``; ``default`` where the path breaks."""
    current = obj
    for part in path.split("."):
        if isinstance(current, Mapping):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            if not -len(current) <= index < len(current):
                return default
            current = current[index]
        else:
            return default
    return current


def pseudonym(value: Any) -> str | None:
    """A stable pseudonymous customer id for an e-mail address or other identifier (sha256, 16 hex digits)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return "h:" + hashlib.sha256(str(value).strip().lower().encode("utf-8")).hexdigest()[:16]


def _naive_to_tz(ts: pd.Timestamp, tz: str) -> pd.Timestamp:
    return ts.tz_localize(tz) if ts.tzinfo is None else ts


def timestamp(value: Any, ctx: ReadContext | str, record: str, field_name: str) -> pd.Timestamp | None:
    """A tz-aware UTC timestamp from ISO 8601 text, epoch seconds or epoch milliseconds; None when missing.

    Naive text (CSV exports) is read in the context's time zone (``tz=``, default UTC).
    """
    vendor = ctx if isinstance(ctx, str) else ctx.vendor
    tz = "UTC" if isinstance(ctx, str) else ctx.tz
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        if isinstance(value, (int, float)):
            seconds = float(value) / 1000.0 if abs(value) > 1e11 else float(value)
            return pd.Timestamp(datetime.fromtimestamp(seconds, tz=timezone.utc))
        if isinstance(value, str) and re.fullmatch(r"\d{9,13}", value.strip()):
            return timestamp(int(value.strip()), ctx, record, field_name)
        if isinstance(value, str):
            ts = pd.Timestamp(value.strip())
            if pd.isna(ts):
                return None
            return _naive_to_tz(ts, tz).tz_convert("UTC")
        if isinstance(value, (datetime, pd.Timestamp)):
            return _naive_to_tz(pd.Timestamp(value), tz).tz_convert("UTC")
    except (ValueError, TypeError, OverflowError):
        pass
    raise fail(vendor, record, field_name, f"holds {value!r}, which is not a timestamp",
               "Expected ISO 8601 text such as '2024-05-01T08:30:00Z' or epoch seconds.")


def map_enum(value: Any, table: Mapping[Any, str], ctx: ReadContext, field_name: str) -> Any:
    """``table[value]`` (keys compared as lower-case text); an unknown value is kept raw with one warning."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return None
    key = str(value).strip().lower()
    lowered = {str(k).lower(): v for k, v in table.items()}
    if key in lowered:
        return lowered[key]
    ctx.warn_unknown(field_name, value, table.keys())
    return value


def thread_summary(thread: list[dict[str, Any]]) -> dict[str, Any]:
    """``body`` (first customer message), ``answer`` (first public agent reply) and ``first_response_at``."""
    customer = next((m for m in thread if m["role"] == "customer" and m["body"]), None)
    agent = next((m for m in thread if m["role"] == "agent" and m["public"] and m["body"]), None)
    return {
        "body": customer["body"] if customer else "",
        "answer": agent["body"] if agent else None,
        "first_response_at": pd.Timestamp(agent["created_at"]) if agent and agent["created_at"] else None,
    }


def thread_entry(role: str, public: bool, created_at: pd.Timestamp | None, body: str,
                 author_id: Any = None, channel: str | None = None) -> dict[str, Any]:
    """One message of a ticket's thread (``role``: customer, agent, bot or system)."""
    return {
        "role": role,
        "public": bool(public),
        "created_at": None if created_at is None else created_at.isoformat(),
        "author_id": None if author_id is None else str(author_id),
        "channel": channel,
        "body": body,
    }


# ---------------------------------------------------------------------------------------------------------------
# loading what the user has


def _pages(obj: Any) -> list[Any]:
    """One parsed document as pages: a list of envelopes is several pages, anything else one page."""
    if isinstance(obj, list) and obj and all(isinstance(i, (Mapping, list)) for i in obj) and any(
            isinstance(i, Mapping) and _is_envelope(i) for i in obj):
        return list(obj)
    return [obj]


def _read_json_text(text: str, source: str, vendor: str) -> list[Any]:
    try:
        return _pages(json.loads(text))
    except json.JSONDecodeError as first:
        pages = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                pages.append(json.loads(line))
            except json.JSONDecodeError:
                raise ConnectorError(
                    f"{vendor}: {source} is neither JSON nor JSON Lines (line {number}: {first.msg}); pass the "
                    "export file as saved from the API, one JSON document or one object per line."
                ) from None
        return pages


def _read_file(path: Path, vendor: str) -> list[Any]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [[CsvRecord(dict(row)) for row in csv.DictReader(handle)]]
    return _read_json_text(path.read_text(encoding="utf-8"), str(path), vendor)


def load_pages(data: Any, vendor: str) -> list[Any]:
    """The pages of ``data``: API objects, envelopes, a JSON / JSON Lines / CSV file or a folder of them.

    Returns a list whose items are pages (a dict envelope or a list of records).
    """
    if isinstance(data, (str, os.PathLike)) and not (isinstance(data, str) and data.lstrip()[:1] in "[{"):
        path = Path(data)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in
                           (".json", ".jsonl", ".ndjson", ".csv"))
            if not files:
                raise ConnectorError(f"{vendor}: folder {path} holds no .json, .jsonl or .csv pages.")
            return [page for p in files for page in _read_file(p, vendor)]
        if not path.exists():
            raise FileNotFoundError(f"{vendor}: no such file or folder: {path}")
        return _read_file(path, vendor)
    if isinstance(data, (bytes, bytearray)):
        return _read_json_text(bytes(data).decode("utf-8"), "the bytes given", vendor)
    if isinstance(data, str):
        return _read_json_text(data, "the text given", vendor)
    if isinstance(data, pd.DataFrame):
        return [[CsvRecord({str(k): ("" if pd.isna(v) else str(v)) for k, v in row.items()})
                 for row in data.to_dict("records")]]
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, Sequence):
        return _pages(list(data))
    raise ConnectorError(
        f"{vendor}: cannot read {type(data).__name__}; pass a list of API objects, a response page or export "
        "envelope (dict), a JSON / JSON Lines / CSV file path or a folder of pages."
    )


_ENVELOPE_KEYS = ("tickets", "results", "conversations", "chats", "data", "articles", "ticket_events",
                  "satisfaction_ratings", "audits", "freshdesk_webhook", "payload", "assets", "items")


def _is_envelope(obj: Mapping[str, Any]) -> bool:
    return any(k in obj for k in _ENVELOPE_KEYS) and "id" not in obj


def check_size(vendor: str, body: bytes) -> None:
    """Refuse a webhook body over :data:`MAX_BODY_BYTES` before reading it."""
    if len(body) > MAX_BODY_BYTES:
        raise ConnectorError(
            f"{vendor} webhook: body of {len(body):,} bytes is over the {MAX_BODY_BYTES:,}-byte limit; refused "
            "unread. Helpdesk webhooks are far smaller: check what is posting to this endpoint."
        )


def load_webhook_json(vendor: str, body: bytes) -> Any:
    """Parse a webhook body after the size check; a clear error for anything that is not JSON."""
    check_size(vendor, body)
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConnectorError(f"{vendor} webhook: body is not JSON ({exc}); the vendor sends application/json.") from None


def from_trigger_body(vendor: str, obj: Mapping[str, Any], field_map: Mapping[str, str]) -> dict[str, Any]:
    """Read a hand-written trigger body: canonical field -> dotted path in the body."""
    row: dict[str, Any] = {}
    for canonical, paths in field_map.items():
        for path in paths.split("|"):  # "ticket_description|message": the first one present
            value = dig(obj, path.strip())
            if value is not None and value != "":
                row[canonical] = value
                break
    if "id" not in row:
        raise fail(vendor, "webhook body", field_map.get("id", "id"),
                   f"is missing (looked for {field_map.get('id', 'id')!r}; body keys: {sorted(obj)[:20]})",
                   "Put the ticket id placeholder in the trigger body, or pass field_map={'id': '<your key>', ...}.")
    row["id"] = str(row["id"])
    return row


# ---------------------------------------------------------------------------------------------------------------
# frames


def _scrub_thread(rows: list[dict[str, Any]]) -> None:
    bodies = [(i, j) for i, r in enumerate(rows) for j, _ in enumerate(r.get("thread") or [])]
    if not bodies:
        return
    cleaned = scrub_many([rows[i]["thread"][j]["body"] or "" for i, j in bodies])
    for (i, j), text in zip(bodies, cleaned, strict=True):
        rows[i]["thread"][j]["body"] = text


def tickets_frame(rows: list[dict[str, Any]], ctx: ReadContext, *, scrub_pii: bool) -> pd.DataFrame:
    """The canonical ticket frame of the mapped rows, with ``attrs["skipped"]`` and a logged summary."""
    if ctx.skipped:
        reasons = Counter(s["reason"] for s in ctx.skipped)
        summary = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        logger.warning("%s: skipped %d of %d records: %s", ctx.vendor, len(ctx.skipped),
                       len(ctx.skipped) + len(rows), summary)
    if not rows:
        raise ConnectorError(
            f"{ctx.vendor}: no tickets in the data ({len(ctx.skipped)} records skipped"
            + (f": {ctx.skipped[:3]}" if ctx.skipped else "") + "). Check that the file is a "
            f"{ctx.vendor} ticket export, or pass vendor= for the helpdesk it came from."
        )
    if scrub_pii:
        _scrub_thread(rows)
    frame = pd.DataFrame(rows)
    for column in ("tags", "thread"):
        if column in frame.columns:
            frame[column] = [v if isinstance(v, list) else [] for v in frame[column]]
    positions = frame.pop("_position") if "_position" in frame.columns else pd.Series(frame.index)
    dupes = frame["id"][frame["id"].duplicated(keep="last")]
    if len(dupes):  # the same ticket on two export pages (Zendesk cursors may repeat a ticket): keep the latest
        for pos in dupes.index:
            ctx.skipped.append({"position": int(positions[pos]), "id": str(frame.at[pos, "id"]),
                                "reason": "duplicate of a later record (the later version is kept)"})
        frame = frame.drop_duplicates("id", keep="last").reset_index(drop=True)
        logger.warning("%s: %d duplicated ticket ids; the last version of each is kept", ctx.vendor, len(dupes))
    out = as_tickets(frame, require=(), scrub_pii=scrub_pii)
    out.attrs["vendor"] = ctx.vendor
    out.attrs["skipped"] = list(ctx.skipped)
    return out


def articles_frame(rows: list[dict[str, Any]], ctx: ReadContext) -> pd.DataFrame:
    """The canonical article frame, with ``attrs["skipped"]``."""
    if ctx.skipped:
        logger.warning("%s: skipped %d articles: %s", ctx.vendor, len(ctx.skipped),
                       "; ".join(sorted({s["reason"] for s in ctx.skipped})))
    if not rows:
        raise ConnectorError(f"{ctx.vendor}: no articles in the data ({len(ctx.skipped)} records skipped).")
    out = as_articles(pd.DataFrame(rows))
    out.attrs["vendor"] = ctx.vendor
    out.attrs["skipped"] = list(ctx.skipped)
    return out


def article_ok(vendor: str, record: Any, ctx: ReadContext, skip_reason: Callable[[Mapping[str, Any]], str | None],
               what: str = "article") -> bool:
    """Check an article record's id and title; False (recorded as skipped) when ``skip_reason`` names one."""
    if not isinstance(record, Mapping) or record.get("id") in (None, ""):
        raise fail(vendor, f"{what} record {ctx.position}", "id", "is missing")
    if not record.get("title"):
        raise fail(vendor, f"{what} {record['id']}", "title", "is missing or empty")
    reason = skip_reason(record)
    if reason:
        ctx.skip(record["id"], reason)
        return False
    return True


def language_code(locale: Any) -> str | None:
    """``"fi"`` for ``"fi-FI"``, ``"en-us"``, ``"en_GB"``; None when missing."""
    if not isinstance(locale, str) or not locale.strip():
        return None
    return re.split(r"[-_]", locale.strip())[0].lower() or None


def text_of(value: Any) -> str:
    """A text field's value as str (None and non-text become "")."""
    return value if isinstance(value, str) else ("" if value is None else str(value))


# ---------------------------------------------------------------------------------------------------------------
# decisions -> update


@dataclass
class Decisions:
    """One row of ``Triage.predict`` / ``HelpdeskModel`` output, split into what to set and what to suggest."""

    auto: dict[str, str]
    suggest: dict[str, list[tuple[str, float]]]
    confidence: dict[str, float]
    articles: list[dict[str, Any]]

    @classmethod
    def of(cls, decisions: Mapping[str, Any]) -> Decisions:
        if not isinstance(decisions, Mapping):
            raise ConnectorError(
                f"write_back: decisions must be one row of Triage.predict as a dict, got {type(decisions).__name__}; "
                "pass e.g. predictions.iloc[0].to_dict()."
            )
        targets = [k[: -len("_action")] for k in decisions if isinstance(k, str) and k.endswith("_action")]
        auto: dict[str, str] = {}
        suggest: dict[str, list[tuple[str, float]]] = {}
        confidence: dict[str, float] = {}
        for target in targets:
            action = decisions.get(f"{target}_action")
            label = decisions.get(target)
            conf = decisions.get(f"{target}_confidence")
            if isinstance(conf, (int, float)) and not math.isnan(float(conf)):
                confidence[target] = float(conf)
            if action == "auto" and label is not None and str(label).strip():
                auto[target] = str(label)
            elif action == "suggest":
                suggest[target] = _top3(decisions.get(f"{target}_top3"), label)
            elif action not in ("abstain", "auto", None):
                raise ConnectorError(
                    f"write_back: decisions[{target + '_action'!r}] is {action!r}; expected 'auto', 'suggest' or "
                    "'abstain'."
                )
        articles = [a for a in (decisions.get("articles") or []) if isinstance(a, Mapping)]
        return cls(auto, suggest, confidence, [dict(a) for a in articles])

    @property
    def empty(self) -> bool:
        return not (self.auto or self.suggest or self.articles)

    def note(self, *, html: bool = False) -> str | None:
        """The internal note for the agent: suggestions with their probabilities, then articles."""
        lines: list[str] = []
        for target, options in self.suggest.items():
            shown = ", ".join(label if math.isnan(p) else f"{label} ({p:.0%})" for label, p in options) or "(none)"
            lines.append(f"cxml suggests {target}: {shown}")
        for target, label in self.auto.items():
            conf = self.confidence.get(target)
            lines.append(f"cxml set {target} to {label}" + (f" ({conf:.0%} confident)" if conf is not None else ""))
        if self.articles:
            lines.append("Articles that may answer this ticket:")
            for a in self.articles[:5]:
                score = a.get("score")
                lines.append(f"- {a.get('title', '(untitled)')}: {a.get('url') or a.get('article_id', '')}"
                             + (f" (score {float(score):.2f})" if isinstance(score, (int, float)) else ""))
        if not (self.suggest or self.articles):
            return None
        if html:
            return "".join(f"<p>{escape(line)}</p>" for line in lines)
        return "\n".join(lines)


def _top3(value: Any, label: Any) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    if hasattr(value, "tolist"):  # numpy arrays, e.g. after a Parquet round trip
        value = value.tolist()
    for item in value if isinstance(value, (list, tuple)) else []:
        if hasattr(item, "tolist"):
            item = item.tolist()
        if isinstance(item, Mapping):
            name, p = item.get("label"), item.get("probability", item.get("score", 0.0))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            name, p = item
        else:
            continue
        try:
            out.append((str(name), float(p)))
        except (TypeError, ValueError):
            continue
    if not out and label is not None:
        out.append((str(label), float("nan")))
    return out


def slug(label: str) -> str:
    """A tag-safe form of a label: ``"Billing & invoices"`` -> ``"billing_invoices"``."""
    return re.sub(r"[^0-9a-z]+", "_", str(label).lower()).strip("_") or "x"


def csv_text(record: CsvRecord, *names: str) -> str | None:
    """The first non-empty of the CSV columns ``names``."""
    for name in names:
        value = record.row.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


@dataclass
class FieldPlan:
    """What an update sets: a vendor priority value, a group, custom fields and tags, from the auto decisions."""

    priority: Any = None
    group: Any = None
    custom: dict[Any, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def decide(vendor: str, decisions: Mapping[str, Any], *, priorities: Mapping[str, Any] | None,
           custom_fields: Mapping[str, Any] | None = None, groups: Mapping[str, Any] | None = None,
           tag_prefix: str = "cxml_") -> tuple[Decisions, FieldPlan] | None:
    """The decisions and the fields they set, or None when every decision abstains (nothing to write)."""
    dec = Decisions.of(decisions)
    if dec.empty:
        return None
    return dec, plan_fields(vendor, dec, priorities=priorities, custom_fields=custom_fields, groups=groups,
                            tag_prefix=tag_prefix)


def plan_fields(vendor: str, dec: Decisions, *, priorities: Mapping[str, Any] | None,
                custom_fields: Mapping[str, Any] | None = None, groups: Mapping[str, Any] | None = None,
                tag_prefix: str = "cxml_") -> FieldPlan:
    """Split the automatic decisions into the vendor's fields.

    ``priority`` goes to the vendor's priority field through ``priorities`` (cxml level -> vendor value);
    ``team`` to a group when ``groups`` maps the label; a target named in ``custom_fields`` to that field;
    everything else becomes a tag ``<tag_prefix><target>_<label>``.
    """
    plan = FieldPlan()
    custom_fields = custom_fields or {}
    for target, label in dec.auto.items():
        if target in custom_fields:
            plan.custom[custom_fields[target]] = label
        elif target == "priority" and priorities is not None:
            key = label.strip().lower()
            if key not in priorities:
                raise ConnectorError(
                    f"write_back: {vendor}: decisions['priority'] is {label!r}, which is not one of cxml's priority "
                    f"levels {sorted(priorities)}; map it with custom_fields={{'priority': <field>}} instead."
                )
            plan.priority = priorities[key]
        elif target == "team" and groups and label in groups:
            plan.group = groups[label]
        else:
            plan.tags.append(f"{tag_prefix}{slug(target)}_{slug(label)}")
    if dec.auto:
        plan.tags.append(f"{tag_prefix}auto")
    return plan
