"""The webhook worker in its own process (``cxml serve``'s default): its metrics reach the server's ``/metrics``,
a reload reaches it, and it dies with the server, even by SIGKILL, so a restart never finds an old worker."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest

from cxml.serve import WebhookQueue

from ._support import Server, wait_for, zendesk_event, zendesk_headers

pytest.importorskip("cxml.connectors", reason="the webhook worker needs cxml.connectors")

SECRET = "zd-secret-proc"


def _done(queue: Path) -> int:
    q = WebhookQueue(queue)
    try:
        return q.counts()["done"]
    finally:
        q.close()


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc (Linux)")
def test_worker_process_reports_metrics_and_dies_with_the_server(model_dir: Path, tmp_path: Path) -> None:
    queue = tmp_path / "queue.sqlite"
    srv = Server(model_dir, "--queue", str(queue), "--webhook-secret-env", "zendesk=ZD_SECRET",
                 env={"ZD_SECRET": SECRET}).start()
    try:
        for n in range(3):
            body = json.dumps(zendesk_event(n)).encode()
            r = httpx.post(srv.url + "/webhooks/zendesk", content=body, headers=zendesk_headers(body, SECRET))
            assert r.status_code == 202, r.text
        srv.wait_worker()
        assert wait_for(lambda: _done(queue) == 3, timeout=180)
        assert httpx.get(srv.url + "/readyz").json()["webhook_worker"] == "running"
        assert srv.proc is not None
        workers = [c for c in _children(srv.proc.pid)
                   if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert len(workers) == 1 and _running(workers[0])
        # the child's counts, relayed to the server's registry
        assert wait_for(lambda: 'cxml_writebacks_total{outcome="dry_run",vendor="zendesk"} 3.0'
                        in httpx.get(srv.url + "/metrics").text, timeout=10)
        srv.signal(signal.SIGKILL)
        srv.proc.wait(30)
        assert wait_for(lambda: not _running(workers[0]), timeout=10), "the worker outlived its server"
    finally:
        srv.kill()
