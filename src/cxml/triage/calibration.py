"""From a linear head's scores to calibrated probabilities: temperature, sigmoid or isotonic.

Internal module of :mod:`cxml.triage`. The default, temperature scaling (Guo et al. 2017), fits
one softmax temperature on the out-of-fold scores of the training data: the linear SVM is
fitted once per fold and once on all the data (``cv + 1`` fits, no nested cross-validation).
Sigmoid / isotonic calibration nest a 3-fold ``CalibratedClassifierCV`` in each fold.
``calibration=None`` uses a logistic-regression head and its own probabilities.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.extmath import safe_sparse_dot

from cxml.evaluate import top_label_ece
from cxml.triage.blocks import BlockRows

__all__ = [
    "CALIBRATIONS",
    "DEFAULT_C",
    "CalibratedHead",
    "cross_validated_head",
    "fit_temperature",
    "head_logits",
    "head_proba",
    "softmax",
    "top_label_ece",
]

#: Calibration methods a classifier accepts.
CALIBRATIONS = ("temperature", "sigmoid", "isotonic", None)
#: Default regularisation of the head: the calibrated linear SVM, and the logistic regression.
DEFAULT_C = {"svm": 0.5, "logreg": 10.0}


def head_logits(head: Any, F: Any, k: int) -> np.ndarray:
    """Decision values of a linear head as ``(n, k)`` logits (classes the head never saw get a
    logit far below the others; binary scores ``d`` become ``(-d, d)``)."""
    d = np.asarray(_linear_scores(head, F), dtype=np.float64)
    seen = np.asarray(head.classes_)
    if d.ndim == 1:
        d = np.column_stack([-d, d])
    if len(seen) == k:
        return d
    out = np.full((d.shape[0], k), np.nan)
    out[:, seen] = d
    floor = np.nanmin(d, axis=1, keepdims=True) - 10.0
    return np.where(np.isnan(out), floor, out)


def _linear_scores(head: Any, F: Any) -> np.ndarray:
    """``head.decision_function(F)`` for a fitted LinearSVC / LogisticRegression, without scikit-learn's input
    validation when ``F`` is already what it would pass on (a finite CSR matrix or 2-D float array of the fitted
    width): the same arithmetic, a fraction of the time for the one-ticket batches of a service. Prediction's
    :class:`~cxml.triage.blocks.BlockRows` are multiplied block by block. Anything else goes through
    ``decision_function`` itself (and its checks and errors)."""
    linear = type(head) in (LinearSVC, LogisticRegression) and F.ndim == 2 and F.shape[1] == head.n_features_in_
    if isinstance(F, BlockRows) and linear and F.all_finite():
        product = F.dot
    else:
        if isinstance(F, BlockRows):
            F = F.tocsr()
        data = F.data if sp.issparse(F) and F.format == "csr" else F if isinstance(F, np.ndarray) else None
        if not (linear and data is not None and data.dtype.kind == "f" and np.isfinite(data).all()):
            return head.decision_function(F)
        product = functools.partial(safe_sparse_dot, F, dense_output=True)
    coef_t = head.coef_.T if head.coef_.ndim == 2 else head.coef_
    scores = product(coef_t) + head.intercept_
    return scores.reshape(-1) if (scores.ndim > 1 and scores.shape[1] == 1) else scores


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(n, k)`` logits."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Inverse temperature minimising the log loss of ``softmax(beta * logits)`` (Guo et al. 2017)."""
    rows = np.arange(len(y))

    def nll(log_beta: float) -> float:
        z = np.exp(log_beta) * logits
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[rows, y] - np.log(np.exp(z).sum(axis=1))).mean())

    res = minimize_scalar(nll, bounds=(-10.0, 10.0), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x))


@dataclass
class CalibratedHead:
    """How a head's probabilities are computed: its method, regularisation, seed and linear model
    (``linear``: "svm", a linear SVM, or "logreg", a logistic regression whose scores are calibrated
    the same way; chosen by :mod:`cxml.triage.head_search`)."""

    calibration: str | None = "temperature"
    C: float | None = None
    random_state: int | None = 0
    linear: str = "svm"
    class_weight: str | dict[int, float] | None = None

    def svm(self) -> Any:
        """The linear model whose scores are calibrated: a linear SVM with the configured ``C``
        (default 0.5) or, with ``linear="logreg"``, a logistic regression (default C 10); both weigh the
        classes by ``class_weight`` (None; "balanced": inversely to their frequency; or a weight per class index)."""
        if self.linear == "logreg":
            C = self.C if self.C is not None else DEFAULT_C["logreg"]
            return LogisticRegression(C=C, max_iter=2000, class_weight=self.class_weight)
        C = self.C if self.C is not None else DEFAULT_C["svm"]
        return LinearSVC(C=C, random_state=self.random_state, class_weight=self.class_weight)

    def make(self, y_train: np.ndarray) -> Any:
        """A head with its own probabilities: CalibratedClassifierCV (sigmoid / isotonic) or, without
        calibration (or with a class too small to calibrate), a logistic regression."""
        counts = np.bincount(y_train)
        smallest = int(counts[counts > 0].min())
        method = self.calibration
        if method is None or smallest < 2:
            C = self.C if (self.C is not None and method is None) else DEFAULT_C["logreg"]
            return LogisticRegression(C=C, max_iter=2000, class_weight=self.class_weight)
        # an integer cv (unshuffled stratified folds) keeps the saved head free of splitter objects
        return CalibratedClassifierCV(self.svm(), method=method, cv=min(3, smallest), ensemble=False)


def cross_validated_head(spec: CalibratedHead, F: Any, y_idx: np.ndarray, k: int, splits: list[Any], *,
                         extra: Any = None, owner: np.ndarray | None = None, train_on_extra: bool = False
                         ) -> tuple[np.ndarray, Any, float | None, np.ndarray | None]:
    """Out-of-fold probabilities of the training data, the final head, and its temperature.

    Parameters
    ----------
    extra : matrix of shape (m, d), optional
        Further texts' head inputs (the training tickets' short forms), each scored out of fold too:
        by the head of the fold that holds out its ticket ``owner[j]``.
    owner : ndarray of shape (m,), optional
        The training row each ``extra`` row comes from.
    train_on_extra : bool, default=False
        Also learn from the ``extra`` rows, each with its ticket's label: a fold's head from the short forms
        of the tickets it trains on (never those of the tickets it scores), the final head from all of them.
        Out-of-fold probabilities and the temperature stay those of the whole tickets.

    Returns
    -------
    P_cv : ndarray of shape (n, k)
    head : the head fitted on all the data
    temperature : float or None (``None`` unless ``calibration="temperature"``)
    P_extra : ndarray of shape (m, k) or None (None without ``extra``)
    """
    n = len(y_idx)
    m = 0 if extra is None else extra.shape[0]
    held = [np.flatnonzero(np.isin(owner, test)) if m else np.empty(0, dtype=int) for _, test in splits]
    learn = bool(train_on_extra and m)

    def training(rows: np.ndarray) -> tuple[Any, np.ndarray]:
        """The head's training matrix and labels: the tickets ``rows`` and, when learning from them, the short
        forms of those tickets."""
        if not learn:
            return F[rows], y_idx[rows]
        assert owner is not None and extra is not None
        keep = np.flatnonzero(np.isin(owner, rows))
        return _vstack(F[rows], extra[keep]), np.concatenate([y_idx[rows], y_idx[owner[keep]]])

    everything = np.arange(n)
    if spec.calibration == "temperature":
        D, D_extra = np.zeros((n, k)), np.zeros((m, k))
        for (train, test), rows in zip(splits, held, strict=True):
            svm = spec.svm().fit(*training(train))
            D[test] = head_logits(svm, F[test], k)
            if len(rows):
                D_extra[rows] = head_logits(svm, extra[rows], k)
        beta = fit_temperature(D, y_idx)
        P_extra = softmax(beta * D_extra) if m else None
        return softmax(beta * D), spec.svm().fit(*training(everything)), 1.0 / beta, P_extra
    P, P_x = np.zeros((n, k)), np.zeros((m, k))
    for (train, test), rows in zip(splits, held, strict=True):
        X_fold, y_fold = training(train)
        head = spec.make(y_fold)
        head.fit(X_fold, y_fold)
        P[np.ix_(test, head.classes_)] = head.predict_proba(F[test])
        if len(rows):
            P_x[np.ix_(rows, head.classes_)] = head.predict_proba(extra[rows])
    X_all, y_all = training(everything)
    head = spec.make(y_all)
    head.fit(X_all, y_all)
    return P, head, None, (P_x if m else None)


def _vstack(A: Any, B: Any) -> Any:
    """Rows of ``A`` then of ``B`` (sparse when either is)."""
    if sp.issparse(A) or sp.issparse(B):
        return sp.vstack([sp.csr_matrix(A), sp.csr_matrix(B)], format="csr")
    return np.vstack([A, B])


def head_proba(head: Any, F: Any, k: int, temperature: float | None) -> np.ndarray:
    """Calibrated ``(n, k)`` probabilities of a fitted head."""
    if temperature is not None:
        return softmax(head_logits(head, F, k) / temperature)
    P = np.zeros((F.shape[0], k))
    P[:, head.classes_] = head.predict_proba(F.tocsr() if isinstance(F, BlockRows) else F)
    return P
