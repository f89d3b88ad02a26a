"""``cxml sync``: pull new tickets, score them, write the decisions back, each ticket once.

How "once" holds across 429s, 5xx answers, crashes and kills:

* the cursor of the page being worked on, the tickets done on it and the write in flight live in a state file
  saved atomically after every step (:class:`cxml.connectors.client.CursorState`);
* every update cxml sends adds the tag :data:`MARKER_TAG` to the ticket, so the helpdesk itself records which
  tickets cxml has written; tickets that carry it (they come back in the incremental export because cxml
  updated them) are skipped;
* before a write the ticket id is saved as pending; after a crash the pending ticket is looked up and the write
  is sent again only if the marker is not on it. A write that failed with a 5xx or a lost connection is checked
  the same way before it is retried.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxml.connectors import read_tickets, write_back
from cxml.connectors._base import WriteBack, chain
from cxml.connectors.client import CursorState, HelpdeskClient
from cxml.exceptions import ConnectorError

__all__ = ["MARKER_TAG", "SyncReport", "run_sync"]

logger = logging.getLogger("cxml.connectors.sync")

#: Tag added by every update cxml sync sends: the helpdesk's own record that a ticket was written.
MARKER_TAG = "cxml_triaged"
_CLOSED = {"zendesk": {"solved", "closed", "deleted"}, "freshdesk": {"4", "5"}}


@dataclass
class SyncReport:
    """What a sync run did."""

    pages: int = 0
    seen: int = 0
    scored: int = 0
    written: int = 0
    unchanged: int = 0
    skipped: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)


def _tags(record: Mapping[str, Any]) -> list[str]:
    return [str(t) for t in record.get("tags") or []]


def _with_marker(vendor: str, wb: WriteBack, record: Mapping[str, Any]) -> WriteBack:
    """The update with :data:`MARKER_TAG` added to the ticket's tags."""
    requests = wb.requests()
    if vendor == "zendesk":
        first = requests[0]
        ticket = dict(first.json["ticket"])
        ticket["additional_tags"] = list(dict.fromkeys([*ticket.get("additional_tags", []), MARKER_TAG]))
        requests[0] = WriteBack(first.vendor, first.ticket_id, first.method, first.path, {"ticket": ticket})
    else:
        path = f"/api/v2/tickets/{wb.ticket_id}"
        put = next((i for i, r in enumerate(requests) if r.method == "PUT" and r.path == path), None)
        if put is None:
            requests.insert(0, WriteBack(vendor, wb.ticket_id, "PUT", path, {"tags": [*_tags(record), MARKER_TAG]}))
        else:
            body = dict(requests[put].json)
            body["tags"] = list(dict.fromkeys([*body.get("tags", _tags(record)), MARKER_TAG]))
            requests[put] = WriteBack(vendor, wb.ticket_id, "PUT", path, body)
    out = chain(requests)
    assert out is not None  # requests is never empty here
    return out


def _articles(model: Any, texts: list[str], k: int) -> list[list[dict[str, Any]]]:
    kb = getattr(model, "knowledge", None)
    if kb is None or k < 1 or getattr(kb, "articles_", None) is None:
        return [[] for _ in texts]
    found = kb.suggest_many(texts, k=k)
    out: list[list[dict[str, Any]]] = [[] for _ in texts]
    for row in found.itertuples():
        out[int(row.query)].append({"article_id": row.article_id, "title": row.title, "url": row.url,
                                    "score": float(row.score)})
    return out


def run_sync(client: HelpdeskClient, model: Any, state_path: str | Path, *, dry_run: bool = True,
             write_options: Mapping[str, Any] | None = None, max_pages: int | None = None, k_articles: int = 0,
             echo: Callable[[str], None] = print) -> SyncReport:
    """Pull new tickets from ``client``, score them with ``model`` and write the decisions back.

    Parameters
    ----------
    client : HelpdeskClient
        A Zendesk or Freshdesk client (:func:`cxml.connectors.make_client`).
    model : Triage or HelpdeskModel
        Anything with ``predict(tickets)`` returning triage decisions; a ``knowledge`` base, when present, adds
        ``k_articles`` articles to the note.
    state_path : path
        The sync's state file (cursor, progress); created on the first run.
    dry_run : bool, default True
        Print the updates instead of sending them; the state file is left as it was.
    write_options : mapping, optional
        Keyword arguments for :func:`cxml.connectors.write_back` (``custom_fields``, ``groups``, ...).
    max_pages : int, optional
        Stop after this many pages (default: until the end of the stream).

    Returns
    -------
    SyncReport
    """
    vendor = client.vendor
    report = SyncReport()
    options = dict(write_options or {})
    work_dir = None
    if dry_run:  # work on a copy so that a dry run moves no cursor
        work_dir = tempfile.mkdtemp(prefix="cxml-sync-")
        copy = Path(work_dir) / "state.json"
        if Path(state_path).exists():
            shutil.copyfile(state_path, copy)
        state_path = copy
    try:
        _resolve_pending(client, CursorState.load(state_path, vendor), dry_run)
        for page in client.iter_new_tickets(state_path, max_pages=max_pages):
            report.pages += 1
            _sync_page(client, model, page.tickets, vendor, options, dry_run, k_articles, report, echo)
    finally:
        if work_dir is not None:
            shutil.rmtree(work_dir, ignore_errors=True)
    return report


def _applied(client: HelpdeskClient, ticket_id: str) -> bool:
    return MARKER_TAG in _tags(client.fetch_ticket(ticket_id))


def _resolve_pending(client: HelpdeskClient, state: CursorState, dry_run: bool) -> None:
    """After a crash mid-write: was the pending update applied? If so, count the ticket as done."""
    if state.pending is None or dry_run:
        return
    if _applied(client, state.pending):
        logger.info("%s: the update of ticket %s had landed before the interruption", client.vendor, state.pending)
        state.mark_done(state.pending, wrote=True)
    else:
        state.pending = None
        state.save()


def _sync_page(client: HelpdeskClient, model: Any, records: list[dict[str, Any]], vendor: str,
               options: dict[str, Any], dry_run: bool, k_articles: int, report: SyncReport,
               echo: Callable[[str], None]) -> None:
    state = client.state
    assert state is not None  # set by iter_new_tickets
    report.seen += len(records)
    todo = []
    for record in records:
        tid = str(record.get("id"))
        if MARKER_TAG in _tags(record) or str(record.get("status")).lower() in _CLOSED[vendor]:
            report.skipped += 1
            if not dry_run:
                state.mark_done(tid, wrote=False)
            continue
        todo.append(record)
    if not todo:
        return
    try:
        frame = read_tickets(todo, vendor, errors="skip")
    except ConnectorError as exc:
        logger.warning("%s: no ticket on this page could be read: %s", vendor, exc)
        report.skipped += len(todo)
        return
    for skipped in frame.attrs.get("skipped", []):
        logger.warning("%s: ticket %s not scored: %s", vendor, skipped.get("id"), skipped.get("reason"))
        report.skipped += 1
        if not dry_run and skipped.get("id"):
            state.mark_done(str(skipped["id"]), wrote=False)
    decisions = model.predict(frame)
    articles = _articles(model, frame["text"].tolist(), k_articles)
    by_id = {str(r.get("id")): r for r in todo}
    for i, tid in enumerate(frame["id"].astype(str).tolist()):
        report.scored += 1
        row = decisions.iloc[i].to_dict()
        if articles[i]:
            row["articles"] = articles[i]
        extra = dict(options)
        if vendor == "freshdesk":
            extra.setdefault("current_tags", _tags(by_id[tid]))
        wb = write_back(vendor, tid, row, **extra)
        if wb is None:
            report.unchanged += 1
            if not dry_run:
                state.mark_done(tid, wrote=False)
            continue
        wb = _with_marker(vendor, wb, by_id[tid])
        report.changes.append({"ticket_id": tid, "requests": [
            {"method": r.method, "path": r.path, "json": r.json} for r in wb.requests()]})
        if dry_run:
            for r in wb.requests():
                echo(f"would {r.method} {r.path} {json.dumps(r.json, ensure_ascii=False, default=str)}")
            continue
        state.mark_pending(tid)
        client.send(wb, already_applied=lambda tid=tid: _applied(client, tid))
        state.mark_done(tid, wrote=True)
        report.written += 1
        echo(f"updated {vendor} ticket {tid}")
