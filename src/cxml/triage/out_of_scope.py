"""Out of scope: is a ticket unlike anything the model was trained on, or in an unknown language?

Internal module of :mod:`cxml.triage`. Two detectors score how in-scope a ticket is (higher: more
like the training tickets), and a ticket scoring below a detector's threshold abstains with
``out_of_scope``:

- ``prototypes`` (embeddings): cosine similarity to the nearest of up to 8 k-means prototypes
  per class;
- ``coverage`` (TF-IDF): idf-weighted share of the ticket's words known to the vocabulary.

Each threshold is a low quantile of held-out in-scope training scores (each ticket scored
against a detector built without it), per length bin: the training tickets' short forms (subject,
first sentence) are scored too, so a short message meets the scores of short in-scope messages.

The ``combined`` method (the default with a neural encoder) asks one question of two scores at once:

- ``class_mean``: cosine similarity of the ticket to the mean of the class the head predicts;
- ``msp``: the head's calibrated probability of that class (maximum softmax probability).

Each score becomes an empirical p-value against the held-out in-scope scores of training texts of the
ticket's length (each training ticket scored by the fold that held it out, its short forms likewise),
the p-values are combined with Fisher's method (``2 * sum(log p)``, higher: more in-scope), and a
ticket is flagged below the ``out_of_scope`` quantile of the held-out combined scores of its length
bin (never above the whole tickets' threshold). Tickets in a language seen too rarely in training
abstain with ``unknown_language``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import CountVectorizer

from cxml.language import detect_languages
from cxml.schema import TicketBatch
from cxml.triage.features import TextFeatures, TextFeaturizer, unigram_analyzer

__all__ = [
    "DEFAULT_OOS_QUANTILE",
    "MIN_LANGUAGE_SHARE",
    "OOS_METHODS",
    "batch_languages",
    "calibration_parts",
    "class_mean_similarity",
    "class_means",
    "combined_scores",
    "fit_combined",
    "detector_scores",
    "fit_detectors",
    "fit_prototypes",
    "known_languages",
    "length_bins",
    "leave_one_out_coverage",
    "max_similarity",
    "oos_quantile",
    "out_of_scope_flags",
    "short_forms",
    "unknown_language_flags",
    "vocabulary_coverage",
]

#: Default quantile of in-scope CV similarities below which a ticket is out of scope.
DEFAULT_OOS_QUANTILE = 0.01
#: A language seen in at least this share of the training tickets (and 3 of them) is "known".
MIN_LANGUAGE_SHARE = 0.005
#: Upper word counts of the length bins out-of-scope thresholds are calibrated per.
LENGTH_EDGES = (4, 8, 16)
#: Training tickets whose short forms join the calibration (a seeded sample beyond this).
MAX_SHORT_FORM_TICKETS = 800
#: A length bin needs this many held-out in-scope scores for a threshold of its own.
MIN_BIN_SCORES = 40
#: The classifier's ``oos_method`` values.
OOS_METHODS = ("auto", "thresholds", "combined")
#: Quantile levels at which the combined detector keeps each reference distribution (p-value resolution 0.1 %).
REFERENCE_LEVELS = 1001
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def oos_quantile(setting: bool | float | None) -> float | None:
    """The share of in-scope tickets a classifier's ``out_of_scope`` setting flags (None: off)."""
    if setting is True:
        return DEFAULT_OOS_QUANTILE
    if not setting:
        return None
    return float(setting)


def fit_prototypes(V: Any, y: np.ndarray, n_classes: int, *, random_state: int = 0,
                   max_per_class: int = 8) -> np.ndarray:
    """Per-class prototype vectors (k-means centres, L2-normalised) for similarity scoring.

    Each class gets ``min(max_per_class, max(1, n_c // 20))`` prototypes.
    """
    protos: list[np.ndarray] = []
    for c in range(n_classes):
        rows = np.flatnonzero(y == c)
        if not len(rows):
            continue
        Vc = V[rows]
        k = min(max_per_class, max(1, len(rows) // 20))
        if k == 1:
            centre = np.asarray(Vc.mean(axis=0), dtype=np.float64).reshape(1, -1)
        else:
            km = KMeans(n_clusters=k, n_init=1, random_state=random_state, max_iter=50)
            km.fit(Vc.astype(np.float64) if not sp.issparse(Vc) else Vc.astype(np.float64))
            centre = km.cluster_centers_
        protos.append(centre)
    if not protos:
        dim = V.shape[1]
        return np.zeros((0, dim), dtype=np.float32)
    P = np.vstack(protos)
    norms = np.linalg.norm(P, axis=1, keepdims=True)
    return (P / np.maximum(norms, 1e-12)).astype(np.float32)


def max_similarity(V: Any, prototypes: np.ndarray) -> np.ndarray:
    """Highest cosine similarity of each (L2-normalised) row to the prototypes."""
    if prototypes.shape[0] == 0:
        return np.zeros(V.shape[0], dtype=np.float64)
    S = V @ prototypes.T
    S = np.asarray(S.todense() if sp.issparse(S) else S, dtype=np.float64)
    return S.max(axis=1)


def leave_one_out_coverage(texts: Sequence[str], idf: dict[str, float],
                           parts: Sequence[tuple[int, str]] = ()) -> np.ndarray:
    """:func:`vocabulary_coverage` of each training text against the vocabulary of the others.

    A word is in the vocabulary when at least two tickets use it, so without ticket ``i`` a
    word of ``i`` stays known only if at least two other tickets use it. This is what a new
    in-scope ticket meets, computed from document frequencies in one pass (no refits).

    Parameters
    ----------
    texts : sequence of str
        The training texts.
    idf : dict
        idf of the vocabulary's single words.
    parts : sequence of (row, text)
        Parts of training texts (e.g. a ticket's first sentence), each scored against the
        vocabulary without its ticket ``row``; their scores follow the texts' in the result.

    Returns
    -------
    ndarray of shape (len(texts) + len(parts),)
    """
    n = len(texts) + len(parts)
    if not idf:
        return np.zeros(n)
    cv = CountVectorizer(analyzer=unigram_analyzer())
    try:
        counts = cv.fit_transform(texts).tocsr()
    except ValueError:  # no words at all
        return np.zeros(n)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    if len(parts):  # a part's words are its ticket's words: all in the fitted vocabulary
        counts = sp.vstack([counts, cv.transform([text for _, text in parts])]).tocsr()
    unknown = max(idf.values())
    terms = cv.get_feature_names_out()
    w_idf = np.array([idf.get(t, unknown) for t in terms])
    known = np.array([t in idf for t in terms]) & (df >= 3)
    num = counts @ np.where(known, w_idf, 0.0)
    den = counts @ np.where(known, w_idf, unknown)
    return np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)


def vocabulary_coverage(texts: Sequence[str], idf: dict[str, float]) -> np.ndarray:
    """How much of each text the training vocabulary covers: the idf-weighted share of its words
    that are known, an unknown word weighing as much as the rarest known one. In-scope tickets
    score near 1; text about something else (a recipe, the weather) is mostly unknown words."""
    analyzer = unigram_analyzer()
    unknown = max(idf.values()) if idf else 1.0
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        known = missing = 0.0
        for w in analyzer(text):
            v = idf.get(w)
            if v is None:
                missing += unknown
            else:
                known += v
        out[i] = known / (known + missing) if (known + missing) > 0 else 0.0
    return out


# --------------------------------------------------------------------------- short forms
def short_forms(text: str, *, min_words: int = 3) -> list[str]:
    """Shorter in-scope messages a ticket contains: its first line (the subject) and the first
    sentence of at least ``min_words`` words after it; forms equal to the whole ticket are left out.

    A chat message or a social-media post is about as long as these, so a detector calibrated on
    them does not take shortness for being out of scope. A line break ends a sentence too: a greeting
    on a line of its own ("Hyvää päivää,") is not the start of the first sentence, as a chat message
    does not carry one.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    out = [lines[0]] if len(lines) > 1 else []
    body = lines[1:] if len(lines) > 1 else lines
    for sentence in (part for line in body for part in _SENTENCE_END.split(line)):
        if len(sentence.split()) >= min_words:
            out.append(sentence.strip())
            break
    whole = " ".join(text.split())
    return [f for f in dict.fromkeys(out) if " ".join(f.split()) != whole]


def length_bins(texts: Sequence[str]) -> np.ndarray:
    """The length bin of each text (word counts up to 4, 5-8, 9-16, more: bins 0-3)."""
    return np.searchsorted(np.asarray(LENGTH_EDGES), [len(t.split()) for t in texts], side="left")


def calibration_parts(texts: Sequence[str], *, random_state: int) -> list[tuple[int, str]]:
    """(row, short form) of up to :data:`MAX_SHORT_FORM_TICKETS` training tickets (a seeded sample): the
    short in-scope texts out-of-scope thresholds are calibrated on beside the whole tickets."""
    rows = np.arange(len(texts))
    if len(rows) > MAX_SHORT_FORM_TICKETS:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(rows, MAX_SHORT_FORM_TICKETS, replace=False))
    return [(int(i), form) for i in rows for form in short_forms(texts[i])]


# --------------------------------------------------------------------------- detectors
def fit_detectors(featurizer: TextFeaturizer, feats: TextFeatures, texts: Sequence[str], y_idx: np.ndarray,
                  k: int, splits: list[Any], quantile: float, *, random_state: int = 0, by_length: bool = True
                  ) -> tuple[dict[str, float], dict[str, list[float]] | None, np.ndarray | None]:
    """Thresholds of the detectors the features allow, per length bin, and the class prototypes.

    Each training ticket is scored against a detector built without it (its cross-validation
    fold), and so are its short forms (:func:`short_forms`: subject, first sentence). A detector's
    threshold for a length bin is the ``quantile`` (split between the detectors) of the held-out
    in-scope scores of texts of that length, capped at the whole tickets' threshold, so a short
    message is compared with short in-scope messages, not with whole tickets: out of scope means
    unlike the training tickets, not shorter.

    Returns
    -------
    thresholds : dict of detector name to score threshold (whole tickets; all lengths)
    length_thresholds : dict of detector name to one threshold per length bin (None unless ``by_length``)
    prototypes : ndarray or None
    """
    parts = calibration_parts(texts, random_state=random_state) if (texts and by_length) else []
    scores: dict[str, np.ndarray] = {}
    prototypes = None
    if feats.embedding is not None or feats.raw is not None:
        scores["prototypes"], prototypes = _prototype_scores(featurizer, feats, parts, y_idx, k, splits,
                                                             random_state)
    if featurizer.tfidf_ is not None:
        scores["coverage"] = leave_one_out_coverage(texts, featurizer.unigram_idf(), parts)
    q = quantile / len(scores)
    n = len(y_idx)
    bins = np.concatenate([length_bins(texts), length_bins([t for _, t in parts])]) if texts else None
    thresholds = {m: float(np.nanquantile(v[:n], q)) for m, v in scores.items()}
    if not by_length:
        return thresholds, None, prototypes
    binned = {m: _binned_quantiles(v, bins, q, thresholds[m]) for m, v in scores.items()}
    return thresholds, binned, prototypes


def _prototype_scores(featurizer: TextFeaturizer, feats: TextFeatures, parts: list[tuple[int, str]],
                      y_idx: np.ndarray, k: int, splits: list[Any], random_state: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Held-out similarity to the class prototypes of the tickets, then of their short forms; and
    the prototypes of all the training data."""
    V = feats.oos_matrix()
    n = len(y_idx)
    W = None
    owner = np.asarray([row for row, _ in parts], dtype=int)
    if len(parts):
        W = featurizer.extra_features([t for _, t in parts]).oos_matrix()
    sim = np.full(n + len(parts), np.nan)
    for train, test in splits:
        protos = fit_prototypes(V[train], y_idx[train], k, random_state=random_state)
        sim[test] = max_similarity(V[test], protos)
        if W is not None:
            held = np.flatnonzero(np.isin(owner, test))
            if len(held):
                sim[n + held] = max_similarity(W[held], protos)
    return sim, fit_prototypes(V, y_idx, k, random_state=random_state)


def _binned_quantiles(scores: np.ndarray, bins: np.ndarray | None, q: float, overall: float) -> list[float]:
    """The ``q`` quantile of the scores of each length bin, never above ``overall`` (the whole tickets'
    threshold: a length bin only relaxes it), and ``overall`` where a bin has too few scores."""
    out = []
    for b in range(len(LENGTH_EDGES) + 1):
        v = scores[bins == b] if bins is not None else np.empty(0)
        v = v[~np.isnan(v)]
        out.append(min(float(np.quantile(v, q)), overall) if len(v) >= MIN_BIN_SCORES else overall)
    return out


def detector_scores(thresholds: dict[str, float] | None, prototypes: np.ndarray | None,
                    featurizer: TextFeaturizer, batch: TicketBatch, feats: TextFeatures) -> dict[str, np.ndarray]:
    """In-scope scores of each ticket (higher: more like the training tickets), per fitted detector."""
    out: dict[str, np.ndarray] = {}
    for method in thresholds or {}:
        if method == "coverage":
            idf = featurizer.unigram_idf()
            out[method] = feats.shared(("coverage", id(idf)), lambda idf=idf: vocabulary_coverage(batch.texts, idf))
        elif prototypes is not None:
            out[method] = max_similarity(feats.oos_matrix(), prototypes)
    return out


def out_of_scope_flags(thresholds: dict[str, float] | None, scores: dict[str, np.ndarray],
                       length_thresholds: dict[str, list[float]] | None = None,
                       texts: Sequence[str] | None = None) -> np.ndarray | None:
    """True where any detector's score falls below its threshold (None: no detector).

    With ``length_thresholds`` and the ``texts``, each ticket meets the threshold of its length bin.
    """
    flags = None
    bins = length_bins(texts) if (length_thresholds and texts) else None
    for method, score in scores.items():
        assert thresholds is not None  # scores come only from fitted detectors
        if bins is not None and length_thresholds is not None and method in length_thresholds:
            low = score < np.asarray(length_thresholds[method])[bins]
        else:
            low = score < thresholds[method]
        flags = low if flags is None else (flags | low)
    return flags


# --------------------------------------------------------------------------- combined detector
def class_means(V: Any, y_idx: np.ndarray, k: int) -> np.ndarray:
    """The L2-normalised mean vector of each class (rows of zeros for classes without rows)."""
    out = np.zeros((k, V.shape[1]), dtype=np.float32)
    for c in range(k):
        rows = np.flatnonzero(y_idx == c)
        if len(rows):
            mean = np.asarray(V[rows].mean(axis=0), dtype=np.float64).ravel()
            out[c] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


def class_mean_similarity(V: Any, means: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Cosine similarity of each (L2-normalised) row to the mean of its predicted class ``pred``."""
    if V.shape[0] == 0:
        return np.zeros(0)
    M = means[pred]
    if sp.issparse(V):
        return np.asarray(V.multiply(M).sum(axis=1), dtype=np.float64).ravel()
    return np.einsum("ij,ij->i", np.asarray(V, dtype=np.float64), M.astype(np.float64))


@functools.lru_cache(maxsize=8)
def _levels(n: int) -> np.ndarray:
    """``n`` evenly spaced levels from 0 to 1 (read-only: shared by every call)."""
    out = np.linspace(0.0, 1.0, n)
    out.flags.writeable = False
    return out


def _p_values(scores: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Lower-tail empirical p-values of ``scores`` against a reference kept as a quantile grid: the
    share of reference scores at or below each score, at least one grid step; below the lowest reference
    score the p-value keeps falling (exponentially, on the scale of the reference's lowest 5 %), so a
    text far below every in-scope score counts as more unusual than the least usual in-scope one."""
    floor = 1.0 / (len(grid) - 1)
    p = np.clip(np.interp(scores, grid, _levels(len(grid))), floor, 1.0)
    spread = max(float(grid[(len(grid) - 1) // 20] - grid[0]), 1e-9)
    below = scores < grid[0]
    p[below] = floor * np.exp((scores[below] - grid[0]) / spread)
    return np.maximum(p, 1e-300)


def _fisher(raw: np.ndarray, grids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Fisher's combination ``2 * sum(log p)`` of the p-values of each column of ``raw`` (n, 2), row ``i``
    read against the reference grids ``grids[:, rows[i]]`` (higher: more in-scope)."""
    out = np.zeros(len(raw))
    for r in np.unique(rows):
        sel = rows == r
        out[sel] = sum(2.0 * np.log(_p_values(raw[sel, d], grids[d, r])) for d in range(raw.shape[1]))
    return out


def _raw_scores(P: np.ndarray, V: Any, means: np.ndarray) -> np.ndarray:
    """(n, 2): each text's ``class_mean`` similarity and ``msp``, for the head's predicted class."""
    pred = P.argmax(axis=1)
    return np.column_stack([class_mean_similarity(V, means, pred), P.max(axis=1)])


def fit_combined(V: Any, W: Any, owner: np.ndarray, y_idx: np.ndarray, k: int, splits: list[Any],
                 P_cv: np.ndarray, P_parts: np.ndarray | None, bins: np.ndarray | None, quantile: float
                 ) -> tuple[float, list[float] | None, np.ndarray, np.ndarray]:
    """The combined detector (see the module docstring), calibrated on held-out training texts.

    Parameters
    ----------
    V : matrix of shape (n, d)
        The training tickets' L2-normalised vectors (:meth:`TextFeatures.oos_matrix`).
    W : matrix of shape (m, d) or None
        Their short forms' vectors; ``owner[j]`` is the ticket short form ``j`` comes from.
    P_cv, P_parts : ndarray
        Out-of-fold probabilities of the tickets and of the short forms (held out with their ticket).
    bins : ndarray of shape (n + m,) or None
        Length bin of each text (None: one threshold for all lengths).
    quantile : float
        Share of held-out in-scope texts (per length bin) flagged.

    Returns
    -------
    threshold : float (whole tickets)
    length_thresholds : list of float per length bin, or None; never above ``threshold`` (as for the
        other detectors, a length bin only relaxes the whole tickets' threshold: a few hundred short forms
        estimate a bin's low quantile less surely than the whole tickets do)
    means : ndarray of shape (k, d), the class means of all the training tickets
    grids : ndarray of shape (2, 1 + n_bins, REFERENCE_LEVELS): reference quantiles per score; row 0 the
        whole tickets, row ``1 + b`` the texts of length bin ``b`` (row 0's copy where a bin is too small)
    """
    n, m = len(y_idx), 0 if W is None else W.shape[0]
    raw = np.zeros((n + m, 2))
    for train, test in splits:
        means = class_means(V[train], y_idx[train], k)
        raw[test] = _raw_scores(P_cv[test], V[test], means)
        rows = np.flatnonzero(np.isin(owner, test)) if m else np.empty(0, dtype=int)
        if len(rows):
            assert P_parts is not None and W is not None
            raw[n + rows] = _raw_scores(P_parts[rows], W[rows], means)
    levels = np.linspace(0.0, 1.0, REFERENCE_LEVELS)
    n_bins = len(LENGTH_EDGES) + 1
    grids = np.zeros((2, 1 + n_bins, REFERENCE_LEVELS))
    grids[:, 0] = np.quantile(raw[:n], levels, axis=0).T
    for b in range(n_bins):
        sel = (bins == b) if bins is not None else np.zeros(n + m, dtype=bool)
        grids[:, 1 + b] = np.quantile(raw[sel], levels, axis=0).T if sel.sum() >= MIN_BIN_SCORES else grids[:, 0]
    threshold = float(np.quantile(_fisher(raw[:n], grids, np.zeros(n, dtype=int)), quantile))
    length_thresholds = None
    if bins is not None:
        fisher = _fisher(raw, grids, 1 + bins)
        length_thresholds = [min(float(np.quantile(fisher[bins == b], quantile)), threshold)
                             if (bins == b).sum() >= MIN_BIN_SCORES else threshold for b in range(n_bins)]
    return threshold, length_thresholds, class_means(V, y_idx, k), grids


def combined_scores(P: np.ndarray, V: Any, means: np.ndarray, grids: np.ndarray,
                    texts: Sequence[str] | None) -> np.ndarray:
    """The combined in-scope score of each ticket (higher: more in-scope), each read against the reference of
    its length bin when ``texts`` are given, else against the whole tickets'."""
    rows = 1 + length_bins(texts) if texts else np.zeros(len(P), dtype=int)
    return _fisher(_raw_scores(P, V, means), grids, rows)


# --------------------------------------------------------------------------- language
def batch_languages(batch: TicketBatch, *, detect: bool) -> list[str | None] | None:
    """Language of each ticket: the ``language`` column when present, else detected (cached on the batch)."""
    if batch.languages is not None:
        return batch.languages
    if batch.matrix is not None:
        return None
    vals = batch.column("language")
    if vals is not None:
        langs: list[str | None] = [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
                                   else str(v).strip().lower()[:2] or None for v in vals]
    elif detect:
        langs = [None] * len(batch.texts)
        rows = [i for i, t in enumerate(batch.texts) if sum(ch.isalpha() for ch in t) >= 20]
        if rows:
            found = detect_languages([batch.texts[i] for i in rows], min_distance=0.1)
            for i, lang in zip(rows, found, strict=True):
                langs[i] = lang
    else:
        return None
    batch.languages = langs
    return langs


def known_languages(shares: dict[str, float], n_tickets: int) -> set[str]:
    """Languages seen in at least :data:`MIN_LANGUAGE_SHARE` of the training tickets, and 3 of them."""
    return {lang for lang, share in shares.items() if share >= MIN_LANGUAGE_SHARE and share * n_tickets >= 3}


def unknown_language_flags(shares: dict[str, float], n_tickets: int, batch: TicketBatch) -> np.ndarray | None:
    """True for tickets in a language the training data did not know (None: languages unknown)."""
    langs = batch_languages(batch, detect=True)
    if langs is None:
        return None
    known = known_languages(shares, n_tickets)
    return np.array([lang is not None and lang not in known for lang in langs], dtype=bool)
