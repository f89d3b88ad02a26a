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
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from cxml.evaluate import ordinal_metrics
from cxml.persistence import (
    ArtifactError,
    check_dimensions,
    dump_estimator,
    load_estimator,
    register_artifact,
    save,
)
from cxml.schema import TicketBatch, ValidationError, check_labels, ticket_batch
from cxml.triage.calibration import (
    CALIBRATIONS,
    CalibratedHead,
    cross_validated_head,
    head_proba,
    top_label_ece,
)
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
    load_featurizer,
    save_featurizer,
)
from cxml.triage.fine_tune import DEFAULT_FINE_TUNE_BUDGET_S
from cxml.triage.head_search import HEAD_SEARCH_MODES, HeadLayout, search_budget, search_head
from cxml.triage.model_card import card_sections
from cxml.triage.out_of_scope import (
    DEFAULT_OOS_QUANTILE,
    MIN_LANGUAGE_SHARE,
    OOS_METHODS,
    batch_languages,
    calibration_parts,
    combined_scores,
    detector_scores,
    fit_combined,
    fit_detectors,
    length_bins,
    oos_quantile,
    out_of_scope_flags,
    unknown_language_flags,
)
from cxml.triage.params import derived_init

__all__ = [
    "TicketClassifier",
    "PriorityClassifier",
    "DataReport",
    "DEFAULT_OOS_QUANTILE",
    "MIN_LANGUAGE_SHARE",
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


def without_empty_texts(batch: TicketBatch, what: str) -> tuple[TicketBatch, np.ndarray]:
    """The training batch without its empty tickets (with a warning), and the rows kept.

    Raises
    ------
    ValueError
        When every ticket is empty.
    """
    keep = ~batch.empty
    if not keep.any():
        raise ValueError(f"{what}: all {len(batch)} tickets have an empty text")
    rows = np.flatnonzero(keep)
    if not keep.all():
        warnings.warn(f"{int((~keep).sum())} of {len(batch)} training tickets have an empty text and were left "
                      "out", UserWarning, stacklevel=3)
        batch = batch.take(rows)
    return batch, rows


def decision_frame(columns: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """Decision columns (:meth:`TicketClassifier._decision_columns`, possibly renamed) as a DataFrame:
    confidences as float, everything else as object, on ``index``."""
    return pd.DataFrame({name: pd.Series(values, dtype=float if name.endswith("confidence") else object,
                                         index=index) for name, values in columns.items()}, index=index)


def _py(v: Any) -> Any:
    """A numpy scalar as the Python scalar (JSON-able)."""
    return v.item() if isinstance(v, np.generic) else v


def _class_value(by_class: dict[Any, Any], label: Any, default: Any) -> Any:
    """A per-class setting's value for ``label``, named as itself or as its string (as JSON stores it)."""
    return by_class.get(_py(label), by_class.get(str(label), default))


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
    head_search : {"auto", True, False} or float, default="auto"
        Choose the head's feature blocks (embedding + TF-IDF, either alone), its linear model (SVM, or
        logistic regression on the embedding), the embedding block's weight and ``C`` (unless given)
        by cross-validation on the training folds, within a time budget (True: 120 s; a number: that
        many seconds; "auto": 60 s when there are fewer than 50 training tickets per class, else the
        default layout). Not with ``calibration=None``. The choice and its CV accuracy are in
        ``head_layout_`` and the model card (see :mod:`cxml.triage.head_search`).
    calibration : {"temperature", "sigmoid", "isotonic"} or None, default="temperature"
        How the SVM's scores become probabilities. "temperature": one softmax temperature
        fitted on the out-of-fold scores of the training data (multi-class, cheap: no nested
        cross-validation); "sigmoid" / "isotonic": one-vs-rest ``CalibratedClassifierCV``
        (3 inner folds; isotonic needs thousands of tickets). ``None`` uses a
        logistic-regression head and its own probabilities.
    class_weight : None, "balanced" or dict, default=None
        How the head weighs the classes while it learns: None, equally per ticket; "balanced",
        inversely to their frequency (scikit-learn's meaning), so rare reasons are predicted more
        often: higher macro-F1 on imbalanced data, at some accuracy (Endava IT tickets, validation
        folds: macro-F1 0.410 -> 0.433, accuracy 86.0 -> 85.6 %); or ``{label: weight}`` (labels
        not named weigh 1). Confidence is still calibrated and each class's auto threshold still
        met on cross-validation.
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
    oos_by_length : bool or "auto", default="auto"
        Calibrate the out-of-scope thresholds per text length on the training tickets and their
        short forms (subject, first sentence), so that a short in-scope message is compared with
        short in-scope messages rather than flagged for being short. "auto": on with a neural
        encoder, whose embedding detector judges meaning; off with lexical features (TF-IDF only,
        the ``hash`` encoder), where a short unrelated question and a short in-scope subject
        look alike and only the length-blind thresholds catch the former.
    oos_method : {"auto", "combined", "thresholds"}, default="auto"
        How out of scope is decided. "combined": the cosine similarity to the predicted class's mean
        and the head's top probability, each turned into a p-value against held-out in-scope training
        scores and combined (Fisher's method), one threshold per length bin; "thresholds": each
        detector (class prototypes, vocabulary coverage) against a threshold of its own (see
        :mod:`cxml.triage.out_of_scope`). "auto": "combined" with a neural encoder, else "thresholds".
    short_forms : bool, default=False
        Also train the head on the short forms of the training tickets (subject, first sentence of
        the body; up to 800 tickets' worth), each with its ticket's label. The out-of-fold
        probabilities behind the thresholds stay those of the whole tickets (a fold's head never
        sees the short forms of the tickets it scores). Measured on two validation draws of the
        demo data (benchmarks/RESULTS.md, "Short messages"): whole tickets +1.0 to +1.8 points of
        accuracy, first sentences +0.8 to +2.0, subjects +0 to +0.3; but first sentences flagged
        out of scope 1.8 -> 2.5 % and 0.3 -> 2.5 %, hence off by default.
    unknown_language : bool, default=True
        Abstain on tickets in a language absent from the training data (detected offline
        with lingua unless the ticket table has a ``language`` column).
    scrub_pii : bool, default=True
        Remove e-mails, phone numbers, card numbers, IBANs, identity codes and addresses from
        the texts before anything is fitted or stored.
    clean_text : bool, default=True
        Embed long tickets (over 64 words) without their quoted replies, signature, code blocks,
        stack traces and markdown (error and product codes kept), and embed tickets longer than
        the encoder's window as the mean of their chunks instead of truncating them (see
        :mod:`cxml.triage.text_cleaning`). The TF-IDF features always read the ticket as written.
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
    fine_tune : {"auto", True, False}, default=False
        Fine-tune the sentence encoder on the training labels before the head is fitted (contrastive
        pairs, SetFit's recipe, on sentence-transformers' trainer; see :mod:`cxml.triage.fine_tune`).
        True: always (an encoder without a PyTorch model, such as e5-small on ONNX Runtime, is refused);
        "auto": when a held-out check on the training tickets says it helps, within the budget. The
        fine-tuned encoder is saved inside the model directory (safetensors, checksummed). Needs
        ``pip install "cxml[finetune]"``.
    fine_tune_budget : float, default=240
        Seconds of fine-tuning (the "auto" check included); the number of training steps is cut to it.
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
        Per out-of-scope detector, the score below which a whole ticket is out of scope:
        ``"prototypes"`` (embeddings: cosine similarity to the nearest of up to 8 k-means
        prototypes per class) and ``"coverage"`` (TF-IDF: idf-weighted share of the ticket's
        words known to the vocabulary). Each is the ``out_of_scope / n_detectors`` quantile of
        held-out in-scope training scores.
    oos_method_ : str or None
        The out-of-scope method used ("combined" or "thresholds"; None when ``out_of_scope`` is off).
        With "combined", ``oos_thresholds_`` holds one threshold (``"combined"``, on Fisher's combined
        score) and ``class_means_`` / ``oos_reference_`` the class means and the held-out reference
        score distributions (quantile grids) the p-values are read against.
    oos_length_thresholds_ : dict or None
        The same per length bin (up to 4, 5-8, 9-16, more words), calibrated on the held-out
        training tickets and their short forms (subject, first sentence): a short message is
        compared with short in-scope messages (see :mod:`cxml.triage.out_of_scope`).
    cv_scores_ : dict
        Cross-validated accuracy, macro-F1, top-3 accuracy and ECE on the training data.
    fine_tune_ : dict or None
        What fine-tuning did: ``applied``, ``reason``, steps and seconds, the "auto" check's held-out
        accuracies (None with ``fine_tune=False``).

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
                 head_search: bool | float | str = "auto", calibration: str | None = "temperature",
                 class_weight: str | dict[Any, float] | None = None, target_precision: float | dict[Any, float] = 0.9,
                 min_confidence: float = 0.3, cv: int = 5, out_of_scope: bool | float = True,
                 oos_by_length: bool | str = "auto", oos_method: str = "auto", short_forms: bool = False,
                 unknown_language: bool = True, scrub_pii: bool = True, clean_text: bool = True,
                 text_columns: Sequence[str] | None = None, context_columns: Any = "auto",
                 ordinal: Sequence[Any] | None = None, cost_matrix: Any = None,
                 top_threshold: float | None = None, fine_tune: bool | str = False,
                 fine_tune_budget: float = DEFAULT_FINE_TUNE_BUDGET_S, random_state: int | None = 0) -> None:
        self.encoder = encoder
        self.features = features
        self.C = C
        self.head_search = head_search
        self.calibration = calibration
        self.class_weight = class_weight
        self.target_precision = target_precision
        self.min_confidence = min_confidence
        self.cv = cv
        self.out_of_scope = out_of_scope
        self.oos_by_length = oos_by_length
        self.oos_method = oos_method
        self.short_forms = short_forms
        self.unknown_language = unknown_language
        self.scrub_pii = scrub_pii
        self.clean_text = clean_text
        self.text_columns = text_columns
        self.context_columns = context_columns
        self.ordinal = ordinal
        self.cost_matrix = cost_matrix
        self.top_threshold = top_threshold
        self.fine_tune = fine_tune
        self.fine_tune_budget = fine_tune_budget
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
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"{name}: calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")
        if not isinstance(self.cv, (int, np.integer)) or self.cv < 2:
            raise ValueError(f"{name}: cv must be an integer >= 2, got {self.cv!r}")
        hs = self.head_search
        if not (isinstance(hs, bool) or (isinstance(hs, str) and hs in HEAD_SEARCH_MODES)
                or (isinstance(hs, (int, float)) and hs > 0)):
            raise ValueError(f"{name}: head_search must be 'auto', True, False or a time budget in seconds (> 0), "
                             f"got {hs!r}")
        if self.C is not None and not (isinstance(self.C, (int, float)) and self.C > 0):
            raise ValueError(f"{name}: C must be a positive number or None, got {self.C!r}")
        tp = self.target_precision
        values = list(tp.values()) if isinstance(tp, dict) else [tp]
        if not all(isinstance(v, (int, float)) and 0 < v <= 1 for v in values):
            raise ValueError(f"{name}: target_precision must be in (0, 1] (or a dict of such), got {tp!r}")
        if not (isinstance(self.min_confidence, (int, float)) and 0 <= self.min_confidence < 1):
            raise ValueError(f"{name}: min_confidence must be in [0, 1), got {self.min_confidence!r}")
        if self.oos_by_length not in (True, False, "auto"):
            raise ValueError(f"{name}: oos_by_length must be True, False or 'auto', got {self.oos_by_length!r}")
        cw = self.class_weight
        if not (cw is None or cw == "balanced" or (isinstance(cw, dict) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in cw.values()))):
            raise ValueError(f"{name}: class_weight must be None, 'balanced' or a dict of label -> positive "
                             f"weight, got {cw!r}")
        if not isinstance(self.short_forms, (bool, np.bool_)):
            raise ValueError(f"{name}: short_forms must be True or False, got {self.short_forms!r}")
        if self.oos_method not in OOS_METHODS:
            raise ValueError(f"{name}: oos_method must be one of {OOS_METHODS}, got {self.oos_method!r}")
        if not any(self.fine_tune is m for m in (True, False)) and self.fine_tune != "auto":
            raise ValueError(f"{name}: fine_tune must be 'auto', True or False, got {self.fine_tune!r}")
        ftb = self.fine_tune_budget
        if isinstance(ftb, bool) or not (isinstance(ftb, (int, float)) and ftb > 0):
            raise ValueError(f"{name}: fine_tune_budget must be a number of seconds > 0, got {ftb!r}")
        oos = self.out_of_scope
        if not (isinstance(oos, bool) or oos is None or (isinstance(oos, float) and 0 < oos < 0.5)):
            raise ValueError(f"{name}: out_of_scope must be True, False or a quantile in (0, 0.5), got {oos!r}")

    def _oos_quantile(self) -> float | None:
        return oos_quantile(self.out_of_scope)

    def _check_fitted(self) -> None:
        check_is_fitted(self, "thresholds_")

    # ------------------------------------------------------------------ input
    def _batch(self, X: Any, *, reset: bool) -> TicketBatch:
        if self.encoder == "precomputed":
            index = X.index if isinstance(X, pd.DataFrame) else None
            M = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=1)
            return TicketBatch(texts=[], empty=np.zeros(M.shape[0], dtype=bool), matrix=np.asarray(M),
                               index=index)
        return ticket_batch(X, what=type(self).__name__, text_columns=self.text_columns,
                              scrub_pii=self.scrub_pii)

    def _check_y(self, y: Any, n: int) -> np.ndarray:
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
            batch, rows = without_empty_texts(batch, type(self).__name__)
            y = y[rows]
        if len(np.unique(y)) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes to learn; got 1 class "
                             f"({np.unique(y)[0]!r}) in {len(y)} sample(s)")
        featurizer = self._featurizer()
        feats = featurizer.fit_transform(batch, y if self.fine_tune is not False else None)
        auto = AUTO_PRIORITY_CONTEXT if self.ordinal is not None else AUTO_CONTEXT
        ctx = ContextEncoder(ContextEncoder.resolve(self.context_columns, batch.frame, auto=auto))
        ctx.fit(batch.frame)
        if self.encoder != "precomputed":
            self.n_features_in_ = 1 + len(ctx.categories_) if batch.frame is not None else 1
        self._fit_from(featurizer, feats, ctx, batch, y)
        return self

    def _featurizer(self) -> TextFeaturizer:
        """The (unfitted) featurizer these parameters describe (shared by :class:`Triage`)."""
        return TextFeaturizer(self.features, self.encoder, clean_text=self.clean_text, fine_tune=self.fine_tune,
                              fine_tune_budget=self.fine_tune_budget, random_state=self._seed())

    @property
    def fine_tune_(self) -> dict[str, Any] | None:
        """What fine-tuning did (see the class docstring); None when it was not asked for."""
        self._check_fitted()
        return self.featurizer_.fine_tune_

    def _calibrated(self) -> CalibratedHead:
        return self.head_layout_.head(self.calibration, self.random_state, self._class_weight_idx())

    def _class_weight_idx(self) -> str | dict[int, float] | None:
        """``class_weight`` as the head sees it: None, "balanced", or a weight per class index (labels not
        named weigh 1; a label may be named as itself or as its string, as JSON stores it)."""
        cw = self.class_weight
        if not isinstance(cw, dict):
            return cw
        known = {_py(c) for c in self.classes_} | {str(c) for c in self.classes_}
        unknown = [k for k in cw if k not in known]
        if unknown:
            raise ValueError(f"{type(self).__name__}: class_weight names {unknown}, which are not among the "
                             f"training labels {[_py(c) for c in self.classes_]}")
        return {i: float(_class_value(cw, c, 1.0)) for i, c in enumerate(self.classes_)}

    def _choose_layout(self, feats: TextFeatures, context: Any, y_idx: np.ndarray, splits: list[Any]) -> HeadLayout:
        """The head's layout: the defaults, or the best one ``head_search`` finds within its budget."""
        budget = search_budget(self.head_search, np.bincount(y_idx))
        if budget is None or feats.raw is not None or self.calibration is None:
            return HeadLayout(C=self.C)
        return search_head(feats, context, y_idx, splits, C=self.C, budget_s=budget, random_state=self.random_state,
                           class_weight=self._class_weight_idx())

    def _target_precisions(self, classes: np.ndarray) -> np.ndarray:
        tp = self.target_precision
        if isinstance(tp, dict):
            return np.array([float(_class_value(tp, c, 0.9)) for c in classes])
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
        """Fit everything after featurizing (shared by :class:`Triage`, whose featurizer is shared):
        cross-validated head, out-of-scope detectors, thresholds, scores and the training summary."""
        classes, y_idx = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 classes to learn; got 1 class "
                             f"({classes[0]!r}) in {len(y)} sample(s)")
        k = len(classes)
        self.classes_ = classes
        self.featurizer_ = featurizer
        self.context_ = ctx
        self.encoder_spec_ = featurizer.describe()["spec"]
        self._setup_decision_rule(classes)
        context = ctx.transform(batch.frame, len(y), ctx_overrides)
        counts = np.bincount(y_idx, minlength=k)
        splits = self._splits(y_idx, counts)
        self.head_layout_ = self._choose_layout(feats, context, y_idx, splits)
        F = self.head_layout_.matrix(feats, context)
        quantile, neural = self._oos_quantile(), featurizer.encoder_spec_ not in (None, "hash", "precomputed")
        by_length = bool(neural if self.oos_by_length == "auto" else self.oos_by_length) and bool(batch.texts)
        method = None if quantile is None else self._oos_method(neural)
        learn_short = bool(self.short_forms) and bool(batch.texts)
        parts = (calibration_parts(batch.texts, random_state=self._seed())
                 if (method == "combined" and by_length) or learn_short else [])
        owner = np.array([row for row, _ in parts], dtype=int)
        part_feats = featurizer.extra_features([t for _, t in parts]) if parts else None
        F_parts = self.head_layout_.matrix(part_feats, context[owner]) if part_feats is not None else None
        P_cv, self.head_, self.temperature_, P_parts = cross_validated_head(
            self._calibrated(), F, y_idx, k, splits, extra=F_parts, owner=owner, train_on_extra=learn_short)
        self.oos_method_, self.oos_thresholds_, self.oos_length_thresholds_ = method, None, None
        self.prototypes_ = self.class_means_ = self.oos_reference_ = None
        if method == "combined":
            bins = np.concatenate([length_bins(batch.texts), length_bins([t for _, t in parts])]) if by_length else None
            t, by_bin, self.class_means_, self.oos_reference_ = fit_combined(
                feats.oos_matrix(), part_feats.oos_matrix() if part_feats is not None else None, owner, y_idx, k,
                splits, P_cv, P_parts, bins, quantile)
            self.oos_thresholds_ = {"combined": t}
            self.oos_length_thresholds_ = {"combined": by_bin} if by_bin is not None else None
        elif method == "thresholds":
            self.oos_thresholds_, self.oos_length_thresholds_, self.prototypes_ = fit_detectors(
                featurizer, feats, batch.texts, y_idx, k, splits, quantile, random_state=self._seed(),
                by_length=by_length)
        self._fit_thresholds_and_scores(P_cv, y_idx, counts, len(splits))
        index = batch.index if batch.index is not None else pd.RangeIndex(len(y))
        self.data_report_ = build_data_report(y_idx, P_cv, classes.tolist(), pd.Index(index))
        self.head_dim_ = int(F.shape[1])
        self.languages_ = self._training_languages(batch)
        self.training_summary_ = self._summarise(batch, classes, counts)

    def _splits(self, y_idx: np.ndarray, counts: np.ndarray) -> list[Any]:
        """Stratified folds of the training data (as many as the smallest class allows, at least 2)."""
        smallest = int(counts.min())
        if smallest < 2:
            warnings.warn(f"{type(self).__name__}: class(es) {self.classes_[counts < 2].tolist()} have a single "
                          "example; they are kept but never applied automatically, and calibration is reduced",
                          UserWarning, stacklevel=4)
        n_splits = int(max(2, min(self.cv, smallest)))
        skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            return list(skf.split(np.zeros(len(y_idx)), y_idx))

    def _fit_thresholds_and_scores(self, P_cv: np.ndarray, y_idx: np.ndarray, counts: np.ndarray,
                                   n_splits: int) -> None:
        """Per-class confidence thresholds, the coverage table and the CV scores, from CV predictions."""
        classes, k = self.classes_, len(self.classes_)
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
            "ece": top_label_ece(correct, conf),
            "auto_share": float(auto.mean()),
            "auto_precision": float(correct[auto].mean()) if auto.any() else float("nan"),
        }
        if self.ordinal_levels_ is not None:
            self.cv_scores_.update(ordinal_metrics(classes[y_idx], classes[pred], self.ordinal_levels_))

    def _seed(self) -> int:
        return int(self.random_state) if isinstance(self.random_state, (int, np.integer)) else 0

    def _training_languages(self, batch: TicketBatch) -> dict[str, float]:
        if batch.languages is None and batch.matrix is None and len(batch) > 1000 and not (
                batch.frame is not None and "language" in batch.frame.columns):
            # an evenly spaced sample is plenty for the language mix (lingua: ~1 ms a text)
            batch = batch.take(np.linspace(0, len(batch) - 1, 1000).astype(int))
        langs = batch_languages(batch, detect=bool(self.unknown_language))
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
        missing = self.context_.missing_in(batch, ctx_overrides)
        if missing:
            warnings.warn(f"{type(self).__name__} was fitted with context columns {missing}, which this input "
                          "lacks; they count as unknown", UserWarning, stacklevel=4)
        C = self.context_.transform(batch, len(batch), ctx_overrides)
        return self.head_layout_.rows(feats, C)

    def _proba_from(self, F: Any) -> np.ndarray:
        return head_proba(self.head_, F, len(self.classes_), getattr(self, "temperature_", None))

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

    def _oos_method(self, neural: bool) -> str:
        """The out-of-scope method ``oos_method`` resolves to: "auto" is "combined" with a neural encoder."""
        if self.oos_method != "auto":
            return str(self.oos_method)
        return "combined" if neural else "thresholds"

    def _flags(self, batch: TicketBatch, feats: TextFeatures, P: np.ndarray
               ) -> tuple[np.ndarray | None, np.ndarray | None]:
        oos = out_of_scope_flags(self.oos_thresholds_, self._oos_scores(batch, feats, P),
                                 getattr(self, "oos_length_thresholds_", None), batch.texts)
        unknown = None
        if self.unknown_language and self.languages_:
            unknown = unknown_language_flags(self.languages_, self.training_summary_["n_tickets"], batch)
        return oos, unknown

    def _oos_scores(self, batch: TicketBatch, feats: TextFeatures, P: np.ndarray) -> dict[str, np.ndarray]:
        """In-scope scores of each ticket per detector (see :mod:`cxml.triage.out_of_scope`)."""
        if getattr(self, "oos_method_", None) == "combined":
            texts = batch.texts if self.oos_length_thresholds_ else None
            return {"combined": combined_scores(P, feats.oos_matrix(), self.class_means_, self.oos_reference_, texts)}
        return detector_scores(self.oos_thresholds_, self.prototypes_, self.featurizer_, batch, feats)

    def _decision_columns(self, P: np.ndarray, batch: TicketBatch, feats: TextFeatures) -> dict[str, Any]:
        """The decisions as plain columns (no pandas): ``label`` (object array), ``confidence`` (float array),
        ``action``, ``abstain_reason`` (object arrays) and ``top3`` (list), one entry per row of ``P``."""
        idx, conf = self._decide_idx(P)
        oos, unknown = self._flags(batch, feats, P)
        action, reason = assign_actions(conf, self.thresholds_[idx], min_confidence=self.min_confidence,
                                        empty=batch.empty, unknown_language=unknown, out_of_scope=oos)
        labels = self.classes_.tolist()
        order = np.argsort(-P, axis=1, kind="stable")[:, :3]
        top_labels = np.asarray(labels, dtype=object)[order].tolist()  # the same objects, by rows at once
        top3 = [list(zip(lab, p, strict=True))
                for lab, p in zip(top_labels, np.take_along_axis(P, order, axis=1).tolist(), strict=True)]
        label = np.asarray(labels, dtype=object)[idx] if len(idx) else np.empty(0, dtype=object)
        return {"label": label, "confidence": np.asarray(conf, dtype=float), "action": action,
                "abstain_reason": reason, "top3": top3}

    def _decisions(self, P: np.ndarray, batch: TicketBatch, feats: TextFeatures) -> pd.DataFrame:
        index = batch.index if batch.index is not None else pd.RangeIndex(len(P))
        return decision_frame(self._decision_columns(P, batch, feats), index)

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
        sub, _, stem = prefix.rpartition("/")
        where = directory / sub if sub else directory
        written = dump_estimator(self.head_, where, f"{stem}head", allow_pickle=allow_pickle)
        files = {"head": f"{sub}/{written}" if sub else written}
        for name in ("prototypes", "class_means", "oos_reference"):
            if getattr(self, f"{name}_", None) is not None:
                files[name] = f"{prefix}{name}.npy"
                np.save(directory / files[name], getattr(self, f"{name}_"), allow_pickle=False)
        cov = self.coverage_.replace([np.inf], None)
        return {
            "class": type(self).__name__,
            "params": self._param_dict(),
            "files": files,
            "classes": [_py(c) for c in self.classes_],
            "thresholds": [None if not np.isfinite(t) else float(t) for t in self.thresholds_],
            "target_precision": self.target_precision_.tolist(),
            "oos_method": self.oos_method_,
            "oos_thresholds": self.oos_thresholds_,
            "oos_length_thresholds": self.oos_length_thresholds_,
            "head_layout": self.head_layout_.to_dict(),
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
        self.head_layout_ = HeadLayout.from_dict(meta.get("head_layout"))  # absent: the defaults (older artifacts)
        head_dim = int(getattr(self.head_, "n_features_in_", self.head_dim_))
        w, c = featurizer.tfidf_dims if self.head_layout_.blocks != "embedding" else (0, 0)
        emb = (featurizer.encoder_dim_ or 0) if self.head_layout_.blocks != "tfidf" else 0
        expected = emb + w + c + self.context_.dim
        if featurizer.encoder_spec_ == "precomputed":
            expected = featurizer.encoder_dim_ or 0
        check_dimensions(encoder=expected, head=head_dim, where=f"{directory} (head {meta['files']['head']})")
        if not set(np.asarray(self.head_.classes_).tolist()) <= set(range(len(self.classes_))):
            raise ArtifactError(f"{directory}: the head's classes do not match the manifest's classes")
        for name in ("prototypes", "class_means", "oos_reference"):  # the last two: combined method only
            path = meta["files"].get(name)
            setattr(self, f"{name}_", None if path is None else np.load(directory / path, allow_pickle=False))
        self.thresholds_ = np.array([np.inf if t is None else float(t) for t in meta["thresholds"]])
        self.target_precision_ = np.asarray(meta["target_precision"], dtype=float)
        self.oos_thresholds_ = meta.get("oos_thresholds")
        # absent in artifacts older than the combined method: their detectors each had a threshold
        self.oos_method_ = meta.get("oos_method", "thresholds" if self.oos_thresholds_ else None)
        if self.oos_method_ == "combined" and (self.class_means_ is None or self.oos_reference_ is None):
            raise ArtifactError(f"{directory}: the out-of-scope method is 'combined' but class_means.npy or "
                                "oos_reference.npy is missing from the manifest; copy the artifact again or retrain")
        self.oos_length_thresholds_ = meta.get("oos_length_thresholds")  # absent in older artifacts
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
        feat_meta = save_featurizer(self.featurizer_, directory)
        parts = self._save_parts(directory, "", allow_pickle=allow_pickle)
        target = getattr(self, "target_name_", None) or "label"
        return {
            "encoder": self.featurizer_.describe(),
            "classes": {target: parts["classes"]},
            "featurizer": feat_meta,
            "classifier": parts,
            "card": card_sections({target: self}, self.featurizer_),
        }

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> TicketClassifier:
        meta = manifest["model"]
        featurizer = load_featurizer(directory, meta["featurizer"], manifest.get("encoder") or {})
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

    __init__ = derived_init(TicketClassifier.__init__,
                            defaults={"ordinal": PRIORITY_LEVELS, "cost_matrix": "ordinal"})
