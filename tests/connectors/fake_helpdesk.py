"""A fake helpdesk API on a loopback port, for the sync tests (see :class:`FakeHelpdesk`)."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakeHelpdesk:
    """A Zendesk- or Freshdesk-like API on 127.0.0.1 serving the given pages (see the module docstring).

    Parameters
    ----------
    vendor : {"zendesk", "freshdesk"}
    pages : list
        Zendesk: incremental export pages; Freshdesk: lists of tickets (``per_page`` each).
    faults : dict
        ``(method, n) -> fault`` for the n-th request (1-based) with that method; a fault is a dict with
        ``status`` (429 or 5xx), optional ``retry_after`` and ``apply`` (apply the update before failing), or
        ``{"hold": True}`` (apply, then withhold the response until :meth:`release`) or ``{"hold_before": True}``
        (withhold without applying).
    """

    def __init__(self, vendor: str, pages: list[Any], faults: dict[tuple[str, int], dict[str, Any]] | None = None,
                 per_page: int = 100) -> None:
        self.vendor = vendor
        self.pages = pages
        self.per_page = per_page
        self.faults = dict(faults or {})
        self.store: dict[str, dict[str, Any]] = {}
        for page in pages:
            for ticket in page["tickets"] if vendor == "zendesk" else page:
                self.store[str(ticket["id"])] = copy.deepcopy(ticket)
        self.requests: list[tuple[str, str]] = []
        self.updates: list[tuple[str, str, Any]] = []  # applied writes: (method, path, json)
        self.counts: Counter[str] = Counter()
        self.held = threading.Event()
        self._release = threading.Event()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body if body is not None else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length)) if length else None
                outer._serve(self, payload)

            do_GET = do_PUT = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeHelpdesk:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        self._release.set()

    def writes_per_ticket(self) -> Counter[str]:
        """How many times each ticket's update (the PUT that carries the marker tag) was applied."""
        return Counter(path.rstrip("/").split("/")[-1].removesuffix(".json") for method, path, _ in self.updates
                       if method == "PUT")

    # -----------------------------------------------------------------------------------------------------------

    def _serve(self, handler: Any, payload: Any) -> None:
        method = handler.command
        url = urlparse(handler.path)
        with self.lock:
            self.counts[method] += 1
            n = self.counts[method]
            self.requests.append((method, handler.path))
            fault = self.faults.get((method, n))
        if fault and fault.get("status") and not fault.get("apply"):
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else None
            return handler._reply(fault["status"], {"error": "scripted"}, headers)
        if method == "GET":
            status, body = self._get(url)
            return handler._reply(status, body)
        if fault and fault.get("hold_before"):  # the client is killed before the update lands
            self.held.set()
            self._release.wait(120)
            return None
        status, body = self._write(method, url.path, payload)
        if fault and fault.get("hold"):
            self.held.set()
            self._release.wait(120)
            return None  # the client is gone: no response
        if fault and fault.get("status"):
            return handler._reply(fault["status"], {"error": "scripted after apply"})
        return handler._reply(status, body)

    def _ticket(self, ticket_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.store.get(ticket_id))

    def _get(self, url: Any) -> tuple[int, Any]:
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if self.vendor == "zendesk":
            if path == "/api/v2/incremental/tickets/cursor.json":
                index = int(query["cursor"][1:]) if "cursor" in query else 0
                if index >= len(self.pages):  # polled again after the end: nothing new
                    return 200, {"tickets": [], "after_cursor": query.get("cursor"), "end_of_stream": True}
                page = copy.deepcopy(self.pages[index])
                page["tickets"] = [self._ticket(str(t["id"])) for t in page["tickets"]]
                return 200, page
            if path.startswith("/api/v2/tickets/") and path.endswith(".json"):
                ticket = self._ticket(path.split("/")[-1].removesuffix(".json"))
                return (200, {"ticket": ticket}) if ticket else (404, {"error": "RecordNotFound"})
        else:
            if path == "/api/v2/tickets":
                page = int(query.get("page", 1))
                if page > len(self.pages):
                    return 200, []
                return 200, [self._ticket(str(t["id"])) for t in self.pages[page - 1]]
            if path.startswith("/api/v2/tickets/"):
                ticket = self._ticket(path.split("/")[-1])
                return (200, ticket) if ticket else (404, {"code": "not_found"})
        return 404, {"error": f"no route {path}"}

    def _write(self, method: str, path: str, payload: Any) -> tuple[int, Any]:
        with self.lock:
            self.updates.append((method, path, payload))
            if self.vendor == "zendesk" and method == "PUT":
                tid = path.split("/")[-1].removesuffix(".json")
                ticket = self.store[tid]
                body = payload["ticket"]
                ticket["tags"] = list(dict.fromkeys([*ticket.get("tags", []), *body.get("additional_tags", [])]))
                for key in ("priority", "group_id"):
                    if key in body:
                        ticket[key] = body[key]
                ticket["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                return 200, {"ticket": ticket}
            if self.vendor == "freshdesk" and method == "PUT":
                ticket = self.store[path.split("/")[-1]]
                ticket.update({k: v for k, v in payload.items() if k in ("tags", "priority", "group_id")})
                return 200, ticket
            return 201, {"id": len(self.updates)}


