"""Fusion and calibration: dense, lexical and code evidence combined into one ranking, and the gate.

A candidate article group carries ``sim`` (best passage cosine), ``lex`` (best passage BM25 over the query's
coverage normaliser) and ``code`` (share of the query's rare codes it names). :func:`fuse` turns them into a
ranking key and a *gate value*; :func:`quantile_rank` turns gate values into the calibrated score (the share
of "no-article" queries whose best match scored lower); :func:`youden_threshold` picks the gate from
feedback tickets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cxml.knowledge.history import neutral_lexical, ranker_logit

__all__ = ["CODE_BOOST", "CODE_FIRST", "FUSIONS", "rrf", "ranks_desc", "quantile_rank", "standardised", "fuse",
           "youden_threshold", "margins", "probability"]

#: Linear fusion: a text naming all of the query's codes gains this many calibration standard deviations.
CODE_BOOST = 6.0
#: ``fusion="crosscheck"``: the code share outranks any dense difference (a lexicographic order).
CODE_FIRST = 1e3
#: The zero-shot fusions :class:`cxml.knowledge.KnowledgeBase` accepts.
FUSIONS = ("crosscheck", "rrf", "linear", "adaptive", "dense", "lexical")


def rrf(ranks: Sequence[np.ndarray], k: float = 60.0) -> np.ndarray:
    """Reciprocal rank fusion: ``sum 1 / (k + rank)`` over the ranked lists.

    Parameters
    ----------
    ranks : sequence of ndarray
        1-based ranks of the same candidates in each list; ``np.inf`` where a list did not
        return a candidate (contributes nothing).
    k : float, default=60
        Cormack et al.'s constant.
    """
    out = np.zeros(len(ranks[0]) if len(ranks) else 0, np.float64)
    for r in ranks:
        out += np.where(np.isfinite(r), 1.0 / (k + r), 0.0)
    return out


def ranks_desc(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """1-based ranks by descending value (ties by position); ``inf`` where not ``present``."""
    order = np.argsort(-values, kind="stable")
    r = np.empty(len(values), np.float64)
    r[order] = np.arange(1, len(values) + 1)
    if present is not None:
        r[~present] = np.inf
    return r


def quantile_rank(sorted_ref: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``values`` in a sorted reference sample (0..1, mid-rank for ties)."""
    if not len(sorted_ref):
        return np.full(np.shape(values), np.nan)
    lo = np.searchsorted(sorted_ref, values, side="left")
    hi = np.searchsorted(sorted_ref, values, side="right")
    return (lo + hi) / (2.0 * len(sorted_ref))


def standardised(sim: np.ndarray, lex: np.ndarray, calib: Mapping[str, Any], dense_weight: float) -> np.ndarray:
    """Convex combination of the dense and lexical evidence, each in calibration standard deviations.

    The scales come from the calibration ("how good is the best *wrong* match", per encoder), so the two
    sides are comparable whatever the encoder's cosine range.
    """
    w = float(dense_weight)
    return w * (sim - calib["sim_mu"]) / calib["sim_sd"] + (1 - w) * (lex - calib["lex_mu"]) / calib["lex_sd"]


def fuse(f: Mapping[str, np.ndarray], *, fusion: str, dense_weight: float, rrf_k: float,
         calib: Mapping[str, Any], ranker: Mapping[str, Any] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ranking key and gate value of each candidate group.

    Parameters
    ----------
    f : mapping of arrays
        Candidate features: ``sim``, ``lex``, ``code`` and, with past tickets, ``t_sim``, ``vote``,
        ``dismiss``.
    fusion : {"rrf", "linear", "dense", "lexical"}
        The zero-shot fusion; a learned ``ranker`` (with ticket features present) replaces it.
    dense_weight, rrf_k : float
    calib : mapping
        Calibration scales (``sim_mu``, ``sim_sd``, ``lex_mu``, ``lex_sd``).
    ranker : mapping, optional
        The logistic ranker learned by :meth:`cxml.knowledge.KnowledgeBase.fit_feedback`.

    Returns
    -------
    key, gate : ndarray
        Rows are ranked by ``key``; ``gate`` is what the calibration and threshold read.
    """
    if not len(f["group"]):
        return np.zeros(0), np.zeros(0)
    if ranker is not None and "t_sim" in f:
        g = ranker_logit(f, ranker, calib)
        return g + CODE_BOOST * f["code"], g
    lex = neutral_lexical(f, calib)  # a translation's missing words count as neutral, not as a miss
    g = standardised(f["sim"], lex, calib, dense_weight)
    if fusion == "dense":
        return f["sim"].copy(), g
    if fusion == "lexical":
        return f["lex"] + 1e-6 * f["sim"], g
    code = f["code"]
    if fusion == "crosscheck":  # the dense ranking, texts naming more of the query's rare codes first
        return CODE_FIRST * code + (f["sim"] - calib["sim_mu"]) / calib["sim_sd"], g
    if fusion == "linear":
        return g + CODE_BOOST * code, g
    if fusion == "adaptive":
        return adaptive_key(f["sim"], f["lex"], calib, dense_weight) + CODE_BOOST * code, g  # leads: real words
    w = float(dense_weight)
    rd = ranks_desc(f["sim"])
    rl = ranks_desc(f["lex"], present=f["lex"] > 0)  # real matches only (not the neutral stand-in)
    key = w * rrf([rd], rrf_k) + (1 - w) * rrf([rl], rrf_k)
    if code.any():  # a third list: texts naming the query's codes, weighted like the dense side
        key += rrf([ranks_desc(code, present=code > 0)], rrf_k)
    return key + 1e-9 * g, g


def _lead(z: np.ndarray) -> float:
    """How far the best value leads the second (0 for fewer than two)."""
    if len(z) < 2:
        return 0.0
    top2 = np.partition(z, len(z) - 2)[-2:]
    return float(top2[1] - top2[0])


def adaptive_key(sim: np.ndarray, lex: np.ndarray, calib: Mapping[str, Any], dense_weight: float) -> np.ndarray:
    """Linear fusion with a per-query weight: each side counts by its prior weight times its lead.

    A side whose best candidate leads the runner-up by many calibration standard deviations is sure of
    itself (an exact phrase, a rare term); a side whose top candidates tie is not, and the other side decides.
    """
    zs = (sim - calib["sim_mu"]) / calib["sim_sd"]
    zl = (lex - calib["lex_mu"]) / calib["lex_sd"]
    ws = float(dense_weight) * (_lead(zs) + 1e-3)
    wl = (1.0 - float(dense_weight)) * (_lead(zl) + 1e-3)
    w = ws / (ws + wl)
    return w * zs + (1.0 - w) * zl


def youden_threshold(positives: np.ndarray, nulls: np.ndarray, default: float) -> tuple[float, float]:
    """The calibrated-score threshold that maximises Youden's J (shown positives minus shown nulls).

    Parameters
    ----------
    positives, nulls : ndarray
        Calibrated scores of queries whose article is present, and of queries with none.
    default : float
        Returned when no threshold beats J = -inf (empty samples).

    Returns
    -------
    threshold, j : float
    """
    cands = np.unique(np.concatenate([positives, nulls]))
    best, best_j = float(default), -np.inf
    for c in cands:
        j = float(np.mean(positives >= c) - np.mean(nulls >= c))
        if j > best_j + 1e-12:
            best, best_j = float(c), j
    return best, best_j


# --------------------------------------------------------------------------- probability and the precision gate
def margins(gate: np.ndarray) -> np.ndarray:
    """Each candidate's gate value minus the best *other* candidate's (the top one's lead, the rest's gap)."""
    gate = np.asarray(gate, np.float64)
    if len(gate) < 2:
        return np.zeros(len(gate))
    order = np.argsort(-gate, kind="stable")
    best, second = gate[order[0]], gate[order[1]]
    out = gate - best
    out[order[0]] = best - second
    return out


def _design(gate: np.ndarray, margin: np.ndarray) -> np.ndarray:
    return np.column_stack([gate, margin])


def probability(gate: np.ndarray, model: Mapping[str, Any]) -> np.ndarray:
    """The probability of a model stored before :mod:`cxml.knowledge.calibration` (``coef`` of the gate value and
    its margin, ``intercept``): artifacts written then still score as they did."""
    gate = np.asarray(gate, np.float64)
    z = _design(gate, margins(gate)) @ np.asarray(model["coef"]) + float(model["intercept"])
    return 1.0 / (1.0 + np.exp(-z))
