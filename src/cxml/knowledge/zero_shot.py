"""Zero-shot calibration of a knowledge base: what its scores mean before any feedback.

:class:`ZeroShotCalibration` is the part of :class:`cxml.knowledge.KnowledgeBase` that calibrates the gates and the
probability from the articles alone: article titles scored with their own article held out (what a query with no
answer in the base gets) and pseudo-queries cut from the articles' passages (what a query whose answer is there
gets). It relies on the base's ``_score_batch``, ``_encode_queries``, ``_fused``, ``_threshold`` and its article
and passage layout. After ``fit_feedback`` the tickets' own calibration (:mod:`cxml.knowledge.tickets`) replaces
this one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cxml.knowledge import answerability, calibration, fusion

__all__ = ["ZeroShotCalibration"]


class ZeroShotCalibration:
    """Mixin of :class:`cxml.knowledge.KnowledgeBase`: the zero-shot calibration (see the module docstring)."""

    def _calibrate_articles(self) -> None:
        """Zero-shot calibration: article titles as queries, their own article held out.

        The best match of a title whose article group is excluded is a sample of what a
        query with no article gets ("null"); feature scales (mean / sd of the null top match)
        and the score's reference distribution come from it. Per encoder, never hard-coded.
        """
        a = self.articles_
        rng = np.random.default_rng(self.random_state)
        n = min(len(a), int(self.n_calibration))
        pick = np.sort(rng.choice(len(a), size=n, replace=False)) if len(a) > n else np.arange(len(a))
        self.calib_ = {"sim_mu": 0.0, "sim_sd": 1.0, "lex_mu": 0.0, "lex_sd": 1.0}
        if len(self._group_names) < 2:
            self.calib_["null"] = []
            self.calib_["strict"] = 0.0
            self.threshold_ = 0.0
            self.calibration_source_ = "none (one article group)"
            return
        texts = a["title"].iloc[pick].astype(str).tolist()
        qv = self._encode_queries(texts)
        feats = self._score_batch(texts, qv, n_groups=5, exclude_groups=list(self._art_group[pick]),
                                  langs=list(self._art_lang[pick]))
        top_sim = np.array([f["sim"].max() if len(f["group"]) else np.nan for f in feats])
        top_lex = np.array([f["lex"].max() if len(f["group"]) else np.nan for f in feats])
        self.calib_.update(sim_mu=float(np.nanmean(top_sim)), sim_sd=float(max(np.nanstd(top_sim), 1e-3)),
                           lex_mu=float(np.nanmean(top_lex)), lex_sd=float(max(np.nanstd(top_lex), 1e-2)))
        null = np.sort([self._fused(f)[1].max() for f in feats if len(f["group"])])
        self.calib_["null"] = null.tolist()
        # the probability: the same titles (no answer in the base) and pseudo-queries whose article is there
        pq_texts, pq_groups, pq_langs, pq_rows = self._pseudo_queries(pick, rng)
        pq_feats = self._score_batch(pq_texts, self._encode_queries(pq_texts), n_groups=5, langs=pq_langs,
                                     exclude_passages=pq_rows) if pq_texts else []
        gates = [self._fused(f)[1] for f in feats] + [self._fused(f)[1] for f in pq_feats]
        self._zero_shot_strict(null, np.sort([g.max() for g in gates[len(feats):] if len(g)]))
        # positives at both ends of what a real query is: a noisy fragment of the article (harder than most
        # real queries) and its title with the article present (easier)
        present = self._score_batch(texts, qv, n_groups=5, langs=list(self._art_lang[pick]))
        golds = ([np.zeros(len(f["group"]), bool) for f in feats]
                 + [f["group"] == g for f, g in zip(pq_feats, pq_groups, strict=True)]
                 + [f["group"] == g for f, g in zip(present, self._art_group[pick], strict=True)])
        groups = list(self._art_group[pick]) + list(pq_groups) + list(self._art_group[pick])
        self._fit_probability(list(feats) + list(pq_feats) + present, gates + [self._fused(f)[1] for f in present],
                              golds, np.r_[np.zeros(len(feats), bool), np.ones(len(pq_feats) + len(present), bool)],
                              groups, 0.5, calibration.ZERO_SHOT_FEATURES, calibration.ZERO_SHOT_SIGNS)
        self.calibration_source_ = (f"{len(null)} article titles with their own article held out, and "
                                    f"{len(present)} titles and {len(pq_texts)} pseudo-queries (article sentences, "
                                    "words dropped) with it present")

    def _zero_shot_strict(self, null: np.ndarray, pos: np.ndarray) -> None:
        """The strict gate before feedback: a query is withheld when its best match is below both most titles'
        with no article (the ``1 - no_match_rate`` quantile) and nearly all pseudo-queries' with their article
        present (the ``miss_rate`` quantile). Read on the best matches of both samples together (``strict_ref``),
        so that a match far below every title's is still told from one just below them.

        Titles are cleaner than tickets (real tickets score far below them: on the demo help centre the title
        rule alone withheld 89-99 % of the tickets whose article exists), and without history nothing says the
        base has gaps, hence the pseudo-queries' bound.
        """
        ref = np.sort(np.r_[null, pos])
        cut = float(np.quantile(null, 1.0 - float(self.no_match_rate))) if len(null) else np.inf
        if len(pos):
            cut = min(cut, float(np.quantile(pos, float(self.miss_rate))))
        self.calib_["strict_ref"] = ref.tolist()
        self.calib_["strict"] = float(fusion.quantile_rank(ref, np.array([cut]))[0]) if np.isfinite(cut) else 0.0

    def _pseudo_queries(self, pick: np.ndarray,
                        rng: np.random.Generator) -> tuple[list[str], list[int], list[str | None], list[int]]:
        """A noisy partial sentence of each picked article, and the passage it was cut from (-1: kept).

        A window of a passage's text with a third of the words dropped, scored with that passage excluded
        (when the article has another):
        a zero-shot stand-in for a ticket whose article is in the base, sharing the topic with the rest of
        the article but not its words verbatim, as real questions do.
        """
        texts, groups, langs, source = [], [], [], []
        for ai in pick:
            rows = self._ap_order[self._ap_bounds[ai]:self._ap_bounds[ai + 1]]
            row = int(rng.choice(rows))
            words = str(self._p_snippet[row]).split()
            if len(words) < 3:
                continue
            start = int(rng.integers(0, max(1, len(words) - 12)))
            window = words[start:start + 12]
            keep = rng.random(len(window)) >= 1 / 3
            kept = [w for w, k in zip(window, keep, strict=True) if k]
            texts.append(" ".join(kept if len(kept) >= 3 else window))
            groups.append(int(self._art_group[ai]))
            langs.append(self._art_lang[ai])
            source.append(row if len(rows) > 1 else -1)  # the article keeps another passage to be found by
        return texts, groups, langs, source

    def _prob_matrix(self, f: dict[str, np.ndarray], gate: np.ndarray, features: list[str]) -> np.ndarray:
        """The probability model's features of each candidate: after feedback the answerability evidence
        (:func:`cxml.knowledge.answerability.candidate_matrix`), before it the gate value and its lead."""
        if list(features) == calibration.ZERO_SHOT_FEATURES:
            return np.column_stack([gate, fusion.margins(gate)])
        if "t_sim" not in f:  # no past-ticket evidence: none of it counts
            f = {**f, "t_sim": np.full(len(gate), self.calib_["sim_mu"]), "vote": np.zeros(len(gate))}
        return answerability.candidate_matrix(f, gate, self.calib_)[
            :, [answerability.FEATURES.index(c) for c in features]]

    def _fit_probability(self, fs: list[dict[str, np.ndarray]], gates: list[np.ndarray], golds: list[np.ndarray],
                         answerable: np.ndarray, groups: list[Any], prior: float, features: list[str],
                         signs: np.ndarray) -> None:
        """Fit the probability model, the precision curve of the first suggestions and the default threshold.

        ``answerable`` marks the calibration queries whose answer is in the base; answerable queries weigh
        ``prior`` together (the expected share of queries the base can answer), the others the rest. The curve
        reads the out-of-fold probabilities (:func:`cxml.knowledge.calibration.fit`, folds by ``groups``).
        """
        keep = [i for i, g in enumerate(gates) if len(g)]
        answerable = np.asarray(answerable, bool)[keep]
        n_ans = max(int(answerable.sum()), 1)
        n_not = max(int(len(answerable) - answerable.sum()), 1)
        weight = np.where(answerable, prior / n_ans, (1.0 - prior) / n_not)
        if int(answerable.sum()) == 0 or int(answerable.sum()) == len(answerable):
            weight = np.ones(len(answerable))
        mats = [self._prob_matrix(fs[i], gates[i], features) for i in keep]
        model, p_top, correct = calibration.fit(mats, [golds[i] for i in keep], [gates[i] for i in keep], weight,
                                                [groups[i] for i in keep], features=features, signs=signs,
                                                random_state=int(self.random_state))
        self.calib_["prob"] = model
        self.calib_["answerable_share"] = float(prior)
        self.calib_["curve"] = calibration.precision_curve(p_top, correct, weight)
        self.threshold_ = self._threshold(None, None, None)[0]
