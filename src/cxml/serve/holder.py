"""The serving model: loaded once, verified, warmed, and swapped atomically on reload."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxml.bundle import HelpdeskModel
from cxml.knowledge import KnowledgeBase
from cxml.language import warm_up as warm_languages
from cxml.persistence import load, read_manifest
from cxml.proactive import ProactiveHelper
from cxml.triage import Triage

__all__ = ["ServingModel", "ModelHolder", "load_serving_model", "settle_heap"]

log = logging.getLogger("cxml.serve")

# A service gets tickets with whatever columns the caller has; a model fitted with context columns treats the
# missing ones as unknown, and says so once per call. Per request that is noise in the server log.
_MISSING_CONTEXT = r".*which this input lacks.*"

_WARM_TICKET = {"subject": "Card payment failed", "body": "My card was declined at the checkout, what can I do?"}


@dataclass(frozen=True)
class ServingModel:
    """One loaded model directory and its components."""

    path: Path
    version: str
    triage: Any
    knowledge: Any
    proactive: Any
    loaded_at: float
    load_s: float
    warm_s: float = 0.0
    targets: tuple[str, ...] = field(default=())

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary (``/readyz``)."""
        return {"path": str(self.path), "version": self.version, "targets": list(self.targets),
                "components": [n for n in ("triage", "knowledge", "proactive") if getattr(self, n) is not None],
                "load_s": round(self.load_s, 3), "warm_s": round(self.warm_s, 3), "loaded_at": self.loaded_at}

    def triage_rows(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Triage decisions for ticket records, one flat dict per record (the library's columns)."""
        if self.triage is None:
            raise LookupError(f"the model at {self.path} has no triage component; serve a model with one")
        # Records are triaged together only with records that have the same fields: a ticket's result then does
        # not depend on which other requests it was batched with (a field one record lacks would otherwise be a
        # missing value in its row of a shared table, which the models can read differently from an absent
        # column: a detected language, an unknown has_error).
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, record in enumerate(records):
            groups.setdefault(tuple(sorted(record)), []).append(i)
        out: list[dict[str, Any]] = [{}] * len(records)
        for rows in groups.values():
            part = self.triage.predict_records([records[i] for i in rows])
            for i, row in zip(rows, part, strict=True):
                out[i] = row
        return out


def _components(model: Any) -> dict[str, Any]:
    if isinstance(model, HelpdeskModel):
        return {"triage": model.triage, "knowledge": model.knowledge, "proactive": model.proactive}
    if isinstance(model, Triage):
        return {"triage": model, "knowledge": None, "proactive": None}
    if isinstance(model, KnowledgeBase):
        return {"triage": None, "knowledge": model, "proactive": None}
    if isinstance(model, ProactiveHelper):
        return {"triage": None, "knowledge": model.knowledge, "proactive": model}
    raise TypeError(f"cannot serve a {type(model).__name__}: give a model directory holding a HelpdeskModel, "
                    "a Triage, a KnowledgeBase or a ProactiveHelper")


def load_serving_model(path: str | Path, *, warm: bool = True) -> ServingModel:
    """Load (checksums verified), check and warm a model directory.

    Warming loads the language detector's models (:func:`cxml.language.warm_up`), runs one ticket through triage,
    one query through the knowledge base and one context through the proactive helper, so the first real request
    does not pay for lazy loading; then the heap is settled
    (:func:`settle_heap`), so that no request pays for a full garbage collection over the model.

    Raises
    ------
    cxml.ArtifactError
        When the directory is not a valid model (missing files, bad checksums, newer format).
    TypeError
        When it holds something that cannot be served.
    """
    # set once for the process (catch_warnings() is not thread-safe, and predictions run in threads)
    warnings.filterwarnings("ignore", message=_MISSING_CONTEXT, category=UserWarning)
    path = Path(path)
    t0 = time.perf_counter()
    version = hashlib.sha256((path / "manifest.json").read_bytes()).hexdigest()[:12] \
        if (path / "manifest.json").is_file() else "unknown"
    read_manifest(path)  # a clear ArtifactError for a folder that is no model
    parts = _components(load(path))
    load_s = time.perf_counter() - t0
    targets = tuple(getattr(parts["triage"], "targets_", ())) if parts["triage"] is not None else ()
    sm = ServingModel(path=path, version=version, loaded_at=time.time(), load_s=load_s, targets=targets, **parts)
    if not warm:
        return sm
    t1 = time.perf_counter()
    _warm_languages()  # lingua holds the GIL while it loads: in a thread beside the model's loading it was slower
    if sm.triage is not None:
        sm.triage_rows([_WARM_TICKET])
    if sm.knowledge is not None:
        sm.knowledge.suggest(_WARM_TICKET, k=1, min_score=0)
    if sm.proactive is not None:
        sm.proactive.suggest(url="/checkout/payment", error_code="card_declined",
                             error_message="card declined", k=1)
    warm_s = time.perf_counter() - t1
    settle_heap()
    return ServingModel(path=path, version=version, loaded_at=sm.loaded_at, load_s=load_s, warm_s=warm_s,
                        targets=targets, **parts)


def settle_heap() -> None:
    """Move every object alive now (the loaded, warmed model) out of the garbage collector's reach.

    A model holds a few hundred thousand tracked objects (vocabularies, trees, encoder state). Python's full
    collection walks them all: with the demo model (~205,000 objects) 134 ms of CPU, 265 ms wall on 2 loaded
    cores, a pause that lands on whichever request is running. A reload pays one such collection, here. Frozen (:func:`gc.freeze`), they are skipped: a full collection then walks only what
    requests left behind. Objects in the frozen set are still freed by reference counting; cyclic garbage in it
    is not, so each call first unfreezes and collects (the model a reload replaced, once its last request is
    done), which bounds what stays frozen to the models served since the previous call.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _warm_languages() -> None:
    try:
        warm_languages()
    except Exception as exc:  # noqa: BLE001 - the first request then loads them (and reports any error)
        log.warning("could not preload the language detector: %s: %s", type(exc).__name__, exc)


class ModelHolder:
    """Holds the serving model; :meth:`swap` replaces it atomically (one reference assignment).

    A request takes :attr:`current` once at its start and uses that object to the end, so a reload never
    changes the model under a request in flight: the old one is freed when its last request finishes.
    """

    def __init__(self, model: ServingModel) -> None:
        self._current = model
        self._reload_lock = threading.Lock()

    @property
    def current(self) -> ServingModel:
        return self._current

    def reload(self, path: str | Path | None = None) -> tuple[ServingModel, ServingModel]:
        """Load, verify and warm ``path`` (default: the current model's directory), then swap.

        Returns ``(old, new)``. On any error the current model stays and the error is raised.
        """
        with self._reload_lock:
            old = self._current
            new = load_serving_model(path if path is not None else old.path)
            self._current = new
            return old, new
