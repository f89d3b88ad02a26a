"""``cxml serve`` under load, on loopback: latency and throughput per endpoint, a webhook burst, and a SIGKILL.

    python benchmarks/bench_serve.py [--encoder auto] [--requests 300] [--max-seconds 20] [--crash-events 10000]
    python benchmarks/bench_serve.py --english-only [--english-encoder e5-static]   # the English triage rows alone
    python benchmarks/bench_serve.py --crash-only [--crash-events 10000]            # the SIGKILL run alone
    python benchmarks/bench_serve.py --cold-starts 3 [--english-encoder minilm]     # an English model's starts

1. Cold start: ``cxml serve`` started as a subprocess, seconds until ``/readyz`` answers 200.
2. ``/v1/triage`` (one English ticket; one Finnish ticket), ``/v1/suggest``, ``/v1/proactive`` (a context seen
   in history) at 1, 8 and 32 concurrent clients: latency percentiles (client side, and the server's own time from
   its ``Server-Timing`` header) and requests per second. Baseline in the same run: the library called in-process
   (``HelpdeskModel.predict`` / ``ProactiveHelper.suggest``) on the same model, one call at a time.
3. Webhook acknowledgement at a paced 200 events/s (signed Zendesk events; the queue's worker writes back in dry-run).
4. Crash: a burst of ``--crash-events`` webhook events, each sent until acknowledged (8 senders, as a helpdesk
   retries), the server killed with SIGKILL a third of the way in and restarted; a fake helpdesk on loopback counts
   the write-backs. The crash run uses a hash-encoder model so that it ends in minutes: what it measures is the
   queue, not the encoder.

Bounded: each load level stops after ``--requests`` requests or ``--max-seconds``, whichever comes first.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section  # noqa: E402

from serve._support import (  # noqa: E402
    FakeHelpdesk,
    Server,
    build_model,
    deliver_until_acknowledged,
    wait_for,
    zendesk_event,
    zendesk_headers,
)

EN = {"subject": "Card declined", "body": "My card payment failed at the checkout twice, what should I do?"}
FI = {"subject": "Maksu ei mene läpi", "body": "Korttimaksu hylättiin kassalla kahdesti, mitä teen?", "language": "fi"}
SEEN = {"url": "https://shop.example.fi/checkout/payment?step=3", "error_code": "CARD_DECLINED",
        "error_message": "Payment 88123 failed: card declined (code 05)", "language": "en"}
SECRET = "bench-secret"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def server_ms(r: httpx.Response) -> float:
    head = r.headers.get("server-timing", "")
    return float(head.split("dur=")[1]) if "dur=" in head else float("nan")


#: Load generators: "raw" (the default) writes pre-encoded HTTP/1.1 requests on keep-alive connections and reads
#: the responses with asyncio streams, a few hundred microseconds of CPU a request; "httpx" is the httpx
#: AsyncClient, as a helpdesk's Python client would call, at 3-5 ms of CPU a request. On these 2 cores the
#: generator's CPU is taken from the server and, with one client, added to every measured latency.
CLIENTS = ("raw", "httpx")


async def load(url: str, path: str, bodies: list[dict], concurrency: int, n: int, max_s: float,
               client: str = "raw") -> dict[str, Any]:
    """``n`` requests (or ``max_s`` seconds) from ``concurrency`` clients, request ``i`` sending ``bodies[i]``.

    Each request carries a ticket of its own, so that the server's embedding cache never answers for the
    encoder (the same ticket sent again would be embedded once and then read from the cache). ``client`` picks
    the load generator (:data:`CLIENTS`); the result has its CPU per request (``client_cpu_ms``).
    """
    cpu0 = time.process_time()
    if client == "raw":
        res = await _load_raw(url, path, bodies, concurrency, n, max_s)
    elif client == "httpx":
        res = await _load_httpx(url, path, bodies, concurrency, n, max_s)
    else:
        raise ValueError(f"client must be one of {CLIENTS}, got {client!r}")
    res["client_cpu_ms"] = (time.process_time() - cpu0) * 1000 / max(res["n"], 1)
    res["client"] = client
    return res


def _summary(lat: list[float], srv: list[float], errors: int, wall: float) -> dict[str, Any]:
    return {"n": len(lat), "errors": errors, "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
            "server_p99": pct(srv, 99), "rps": len(lat) / wall}


async def _load_raw(url: str, path: str, bodies: list[dict], concurrency: int, n: int,
                    max_s: float) -> dict[str, Any]:
    """:func:`load` on raw keep-alive HTTP/1.1 connections (requests encoded before the clock starts)."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    payloads = [json.dumps(b).encode() for b in bodies]
    head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
    requests = [(head + f"Content-Length: {len(p)}\r\n\r\n").encode() + p for p in payloads]
    lat: list[float] = []
    srv: list[float] = []
    errors = 0
    sent = 0

    async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
                       ) -> tuple[int, float]:
        writer.write(request)
        raw_head = await reader.readuntil(b"\r\n\r\n")
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" not in headers:
            raise RuntimeError(f"a response without Content-Length: {lines[0]!r}")
        await reader.readexactly(int(headers["content-length"]))
        timing = headers.get("server-timing", "")
        return status, float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")

    async def worker(first: bool) -> None:
        nonlocal sent, errors
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            if first:
                await exchange(reader, writer, requests[-1])  # a warm connection
            while sent < n and time.perf_counter() < deadline:
                request = requests[sent % len(requests)]
                sent += 1
                t0 = time.perf_counter()
                status, server = await exchange(reader, writer, request)
                lat.append((time.perf_counter() - t0) * 1000)
                srv.append(server)
                errors += status != 200
        finally:
            writer.close()

    deadline = time.perf_counter() + max_s
    t0 = time.perf_counter()
    await asyncio.gather(*(worker(i == 0) for i in range(concurrency)))
    return _summary(lat, srv, errors, time.perf_counter() - t0)


async def _load_httpx(url: str, path: str, bodies: list[dict], concurrency: int, n: int,
                      max_s: float) -> dict[str, Any]:
    """:func:`load` with an httpx AsyncClient."""
    lat: list[float] = []
    srv: list[float] = []
    errors = 0
    sent = 0
    deadline = time.perf_counter() + max_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await client.post(path, json=bodies[-1])  # a warm connection

        async def worker() -> None:
            nonlocal sent, errors
            while sent < n and time.perf_counter() < deadline:
                body = bodies[sent % len(bodies)]
                sent += 1
                t0 = time.perf_counter()
                r = await client.post(path, json=body)
                lat.append((time.perf_counter() - t0) * 1000)
                srv.append(server_ms(r))
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - t0
    return _summary(lat, srv, errors, wall)


def baseline(fn: Any, items: list[Any], n: int, max_s: float) -> dict[str, float]:
    """The library in-process, one call at a time, on ``items`` (fresh tickets: no cache hit)."""
    fn(items[-1])
    lat: list[float] = []
    deadline = time.perf_counter() + max_s
    cpu0 = time.process_time()
    while len(lat) < n and time.perf_counter() < deadline:
        item = items[len(lat) % len(items)]
        t0 = time.perf_counter()
        fn(item)
        lat.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000 / max(len(lat), 1)
    return {"p50": pct(lat, 50), "p99": pct(lat, 99), "n": len(lat), "cpu_ms": cpu_ms}


def webhook_pace(url: str, rate: float, seconds: float, start: int) -> dict[str, Any]:
    """Signed events sent at a fixed rate from a thread pool; acknowledgement latency."""
    n = int(rate * seconds)
    bodies = [json.dumps(zendesk_event(start + i)).encode() for i in range(n)]
    lat: list[float] = []
    codes: list[int] = []
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=32))

    def send(i: int) -> None:
        headers = zendesk_headers(bodies[i], SECRET)
        t0 = time.perf_counter()
        r = client.post(url + "/webhooks/zendesk", content=bodies[i], headers=headers)
        lat.append((time.perf_counter() - t0) * 1000)
        codes.append(r.status_code)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(32) as pool:
        for i in range(n):
            due = t0 + i / rate
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            pool.submit(send, i)
    wall = time.perf_counter() - t0
    client.close()
    return {"n": n, "ok": sum(c == 202 for c in codes), "p50": pct(lat, 50), "p99": pct(lat, 99),
            "rate": n / wall}


def fresh_tickets(n: int, seed: int = 4242) -> dict[str, list[dict[str, str]]]:
    """Distinct held-out web-shop tickets per language (``"en"``, ``"fi"``), none seen in training."""
    import cxml

    tickets = cxml.make_webshop(n_tickets=n, seed=seed).tickets
    out: dict[str, list[dict[str, str]]] = {"en": [], "fi": []}
    seen: set[str] = set()
    for subject, body, lang in zip(tickets["subject"].fillna(""), tickets["body"].fillna(""), tickets["language"],
                                   strict=True):
        if lang in out and f"{subject}\n{body}" not in seen:
            seen.add(f"{subject}\n{body}")
            out[lang].append({"subject": subject, "body": body, "language": lang})
    return out


def build_english_model(path: Path, n_tickets: int, seed: int = 0, spec: str = "minilm") -> Path:
    """Triage + knowledge base trained on the English tickets and articles only, with ``spec``.

    The English target assumes the English encoder: ``encoder="auto"`` picks ``minilm`` for English-only
    data, but the web shop's English tickets greet in Finnish ("Moi", "Kiitos") often enough (2.5 %) that
    auto keeps the multilingual e5-small for them, so the encoder is named here.
    """
    import cxml

    data = cxml.make_webshop(n_tickets=n_tickets, seed=seed)
    tickets = data.tickets[data.tickets["language"] == "en"]
    articles = data.articles[data.articles["language"] == "en"]
    triage = cxml.Triage(targets=("reason", "priority"), encoder=spec, random_state=seed).fit(tickets)
    kb = cxml.KnowledgeBase(encoder=spec, random_state=seed).add(articles).fit_feedback(tickets)
    return cxml.HelpdeskModel(triage=triage, knowledge=kb).save(path)


def measure(url: str, endpoints: dict[str, tuple[str, list[dict]]], levels: list[int], n: int,
            max_s: float, clients: tuple[str, ...] = ("raw",)) -> list[tuple[str, int, dict[str, Any]]]:
    """Each endpoint at each concurrency level with each load generator; each level sends its own slice of the
    fresh bodies (the generators of one level the same slice, one after the other)."""
    rows = []
    for name, (path, bodies) in endpoints.items():
        for li, c in enumerate(levels):
            part = bodies[li * n:(li + 1) * n] or bodies
            for client in clients:
                res = asyncio.run(load(url, path, part, c, n, max_s, client=client))
                rows.append((name, c, res))
                print(f"{name:15s} c={c:2d} {client:5s}: n={res['n']:4d} p50 {res['p50']:7.1f} ms p99 "
                      f"{res['p99']:7.1f} ms server p99 {res['server_p99']:7.1f} ms {res['rps']:7.1f} req/s errors "
                      f"{res['errors']}; client CPU {res['client_cpu_ms']:.2f} ms/request", flush=True)
    return rows


def crash(model: Path, work: Path, n_events: int) -> dict[str, Any]:
    queue = work / "crash.sqlite"
    env = {"ZD_SECRET": SECRET, "ZD_TOKEN": "bench-token"}
    with FakeHelpdesk() as desk:
        srv = Server(model, "--queue", str(queue), "--webhook-secret-env", "zendesk=ZD_SECRET", "--writeback",
                     "--writeback-url", f"zendesk={desk.url}", "--writeback-token-env", "zendesk=ZD_TOKEN",
                     "--writeback-email", "zendesk=bench@example.fi", env=env, log=work / "crash.log")
        srv.start()
        # the burst starts once the worker is triaging, so that the kill lands amid intake and write-backs
        wait_for(lambda: httpx.get(srv.url + "/readyz").json().get("webhook_worker") != "starting", timeout=600)
        acked: set[int] = set()
        attempts = [0]
        lock = threading.Lock()
        client = httpx.Client(timeout=10)

        def deliver(i: int) -> None:
            tries = deliver_until_acknowledged(srv.url, i, SECRET, acked, lock, client)
            with lock:
                attempts[0] += tries

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(deliver, i) for i in range(n_events)]
            # killed a third of the way into the burst, once the worker is writing back
            wait_for(lambda: len(acked) >= n_events // 3 and len(desk.writes) > 0, timeout=3600)
            srv.signal(signal.SIGKILL)
            srv.proc.wait(60)  # type: ignore[union-attr]
            at_kill = {"acknowledged": len(acked), "written back": len(desk.writes)}
            srv.kill()
            t_restart = time.perf_counter()
            srv.start(timeout=600)
            restart_s = time.perf_counter() - t_restart
            for f in futures:
                f.result()
        intake_s = time.perf_counter() - t0
        from cxml.serve import WebhookQueue

        def counts() -> dict[str, int]:
            q = WebhookQueue(queue)
            try:
                return q.counts()
            finally:
                q.close()

        wait_for(lambda: counts()["done"] + counts()["dead"] >= n_events, timeout=7200, interval=1.0)
        total_s = time.perf_counter() - t0
        srv.stop()
        client.close()
        q = WebhookQueue(queue)
        events, wbs = q.events(), q.writebacks()
        q.close()
        per_ticket = desk.writes_per_ticket()
    recorded = set(wbs.loc[wbs["dry_run"] == 0, "ticket_id"])
    return {"events": n_events, "deliveries": attempts[0], "at_kill": at_kill, "restart_s": restart_s,
            "stored": len(events), "done": int((events["state"] == "done").sum()),
            "dead": int((events["state"] == "dead").sum()),
            "lost": n_events - len(set(events["event_id"])),
            "written_twice": sum(c > 1 for c in per_ticket.values()), "writes": len(desk.writes),
            "recorded_not_received": len(recorded - set(per_ticket)),
            "received_not_recorded": len(set(per_ticket) - recorded),
            "intake_s": intake_s, "total_s": total_s,
            "recovered": re.findall(r"(\d+) events requeued, (\d+) in doubt", srv.output())}


def batch_stats(url: str) -> tuple[float, float]:
    """(triage calls, triaged tickets) so far, from the service's ``/metrics``."""
    lines = [line for line in httpx.get(url + "/metrics").text.splitlines()
             if line.startswith("cxml_triage_batch_size_") and ("_sum" in line or "_count" in line)]
    total = float(next(b for b in lines if "_sum" in b).split()[-1])
    calls = float(next(b for b in lines if "_count" in b).split()[-1])
    return calls, total


def english_only(args: argparse.Namespace) -> None:
    """``--english-only``: the English-only model's ``/v1/triage`` rows alone (no demo model, webhooks or crash),
    with the in-process baselines of the service's own path (``ServingModel.triage_rows``, one record) and of
    ``predict`` on a bare text; prints, never writes RESULTS.md."""
    import os

    from cxml.serve.holder import load_serving_model

    work = Path(tempfile.mkdtemp(prefix="cxml-bench-serve-en-"))
    load_before = os.getloadavg()
    en_dir = Path(args.english_model_dir) if args.english_model_dir else build_english_model(
        work / "model-en", n_tickets=args.n_tickets, spec=args.english_encoder)
    levels = [int(x) for x in args.levels.split(",")]
    n_req = args.requests
    en = fresh_tickets(max(4000, 3 * n_req * (len(levels) + 1)))["en"]
    held = len(levels) * n_req
    served = load_serving_model(en_dir)
    rows_base = baseline(lambda t: served.triage_rows([t]), en[held:], n_req, args.max_seconds)
    text_base = baseline(lambda t: served.triage.predict([t["subject"] + "\n" + t["body"]]), en[held + n_req:],
                         n_req, args.max_seconds)
    print(f"in-process triage_rows([record]) p50 {rows_base['p50']:.1f} p99 {rows_base['p99']:.1f} ms "
          f"(CPU {rows_base['cpu_ms']:.1f} ms/call); predict([text]) p50 {text_base['p50']:.1f} p99 "
          f"{text_base['p99']:.1f} ms (CPU {text_base['cpu_ms']:.1f} ms/call)", flush=True)
    srv = Server(en_dir, "--queue", str(work / "q-en.sqlite"), *args.server_arg, env=server_env(args),
                 log=work / "serve-en.log").start(timeout=600)
    assert srv.proc is not None
    bodies = [{"ticket": t} for t in en]
    for li, c in enumerate(levels):
        for client in args.clients.split(","):
            calls0, total0 = batch_stats(srv.url)
            cpu0 = process_cpu_s(srv.proc.pid)
            res = asyncio.run(load(srv.url, "/v1/triage", bodies[li * n_req:(li + 1) * n_req], c, n_req,
                                   args.max_seconds, client=client))
            cpu = process_cpu_s(srv.proc.pid) - cpu0
            calls, total = (a - b for a, b in zip(batch_stats(srv.url), (calls0, total0), strict=True))
            # the server's CPU (all its threads) per request of this level; the warm-up request and the two
            # /metrics reads are in it too (a few milliseconds in all)
            print(f"triage en c={c:2d} {client:5s}: n={res['n']:4d} p50 {res['p50']:7.1f} ms p99 {res['p99']:7.1f} "
                  f"ms server p99 {res['server_p99']:7.1f} ms {res['rps']:7.1f} req/s errors {res['errors']}; "
                  f"server CPU {cpu * 1000 / max(res['n'], 1):.1f} ms/request, client CPU "
                  f"{res['client_cpu_ms']:.2f}; {calls:.0f} triage calls for {total:.0f} tickets "
                  f"(mean batch {total / max(calls, 1):.2f})", flush=True)
    srv.stop()
    print(f"load average (1 min) {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)


def server_env(args: argparse.Namespace) -> dict[str, str]:
    """The served process's thread count (``OMP_NUM_THREADS``, which ONNX Runtime and PyTorch follow)."""
    return {"OMP_NUM_THREADS": str(args.server_threads)}


def cold_starts(args: argparse.Namespace) -> None:
    """``--cold-starts N``: an English-only model (a sentence-transformers encoder) started N times with its
    ONNX export record (``cxml.encoders.export_record``: no PyTorch) and, interleaved, N times without one (the
    records deleted before the start, so the server imports PyTorch and checks the export afresh, which writes
    the record again); writes the section "serve-cold-start" of RESULTS.md."""
    import os

    from cxml.encoders.onnx_export import cache_dir

    work = Path(tempfile.mkdtemp(prefix="cxml-bench-serve-cold-"))
    load_before = os.getloadavg()
    en_dir = Path(args.english_model_dir) if args.english_model_dir else build_english_model(
        work / "model-en", n_tickets=args.n_tickets, spec=args.english_encoder)
    import cxml

    spec = cxml.persistence.read_manifest(en_dir)["encoder"]["spec"]
    results: dict[str, list[dict[str, Any]]] = {"without a record (PyTorch loaded, export checked)": [],
                                                "with the record (no PyTorch)": []}
    for i in range(args.cold_starts):
        for name in results:
            if name.startswith("without"):
                for record in cache_dir().glob("st-*.json"):
                    record.unlink()
            t0 = time.perf_counter()
            srv = Server(en_dir, "--queue", str(work / f"q-{i}.sqlite"), *args.server_arg, env=server_env(args),
                         log=work / "serve-cold.log").start(timeout=600)
            cold = time.perf_counter() - t0
            assert srv.proc is not None
            ready = httpx.get(srv.url + "/readyz").json()["model"]
            maps = Path(f"/proc/{srv.proc.pid}/maps")
            torch_loaded = "libtorch" in maps.read_text() if maps.exists() else None
            rss_mb = next((int(line.split()[1]) / 1024 for line in
                           Path(f"/proc/{srv.proc.pid}/status").read_text().splitlines()
                           if line.startswith("VmRSS:")), float("nan"))
            srv.stop()
            results[name].append({"cold": cold, "load": ready["load_s"], "warm": ready["warm_s"],
                                  "torch": torch_loaded, "rss": rss_mb})
            print(f"{name}: ready in {cold:.1f} s (load {ready['load_s']:.1f} s, warm-up {ready['warm_s']:.1f} s), "
                  f"PyTorch loaded: {torch_loaded}, RSS {rss_mb:.0f} MB", flush=True)
    lines = [f"**Cold start of an English-only model** (`build_english_model`, encoder `{spec}`, "
             f"{args.n_tickets} training tickets): `cxml serve` started {args.cold_starts} times each way, "
             "interleaved, seconds from the subprocess start to `/readyz` 200 (model load and warm-up as the "
             "service reports them; resident memory once ready). Baseline in the same run: the same start with the "
             "ONNX export records deleted, which is what every start did before the records. Load average (1 min) "
             f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after.", "",
             "| start | cold start to ready s (each) | model load s | warm-up s | PyTorch loaded | RSS MB |",
             "|---|---|---|---|---|---|"]
    for name, runs in results.items():
        colds = ", ".join(f"{r['cold']:.1f}" for r in runs)
        lines.append(f"| {name} | {colds} | "
                     f"{np.median([r['load'] for r in runs]):.1f} | {np.median([r['warm'] for r in runs]):.1f} | "
                     f"{', '.join(str(r['torch']).lower() for r in runs)} | {np.median([r['rss'] for r in runs]):.0f} |")
    body = "\n".join(lines)
    print("\n" + body)
    if not args.no_write:
        write_section("serve-cold-start", body)


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far, all its threads (Linux ``/proc``; NaN elsewhere)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="auto", help="encoder of the served demo model (default auto)")
    ap.add_argument("--n-tickets", type=int, default=600, help="training tickets of the demo model")
    ap.add_argument("--model", default=None, help="reuse a model directory instead of training one")
    ap.add_argument("--requests", type=int, default=300, help="requests per endpoint and level (default 300)")
    ap.add_argument("--max-seconds", type=float, default=20.0, help="time bound per endpoint and level")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--webhook-rate", type=float, default=200.0)
    ap.add_argument("--webhook-seconds", type=float, default=5.0)
    ap.add_argument("--crash-events", type=int, default=10_000, help="0 skips the crash run")
    ap.add_argument("--english-encoder", default="minilm", help="encoder of the English-only model")
    ap.add_argument("--clients", default="raw,httpx",
                    help=f"load generators, comma-separated, of {CLIENTS}: every endpoint and level is measured "
                         "with each (the targets are read on the first)")
    ap.add_argument("--no-english-model", dest="english_model", action="store_false",
                    help="skip the English-only model (encoder auto -> minilm) for the English triage target")
    ap.add_argument("--note", default="", help="a line added to the RESULTS section (e.g. machine load)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    ap.add_argument("--english-only", action="store_true",
                    help="measure only /v1/triage on the English-only model (prints; RESULTS.md untouched)")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="an extra `cxml serve` argument for the served models (repeat; e.g. --server-arg=--worker "
                         "--server-arg=thread)")
    ap.add_argument("--english-model-dir", default=None, help="with --english-only: reuse this model directory")
    ap.add_argument("--crash-only", action="store_true",
                    help="run only the SIGKILL crash run (--crash-events events; prints, RESULTS.md untouched)")
    ap.add_argument("--server-threads", type=int, default=1, metavar="N",
                    help="OMP_NUM_THREADS of the served process (the encoder's threads; default 1, as in the "
                         "RESULTS tables: the other core is left to the event loop and the load generator)")
    ap.add_argument("--cold-starts", type=int, default=0, metavar="N",
                    help="only start an English-only model N times with and N times without its ONNX export record "
                         "(writes its own RESULTS section)")
    args = ap.parse_args()
    if args.cold_starts:
        cold_starts(args)
        return
    if args.english_only:
        english_only(args)
        return
    if args.crash_only:
        work = Path(tempfile.mkdtemp(prefix="cxml-bench-serve-crash-"))
        crashed = crash(build_model(work / "hash-model", n_tickets=300), work, args.crash_events)
        print("crash:", json.dumps(crashed, default=str), flush=True)
        return

    import os
    import warnings

    import cxml

    # the in-process baseline sends bare texts to a model fitted with context columns; it says so on every call
    warnings.filterwarnings("ignore", message=".*which this input lacks.*", category=UserWarning)

    work = Path(tempfile.mkdtemp(prefix="cxml-bench-serve-"))
    load_before = os.getloadavg()
    if args.model:
        model_dir = Path(args.model)
    else:
        t0 = time.perf_counter()
        model_dir = build_model(work / "model", n_tickets=args.n_tickets, encoder=args.encoder)
        print(f"model trained in {time.perf_counter() - t0:.0f} s: {model_dir}", flush=True)
    spec = cxml.persistence.read_manifest(model_dir)["encoder"]["spec"]
    levels = [int(x) for x in args.levels.split(",")]

    t0 = time.perf_counter()
    srv = Server(model_dir, *args.server_arg, "--queue", str(work / "q.sqlite"), "--webhook-secret-env", "zendesk=ZD_SECRET",
                 env={"ZD_SECRET": SECRET, **server_env(args)}, log=work / "serve.log").start(timeout=600)
    cold = time.perf_counter() - t0
    ready = httpx.get(srv.url + "/readyz").json()
    print(f"cold start to ready: {cold:.1f} s (load {ready['model']['load_s']:.1f} s, warm "
          f"{ready['model']['warm_s']:.1f} s)", flush=True)
    # the webhook worker's process loads the model after the server is ready: measure once it has
    wait_for(lambda: httpx.get(srv.url + "/readyz").json().get("webhook_worker") != "starting", timeout=600)
    print(f"webhook worker running {time.perf_counter() - t0:.1f} s after the start", flush=True)

    pool = fresh_tickets(max(4000, 3 * args.requests * (len(levels) + 1)))
    n_req = args.requests
    en, fi = pool["en"], pool["fi"]
    model = cxml.load(model_dir)
    # the in-process baseline reads tickets no served request sends (the slice after the levels')
    held = len(levels) * n_req
    base = {
        "triage en": baseline(lambda t: model.predict([t["subject"] + "\n" + t["body"]]), en[held:], n_req,
                              args.max_seconds),
        "triage fi": baseline(lambda t: model.predict([t["subject"] + "\n" + t["body"]]), fi[held:], n_req,
                              args.max_seconds),
        "suggest": baseline(lambda t: model.knowledge.suggest(t, k=3), en[held:], n_req, args.max_seconds),
        "proactive seen": baseline(lambda t: model.proactive.suggest(**t), [SEEN], n_req, args.max_seconds),
    }
    endpoints = {"triage en": ("/v1/triage", [{"ticket": t} for t in en]),
                 "triage fi": ("/v1/triage", [{"ticket": t} for t in fi]),
                 "suggest": ("/v1/suggest", [{"ticket": t, "k": 3} for t in en]),
                 "proactive seen": ("/v1/proactive", [SEEN])}
    clients = tuple(args.clients.split(","))
    rows = measure(srv.url, endpoints, levels, n_req, args.max_seconds, clients[:1])
    hooks = webhook_pace(srv.url, args.webhook_rate, args.webhook_seconds, start=10_000_000)
    print(f"webhooks at {hooks['rate']:.0f}/s: {hooks['ok']}/{hooks['n']} acknowledged, p50 {hooks['p50']:.1f} ms "
          f"p99 {hooks['p99']:.1f} ms", flush=True)
    metrics = httpx.get(srv.url + "/metrics").text
    batches = [line for line in metrics.splitlines() if line.startswith("cxml_triage_batch_size_")
               and ("_sum" in line or "_count" in line)]
    srv.stop()
    batch_sum = float(next(b for b in batches if "_sum" in b).split()[-1])
    batch_count = float(next(b for b in batches if "_count" in b).split()[-1])

    english = None
    if args.english_model:
        en_dir = build_english_model(work / "model-en", n_tickets=args.n_tickets, spec=args.english_encoder)
        en_spec = cxml.persistence.read_manifest(en_dir)["encoder"]["spec"]
        en_srv = Server(en_dir, "--queue", str(work / "q-en.sqlite"), *args.server_arg, env=server_env(args),
                        log=work / "serve-en.log").start(timeout=600)
        en_model = cxml.load(en_dir)
        en_base = baseline(lambda t: en_model.predict([t["subject"] + "\n" + t["body"]]), en[held:], n_req,
                           args.max_seconds)
        en_rows = measure(en_srv.url, {"triage en": ("/v1/triage", [{"ticket": t} for t in en])}, levels, n_req,
                          args.max_seconds, clients)
        en_srv.stop()
        english = {"spec": en_spec, "rows": en_rows, "base": en_base}

    crashed = None
    if args.crash_events:
        hash_model = model_dir if spec == "hash" else build_model(work / "hash-model", n_tickets=300)
        crashed = crash(hash_model, work, args.crash_events)
        print("crash:", json.dumps(crashed, default=str), flush=True)
    load_after = os.getloadavg()

    lines = [f"Served model: the demo bundle (triage reason + priority, knowledge base, proactive helper), "
             f"{args.n_tickets if not args.model else 'given with --model:'} training tickets, encoder `{spec}`. Load average "
             f"(1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after"
             + (f"; {args.note}" if args.note else "") + ".", "",
             f"Cold start to ready (subprocess start to `/readyz` 200): **{cold:.1f} s** (model load "
             f"{ready['model']['load_s']:.1f} s, warm-up {ready['model']['warm_s']:.1f} s; target <= 10 s).", "",
             "| endpoint | clients | load generator (its CPU ms/request) | requests | p50 ms | p95 ms | p99 ms | "
             "server p99 ms | req/s | errors | in-process p50 / p99 ms |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, c, r in rows:
        lines.append(f"| {name} | {c} | {r['client']} ({r['client_cpu_ms']:.2f}) | {r['n']} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} | {r['server_p99']:.1f} | {r['rps']:.0f} | {r['errors']} | "
                     f"{base[name]['p50']:.1f} / {base[name]['p99']:.1f} |")
    if english:
        for name, c, r in english["rows"]:
            lines.append(f"| {name}, English-only model (`{english['spec']}`) | {c} | {r['client']} "
                         f"({r['client_cpu_ms']:.2f}) | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
                         f"{r['server_p99']:.1f} | {r['rps']:.0f} | {r['errors']} | {english['base']['p50']:.1f} / "
                         f"{english['base']['p99']:.1f} |")
    lines += ["", "Every request carries a ticket of its own (distinct held-out web-shop tickets), so the server's "
              "embedding cache never answers for the encoder; the in-process baseline reads other fresh tickets.",
              "", "Load generators (client and server share the 2 cores): `raw` writes pre-encoded HTTP/1.1 requests on "
              "keep-alive connections (asyncio streams); `httpx` is httpx's AsyncClient. With one client, the "
              "generator's own CPU per request is part of every latency measured; the targets are read on the "
              f"`{clients[0]}` rows."]
    lines += ["", f"Micro-batching: {batch_count:.0f} encoder calls for {batch_sum:.0f} triaged tickets over the run "
              f"(mean batch {batch_sum / max(batch_count, 1):.2f}).", "",
              f"Webhooks paced at {hooks['rate']:.0f} events/s for {args.webhook_seconds:.0f} s: {hooks['ok']} of "
              f"{hooks['n']} acknowledged (202), acknowledgement p50 {hooks['p50']:.1f} ms, **p99 "
              f"{hooks['p99']:.1f} ms** (target <= 50 ms)."]
    if crashed:
        lines += ["", f"SIGKILL during a burst of {crashed['events']} webhook events (8 senders, each event sent "
                  f"until acknowledged: {crashed['deliveries']} deliveries in all; hash-encoder model, real "
                  f"write-back to a fake helpdesk on loopback): killed with {crashed['at_kill']['acknowledged']} "
                  f"acknowledged and {crashed['at_kill']['written back']} written back; restart to ready "
                  f"{crashed['restart_s']:.1f} s. After the restart: **{crashed['lost']} lost**, {crashed['stored']} "
                  f"stored, {crashed['done']} done, {crashed['dead']} dead-lettered, **{crashed['written_twice']} "
                  f"written back twice**, {crashed['writes']} write-backs received "
                  f"({crashed['recorded_not_received']} recorded but not received, "
                  f"{crashed['received_not_recorded']} received but not recorded); at the restart the queue "
                  f"requeued / held in doubt {crashed['recovered']}. Intake {crashed['intake_s']:.0f} s, "
                  f"all processed after {crashed['total_s']:.0f} s."]
    # the targets are read on the first load generator's rows
    by = {(name, c): r for name, c, r in rows if r["client"] == clients[0]}

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    checks = []
    if english:  # the English targets are for an English model: encoder "auto" on English tickets
        by.update({("triage en", c): r for _, c, r in english["rows"] if r["client"] == clients[0]})
        checks.append(f"(English rows below: the English-only model, `{english['spec']}`)")
    if ("triage en", 1) in by:
        checks.append(f"/v1/triage one English ticket, 1 client: p99 {by[('triage en', 1)]['p99']:.0f} ms "
                      f"(target <= 15): {verdict(by[('triage en', 1)]['p99'] <= 15)}")
    if ("triage en", 8) in by:
        r8 = by[("triage en", 8)]
        checks.append(f"8 clients: p99 {r8['p99']:.0f} ms (<= 50) and {r8['rps']:.0f} tickets/s (>= 200): "
                      f"{verdict(r8['p99'] <= 50 and r8['rps'] >= 200)}")
    if ("triage fi", 1) in by:
        checks.append(f"one Finnish ticket, 1 client: p99 {by[('triage fi', 1)]['p99']:.0f} ms (<= 50): "
                      f"{verdict(by[('triage fi', 1)]['p99'] <= 50)}")
    if ("proactive seen", 1) in by:
        checks.append(f"/v1/proactive seen context, server-side p99 {by[('proactive seen', 1)]['server_p99']:.1f} ms "
                      f"(<= 5): {verdict(by[('proactive seen', 1)]['server_p99'] <= 5)}")
    checks.append(f"webhook acknowledgement p99 {hooks['p99']:.0f} ms at {hooks['rate']:.0f}/s (<= 50 ms at 200/s): "
                  f"{verdict(hooks['p99'] <= 50 and hooks['rate'] >= 190)}")
    checks.append(f"cold start {cold:.0f} s (<= 10 s): {verdict(cold <= 10)}")
    if crashed:
        checks.append(f"after SIGKILL: {crashed['lost']} lost, {crashed['written_twice']} written twice, "
                      f"{crashed['done']} of {crashed['events']} processed: "
                      f"{verdict(crashed['lost'] == 0 and crashed['written_twice'] == 0 and crashed['done'] == crashed['events'])}")
    lines += ["", "Against the issue's targets (as measured in this run):", ""] + [f"- {c}" for c in checks]
    body = "\n".join(lines)
    print("\n" + body)
    if not args.no_write:
        write_section("serve", "## HTTP service (`benchmarks/bench_serve.py`)\n\n" + body)


if __name__ == "__main__":
    main()
