"""Answerability: is the answer to a ticket in the base at all? (the strict gate's evidence after feedback)

The ranker learned by :meth:`~cxml.knowledge.KnowledgeBase.fit_feedback` orders the candidates of a ticket; it
does not say whether any of them answers it. This module fits that second question on the feedback history, as
a small logistic model over each candidate's evidence:

- ``logit``: the ranker's logit (dense, lexical, code and past-ticket evidence together);
- ``margin``: its lead over the best other candidate (negative for all but the first);
- ``dense``: the best passage cosine, in calibration standard deviations;
- ``vote``: the cosine-weighted share of the nearest past tickets that this article answered;
- ``ticket_sim``: the cosine of the nearest past ticket it answered, in calibration standard deviations;
- ``no_article``: the cosine-weighted share of the nearest past tickets that *no* article answered;
- ``nearest``: the cosine of the nearest past ticket of any kind, in calibration standard deviations;
- ``agree``: how many of the dense, lexical and past-ticket evidence put the candidate first;
- ``lexical``: the best passage's BM25 coverage, in calibration standard deviations;
- ``profile``: the cosine to the candidate group's profile, the mean of the past tickets it resolved
  (:mod:`cxml.knowledge.profiles`; 0 without past tickets).

The last three did not raise the strict gate's AUC on validation tickets (demo help centre, feedback seeds 2 and 4,
held-out seed 3: 0.788 -> 0.788-0.790 with the gaps' history dropped, 0.849 -> 0.847 with it kept); they serve
the probability of :mod:`cxml.knowledge.calibration`, whose precision gate withheld 2-8 points fewer
answerable tickets with them on the same tickets. ``profile`` did: on three validation draws of the demo help
centre (feedback seeds 2, 4, 6, held-out seeds 3, 5, 7; a fifth of the groups held out of the base) the AUC went
0.811 -> 0.834 with the gaps' history dropped and 0.866 -> 0.878 with it kept, higher in every draw.

Examples are feedback tickets, never the tickets a caller later asks about: answerable ones scored with their
article in the base (the ticket itself out of the neighbours), and knowledge gaps simulated by leaving each
ticket's whole article group out -- of the candidates *and* of the past tickets, as a real gap has no tickets
answered by it -- plus the stored tickets that no article answered. The threshold is Youden's J's on
out-of-fold probabilities (folds by article group), so no ticket's threshold is set by a model that saw it,
lowered (never raised) to where a gap becomes more likely than not at the base rate of answerable tickets.

Measured on the demo help centre (benchmarks/RESULTS.md, ``e5-small``, a fifth of the groups held out of the
base): the AUC of the strict gate's signal, answerable vs gap held-out tickets, went from 0.78 (the ranker's
logit) to 0.81 when the gaps' tickets are not in the history (0.84 with ``profile``), and from 0.80 to 0.88 when
they are (resolved with no article of the base).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cxml.knowledge import fusion

__all__ = ["FEATURES", "candidate_matrix", "fit", "probability"]

FEATURES = ["logit", "margin", "dense", "vote", "ticket_sim", "no_article", "nearest", "agree", "lexical", "profile"]
#: The direction each feature may push the probability: more evidence for the candidate never makes the query
#: look less answerable, more neighbours answered by no article never make it look more (a slope fitted the
#: other way -- features are correlated -- is dropped and the model refitted without it).
SIGNS = np.array([1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, 1.0, 1.0])


def candidate_matrix(f: Mapping[str, np.ndarray], logit: np.ndarray, calib: Mapping[str, Any]) -> np.ndarray:
    """The answerability features (:data:`FEATURES`) of each candidate group of one query.

    Parameters
    ----------
    f : mapping of arrays
        Candidate features of :meth:`~cxml.knowledge.KnowledgeBase._score_batch` with past-ticket evidence
        (``sim``, ``t_sim``, ``vote`` and optionally ``no_article``).
    logit : ndarray
        The learned ranker's logit of each candidate.
    calib : mapping
        Calibration scales (``sim_mu``, ``sim_sd``).
    """
    logit = np.asarray(logit, np.float64)
    n = len(logit)
    none = np.asarray(f["no_article"], np.float64) if "no_article" in f else np.zeros(n)
    sim = (np.asarray(f["sim"], np.float64) - calib["sim_mu"]) / calib["sim_sd"]
    near = ((np.asarray(f["nearest"], np.float64) - calib["sim_mu"]) / calib["sim_sd"] if "nearest" in f
            else np.zeros(n))
    lex = (np.asarray(f["lex"], np.float64) - calib.get("lex_mu", 0.0)) / calib.get("lex_sd", 1.0) if "lex" in f \
        else np.zeros(n)
    profile = np.asarray(f["profile"], np.float64) if "profile" in f else np.zeros(n)
    return np.column_stack([logit, fusion.margins(logit), sim, np.asarray(f["vote"], np.float64),
                            (np.asarray(f["t_sim"]) - calib["sim_mu"]) / calib["sim_sd"], none, near,
                            _agreement(f, n), lex, profile])


def _agreement(f: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """How many of the three kinds of evidence (dense, lexical, past tickets' votes) put each candidate first:
    an answerable query's evidence tends to agree, a gap's scatters over several near topics."""
    out = np.zeros(n)
    for key in ("sim", "lex", "vote"):
        if key in f and n:
            v = np.asarray(f[key], np.float64)
            if v.max() > 0 or key == "sim":
                out[int(np.argmax(v))] += 1.0
    return out


def top_row(f: Mapping[str, np.ndarray], logit: np.ndarray, calib: Mapping[str, Any]) -> np.ndarray | None:
    """The features of a query's first candidate (by ranker logit), or None when it has no candidate."""
    if not len(logit):
        return None
    return candidate_matrix(f, logit, calib)[int(np.argmax(logit))]


def fit(X: np.ndarray, y: np.ndarray, groups: Sequence[Any], random_state: int = 0, n_folds: int = 5,
        answerable_share: float | None = None) -> dict[str, Any] | None:
    """A balanced logistic model of "the query's answer is in the base", and its out-of-fold threshold.

    Parameters
    ----------
    X : ndarray of shape (n, len(FEATURES))
        The first candidate's features of each calibration query.
    y : ndarray of bool
        True where the query's article was in the base.
    groups : sequence
        The article group of each query (-1 for none): folds never split a group.
    random_state : int, default=0
    n_folds : int, default=5
    answerable_share : float, optional
        The share of real tickets whose answer is in the base (e.g. of resolved tickets, those with an
        article). Given, the threshold is at most ``1 - answerable_share``: the model is fitted balanced, so
        below that a gap is more likely than not at this base rate. A query is withheld only when both say
        so (an agent would rather see the right article flagged as uncertain than nothing).

    Returns
    -------
    dict or None
        ``features``, ``mean``, ``scale``, ``coef``, ``intercept``, ``threshold`` (the lower of
        ``youden``, the threshold of Youden's J on the out-of-fold probabilities, and ``1 -
        answerable_share``), ``auc`` (out of fold), ``j`` and ``n``; None with fewer than 5 examples
        of either class.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    X, y = np.asarray(X, np.float64), np.asarray(y, bool)
    if min(int(y.sum()), int((~y).sum())) < 5:
        return None
    groups = np.asarray(groups)
    oof = np.full(len(y), np.nan)
    n_splits = min(n_folds, len(np.unique(groups)))
    if n_splits >= 2:
        for tr, te in GroupKFold(n_splits).split(X, y, groups):
            if y[tr].min() != y[tr].max():
                oof[te] = probability(X[te], _fit_one(X[tr], y[tr], random_state))
    model = _fit_one(X, y, random_state)
    done = ~np.isnan(oof)
    if not done.any():  # too few groups to cross-fit: the in-sample probabilities
        oof, done = probability(X, model), np.ones(len(y), bool)
    pos, neg = oof[done & y], oof[done & ~y]
    thr, j = fusion.youden_threshold(pos, neg, default=0.5)
    auc = float(roc_auc_score(y[done], oof[done])) if len(pos) and len(neg) else float("nan")
    bayes = 1.0 - float(answerable_share) if answerable_share is not None else 1.0
    model.update(threshold=float(min(thr, bayes)), youden=float(thr), j=float(j), auc=auc, n=int(len(y)))
    return model


def _fit_one(X: np.ndarray, y: np.ndarray, random_state: int) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    Z = (X - mean) / scale
    active = list(range(X.shape[1]))
    coef, intercept = np.zeros(X.shape[1]), 0.0
    while active:
        clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000, random_state=random_state)
        clf.fit(Z[:, active], y)
        signed = clf.coef_[0] * SIGNS[active]
        coef[:], intercept = 0.0, float(clf.intercept_[0])
        coef[active] = clf.coef_[0]
        if signed.min() >= 0:
            break
        active.pop(int(np.argmin(signed)))
    return {"features": FEATURES[: X.shape[1]], "mean": mean.tolist(), "scale": scale.tolist(), "coef": coef.tolist(),
            "intercept": intercept}


def probability(X: np.ndarray, model: Mapping[str, Any]) -> np.ndarray:
    """The probability that each row's query is answerable (rows of :func:`candidate_matrix`)."""
    X = np.atleast_2d(np.asarray(X, np.float64))
    names = list(model.get("features", FEATURES))
    if X.shape[1] != len(names):  # a model fitted on fewer features (an older artifact): its columns
        X = X[:, [FEATURES.index(c) for c in names]]
    z = ((X - np.asarray(model["mean"])) / np.asarray(model["scale"])) @ np.asarray(model["coef"])
    return 1.0 / (1.0 + np.exp(-(z + float(model["intercept"]))))
