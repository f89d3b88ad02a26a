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

from cxml.serve.holder import ServingModel
from cxml.serve.metrics import ServiceMetrics
from cxml.serve.queue import QueuedEvent, WebhookQueue

__all__ = ["VendorConfig", "WebhookWorker", "idempotency_key"]

log = logging.getLogger("cxml.serve")


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
    """

    def __init__(self, queue: WebhookQueue, model: Callable[[], ServingModel], connectors: Any,
                 vendors: Mapping[str, VendorConfig], *, writeback: bool = False,
                 metrics: ServiceMetrics | None = None, poll_s: float = 0.2) -> None:
        self.queue = queue
        self.model = model
        self.connectors = connectors
        self.vendors = dict(vendors)
        self.writeback = writeback
        self.metrics = metrics
        self.poll_s = poll_s
        self.wake = threading.Event()
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
            try:
                event = self.queue.claim()
            except Exception:  # a locked or broken database: log, wait, try again
                log.exception("webhook worker: cannot read the queue")
                self._stop.wait(1.0)
                continue
            if event is None:
                self.wake.wait(self.poll_s)
                self.wake.clear()
                continue
            self.process(event)

    # ------------------------------------------------------------------ one event
    def process(self, event: QueuedEvent) -> str:
        """Triage one event and write back; returns the event's new state."""
        try:
            result, writebacks = self._decide(event)
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
            self.queue.mark_sending(event.row)
        try:
            client = self._client(event.vendor)
            for wb in writebacks:
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

    def _decide(self, event: QueuedEvent) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        ticket = event.payload.get("ticket")
        ids = [str(t) for t in event.payload.get("ticket_ids") or ()]
        if not ticket or not any(str(ticket.get(c) or "").strip() for c in ("text", "subject", "body")):
            return {"skipped": "the event carries no ticket text to triage", "event_type": event.event_type}, []
        if not ids and ticket.get("id") is not None:
            ids = [str(ticket["id"])]
        model = self.model()
        row = model.triage_rows([ticket])[0]
        decisions = {k: _plain(v) for k, v in row.items()}
        if self.metrics is not None:
            for target in model.targets:
                self.metrics.decisions.labels(target, str(decisions.get(f"{target}_action"))).inc()
        if model.knowledge is not None:
            found = model.knowledge.suggest(ticket, k=3, language=ticket.get("language") or None)
            decisions["articles"] = [{c: _plain(r[c]) for c in ("article_id", "title", "url", "score")}
                                     for r in found.to_dict("records")]
        writebacks = []
        for tid in ids:
            wb = self.connectors.write_back(event.vendor, tid, decisions)
            if wb is not None:
                writebacks.append(wb)
        return {"model": model.version, "decisions": decisions, "ticket_ids": ids}, writebacks

    def _client(self, vendor: str) -> Any:
        if vendor not in self._clients:
            cfg = self.vendors.get(vendor) or VendorConfig()
            if not cfg.base_url or not cfg.token:
                raise RuntimeError(f"write-back to {vendor} needs its base URL and token: start cxml serve with "
                                   f"--writeback-url {vendor}=URL --writeback-token-env {vendor}=ENVVAR")
            kwargs = {"email": cfg.email} if cfg.email else {}
            self._clients[vendor] = self.connectors.make_client(vendor, base_url=cfg.base_url, token=cfg.token,
                                                                **kwargs)
        return self._clients[vendor]

    @staticmethod
    def _send(client: Any, wb: Any, key: str) -> Any:
        try:
            params = inspect.signature(client.send).parameters
        except (TypeError, ValueError):  # pragma: no cover - builtins
            params = {}
        if "idempotency_key" in params:
            return client.send(wb, idempotency_key=key)
        return client.send(wb)

    def _count(self, vendor: str, outcome: str, n: int) -> None:
        if self.metrics is not None and n:
            self.metrics.writebacks.labels(vendor, outcome).inc(n)


def _record(wb: Any, *, dry_run: bool) -> dict[str, Any]:
    """A write-back as the queue records it (its follow-up requests, if any, inside ``json``)."""
    body = asdict(wb)
    return {"vendor": wb.vendor, "ticket_id": wb.ticket_id, "method": wb.method, "path": wb.path,
            "json": {"json": body["json"], "also": body.get("also") or []}, "dry_run": dry_run}


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, tuples to lists, NaN to None."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
