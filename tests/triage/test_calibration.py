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


@pytest.mark.parametrize("calibration", ["temperature", None])
@pytest.mark.parametrize("sparse", [False, True])
def test_training_on_short_forms_never_sees_the_scored_tickets_forms(calibration, sparse):
    """Extra rows identical to their tickets: a fold head that learned from the held-out tickets' copies would
    memorise their (random) labels; out of fold the accuracy must stay near chance."""
    from cxml.triage.calibration import CalibratedHead, cross_validated_head

    rng = np.random.default_rng(3)
    n, d = 120, 400  # more dimensions than rows: any row the head learned is memorised
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, n)
    F = sp.csr_matrix(X) if sparse else X
    splits = [(np.flatnonzero(np.arange(n) % 4 != f), np.flatnonzero(np.arange(n) % 4 == f)) for f in range(4)]
    owner = np.arange(n)
    P, head, _, _ = cross_validated_head(CalibratedHead(calibration, 1.0, 0), F, y, 2, splits, extra=F[owner],
                                         owner=owner, train_on_extra=True)
    assert np.mean(P.argmax(1) == y) < 0.7  # memorising the held-out copies would give ~1.0
    assert np.mean(head.predict(F) == y) == 1.0  # the final head learned every row


@pytest.mark.parametrize("calibration", ["temperature", None])
def test_the_final_head_learns_from_the_short_forms_only_when_asked(calibration):
    """Short forms carry their signal in features the whole tickets lack: only a head trained on them reads it."""
    from cxml.triage.calibration import CalibratedHead, cross_validated_head

    rng = np.random.default_rng(5)
    n = 200
    y = np.arange(n) % 2
    X = np.hstack([rng.normal(size=(n, 5)) + 3 * y[:, None], np.zeros((n, 5))])  # whole tickets: block A
    S = np.hstack([np.zeros((n, 5)), rng.normal(size=(n, 5)) + 3 * (1 - 2 * y)[:, None]])  # forms: block B
    splits = [(np.flatnonzero(np.arange(n) % 4 != f), np.flatnonzero(np.arange(n) % 4 == f)) for f in range(4)]
    owner = np.arange(n)
    spec = CalibratedHead(calibration, 1.0, 0)
    probe = np.hstack([np.zeros((n, 5)), rng.normal(size=(n, 5)) + 3 * (1 - 2 * y)[:, None]])
    _, learned, _, P_x = cross_validated_head(spec, X, y, 2, splits, extra=S, owner=owner, train_on_extra=True)
    _, plain, _, _ = cross_validated_head(spec, X, y, 2, splits, extra=S, owner=owner)
    assert np.mean(learned.predict(probe) == y) > 0.95
    assert np.mean(plain.predict(probe) == y) < 0.75
    assert np.mean(P_x.argmax(1) == y) > 0.95  # each form scored by a fold head that learned the other forms
