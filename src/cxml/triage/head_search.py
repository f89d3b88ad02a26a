"""Choosing the head's layout within a time budget: feature blocks, linear model, embedding weight and C by CV.

Internal module of :mod:`cxml.triage`. With ``head_search`` on, :class:`TicketClassifier` tries a
small grid on its own training folds (the folds behind calibration and thresholds, nothing else;
never the test data): which feature blocks the head reads (embedding + TF-IDF, embedding only,
TF-IDF only), which linear model scores them (the linear SVM, or a logistic regression), how much
the embedding block weighs against the TF-IDF blocks, and ``C``. Candidates are tried default
first, then in grid order (the layouts that won most often on Banking77's training folds first,
so a budget cut short keeps them), until the time budget is spent; the best cross-validated
accuracy wins (ties keep the earlier, i.e. the default). The choice and its CV score go into the
model card.

``head_search="auto"`` (the default) searches when the training set is small, fewer than
:data:`AUTO_MAX_PER_CLASS` tickets per class on average, where cross-validating a linear head is
cheap and the default layout is furthest from the best one: on Banking77 with 10 examples per
class (MiniLM), a logistic regression on the embedding alone reached 85.6 % on test against the
default hybrid's 83.9 % (mean of 3 draws). Larger training sets keep the default layout unless
``head_search`` is True or a budget.

The folds that choose the layout also give the CV scores and the confidence thresholds, so those
are slightly optimistic after a search (a choice among a dozen layouts, not a nested CV).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from cxml.triage.calibration import DEFAULT_C, CalibratedHead
from cxml.triage.features import EMBEDDING_WEIGHT, TextFeatures

__all__ = ["AUTO_BUDGET_S", "AUTO_MAX_PER_CLASS", "DEFAULT_BUDGET_S", "HEAD_SEARCH_MODES", "HeadLayout",
           "search_budget", "search_head"]

#: Seconds ``head_search=True`` may spend.
DEFAULT_BUDGET_S = 120.0
#: Seconds ``head_search="auto"`` may spend (on small training sets only).
AUTO_BUDGET_S = 60.0
#: ``head_search="auto"`` searches below this many training tickets per class (on average).
AUTO_MAX_PER_CLASS = 50
#: Values of ``head_search`` besides a budget in seconds.
HEAD_SEARCH_MODES = ("auto", True, False)
#: The hybrid's embedding weights and the linear SVM's C values tried (by blocks).
_HYBRID = ((2.0, 0.5), (1.5, 0.5), (3.0, 0.5), (2.0, 1.0), (1.0, 1.0))
_EMBEDDING_SVM_C = (2.0, 8.0)
_TFIDF_C = (0.5, 1.0)
#: The logistic regression's C values on the embedding alone (unit-norm rows: weak regularisation wins),
#: and its (embedding weight, C) pairs on the hybrid.
_EMBEDDING_LOGREG_C = (10.0, 100.0)
_HYBRID_LOGREG = ((2.0, 10.0), (3.0, 10.0))


@dataclass
class HeadLayout:
    """What the head reads (``blocks``: "all", "embedding" or "tfidf"), its linear model (``linear``: "svm" or
    "logreg"), the embedding block's weight, C, and (after a search) its CV accuracy, the default's, and what
    the search tried."""

    blocks: str = "all"
    embedding_weight: float = EMBEDDING_WEIGHT
    C: float | None = None
    linear: str = "svm"
    cv_accuracy: float | None = None
    default_cv_accuracy: float | None = None
    tried: int = 0
    seconds: float = 0.0
    budget_s: float | None = None
    grid: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> HeadLayout:
        return cls(**{k: v for k, v in (d or {}).items() if k in cls.__dataclass_fields__})

    @property
    def label(self) -> str:
        """Short name, e.g. ``all/svm/w2/C0.5``."""
        return f"{self.blocks}/{self.linear}/w{self.embedding_weight:g}/C{self.C:g}"

    def matrix(self, feats: TextFeatures, context: Any = None) -> Any:
        """The head's input matrix for these features."""
        return feats.head_matrix(context, blocks=self.blocks, embedding_weight=self.embedding_weight)

    def rows(self, feats: TextFeatures, context: Any = None) -> Any:
        """The head's input for prediction: :meth:`matrix`'s rows, not stacked (see :meth:`TextFeatures.head_rows`)."""
        return feats.head_rows(context, blocks=self.blocks, embedding_weight=self.embedding_weight)

    def head(self, calibration: str | None, random_state: int | None,
             class_weight: str | dict[int, float] | None = None) -> CalibratedHead:
        """How the head of this layout is fitted and calibrated."""
        return CalibratedHead(calibration, self.C, random_state, linear=self.linear, class_weight=class_weight)


def search_budget(setting: bool | float | str, counts: np.ndarray) -> float | None:
    """Seconds the head search may spend under ``head_search=setting`` (None: keep the default layout).

    Parameters
    ----------
    setting : {"auto", True, False} or float
        The classifier's ``head_search``.
    counts : ndarray
        Training tickets per class.

    Returns
    -------
    float or None
    """
    if setting is False:
        return None
    if setting is True:
        return DEFAULT_BUDGET_S
    if setting == "auto":
        small = float(np.sum(counts)) < AUTO_MAX_PER_CLASS * max(len(counts), 1)
        return AUTO_BUDGET_S if small else None
    return float(setting)


def _candidates(feats: TextFeatures, C: float | None) -> list[HeadLayout]:
    """The default layout, then the grid (no duplicates). A fixed ``C`` fixes the SVM's C and leaves out the
    logistic regression (whose C means something else)."""
    default = HeadLayout(C=C if C is not None else DEFAULT_C["svm"])
    out = [default]
    seen = {default.label}

    def add(blocks: str, linear: str, w: float, c: float) -> None:
        cand = HeadLayout(blocks=blocks, embedding_weight=w, C=c if (C is None or linear != "svm") else C,
                          linear=linear)
        if cand.label not in seen:
            seen.add(cand.label)
            out.append(cand)

    has_emb, has_tfidf = feats.embedding is not None, feats.word is not None
    if not (has_emb and has_tfidf):  # a single block: only C (and, for embeddings, the linear model)
        if has_emb and C is None:
            for c in _EMBEDDING_LOGREG_C:
                add("all", "logreg", EMBEDDING_WEIGHT, c)
        for c in (_EMBEDDING_SVM_C if has_emb else _TFIDF_C + (0.25, 2.0)):
            add("all", "svm", EMBEDDING_WEIGHT, c)
        return out
    if C is None:
        for c in _EMBEDDING_LOGREG_C:
            add("embedding", "logreg", EMBEDDING_WEIGHT, c)
        for w, c in _HYBRID_LOGREG:
            add("all", "logreg", w, c)
    for w, c in _HYBRID:
        add("all", "svm", w, c)
    for c in _EMBEDDING_SVM_C:
        add("embedding", "svm", EMBEDDING_WEIGHT, c)
    for c in _TFIDF_C:
        add("tfidf", "svm", EMBEDDING_WEIGHT, c)
    return out


def _cv_accuracy(layout: HeadLayout, feats: TextFeatures, context: Any, y_idx: np.ndarray, splits: list[Any],
                 random_state: int | None, class_weight: str | dict[int, float] | None = None) -> float:
    F = layout.matrix(feats, context)
    spec = layout.head("temperature", random_state, class_weight)
    correct = 0
    for train, test in splits:
        model = spec.svm().fit(F[train], y_idx[train])
        correct += int((model.predict(F[test]) == y_idx[test]).sum())
    return correct / len(y_idx)


def search_head(feats: TextFeatures, context: Any, y_idx: np.ndarray, splits: list[Any], *, C: float | None,
                budget_s: float, random_state: int | None,
                class_weight: str | dict[int, float] | None = None) -> HeadLayout:
    """The layout with the best CV accuracy among those tried within ``budget_s`` seconds.

    Parameters
    ----------
    feats : TextFeatures
    context : sparse matrix or None
        The context one-hots.
    y_idx : ndarray
        Class indices.
    splits : list of (train, test)
        The classifier's own folds.
    C : float or None
        A C the user fixed (then only blocks and weights are searched, with the linear SVM).
    budget_s : float
    random_state : int or None
    class_weight : None, "balanced" or dict of class index -> weight
        The classifier's class weighting, which every candidate keeps.

    Returns
    -------
    HeadLayout
    """
    start = time.perf_counter()
    best: HeadLayout | None = None
    cands = _candidates(feats, C)
    tried = 0
    default_acc = None
    for cand in cands:
        if tried and time.perf_counter() - start > budget_s:
            break
        cand.cv_accuracy = _cv_accuracy(cand, feats, context, y_idx, splits, random_state, class_weight)
        tried += 1
        default_acc = cand.cv_accuracy if default_acc is None else default_acc
        if best is None or cand.cv_accuracy > best.cv_accuracy + 1e-12:  # type: ignore[operator]
            best = cand
    assert best is not None
    best.default_cv_accuracy, best.tried = default_acc, tried
    best.seconds, best.budget_s = round(time.perf_counter() - start, 2), float(budget_s)
    best.grid = [c.label for c in cands]
    return best
