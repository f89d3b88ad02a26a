"""Calibration helpers: the linear heads' scores without scikit-learn's input checks are its own scores."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from cxml.triage.calibration import head_logits


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("head", [LinearSVC(C=0.5, random_state=0), LogisticRegression(max_iter=500)])
@pytest.mark.parametrize("sparse", [False, True])
def test_head_logits_equal_decision_function(head, n_classes, sparse):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 12)).astype(np.float32)
    X[X < 0.3] = 0.0
    y = np.arange(60) % n_classes
    F = sp.csr_matrix(X) if sparse else X
    head.fit(F, y)
    for rows in (slice(0, 1), slice(0, 7)):
        got = head_logits(head, F[rows], n_classes)
        want = np.asarray(head.decision_function(F[rows]), dtype=np.float64)
        want = np.column_stack([-want, want]) if want.ndim == 1 else want
        assert np.array_equal(got, want)


def test_head_logits_keep_scikit_learns_checks():
    head = LinearSVC(random_state=0).fit(np.eye(4, dtype=np.float32), [0, 1, 2, 3])
    with pytest.raises(ValueError, match="features"):
        head_logits(head, np.ones((1, 3), dtype=np.float32), 4)
    with pytest.raises(ValueError, match="NaN"):
        head_logits(head, np.full((1, 4), np.nan, dtype=np.float32), 4)
