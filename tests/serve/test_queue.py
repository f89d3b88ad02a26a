"""The durable webhook queue (SQLite WAL): de-duplication, states, retries with backoff, dead letters, recovery."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxml.serve.queue import STATES, WebhookQueue


@pytest.fixture
def queue(tmp_path: Path):
    q = WebhookQueue(tmp_path / "q.sqlite", max_attempts=3, backoff_s=10.0, max_backoff_s=25.0)
    yield q
    q.close()


def test_wal_mode_and_dedup(queue: WebhookQueue) -> None:
    mode = sqlite3.connect(queue.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    row, new = queue.enqueue("zendesk", "e1", "created", {"ticket": {"text": "hi"}})
    assert new
    row2, new2 = queue.enqueue("zendesk", "e1", "created", {"ticket": {"text": "changed"}})
    assert row2 == row and not new2
    _, other = queue.enqueue("freshdesk", "e1", "created", {})  # the same id from another vendor is another event
    assert other
    assert queue.counts() == {**dict.fromkeys(STATES, 0), "pending": 2}


def test_claim_complete_and_order(queue: WebhookQueue) -> None:
    for i in range(3):
        queue.enqueue("zendesk", f"e{i}", "created", {"n": i})
    first = queue.claim()
    assert first is not None and first.event_id == "e0" and first.payload == {"n": 0} and first.attempts == 1
    assert queue.counts()["processing"] == 1
    queue.complete(first.row, {"ok": True}, [{"vendor": "zendesk", "ticket_id": "1", "method": "PUT",
                                              "path": "/x", "json": {"a": 1}, "dry_run": True}])
    assert queue.counts()["done"] == 1
    assert queue.writebacks()["ticket_id"].tolist() == ["1"]
    assert queue.claim().event_id == "e1"


def test_backoff_then_dead_letter(queue: WebhookQueue) -> None:
    queue.enqueue("zendesk", "e1", "created", {})
    ev = queue.claim()
    assert queue.fail(ev.row, "HTTP 503", ev.attempts) == "pending"
    assert queue.claim(now=time.time() + 5) is None  # not due before the backoff (10 s)
    ev = queue.claim(now=time.time() + 11)
    assert ev.attempts == 2
    queue.fail(ev.row, "HTTP 503", ev.attempts)
    assert queue.claim(now=time.time() + 19) is None  # then 20 s
    ev = queue.claim(now=time.time() + 21)
    assert ev.attempts == 3
    assert queue.fail(ev.row, "HTTP 503 again", ev.attempts) == "dead"
    dead = queue.dead_letters()
    assert dead[["vendor", "event_id", "attempts", "error"]].values.tolist() == [["zendesk", "e1", 3, "HTTP 503 again"]]
    assert queue.claim(now=10**12) is None
    assert queue.requeue_dead() == 1 and queue.dead_letters().empty and queue.counts()["pending"] == 1


def test_recover_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite"
    q = WebhookQueue(path)
    for i in range(3):
        q.enqueue("zendesk", f"e{i}", "created", {})
    a, b = q.claim(), q.claim()
    q.mark_sending(b.row)  # b's write-back was on its way when the process died
    del q  # no close: as after SIGKILL
    q2 = WebhookQueue(path)
    assert q2.recover() == {"requeued": 1, "in_doubt": 1}
    first = q2.claim()
    assert first.event_id == b.event_id and first.in_doubt  # in-doubt events first, flagged
    second = q2.claim()
    assert second.event_id == a.event_id and not second.in_doubt
    q2.close()


def test_feedback_frame(queue: WebhookQueue) -> None:
    queue.add_feedback("article_dismissed", article_id="KB1", context={"url": "/checkout"}, source="widget")
    queue.add_feedback("labels_corrected", ticket_id="T1", labels={"reason": "refund"})
    fb = queue.feedback_frame()
    assert fb["kind"].tolist() == ["article_dismissed", "labels_corrected"]
    assert fb.loc[0, "context"] == {"url": "/checkout"} and fb.loc[1, "labels"] == {"reason": "refund"}


def test_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="durable"):
        WebhookQueue(tmp_path / "q.sqlite", durable="sometimes")
    with pytest.raises(ValueError, match="max_attempts"):
        WebhookQueue(tmp_path / "q.sqlite", max_attempts=0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["zendesk", "freshdesk"]), st.text(min_size=1, max_size=8)), max_size=40))
def test_every_distinct_event_is_stored_once(tmp_path_factory: pytest.TempPathFactory, deliveries) -> None:
    q = WebhookQueue(tmp_path_factory.mktemp("prop") / "q.sqlite")
    try:
        news = [q.enqueue(v, e, "t", {})[1] for v, e in deliveries]
        assert sum(news) == len(set(deliveries)) == len(q.events())
    finally:
        q.close()
