"""Answerability: the strict gate's evidence after feedback, and the zero-shot strict gate's bounds."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxml.knowledge import KnowledgeBase, answerability, fusion, history


def _sample(n: int = 240, signal: float = 2.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.5
    X = rng.normal(size=(n, len(answerability.FEATURES)))
    X[:, 0] += signal * y
    return X, y, rng.integers(0, 12, n)


def test_fit_separates_and_sets_its_threshold_out_of_fold():
    X, y, groups = _sample()
    m = answerability.fit(X, y, groups, random_state=0)
    assert m is not None and m["auc"] > 0.8 and m["j"] > 0.4
    p = answerability.probability(X, m)
    assert p[y].mean() > p[~y].mean() + 0.2
    # the threshold is Youden's J of some out-of-fold sample: most positives above it, most negatives below
    assert np.mean(p[y] >= m["threshold"]) > 0.7 and np.mean(p[~y] < m["threshold"]) > 0.7


@pytest.mark.parametrize("share", [0.2, 0.5, 0.9])
def test_a_base_rate_of_answerable_tickets_only_lowers_the_threshold(share):
    X, y, groups = _sample()
    m = answerability.fit(X, y, groups, random_state=0, answerable_share=share)
    assert m["threshold"] == pytest.approx(min(m["youden"], 1.0 - share))
    assert m["youden"] == answerability.fit(X, y, groups, random_state=0)["threshold"]


def test_out_of_fold_auc_does_not_flatter_noise():
    X, y, groups = _sample(signal=0.0)
    m = answerability.fit(X, y, groups, random_state=0)
    in_sample = float(np.mean([(a > b) for a in answerability.probability(X[y], m)
                               for b in answerability.probability(X[~y], m)]))
    assert m["auc"] < 0.6 < in_sample + 0.05


def test_slopes_keep_their_direction():
    X, y, groups = _sample()
    X[:, 3] -= 1.5 * y  # the vote share falling with answerability: dropped, not learned
    m = answerability.fit(X, y, groups, random_state=0)
    assert m["coef"][3] == 0.0 and m["coef"][0] > 0
    assert (np.asarray(m["coef"]) * answerability.SIGNS >= 0).all()


def test_fit_needs_five_of_each_class():
    X, y, groups = _sample(n=40)
    y = np.zeros(len(y), bool)
    y[:4] = True
    assert answerability.fit(X, y, groups) is None


def test_candidate_matrix_and_top_row():
    f = {"sim": np.array([0.5, 0.7, 0.1]), "t_sim": np.array([0.2, 0.4, 0.0]), "vote": np.array([0.1, 0.6, 0.0])}
    calib = {"sim_mu": 0.1, "sim_sd": 0.2}
    logit = np.array([1.0, 3.0, -1.0])
    X = answerability.candidate_matrix(f, logit, calib)
    assert X.shape == (3, len(answerability.FEATURES))
    assert np.allclose(X[:, 1], fusion.margins(logit)) and np.allclose(X[:, 2], [2.0, 3.0, 0.0])
    assert np.allclose(X[:, 5], 0.0)  # no no-article share: none
    assert np.allclose(answerability.top_row({**f, "no_article": np.full(3, 0.3)}, logit, calib),
                       [3.0, 2.0, 3.0, 0.6, 1.5, 0.3, 0.0, 2.0, 0.0, 0.0])  # no nearest / lexical / profile: 0
    with_profile = {**f, "profile": np.array([0.2, 0.9, 0.4])}
    assert answerability.top_row(with_profile, logit, calib)[answerability.FEATURES.index("profile")] == 0.9
    assert answerability.top_row({k: v[:0] for k, v in f.items()}, logit[:0], calib) is None


def test_no_article_share():
    nbs = [{"sims": np.array([0.8, 0.2]), "lab": np.array([1, 0]), "grp": np.array([3, -1])},
           {"sims": np.array([0.5, 0.5]), "lab": np.array([1, 1]), "grp": np.array([-1, 2])},  # unknown article
           {"sims": np.zeros(0), "lab": np.zeros(0, int), "grp": np.zeros(0, int)}]
    assert np.allclose(history.no_article_share(nbs), [0.2, 0.5, 0.0])


def test_gap_history_leaves_the_groups_tickets_out_of_the_neighbours(kb: KnowledgeBase):
    tickets = pd.DataFrame({"text": ["card declined E-402", "card payment E-402 fails", "parcel lost",
                                     "where is my parcel"],
                            "resolving_article_id": ["pay-en", "pay-en", "del-en", "del-en"]})
    kb.fit_feedback(tickets)
    qv = kb._encode_queries(["card declined"])
    pay = int(kb._group_names.get_loc("pay"))
    assert (kb._ticket_neighbours(qv, None)[0]["grp"] == pay).any()
    assert not (kb._ticket_neighbours(qv, None, [pay])[0]["grp"] == pay).any()


def test_zero_shot_strict_gate_is_the_lower_of_its_two_bounds(kb: KnowledgeBase):
    ref = np.asarray(kb.calib_["strict_ref"])
    null = np.asarray(kb.calib_["null"])
    pos = np.sort(list((Counter(ref.tolist()) - Counter(null.tolist())).elements()))
    assert len(pos) > 0
    cut = min(np.quantile(null, 1 - kb.no_match_rate), np.quantile(pos, kb.miss_rate))
    assert kb.calib_["strict"] == pytest.approx(float(fusion.quantile_rank(ref, np.array([cut]))[0]))
    from kb_data import ARTICLES

    titles_only = KnowledgeBase(encoder="hash", miss_rate=0.999).add(ARTICLES)  # the pseudo-queries never bind
    assert titles_only.calib_["strict"] >= kb.calib_["strict"]
    with pytest.raises(ValueError, match="miss_rate"):
        KnowledgeBase(encoder="hash", miss_rate=1.5).add(ARTICLES)


def test_strict_gate_after_feedback_reads_the_answerability_model(webshop, tmp_path: Path):
    import cxml
    from cxml.datasets import make_webshop

    arts = webshop.articles
    gone = sorted(arts["group_id"].unique())[:5]
    kb = KnowledgeBase(encoder="hash").add(arts[~arts["group_id"].isin(gone)]).fit_feedback(webshop.tickets)
    model = kb.calib_["answerable"]
    assert kb.calib_["strict"] == model["threshold"] and "strict_ref" not in kb.calib_
    assert "answerability model" in kb.calibration_source_
    test = make_webshop(n_tickets=120, seed=1).tickets
    test = test[test["resolving_article_id"].notna()]
    v = kb.answerable_score(test)
    assert v.shape == (len(test),) and ((v >= 0) & (v <= 1)).all() and v.std() > 0
    res = kb.suggest_many(test, k=1, gate="strict")
    withheld = set(res.attrs["no_good_article"])
    assert withheld and not withheld & set(test.index[v >= kb.calib_["strict"]])  # a passing top is shown
    assert kb.gap_report(test).attrs["n_unanswered"] == len(withheld)  # gap_report's gate is the strict one
    loaded = cxml.load(kb.save(tmp_path / "kb"))
    assert np.allclose(loaded.answerable_score(test), v)


def test_agreement_counts_the_evidence_that_puts_a_candidate_first():
    f = {"sim": np.array([0.9, 0.5]), "lex": np.array([0.1, 0.8]), "vote": np.array([0.0, 0.7]),
         "t_sim": np.zeros(2), "nearest": np.full(2, 0.5)}
    X = answerability.candidate_matrix(f, np.array([1.0, 0.5]), {"sim_mu": 0.1, "sim_sd": 0.2, "lex_mu": 0.0,
                                                                 "lex_sd": 1.0})
    agree = X[:, answerability.FEATURES.index("agree")]
    assert agree.tolist() == [1.0, 2.0]
    assert np.allclose(X[:, answerability.FEATURES.index("nearest")], 2.0)


def test_a_model_of_fewer_features_reads_its_own_columns():
    """An answerability model stored before the last features were added still scores (its columns by name)."""
    X, y, groups = _sample()
    old = answerability.fit(X[:, :6], y, groups, random_state=0)
    old["features"] = answerability.FEATURES[:6]
    assert np.allclose(answerability.probability(X, old), answerability.probability(X[:, :6], old))
