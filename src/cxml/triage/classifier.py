"""Ticket triage: reason, priority and team classifiers with calibrated, thresholded decisions.

:class:`TicketClassifier`
    A scikit-learn classifier over ticket texts (and structured context such as channel and
    segment). Features are sentence embeddings from an encoder named by a spec string,
    TF-IDF word and character n-grams, or both ("hybrid"), under a linear SVM whose scores
    are calibrated into probabilities. It also decides: per-class confidence thresholds,
    fitted on cross-validated predictions of the training data, turn each prediction into
    ``"auto"`` (apply it), ``"suggest"`` (show it to an agent) or ``"abstain"`` (with a
    reason: empty text, unknown language, out of scope, low confidence).
:class:`PriorityClassifier`
    The same for ordinal priorities (low < medium < high < urgent), with a cost-sensitive
    decision rule that prefers over- to under-prioritising.
:class:`Triage`
    Several targets at once (reason, priority, team) from one ticket table: each ticket is
    embedded once and shared by one head per target; saved and loaded as one artifact.

Embedding once and fitting only the head
----------------------------------------
Embeddings are cached per process (``cxml.encoders``), so refitting a text classifier
(``GridSearchCV``, ``cross_val_score``) does not re-embed the same texts. To take the encoder
out of the loop altogether, embed once and pass the matrix with ``encoder="precomputed"``::

    enc = cxml.encoders.load("e5-small")
    E = enc.encode(texts)                                  # (n, 384), once
    search = GridSearchCV(TicketClassifier(encoder="precomputed"), {"C": [0.1, 0.5, 2]})
    search.fit(E, y)
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from cxml.persistence import register_artifact
from cxml.schema import TicketBatch, ValidationError, check_labels, ticket_batch
from cxml.triage.decisions import (
    DataReport,
    assign_actions,
    build_data_report,
    decide_labels,
    fit_class_thresholds,
    ordinal_cost_matrix,
)
from cxml.triage.features import (
    AUTO_CONTEXT,
    AUTO_PRIORITY_CONTEXT,
    FEATURE_SETS,
    ContextEncoder,
    TextFeatures,
    TextFeaturizer,
    fit_prototypes,
    leave_one_out_coverage,
    max_similarity,
    vocabulary_coverage,
)

__all__ = [
    "TicketClassifier",
    "PriorityClassifier",
    "Triage",
    "DataReport",
    "PRIORITY_LEVELS",
    "PRIORITY_SCALES",
]

logger = logging.getLogger(__name__)

#: Default priority levels, lowest first.
PRIORITY_LEVELS: tuple[str, ...] = ("low", "medium", "high", "urgent")
#: Priority scales :class:`Triage` recognises (``ordinal="auto"``), lowest first.
PRIORITY_SCALES: tuple[tuple[str, ...], ...] = (
    PRIORITY_LEVELS, ("low", "normal", "high", "urgent"), ("low", "medium", "high", "critical"),
    ("low", "normal", "high", "critical"))
_CALIBRATIONS = ("temperature", "sigmoid", "isotonic", None)
#: Default quantile of in-scope CV similarities below which a ticket is out of scope.
DEFAULT_OOS_QUANTILE = 0.01
#: A language seen in at least this share of the training tickets (and 3 of them) is "known".
MIN_LANGUAGE_SHARE = 0.005
_DEFAULT_C = {"svm": 0.5, "logreg": 10.0}


def _logits(head: Any, F: Any, k: int) -> np.ndarray:
    """Decision values of a linear head as ``(n, k)`` logits (classes the head never saw get a
    logit far below the others; binary scores ``d`` become ``(-d, d)``)."""
    d = np.asarray(head.decision_function(F), dtype=np.float64)
    seen = np.asarray(head.classes_)
    if d.ndim == 1:
        d = np.column_stack([-d, d])
    if len(seen) == k:
        return d
    out = np.full((d.shape[0], k), np.nan)
    out[:, seen] = d
    floor = np.nanmin(d, axis=1, keepdims=True) - 10.0
    return np.where(np.isnan(out), floor, out)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Inverse temperature minimising the log loss of ``softmax(beta * logits)`` (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def nll(log_beta: float) -> float:
        z = np.exp(log_beta) * logits
        z = z - z.max(axis=1, keepdims=True)
        return float(-(z[rows, y] - np.log(np.exp(z).sum(axis=1))).mean())

    res = minimize_scalar(nll, bounds=(-10.0, 10.0), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x))


def _py(v: Any) -> Any:
    """A numpy scalar as the Python scalar (JSON-able)."""
    return v.item() if isinstance(v, np.generic) else v


def _ece(correct: np.ndarray, conf: np.ndarray, n_bins: int = 15) -> float:
    from cxml.evaluate import _ece_from

    return _ece_from(correct, conf, n_bins)


# =========================================================================== classifier
class TicketClassifier(ClassifierMixin, BaseEstimator):
    """Classify tickets (reason, team, ...) and decide when to apply the prediction.

    Parameters
    ----------
    encoder : str, default="auto"
        Encoder spec (see :mod:`cxml.encoders`): ``"auto"`` (multilingual e5-small unless the
        training texts are all English, then MiniLM), ``"e5-small"``, ``"minilm"``, ``"hash"``,
        a model folder, or ``"precomputed"``: ``X`` is then an embedding matrix
        ``(n_samples, dim)`` and only the head is fitted. Ignored when ``features="tfidf"``.
    features : {"hybrid", "embedding", "tfidf"}, default="hybrid"
        Embeddings, TF-IDF word (1-2) and char_wb (2-5) n-grams, or both side by side
        (each block L2-normalised, so neither dominates).
    C : float, optional
        Regularisation of the linear head (default 0.5 for the calibrated linear SVM; 10
        for the logistic regression used when ``calibration=None``).
    calibration : {"temperature", "sigmoid", "isotonic"} or None, default="temperature"
        How the SVM's scores become probabilities. "temperature": one softmax temperature
        fitted on the out-of-fold scores of the training data (multi-class, cheap: no nested
        cross-validation); "sigmoid" / "isotonic": one-vs-rest ``CalibratedClassifierCV``
        (3 inner folds; isotonic needs thousands of tickets). ``None`` uses a
        logistic-regression head and its own probabilities.
    target_precision : float or dict, default=0.9
        Precision the automatically applied predictions must reach, for every class, or per
        class as ``{class: precision}`` (classes not listed get 0.9).
    min_confidence : float, default=0.3
        Below this confidence nothing is suggested: the ticket abstains ("low_confidence").
    cv : int, default=5
        Folds of the cross-validation behind thresholds, calibration checks and the data
        report; reduced to the size of the smallest class (stratified).
    out_of_scope : bool or float, default=True
        Flag tickets unlike any training ticket. A float sets the share of in-scope CV tickets
        that would be flagged (the similarity quantile; True means 0.01).
    unknown_language : bool, default=True
        Abstain on tickets in a language absent from the training data (detected offline
        with lingua unless the ticket table has a ``language`` column).
    scrub_pii : bool, default=True
        Remove e-mails, phone numbers, card numbers, IBANs, identity codes and addresses from
        the texts before anything is fitted or stored.
    text_columns : list of str, optional
        DataFrame columns joined into the ticket text (default: the canonical ``text``, or
        subject + body, as :func:`cxml.schema.as_tickets` builds it).
    context_columns : "auto", list of str or None, default="auto"
        Structured columns one-hot encoded next to the text ("auto": channel, segment,
        language and has_error when present; priority models add reason).
    ordinal : list, optional
        Ordered levels (lowest first) when the target is ordinal, e.g. priorities.
    cost_matrix : "ordinal", array of shape (n_levels, n_levels) or None
        Decision costs (true level x predicted level, in ``ordinal`` order): the prediction
        is the level of least expected cost. ``"ordinal"``: distance between levels, doubled
        when under-prioritising.
    top_threshold : float, optional
        Predict the highest level whenever its probability reaches this value.
    random_state : int, default=0

    Attributes
    ----------
    classes_ : ndarray
        Labels, sorted; ``predict_proba``'s columns follow them.
    encoder_spec_ : str
        The resolved encoder spec ("tfidf" for TF-IDF-only features, "precomputed").
    n_features_in_ : int
        Input columns read: 1 for a list of texts; the embedding dimension with
        ``encoder="precomputed"``.
    thresholds_ : ndarray
        Confidence threshold per class for ``"auto"`` (``inf``: never automatic).
    oos_thresholds_ : dict or None
        Per out-of-scope detector, the score below which a ticket is out of scope:
        ``"prototypes"`` (embeddings: cosine similarity to the nearest of up to 8 k-means
        prototypes per class) and ``"coverage"`` (TF-IDF: idf-weighted share of the ticket's
        words known to the vocabulary). Each is the ``out_of_scope / n_detectors`` quantile of
        held-out in-scope training scores.
    cv_scores_ : dict
        Cross-validated accuracy, macro-F1, top-3 accuracy and ECE on the training data.

    Examples
    --------
    >>> from cxml.triage import TicketClassifier
    >>> texts = ["Where is my parcel?", "Parcel has not arrived", "Refund for my return?",
    ...          "I returned the shoes, where is my money?"] * 5
    >>> y = ["delivery", "delivery", "refund", "refund"] * 5
    >>> clf = TicketClassifier(encoder="hash", features="tfidf").fit(texts, y)
    >>> clf.predict(["my parcel is late"]).tolist()
    ['delivery']
    """

    def __init__(self, *, encoder: str = "auto", features: str = "hybrid", C: float | None = None,
                 calibration: str | None = "temperature", target_precision: float | dict[Any, float] = 0.9,
                 min_confidence: float = 0.3, cv: int = 5, out_of_scope: bool | float = True,
                 unknown_language: bool = True, scrub_pii: bool = True,
                 text_columns: Sequence[str] | None = None, context_columns: Any = "auto",
                 ordinal: Sequence[Any] | None = None, cost_matrix: Any = None,
                 top_threshold: float | None = None, random_state: int | None = 0) -> None:
        self.encoder = encoder
        self.features = features
        self.C = C
        self.calibration = calibration
        self.target_precision = target_precision
        self.min_confidence = min_confidence
        self.cv = cv
        self.out_of_scope = out_of_scope
        self.unknown_language = unknown_language
        self.scrub_pii = scrub_pii
        self.text_columns = text_columns
        self.context_columns = context_columns
        self.ordinal = ordinal
        self.cost_matrix = cost_matrix
        self.top_threshold = top_threshold
        self.random_state = random_state

    # ------------------------------------------------------------------ sklearn plumbing
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        pre = self.encoder == "precomputed"
        tags.input_tags.two_d_array = pre
        tags.input_tags.string = not pre
        tags.input_tags.sparse = False
        tags.non_deterministic = False
        return tags

    def _check_params(self) -> None:
        name = type(self).__name__
        if self.features not in FEATURE_SETS:
            raise ValueError(f"{name}: features must be one of {FEATURE_SETS}, got {self.features!r}")
        if not isinstance(self.encoder, str) or not self.encoder.strip():
            raise ValueError(f"{name}: encoder must be a spec string such as 'auto', 'e5-small', 'hash' or "
                             f"'precomputed', got {self.encoder!r} (pass the name, not a loaded model)")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(f"{name}: calibration must be one of {_CALIBRATIONS}, got {self.calibration!r}")
        if not isinstance(self.cv, (int, np.integer)) or self.cv < 2:
            raise ValueError(f"{name}: cv must be an integer >= 2, got {self.cv!r}")
        if self.C is not None and not (isinstance(self.C, (int, float)) and self.C > 0):
            raise ValueError(f"{name}: C must be a positive number or None, got {self.C!r}")
        tp = self.target_precision
        values = list(tp.values()) if isinstance(tp, dict) else [tp]
        if not all(isinstance(v, (int, float)) and 0 < v <= 1 for v in values):
            raise ValueError(f"{name}: target_precision must be in (0, 1] (or a dict of such), got {tp!r}")
        if not (isinstance(self.min_confidence, (int, float)) and 0 <= self.min_confidence < 1):
            raise ValueError(f"{name}: min_confidence must be in [0, 1), got {self.min_confidence!r}")
        oos = self.out_of_scope
        if not (isinstance(oos, bool) or oos is None or (isinstance(oos, float) and 0 < oos < 0.5)):
            raise ValueError(f"{name}: out_of_scope must be True, False or a quantile in (0, 0.5), got {oos!r}")

    def _oos_quantile(self) -> float | None:
        if self.out_of_scope is True:
            return DEFAULT_OOS_QUANTILE
        if not self.out_of_scope:
            return None
        return float(self.out_of_scope)

    def _check_fitted(self) -> None:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "thresholds_")

    # ------------------------------------------------------------------ input
    def _batch(self, X: Any, *, reset: bool) -> TicketBatch:
        if self.encoder == "precomputed":
            from sklearn.utils.validation import validate_data

            index = X.index if isinstance(X, pd.DataFrame) else None
            M = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=1)
            return TicketBatch(texts=[], empty=np.zeros(M.shape[0], dtype=bool), matrix=np.asarray(M),
                               index=index)
        return ticket_batch(X, what=type(self).__name__, text_columns=self.text_columns,
                              scrub_pii=self.scrub_pii)

    def _check_y(self, y: Any, n: int) -> np.ndarray:
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import column_or_1d

        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        if isinstance(y, (list, tuple, pd.Series)) or (isinstance(y, np.ndarray) and y.ndim == 1):
            # NaN (or "nan") labels, mixed types, only single examples: refused naming the rows; spaces stripped
            clean = check_labels(y, name="y", min_per_class=1)
            if all(isinstance(v, str) for v in (y.tolist() if hasattr(y, "tolist") else y)):
                y = clean.to_numpy(dtype=str)
        if isinstance(y, pd.Series):
            if y.isna().any():
                raise ValueError(f"{name}: y has {int(y.isna().sum())} missing labels; drop those tickets "
                                 "or fill the labels first")
            y = y.to_numpy()
        y = column_or_1d(y, warn=True)
        if len(y) != n:
            raise ValueError(f"{name}: X has {n} tickets but y has {len(y)} labels")
        if y.dtype == object and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y):
            raise ValueError(f"{name}: y has missing labels; drop those tickets or fill the labels first")
        check_classification_targets(y)
        if len(np.unique(y)) == len(y) > 1:
            raise ValidationError(
                f"{name}: every class of y has a single example ({len(y)} classes); cross-validated calibration "
                "needs at least two examples of some class. Add labelled tickets or merge classes.")
        return y

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> TicketClassifier:
        """Fit features, the calibrated head, thresholds and the out-of-scope detector.

        Parameters
        ----------
        X : list of str, pandas Series, ticket DataFrame, or array of shape (n, dim)
            Ticket texts (a DataFrame goes through :func:`cxml.schema.as_tickets`; its
            structured columns become context), or embeddings with ``encoder="precomputed"``.
        y : array-like of shape (n,)
            Labels.

        Returns
        -------
        self
        """
        self._check_params()
        batch = self._batch(X, reset=True)
        y = self._check_y(y, len(batch))
        if self.encoder != "precomputed":
            keep = ~batch.empty
            if not keep.any():
                raise ValueError(f"{type(self).__name__}: all {len(batch)} tickets have an empty text")
            if not keep.all():
                warnings.warn(f"{int((~keep).sum())} of {len(batch)} training tickets have an empty text and "
                              "were left out", UserWarning, stacklevel=2)
                rows = np.flatnonzero(keep)
                batch, y = batch.take(rows), y[rows]
        if len(np.unique(y)) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes to learn; got 1 class "
                             f"({np.unique(y)[0]!r}) in {len(y)} sample(s)")
        featurizer = TextFeaturizer(self.features, self.encoder)
        feats = featurizer.fit_transform(batch)
        auto = AUTO_PRIORITY_CONTEXT if self.ordinal is not None else AUTO_CONTEXT
        ctx = ContextEncoder(ContextEncoder.resolve(self.context_columns, batch.frame, auto=auto))
        ctx.fit(batch.frame)
        if self.encoder != "precomputed":
            self.n_features_in_ = 1 + len(ctx.categories_) if batch.frame is not None else 1
        self._fit_from(featurizer, feats, ctx, batch, y)
        return self

    def _svm(self) -> Any:
        from sklearn.svm import LinearSVC

        C = self.C if self.C is not None else _DEFAULT_C["svm"]
        return LinearSVC(C=C, random_state=self.random_state)

    def _make_head(self, y_train: np.ndarray) -> Any:
        """A head with its own probabilities: CalibratedClassifierCV (sigmoid / isotonic) or, without
        calibration (or with a class too small to calibrate), a logistic regression."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        counts = np.bincount(y_train)
        smallest = int(counts[counts > 0].min())
        method = self.calibration
        if method is None or smallest < 2:
            C = self.C if (self.C is not None and method is None) else _DEFAULT_C["logreg"]
            return LogisticRegression(C=C, max_iter=2000)
        # an integer cv (unshuffled stratified folds) keeps the saved head free of splitter objects
        return CalibratedClassifierCV(self._svm(), method=method, cv=min(3, smallest), ensemble=False)

    def _cross_validate(self, F: Any, y_idx: np.ndarray, k: int, splits: list[Any]
                        ) -> tuple[np.ndarray, list[Any]]:
        """Out-of-fold probabilities of the training data; fits the final head (``head_``).

        Temperature scaling (the default) needs no nested cross-validation: the linear SVM is
        fitted once per fold, the temperature on the out-of-fold scores, and the final SVM on
        all the data (``cv + 1`` fits). Sigmoid / isotonic calibration nest a 3-fold
        ``CalibratedClassifierCV`` inside each fold.
        """
        n = len(y_idx)
        if self.calibration == "temperature":
            D = np.zeros((n, k))
            for train, test in splits:
                svm = self._svm().fit(F[train], y_idx[train])
                D[test] = _logits(svm, F[test], k)
            beta = _fit_temperature(D, y_idx)
            self.head_ = self._svm().fit(F, y_idx)
            self.temperature_: float | None = 1.0 / beta
            return _softmax(beta * D), splits
        P = np.zeros((n, k))
        for train, test in splits:
            head = self._make_head(y_idx[train])
            head.fit(F[train], y_idx[train])
            P[np.ix_(test, head.classes_)] = head.predict_proba(F[test])
        self.head_ = self._make_head(y_idx)
        self.head_.fit(F, y_idx)
        self.temperature_ = None
        return P, splits

    def _target_precisions(self, classes: np.ndarray) -> np.ndarray:
        tp = self.target_precision
        if isinstance(tp, dict):
            return np.array([float(tp.get(_py(c), tp.get(str(c), 0.9))) for c in classes])
        return np.full(len(classes), float(tp))

    def _setup_decision_rule(self, classes: np.ndarray) -> None:
        self.ordinal_levels_ = None
        self.cost_ = None
        self.top_index_ = None
        if self.ordinal is None:
            if self.cost_matrix is not None or self.top_threshold is not None:
                raise ValueError(f"{type(self).__name__}: cost_matrix and top_threshold need ordinal=[levels]")
            return
        levels = list(self.ordinal)
        unknown = [c for c in classes.tolist() if c not in levels]
        if unknown:
            raise ValueError(f"{type(self).__name__}: labels {unknown} are not among the ordinal levels {levels}")
        present = [lv for lv in levels if lv in set(classes.tolist())]
        self.ordinal_levels_ = present
        pos = {c: i for i, c in enumerate(classes.tolist())}
        perm = np.array([pos[lv] for lv in present])  # level order -> class column
        if self.cost_matrix is not None:
            if isinstance(self.cost_matrix, str):
                if self.cost_matrix != "ordinal":
                    raise ValueError(f"cost_matrix must be 'ordinal', an array or None, got {self.cost_matrix!r}")
                cost_levels = ordinal_cost_matrix(len(present))
            else:
                full = np.asarray(self.cost_matrix, dtype=float)
                if full.shape != (len(levels), len(levels)):
                    raise ValueError(f"cost_matrix must have shape ({len(levels)}, {len(levels)}) (true x "
                                     f"predicted, in the order of ordinal), got {full.shape}")
                keep = [levels.index(lv) for lv in present]
                cost_levels = full[np.ix_(keep, keep)]
            cost = np.zeros((len(classes), len(classes)))
            cost[np.ix_(perm, perm)] = cost_levels
            self.cost_ = cost
        if self.top_threshold is not None:
            self.top_index_ = int(perm[-1])

    def _decide_idx(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return decide_labels(P, cost=self.cost_, top_index=self.top_index_,
                             top_threshold=self.top_threshold if self.top_index_ is not None else None)

    def _fit_from(self, featurizer: TextFeaturizer, feats: TextFeatures, ctx: ContextEncoder,
                  batch: TicketBatch, y: np.ndarray, *, ctx_overrides: dict[str, Any] | None = None) -> None:
        """Fit everything after featurizing (shared by :class:`Triage`, whose featurizer is shared)."""
        from sklearn.metrics import accuracy_score, f1_score
        from sklearn.model_selection import StratifiedKFold

        name = type(self).__name__
        n = len(y)
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"{name} needs at least 2 classes to learn; got 1 class ({classes[0]!r}) "
                             f"in {n} sample(s)")
        k = len(classes)
        self.classes_ = classes
        self.featurizer_ = featurizer
        self.context_ = ctx
        self.encoder_spec_ = featurizer.describe()["spec"]
        self._setup_decision_rule(classes)
        C = ctx.transform(batch.frame, n, ctx_overrides)
        F = feats.head_matrix(C)
        V = feats.oos_matrix()
        counts = np.bincount(y_idx, minlength=k)
        smallest = int(counts.min())
        n_splits = int(max(2, min(self.cv, smallest)))
        if smallest < 2:
            warnings.warn(f"{name}: class(es) {classes[counts < 2].tolist()} have a single example; they are "
                          "kept but never applied automatically, and calibration is reduced", UserWarning,
                          stacklevel=3)
        # ---- cross-validated predictions of the training data (thresholds, OOS, report)
        quantile = self._oos_quantile()
        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            splits = list(skf.split(np.zeros(n), y_idx))
        P_cv, _ = self._cross_validate(F, y_idx, k, splits)
        # ---- out of scope: in-scope scores of held-out tickets, each against a detector built
        # without it; the threshold is a low quantile of them (split between the detectors used)
        self.oos_thresholds_ = None
        self.prototypes_ = None
        if quantile is not None:
            scores: dict[str, np.ndarray] = {}
            if feats.embedding is not None or feats.raw is not None:
                sim = np.full(n, np.nan)
                for train, test in splits:
                    protos = fit_prototypes(V[train], y_idx[train], k, random_state=self._seed())
                    sim[test] = max_similarity(V[test], protos)
                scores["prototypes"] = sim
                self.prototypes_ = fit_prototypes(V, y_idx, k, random_state=self._seed())
            if featurizer.tfidf_ is not None:
                scores["coverage"] = leave_one_out_coverage(batch.texts, featurizer.unigram_idf())
            q = quantile / len(scores)
            self.oos_thresholds_ = {m: float(np.nanquantile(v, q)) for m, v in scores.items()}
        pred, conf = self._decide_idx(P_cv)
        correct = pred == y_idx
        self.cv_pred_labels_ = classes[pred]
        self.target_precision_ = self._target_precisions(classes)
        th = fit_class_thresholds(pred, conf, correct, k, self.target_precision_)
        self.thresholds_ = th["threshold"]
        auto = conf >= self.thresholds_[pred]
        self.coverage_ = pd.DataFrame({
            "target_precision": self.target_precision_, "threshold": th["threshold"],
            "cv_precision": th["cv_precision"], "coverage": th["coverage"],
            "auto_recall": np.bincount(y_idx[auto & correct], minlength=k) / np.maximum(counts, 1),
            "n_predicted": th["n_predicted"], "support": counts,
        }, index=pd.Index(classes, name="class"))
        top3 = np.argsort(-P_cv, axis=1)[:, :3]
        self.cv_scores_ = {
            "n_splits": n_splits,
            "accuracy": float(accuracy_score(y_idx, pred)),
            "macro_f1": float(f1_score(y_idx, pred, average="macro", labels=np.arange(k), zero_division=0)),
            "top3_accuracy": float((top3 == y_idx[:, None]).any(axis=1).mean()),
            "ece": _ece(correct, conf),
            "auto_share": float(auto.mean()),
            "auto_precision": float(correct[auto].mean()) if auto.any() else float("nan"),
        }
        if self.ordinal_levels_ is not None:
            from cxml.evaluate import ordinal_metrics

            self.cv_scores_.update(ordinal_metrics(classes[y_idx], classes[pred], self.ordinal_levels_))
        index = batch.index if batch.index is not None else pd.RangeIndex(n)
        self.data_report_ = build_data_report(y_idx, P_cv, classes.tolist(), pd.Index(index))
        self.head_dim_ = int(F.shape[1])
        # ---- training data summary (model card)
        self.languages_ = self._training_languages(batch)
        self.training_summary_ = self._summarise(batch, classes, counts)

    def _seed(self) -> int:
        return int(self.random_state) if isinstance(self.random_state, (int, np.integer)) else 0

    def _training_languages(self, batch: TicketBatch) -> dict[str, float]:
        if batch.languages is None and batch.matrix is None and len(batch) > 1000 and not (
                batch.frame is not None and "language" in batch.frame.columns):
            # an evenly spaced sample is plenty for the language mix (lingua: ~1 ms a text)
            batch = batch.take(np.linspace(0, len(batch) - 1, 1000).astype(int))
        langs = _batch_languages(batch, detect=bool(self.unknown_language))
        if langs is None:
            return {}
        s = pd.Series([lang for lang in langs if lang is not None], dtype=object)
        if not len(s):
            return {}
        share = s.value_counts(normalize=True)
        return {str(k): float(v) for k, v in share.items()}

    def _summarise(self, batch: TicketBatch, classes: np.ndarray, counts: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {"n_tickets": int(counts.sum()),
                               "class_counts": {str(_py(c)): int(n) for c, n in zip(classes, counts, strict=True)},
                               "languages": self.languages_}
        if batch.frame is not None and "created_at" in batch.frame.columns:
            ts = pd.to_datetime(batch.frame["created_at"], errors="coerce", utc=True).dropna()
            if len(ts):
                out["date_range"] = [ts.min().date().isoformat(), ts.max().date().isoformat()]
        return out

    # ------------------------------------------------------------------ predict
    def _transform(self, X: Any) -> tuple[TicketBatch, TextFeatures]:
        self._check_fitted()
        batch = self._batch(X, reset=False)
        return batch, self.featurizer_.transform(batch)

    def _head_input(self, batch: TicketBatch, feats: TextFeatures,
                    ctx_overrides: dict[str, Any] | None = None) -> Any:
        missing = self.context_.missing_in(batch.frame, ctx_overrides)
        if missing:
            warnings.warn(f"{type(self).__name__} was fitted with context columns {missing}, which this input "
                          "lacks; they count as unknown", UserWarning, stacklevel=4)
        C = self.context_.transform(batch.frame, len(batch), ctx_overrides)
        return feats.head_matrix(C)

    def _proba_from(self, F: Any) -> np.ndarray:
        k = len(self.classes_)
        if getattr(self, "temperature_", None) is not None:
            return _softmax(_logits(self.head_, F, k) / self.temperature_)
        P = np.zeros((F.shape[0], k))
        P[:, self.head_.classes_] = self.head_.predict_proba(F)
        return P

    def _wrap_labels(self, labels: np.ndarray, batch: TicketBatch, X: Any) -> Any:
        if batch.index is not None:
            return pd.Series(labels, index=batch.index, name=getattr(self, "target_name_", None))
        return labels

    def predict_proba(self, X: Any) -> Any:
        """Calibrated class probabilities.

        Parameters
        ----------
        X : list of str, Series, ticket DataFrame or embedding matrix

        Returns
        -------
        ndarray of shape (n, n_classes), or a DataFrame (columns ``classes_``, the caller's
        index) when ``X`` is a pandas object.
        """
        batch, feats = self._transform(X)
        P = self._proba_from(self._head_input(batch, feats))
        if batch.index is not None:
            return pd.DataFrame(P, index=batch.index, columns=list(self.classes_))
        return P

    def predict(self, X: Any) -> Any:
        """Predicted labels (a Series with the caller's index for pandas input).

        With ``ordinal`` and ``cost_matrix`` / ``top_threshold`` the label follows the
        cost-sensitive rule rather than the highest probability.
        """
        batch, feats = self._transform(X)
        idx, _ = self._decide_idx(self._proba_from(self._head_input(batch, feats)))
        return self._wrap_labels(self.classes_[idx], batch, X)

    def decide(self, X: Any) -> pd.DataFrame:
        """Label, confidence and action for each ticket.

        Parameters
        ----------
        X : list of str, Series or ticket DataFrame

        Returns
        -------
        DataFrame
            One row per ticket (the caller's index): ``label``, ``confidence``, ``action``
            (``"auto"``, ``"suggest"`` or ``"abstain"``), ``abstain_reason`` (None,
            ``"empty_text"``, ``"unknown_language"``, ``"out_of_scope"``, ``"low_confidence"``)
            and ``top3`` (list of ``(label, probability)``). ``label`` is the best guess even
            when the action is ``"abstain"``.
        """
        batch, feats = self._transform(X)
        return self._decide_from(batch, feats)

    def _decide_from(self, batch: TicketBatch, feats: TextFeatures,
                     ctx_overrides: dict[str, Any] | None = None) -> pd.DataFrame:
        P = self._proba_from(self._head_input(batch, feats, ctx_overrides))
        return self._decisions(P, batch, feats)

    def _flags(self, batch: TicketBatch, feats: TextFeatures) -> tuple[np.ndarray | None, np.ndarray | None]:
        oos = None
        for method, score in self._oos_scores(batch, feats).items():
            assert self.oos_thresholds_ is not None  # _oos_scores has only its methods
            low = score < self.oos_thresholds_[method]
            oos = low if oos is None else (oos | low)
        unknown = None
        if self.unknown_language and self.languages_:
            known = {lang for lang, share in self.languages_.items()
                     if share >= MIN_LANGUAGE_SHARE and share * self.training_summary_["n_tickets"] >= 3}
            langs = _batch_languages(batch, detect=True)
            if langs is not None:
                unknown = np.array([lang is not None and lang not in known for lang in langs], dtype=bool)
        return oos, unknown

    def _oos_scores(self, batch: TicketBatch, feats: TextFeatures) -> dict[str, np.ndarray]:
        """In-scope scores of each ticket (higher: more like the training tickets), per detector:
        ``prototypes`` (cosine similarity of the embedding to the nearest class prototype) and
        ``coverage`` (idf-weighted share of its words known to the TF-IDF vocabulary)."""
        out: dict[str, np.ndarray] = {}
        for method in self.oos_thresholds_ or {}:
            if method == "coverage":
                out[method] = vocabulary_coverage(batch.texts, self.featurizer_.unigram_idf())
            elif self.prototypes_ is not None:
                out[method] = max_similarity(feats.oos_matrix(), self.prototypes_)
        return out

    def _decisions(self, P: np.ndarray, batch: TicketBatch, feats: TextFeatures) -> pd.DataFrame:
        idx, conf = self._decide_idx(P)
        oos, unknown = self._flags(batch, feats)
        action, reason = assign_actions(conf, self.thresholds_[idx], min_confidence=self.min_confidence,
                                        empty=batch.empty, unknown_language=unknown, out_of_scope=oos)
        labels = self.classes_.tolist()
        order = np.argsort(-P, axis=1, kind="stable")[:, :3]
        top3 = [[(labels[j], float(P[i, j])) for j in row] for i, row in enumerate(order)]
        index = batch.index if batch.index is not None else pd.RangeIndex(len(P))
        return pd.DataFrame({
            "label": pd.Series(np.asarray(labels, dtype=object)[idx] if len(idx) else [], dtype=object,
                               index=index),
            "confidence": pd.Series(conf, dtype=float, index=index),
            "action": pd.Series(action, dtype=object, index=index),
            "abstain_reason": pd.Series(reason, dtype=object, index=index),
            "top3": pd.Series(top3, dtype=object, index=index)}, index=index)

    # ------------------------------------------------------------------ reports
    def coverage_report(self) -> pd.DataFrame:
        """Per class: target precision, threshold, CV precision and coverage of automatic decisions.

        Returns
        -------
        DataFrame indexed by class: ``target_precision``, ``threshold`` (``inf``: never automatic),
        ``cv_precision`` (precision of the CV predictions at or above the threshold), ``coverage``
        (share of the class's CV predictions applied automatically), ``auto_recall`` (share of the
        class's tickets labelled automatically and correctly), ``n_predicted``, ``support``.
        """
        self._check_fitted()
        return self.coverage_.copy()

    def data_report(self) -> DataReport:
        """Classes with too few examples, most confused pairs and suspected mislabels (from CV).

        Returns
        -------
        DataReport
        """
        self._check_fitted()
        return self.data_report_

    # ------------------------------------------------------------------ persistence
    def save(self, path: Any, *, overwrite: bool = False) -> Path:
        """Save as an artifact directory (see :func:`cxml.save`); load with :func:`cxml.load`."""
        from cxml.persistence import save

        self._check_fitted()
        return save(self, path, overwrite=overwrite)

    def _param_dict(self) -> dict[str, Any]:
        params = self.get_params()
        out = {}
        for k, v in params.items():
            if isinstance(v, np.ndarray):
                v = v.tolist()
            elif isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, dict):
                v = {str(_py(a)): _py(b) for a, b in v.items()}
            elif not isinstance(v, (str, int, float, bool, list, type(None))):
                v = None
            out[k] = v
        return out

    def _save_parts(self, directory: Path, prefix: str, *, allow_pickle: bool) -> dict[str, Any]:
        from cxml.persistence import dump_estimator

        sub, _, stem = prefix.rpartition("/")
        where = directory / sub if sub else directory
        written = dump_estimator(self.head_, where, f"{stem}head", allow_pickle=allow_pickle)
        files = {"head": f"{sub}/{written}" if sub else written}
        if self.prototypes_ is not None:
            files["prototypes"] = f"{prefix}prototypes.npy"
            np.save(directory / files["prototypes"], self.prototypes_, allow_pickle=False)
        cov = self.coverage_.replace([np.inf], None)
        return {
            "class": type(self).__name__,
            "params": self._param_dict(),
            "files": files,
            "classes": [_py(c) for c in self.classes_],
            "thresholds": [None if not np.isfinite(t) else float(t) for t in self.thresholds_],
            "target_precision": self.target_precision_.tolist(),
            "oos_thresholds": self.oos_thresholds_,
            "temperature": self.temperature_,
            "head_dim": self.head_dim_,
            "context": self.context_.to_dict(),
            "languages": self.languages_,
            "cv_scores": self.cv_scores_,
            "coverage": json.loads(cov.reset_index().to_json(orient="records")),
            "data_report": {"classes": json.loads(self.data_report_.classes.reset_index().to_json(orient="records")),
                            "confused_pairs": json.loads(self.data_report_.confused_pairs.to_json(orient="records")),
                            "min_examples": self.data_report_.min_examples},
            "training": self.training_summary_,
            "n_features_in": int(getattr(self, "n_features_in_", 1)),
            "target_name": getattr(self, "target_name_", None),
        }

    @classmethod
    def _from_parts(cls, directory: Path, meta: dict[str, Any], featurizer: TextFeaturizer, *,
                    allow_pickle: bool, trusted: tuple[str, ...]) -> TicketClassifier:
        from cxml.persistence import ArtifactError, check_dimensions, load_estimator

        klass = {"TicketClassifier": TicketClassifier, "PriorityClassifier": PriorityClassifier}.get(
            meta.get("class", "TicketClassifier"), cls)
        valid = klass().get_params()
        params = {k: v for k, v in meta.get("params", {}).items() if k in valid}
        if isinstance(params.get("cost_matrix"), list):
            params["cost_matrix"] = np.asarray(params["cost_matrix"])
        self = klass(**params)
        self.classes_ = np.asarray(meta["classes"])
        self.featurizer_ = featurizer
        self.encoder_spec_ = featurizer.describe()["spec"]
        self.context_ = ContextEncoder.from_dict(meta["context"])
        self.head_ = load_estimator(directory / meta["files"]["head"], allow_pickle=allow_pickle, trusted=trusted)
        self.head_dim_ = int(meta["head_dim"])
        head_dim = int(getattr(self.head_, "n_features_in_", self.head_dim_))
        w, c = featurizer.tfidf_dims
        expected = (featurizer.encoder_dim_ or 0) + w + c + self.context_.dim
        if featurizer.encoder_spec_ == "precomputed":
            expected = featurizer.encoder_dim_ or 0
        check_dimensions(encoder=expected, head=head_dim, where=f"{directory} (head {meta['files']['head']})")
        if not set(np.asarray(self.head_.classes_).tolist()) <= set(range(len(self.classes_))):
            raise ArtifactError(f"{directory}: the head's classes do not match the manifest's classes")
        self.prototypes_ = None
        if "prototypes" in meta["files"]:
            self.prototypes_ = np.load(directory / meta["files"]["prototypes"], allow_pickle=False)
        self.thresholds_ = np.array([np.inf if t is None else float(t) for t in meta["thresholds"]])
        self.target_precision_ = np.asarray(meta["target_precision"], dtype=float)
        self.oos_thresholds_ = meta.get("oos_thresholds")
        self.temperature_ = meta.get("temperature")
        self.languages_ = dict(meta.get("languages") or {})
        self.cv_scores_ = dict(meta.get("cv_scores") or {})
        cov = pd.DataFrame(meta["coverage"]).set_index("class")
        cov.index = pd.Index(self.classes_, name="class")
        numeric = {c: float for c in ("threshold", "cv_precision", "coverage") if c in cov}
        self.coverage_ = cov.astype(numeric).fillna({"threshold": np.inf})
        dr = meta.get("data_report") or {}
        dr_classes = pd.DataFrame(dr.get("classes", [])).set_index("class") if dr.get("classes") else pd.DataFrame()
        if len(dr_classes):
            dr_classes.index = pd.Index(self.classes_, name="class")
        self.data_report_ = DataReport(
            classes=dr_classes, confused_pairs=pd.DataFrame(dr.get("confused_pairs", [])),
            suspected_mislabels=pd.DataFrame(columns=["label", "label_proba", "suggested", "suggested_proba"]),
            min_examples=int(dr.get("min_examples", 10)),
            notes=["(loaded model: training tickets are not stored, so suspected mislabels are not listed)"])
        self.training_summary_ = dict(meta.get("training") or {})
        self.n_features_in_ = int(meta.get("n_features_in", 1))
        if meta.get("target_name") is not None:
            self.target_name_ = meta["target_name"]
        self._setup_decision_rule(self.classes_)
        return self

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        feat_meta = _save_featurizer(self.featurizer_, directory, allow_pickle=allow_pickle)
        parts = self._save_parts(directory, "", allow_pickle=allow_pickle)
        target = getattr(self, "target_name_", None) or "label"
        return {
            "encoder": self.featurizer_.describe(),
            "classes": {target: parts["classes"]},
            "featurizer": feat_meta,
            "classifier": parts,
            "card": _card_sections({target: self}, self.featurizer_),
        }

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> TicketClassifier:
        meta = manifest["model"]
        featurizer = _load_featurizer(directory, meta["featurizer"], manifest.get("encoder") or {},
                                      allow_pickle=allow_pickle, trusted=trusted)
        return cls._from_parts(directory, meta["classifier"], featurizer, allow_pickle=allow_pickle,
                               trusted=trusted)


register_artifact("ticket_classifier")(TicketClassifier)


class PriorityClassifier(TicketClassifier):
    """A :class:`TicketClassifier` for ordinal priorities (text + channel, segment, reason, ...).

    The same parameters, with ordinal defaults: ``ordinal=("low", "medium", "high", "urgent")``
    and ``cost_matrix="ordinal"`` (expected distance between levels, under-prioritising
    counting double). ``cv_scores_`` adds ``within_one_accuracy`` and ``top_level_recall``.

    Examples
    --------
    >>> from cxml.triage import PriorityClassifier
    >>> clf = PriorityClassifier(encoder="hash", top_threshold=0.35)  # doctest: +SKIP
    """

    def __init__(self, *, encoder: str = "auto", features: str = "hybrid", C: float | None = None,
                 calibration: str | None = "temperature", target_precision: float | dict[Any, float] = 0.9,
                 min_confidence: float = 0.3, cv: int = 5, out_of_scope: bool | float = True,
                 unknown_language: bool = True, scrub_pii: bool = True,
                 text_columns: Sequence[str] | None = None, context_columns: Any = "auto",
                 ordinal: Sequence[Any] | None = PRIORITY_LEVELS, cost_matrix: Any = "ordinal",
                 top_threshold: float | None = None, random_state: int | None = 0) -> None:
        super().__init__(encoder=encoder, features=features, C=C, calibration=calibration,
                         target_precision=target_precision, min_confidence=min_confidence, cv=cv,
                         out_of_scope=out_of_scope, unknown_language=unknown_language, scrub_pii=scrub_pii,
                         text_columns=text_columns, context_columns=context_columns, ordinal=ordinal,
                         cost_matrix=cost_matrix, top_threshold=top_threshold, random_state=random_state)


# =========================================================================== helpers
def _batch_languages(batch: TicketBatch, *, detect: bool) -> list[str | None] | None:
    """Language of each ticket: the ``language`` column when present, else detected (cached on the batch)."""
    if batch.languages is not None:
        return batch.languages
    if batch.matrix is not None:
        return None
    if batch.frame is not None and "language" in batch.frame.columns:
        vals = batch.frame["language"].tolist()
        langs: list[str | None] = [None if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)))
                                   else str(v).strip().lower()[:2] or None for v in vals]
    elif detect:
        from cxml.language import detect_languages

        langs = [None] * len(batch.texts)
        rows = [i for i, t in enumerate(batch.texts) if sum(ch.isalpha() for ch in t) >= 20]
        if rows:
            found = detect_languages([batch.texts[i] for i in rows], min_distance=0.1)
            for i, lang in zip(rows, found, strict=True):
                langs[i] = lang
    else:
        return None
    batch.languages = langs
    return langs


def _save_featurizer(featurizer: TextFeaturizer, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
    from cxml.triage.features import save_tfidf

    meta: dict[str, Any] = {"features": featurizer.features, "encoder": featurizer.encoder,
                            "encoder_spec": featurizer.encoder_spec_, "encoder_name": featurizer.encoder_name_,
                            "encoder_dim": featurizer.encoder_dim_, "tfidf": None}
    if featurizer.tfidf_ is not None:
        meta["tfidf"] = save_tfidf(featurizer.tfidf_, directory)
        meta["tfidf_dims"] = list(featurizer.tfidf_dims)
    return meta


def _load_featurizer(directory: Path, meta: dict[str, Any], encoder: dict[str, Any], *, allow_pickle: bool,
                     trusted: tuple[str, ...]) -> TextFeaturizer:
    from cxml.persistence import check_dimensions
    from cxml.triage.features import load_tfidf

    f = TextFeaturizer(meta["features"], meta["encoder"])
    f.encoder_spec_ = meta.get("encoder_spec")
    f.encoder_name_ = meta.get("encoder_name")
    f.encoder_dim_ = meta.get("encoder_dim")
    if f.encoder_spec_ is not None and encoder.get("dim") is not None:
        check_dimensions(encoder=int(encoder["dim"]), head=int(f.encoder_dim_ or 0), where=str(directory))
    if meta.get("tfidf"):
        f.tfidf_ = load_tfidf(directory, meta["tfidf"])
        if list(f.tfidf_dims) != list(meta.get("tfidf_dims", f.tfidf_dims)):
            from cxml.persistence import ArtifactError

            raise ArtifactError(f"{directory}: TF-IDF vocabulary sizes {list(f.tfidf_dims)} differ from the "
                                f"manifest's {meta.get('tfidf_dims')}; the artifact is damaged")
    return f


def _md_table(df: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    cols = [str(df.index.name or "")] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    ints = {c for c in df.columns if pd.api.types.is_integer_dtype(df[c])}

    def cell(col: Any, v: Any) -> str:
        if col in ints:
            return str(int(v))
        if isinstance(v, (float, np.floating)):
            return "never" if np.isinf(v) else ("—" if np.isnan(v) else floatfmt.format(v))
        return str(v)

    for idx, row in zip(df.index, df.itertuples(index=False), strict=True):
        lines.append("| " + " | ".join([str(idx)] + [cell(c, v) for c, v in zip(df.columns, row, strict=True)])
                     + " |")
    return "\n".join(lines)


def _card_sections(heads: dict[str, TicketClassifier], featurizer: TextFeaturizer) -> dict[str, str]:
    first = next(iter(heads.values()))
    tr = first.training_summary_
    data = [f"- tickets: {tr.get('n_tickets')}"]
    if tr.get("date_range"):
        data.append(f"- created: {tr['date_range'][0]} to {tr['date_range'][1]}")
    langs = tr.get("languages") or {}
    if langs:
        data.append("- languages: " + ", ".join(f"{k} {v:.0%}" for k, v in list(langs.items())[:8]))
    for target, clf in heads.items():
        counts = clf.training_summary_.get("class_counts", {})
        data.append(f"- {target} ({clf.training_summary_.get('n_tickets')} labelled): "
                    + ", ".join(f"{k} {v}" for k, v in counts.items()))
    evals = []
    for target, clf in heads.items():
        s = clf.cv_scores_
        line = (f"**{target}** ({s.get('n_splits')}-fold CV on the training data): accuracy {s['accuracy']:.3f}, "
                f"macro-F1 {s['macro_f1']:.3f}, top-3 accuracy {s['top3_accuracy']:.3f}, ECE {s['ece']:.3f}; "
                f"applied automatically: {s['auto_share']:.1%} of tickets"
                + (f" at precision {s['auto_precision']:.3f}" if s["auto_share"] > 0 else ""))
        if "within_one_accuracy" in s:
            line += (f"; within-one-level accuracy {s['within_one_accuracy']:.3f}, recall of "
                     f"'{clf.ordinal_levels_[-1] if clf.ordinal_levels_ else 'top'}' {s['top_level_recall']:.3f}")
        evals += [line + ".", "", _md_table(clf.coverage_.drop(columns=["auto_recall"])), ""]
    enc = featurizer.describe()
    encoder = (f"Features: {featurizer.features}. Encoder `{enc['spec']}` ({enc['name']}, dim {enc['dim']}); "
               "the encoder's weights are not part of this artifact: it is loaded by its spec when the model "
               "is first used, and its dimension is checked against the classifier heads.")
    if featurizer.tfidf_ is not None:
        w, c = featurizer.tfidf_dims
        encoder += (f" TF-IDF vocabulary: {w} word and {c} character n-grams, fitted on PII-scrubbed text, "
                    "terms seen in fewer than 2 tickets dropped.")
    q = first._oos_quantile()
    oos = ("Out-of-scope detection is off." if q is None else
           f"Tickets unlike the training tickets are flagged out of scope ({', '.join(first.oos_thresholds_ or {})}"
           f"; thresholds at the {q:.0%} quantile of held-out in-scope training scores, so about {q:.0%} of "
           "in-scope tickets are flagged too). With a lexical encoder (TF-IDF, hash) short questions that "
           "reuse everyday words are recognised less reliably than with a neural encoder.")
    langs = ", ".join(sorted(first.languages_)) or "not recorded"
    limits = ("Decision thresholds were chosen on cross-validated predictions of the training data; precision "
              f"on new tickets holds only while they resemble the training tickets. {oos} Tickets in languages "
              f"absent from the training data ({langs} seen) abstain. Classes with few examples are never "
              "applied automatically (at least 5 CV predictions above a threshold are needed). Labels are "
              "learned as agents assigned them: label noise in the history caps the accuracy. Retrain when "
              "reasons, products or languages change.")
    return {"Training data": "\n".join(data), "Cross-validated evaluation": "\n".join(evals),
            "Encoder": encoder, "Known limits": limits}


def _safe_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._") or "target"
    out, i = base, 1
    while out in taken:
        i += 1
        out = f"{base}_{i}"
    taken.add(out)
    return out


# =========================================================================== multi-target
@register_artifact("triage")
class Triage:
    """Reason, priority, team (any label columns) learned together from one ticket table.

    Every ticket is embedded once; each target gets its own calibrated head, thresholds and
    out-of-scope detector (a :class:`TicketClassifier` sharing the featurizer). Targets named
    ``priority`` whose values are among ``low < medium < high < urgent`` are ordinal
    (see :class:`PriorityClassifier`).

    Parameters
    ----------
    targets : sequence of str, default=("reason", "priority", "team")
        Label columns of the ticket table; rows with a missing label are left out of that
        target's training only.
    encoder, features, C, calibration, min_confidence, cv, out_of_scope, unknown_language,
    scrub_pii, text_columns, random_state
        As for :class:`TicketClassifier`.
    target_precision : float or dict, default=0.9
        A float for every target, or ``{target: float or {class: float}}``.
    context_columns : "auto", list or None, default="auto"
        Structured columns used next to the text. With "auto", priority also uses the
        reason: the predicted one (trained on cross-validated predictions, so training
        matches use).
    ordinal : "auto", dict or None, default="auto"
        ``{target: [levels, lowest first]}``; "auto" makes ``priority`` ordinal when its
        values (lower-cased) are one of :data:`PRIORITY_SCALES`.

    Attributes
    ----------
    estimators_ : dict of str to TicketClassifier
    encoder_spec_ : str
    featurizer_ : the shared featurizer

    Examples
    --------
    >>> import cxml
    >>> from cxml.triage import Triage
    >>> data = cxml.make_webshop(400, seed=0)                            # doctest: +SKIP
    >>> model = Triage(encoder="hash").fit(data.tickets)                 # doctest: +SKIP
    >>> model.predict(data.tickets.head(3))[["reason", "reason_action"]]  # doctest: +SKIP
    """

    def __init__(self, targets: Sequence[str] = ("reason", "priority", "team"), *, encoder: str = "auto",
                 features: str = "hybrid", C: float | None = None, calibration: str | None = "temperature",
                 target_precision: float | dict[str, Any] = 0.9, min_confidence: float = 0.3, cv: int = 5,
                 out_of_scope: bool | float = True, unknown_language: bool = True, scrub_pii: bool = True,
                 text_columns: Sequence[str] | None = None, context_columns: Any = "auto",
                 ordinal: Any = "auto", random_state: int | None = 0) -> None:
        self.targets = targets
        self.encoder = encoder
        self.features = features
        self.C = C
        self.calibration = calibration
        self.target_precision = target_precision
        self.min_confidence = min_confidence
        self.cv = cv
        self.out_of_scope = out_of_scope
        self.unknown_language = unknown_language
        self.scrub_pii = scrub_pii
        self.text_columns = text_columns
        self.context_columns = context_columns
        self.ordinal = ordinal
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn style)."""
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: getattr(self, p) for p in names}

    def __repr__(self) -> str:
        return f"Triage(targets={tuple(self.targets)!r}, encoder={self.encoder!r}, features={self.features!r})"

    def _targets(self) -> list[str]:
        if isinstance(self.targets, str):
            return [self.targets]
        out = list(self.targets)
        if not out:
            raise ValueError("Triage needs at least one target column")
        if len(set(out)) != len(out):
            raise ValueError(f"Triage: duplicate targets in {out}")
        return out

    def _ordinal_for(self, target: str, values: pd.Series) -> list[Any] | None:
        if self.ordinal is None:
            return None
        if isinstance(self.ordinal, dict):
            lv = self.ordinal.get(target)
            return list(lv) if lv is not None else None
        if self.ordinal == "auto" and target == "priority":
            vals = set(values.dropna().astype(str).str.lower().unique())
            for scale in PRIORITY_SCALES:
                if vals and vals <= set(scale):
                    return list(scale)
            return None
        return None

    def _head(self, target: str, levels: list[Any] | None, context: Any) -> TicketClassifier:
        tp = self.target_precision
        if isinstance(tp, dict):
            tp = tp.get(target, 0.9)
        cls = PriorityClassifier if levels is not None else TicketClassifier
        clf = cls(encoder=self.encoder, features=self.features, C=self.C, calibration=self.calibration,
                  target_precision=tp, min_confidence=self.min_confidence, cv=self.cv,
                  out_of_scope=self.out_of_scope, unknown_language=self.unknown_language,
                  scrub_pii=self.scrub_pii, text_columns=self.text_columns, context_columns=context,
                  ordinal=levels, random_state=self.random_state)
        if levels is not None and not isinstance(clf, PriorityClassifier):  # pragma: no cover
            clf.set_params(cost_matrix="ordinal")
        return clf

    def fit(self, tickets: pd.DataFrame, columns: dict[str, Any] | None = None) -> Triage:
        """Learn every target from a ticket table.

        Parameters
        ----------
        tickets : DataFrame
            Ticket history with the text (or subject/body) and the target columns.
        columns : dict, optional
            Column mapping for :func:`cxml.schema.as_tickets`, e.g.
            ``{"text": ["title", "description"], "reason": "category"}``.

        Returns
        -------
        self
        """
        if not isinstance(tickets, pd.DataFrame):
            raise TypeError(f"Triage.fit expects a ticket DataFrame, got {type(tickets).__name__}")
        targets = self._targets()
        batch = ticket_batch(tickets, what="Triage", text_columns=self.text_columns, columns=columns,
                               scrub_pii=self.scrub_pii)
        assert batch.frame is not None
        missing = [t for t in targets if t not in batch.frame.columns]
        if missing:
            raise ValueError(f"Triage: target column(s) {missing} are not in the ticket table (columns: "
                             f"{list(batch.frame.columns)[:25]}); map them with columns={{'{missing[0]}': "
                             "'<your column>'}")
        keep = ~batch.empty
        if not keep.any():
            raise ValueError(f"Triage: all {len(batch)} tickets have an empty text")
        if not keep.all():
            warnings.warn(f"{int((~keep).sum())} of {len(batch)} training tickets have an empty text and were "
                          "left out", UserWarning, stacklevel=2)
            batch = batch.take(np.flatnonzero(keep))
        featurizer = TextFeaturizer(self.features, self.encoder)
        feats = featurizer.fit_transform(batch)  # the one and only embedding pass over the training tickets
        frame = batch.frame
        assert frame is not None  # asserted above; take() keeps it
        self.estimators_: dict[str, TicketClassifier] = {}
        self.chained_: dict[str, list[str]] = {}
        cv_labels: dict[str, np.ndarray] = {}
        for target in targets:
            y = frame[target]
            rows = np.flatnonzero(y.notna().to_numpy())
            if len(rows) < 2:
                raise ValueError(f"Triage: target {target!r} has {len(rows)} labelled tickets; at least 2 needed")
            levels = self._ordinal_for(target, y)
            if levels is not None:
                y = y.astype(str).str.lower()
            auto = AUTO_PRIORITY_CONTEXT if levels is not None else AUTO_CONTEXT
            other_targets = [t for t in targets if t != target]
            context = ContextEncoder.resolve(self.context_columns, frame, auto=auto, exclude=other_targets)
            chained = []
            if self.context_columns == "auto" and levels is not None and "reason" in cv_labels:
                chained = ["reason"]
                context = [*context, "reason"]
            sub = batch.take(rows)
            assert sub.frame is not None  # take() keeps the frame
            sub_frame = sub.frame.drop(columns=[c for c in chained if c in sub.frame.columns])
            sub.frame = sub_frame
            clf = self._head(target, levels, context)
            clf.target_name_ = target
            ctx = ContextEncoder(context)
            overrides = {c: cv_labels[c][rows] for c in chained}
            ctx.fit(sub_frame.assign(**overrides) if overrides else sub_frame)
            clf._check_params()
            clf.n_features_in_ = 1 + len(ctx.categories_)
            clf._fit_from(featurizer, feats.take(rows), ctx, sub, y.to_numpy()[rows], ctx_overrides=overrides)
            self.estimators_[target] = clf
            self.chained_[target] = chained
            cv_labels[target] = _cv_labels(clf, batch, feats, rows)
        self.featurizer_ = featurizer
        self.encoder_spec_ = featurizer.describe()["spec"]
        self.targets_ = targets
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "estimators_"):
            from cxml.exceptions import NotFittedError

            raise NotFittedError("This Triage instance is not fitted yet. Call 'fit' with a ticket table first.")

    def predict(self, tickets: Any, columns: dict[str, Any] | None = None) -> pd.DataFrame:
        """Decisions for every target, one row per ticket (the caller's index).

        Parameters
        ----------
        tickets : DataFrame, Series or list of str
        columns : dict, optional
            Column mapping for :func:`cxml.schema.as_tickets` (DataFrames only).

        Returns
        -------
        DataFrame
            For each target: ``<target>``, ``<target>_confidence``, ``<target>_action``,
            ``<target>_abstain_reason``, ``<target>_top3``.
        """
        self._check_fitted()
        batch = ticket_batch(tickets, what="Triage", text_columns=self.text_columns, columns=columns,
                               scrub_pii=self.scrub_pii)
        feats = self.featurizer_.transform(batch)  # one embedding pass for all targets
        parts = []
        predicted: dict[str, np.ndarray] = {}
        for target, clf in self.estimators_.items():
            overrides = {c: predicted[c] for c in self.chained_.get(target, [])}
            d = clf._decide_from(batch, feats, overrides or None)
            predicted[target] = d["label"].to_numpy()
            parts.append(d.rename(columns={"label": target, "confidence": f"{target}_confidence",
                                           "action": f"{target}_action",
                                           "abstain_reason": f"{target}_abstain_reason", "top3": f"{target}_top3"}))
        return pd.concat(parts, axis=1)

    decide = predict

    def predict_proba(self, tickets: Any, target: str | None = None) -> pd.DataFrame:
        """Class probabilities of one target (columns: its classes; the caller's index)."""
        self._check_fitted()
        target = target or self.targets_[0]
        if target not in self.estimators_:
            raise KeyError(f"unknown target {target!r}; this model has {list(self.estimators_)}")
        batch = ticket_batch(tickets, what="Triage", text_columns=self.text_columns, scrub_pii=self.scrub_pii)
        feats = self.featurizer_.transform(batch)
        overrides: dict[str, Any] = {}
        for c in self.chained_.get(target, []):
            idx, _ = self.estimators_[c]._decide_idx(self.estimators_[c]._proba_from(
                self.estimators_[c]._head_input(batch, feats)))
            overrides[c] = self.estimators_[c].classes_[idx]
        clf = self.estimators_[target]
        P = clf._proba_from(clf._head_input(batch, feats, overrides or None))
        index = batch.index if batch.index is not None else pd.RangeIndex(len(P))
        return pd.DataFrame(P, index=index, columns=list(clf.classes_))

    def coverage_report(self, target: str | None = None) -> pd.DataFrame:
        """Per-class thresholds and coverage (:meth:`TicketClassifier.coverage_report`), all targets stacked."""
        self._check_fitted()
        items = [(target, self.estimators_[target])] if target else list(self.estimators_.items())
        return pd.concat({t: c.coverage_report() for t, c in items}, names=["target", "class"])

    def data_report(self, target: str | None = None) -> DataReport:
        """The :class:`DataReport` of one target (default: the first)."""
        self._check_fitted()
        return self.estimators_[target or self.targets_[0]].data_report()

    @property
    def cv_scores_(self) -> dict[str, dict[str, float]]:
        """Cross-validated scores per target."""
        self._check_fitted()
        return {t: c.cv_scores_ for t, c in self.estimators_.items()}

    def save(self, path: Any, *, overwrite: bool = False) -> Path:
        """Save as one artifact directory; load with :func:`cxml.load`."""
        from cxml.persistence import save

        self._check_fitted()
        return save(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: Any, **kwargs: Any) -> Triage:
        """Load a saved Triage (same as :func:`cxml.load`)."""
        from cxml.persistence import load

        model = load(path, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a Triage")
        return model

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        feat_meta = _save_featurizer(self.featurizer_, directory, allow_pickle=allow_pickle)
        (directory / "heads").mkdir()
        taken: set[str] = set()
        heads = {}
        for target, clf in self.estimators_.items():
            prefix = f"heads/{_safe_name(target, taken)}."
            heads[target] = clf._save_parts(directory, prefix, allow_pickle=allow_pickle)
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        params = json.loads(json.dumps(params, default=lambda o: None))
        return {
            "encoder": self.featurizer_.describe(),
            "classes": {t: h["classes"] for t, h in heads.items()},
            "params": params,
            "targets": self.targets_,
            "chained": self.chained_,
            "featurizer": feat_meta,
            "heads": heads,
            "card": _card_sections(self.estimators_, self.featurizer_),
        }

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> Triage:
        meta = manifest["model"]
        valid = set(cls().get_params())
        self = cls(**{k: v for k, v in meta.get("params", {}).items() if k in valid})
        self.featurizer_ = _load_featurizer(directory, meta["featurizer"], manifest.get("encoder") or {},
                                            allow_pickle=allow_pickle, trusted=trusted)
        self.estimators_ = {}
        for target in meta["targets"]:
            self.estimators_[target] = TicketClassifier._from_parts(
                directory, meta["heads"][target], self.featurizer_, allow_pickle=allow_pickle, trusted=trusted)
        self.chained_ = {k: list(v) for k, v in (meta.get("chained") or {}).items()}
        self.targets_ = list(meta["targets"])
        self.encoder_spec_ = self.featurizer_.describe()["spec"]
        return self


def _cv_labels(clf: TicketClassifier, batch: TicketBatch, feats: TextFeatures, rows: np.ndarray) -> np.ndarray:
    """Predicted labels of one target for every training row, as a later head will see them at
    prediction time: cross-validated where the row was labelled, from the final head elsewhere."""
    out = np.empty(len(batch), dtype=object)
    out[rows] = clf.cv_pred_labels_
    rest = np.setdiff1d(np.arange(len(batch)), rows)
    if len(rest):
        sub = batch.take(rest)
        idx, _ = clf._decide_idx(clf._proba_from(clf._head_input(sub, feats.take(rest))))
        out[rest] = clf.classes_[idx]
    return out
