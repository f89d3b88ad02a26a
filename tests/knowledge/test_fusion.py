"""Fusion and calibration: rank fusion, Youden's threshold, the probability and the precision gate."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxml.knowledge import fusion


def test_rrf_and_ranks():
    r = fusion.ranks_desc(np.array([0.2, 0.9, 0.5]), present=np.array([True, True, False]))
    assert r.tolist() == [3.0, 1.0, np.inf]
    out = fusion.rrf([r], k=60)
    assert out[1] > out[0] > out[2] == 0.0


def test_youden_threshold_separates():
    thr, j = fusion.youden_threshold(np.array([0.8, 0.9, 0.95]), np.array([0.1, 0.5, 0.85]), default=0.5)
    assert thr == 0.8 and j == pytest.approx(1 - 1 / 3)


def test_margins_lead_and_gaps():
    m = fusion.margins(np.array([1.0, 3.0, 2.5]))
    assert m.tolist() == [-2.0, 0.5, -0.5]
    assert fusion.margins(np.array([4.0])).tolist() == [0.0]


def test_probability_rises_with_evidence_and_separates():
    rng = np.random.default_rng(0)
    gates, golds = [], []
    for i in range(200):
        g = rng.normal(0, 1, 6)
        y = np.zeros(6, bool)
        if i % 2 == 0:  # answerable: the answer scores higher
            g[0] += 3.0
            y[0] = True
        gates.append(g)
        golds.append(y)
    model = fusion.fit_probability(gates, golds)
    assert min(model["coef"]) >= 0 and max(model["coef"]) > 0
    p = fusion.probability(np.array([4.0, 0.0, -0.5]), model)
    assert p[0] > 0.8 and p[1] < 0.2 and np.all((p >= 0) & (p <= 1))
    lower = fusion.probability(np.array([2.0, 0.0, -0.5]), model)
    assert lower[0] < p[0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=60),
       st.floats(0.05, 1.0))
def test_threshold_for_precision_reaches_the_target_on_its_sample(sample, target):
    p = np.array([s[0] for s in sample])
    y = np.array([s[1] for s in sample])
    curve = fusion.precision_curve(p, y)
    thr = fusion.threshold_for_precision(curve, target)
    shown = p >= thr
    if shown.any():
        assert y[shown].mean() >= target - 1e-9
    # the lowest such threshold: showing one more (lower) probability level would miss the target
    lower = p[p < thr]
    if len(lower) and shown.any():
        nxt = p >= lower.max()
        assert y[nxt].mean() < target - 1e-12 or nxt.sum() == shown.sum()


def test_foreign_groups_missing_words_count_as_neutral_not_as_a_match():
    """A group with no version in the query's language: its lexical evidence is neutral in the scores (linear,
    gate, ranker), while the rankings by lexical evidence alone (BM25, RRF's list) see no match."""
    from cxml.knowledge import history

    calib = {"sim_mu": 0.0, "sim_sd": 1.0, "lex_mu": 0.9, "lex_sd": 1.0}
    f = {"group": np.array([0, 1]), "sim": np.array([0.50, 0.52]), "lex": np.array([0.3, 0.0]),
         "code": np.zeros(2), "foreign": np.array([0.0, 1.0])}
    assert np.allclose(history.neutral_lexical(f, calib), [0.3, 0.9])
    key, gate = fusion.fuse(f, fusion="linear", dense_weight=0.5, rrf_k=60.0, calib=calib)
    assert key[1] > key[0] and gate[1] > gate[0]  # not punished for the translation's missing words
    key, _ = fusion.fuse(f, fusion="lexical", dense_weight=0.5, rrf_k=60.0, calib=calib)
    assert key[0] > key[1]  # nor rewarded where words alone rank
    same = {**f, "foreign": np.zeros(2)}
    assert np.allclose(history.neutral_lexical(same, calib), f["lex"])
    key, _ = fusion.fuse(same, fusion="linear", dense_weight=0.5, rrf_k=60.0, calib=calib)
    assert key[0] > key[1]  # same language: the missing words are a miss
