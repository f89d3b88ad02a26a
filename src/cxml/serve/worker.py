"""The webhook worker: takes events from the durable queue, triages them and writes back through a connector.

One thread, so write-backs leave in order and the model is never asked twice at once from here. A failed
attempt is retried with exponential backoff; after ``max_attempts`` the event goes to the dead-letter table.
Write-back is a dry run unless enabled: the write-back that *would* be sent is recorded in the queue's
``writebacks`` table, nothing leaves the machine.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cxml.connectors import WriteBack
from cxml.serve.holder import ServingModel
from cxml.serve.metrics import ServiceMetrics
from cxml.serve.queue import QueuedEvent, WebhookQueue

__all__ = ["VendorConfig", "WebhookWorker", "idempotency_key"]

log = logging.getLogger("cxml.serve")

# what of a webhook's ticket row goes into triage (threads, tags and timestamps do not)
_TICKET_INPUT = ("id", "subject", "body", "text", "language", "channel", "segment", "url", "page_title",
                 "error_code", "error_message", "customer_id")


@dataclass(frozen=True)
class VendorConfig:
    """What the service knows about one helpdesk vendor. ``repr`` hides the secrets."""

    secret: str | None = None
    base_url: str | None = None
    token: str | None = None
    email: str | None = None

    def __repr__(self) -> str:
        return (f"VendorConfig(secret={'***' if self.secret else None}, base_url={self.base_url!r}, "
                f"token={'***' if self.token else None}, email={'***' if self.email else None})")


def idempotency_key(vendor: str, event_id: str, ticket_id: str) -> str:
    """The key sent with a write-back, the same on every attempt, so a helpdesk can drop a repeat."""
    return f"cxml-{vendor}-{event_id}-{ticket_id}"


class WebhookWorker:
    """Process queued webhook events in a background thread.

    Parameters
    ----------
    queue : WebhookQueue
    model : callable
        Returns the serving model (called per event, so a reload takes effect for the next event).
    connectors : module
        ``cxml.connectors`` (``write_back`` and ``make_client``).
    vendors : mapping of str to VendorConfig
    writeback : bool, default=False
        Send write-backs to the helpdesks (needs ``base_url`` and ``token`` per vendor); False records them only.
    metrics : ServiceMetrics, optional
    poll_s : float, default=0.2
        How long the worker sleeps when the queue is empty (an enqueue wakes it at once).
    batch_size : int, default=32
        Events taken at once: their tickets are triaged and searched in one call each, then written back one
        by one (each event's state is committed on its own).
    wake : event, optional
        What an enqueue sets to wake the worker (``wait``, ``set``, ``clear``): a ``threading.Event`` by default,
        a ``multiprocessing`` one when the worker runs in a child process.
    """

    def __init__(self, queue: WebhookQueue, model: Callable[[], ServingModel], connectors: Any,
                 vendors: Mapping[str, VendorConfig], *, writeback: bool = False,
                 metrics: ServiceMetrics | None = None, poll_s: float = 0.2, batch_size: int = 32,
                 wake: Any = None) -> None:
        self.queue = queue
        self.model = model
        self.connectors = connectors
        self.vendors = dict(vendors)
        self.writeback = writeback
        self.metrics = metrics
        self.poll_s = poll_s
        self.batch_size = int(batch_size)
        self.wake = wake if wake is not None else threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._clients: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> dict[str, int]:
        """Recover what a crash left behind and start the thread; returns :meth:`WebhookQueue.recover`'s counts."""
        recovered = self.queue.recover()
        if recovered["requeued"] or recovered["in_doubt"]:
            log.warning("webhook queue after restart: %(requeued)d events requeued, %(in_doubt)d in doubt "
                        "(re-sent with their idempotency key)", recovered)
        self._thread = threading.Thread(target=self._loop, name="cxml-webhook-worker", daemon=True)
        self._thread.start()
        return recovered

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current event and stop."""
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            events: list[QueuedEvent] = []
            try:
                while len(events) < self.batch_size:
                    event = self.queue.claim()
                    if event is None:
                        break
                    events.append(event)
            except Exception:  # a locked or broken database: log, wait, try again
                log.exception("webhook worker: cannot read the queue")
            if not events:
                self.wake.wait(self.poll_s)
                self.wake.clear()
                continue
            decided = self._decide_many(events)
            for event in events:
                self.process(event, decided.get(event.row))

    # ------------------------------------------------------------------ one event
    def process(self, event: QueuedEvent, decided: tuple[dict[str, Any], list[Any]] | None = None) -> str:
        """Triage one event (unless ``decided`` already holds its result and write-backs) and write back;
        returns the event's new state."""
        try:
            result, writebacks = decided if decided is not None else self._decide(event)
        except Exception as exc:
            return self._failed(event, f"triage failed: {type(exc).__name__}: {exc}")
        if not writebacks:
            self.queue.complete(event.row, result)
            return "done"
        if not self.writeback:
            self.queue.complete(event.row, result, [_record(wb, dry_run=True) for wb in writebacks])
            self._count(event.vendor, "dry_run", len(writebacks))
            return "done"
        if not event.in_doubt:
            self.queue.mark_sending(event.row, [_record(wb, dry_run=False) for wb in writebacks])
        elif event.intended:  # what was committed before the crash, not what a new decision would send
            writebacks = [_from_record(r) for r in event.intended]
        try:
            client = self._client(event.vendor)
            for wb in writebacks:
                if event.in_doubt and _landed(client, wb):
                    log.info("webhook event %s/%s: the write-back to ticket %s had landed before the restart; "
                             "not sent again", event.vendor, event.event_id, wb.ticket_id)
                    self._count(event.vendor, "landed_before_crash", 1)
                    continue
                self._send(client, wb, idempotency_key(event.vendor, event.event_id, wb.ticket_id))
        except Exception as exc:
            self._count(event.vendor, "error", 1)
            return self._failed(event, f"write-back failed: {type(exc).__name__}: {exc}")
        self.queue.complete(event.row, result, [_record(wb, dry_run=False) for wb in writebacks])
        self._count(event.vendor, "sent", len(writebacks))
        return "done"

    def _failed(self, event: QueuedEvent, error: str) -> str:
        state = self.queue.fail(event.row, error, event.attempts)
        level = logging.ERROR if state == "dead" else logging.WARNING
        log.log(level, "webhook event %s/%s attempt %d: %s%s", event.vendor, event.event_id, event.attempts,
                error, " -> dead-letter table" if state == "dead" else " (will retry)")
        return state

    def _decide(self, event: QueuedEvent) -> tuple[dict[str, Any], list[Any]]:
        return self._decide_many([event], strict=True)[event.row]

    def _decide_many(self, events: list[QueuedEvent], *, strict: bool = False,
                     ) -> dict[int, tuple[dict[str, Any], list[Any]]]:
        """Results and write-backs of several events, their tickets triaged and searched in one call each.

        When the batch fails, each event is decided alone (``strict``: the error is raised), so one bad ticket
        fails only its own event.
        """
        out: dict[int, tuple[dict[str, Any], list[Any]]] = {}
        todo: list[tuple[QueuedEvent, dict[str, Any], list[str]]] = []
        model = self.model()
        for event in events:
            ticket = event.payload.get("ticket")
            ids = [str(t) for t in event.payload.get("ticket_ids") or ()]
            if not ticket or not any(str(ticket.get(c) or "").strip() for c in ("text", "subject", "body")):
                out[event.row] = ({"skipped": "the event carries no ticket text to triage",
                                   "event_type": event.event_type}, [])
                continue
            if not ids and ticket.get("id") is not None:
                ids = [str(ticket["id"])]
            # the ticket's current labels (its priority now) are no input: the model predicts them
            todo.append((event, {k: v for k, v in ticket.items() if k in _TICKET_INPUT and k not in model.targets},
                         ids))
        if not todo:
            return out
        try:
            tickets = [t for _, t, _ in todo]
            rows = model.triage_rows(tickets)
            articles: list[list[dict[str, Any]]] = [[] for _ in todo]
            if model.knowledge is not None:
                found = model.knowledge.suggest_many(tickets, k=3)
                for r in found.to_dict("records"):
                    articles[int(r["query"])].append({c: json_value(r[c]) for c in ("article_id", "title", "url",
                                                                                 "score")})
            for (event, _, ids), row, arts in zip(todo, rows, articles, strict=True):
                decisions = {k: json_value(v) for k, v in row.items()}
                if model.knowledge is not None:
                    decisions["articles"] = arts
                if self.metrics is not None:
                    for target in model.targets:
                        self.metrics.decisions.labels(target, str(decisions.get(f"{target}_action"))).inc()
                writebacks = [wb for wb in (self.connectors.write_back(event.vendor, tid, decisions) for tid in ids)
                              if wb is not None]
                out[event.row] = ({"model": model.version, "decisions": decisions, "ticket_ids": ids}, writebacks)
        except Exception:
            if strict or len(todo) == 1:
                if strict:
                    raise
                return out  # process() decides it alone and records the error
            for event, _, _ in todo:
                try:
                    out[event.row] = self._decide(event)
                except Exception:
                    out.pop(event.row, None)  # process() decides it again and records the error
        return out

    def _client(self, vendor: str) -> Any:
        if vendor not in self._clients:
            cfg = self.vendors.get(vendor) or VendorConfig()
            if not cfg.base_url or not cfg.token:
                raise RuntimeError(f"write-back to {vendor} needs its base URL and token: start cxml serve with "
                                   f"--writeback-url {vendor}=URL --writeback-token-env {vendor}=ENVVAR")
            # the client fails fast; the queue retries with its own backoff, so other events are not held up
            kwargs: dict[str, Any] = {"max_retries": 1, "backoff_s": 0.2, "max_wait_s": 60.0}
            if cfg.email:
                kwargs["email"] = cfg.email
            self._clients[vendor] = self.connectors.make_client(vendor, base_url=cfg.base_url, token=cfg.token,
                                                                **kwargs)
        return self._clients[vendor]

    @staticmethod
    def _send(client: Any, wb: Any, key: str) -> Any:
        params: Mapping[str, inspect.Parameter]
        try:
            params = inspect.signature(client.send).parameters
        except (TypeError, ValueError):  # pragma: no cover - builtins
            params = {}
        kwargs: dict[str, Any] = {}
        if "idempotency_key" in params:
            kwargs["idempotency_key"] = key
        if "already_applied" in params:  # asked by the client before re-sending after a 5xx or lost connection
            kwargs["already_applied"] = lambda: bool(_landed(client, wb))
        return client.send(wb, **kwargs)

    def _count(self, vendor: str, outcome: str, n: int) -> None:
        if self.metrics is not None and n:
            self.metrics.writebacks.labels(vendor, outcome).inc(n)


def _added_tags(wb: Any) -> list[str]:
    """The tags a write-back adds (Zendesk ``ticket.additional_tags``, or a top-level ``tags``), if any."""
    body = wb.json if isinstance(wb.json, dict) else {}
    ticket: dict[str, Any] = body["ticket"] if isinstance(body.get("ticket"), dict) else {}
    tags = ticket.get("additional_tags") or ticket.get("tags") or body.get("tags") or []
    return [str(t) for t in tags] if isinstance(tags, (list, tuple)) else []


def _comment(wb: Any) -> str | None:
    body = wb.json if isinstance(wb.json, dict) else {}
    ticket: dict[str, Any] = body["ticket"] if isinstance(body.get("ticket"), dict) else {}
    comment: dict[str, Any] = ticket["comment"] if isinstance(ticket.get("comment"), dict) else {}
    text = comment.get("body") or comment.get("html_body")
    return str(text) if text else None


def _landed(client: Any, wb: Any) -> bool:
    """Whether the helpdesk already shows a write-back: every tag it adds is on the ticket, and the note it adds
    is among the ticket's comments (read back through the client: Zendesk's ticket and comments endpoints).

    Asked only for an event whose write-back was in flight when the service stopped (and by the client before it
    re-sends after a 5xx). Where this cannot be known (a vendor whose client cannot read a ticket back) the
    answer is False and the write-back is sent again: at least once, never lost.
    """
    tags, note = _added_tags(wb), _comment(wb)
    fetch = getattr(client, "fetch_ticket", None)
    if fetch is None or not (tags or note) or (note and not hasattr(client, "get_json")):
        return False
    try:
        if tags:
            have = {str(t) for t in fetch(wb.ticket_id).get("tags") or []}
            if not set(tags) <= have:
                return False
        if note:
            listing = client.get_json(f"/api/v2/tickets/{wb.ticket_id}/comments.json")
            bodies = {str(c.get("body") or c.get("html_body") or "") for c in listing.get("comments") or []}
            if note not in bodies:
                return False
    except Exception as exc:  # the vendor's client cannot read tickets back, or the helpdesk is down
        log.info("cannot check whether the write-back to ticket %s landed (%s); sending it", wb.ticket_id, exc)
        return False
    return True


def _record(wb: Any, *, dry_run: bool) -> dict[str, Any]:
    """A write-back as the queue records it (its follow-up requests, if any, inside ``json``)."""
    body = asdict(wb)
    return {"vendor": wb.vendor, "ticket_id": wb.ticket_id, "method": wb.method, "path": wb.path,
            "json": {"json": body["json"], "also": body.get("also") or []}, "dry_run": dry_run}


def _from_record(record: dict[str, Any]) -> Any:
    """The write-back a :func:`_record` describes (with its follow-up requests)."""
    def build(d: dict[str, Any], also: list[dict[str, Any]]) -> WriteBack:
        return WriteBack(vendor=d["vendor"], ticket_id=str(d["ticket_id"]), method=d["method"], path=d["path"],
                         json=d["json"], also=tuple(build(a, a.get("also") or []) for a in also))

    inner = record["json"]
    return build({**record, "json": inner["json"]}, inner.get("also") or [])


def json_value(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, tuples to lists, NaN to None."""
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
