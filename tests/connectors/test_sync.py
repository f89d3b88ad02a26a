"""cxml sync against a fake helpdesk on loopback: 429s, 500s and a kill, every new ticket written once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fake_helpdesk import FakeHelpdesk
from vendor_exports import REASON_FIELD, as_freshdesk, as_zendesk

import cxml
from cxml.connectors import make_client, read_tickets
from cxml.connectors.sync import MARKER_TAG, run_sync

SRC = str(Path(cxml.__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def model_dir(history, tmp_path_factory):
    """A small Triage (hash encoder) trained on an imported Zendesk history."""
    from cxml.triage import Triage

    frame = read_tickets(as_zendesk(history.iloc[:240]), "zendesk", fields={REASON_FIELD: "reason"})
    out = tmp_path_factory.mktemp("sync") / "model"
    Triage(targets=("reason", "priority"), encoder="hash", cv=3).fit(frame).save(out)
    return out


@pytest.fixture(scope="module")
def zendesk_pages(history):
    pages = as_zendesk(history.iloc[240:300], per_page=20)
    pages[0]["tickets"][0]["tags"] = [MARKER_TAG]  # written by an earlier run: skipped
    pages[1]["tickets"][0]["status"] = "solved"  # not new: skipped
    return pages


def expected_changes(vendor, pages, model_dir, tmp_path, capsys):
    """The tickets a dry run would update (decisions that are not all abstentions)."""
    with FakeHelpdesk(vendor, pages, per_page=20) as fake:
        with make_client(vendor, base_url=fake.url, token="t", per_page=20) as client:
            report = run_sync(client, cxml.load(model_dir), tmp_path / "dry.json", dry_run=True)
        assert fake.updates == [] and not (tmp_path / "dry.json").exists()  # a dry run sends and saves nothing
    assert "would PUT /api/v2/tickets/" in capsys.readouterr().out
    ids = [c["ticket_id"] for c in report.changes]
    assert len(ids) == len(set(ids)) > 10
    return set(ids)


def test_zendesk_sync_through_429_and_500_writes_each_ticket_once(model_dir, zendesk_pages, tmp_path, capsys):
    expected = expected_changes("zendesk", zendesk_pages, model_dir, tmp_path, capsys)
    faults = {("GET", 1): {"status": 429, "retry_after": 2}, ("GET", 3): {"status": 500},
              ("PUT", 2): {"status": 500}, ("PUT", 5): {"status": 503, "apply": True},
              ("PUT", 9): {"status": 429, "retry_after": 1}}
    waits = []
    state = tmp_path / "state.json"
    with FakeHelpdesk("zendesk", zendesk_pages, faults) as fake:
        with make_client("zendesk", base_url=fake.url, token="t", email="bot@example.com", sleep=waits.append,
                         backoff_s=0.25) as client:
            report = run_sync(client, cxml.load(model_dir), state, dry_run=False)
        writes = fake.writes_per_ticket()
        assert set(writes) == expected and set(writes.values()) == {1}  # the 503-after-apply was not resent
        assert report.written == len(expected) and report.skipped == 2
        assert report.pages == 3 and report.seen == 60
        assert 2.0 in waits and 1.0 in waits and 0.25 in waits  # Retry-After honoured, 5xx backed off
        tagged = {tid for tid, t in fake.store.items() if MARKER_TAG in t["tags"]}
        assert expected <= tagged
        saved = json.loads(state.read_text())
        assert (saved["cursor"], saved["pending"], saved["done"], saved["written"]) == ("c3", None, [],
                                                                                        len(expected))
        # a second run from scratch finds every ticket already marked in the helpdesk: nothing written again
        with make_client("zendesk", base_url=fake.url, token="t", sleep=waits.append) as client:
            again = run_sync(client, cxml.load(model_dir), tmp_path / "fresh.json", dry_run=False)
        assert again.written == 0 and fake.writes_per_ticket() == writes


def test_freshdesk_sync_keeps_tags_and_notes_once(model_dir, history, tmp_path, capsys):
    tickets = as_freshdesk(history.iloc[300:340])
    for ticket in tickets:
        ticket["tags"] = ["vip"]
    pages = [tickets[:20], tickets[20:]]
    expected = expected_changes("freshdesk", pages, model_dir, tmp_path, capsys)
    faults = {("GET", 2): {"status": 429, "retry_after": 1}, ("PUT", 3): {"status": 500, "apply": True},
              ("POST", 1): {"status": 502}}
    with FakeHelpdesk("freshdesk", pages, faults, per_page=20) as fake:
        with make_client("freshdesk", base_url=fake.url, token="key", per_page=20, sleep=lambda s: None) as client:
            report = run_sync(client, cxml.load(model_dir), tmp_path / "fd.json", dry_run=False)
        writes = fake.writes_per_ticket()
        assert set(writes) == expected and set(writes.values()) == {1}
        assert report.written == len(expected)
        for tid in expected:
            assert fake.store[tid]["tags"][0] == "vip" and MARKER_TAG in fake.store[tid]["tags"]
        notes = [path for method, path, _ in fake.updates if method == "POST"]
        assert len(notes) == len(set(notes))  # each note once, the 502 retried


def cli(fake: FakeHelpdesk, model_dir: Path, state: Path) -> list[str]:
    return [sys.executable, "-c", "import sys; from cxml.cli import main; sys.exit(main())", "sync", "--vendor", "zendesk", "--base-url", fake.url,
            "--token-env", "CXML_TEST_ZENDESK_TOKEN", "--email", "bot@example.com", "--model", str(model_dir),
            "--state", str(state), "--since", "0", "--apply", "--backoff", "0.05"]


@pytest.mark.parametrize("when", ["after_the_update_landed", "before_the_update_landed"])
def test_killed_sync_resumes_and_writes_each_ticket_once(model_dir, zendesk_pages, tmp_path, capsys, when):
    expected = expected_changes("zendesk", zendesk_pages, model_dir, tmp_path, capsys)
    env = {**os.environ, "PYTHONPATH": SRC, "CXML_TEST_ZENDESK_TOKEN": "t", "OMP_NUM_THREADS": "1",
           "HF_HUB_OFFLINE": "1"}
    state = tmp_path / "state.json"
    hold = {"hold": True} if when == "after_the_update_landed" else {"hold_before": True}
    with FakeHelpdesk("zendesk", zendesk_pages, {("PUT", 7): hold, ("GET", 2): {"status": 500}}) as fake:
        proc = subprocess.Popen(cli(fake, model_dir, state), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            while not fake.held.wait(0.5):
                if proc.poll() is not None:
                    pytest.fail(f"the sync ended before its 7th update: {proc.stdout.read().decode()}")
            proc.send_signal(signal.SIGKILL)  # mid-request: no clean-up of any kind
            proc.wait(60)
        finally:
            if proc.poll() is None:
                proc.kill()
        fake.release()
        killed = json.loads(state.read_text())
        assert killed["pending"] is not None  # it died with a write in flight
        applied_before = sum(fake.writes_per_ticket().values())
        assert applied_before == (7 if when == "after_the_update_landed" else 6)

        fake.faults.clear()
        done = subprocess.run(cli(fake, model_dir, state), env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        writes = fake.writes_per_ticket()
        assert set(writes) == expected and set(writes.values()) == {1}
        assert f"updated {len(expected) - applied_before}" in done.stdout
        assert json.loads(state.read_text())["pending"] is None


def test_a_bundle_with_a_knowledge_base_adds_articles_to_the_note(model_dir, zendesk_pages, tmp_path, capsys):
    from cxml.bundle import HelpdeskModel
    from cxml.datasets import make_webshop
    from cxml.knowledge import KnowledgeBase

    # a lenient threshold: the hash encoder scores low, and this test is about the note, not the ranking
    kb = KnowledgeBase(encoder="hash", no_match_rate=0.9).add(make_webshop(n_tickets=10, seed=0).articles)
    bundle = HelpdeskModel(triage=cxml.load(model_dir), knowledge=kb)
    with FakeHelpdesk("zendesk", zendesk_pages[:1]) as fake:
        with make_client("zendesk", base_url=fake.url, token="t") as client:
            report = run_sync(client, bundle, tmp_path / "s.json", dry_run=True, k_articles=2, max_pages=1)
    comments = [r["json"]["ticket"].get("comment", {}).get("body", "") for c in report.changes for r in c["requests"]]
    with_articles = [c for c in comments if "Articles that may answer this ticket:" in c]
    assert with_articles, "no note carried an article"
    assert all("/" in c.split("Articles that may answer this ticket:")[1] for c in with_articles)  # their URLs
