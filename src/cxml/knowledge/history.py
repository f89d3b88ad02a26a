"""History: past tickets as evidence (votes of resolved tickets and agents' feedback) and the learned ranker.

The facade (:class:`cxml.knowledge.KnowledgeBase`) keeps the ticket table and its faiss index; this module
turns tickets into the stored (scrubbed) table, neighbours into per-group evidence, and evidence into the
features and logit of the logistic ranker that :meth:`~cxml.knowledge.KnowledgeBase.fit_feedback` learns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cxml.checks import is_missing

__all__ = ["RANKER_FEATURES", "ticket_frame", "feedback_frame", "ticket_features", "ticket_features_many",
           "no_article_share", "neutral_lexical", "ranker_matrix", "ranker_logit", "fit_ranker"]

#: The learned ranker's features; ``foreign``: no version of the candidate is in the query's language (its
#: cosine is depressed by the language bias, its lexical evidence neutral); ``*_rank``: 1 / the candidate's rank
#: among the query's candidates by dense, lexical and answered-ticket similarity (0 for a group no neighbour
#: ticket voted for). The ranks raised top-1 on validation tickets of the demo help centre (seed 2) from 74.5 %
#: to 76.4 %: they carry what the gaps to the best do not (whether a candidate is second or tenth).
#: ``profile`` / ``profile_gap``: the cosine to the mean of the past tickets the group resolved
#: (:mod:`cxml.knowledge.profiles`) and its gap to the query's best. A ranker stored before them names the
#: features it was fitted with and reads those only.
RANKER_FEATURES = ["dense", "lexical", "code", "ticket_sim", "vote", "dismiss", "dense_gap", "lexical_gap",
                   "vote_gap", "foreign", "dense_rank", "lexical_rank", "ticket_rank", "profile", "profile_gap"]


def _id_str(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def ticket_frame(tickets: Any, article_col: str | None, label: int, source: str) -> pd.DataFrame:
    """The stored form of tickets: scrubbed text and answer, reason, macro, language, article, label, source.

    Parameters
    ----------
    tickets : DataFrame or list of dict
        ``text`` or ``subject`` / ``body``; optionally ``id``, ``answer``, ``reason``, ``macro``,
        ``language`` and ``article_col``.
    article_col : str or None
    label : int
        1 for resolved / accepted, -1 for dismissed.
    source : str
    """
    from cxml.pii import scrub_many
    from cxml.schema import as_tickets

    t = as_tickets(tickets, require=("text",))
    n = len(t)

    def col(name: str) -> list[Any]:
        if name and name in t.columns:
            return [None if is_missing(v) else v for v in t[name]]
        return [None] * n

    answers = col("answer")
    present = [i for i, v in enumerate(answers) if v is not None]
    if present:  # as_tickets scrubs already; scrub again in case a caller turned it off
        for i, v in zip(present, scrub_many([str(answers[i]) for i in present]), strict=True):
            answers[i] = v
    return pd.DataFrame({
        "ticket_id": [str(x) for x in t["id"]],
        "text": scrub_many([str(x) for x in t["text"]]),
        "answer": answers,
        "reason": [None if v is None else str(v) for v in col("reason")],
        "macro": [None if v is None else str(v) for v in col("macro")],
        "language": [None if v is None else str(v) for v in col("language")],
        "article_id": [None if v is None else _id_str(v) for v in col(article_col or "")],
        "label": label, "source": source,
    })


def feedback_frame(pairs: Any, tickets: pd.DataFrame | None, label: int, source: str) -> pd.DataFrame:
    """Agents' accepted / dismissed suggestions as ticket rows (the query text looked up by ``ticket_id``)."""
    if pairs is None:
        return pd.DataFrame()
    df = pairs if isinstance(pairs, pd.DataFrame) else pd.DataFrame(list(pairs))
    if "article_id" not in df.columns:
        raise ValueError(f"{source} feedback needs an 'article_id' column, got {list(df.columns)}")
    if not {"text", "subject", "body"} & set(df.columns):
        if "ticket_id" not in df.columns or tickets is None:
            raise ValueError(f"{source} feedback needs the query text ('text' or 'subject'/'body') or a "
                             "'ticket_id' of one of the tickets")
        texts = tickets.drop_duplicates("ticket_id").set_index("ticket_id")["text"]
        ids = df["ticket_id"].map(str)
        unknown = sorted(set(ids) - set(texts.index))
        if unknown:
            raise ValueError(f"{source} feedback refers to {len(unknown)} unknown ticket id(s), e.g. "
                             f"{unknown[:5]}")
        df = df.assign(text=texts.loc[ids].to_numpy(), ticket_id=ids.to_numpy())
    frame = ticket_frame(df.drop(columns=["answer", "macro", "reason"], errors="ignore"), "article_id", label,
                         source)
    if "ticket_id" in df.columns:
        frame["ticket_id"] = df["ticket_id"].map(str).to_numpy()
    frame["answer"] = None
    return frame


def ticket_features(nb: Mapping[str, Any], groups: np.ndarray) -> dict[str, np.ndarray]:
    """Past-ticket evidence per candidate group (``groups`` sorted).

    Parameters
    ----------
    nb : mapping
        A query's neighbours: ``sims`` (cosines), ``grp`` (their article group, -1 for none) and
        ``lab`` (1 resolved / accepted, -1 dismissed, 0 no article).
    groups : ndarray
        Sorted candidate groups.

    Returns
    -------
    dict
        ``t_sim`` (best cosine of a ticket the group solved), ``vote`` and ``dismiss`` (cosine-weighted
        shares of the neighbours).
    """
    return ticket_features_many([nb], [groups])[0]


def ticket_features_many(nbs: Sequence[Mapping[str, Any]],
                         groups: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
    """:func:`ticket_features` of many queries at once (one pass of array operations for the whole batch).

    Sums and maxima run over each query's neighbours in their own order and precision (segment
    reductions), so every value equals the one query computation.
    """
    n_q = len(nbs)
    sims = np.concatenate([np.asarray(nb["sims"]) for nb in nbs]) if n_q else np.zeros(0, np.float32)
    grp = np.concatenate([np.asarray(nb["grp"], np.int64) for nb in nbs]) if n_q else np.zeros(0, np.int64)
    lab = np.concatenate([np.asarray(nb["lab"]) for nb in nbs]) if n_q else np.zeros(0, np.int64)
    n_nb = np.array([len(nb["sims"]) for nb in nbs], np.int64)
    qid = np.repeat(np.arange(n_q), n_nb)
    clipped = np.clip(sims, 1e-6, None)
    has = np.flatnonzero(n_nb)
    starts = (np.cumsum(n_nb) - n_nb)[has]
    floor = np.zeros(n_q, sims.dtype)
    total = np.ones(n_q, clipped.dtype)
    if len(has):
        floor[has] = np.minimum.reduceat(sims, starts)
        total[has] = _segment_sums(clipped, starts)
    n_g = np.array([len(g) for g in groups], np.int64)
    g_off = np.cumsum(n_g) - n_g
    t_sim = np.repeat(floor.astype(np.float64), n_g)
    vote, dis = np.zeros(len(t_sim)), np.zeros(len(t_sim))
    cand = np.concatenate([np.asarray(g, np.int64) for g in groups]) if n_q else np.zeros(0, np.int64)
    span = int(max(cand.max(initial=-1), grp.max(initial=-1))) + 2  # keys (query, group + 1) in one integer
    cand_key = np.repeat(np.arange(n_q), n_g) * span + cand + 1
    for sign, out in ((1, vote), (-1, dis)):
        rows = np.flatnonzero(lab * sign > 0)
        rows = rows[np.lexsort((grp[rows], qid[rows]))]  # by query, then group; neighbour order kept
        key = qid[rows] * span + grp[rows] + 1
        seg = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(rows) else np.zeros(0, np.int64)
        at = np.searchsorted(cand_key, key[seg])
        found = at < len(cand_key)
        found[found] = cand_key[at[found]] == key[seg][found]
        if not found.any():
            continue
        share = _segment_sums(clipped[rows], seg) / total[qid[rows[seg]]]
        out[at[found]] = share[found]
        if sign > 0:
            t_sim[at[found]] = np.maximum.reduceat(sims[rows], seg)[found]
    return [{"t_sim": t_sim[o:o + n], "vote": vote[o:o + n], "dismiss": dis[o:o + n]}
            for o, n in zip(g_off.tolist(), n_g.tolist(), strict=True)]


def no_article_share(nbs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Per query, the cosine-weighted share of its nearest past tickets that no article of the base answered
    (resolved without one, or naming an article not in the base): evidence of a knowledge gap."""
    out = np.zeros(len(nbs))
    for i, nb in enumerate(nbs):
        sims = np.clip(np.asarray(nb["sims"], np.float64), 1e-6, None)
        if len(sims):
            none = (np.asarray(nb["lab"]) == 0) | ((np.asarray(nb["grp"]) < 0) & (np.asarray(nb["lab"]) > 0))
            out[i] = float(sims[none].sum() / sims.sum())
    return out


def _segment_sums(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of ``x[starts[i]:starts[i + 1]]`` (the last to the end), each exactly as ``ndarray.sum`` adds it.

    ``np.add.reduceat`` adds in another order (its float32 sums differ in the last bit), hence one ``sum``
    per segment (a few per query).
    """
    ends = np.r_[starts[1:], len(x)].tolist()
    return np.array([x[a:b].sum() for a, b in zip(starts.tolist(), ends, strict=True)], x.dtype)


def neutral_lexical(f: Mapping[str, np.ndarray], calib: Mapping[str, Any]) -> np.ndarray:
    """Lexical evidence with a neutral value (the calibration's typical best match, ``lex_mu``) for the groups
    that have no version in the query's language (``foreign``): a query shares few words with a translation,
    which says nothing about its topic. Rankings by lexical evidence alone (BM25, RRF's list) keep ``lex``."""
    lex = np.asarray(f["lex"], np.float64)
    if "foreign" not in f:
        return lex
    return np.where(np.asarray(f["foreign"]) > 0, np.maximum(lex, float(calib["lex_mu"])), lex)


def ranker_matrix(f: Mapping[str, np.ndarray], calib: Mapping[str, Any]) -> np.ndarray:
    """Features of each candidate group: absolute evidence, and its gap to the query's best."""
    sim = (f["sim"] - calib["sim_mu"]) / calib["sim_sd"]
    lex = (neutral_lexical(f, calib) - calib["lex_mu"]) / calib["lex_sd"]
    t_sim = (f["t_sim"] - calib["sim_mu"]) / calib["sim_sd"]
    foreign = f["foreign"] if "foreign" in f else np.zeros(len(sim))
    voted = np.asarray(f["vote"]) > 0
    profile = f["profile"] if "profile" in f else np.zeros(len(sim))
    profile_gap = f["profile_gap"] if "profile_gap" in f else np.zeros(len(sim))
    return np.column_stack([sim, lex, f["code"], t_sim, f["vote"], f["dismiss"],
                            sim - sim.max(), lex - lex.max(), f["vote"] - f["vote"].max(), foreign,
                            _inverse_rank(sim), _inverse_rank(lex), np.where(voted, _inverse_rank(t_sim), 0.0),
                            profile, profile_gap])


def _inverse_rank(values: np.ndarray) -> np.ndarray:
    """1 / each value's 1-based rank by descending value (ties by position)."""
    inv = np.empty(len(values), np.float64)
    inv[np.argsort(-np.asarray(values), kind="stable")] = 1.0 / np.arange(1, len(values) + 1)
    return inv


def ranker_logit(f: Mapping[str, np.ndarray], ranker: Mapping[str, Any], calib: Mapping[str, Any]) -> np.ndarray:
    """The learned ranker's logit of each candidate group (over the features it was fitted with)."""
    x = ranker_matrix(f, calib)[:, [RANKER_FEATURES.index(n) for n in ranker.get("features", RANKER_FEATURES)]]
    x = (x - np.asarray(ranker["mean"])) / np.asarray(ranker["scale"])
    return x @ np.asarray(ranker["coef"]) + float(ranker["intercept"])


def fit_ranker(X: np.ndarray, y: np.ndarray, n_tickets: int) -> dict[str, Any] | None:
    """A balanced logistic regression on standardised features, as a JSON-ready dict (None: one class)."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return None
    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    clf = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    clf.fit((X - mean) / scale, y)
    return {"features": RANKER_FEATURES, "coef": clf.coef_[0].tolist(), "intercept": float(clf.intercept_[0]),
            "mean": mean.tolist(), "scale": scale.tolist(), "n_tickets": int(n_tickets)}
