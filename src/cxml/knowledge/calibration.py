"""The calibrated probability that a suggestion answers the query, and the precision gate's threshold.

Both are fitted on a *calibration sample* that stands in for real queries: after
:meth:`~cxml.knowledge.KnowledgeBase.fit_feedback`, feedback tickets scored with their article in the base
(their own ticket out of the neighbours), tickets that no article answered, and knowledge gaps simulated by
leaving a ticket's article group out of the candidates *and* of the past tickets (a real gap has no answered
tickets); before feedback, article titles with their own article held out and pseudo-queries cut from the
articles. Answerable and unanswerable queries weigh the expected share of each (``prior``).

- :func:`fit` fits a weighted logistic model of "this candidate answers the query" over the evidence of the
  top candidates of each query (the ranker's logit or the fused score, the lead over the others and, after
  feedback, the answerability evidence of :mod:`cxml.knowledge.answerability`), with each slope kept in its
  expected direction, and returns the *out-of-fold* probability of every query's first suggestion (folds by
  article group: no query's probability comes from a model that saw its group).
- :func:`precision_curve` and :func:`threshold_for_precision` turn those out-of-fold probabilities into the
  lowest threshold whose shown first suggestions reach a target precision, read only where enough of the
  sample is shown (``min_support``): a threshold set by the two or three best-scored queries is noise.

Measured on validation tickets of the demo help centre (feedback seed 2, held-out seed 3, a fifth of the groups
out of the base): the previous
probability (the fused score and lead of the top three candidates, its negatives simulated gaps whose
answered tickets stayed in the history) put the answerable tickets' first suggestion at a median of 0.29
although 77 % of them were right, so a precision target of 0.8 withheld 98 % of them; with this module 49 %, at
a precision of 0.85. On the benchmark's own tickets (benchmarks/bench_knowledge.py, demo help centre after
feedback, a fifth of the groups held out, same run): 89 % -> 55 % of the answerable tickets withheld at a target
of 0.8 (precision of what is shown 88 %); StackFAQ zero-shot: 40 % -> 28 % (precision 99.9 %). Before feedback
the gate is still cautious: it assumes half the queries have no answer in the base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["MIN_SHOWN", "MIN_SUPPORT", "ZERO_SHOT_FEATURES", "ZERO_SHOT_SIGNS", "fit", "probability",
           "precision_curve", "threshold_for_precision", "top_index"]

#: The probability's features before feedback: the candidate's gate value and its lead over the others.
ZERO_SHOT_FEATURES = ["gate", "margin"]
#: ... both may only raise it.
ZERO_SHOT_SIGNS = np.array([1.0, 1.0])
#: The share of the calibration sample (by weight) that a threshold must show for its precision to be read.
MIN_SUPPORT = 0.05
#: ... and the fewest calibration queries it must show.
MIN_SHOWN = 10


def top_index(gate: np.ndarray) -> int:
    """The first suggestion of a query: its candidate with the highest gate value."""
    return int(np.argmax(gate))


def _rows(mats: Sequence[np.ndarray], golds: Sequence[np.ndarray], gates: Sequence[np.ndarray],
          top: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The ``top`` candidates (by gate value) of each query: their feature rows and labels."""
    xs, ys = [], []
    for m, y, g in zip(mats, golds, gates, strict=True):
        keep = np.argsort(-np.asarray(g), kind="stable")[:top]
        xs.append(np.asarray(m, np.float64)[keep])
        ys.append(np.asarray(y, bool)[keep])
    return xs, ys


def _fit_one(X: np.ndarray, y: np.ndarray, w: np.ndarray, signs: np.ndarray, features: Sequence[str],
             random_state: int) -> dict[str, Any]:
    """A weighted logistic regression on standardised features; a slope fitted against its sign is dropped and
    the model refitted without it (features are correlated: such a slope says nothing about the direction)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    Z = (X - mean) / scale
    coef, intercept = np.zeros(X.shape[1]), 0.0
    if y.min() == y.max():
        rate = float(np.average(y, weights=w))
        intercept = float(np.log((rate + 1e-3) / (1.0 - rate + 1e-3)))
    else:
        active = [j for j in range(X.shape[1]) if signs[j] != 0]
        while active:
            clf = LogisticRegression(C=1.0, max_iter=1000, random_state=random_state)
            clf.fit(Z[:, active], y, sample_weight=w)
            coef[:], intercept = 0.0, float(clf.intercept_[0])
            coef[active] = clf.coef_[0]
            signed = clf.coef_[0] * signs[active]
            if signed.min() >= 0:
                break
            active.pop(int(np.argmin(signed)))
    return {"features": list(features), "mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(),
            "intercept": intercept}


def probability(X: np.ndarray, model: Mapping[str, Any]) -> np.ndarray:
    """The probability that each candidate (a row of features, as in :func:`fit`) answers its query."""
    X = np.atleast_2d(np.asarray(X, np.float64))
    if not len(X):
        return np.zeros(0)
    z = ((X - np.asarray(model["mean"])) / np.asarray(model["scale"])) @ np.asarray(model["coef"])
    return 1.0 / (1.0 + np.exp(-(z + float(model["intercept"]))))


def fit(mats: Sequence[np.ndarray], golds: Sequence[np.ndarray], gates: Sequence[np.ndarray], weights: np.ndarray,
        groups: Sequence[Any], *, features: Sequence[str], signs: Sequence[float], top: int = 3, n_folds: int = 5,
        random_state: int = 0) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The probability model and the out-of-fold probability of each query's first suggestion.

    Parameters
    ----------
    mats : sequence of ndarray of shape (n_candidates, n_features)
        Each calibration query's candidate features (no query without a candidate).
    golds : sequence of ndarray of bool
        Which candidate answers it (all False for a query whose answer is not in the base).
    gates : sequence of ndarray
        Each candidate's gate value: the first suggestion is the highest, the rows fitted the ``top`` highest.
    weights : ndarray
        Weight of each query (e.g. answerable and unanswerable queries at their expected shares).
    groups : sequence
        Fold key of each query (its article group; a unique key for a query with none).
    features : sequence of str
        Names of the columns (stored with the model).
    signs : sequence of float
        The direction each feature may push the probability (+1, -1; 0: unused).
    top : int, default=3
        Candidates per query fitted: what an agent is shown.
    n_folds : int, default=5
    random_state : int, default=0

    Returns
    -------
    model : dict
        ``features``, ``mean``, ``scale``, ``coef``, ``intercept``, ``n`` (rows) and ``n_queries``.
    p_top : ndarray
        The out-of-fold probability of each query's first suggestion (in-sample where the sample has too few
        groups to cross-fit).
    correct : ndarray of bool
        Whether that suggestion answers the query.
    """
    from sklearn.model_selection import GroupKFold

    signs = np.asarray(signs, np.float64)
    w_q = np.asarray(weights, np.float64)
    w_q = w_q / max(float(w_q.mean()), 1e-12)
    xs, ys = _rows(mats, golds, gates, top)
    sizes = np.array([len(x) for x in xs])
    X, y = np.vstack(xs), np.concatenate(ys)
    w = np.repeat(w_q, sizes)
    qid = np.repeat(np.arange(len(xs)), sizes)
    model = _fit_one(X, y, w, signs, features, random_state)
    model.update(n=int(len(y)), n_queries=int(len(xs)))
    tops = [top_index(g) for g in gates]
    top_x = np.vstack([np.asarray(m, np.float64)[t] for m, t in zip(mats, tops, strict=True)])
    correct = np.array([bool(np.asarray(g_)[t]) for g_, t in zip(golds, tops, strict=True)])
    p_top = probability(top_x, model)
    groups = np.asarray([str(g) for g in groups], dtype=object)
    n_splits = min(int(n_folds), len(set(groups.tolist())))
    if n_splits >= 2:
        for tr, te in GroupKFold(n_splits).split(top_x, correct, groups):
            rows = np.isin(qid, tr)
            p_top[te] = probability(top_x[te], _fit_one(X[rows], y[rows], w[rows], signs, features, random_state))
    return model, p_top, correct


def precision_curve(p_top: np.ndarray, correct: np.ndarray,
                    weights: np.ndarray | None = None) -> dict[str, list[float]]:
    """Precision of the shown first suggestions at every probability threshold of a calibration sample.

    Parameters
    ----------
    p_top : ndarray
        Probability of each calibration query's first suggestion.
    correct : ndarray of bool
        Whether that suggestion answers the query (False for every query without an answer in the base).
    weights : ndarray, optional
        Weight of each query (e.g. to give answerable and unanswerable queries their expected shares).

    Returns
    -------
    dict
        ``p`` (the distinct probabilities, descending: the thresholds), ``precision`` (of the suggestions at
        or above each), ``support`` (the share of the sample's weight shown) and ``n`` (queries shown).
    """
    p = np.asarray(p_top, np.float64)
    order = np.argsort(-p, kind="stable")
    p = p[order]
    w = np.ones(len(p)) if weights is None else np.asarray(weights, np.float64)[order]
    hits = np.cumsum(w * np.asarray(correct, bool)[order])
    shown = np.cumsum(w)
    last = np.flatnonzero(np.r_[p[1:] != p[:-1], True])  # the last item of each tie: all of it shown
    total = max(float(shown[-1]), 1e-12) if len(shown) else 1.0
    return {"p": p[last].tolist(), "precision": (hits[last] / np.maximum(shown[last], 1e-12)).tolist(),
            "support": (shown[last] / total).tolist(), "n": (last + 1).astype(float).tolist()}


def threshold_for_precision(curve: Mapping[str, Sequence[float]], target: float, min_support: float = MIN_SUPPORT,
                            min_shown: int = MIN_SHOWN) -> float:
    """The lowest probability threshold whose shown first suggestions reach ``target`` precision on the curve.

    Only thresholds that show at least ``min_support`` of the sample's weight and ``min_shown`` queries (a
    quarter of a smaller sample) are read (a curve without ``support``, from an older artifact, is read
    everywhere). Among those reaching the
    target, the one that shows the most; when none does, nothing is shown (a threshold above the highest
    calibration probability).
    """
    p = np.asarray(curve["p"], np.float64)
    prec = np.asarray(curve["precision"], np.float64)
    if not len(p):
        return 0.0
    ok = prec >= float(target) - 1e-12
    if "support" in curve:
        n = np.asarray(curve["n"])
        need = min(int(min_shown), max(1, int(n[-1]) // 4))  # a small sample: a quarter of it
        enough = (np.asarray(curve["support"]) >= float(min_support) - 1e-12) & (n >= need)
        ok &= enough
    idx = np.flatnonzero(ok)
    if not len(idx):
        return float(np.nextafter(p[0], np.inf))
    return float(p[int(idx[-1])])
