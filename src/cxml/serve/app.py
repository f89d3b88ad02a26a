"""The FastAPI application of ``cxml serve``: ``create_app(model_dir, ...)``.

Routes: ``/v1/triage``, ``/v1/suggest``, ``/v1/proactive``, ``/v1/feedback`` (API key; the widget's two from an
allowed origin too), ``/webhooks/{vendor}`` (the vendor's signature), ``/admin/reload`` (API key),
``/healthz``, ``/readyz``, ``/metrics``, ``/docs``, ``/widget.js`` and, with ``demo=True``, a demo shop.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cxml._version import __version__
from cxml.exceptions import CxmlError, ServiceError
from cxml.serve.auth import ApiKeys
from cxml.serve.batching import MicroBatcher
from cxml.serve.holder import ModelHolder, ServingModel, load_serving_model
from cxml.serve.metrics import ServiceMetrics
from cxml.serve.process import WorkerProcess
from cxml.serve.queue import WebhookQueue
from cxml.serve.schemas import (
    FeedbackRequest,
    ProactiveRequest,
    ReloadRequest,
    SuggestRequest,
    TriageRequest,
    TriageResponse,
)
from cxml.serve.worker import VendorConfig, WebhookWorker, json_value

__all__ = ["create_app", "ServiceError", "default_queue_path"]

log = logging.getLogger("cxml.serve")

#: Routes a browser page may call without an API key when its Origin is allowed (the widget's).
_WIDGET_ROUTES = ("/v1/proactive", "/v1/feedback")
_WIDGET_FEEDBACK = ("article_helpful", "article_dismissed", "article_clicked")
_ROUTES = ("/v1/triage", "/v1/suggest", "/v1/proactive", "/v1/feedback", "/admin/reload", "/admin/dead-letters",
           "/healthz", "/readyz", "/metrics", "/widget.js", "/docs", "/openapi.json")


def _error(status: int, type_: str, message: str, field: str | None = None,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": type_, "message": message, "field": field}}, status_code=status,
                        headers=dict(headers or {}))


def default_queue_path(model_dir: str | Path) -> Path:
    """The queue file beside a model directory: ``<dir>.serve.sqlite`` (not inside: the manifest checksums that)."""
    model_dir = Path(model_dir).resolve()
    return model_dir.parent / f"{model_dir.name}.serve.sqlite"


def _route_label(path: str) -> str:
    if path.startswith("/webhooks/"):
        return "/webhooks/{vendor}"
    return path if path in _ROUTES else "other"


class _Guard:
    """ASGI middleware: body size limit, JSON content type on POST, request metrics.

    The body is read (up to the limit) before the app sees the request, so an oversized body is refused with 413
    whether or not it announced its length, and nothing behind this has to care.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, max_webhook_body: int, metrics: ServiceMetrics) -> None:
        self.app = app
        self.max_body = max_body
        self.max_webhook_body = max_webhook_body
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        path, method = scope["path"], scope["method"]
        label = _route_label(path)
        status = {"code": 500}

        async def send_wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                # the server's own time for the request, for clients and benchmarks (standard Server-Timing)
                dur = f"app;dur={(time.perf_counter() - t0) * 1000:.3f}".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"server-timing", dur)]}
            await send(message)

        try:
            if method in ("POST", "PUT", "PATCH") and label != "other":
                refusal = self._check_type(scope)
                body = None
                if refusal is None:
                    limit = self.max_webhook_body if label == "/webhooks/{vendor}" else self.max_body
                    body, refusal = await self._read(scope, receive, limit)
                if refusal is not None:
                    await refusal(scope, receive, send_wrapped)
                    return
                receive = _replay(body or b"")
            await self.app(scope, receive, send_wrapped)
        finally:
            self.metrics.requests.labels(label, method, str(status["code"])).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - t0)

    @staticmethod
    def _check_type(scope: Scope) -> JSONResponse | None:
        ctype = ""
        for k, v in scope["headers"]:
            if k == b"content-type":
                ctype = v.decode("latin-1").split(";")[0].strip().lower()
        if ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json")):
            return None
        got = f"'{ctype}'" if ctype else "no Content-Type"
        return _error(415, "unsupported_media_type",
                      f"the body must be JSON: send Content-Type: application/json (got {got})", "content-type")

    @staticmethod
    async def _read(scope: Scope, receive: Receive, limit: int) -> tuple[bytes, JSONResponse | None]:
        too_big = _error(413, "body_too_large", f"the request body is larger than the limit of {limit} bytes; "
                         "split a batch into smaller requests", "body")
        for k, v in scope["headers"]:
            if k == b"content-length":
                try:
                    if int(v) > limit:
                        return b"", too_big
                except ValueError:
                    return b"", _error(400, "bad_request", "Content-Length is not a number", "content-length")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", _error(400, "bad_request", "the client disconnected before sending the body", "body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", too_big
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # nothing more: wait as a real receive would until disconnect
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


@dataclass
class _State:
    model_dir: Path
    keys: ApiKeys
    origins: tuple[str, ...]
    demo: bool
    queue: WebhookQueue
    metrics: ServiceMetrics
    vendors: dict[str, VendorConfig]
    connectors: Any
    connectors_error: str | None
    writeback: bool
    warm: bool
    worker_process: bool = False
    queue_options: dict[str, Any] = field(default_factory=dict)
    holder: ModelHolder | None = None
    load_error: str | None = None
    started_at: float = field(default_factory=time.time)
    ready_at: float | None = None
    batcher: MicroBatcher | None = None
    worker: WebhookWorker | WorkerProcess | None = None
    ready: threading.Event = field(default_factory=threading.Event)


def _load_connectors(connectors: Any) -> tuple[Any, str | None]:
    if connectors is not None:
        return connectors, None
    try:
        return importlib.import_module("cxml.connectors"), None
    except ImportError as exc:
        return None, (f"webhooks need the module cxml.connectors, which this build lacks ({exc}); "
                      "install a cxml with connectors")


def create_app(model_dir: str | Path, *, queue_path: str | Path | None = None, api_keys: ApiKeys | None = None,
               cors_origins: Iterable[str] = (), demo: bool = False,
               vendors: Mapping[str, VendorConfig] | None = None, writeback: bool = False,
               max_body_bytes: int = 1_000_000, max_webhook_bytes: int = 512_000, max_batch: int = 64,
               connectors: Any = None, handle_sighup: bool = False, warm: bool = True,
               queue_options: Mapping[str, Any] | None = None, worker_process: bool = False,
               batch_workers: int = 1) -> FastAPI:
    """Build the service for a model directory.

    The model is loaded and warmed in the background when the app starts: ``/healthz`` answers at once,
    ``/readyz`` and the ``/v1`` routes answer 503 until it is ready.

    Parameters
    ----------
    model_dir : str or Path
        A model directory written by :func:`cxml.save` (a HelpdeskModel, or a Triage / KnowledgeBase /
        ProactiveHelper alone).
    queue_path : str or Path, optional
        The SQLite file of the webhook queue and the feedback; default :func:`default_queue_path`.
    api_keys : ApiKeys, optional
        Accepted bearer tokens for ``/v1`` and ``/admin``; none: no authentication (loopback demos only).
    cors_origins : iterable of str
        Origins (``https://shop.example.fi``) whose pages may call the API; their pages may call the widget's
        routes (``/v1/proactive`` and article feedback) without a key.
    demo : bool, default=False
        Also serve the demo shop at ``/`` (its checkout page at ``/checkout/payment``).
    vendors : mapping of str to VendorConfig, optional
        Per helpdesk: the webhook secret (a vendor without one is refused) and the write-back client settings.
    writeback : bool, default=False
        Send write-backs (else only record what would be sent).
    max_body_bytes, max_webhook_bytes : int
        Request size limits (413 above them).
    max_batch : int, default=64
        Most tickets per encoder call when concurrent ``/v1/triage`` requests are batched.
    connectors : module, optional
        The connectors implementation (default ``cxml.connectors``).
    handle_sighup : bool, default=False
        Reload the model on SIGHUP (the main thread's event loop only; ``cxml serve`` sets it).
    warm : bool, default=True
        Warm the encoders before reporting ready.
    queue_options : mapping, optional
        Keyword arguments of :class:`WebhookQueue` (``max_attempts``, ``backoff_s``, ...).
    worker_process : bool, default=False
        Run the webhook worker in a child process (:mod:`cxml.serve.process`; ``cxml serve`` does), started
        once the model is ready, so its triage never delays an acknowledgement; else in a thread of this one.
    batch_workers : int, default=1
        ``/v1/triage`` batches that may run at once, each in its own thread (:class:`MicroBatcher`).
    """
    model_dir = Path(model_dir)
    if not (model_dir / "manifest.json").is_file():
        raise FileNotFoundError(f"{model_dir} is not a model directory (no manifest.json); train one with "
                                "`cxml demo` or `cxml train`, or give its path with --model")
    # with the worker in its own process, its commits checkpoint the WAL (an fsync), not the acknowledgements
    queue = WebhookQueue(queue_path or default_queue_path(model_dir),
                         **{**({"checkpoint_pages": 20_000} if worker_process else {}), **dict(queue_options or {})})
    metrics = ServiceMetrics(queue.counts)
    mod, mod_error = _load_connectors(connectors)
    origins = tuple(o.rstrip("/") for o in cors_origins)
    state = _State(model_dir=model_dir, keys=api_keys or ApiKeys(), origins=origins, demo=demo, queue=queue,
                   metrics=metrics, vendors=dict(vendors or {}), connectors=mod, connectors_error=mod_error,
                   writeback=writeback, warm=warm, worker_process=worker_process,
                   queue_options=dict(queue_options or {}))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        state.batcher = MicroBatcher(lambda m, recs: m.triage_rows(recs), max_batch=max_batch,
                                     on_batch=metrics.batch_size.observe, workers=batch_workers)
        await state.batcher.start()
        loader = loop.run_in_executor(None, _load_first, state)
        # started from this (the main) thread: the child's death signal follows the thread that started it
        starter = loop.create_task(_start_worker_process(state)) if worker_process else None
        if handle_sighup and threading.current_thread() is threading.main_thread():
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(_reload(state, None)))
        try:
            yield
        finally:
            if handle_sighup and threading.current_thread() is threading.main_thread():
                loop.remove_signal_handler(signal.SIGHUP)
            with contextlib.suppress(Exception):
                await loader
            if starter is not None:
                starter.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starter
            if state.worker is not None:
                await run_in_threadpool(state.worker.stop)
            await state.batcher.stop()
            queue.close()

    app = FastAPI(title="cxml", version=__version__, lifespan=lifespan,
                  description="Triage, knowledge suggestion and proactive help for helpdesks, served over HTTP.")
    app.state.cxml = state
    _add_handlers(app)
    _add_routes(app, state)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    app.add_middleware(_Guard, max_body=max_body_bytes, max_webhook_body=max_webhook_bytes, metrics=metrics)
    return app


def _load_first(state: _State) -> None:
    try:
        model = load_serving_model(state.model_dir, warm=state.warm)
    except Exception as exc:
        state.load_error = f"{type(exc).__name__}: {exc}"
        log.error("cannot load the model at %s: %s", state.model_dir, state.load_error)
        return
    state.holder = ModelHolder(model)
    state.metrics.model_loaded.set(model.loaded_at)
    if state.connectors is not None and not state.worker_process:
        state.worker = WebhookWorker(state.queue, lambda: state.holder.current, state.connectors,  # type: ignore[union-attr]
                                     state.vendors, writeback=state.writeback, metrics=state.metrics)
        state.worker.start()
    state.ready_at = time.time()
    state.ready.set()
    log.info("model %s (%s) loaded in %.2f s, warmed in %.2f s: ready", model.path, model.version, model.load_s,
             model.warm_s)


async def _start_worker_process(state: _State) -> None:
    """Start the worker process once the model is ready (so the two loads do not share the cores at start)."""
    while not state.ready.is_set():
        if state.load_error is not None:
            return
        await asyncio.sleep(0.05)
    if state.connectors is None or state.holder is None:
        return
    state.worker = WorkerProcess(state.holder.current.path, state.queue.path, state.vendors,
                                 writeback=state.writeback, metrics=state.metrics, queue_options=state.queue_options)
    state.worker.start()


async def _reload(state: _State, path: str | None) -> tuple[ServingModel, ServingModel]:
    if state.holder is None:
        raise ServiceError(503, "not_ready", "the model is still loading; reload once /readyz answers 200")
    try:
        old, new = await run_in_threadpool(state.holder.reload, path)
    except Exception as exc:
        log.error("reload of %s failed, still serving %s: %s", path or state.holder.current.path,
                  state.holder.current.version, exc)
        raise ServiceError(422, "reload_failed", f"could not load {path or state.holder.current.path}: {exc}; "
                         f"still serving model {state.holder.current.version}", "model") from exc
    state.metrics.model_loaded.set(new.loaded_at)
    if isinstance(state.worker, WorkerProcess):
        state.worker.reload(new.path)
    log.info("reloaded: model %s -> %s", old.version, new.version)
    return old, new


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def serve_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _error(exc.status, exc.type, exc.message, exc.field,
                      {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":
            ctx = first.get("ctx") or {}
            return _error(400, "malformed_json", f"the body is not valid JSON: {ctx.get('error', 'parse error')} "
                          f"(at character {first.get('loc', ('', '?'))[-1]})", "body")
        parts = []
        for e in errors[:5]:
            loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            parts.append(f"{loc}: {msg}" + (f" (got {e['input']!r})" if e.get("type", "").endswith(
                ("_type", "literal_error")) and not isinstance(e.get("input"), (dict, list)) else ""))
        field_name = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or None
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return _error(422, "invalid_request", "; ".join(parts) + more, field_name)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, kind, f"{exc.detail}: {request.method} {request.url.path}", None)

    @app.exception_handler(CxmlError)
    async def library_error(request: Request, exc: CxmlError) -> JSONResponse:
        status = 422 if isinstance(exc, ValueError) else 500
        return _error(status, type(exc).__name__, str(exc), getattr(exc, "column", None))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(500, "internal_error", f"internal error ({type(exc).__name__}); see the server log")


def _origin_allowed(state: _State, request: Request) -> bool:
    origin = (request.headers.get("origin") or "").rstrip("/")
    if not origin:
        return False
    if origin in state.origins:
        return True
    # the demo shop is served by this very server: same origin
    host = request.headers.get("host", "")
    return state.demo and urlsplit(origin).netloc == host


def _authorize(state: _State, request: Request, *, widget: bool = False) -> None:
    if not state.keys.enabled:
        return
    header = request.headers.get("authorization")
    if header is None and widget and _origin_allowed(state, request):
        return
    if not state.keys.check(header):
        what = "no API key given" if header is None else "unknown API key"
        raise ServiceError(401, "unauthorized", f"{what}: send Authorization: Bearer <key> with a key from the "
                         "service's --api-keys-file / --api-keys-env", "authorization")


def _model(state: _State) -> ServingModel:
    if state.holder is None:
        if state.load_error:
            raise ServiceError(503, "model_failed", f"the model could not be loaded: {state.load_error}")
        raise ServiceError(503, "not_ready", "the model is still loading; retry when /readyz answers 200")
    return state.holder.current


def _decision(row: Mapping[str, Any], target: str) -> dict[str, Any]:
    top3 = [(json_value(lbl), float(p)) for lbl, p in (row.get(f"{target}_top3") or [])]
    return {"label": json_value(row.get(target)), "confidence": float(row.get(f"{target}_confidence") or 0.0),
            "action": row.get(f"{target}_action"), "abstain_reason": json_value(row.get(f"{target}_abstain_reason")),
            "top3": top3}


def _records(tickets: Iterable[Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in t.model_dump().items() if v is not None and k != "id"} for t in tickets]


def _table(frame: Any, columns: Iterable[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [{c: json_value(v) for c, v in r.items()} for r in frame[cols].to_dict("records")]


def _add_routes(app: FastAPI, state: _State) -> None:
    """Every route of the service, by group."""
    _add_operation_routes(app, state)
    _add_v1_routes(app, state)
    _add_webhook_route(app, state)
    _add_admin_routes(app, state)
    _add_widget_routes(app, state)


def _add_operation_routes(app: FastAPI, state: _State) -> None:
    """Liveness, readiness and Prometheus metrics."""
    metrics = state.metrics

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, Any]:
        """The process answers (liveness)."""
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """The model is loaded and warmed (readiness)."""
        if state.holder is None:
            status = "failed" if state.load_error else "loading"
            return JSONResponse({"status": status, "error": state.load_error}, status_code=503)
        worker = state.worker
        running = worker is not None and (not isinstance(worker, WorkerProcess) or worker.running)
        return JSONResponse({"status": "ready", "model": state.holder.current.describe(),
                             "cold_start_s": round((state.ready_at or time.time()) - state.started_at, 3),
                             "webhooks": state.connectors_error is None, "writeback": state.writeback,
                             "webhook_worker": "running" if running else "starting" if state.connectors else None})

    @app.get("/metrics", tags=["operations"])
    async def metrics_route() -> Response:
        """Prometheus metrics."""
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def _add_v1_routes(app: FastAPI, state: _State) -> None:
    """The library's API over HTTP: triage, suggestions, proactive help, feedback."""
    metrics = state.metrics

    # the body is built here as TriageResponse describes it (the OpenAPI schema) and sent as it is: FastAPI then
    # skips validating and re-serialising it through the response model, a third of a millisecond a request
    @app.post("/v1/triage", response_model=TriageResponse, tags=["v1"])
    async def triage(req: TriageRequest, request: Request) -> JSONResponse:
        """Reason, priority, ... for one ticket or a batch: label, confidence, action, abstain reason, top 3."""
        _authorize(state, request)
        model = _model(state)
        tickets = [req.ticket] if req.ticket is not None else list(req.tickets or [])
        assert state.batcher is not None
        try:
            rows = await state.batcher.submit(model, _records(tickets))
        except LookupError as exc:
            raise ServiceError(404, "no_component", str(exc)) from exc
        results = []
        for t, row in zip(tickets, rows, strict=True):
            decisions = {target: _decision(row, target) for target in model.targets}
            for target, d in decisions.items():
                metrics.decisions.labels(target, str(d["action"])).inc()
            results.append({"id": t.id, "decisions": decisions})
        return JSONResponse({"model": model.version, "results": results})

    @app.post("/v1/suggest", tags=["v1"])
    async def suggest(req: SuggestRequest, request: Request) -> dict[str, Any]:
        """Help articles for a ticket (in its language), and optionally similar past tickets and macros."""
        _authorize(state, request)
        model = _model(state)
        kb = model.knowledge
        if kb is None:
            raise ServiceError(404, "no_component", f"the model at {model.path} has no knowledge base")
        ticket = _records([req.ticket])[0]

        def work() -> dict[str, Any]:
            res = kb.suggest(ticket, k=req.k, language=req.language or ticket.get("language"))
            out: dict[str, Any] = {"model": model.version, "no_good_article": bool(res.attrs["no_good_article"]),
                                   "articles": _table(res, ("rank", "article_id", "title", "url", "score",
                                                            "snippet", "language"))}
            if req.similar:
                out["similar_tickets"] = _table(kb.similar_tickets(ticket, k=req.k),
                                                ("rank", "ticket_id", "answer", "reason", "article_id", "score"))
            if req.macros:
                out["macros"] = _table(kb.suggest_macros(ticket, k=req.k), ("rank", "macro", "score", "n_tickets"))
            return out

        return await run_in_threadpool(work)

    @app.post("/v1/proactive", tags=["v1"])
    async def proactive(req: ProactiveRequest, request: Request) -> dict[str, Any]:
        """Articles for a web-session context, whether to offer one now, the reason and why."""
        _authorize(state, request, widget=True)
        model = _model(state)
        if model.proactive is None:
            raise ServiceError(404, "no_component", f"the model at {model.path} has no proactive helper")
        args = req.model_dump(exclude={"k"})
        res = await run_in_threadpool(model.proactive.suggest, **args, k=req.k)
        top = res["suggestions"][0] if res["suggestions"] else None
        return {"model": model.version, "should_offer": bool(res["should_offer"]), "reason": res["reason"],
                "why": top["why"] if top else res["reason"],
                "suggestions": [{k: json_value(v) for k, v in s.items()} for s in res["suggestions"]],
                "context": res["context"]}

    @app.post("/v1/feedback", status_code=201, tags=["v1"])
    async def feedback(req: FeedbackRequest, request: Request) -> dict[str, Any]:
        """Store feedback (article helpful / dismissed / clicked, corrected labels) for the next retrain."""
        _authorize(state, request, widget=req.kind in _WIDGET_FEEDBACK)
        version = state.holder.current.version if state.holder is not None else None
        fid = await run_in_threadpool(lambda: state.queue.add_feedback(
            req.kind, article_id=req.article_id, ticket_id=req.ticket_id, text=req.text, labels=req.labels,
            context=req.context, source=req.source, model=version))
        return {"id": fid, "stored": True}


def _add_webhook_route(app: FastAPI, state: _State) -> None:
    """Helpdesk webhooks: verified, de-duplicated, queued durably, answered 202."""
    metrics = state.metrics

    @app.post("/webhooks/{vendor}", status_code=202, tags=["webhooks"])
    async def webhook(vendor: str, request: Request) -> JSONResponse:
        """A helpdesk's ticket event: signature verified, de-duplicated, queued durably, answered 202 at once."""
        mod = state.connectors
        if mod is None:
            raise ServiceError(503, "webhooks_unavailable", state.connectors_error or "no connectors")
        known = tuple(mod.VENDORS)
        if vendor not in known:
            metrics.webhooks.labels("unknown", "unknown_vendor").inc()
            raise ServiceError(404, "unknown_vendor", f"unknown vendor {vendor!r}; webhooks are accepted for "
                             f"{', '.join(known)} at /webhooks/<vendor>", "vendor")
        cfg = state.vendors.get(vendor)
        if cfg is None or not cfg.secret:
            metrics.webhooks.labels(vendor, "not_configured").inc()
            raise ServiceError(403, "vendor_not_configured", f"webhooks from {vendor} are not enabled: start cxml "
                             f"serve with --webhook-secret-env {vendor}=ENVVAR (or a secrets file)", "vendor")
        body = await request.body()
        try:
            event = mod.parse_webhook(vendor, body, request.headers, secret=cfg.secret)
        except CxmlError as exc:
            bad_sig = type(exc).__name__ == "SignatureError"
            metrics.webhooks.labels(vendor, "bad_signature" if bad_sig else "bad_payload").inc()
            raise ServiceError(401 if bad_sig else 422, "bad_signature" if bad_sig else "bad_payload",
                             str(exc), "signature" if bad_sig else "body") from exc
        payload = {"ticket": event.ticket, "ticket_ids": list(event.ticket_ids)}
        row, new = await run_in_threadpool(state.queue.enqueue, vendor, event.event_id, event.event_type, payload)
        metrics.webhooks.labels(vendor, "queued" if new else "duplicate").inc()
        wake = getattr(state.worker, "wake", None)  # None once the worker has stopped (shutdown)
        if new and wake is not None:
            wake.set()
        return JSONResponse({"status": "queued" if new else "duplicate", "vendor": vendor,
                             "event_id": event.event_id}, status_code=202)


def _add_admin_routes(app: FastAPI, state: _State) -> None:
    """Model reload and the dead-letter list."""
    @app.post("/admin/reload", tags=["admin"])
    async def reload(request: Request, req: ReloadRequest | None = None) -> dict[str, Any]:
        """Load a model directory (default: the served one again), verify and warm it, then swap atomically."""
        _authorize(state, request)
        old, new = await _reload(state, req.model if req is not None else None)
        return {"old": old.version, "new": new.version, "model": new.describe()}

    @app.get("/admin/dead-letters", tags=["admin"])
    async def dead_letters(request: Request) -> dict[str, Any]:
        """Events that failed every attempt."""
        _authorize(state, request)
        frame = await run_in_threadpool(state.queue.dead_letters)
        return {"dead_letters": json.loads(frame.to_json(orient="records"))}


def _add_widget_routes(app: FastAPI, state: _State) -> None:
    """The proactive widget's script, and the demo shop with ``--demo``."""
    widget_js = resources.files("cxml.serve").joinpath("widget/widget.js").read_bytes()

    @app.get("/widget.js", include_in_schema=False)
    async def widget() -> Response:
        return Response(widget_js, media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})

    if state.demo:
        shop = resources.files("cxml.serve").joinpath("widget/demo_shop.html").read_bytes()

        @app.get("/", include_in_schema=False)
        async def demo_root() -> RedirectResponse:
            return RedirectResponse("/checkout/payment")

        @app.get("/checkout/payment", include_in_schema=False)
        async def demo_checkout() -> Response:
            return Response(shop, media_type="text/html; charset=utf-8")
