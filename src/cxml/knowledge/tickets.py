"""Past tickets in a knowledge base: the ticket index, learning from feedback, similar tickets and macros.

:class:`TicketHistory` is the part of :class:`cxml.knowledge.KnowledgeBase` that holds resolved tickets (scrubbed)
and what they teach: ``add_tickets``, ``fit_feedback``, ``similar_tickets``, ``suggest_macros``. The pure
functions it uses (ticket tables, ranker features) are in :mod:`cxml.knowledge.history`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from cxml.checks import is_missing
from cxml.exceptions import NotFittedError
from cxml.knowledge import answerability, crosslingual, dense, fusion, history, profiles

__all__ = ["TicketHistory", "check_k"]

logger = logging.getLogger(__name__)


def check_k(k: Any, method: str) -> None:
    """``k`` (how many results) must be a positive integer: ``k=0`` would silently return nothing."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{method}: k must be a positive integer (how many results), got {k!r}")


#: The class of the knowledge base a method of the mixin returns (a :class:`KnowledgeBase`, for chaining).
_H = TypeVar("_H", bound="TicketHistory")


class TicketHistory:
    """What a knowledge base learns from past tickets: the ticket index, feedback, similar tickets, macros.

    A part of :class:`cxml.knowledge.KnowledgeBase` (which inherits these public methods): it relies on the
    base's encoder, dense index settings and scoring (``encoder_``, ``_settings``, ``_search``, ``_score_batch``,
    ``_query_vectors``, ``_query_languages``, ``_fit_probability``,
    ``_refresh_language_centres``), and keeps the past-ticket state
    (``tickets_``, ``ticket_dense_``, the learned ranker) that the base's scoring reads.
    """

    # ------------------------------------------------------------------ feedback / tickets
    def _has_tickets(self) -> bool:
        return getattr(self, "tickets_", None) is not None and len(self.tickets_) > 0 \
            and getattr(self, "ticket_dense_", None) is not None

    def add_tickets(self: _H, tickets: Any, article_col: str = "resolving_article_id") -> _H:
        """Index resolved tickets for :meth:`similar_tickets`, :meth:`suggest_macros` and votes.

        Texts and answers are PII-scrubbed (:func:`cxml.pii.scrub_many`) before they are
        embedded or stored. Does not relearn the ranker (see :meth:`fit_feedback`). Works
        without articles too: a helpdesk with a ticket history and no help centre gets
        :meth:`similar_tickets` and :meth:`suggest_macros` (``encoder="auto"`` is then chosen
        from the ticket texts); :meth:`suggest` needs articles.

        Parameters
        ----------
        tickets : DataFrame or list of dict
            ``text`` or ``subject`` / ``body``, optionally ``id``, ``answer``, ``reason``,
            ``macro``, ``language`` and the article column.
        article_col : str, default="resolving_article_id"
            Column naming the article that solved each ticket (missing: none did).

        Returns
        -------
        self
        """
        self._check_params()
        frame = history.ticket_frame(tickets, article_col, 1, "resolved")
        if getattr(self, "articles_", None) is None:
            self._start(frame["text"].tolist()[:2000])
        frame.loc[frame["article_id"].isna(), "label"] = 0
        self._append_tickets(frame)
        return self

    def _append_tickets(self, frame: pd.DataFrame) -> None:
        if getattr(self, "tickets_", None) is None or getattr(self, "ticket_dense_", None) is None:
            self.tickets_ = frame.iloc[:0].assign(tid=pd.Series([], dtype="int64"))
            self.ticket_dense_: dense.DenseIndex | None = dense.DenseIndex(self.encoder_.dim, self._settings())
            self.next_tid_ = 0
        frame = frame.copy()
        frame.insert(0, "tid", np.arange(self.next_tid_, self.next_tid_ + len(frame), dtype=np.int64))
        self.next_tid_ += len(frame)
        vecs = self._encode_queries(frame["text"].tolist())
        assert self.ticket_dense_ is not None  # made above when missing
        self.ticket_dense_.add(vecs, frame["tid"].to_numpy())
        self.tickets_ = pd.concat([self.tickets_, frame], ignore_index=True) if len(self.tickets_) else frame
        self._sync_tickets()

    def _sync_tickets(self) -> None:
        t = self.tickets_
        self._t_tid = t["tid"].to_numpy(np.int64)
        gid = self.articles_.set_index("id")["group_id"]
        grp = [gid.get(x) if x is not None and not is_missing(x) else None for x in t["article_id"]]
        self._t_group = self._group_names.get_indexer([g if g is not None else "\x00none" for g in grp])
        self._t_label = t["label"].to_numpy(np.int64)
        self._t_key = t["ticket_id"].to_numpy(object)
        self._profiles: profiles.GroupProfiles | None = None  # rebuilt from the new table when next read

    def _group_profiles(self) -> profiles.GroupProfiles:
        """The article groups' profiles from the stored tickets (:mod:`cxml.knowledge.profiles`), in the space
        the queries are compared in: centred by each ticket's language where the base centres its queries."""
        cached = getattr(self, "_profiles", None)
        if cached is not None:
            return cached
        index = self.ticket_dense_
        assert index is not None  # only read when self._has_tickets()
        tids = self._t_tid
        centres = getattr(self, "_lang_centres", {}).get("query")
        langs = self._stored_languages(self.tickets_["language"]) if centres else []

        def row_vectors(rows: np.ndarray) -> np.ndarray:
            vecs = index.reconstruct(tids[rows])
            return crosslingual.centre(vecs, [langs[r] for r in rows.tolist()], centres) if centres else vecs

        built = profiles.build_profiles(row_vectors, self._t_group, self._t_label, self._t_key,
                                        len(self._group_names), index.dim)
        self._profiles = built
        return built

    def fit_feedback(self: _H, tickets: Any, article_col: str = "resolving_article_id", accepted: Any = None,
                     dismissed: Any = None) -> _H:
        """Learn from history: resolved tickets and agents' accepted / dismissed suggestions.

        Each resolved ticket (and accepted suggestion) becomes a vote for its article: a new
        query's nearest past tickets (:attr:`k_neighbours`) add evidence to the articles that
        solved them, dismissals subtract it. A logistic ranker over the dense, lexical and
        ticket-evidence features is fitted on the tickets (leave-one-out: a ticket never
        votes for itself), and the score is recalibrated on them. The strict gate becomes a small
        logistic model of answerability (:mod:`cxml.knowledge.answerability`) fitted on tickets scored
        with their own article present and with their article group held out of both the candidates
        and the neighbours (tickets with no article count as such too); its threshold is the lower of
        Youden's J's on out-of-fold probabilities (folds by article group) and the point below which a gap
        is more likely than not at the share of resolved tickets that had an article (withheld only when
        both say so).

        Parameters
        ----------
        tickets : DataFrame or list of dict
            Resolved tickets (``text`` or ``subject``/``body``); ``article_col`` holds the
            id of the article that solved each (missing: none did). ``answer``, ``reason``
            and ``macro`` are kept for :meth:`similar_tickets` / :meth:`suggest_macros`.
        article_col : str, default="resolving_article_id"
        accepted, dismissed : DataFrame or list of dict, optional
            Agents' feedback: ``article_id`` and the query (``text`` / ``subject`` /
            ``body``, or ``ticket_id`` of a ticket in ``tickets``).

        Returns
        -------
        self
        """
        self._check_fitted()
        frame = history.ticket_frame(tickets, article_col, 1, "resolved")
        frame.loc[frame["article_id"].isna(), "label"] = 0
        unknown = frame["article_id"].notna() & ~frame["article_id"].isin(set(self.articles_["id"]))
        if unknown.any():
            logger.warning("%d ticket(s) name an article not in the knowledge base (e.g. %s): they count as "
                           "tickets with no article", int(unknown.sum()), frame.loc[unknown, "article_id"].iloc[0])
        parts = [frame,
                 history.feedback_frame(accepted, frame, 1, "accepted"),
                 history.feedback_frame(dismissed, frame, -1, "dismissed")]
        self.tickets_ = None
        self.ticket_dense_ = None
        self.ranker_: dict[str, Any] | None = None
        self._append_tickets(pd.concat([p for p in parts if len(p)], ignore_index=True))
        self._refresh_language_centres()
        self._learn_from_tickets()
        return self

    def _ticket_neighbours(self, qv: np.ndarray, exclude: Sequence[str | None] | None,
                           exclude_groups: Sequence[int | None] | None = None) -> list[dict[str, Any]]:
        """The ``k_neighbours`` nearest past tickets of each query, less ``exclude`` (a ticket key per query)
        and the tickets of ``exclude_groups`` (a group per query: a simulated knowledge gap has no history)."""
        k = int(self.k_neighbours)
        extra = 8 if exclude is not None else 0
        if exclude_groups is not None:
            extra += 4 * k
        assert self.ticket_dense_ is not None  # only called when self._has_tickets()
        d, ids = self._search(self.ticket_dense_, qv, min(k + extra, self.ticket_dense_.ntotal))
        out = []
        for i in range(len(qv)):
            ok = ids[i] >= 0
            rows = np.searchsorted(self._t_tid, ids[i][ok])
            sims = d[i][ok]
            if exclude is not None and exclude[i] is not None:
                keep = self._t_key[rows] != exclude[i]
                rows, sims = rows[keep], sims[keep]
            if exclude_groups is not None and exclude_groups[i] is not None:
                keep = self._t_group[rows] != exclude_groups[i]
                rows, sims = rows[keep], sims[keep]
            rows, sims = rows[:k], sims[:k]
            grp = self._t_group[rows]
            lab = self._t_label[rows]
            out.append({"rows": rows, "sims": sims, "grp": grp, "lab": lab,
                        "groups": np.unique(grp[(grp >= 0) & (lab > 0)])})
        return out

    def _learn_from_tickets(self) -> None:
        """Fit the ranker on labelled tickets (leave-one-out), then recalibrate the gate on tickets."""
        rng = np.random.default_rng(self.random_state)
        labelled = np.flatnonzero((self._t_label > 0) & (self._t_group >= 0))
        n = int(self.n_calibration)
        if len(labelled) < 5:
            logger.warning("fit_feedback: only %d ticket(s) with a known article; the ranker is not learned",
                           len(labelled))
            self.ranker_ = None
            return
        lab = np.sort(rng.choice(labelled, size=min(n * 2, len(labelled)), replace=False))
        texts = self.tickets_["text"].iloc[lab].tolist()
        qv = self._encode_queries(texts)
        feats = self._score_batch(texts, qv, n_groups=10, exclude_tickets=list(self._t_key[lab]),
                                  langs=self._ticket_languages(lab))
        X, y = [], []
        for f, gold in zip(feats, self._t_group[lab], strict=True):
            if not len(f["group"]):
                continue
            X.append(history.ranker_matrix(f, self.calib_))
            y.append((f["group"] == gold).astype(int))
        self.ranker_ = history.fit_ranker(np.vstack(X), np.concatenate(y), len(feats))
        if self.ranker_ is None:
            return
        cal = lab[: min(n, len(lab))]
        self._calibrate_tickets(cal, feats[: len(cal)], qv[: len(cal)], rng)

    @staticmethod
    def _stored_languages(values: Any) -> list[str | None]:
        """Stored tickets' ``language`` values as language codes (lower case; None where missing or blank)."""
        return [None if is_missing(v) or not str(v).strip() else str(v).strip().lower() for v in values]

    def _ticket_languages(self, rows: np.ndarray) -> list[str | None]:
        """Languages of stored tickets: their ``language`` field, detected where missing."""
        t = self.tickets_.iloc[rows]
        return self._query_languages(t["text"].tolist(), None, self._stored_languages(t["language"]))

    def _calibrate_tickets(self, cal: np.ndarray, feats: list[dict[str, np.ndarray]], qv: np.ndarray,
                           rng: np.random.Generator) -> None:
        """The gate from tickets: positives (own article present) vs nulls (held out, or none)."""
        t = self.tickets_
        logit = [history.ranker_logit(f, self.ranker_, self.calib_) if len(f["group"]) else np.zeros(0)
                 for f in feats]
        pos = np.array([s[f["group"] == g].max() for s, f, g in zip(logit, feats, self._t_group[cal], strict=True)
                        if (f["group"] == g).any()])
        held_kw = {"n_groups": 5, "exclude_groups": list(self._t_group[cal]), "exclude_tickets": list(self._t_key[cal]),
                   "langs": self._ticket_languages(cal)}
        held = self._score_batch(t["text"].iloc[cal].tolist(), qv, **held_kw)
        # the same with the group's tickets out of the neighbours too: a real gap has no answered tickets
        gap = self._score_batch(t["text"].iloc[cal].tolist(), qv, gap_history=True, **held_kw)
        nulls = [history.ranker_logit(f, self.ranker_, self.calib_).max() for f in held if len(f["group"])]
        nogold = np.flatnonzero((self._t_label == 0) | ((self._t_label > 0) & (self._t_group < 0)))
        more: list[dict[str, np.ndarray]] = []
        if len(nogold):
            ng = np.sort(rng.choice(nogold, size=min(int(self.n_calibration), len(nogold)), replace=False))
            tx = t["text"].iloc[ng].tolist()
            more = self._score_batch(tx, self._encode_queries(tx), n_groups=5,
                                     exclude_tickets=list(self._t_key[ng]), langs=self._ticket_languages(ng))
            nulls += [history.ranker_logit(f, self.ranker_, self.calib_).max() for f in more if len(f["group"])]
        null = np.sort(np.asarray(nulls))
        self.calib_["null"] = null.tolist()
        self.calib_.pop("strict_ref", None)  # the zero-shot gate's reference: tickets replace it
        self.calib_["strict"], best_j = fusion.youden_threshold(fusion.quantile_rank(null, pos),
                                                                fusion.quantile_rank(null, null),
                                                                default=1.0 - float(self.no_match_rate))
        resolved = self.tickets_["source"].to_numpy() == "resolved"
        prior = float(np.mean(((self._t_label > 0) & (self._t_group >= 0))[resolved])) if resolved.any() else 0.5
        self._fit_answerability(logit, feats, cal, gap, more, min(max(prior, 0.05), 0.95))
        # the probability and the precision gate: the answerable tickets against what a query with no answer in
        # the base looks like -- a gap with no answered tickets of its own. Tickets resolved without an article
        # are left out: many were answerable and merely not linked (their first suggestions score as the
        # answerable tickets' do), so counting them wrong made the gate far too strict
        negatives = [f for f in gap if len(f["group"])]
        neg_groups = [int(g) for f, g in zip(gap, self._t_group[cal], strict=True) if len(f["group"])]
        gates = logit + [history.ranker_logit(f, self.ranker_, self.calib_) for f in negatives]
        golds = ([f["group"] == g for f, g in zip(feats, self._t_group[cal], strict=True)]
                 + [np.zeros(len(f["group"]), bool) for f in negatives])
        self._fit_probability(list(feats) + negatives, gates, golds,
                              np.r_[np.ones(len(logit), bool), np.zeros(len(negatives), bool)],
                              [int(g) for g in self._t_group[cal]] + neg_groups, min(max(prior, 0.05), 0.95),
                              answerability.FEATURES, answerability.SIGNS)
        gate = self.calib_.get("answerable")
        how = (f"answerability model, out-of-fold AUC {gate['auc']:.2f}, Youden's J {gate['j']:.2f} at "
               f"{gate['youden']:.2f}, threshold {gate['threshold']:.2f}" if gate
               else f"Youden's J {best_j:.2f}")
        self.calibration_source_ = (f"{len(pos)} feedback tickets with their article, {len(null)} with it held "
                                    f"out or with none (strict gate: {how}, its gaps without their tickets)")

    def _fit_answerability(self, logit: list[np.ndarray], feats: list[dict[str, np.ndarray]], cal: np.ndarray,
                           held: list[dict[str, np.ndarray]], more: list[dict[str, np.ndarray]],
                           answerable_share: float) -> None:
        """The strict gate after feedback (:mod:`cxml.knowledge.answerability`): the first candidate's evidence
        of calibration tickets with their article present (answerable), with their group held out, and of the
        tickets no article answered; its threshold replaces the no-article quantile's."""
        rows, ys, grp = [], [], []
        sets = [(feats, logit, self._t_group[cal], True),
                (held, None, self._t_group[cal], False),
                (more, None, -1 - np.arange(len(more)), False)]
        for fs, lg, groups, y in sets:
            for j, f in enumerate(fs):
                if not len(f["group"]):
                    continue
                g = lg[j] if lg is not None else history.ranker_logit(f, self.ranker_, self.calib_)
                rows.append(answerability.top_row(f, g, self.calib_))
                ys.append(y)
                grp.append(int(groups[j]))
        model = (answerability.fit(np.vstack(rows), np.asarray(ys), grp, int(self.random_state),
                                   answerable_share=answerable_share) if rows else None)
        self.calib_.pop("answerable", None)
        if model is not None:
            self.calib_["answerable"] = model
            self.calib_["strict"] = float(model["threshold"])

    def similar_tickets(self, query: Any, k: int = 5) -> pd.DataFrame:
        """Past resolved tickets most similar to a query (dense search over scrubbed texts).

        Parameters
        ----------
        query : str, dict or Series
            A text, or a ticket with ``subject`` / ``body`` (or ``text``).
        k : int, default=5

        Returns
        -------
        DataFrame
            ``rank``, ``ticket_id``, ``text``, ``answer``, ``reason``, ``macro``,
            ``article_id``, ``score`` (cosine).

        Raises
        ------
        NotFittedError
            When no tickets were indexed (:meth:`add_tickets` or :meth:`fit_feedback`).
        """
        self._require_tickets("similar_tickets")
        check_k(k, "similar_tickets")
        qv = self._query_vectors(query)
        pool = self.tickets_["source"].to_numpy() == "resolved"
        assert self.ticket_dense_ is not None  # _require_tickets checked it
        d, ids = self._search(self.ticket_dense_, qv, min(self.ticket_dense_.ntotal, 4 * k + 16),
                              self._t_tid[pool] if not pool.all() else None)
        ok = ids[0] >= 0
        rows = np.searchsorted(self._t_tid, ids[0][ok])[:k]
        t = self.tickets_.iloc[rows]
        return pd.DataFrame({"rank": np.arange(1, len(rows) + 1), "ticket_id": t["ticket_id"].to_numpy(),
                             "text": t["text"].to_numpy(), "answer": t["answer"].to_numpy(),
                             "reason": t["reason"].to_numpy(), "macro": t["macro"].to_numpy(),
                             "article_id": t["article_id"].to_numpy(), "score": d[0][ok][:k].astype(float)})

    def suggest_macros(self, query: Any, k: int = 3) -> pd.DataFrame:
        """The canned replies (macros) agents used on the most similar past tickets.

        Each of the :attr:`k_neighbours` nearest resolved tickets that records a macro votes
        for it with its cosine; ``score`` is the macro's share of the votes.

        Parameters
        ----------
        query : str, dict or Series
            A text, or a ticket with ``subject`` / ``body`` (or ``text``).
        k : int, default=3

        Returns
        -------
        DataFrame
            ``rank``, ``macro``, ``score``, ``n_tickets``.

        Raises
        ------
        NotFittedError
            When no tickets were indexed, or none of them records a ``macro``.
        """
        self._require_tickets("suggest_macros")
        check_k(k, "suggest_macros")
        has = self.tickets_["macro"].notna().to_numpy() & (self.tickets_["source"].to_numpy() == "resolved")
        if not has.any():
            raise NotFittedError("no indexed ticket records a 'macro': pass tickets with a macro column")
        qv = self._query_vectors(query)
        assert self.ticket_dense_ is not None  # _require_tickets checked it
        d, ids = self._search(self.ticket_dense_, qv, min(int(has.sum()), max(int(self.k_neighbours), k)),
                              self._t_tid[has])
        ok = ids[0] >= 0
        rows = np.searchsorted(self._t_tid, ids[0][ok])
        w = np.clip(d[0][ok], 1e-6, None)
        macros = self.tickets_["macro"].to_numpy()[rows]
        votes = pd.DataFrame({"macro": macros, "w": w}).groupby("macro", sort=False)["w"].agg(["sum", "size"])
        votes = votes.sort_values("sum", ascending=False, kind="stable").head(k)
        return pd.DataFrame({"rank": np.arange(1, len(votes) + 1), "macro": votes.index.to_numpy(),
                             "score": (votes["sum"] / w.sum()).to_numpy(), "n_tickets": votes["size"].to_numpy()})

    def _require_tickets(self, what: str) -> None:
        if not self._has_tickets():
            raise NotFittedError(f"{what}() needs past tickets: call fit_feedback(tickets) or add_tickets(tickets)")
