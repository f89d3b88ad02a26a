"""The calibrated probability and the precision gate's threshold (:mod:`cxml.knowledge.calibration`)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxml.knowledge import KnowledgeBase, calibration


def _queries(n: int = 200, signal: float = 2.0, seed: int = 0):
    """Queries of 3 candidates; answerable ones (their first candidate right) score higher when ``signal``."""
    rng = np.random.default_rng(seed)
    mats, golds, gates, groups = [], [], [], []
    for i in range(n):
        ans = rng.random() < 0.5
        g = rng.normal(size=3) + np.array([signal * ans, 0.0, 0.0])
        mats.append(np.column_stack([g, g - g.max()]))
        golds.append(np.array([ans, False, False]))
        gates.append(g)
        groups.append(i % 20)
    return mats, golds, gates, groups


def test_fit_separates_and_keeps_its_slopes_in_their_direction():
    mats, golds, gates, groups = _queries()
    model, p_top, correct = calibration.fit(mats, golds, gates, np.ones(len(mats)), groups,
                                            features=["gate", "margin"], signs=[1.0, 1.0])
    assert min(model["coef"]) >= 0 and p_top[correct].mean() > p_top[~correct].mean() + 0.3
    p = calibration.probability(np.array([[3.0, 2.0], [0.0, -2.0]]), model)
    assert p[0] > p[1] and ((p > 0) & (p < 1)).all()


def test_out_of_fold_probabilities_do_not_flatter_noise():
    """Pure noise: the in-sample curve finds some lucky region, the out-of-fold one may not rank better than chance."""
    mats, golds, gates, groups = _queries(n=300, signal=0.0, seed=1)
    rng = np.random.default_rng(0)
    mats = [np.column_stack([m, rng.normal(size=(3, 4))]) for m in mats]  # more noise to overfit on
    model, p_top, correct = calibration.fit(mats, golds, gates, np.ones(len(mats)), groups,
                                            features=list("abcdef"), signs=[1.0] * 6)
    auc_oof = float(np.mean([a > b for a in p_top[correct] for b in p_top[~correct]]))
    assert auc_oof < 0.6


def test_weights_move_the_probability_with_the_expected_share():
    mats, golds, gates, groups = _queries()
    ans = np.array([g.any() for g in golds])
    lo = calibration.fit(mats, golds, gates, np.where(ans, 0.2, 0.8), groups, features=["gate", "margin"],
                         signs=[1.0, 1.0])[0]
    hi = calibration.fit(mats, golds, gates, np.where(ans, 0.8, 0.2), groups, features=["gate", "margin"],
                         signs=[1.0, 1.0])[0]
    x = np.array([[1.0, 0.5]])
    assert calibration.probability(x, hi)[0] > calibration.probability(x, lo)[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=80), st.floats(0.05, 1.0))
def test_threshold_reaches_the_target_where_enough_is_shown(sample, target):
    p = np.array([s[0] for s in sample])
    y = np.array([s[1] for s in sample])
    curve = calibration.precision_curve(p, y)
    thr = calibration.threshold_for_precision(curve, target)
    shown = p >= thr
    if shown.any():
        assert y[shown].mean() >= target - 1e-9
        need = min(calibration.MIN_SHOWN, max(1, len(p) // 4))
        assert shown.sum() >= need and shown.mean() >= calibration.MIN_SUPPORT - 1e-9


def test_a_threshold_set_by_a_lucky_few_is_not_taken():
    """The two best-scored of 100 calibration queries are right, the rest mostly wrong: their 100 % precision is
    noise, and the gate shows nothing rather than trusting it (the previous curve took it)."""
    p = np.linspace(1.0, 0.0, 100)
    y = np.zeros(100, bool)
    y[:2] = True
    y[10::10] = True
    curve = calibration.precision_curve(p, y)
    assert calibration.threshold_for_precision(curve, 0.8) > p.max()
    assert calibration.threshold_for_precision({"p": curve["p"], "precision": curve["precision"]}, 0.8) == p[1]


def test_the_curve_reports_support_and_counts():
    curve = calibration.precision_curve(np.array([0.9, 0.9, 0.5, 0.1]), np.array([1, 0, 1, 0], bool),
                                        np.array([1.0, 1.0, 2.0, 4.0]))
    assert curve["p"] == [0.9, 0.5, 0.1] and curve["n"] == [2.0, 3.0, 4.0]
    assert np.allclose(curve["support"], [0.25, 0.5, 1.0]) and np.allclose(curve["precision"], [0.5, 0.75, 0.375])


def test_after_feedback_the_precision_gate_withholds_fewer_answerable_tickets(webshop):
    """Held-out tickets whose article is in the base, feedback from the others (hash encoder): the previous
    calibration (candidate probabilities fitted on the top three's fused score and lead, tickets resolved without
    a linked article and gaps whose answered tickets stayed in the history as its negatives) withheld 32 % of them
    at a target of 0.6; now 18 %."""
    t = webshop.tickets
    test = t.iloc[400:][t.iloc[400:]["resolving_article_id"].notna()]
    kb = KnowledgeBase(encoder="hash", random_state=0).add(webshop.articles).fit_feedback(t.iloc[:400])
    res = kb.suggest_many(test, k=1, target_precision=0.6)
    assert len(res.attrs["no_good_article"]) / len(test) < 0.25
    assert kb.calib_["prob"]["features"][0] == "logit"


@pytest.mark.parametrize("target", [0.5, 0.8])
def test_after_feedback_the_probability_is_out_of_fold_and_the_gate_shows_what_reaches_the_target(webshop, target):
    t = webshop.tickets
    kb = KnowledgeBase(encoder="hash", random_state=0).add(webshop.articles).fit_feedback(t.iloc[:400])
    curve = kb.calib_["curve"]
    thr = kb.suggest_many(["x"], target_precision=target).attrs["threshold"]
    at = np.flatnonzero(np.asarray(curve["p"]) >= thr)
    if len(at):
        assert curve["precision"][at[-1]] >= target - 1e-9 and curve["support"][at[-1]] >= calibration.MIN_SUPPORT
