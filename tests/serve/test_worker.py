"""The webhook worker in-process, with the real connectors and a fake helpdesk on loopback: a write-back that was
in flight when the service died is read back before it is sent again."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxml.serve.holder import load_serving_model
from cxml.serve.queue import WebhookQueue
from cxml.serve.worker import VendorConfig, WebhookWorker, _record

from ._support import FakeHelpdesk

connectors = pytest.importorskip("cxml.connectors", reason="the worker writes back through cxml.connectors, "
                                                           "which this checkout lacks")


@pytest.fixture(scope="module")
def served(model_dir: Path):
    return load_serving_model(model_dir, warm=False)


def _ticket(tid: str, text: str = "My card was declined at the checkout, what now?") -> dict:
    return {"ticket": {"id": tid, "subject": "Card declined", "body": text, "priority": "normal"},
            "ticket_ids": [tid]}


def _worker(queue: WebhookQueue, served, desk: FakeHelpdesk) -> WebhookWorker:
    cfg = {"zendesk": VendorConfig(secret="s", base_url=desk.url, token="t", email="agent@example.fi")}
    return WebhookWorker(queue, lambda: served, connectors, cfg, writeback=True)


def _crash_while_sending(path: Path, served, desk: FakeHelpdesk, *, landed: bool, record: bool) -> WebhookQueue:
    """Ticket 42's event committed as 'sending' (its write-backs with it when ``record``), sent when ``landed``,
    then the process gone as after SIGKILL: the queue reopened and recovered."""
    q = WebhookQueue(path)
    q.enqueue("zendesk", "e1", "created", _ticket("42"))
    worker = _worker(q, served, desk)
    ev = q.claim()
    _, wbs = worker._decide(ev)
    q.mark_sending(ev.row, [_record(wb, dry_run=False) for wb in wbs] if record else None)
    if landed:  # the request reached the helpdesk, then the process died before recording it
        worker._client("zendesk").send(wbs[0])
    del q, worker
    q2 = WebhookQueue(path)
    assert q2.recover()["in_doubt"] == 1
    return q2


@pytest.mark.parametrize("landed", [True, False])
def test_in_doubt_write_back_is_read_back_not_resent(tmp_path: Path, served, landed: bool) -> None:
    with FakeHelpdesk() as desk:
        q2 = _crash_while_sending(tmp_path / "q.sqlite", served, desk, landed=landed, record=False)
        worker2 = _worker(q2, served, desk)
        ev2 = q2.claim()
        assert ev2.in_doubt
        assert worker2.process(ev2) == "done"
        assert desk.writes_per_ticket() == {"42": 1}
        assert q2.counts()["done"] == 1
        q2.close()


def test_in_doubt_event_checks_what_it_committed_not_a_new_decision(tmp_path: Path, served, monkeypatch) -> None:
    """After a crash the write-back committed with 'sending' is the one checked (and found), even when deciding
    again would word the note differently (a confidence that rounds the other way, another batch)."""
    with FakeHelpdesk() as desk:
        q2 = _crash_while_sending(tmp_path / "q.sqlite", served, desk, landed=True, record=True)
        worker2 = _worker(q2, served, desk)
        original = worker2._decide_many

        def reworded(events, **kwargs):  # the same decision, its note worded differently this time
            out = original(events, **kwargs)
            for _result, writebacks in out.values():
                for wb in writebacks:
                    wb.json["ticket"]["comment"]["body"] += " (decided again)"
            return out

        monkeypatch.setattr(worker2, "_decide_many", reworded)
        ev2 = q2.claim()
        assert ev2.in_doubt and ev2.intended
        assert worker2.process(ev2) == "done"
        assert desk.writes_per_ticket() == {"42": 1}
        assert "(decided again)" not in q2.writebacks()["body"].iloc[0]
        q2.close()


def test_event_without_text_is_done_without_writing(tmp_path: Path, served) -> None:
    with FakeHelpdesk() as desk:
        q = WebhookQueue(tmp_path / "q.sqlite")
        q.enqueue("zendesk", "e2", "ticket.deleted", {"ticket": None, "ticket_ids": ["9"]})
        assert _worker(q, served, desk).process(q.claim()) == "done"
        assert desk.writes == [] and q.writebacks().empty
        q.close()


def test_dry_run_records_what_would_be_sent(tmp_path: Path, served) -> None:
    q = WebhookQueue(tmp_path / "q.sqlite")
    q.enqueue("zendesk", "e3", "created", _ticket("77"))
    worker = WebhookWorker(q, lambda: served, connectors, {}, writeback=False)
    assert worker.process(q.claim()) == "done"
    wb = q.writebacks()
    assert wb["dry_run"].tolist() == [1] and wb["path"].tolist() == ["/api/v2/tickets/77.json"]
    q.close()


def test_missing_writeback_settings_fail_with_advice(tmp_path: Path, served) -> None:
    q = WebhookQueue(tmp_path / "q.sqlite", max_attempts=1)
    q.enqueue("zendesk", "e4", "created", _ticket("78"))
    worker = WebhookWorker(q, lambda: served, connectors, {}, writeback=True)
    assert worker.process(q.claim()) == "dead"
    assert "--writeback-url zendesk=URL" in q.dead_letters()["error"].iloc[0]
    q.close()
