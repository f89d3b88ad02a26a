"""Candidate articles and their evidence for a batch of queries at once.

:class:`BatchCandidates` is the part of :class:`cxml.knowledge.KnowledgeBase` that turns a batch of queries'
dense hits, BM25 and code scores into the per-query candidate features that fusion reads (the same dicts as
``_group_features``, one query at a time). It relies on the base's passage layout (``_p_pid``,
``_p_art``, ``_p_lang``, ``_art_group``, ``_art_lang``, ``_ap_order`` / ``_ap_bounds``, ``_ga_order`` /
``_ga_bounds``), its ``_passage_vectors`` and ``_combine_passage``. The one-query-at-a-time path
(``_features_per_query``, ``_candidate_groups``, ``_group_features``) is here too: the reference the batched
one is tested against, and the path of a base where an article has no passage.

Every candidate set is a union of whole groups (less the articles a filter leaves out), so the articles in
group order and their passages in article order form one fixed layout: a query's candidates are a mask over
it, and the max aggregations passage -> article -> group run for the whole batch in a few segment reductions.
Only the cosines stay one query at a time (the same matrix-vector product on the same rows as the reference,
so the same float32 bits). Maxima, masks, comparisons and element-wise arithmetic do not depend on which
other queries share the batch, so every value equals the one-query computation; the tests compare the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cxml.knowledge import crosslingual

__all__ = ["BatchCandidates"]


class BatchCandidates:
    """The batched candidate search and evidence of :class:`cxml.knowledge.KnowledgeBase` (a mixin)."""

    _p_pid: np.ndarray
    _p_art: np.ndarray
    _p_lang: np.ndarray
    _art_group: np.ndarray
    _art_lang: np.ndarray
    _ap_order: np.ndarray
    _ap_bounds: np.ndarray
    _ga_order: np.ndarray
    _ga_bounds: np.ndarray

    def _passage_vectors(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - KnowledgeBase's
        raise NotImplementedError

    def _combine_passage(self, sim: np.ndarray, lex: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _mapped_mask(self, key: Any, rows: np.ndarray) -> np.ndarray:
        """Which of the passages ``rows`` a query's mapped version is compared with: those of language ``key``, or
        for a map learned from feedback (``key = (a, b)``) only ``b``'s passages of groups with no version in
        ``a`` (the map finds an article that the query's language lacks; the others keep the plain comparison)."""
        if isinstance(key, tuple):
            return getattr(self, "_fb_passages", {})[key][rows]
        return self._p_lang[rows] == key

    def _batchable(self) -> bool:
        """Whether :mod:`cxml.knowledge.candidates` applies: every article and group has a passage / article."""
        return bool(len(self._ap_bounds) > 1 and (np.diff(self._ap_bounds) > 0).all()
                    and len(self._ga_bounds) > 1 and (np.diff(self._ga_bounds) > 0).all())

    def _features_per_query(self, qd: np.ndarray, d_ids: np.ndarray, mapped: list[dict[str, np.ndarray]],
                            extra: list[np.ndarray], lex_scores: np.ndarray, code_scores: np.ndarray,
                            tick: list[dict[str, Any]] | None, *, k_lex: int, allowed: np.ndarray | None,
                            p_ok: np.ndarray | None, exclude_groups: Sequence[int | None] | None,
                            exclude_passages: Sequence[int] | None) -> list[dict[str, np.ndarray]]:
        """Candidate groups and their features, one query at a time (the reference of the batched path)."""
        out = []
        for i in range(len(qd)):
            ls = lex_scores[i] if p_ok is None else np.where(p_ok, lex_scores[i], -1.0)
            cs = code_scores[i] if p_ok is None else np.where(p_ok, code_scores[i], 0.0)
            drop = -1 if exclude_passages is None else int(exclude_passages[i])
            if drop >= 0:  # a pseudo-query is not compared with the passage it was cut from
                ls, cs = ls.copy(), cs.copy()
                ls[drop], cs[drop] = -1.0, 0.0
            groups = self._candidate_groups(np.concatenate([d_ids[i], extra[i]]), ls, cs, k_lex)
            if tick is not None:
                groups = np.union1d(groups, tick[i]["groups"])
            if exclude_groups is not None and exclude_groups[i] is not None:
                groups = groups[groups != exclude_groups[i]]
            # member articles of the candidate groups, group by group (so grouped and sorted by group)
            arts = self._ga_order[spans(self._ga_bounds[groups], self._ga_bounds[groups + 1])]
            if allowed is not None:
                arts = arts[allowed[arts]]
            if not len(arts):
                out.append({"group": np.zeros(0, np.int64)})
                continue
            out.append(self._group_features(arts, qd[i], ls, cs, mapped[i], drop))
        return out

    def _candidate_groups(self, dense_ids: np.ndarray, ls: np.ndarray, cs: np.ndarray, k_lex: int) -> np.ndarray:
        """Groups of the passages found by the dense search, the ``k_lex`` best BM25 and the code matches."""
        n_pass = len(self._p_pid)
        rows_d = np.searchsorted(self._p_pid, dense_ids[dense_ids >= 0])
        rows_l = np.argpartition(-ls, k_lex - 1)[:k_lex] if k_lex < n_pass else np.arange(n_pass)
        rows_l = rows_l[ls[rows_l] > 0]
        rows_c = np.flatnonzero(cs > 0)
        if len(rows_c) > k_lex:
            rows_c = rows_c[np.argsort(-cs[rows_c], kind="stable")[:k_lex]]
        return np.unique(self._art_group[self._p_art[np.concatenate([rows_d, rows_l, rows_c])]])

    def _group_features(self, arts: np.ndarray, q: np.ndarray, ls: np.ndarray, cs: np.ndarray,
                        mapped: Mapping[str, np.ndarray] | None = None, drop: int = -1) -> dict[str, Any]:
        """Evidence of candidate articles (sorted by group) aggregated by max: passage -> article -> group.

        ``mapped`` holds the query's version in other languages: passages of those languages are compared
        with it. ``foreign`` marks the groups with no version in the query's language: the fusions count their
        missing lexical evidence (a query shares few words with a translation) as neutral
        (:func:`cxml.knowledge.history.neutral_lexical`).
        """
        # their passages, article by article: segment j (from a_start[j]) holds article j's
        counts = self._ap_bounds[arts + 1] - self._ap_bounds[arts]
        a_start = np.cumsum(counts) - counts
        prow = self._ap_order[spans(self._ap_bounds[arts], self._ap_bounds[arts + 1])]
        pvec = self._compared_vectors(prow)  # ``q`` is centred already when the base has centres (_score_batch)
        psim = pvec @ q
        plex = ls[prow].clip(0, None)
        for lang, v in (mapped or {}).items():
            other = self._mapped_mask(lang, prow)
            if other.any():
                psim[other] = pvec[other] @ v
        psim[prow == drop] = -np.inf
        # per article: best passage by sim, lex and code (max aggregation, exact in one call; every article
        # has a passage)
        a_sim, a_lex, a_code = np.maximum.reduceat(np.vstack([psim, plex, cs[prow]]), a_start,
                                                   axis=1).astype(np.float64)
        # snippet: the passage with the best combined evidence (the first one on a tie)
        comb = self._combine_passage(psim, plex)
        aj = np.repeat(np.arange(len(arts)), counts)
        a_best = prow[np.lexsort((-comb, aj))[a_start]]
        # the articles come grouped, groups ascending (_score_batch): runs of one group, no sort needed
        a_group = self._art_group[arts]
        first = np.r_[True, a_group[1:] != a_group[:-1]]
        g_start, gj = np.flatnonzero(first), np.cumsum(first) - 1
        # 1 where no version of the group is in the query's language (known only through ``mapped``)
        foreign = np.isin(self._art_lang[arts], [x for x in (mapped or {}) if isinstance(x, str)]).astype(np.float64)
        g_sim, g_lex, g_code = np.maximum.reduceat(np.vstack([a_sim, a_lex, a_code]), g_start, axis=1)
        return {"group": a_group[g_start].astype(np.int64), "sim": g_sim,
                "foreign": np.minimum.reduceat(foreign, g_start), "lex": g_lex, "code": g_code, "arts": arts, "art_group_pos": gj.astype(np.int64), "art_best": a_best,
                "art_sim": a_sim, "art_lex": a_lex}

    def _compared_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The passage vectors queries are compared with: stored, or centred with the base's language centres.

        Centring is row by row (:func:`cxml.knowledge.crosslingual.centre`), so the centred vectors of a cached
        base are computed once per change of the vectors or the centres and indexed per query: the same values
        as centring each query's candidate rows, without the per-query cost.
        """
        centres = getattr(self, "_lang_centres", {})
        if not centres:
            return self._passage_vectors(rows)
        means = centres["passage"]
        self._passage_vectors(rows[:0])  # fills the cache of a small base
        stored = self._p_vectors
        if stored is None:  # a base too large to cache: centre the rows asked for
            return crosslingual.centre(self._passage_vectors(rows), list(self._p_lang[rows]), means)
        memo = getattr(self, "_p_centred", None)
        if memo is None or memo[0] is not means or memo[1] is not stored:
            memo = self._p_centred = (means, stored, crosslingual.centre(stored, list(self._p_lang), means))
        return memo[2][rows]

    def _vectors_cached(self) -> bool:
        """Whether the base keeps its passage vectors in memory (``KnowledgeBase._passage_vectors``)."""
        return getattr(self, "_p_vectors", None) is not None

    def _batch_layout(self) -> dict[str, np.ndarray]:
        """Articles in group order, their passages in article order, and the segment starts (cached per layout)."""
        memo = getattr(self, "_layout_memo", None)
        if memo is not None and memo[0] is self._ap_order and memo[1] is self._ga_order:
            return memo[2]
        art = self._ga_order  # articles, grouped by group ascending
        counts = (self._ap_bounds[art + 1] - self._ap_bounds[art]).astype(np.int64)
        rows = self._ap_order[spans(self._ap_bounds[art], self._ap_bounds[art + 1])]
        group = self._art_group[art].astype(np.int64)
        layout = {"art": art, "counts": counts, "rows": rows, "art_start": np.cumsum(counts) - counts,
                  "group": group, "group_start": self._ga_bounds[:-1].astype(np.int64),
                  "pos": np.repeat(np.arange(len(art)), counts), "p_art": self._p_art[rows],
                  "p_lang": self._p_lang[rows], "a_lang": self._art_lang[art]}
        self._layout_memo = (self._ap_order, self._ga_order, layout)
        return layout

    def _candidate_mask(self, layout: Mapping[str, np.ndarray], d_ids: np.ndarray, extra: Sequence[np.ndarray],
                        ls: np.ndarray, cs: np.ndarray, tick: Sequence[Mapping[str, Any]] | None, k_lex: int,
                        allowed: np.ndarray | None, exclude_groups: Sequence[int | None] | None) -> np.ndarray:
        """Per query, which articles (in layout order) are candidates: ``KnowledgeBase._candidate_groups`` of
        every query at once, plus its past tickets' groups, less an excluded group and filtered articles."""
        n_q, n_pass = ls.shape
        hit = np.zeros((n_q, n_pass), bool)  # passages found, by passage row
        ok = d_ids >= 0
        hit[np.nonzero(ok)[0], np.searchsorted(self._p_pid, d_ids[ok])] = True
        for i, more in enumerate(extra):
            if len(more):
                more = np.asarray(more)
                hit[i, np.searchsorted(self._p_pid, more[more >= 0])] = True
        top = np.argpartition(-ls, k_lex - 1, axis=1)[:, :k_lex] if k_lex < n_pass else None
        if top is None:
            hit |= ls > 0
        else:
            qi = np.repeat(np.arange(n_q), k_lex)
            top = top.ravel()
            keep = ls[qi, top] > 0
            hit[qi[keep], top[keep]] = True
        coded = cs > 0
        many = np.flatnonzero(coded.sum(axis=1) > k_lex)
        for i in many:  # more code matches than k_lex: the k_lex strongest (stable order), as one query does
            rows_c = np.flatnonzero(coded[i])
            coded[i] = False
            coded[i, rows_c[np.argsort(-cs[i, rows_c], kind="stable")[:k_lex]]] = True
        hit |= coded
        n_groups = len(layout["group_start"])
        groups = np.zeros((n_q, n_groups), bool)
        qi, pr = np.nonzero(hit)
        groups[qi, self._art_group[self._p_art[pr]]] = True
        for i in range(n_q):
            if tick is not None and len(tick[i]["groups"]):
                groups[i, np.asarray(tick[i]["groups"], np.int64)] = True
            if exclude_groups is not None and exclude_groups[i] is not None and 0 <= exclude_groups[i] < n_groups:
                groups[i, int(exclude_groups[i])] = False
        arts = groups[:, layout["group"]]
        if allowed is not None:
            arts &= allowed[layout["art"]][None, :]
        return arts

    def _features_batched(self, qd: np.ndarray, d_ids: np.ndarray, mapped: Sequence[Mapping[str, np.ndarray]],
                          extra: Sequence[np.ndarray], lex_scores: np.ndarray, code_scores: np.ndarray,
                          tick: Sequence[Mapping[str, Any]] | None, *, k_lex: int, allowed: np.ndarray | None,
                          p_ok: np.ndarray | None, exclude_groups: Sequence[int | None] | None,
                          exclude_passages: Sequence[int] | None) -> list[dict[str, np.ndarray]]:
        """Candidate groups and their features for a batch of queries (see the module documentation).

        Takes what ``KnowledgeBase._score_batch`` computed for the batch (centred query vectors, dense hits and
        their extra hits in other languages, BM25 coverage and code scores over all passages, past-ticket
        neighbours) and returns one dict per query, as ``_group_features`` does (without ticket features).
        """
        ls = lex_scores if p_ok is None else np.where(p_ok, lex_scores, -1.0)
        cs = code_scores if p_ok is None else np.where(p_ok, code_scores, 0.0)
        n_q = len(qd)
        drops = np.full(n_q, -1, np.int64) if exclude_passages is None else np.asarray(exclude_passages, np.int64)
        dropped = np.flatnonzero(drops >= 0)
        if len(dropped):  # a pseudo-query is not compared with the passage it was cut from
            ls, cs = ls.copy(), cs.copy()
            ls[dropped, drops[dropped]] = -1.0
            cs[dropped, drops[dropped]] = 0.0
        layout = self._batch_layout()
        arts = self._candidate_mask(layout, d_ids, extra, ls, cs, tick, k_lex, allowed, exclude_groups)
        rows, counts = layout["rows"], layout["counts"]
        in_pass = np.repeat(arts, counts, axis=1)  # candidate passages, layout order
        psim = self._cosines(qd, mapped, rows, in_pass, drops, layout)
        plex = ls[:, rows].clip(0, None)
        pcode = cs[:, rows]
        a_start = layout["art_start"]
        a_sim = np.maximum.reduceat(psim, a_start, axis=1).astype(np.float64)
        a_lex = np.maximum.reduceat(plex, a_start, axis=1).astype(np.float64)
        a_code = np.maximum.reduceat(pcode, a_start, axis=1).astype(np.float64)
        a_best = self._best_passages(psim, plex, in_pass, layout)
        foreign = _foreign(mapped, layout["a_lang"])
        g_start = layout["group_start"]
        masked = {name: np.maximum.reduceat(np.where(arts, v, -np.inf), g_start, axis=1)
                  for name, v in (("sim", a_sim), ("lex", a_lex), ("code", a_code))}
        g_foreign = np.minimum.reduceat(np.where(arts, foreign, np.inf), g_start, axis=1)
        in_group = np.logical_or.reduceat(arts, g_start, axis=1)
        g_rank = np.cumsum(in_group, axis=1) - 1
        out: list[dict[str, np.ndarray]] = []
        for i in range(n_q):
            sel = arts[i]
            if not sel.any():
                out.append({"group": np.zeros(0, np.int64)})
                continue
            g = in_group[i]
            out.append({"group": np.flatnonzero(g).astype(np.int64), "sim": masked["sim"][i, g],
                        "foreign": g_foreign[i, g], "lex": masked["lex"][i, g], "code": masked["code"][i, g],
                        "arts": layout["art"][sel], "art_group_pos": g_rank[i, layout["group"][sel]].astype(np.int64),
                        "art_best": a_best[i, sel], "art_sim": a_sim[i, sel], "art_lex": a_lex[i, sel]})
        return out

    def _cosines(self, qd: np.ndarray, mapped: Sequence[Mapping[str, np.ndarray]], rows: np.ndarray,
                 in_pass: np.ndarray, drops: np.ndarray, layout: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each query's cosines with its candidate passages (layout order; -inf elsewhere and at its dropped
        passage): one matrix-vector product per query on exactly the rows ``_group_features`` multiplies."""
        out: np.ndarray | None = None
        by_lang: dict[Any, np.ndarray] = {}  # passages (layout order) of each language a query is mapped to
        self._compared_vectors(rows[:0])  # fills the vector cache of a base small enough to hold one
        full = self._compared_vectors(np.arange(len(self._p_pid))) if self._vectors_cached() else None
        for i in range(len(qd)):
            prow = rows[in_pass[i]]
            pvec = full[prow] if full is not None else self._compared_vectors(prow)
            sim = pvec @ qd[i]
            for lang, v in mapped[i].items():
                if lang not in by_lang:
                    by_lang[lang] = self._mapped_mask(lang, rows)
                other = by_lang[lang][in_pass[i]]
                if other.any():
                    sim[other] = pvec[other] @ v
            sim[prow == drops[i]] = -np.inf
            if out is None:
                out = np.full(in_pass.shape, -np.inf, sim.dtype)
            out[i, in_pass[i]] = sim
        if out is None:
            out = np.full(in_pass.shape, -np.inf, np.float32)
        return out

    def _best_passages(self, psim: np.ndarray, plex: np.ndarray, in_pass: np.ndarray,
                       layout: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per query and article, its passage with the best combined evidence (the first one on a tie)."""
        rows, a_start = layout["rows"], layout["art_start"]
        with np.errstate(invalid="ignore"):  # -inf * 0 where a dense weight of 0 meets a passage not compared
            comb = self._combine_passage(psim, plex)
        if np.isnan(comb[in_pass]).any():  # NaN orders last in a sort: take the slow, exact way
            best = np.full(in_pass.shape[:1] + a_start.shape, -1, rows.dtype)
            pos = layout["pos"]
            for i in range(len(comb)):
                c = comb[i][in_pass[i]]
                aj = pos[in_pass[i]]
                first = np.r_[True, aj[1:] != aj[:-1]]
                best[i, aj[first]] = rows[in_pass[i]][np.lexsort((-c, aj))[np.flatnonzero(first)]]
            return best
        top = np.maximum.reduceat(comb, a_start, axis=1)
        at = np.where(comb == np.repeat(top, layout["counts"], axis=1), np.arange(comb.shape[1]), comb.shape[1])
        return rows[np.minimum(np.minimum.reduceat(at, a_start, axis=1), len(rows) - 1)]  # (clip: non-candidates)


def _foreign(mapped: Sequence[Mapping[str, np.ndarray]], a_lang: np.ndarray) -> np.ndarray:
    """1.0 for the articles (layout order) in a language the query is mapped to, per query (as ``_group_features``)."""
    out = np.zeros((len(mapped), len(a_lang)))
    memo: dict[tuple[str, ...], np.ndarray] = {}
    for i, m in enumerate(mapped):
        if m:
            key = tuple(m)
            if key not in memo:
                memo[key] = np.isin(a_lang, [x for x in key if isinstance(x, str)]).astype(np.float64)
            out[i] = memo[key]
    return out


def spans(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(starts, ends)])`` without a Python loop."""
    lens = ends - starts
    if not len(lens):
        return np.zeros(0, np.int64)
    return np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
