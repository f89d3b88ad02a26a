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

    def start(self, timeout: float = 120.0) -> Server:
        cmd = [sys.executable, "-m", "cxml.cli.main", "serve", "--model", str(self.model), "--port",
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
    """A helpdesk API on loopback that records every write-back request it receives.

    It honours ``Idempotency-Key`` the way Zendesk does for repeated requests: a repeat with a key it has seen is
    answered with the first answer and not applied again; ``applied`` counts what changed tickets.
    ``fail_first`` answers that many requests with 503 first (a helpdesk outage).
    """

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.applied: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self._keys: set[str] = set()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                with outer._lock:
                    rec = {"method": self.command, "path": self.path, "json": json.loads(body or b"null"),
                           "key": self.headers.get("Idempotency-Key"),
                           "auth": self.headers.get("Authorization")}
                    outer.received.append(rec)
                    if outer.fail_first > 0:
                        outer.fail_first -= 1
                        status = 503
                    else:
                        status = 200
                        if rec["key"] is None or rec["key"] not in outer._keys:
                            outer.applied.append(rec)
                        if rec["key"] is not None:
                            outer._keys.add(rec["key"])
                payload = b'{"ok": true}' if status == 200 else b'{"error": "unavailable"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_PUT = do_POST = do_PATCH = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeHelpdesk:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
