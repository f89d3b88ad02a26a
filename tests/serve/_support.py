"""Helpers of the serve tests: a model, a free port, the service in a subprocess, a fake helpdesk."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx


def build_model(path: Path, *, n_tickets: int = 300, seed: int = 0, encoder: str = "hash") -> Path:
    """The demo bundle (triage + knowledge base + proactive helper), as ``cxml demo`` assembles it."""
    import cxml

    data = cxml.make_webshop(n_tickets=n_tickets, seed=seed)
    from cxml.encoders import resolve_spec

    texts = (data.tickets["subject"].fillna("") + "\n" + data.tickets["body"].fillna("")).tolist()
    spec = resolve_spec(encoder, texts) if encoder == "auto" else encoder
    triage = cxml.Triage(targets=("reason", "priority"), encoder=spec, random_state=seed).fit(data.tickets)
    kb = cxml.KnowledgeBase(encoder=spec, random_state=seed).add(data.articles).fit_feedback(data.tickets)
    helper = cxml.ProactiveHelper(kb).fit(data.sessions)
    return cxml.HelpdeskModel(triage=triage, knowledge=kb, proactive=helper).save(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``cxml serve`` in a subprocess on a free loopback port."""

    def __init__(self, model: Path, *args: str, env: dict[str, str] | None = None, log: Path | None = None,
                 port: int | None = None) -> None:
        self.model = model
        self.args = list(args)
        self.env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log or model.parent / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300.0) -> Server:
        cmd = [sys.executable, "-m", "cxml.cli", "serve", "--model", str(self.model), "--port",
               str(self.port), "--log-level", "warning", *self.args]
        self._fh = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, stdout=self._fh, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cxml serve exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"cxml serve not ready after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_worker(self, timeout: float = 300.0) -> None:
        """Wait until ``/readyz`` reports the webhook worker running (its process has loaded the model).

        The worker starts after the service is ready and loads its own model: on loaded cores that alone can take
        a minute, which a test's wait for its first processed event must not have to cover.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"cxml serve exited with {self.proc.returncode}:\n{self.output()}")
            if httpx.get(self.url + "/readyz", timeout=10.0).json().get("webhook_worker") == "running":
                return
            time.sleep(0.2)
        raise TimeoutError(f"the webhook worker not running after {timeout} s:\n{self.output()}")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
        self._fh.close()

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(30)
        self._fh.close()
        return self.proc.returncode

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class FakeHelpdesk:
    """A Zendesk-like helpdesk API on loopback that records every write-back it receives.

    ``PUT /api/v2/tickets/{id}.json`` applies ``additional_tags`` and a ``comment``; ``GET`` of the ticket and of
    its ``comments.json`` read them back (what the service asks after a crash). ``fail_first`` answers that many
    writes with 503 first (an outage); ``always_fail`` answers every write with 503. A write whose body is cut
    short (its sender killed mid-request) is neither applied nor counted, as no HTTP server would apply it.
    """

    def __init__(self, fail_first: int = 0, always_fail: bool = False) -> None:
        self.writes: list[dict[str, Any]] = []
        self.refused = 0
        self.fail_first = fail_first
        self.always_fail = always_fail
        self.tickets: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _ticket_id(self) -> tuple[str, bool]:
                parts = self.path.split("?")[0].strip("/").split("/")  # api v2 tickets {id}.json | {id} comments.json
                if len(parts) >= 4 and parts[:3] == ["api", "v2", "tickets"]:
                    return parts[3].removesuffix(".json"), parts[-1] == "comments.json"
                return "", False

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                tid, comments = self._ticket_id()
                with outer._lock:
                    t = outer.tickets.get(tid, {"tags": [], "comments": []})
                    if comments:
                        self._answer(200, {"comments": [{"body": c, "public": False} for c in t["comments"]]})
                    else:
                        self._answer(200, {"ticket": {"id": tid, "tags": list(t["tags"])}})

            def do_PUT(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                if len(raw) < n:  # the sender died mid-request (SIGKILL): as any HTTP server, apply nothing
                    self.close_connection = True
                    return
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    self._answer(400, {"error": "the body is not JSON"})
                    return
                tid, _ = self._ticket_id()
                with outer._lock:
                    if outer.always_fail or outer.fail_first > 0:
                        outer.fail_first = max(0, outer.fail_first - 1)
                        outer.refused += 1
                        self._answer(503, {"error": "unavailable"})
                        return
                    outer.writes.append({"ticket_id": tid, "json": body, "auth": self.headers.get("Authorization")})
                    t = outer.tickets.setdefault(tid, {"tags": [], "comments": []})
                    ticket = (body or {}).get("ticket") or {}
                    t["tags"] += [x for x in ticket.get("additional_tags") or [] if x not in t["tags"]]
                    if (ticket.get("comment") or {}).get("body"):
                        t["comments"].append(ticket["comment"]["body"])
                self._answer(200, {"ticket": {"id": tid}})

            do_POST = do_PATCH = do_PUT

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def writes_per_ticket(self) -> dict[str, int]:
        with self._lock:
            out: dict[str, int] = {}
            for w in self.writes:
                out[w["ticket_id"]] = out.get(w["ticket_id"], 0) + 1
            return out

    def __enter__(self) -> FakeHelpdesk:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def zendesk_event(n: int, ticket_id: str | None = None, *, text: str | None = None) -> dict[str, Any]:
    """A Zendesk event-webhook body (``zen:event-type:ticket.created``) for ticket ``ticket_id``."""
    texts = [("Card declined", "My card payment failed at the checkout, the bank says it was declined."),
             ("Where is my order?", "I ordered a week ago and the parcel has not arrived, tracking is stuck."),
             ("Refund please", "I returned the jacket two weeks ago and have not received my money back."),
             ("Salasana ei toimi", "En pääse kirjautumaan tililleni, salasanan vaihto ei onnistu.")]
    subject, body = texts[n % len(texts)]
    tid = ticket_id or str(100000 + n)
    return {"type": "zen:event-type:ticket.created", "id": f"evt-{n:06d}", "account_id": 1,
            "time": "2026-12-01T10:00:00Z", "zendesk_event_version": "2022-11-06", "subject": f"zen:ticket:{tid}",
            "detail": {"id": tid, "subject": subject, "description": text or body, "status": "NEW",
                       "priority": "NORMAL", "created_at": "2026-12-01T10:00:00Z", "requester_id": "555",
                       "via": {"channel": "web"}, "tags": []}}


def zendesk_headers(body: bytes, secret: str, *, when: float | None = None) -> dict[str, str]:
    """Zendesk's signature headers: base64 HMAC-SHA256 of timestamp + body under the webhook's secret."""
    import base64
    import hashlib
    import hmac
    from datetime import datetime, timezone

    ts = datetime.fromtimestamp(time.time() if when is None else when, tz=timezone.utc)
    stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    return {"Content-Type": "application/json", "X-Zendesk-Webhook-Signature": sig,
            "X-Zendesk-Webhook-Signature-Timestamp": stamp}


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def deliver_until_acknowledged(url: str, n: int, secret: str, acked: set[int], lock: threading.Lock,
                               client: httpx.Client, pause: float = 0.2) -> int:
    """Send Zendesk event ``n`` as a helpdesk does: again and again until it is acknowledged (202).

    Adds ``n`` to ``acked`` then; returns the number of deliveries it took. ``client`` is shared by all senders (a
    client per delivery builds a TLS context each time: CPU the server under test needs).
    """
    body = json.dumps(zendesk_event(n)).encode()
    tries = 0
    while True:
        tries += 1
        try:
            r = client.post(url + "/webhooks/zendesk", content=body, headers=zendesk_headers(body, secret), timeout=10)
            if r.status_code == 202:
                with lock:
                    acked.add(n)
                return tries
        except httpx.TransportError:
            pass
        time.sleep(pause)
