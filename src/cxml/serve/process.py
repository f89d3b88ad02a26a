"""The webhook worker in a child process, so triage never competes with the acknowledgements for the GIL.

In one process the worker's triage (pandas, the heads, tokenising: Python holding the GIL) delays every step of
an acknowledgement that needs the GIL back, up to a switch interval (5 ms) each time, and a request takes dozens
of such steps: hundreds of milliseconds at 200 events/s. Here the HTTP process only verifies, de-duplicates and
commits each event (one transaction), and a child started with ``spawn`` loads the same model directory and runs
:class:`~cxml.serve.worker.WebhookWorker` on the same SQLite file (WAL mode: readers never block the writer, and
each side's transactions are short), so the exactly-once rules of :mod:`cxml.serve.queue` hold unchanged.

The child dies with the service: on Linux the kernel kills it when the process that started it dies (even by
SIGKILL), elsewhere it checks its parent twice a second; so a restarted service never finds an old worker still
writing back. Its metrics (decisions, write-backs) are sent to the parent, which serves them on ``/metrics``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxml.serve.metrics import ServiceMetrics
from cxml.serve.worker import VendorConfig

__all__ = ["WorkerProcess"]

log = logging.getLogger("cxml.serve")

_PR_SET_PDEATHSIG = 1


class WorkerProcess:
    """Run the webhook worker for ``model_dir`` and ``queue_path`` in a child process.

    Parameters
    ----------
    model_dir, queue_path : str or Path
    vendors : mapping of str to VendorConfig
    writeback : bool
    metrics : ServiceMetrics
        The parent's metrics; the child's counts are added to them.
    queue_options : mapping, optional
        Keyword arguments of :class:`~cxml.serve.queue.WebhookQueue`.
    """

    def __init__(self, model_dir: str | Path, queue_path: str | Path, vendors: Mapping[str, VendorConfig], *,
                 writeback: bool, metrics: ServiceMetrics, queue_options: Mapping[str, Any] | None = None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.wake = ctx.Event()
        self.ready = ctx.Event()
        self._stop = ctx.Event()
        self._control: Any = ctx.Queue()
        self._counts: Any = ctx.Queue()
        self.metrics = metrics
        self._process = ctx.Process(
            target=_child_main, name="cxml-webhook-worker", daemon=True,
            args=(str(model_dir), str(queue_path), dict(vendors), writeback, dict(queue_options or {}),
                  self.wake, self.ready, self._stop, self._control, self._counts, os.getpid()))
        self._relay = threading.Thread(target=self._apply_counts, name="cxml-worker-metrics", daemon=True)

    def start(self) -> None:
        """Start the child (it loads the model, recovers the queue after a crash, then works)."""
        self._process.start()
        self._relay.start()

    def reload(self, path: str | Path) -> None:
        """Have the child load ``path`` for the events it takes from now on."""
        self._control.put(("reload", str(path)))

    def stop(self, timeout: float = 15.0) -> None:
        """Let the child finish its current event and exit (killed after ``timeout`` seconds, or at once while
        it is still loading the model: it holds no event then)."""
        if self._process is None:
            return
        if not self.ready.is_set():
            timeout = 0.0
        self._stop.set()
        self.wake.set()
        self._control.put(("stop", ""))
        self._process.join(timeout)
        if self._process.is_alive():
            if timeout:
                log.warning("the webhook worker did not stop within %.0f s; killing it (its event is retried)",
                            timeout)
            self._process.kill()
            self._process.join(5)
        self._counts.put(None)
        self._relay.join(5)
        self._release()

    def _release(self) -> None:
        """Free the semaphores behind the events and queues now: uvicorn ends the process by raising SIGTERM
        again after its shutdown, so exit handlers never run and Python's resource tracker would report them
        as leaked. The object is finished afterwards."""
        for q in (self._control, self._counts):
            q.close()
            q.join_thread()
        self._process.close()
        self.wake = self.ready = self._stop = self._control = self._counts = self._process = None  # type: ignore[assignment]
        gc.collect()

    @property
    def running(self) -> bool:
        """Whether the child has loaded its model and works (False again once stopped)."""
        return self.ready is not None and self.ready.is_set() and self._process.is_alive()

    def _apply_counts(self) -> None:
        while True:
            item = self._counts.get()
            if item is None:
                return
            family, labels, n = item
            with contextlib.suppress(Exception):  # a metric is never worth failing the relay
                getattr(self.metrics, family).labels(*labels).inc(n)


class _CountRelay:
    """Stands in for :class:`ServiceMetrics` in the child: ``metrics.decisions.labels(...).inc(n)`` is sent."""

    def __init__(self, out: Any) -> None:
        self._out = out

    def __getattr__(self, family: str) -> _Family:
        return _Family(self._out, family)


class _Family:
    def __init__(self, out: Any, family: str) -> None:
        self._out = out
        self._family = family
        self._labels: tuple[str, ...] = ()

    def labels(self, *labels: str) -> _Family:
        fam = _Family(self._out, self._family)
        fam._labels = tuple(str(v) for v in labels)
        return fam

    def inc(self, n: float = 1.0) -> None:
        self._out.put((self._family, self._labels, n))


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when the parent dies (Linux), and watch the parent's pid everywhere."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    def watch() -> None:
        while True:
            threading.Event().wait(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="cxml-parent-watch", daemon=True).start()


def _child_main(model_dir: str, queue_path: str, vendors: dict[str, VendorConfig], writeback: bool,
                queue_options: dict[str, Any], wake: Any, ready: Any, stop: Any, control: Any, counts: Any,
                parent: int) -> None:
    """The child: load the model, run the worker, obey ``reload`` and ``stop`` messages."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops us
    with contextlib.suppress(OSError):
        os.nice(10)  # background work: the scheduler runs the server's requests first when the cores are busy
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: cxml webhook worker: %(message)s")
    import importlib

    from cxml.serve.holder import ModelHolder, load_serving_model
    from cxml.serve.queue import WebhookQueue
    from cxml.serve.worker import WebhookWorker

    connectors = importlib.import_module("cxml.connectors")
    holder = ModelHolder(load_serving_model(model_dir))
    queue = WebhookQueue(queue_path, **queue_options)
    worker = WebhookWorker(queue, lambda: holder.current, connectors, vendors, writeback=writeback,
                           metrics=_CountRelay(counts), wake=wake)  # type: ignore[arg-type]
    worker.start()
    ready.set()
    try:
        while not stop.is_set():
            try:
                kind, arg = control.get(timeout=1.0)
            except queue_module.Empty:
                continue
            if kind == "stop":
                break
            if kind == "reload":
                try:
                    holder.reload(arg)
                except Exception as exc:  # noqa: BLE001 - the parent validated it; keep the current model
                    log.error("webhook worker: reload of %s failed, keeping %s: %s", arg, holder.current.version,
                              exc)
    finally:
        worker.stop()
        queue.close()
        counts.close()
        counts.join_thread()
