"""Choosing the head's layout within a time budget: feature blocks, embedding weight and C by CV.

Internal module of :mod:`cxml.triage`. With ``head_search`` on, :class:`TicketClassifier` tries a
small grid on its own training folds (the folds behind calibration and thresholds, nothing else):
which feature blocks the linear head reads (embedding + TF-IDF, embedding only, TF-IDF only), how
much the embedding block weighs against the TF-IDF blocks, and the SVM's ``C``. Candidates are
tried default first, then in grid order, until the time budget is spent; the best cross-validated
accuracy wins (ties keep the earlier, i.e. the default). The choice and its CV score go into the
model card.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from cxml.triage.calibration import DEFAULT_C, CalibratedHead
from cxml.triage.features import EMBEDDING_WEIGHT, TextFeatures

__all__ = ["DEFAULT_BUDGET_S", "HeadLayout", "search_head"]

#: Seconds ``head_search=True`` may spend.
DEFAULT_BUDGET_S = 120.0
_C_GRID = (0.25, 0.5, 1.0, 2.0)
_WEIGHTS = (1.0, 2.0)


@dataclass
class HeadLayout:
    """What the head reads (``blocks``: "all", "embedding" or "tfidf"), the embedding block's weight,
    the SVM's C, and (after a search) its CV accuracy, the default's, and what the search tried."""

    blocks: str = "all"
    embedding_weight: float = EMBEDDING_WEIGHT
    C: float | None = None
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

    def matrix(self, feats: TextFeatures, context: Any = None) -> Any:
        """The head's input matrix for these features."""
        return feats.head_matrix(context, blocks=self.blocks, embedding_weight=self.embedding_weight)


def _candidates(feats: TextFeatures, C: float | None) -> list[HeadLayout]:
    default_C = C if C is not None else DEFAULT_C["svm"]
    hybrid = feats.embedding is not None and feats.word is not None
    out = [HeadLayout(C=default_C)]
    blocks = ["all", "embedding", "tfidf"] if hybrid else ["all"]
    for b in blocks:
        for w in (_WEIGHTS if b == "all" and hybrid else (EMBEDDING_WEIGHT,)):
            for c in _C_GRID if C is None else (C,):
                cand = HeadLayout(blocks=b, embedding_weight=w, C=c)
                if (cand.blocks, cand.embedding_weight, cand.C) != (out[0].blocks, out[0].embedding_weight,
                                                                      out[0].C):
                    out.append(cand)
    return out


def _cv_accuracy(layout: HeadLayout, feats: TextFeatures, context: Any, y_idx: np.ndarray, splits: list[Any],
                 random_state: int | None) -> float:
    F = layout.matrix(feats, context)
    svm = CalibratedHead("temperature", layout.C, random_state)
    correct = 0
    for train, test in splits:
        model = svm.svm().fit(F[train], y_idx[train])
        correct += int((model.predict(F[test]) == y_idx[test]).sum())
    return correct / len(y_idx)


def search_head(feats: TextFeatures, context: Any, y_idx: np.ndarray, splits: list[Any], *, C: float | None,
                budget_s: float, random_state: int | None) -> HeadLayout:
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
        A C the user fixed (then only blocks and weights are searched).
    budget_s : float
    random_state : int or None

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
        cand.cv_accuracy = _cv_accuracy(cand, feats, context, y_idx, splits, random_state)
        tried += 1
        default_acc = cand.cv_accuracy if default_acc is None else default_acc
        if best is None or cand.cv_accuracy > best.cv_accuracy + 1e-12:  # type: ignore[operator]
            best = cand
    assert best is not None
    best.default_cv_accuracy, best.tried = default_acc, tried
    best.seconds, best.budget_s = round(time.perf_counter() - start, 2), float(budget_s)
    best.grid = [f"{c.blocks}/w{c.embedding_weight:g}/C{c.C:g}" for c in cands]
    return best
