"""A durable webhook queue in SQLite (WAL mode): nothing acknowledged is lost, nothing is processed twice.

An event is acknowledged (202) only after its row is committed, so a crash after the answer loses nothing;
``(vendor, event_id)`` is unique, so a helpdesk's retry of the same event is recognised and dropped. The worker
moves each event through ``pending -> processing -> sending -> done``; ``sending`` is committed *before* the
write-back leaves, so after a crash the events that may already have been written back are known ("in doubt")
and are re-sent with the same idempotency key rather than blindly. An event that keeps failing goes to the
dead-letter table after ``max_attempts``; ``cxml serve --dead-letters`` lists it.

WAL with ``synchronous=NORMAL`` survives a killed process (SIGKILL) without losing a committed row; only a power
cut can lose the last transactions. Use ``durable="full"`` for ``synchronous=FULL`` where that matters.

The same file keeps the feedback the widget and agents send (``POST /v1/feedback``), the write-backs that were
sent (or, in dry-run mode, would have been), for :meth:`feedback_frame` and audits.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["WebhookQueue", "QueuedEvent", "STATES"]

#: The states of a queued event.
STATES = ("pending", "processing", "sending", "done", "dead")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    vendor TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    received_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_error TEXT,
    result TEXT,
    UNIQUE (vendor, event_id)
);
CREATE INDEX IF NOT EXISTS events_due ON events (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_row INTEGER NOT NULL UNIQUE,
    vendor TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    failed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS writebacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_row INTEGER NOT NULL,
    vendor TEXT NOT NULL,
    ticket_id TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    dry_run INTEGER NOT NULL,
    sent_at REAL NOT NULL,
    UNIQUE (event_row, ticket_id)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    article_id TEXT,
    ticket_id TEXT,
    text TEXT,
    labels TEXT,
    context TEXT,
    source TEXT,
    model TEXT,
    received_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class QueuedEvent:
    """One event taken from the queue by the worker."""

    row: int
    vendor: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    attempts: int
    in_doubt: bool
    """True when a previous attempt crashed after committing ``sending``: the write-back may have arrived."""
    intended: list[dict[str, Any]] | None = None
    """For an in-doubt event: the write-backs committed with ``sending`` (as :meth:`WebhookQueue.mark_sending`
    got them), the ones to check and send, never a decision made again (it may round differently)."""


class WebhookQueue:
    """The service's durable store: webhook events, dead letters, write-backs and feedback.

    Parameters
    ----------
    path : str or Path
        The SQLite file (created with its folder).
    max_attempts : int, default=5
        Attempts before an event goes to the dead-letter table.
    backoff_s : float, default=1.0
        First retry delay; doubled on each further attempt, capped at ``max_backoff_s``.
    max_backoff_s : float, default=300.0
    durable : {"normal", "full"}, default="normal"
        SQLite ``synchronous`` level (see the module docstring).
    checkpoint_pages : int, default=1000
        WAL pages after which a commit of this connection copies the WAL into the database (SQLite's
        ``wal_autocheckpoint``; that commit pays for it, fsync included). The service's intake connection sets
        it high when the worker runs in another process, so the worker's commits pay and acknowledgements do not.
    """

    def __init__(self, path: str | Path, *, max_attempts: int = 5, backoff_s: float = 1.0,
                 max_backoff_s: float = 300.0, durable: str = "normal", checkpoint_pages: int = 1000) -> None:
        if durable not in ("normal", "full"):
            raise ValueError(f"durable must be 'normal' or 'full', got {durable!r}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_attempts = int(max_attempts)
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={durable.upper()}")
        self._db.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint_pages)}")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ intake
    def enqueue(self, vendor: str, event_id: str, event_type: str, payload: Mapping[str, Any]) -> tuple[int, bool]:
        """Store one event unless ``(vendor, event_id)`` is already known.

        Returns
        -------
        (row, new) : tuple of int and bool
            The event's row id and whether it was new (False: a duplicate delivery, nothing stored).
        """
        now = time.time()
        body = json.dumps(dict(payload), default=str, ensure_ascii=False)
        with self._tx() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO events (vendor, event_id, event_type, payload, received_at, next_attempt_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (vendor, event_id, event_type, body, now, now, now))
            if cur.rowcount == 1:
                return int(cur.lastrowid or 0), True
            row = db.execute("SELECT id FROM events WHERE vendor = ? AND event_id = ?", (vendor, event_id)).fetchone()
            return int(row[0]), False

    # ------------------------------------------------------------------ worker side
    def recover(self) -> dict[str, int]:
        """After a restart: events left ``processing`` go back to ``pending``; ``sending`` ones stay, in doubt.

        Returns the number of events of each kind.
        """
        with self._tx() as db:
            back = db.execute("UPDATE events SET state = 'pending' WHERE state = 'processing'").rowcount
            doubt = db.execute("SELECT COUNT(*) FROM events WHERE state = 'sending'").fetchone()[0]
        return {"requeued": int(back), "in_doubt": int(doubt)}

    def claim(self, now: float | None = None) -> QueuedEvent | None:
        """Take the oldest due event (in-doubt ones first); None when nothing is due."""
        now = time.time() if now is None else now
        with self._tx() as db:
            row = db.execute(
                "SELECT id, vendor, event_id, event_type, payload, attempts, state, result FROM events "
                "WHERE state IN ('pending', 'sending') AND next_attempt_at <= ? "
                "ORDER BY state = 'pending', next_attempt_at, id LIMIT 1", (now,)).fetchone()
            if row is None:
                return None
            in_doubt = row[6] == "sending"
            if not in_doubt:
                db.execute("UPDATE events SET state = 'processing', attempts = attempts + 1, updated_at = ? "
                           "WHERE id = ?", (now, row[0]))
            else:  # keep 'sending' so a second crash still knows; push it back while we work on it
                db.execute("UPDATE events SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? "
                           "WHERE id = ?", (now + 3600.0, now, row[0]))
        intended = None
        if in_doubt and row[7]:
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                intended = json.loads(row[7]).get("sending")
        return QueuedEvent(row=int(row[0]), vendor=row[1], event_id=row[2], event_type=row[3],
                           payload=json.loads(row[4]), attempts=int(row[5]) + 1, in_doubt=in_doubt,
                           intended=intended)

    def mark_sending(self, row: int, writebacks: list[dict[str, Any]] | None = None) -> None:
        """Commit that the write-backs of ``row`` are about to leave (see the module docstring).

        ``writebacks`` (records as :meth:`complete` takes them) are committed with the state: after a crash the
        worker checks and sends exactly these, not a decision made again, which could differ in a rounded
        confidence and so not be recognised on the helpdesk as the one that already landed.
        """
        with self._tx() as db:
            if writebacks is None:
                db.execute("UPDATE events SET state = 'sending', updated_at = ? WHERE id = ?", (time.time(), row))
            else:
                db.execute("UPDATE events SET state = 'sending', result = ?, updated_at = ? WHERE id = ?",
                           (json.dumps({"sending": writebacks}, default=str, ensure_ascii=False), time.time(), row))

    def complete(self, row: int, result: Mapping[str, Any], writebacks: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
        """Mark ``row`` done, recording its result and the write-backs sent (or that would be sent)."""
        now = time.time()
        with self._tx() as db:
            for wb in writebacks:
                db.execute("INSERT OR IGNORE INTO writebacks (event_row, vendor, ticket_id, method, path, body, "
                           "dry_run, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (row, wb["vendor"], wb["ticket_id"], wb["method"], wb["path"],
                            json.dumps(wb["json"], default=str, ensure_ascii=False), int(wb["dry_run"]), now))
            db.execute("UPDATE events SET state = 'done', result = ?, last_error = NULL, updated_at = ? "
                       "WHERE id = ?", (json.dumps(dict(result), default=str, ensure_ascii=False), now, row))

    def fail(self, row: int, error: str, attempts: int, *, retry: bool = True) -> str:
        """Record a failed attempt: retry later with backoff, or dead-letter it.

        Returns the new state (``"pending"`` or ``"dead"``).
        """
        now = time.time()
        with self._tx() as db:
            if retry and attempts < self.max_attempts:
                delay = min(self.backoff_s * 2 ** (attempts - 1), self.max_backoff_s)
                state = db.execute("SELECT state FROM events WHERE id = ?", (row,)).fetchone()[0]
                # an in-doubt event keeps 'sending': its next try must still use the idempotency key
                new_state = "sending" if state == "sending" else "pending"
                db.execute("UPDATE events SET state = ?, last_error = ?, next_attempt_at = ?, updated_at = ? "
                           "WHERE id = ?", (new_state, error, now + delay, now, row))
                return "pending"
            ev = db.execute("SELECT vendor, event_id, event_type FROM events WHERE id = ?", (row,)).fetchone()
            db.execute("UPDATE events SET state = 'dead', last_error = ?, updated_at = ? WHERE id = ?",
                       (error, now, row))
            db.execute("INSERT OR REPLACE INTO dead_letters (event_row, vendor, event_id, event_type, attempts, "
                       "error, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)", (row, *ev, attempts, error, now))
            return "dead"

    def requeue_dead(self) -> int:
        """Put every dead-lettered event back into the queue (after fixing its cause); returns how many."""
        now = time.time()
        with self._tx() as db:
            n = db.execute("UPDATE events SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ? "
                           "WHERE state = 'dead'", (now, now)).rowcount
            db.execute("DELETE FROM dead_letters")
        return int(n)

    # ------------------------------------------------------------------ feedback
    def add_feedback(self, kind: str, *, article_id: str | None = None, ticket_id: str | None = None,
                     text: str | None = None, labels: Mapping[str, Any] | None = None,
                     context: Mapping[str, Any] | None = None, source: str | None = None,
                     model: str | None = None) -> int:
        """Store one feedback record; returns its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO feedback (kind, article_id, ticket_id, text, labels, context, source, model, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, article_id, ticket_id, text, json.dumps(dict(labels or {}), ensure_ascii=False),
                 json.dumps(dict(context or {}), ensure_ascii=False, default=str), source, model, time.time()))
            return int(cur.lastrowid or 0)

    def feedback_frame(self) -> pd.DataFrame:
        """All feedback as a table: ``kind``, ``article_id``, ``ticket_id``, ``text``, ``labels`` (dict),
        ``context`` (dict), ``source``, ``model``, ``received_at``.

        ``frame[frame.kind == "article_helpful"]`` and ``"article_dismissed"`` rows (with a ``text``) are what
        :meth:`cxml.KnowledgeBase.fit_feedback` takes as ``accepted`` / ``dismissed``.
        """
        with self._lock:
            df = pd.read_sql_query("SELECT * FROM feedback ORDER BY id", self._db)
        for col in ("labels", "context"):
            df[col] = df[col].map(lambda v: json.loads(v) if v else {})
        return df

    # ------------------------------------------------------------------ reading
    def counts(self) -> dict[str, int]:
        """Events by state (every state present, zero included)."""
        with self._lock:
            rows = self._db.execute("SELECT state, COUNT(*) FROM events GROUP BY state").fetchall()
        out = dict.fromkeys(STATES, 0)
        out.update({str(s): int(n) for s, n in rows})
        return out

    def dead_letters(self) -> pd.DataFrame:
        """The dead-letter table: ``vendor``, ``event_id``, ``event_type``, ``attempts``, ``error``, ``failed_at``."""
        with self._lock:
            return pd.read_sql_query("SELECT vendor, event_id, event_type, attempts, error, failed_at "
                                     "FROM dead_letters ORDER BY id", self._db)

    def writebacks(self) -> pd.DataFrame:
        """Write-backs sent (``dry_run`` 0) or recorded only (``dry_run`` 1), with their JSON body."""
        with self._lock:
            return pd.read_sql_query("SELECT w.*, e.event_id FROM writebacks w JOIN events e ON e.id = w.event_row "
                                     "ORDER BY w.id", self._db)

    def events(self) -> pd.DataFrame:
        """Every event row (without payloads)."""
        with self._lock:
            return pd.read_sql_query("SELECT id, vendor, event_id, event_type, state, attempts, received_at, "
                                     "last_error FROM events ORDER BY id", self._db)
