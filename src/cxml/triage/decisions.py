"""From probabilities to decisions: per-class thresholds, actions, abstain reasons, data reports.

The thresholds are fitted on *cross-validated* predictions of the training data only (never
on test data): for class ``c``, the lowest confidence at which the precision of the CV
predictions of ``c`` with at least that confidence reaches the class's target precision.
A prediction at or above its class threshold is applied automatically (``"auto"``), one
below it is shown to an agent (``"suggest"``), and a ticket with an empty text, in a
language the model never saw, unlike any training ticket (out of scope) or with a
confidence below ``min_confidence`` is not labelled at all (``"abstain"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "ABSTAIN_REASONS",
    "DataReport",
    "fit_class_thresholds",
    "ordinal_cost_matrix",
    "decide_labels",
    "assign_actions",
]

ACTIONS = ("auto", "suggest", "abstain")
ABSTAIN_REASONS = ("empty_text", "unknown_language", "out_of_scope", "low_confidence")

#: A class needs at least this many CV predictions above a threshold before it is applied automatically.
MIN_AUTO_SUPPORT = 5


def fit_class_thresholds(pred: np.ndarray, conf: np.ndarray, correct: np.ndarray, n_classes: int,
                         target_precision: np.ndarray, *, min_support: int = MIN_AUTO_SUPPORT
                         ) -> dict[str, np.ndarray]:
    """Per-class confidence thresholds reaching a target precision on CV predictions.

    Parameters
    ----------
    pred : ndarray of int, shape (n,)
        CV-predicted class index of each training ticket.
    conf : ndarray of float, shape (n,)
        Confidence of that prediction.
    correct : ndarray of bool, shape (n,)
        Whether the prediction equals the given label.
    n_classes : int
    target_precision : ndarray of float, shape (n_classes,)
    min_support : int
        Predictions at or above a threshold needed for it to count.

    Returns
    -------
    dict of ndarray
        ``threshold`` (``inf`` where the target cannot be reached), ``cv_precision`` (precision of
        the predictions at or above the threshold), ``coverage`` (share of the class's predictions
        at or above it), ``n_predicted``, ``n_auto``.
    """
    thr = np.full(n_classes, np.inf)
    prec = np.full(n_classes, np.nan)
    cov = np.zeros(n_classes)
    n_pred = np.zeros(n_classes, dtype=int)
    n_auto = np.zeros(n_classes, dtype=int)
    for c in range(n_classes):
        m = pred == c
        n_pred[c] = int(m.sum())
        if n_pred[c] < min_support:
            continue
        order = np.argsort(-conf[m], kind="stable")
        cs = conf[m][order]
        ok = correct[m][order].astype(float)
        counts = np.arange(1, len(cs) + 1)
        cum_prec = np.cumsum(ok) / counts
        # a threshold can only cut between distinct confidences
        tie_end = np.append(cs[:-1] > cs[1:], True)
        valid = (cum_prec >= target_precision[c] - 1e-12) & (counts >= min_support) & tie_end
        if valid.any():
            i = int(np.flatnonzero(valid)[-1])
            thr[c] = float(cs[i])
            prec[c] = float(cum_prec[i])
            n_auto[c] = i + 1
            cov[c] = (i + 1) / len(cs)
    return {"threshold": thr, "cv_precision": prec, "coverage": cov, "n_predicted": n_pred, "n_auto": n_auto}


def ordinal_cost_matrix(n_levels: int, under_weight: float = 2.0) -> np.ndarray:
    """Cost of predicting level ``j`` for true level ``i``: ``|i - j|``, times ``under_weight``
    when the ticket is under-prioritised (``j < i``)."""
    i, j = np.meshgrid(np.arange(n_levels), np.arange(n_levels), indexing="ij")
    cost = np.abs(i - j).astype(float)
    cost[j < i] *= under_weight
    return cost


def decide_labels(P: np.ndarray, *, cost: np.ndarray | None = None, top_index: int | None = None,
                  top_threshold: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Chosen class index and its probability for each row of ``P``.

    Without ``cost`` the most probable class; with a cost matrix (true x predicted, in the
    order of ``P``'s columns) the class of least expected cost. With ``top_threshold``, class
    ``top_index`` is chosen whenever its probability reaches the threshold.
    """
    if cost is None:
        idx = P.argmax(axis=1)
    else:
        idx = (P @ cost).argmin(axis=1)
    if top_index is not None and top_threshold is not None:
        idx = np.where(P[:, top_index] >= top_threshold, top_index, idx)
    conf = P[np.arange(len(P)), idx] if len(P) else np.zeros(0)
    return idx, conf


def assign_actions(conf: np.ndarray, thresholds: np.ndarray, *, min_confidence: float,
                   empty: np.ndarray | None = None, unknown_language: np.ndarray | None = None,
                   out_of_scope: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Action and abstain reason of each prediction.

    ``thresholds`` are already per row (the threshold of each row's predicted class). Reasons
    are checked in the order of :data:`ABSTAIN_REASONS`; the first that applies wins.
    """
    n = len(conf)
    reason = np.full(n, None, dtype=object)
    for name, flag in (("low_confidence", conf < min_confidence), ("out_of_scope", out_of_scope),
                       ("unknown_language", unknown_language), ("empty_text", empty)):
        if flag is not None:
            reason[np.asarray(flag, dtype=bool)] = name
    action = np.where(conf >= thresholds, "auto", "suggest").astype(object)
    action[reason != None] = "abstain"  # noqa: E711 - elementwise on an object array
    return action, reason


@dataclass
class DataReport:
    """What the cross-validation of the training data says about the data itself.

    Attributes
    ----------
    classes : DataFrame
        Per class: ``n`` training tickets, ``too_few`` (below the minimum; kept in the model but
        unreliable), CV ``recall`` and ``precision``.
    confused_pairs : DataFrame
        Most confused (true, predicted) class pairs in CV, with counts and the share of the true
        class's tickets.
    suspected_mislabels : DataFrame
        Training tickets (caller's index) whose CV prediction strongly disagrees with the label:
        ``label``, ``label_proba``, ``suggested``, ``suggested_proba``. Empty after loading a
        saved model (training rows are not stored).
    min_examples : int
    """

    classes: pd.DataFrame
    confused_pairs: pd.DataFrame
    suspected_mislabels: pd.DataFrame
    min_examples: int = 10
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        """A short plain-text summary."""
        few = self.classes.index[self.classes["too_few"]].tolist()
        lines = [f"{len(self.classes)} classes, {int(self.classes['n'].sum())} training tickets"]
        if few:
            lines.append(f"classes with fewer than {self.min_examples} examples (kept, unreliable): "
                         + ", ".join(map(str, few)))
        if len(self.confused_pairs):
            top = self.confused_pairs.head(5)
            lines.append("most confused: " + "; ".join(
                f"{r.true} -> {r.predicted} ({r.count})" for r in top.itertuples()))
        lines.append(f"suspected mislabelled tickets: {len(self.suspected_mislabels)}")
        lines += self.notes
        return "\n".join(lines)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return "DataReport(\n  " + self.to_text().replace("\n", "\n  ") + "\n)"


def build_data_report(y_idx: np.ndarray, P_cv: np.ndarray, classes: Sequence[Any], index: pd.Index, *,
                      min_examples: int = 10, mislabel_max_proba: float = 0.1,
                      mislabel_min_other: float = 0.5, top_pairs: int = 20) -> DataReport:
    """Build a :class:`DataReport` from CV probabilities of the training data."""
    k = len(classes)
    pred = P_cv.argmax(axis=1)
    n = np.bincount(y_idx, minlength=k)
    tp = np.bincount(y_idx[pred == y_idx], minlength=k)
    npred = np.bincount(pred, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(n > 0, tp / np.maximum(n, 1), np.nan)
        precision = np.where(npred > 0, tp / np.maximum(npred, 1), np.nan)
    cls = pd.DataFrame({"n": n, "too_few": n < min_examples, "cv_recall": recall, "cv_precision": precision},
                       index=pd.Index(list(classes), name="class"))
    cm = np.zeros((k, k), dtype=int)
    np.add.at(cm, (y_idx, pred), 1)
    pairs = [(classes[i], classes[j], int(cm[i, j]), cm[i, j] / max(n[i], 1))
             for i in range(k) for j in range(k) if i != j and cm[i, j] > 0]
    pairs.sort(key=lambda r: (-r[2], -r[3]))
    confused = pd.DataFrame(pairs[:top_pairs], columns=["true", "predicted", "count", "share_of_true"])
    p_label = P_cv[np.arange(len(y_idx)), y_idx]
    other = P_cv.copy()
    other[np.arange(len(y_idx)), y_idx] = -1.0
    alt = other.argmax(axis=1)
    p_alt = other[np.arange(len(y_idx)), alt]
    sus = (p_label <= mislabel_max_proba) & (p_alt >= mislabel_min_other)
    rows = np.flatnonzero(sus)
    rows = rows[np.argsort(p_label[rows] - p_alt[rows], kind="stable")]
    cl = np.asarray(list(classes), dtype=object)
    mis = pd.DataFrame({"label": cl[y_idx[rows]], "label_proba": p_label[rows],
                        "suggested": cl[alt[rows]], "suggested_proba": p_alt[rows]},
                       index=index[rows])
    return DataReport(classes=cls, confused_pairs=confused, suspected_mislabels=mis, min_examples=min_examples)
