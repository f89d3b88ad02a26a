"""Fusion: rank fusion, Youden's threshold and the probability of older artifacts (the precision gate's tests
are in test_calibration.py)."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_a_stored_probability_model_of_the_gate_and_margin_still_scores():
    """Artifacts written before :mod:`cxml.knowledge.calibration` hold ``coef`` (gate, margin) and ``intercept``."""
    model = {"coef": [1.0, 0.5], "intercept": -1.0}
    p = fusion.probability(np.array([4.0, 0.0, -0.5]), model)
    assert p[0] > 0.9 and p[1] < p[0] and np.all((p >= 0) & (p <= 1))
    assert fusion.probability(np.array([2.0, 0.0, -0.5]), model)[0] < p[0]


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
