"""Several targets at once (reason, priority, team) from one ticket table: :class:`Triage`.

Every ticket is embedded once (one :class:`~cxml.triage.features.TextFeaturizer` shared by all
heads); each target gets its own :class:`~cxml.triage.classifier.TicketClassifier` head. The
parameters shared with the heads are declared once, on :class:`TicketClassifier`, and forwarded
from :meth:`Triage.get_params` (see :mod:`cxml.triage.params`).
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxml.exceptions import NotFittedError
from cxml.persistence import load, register_artifact, save
from cxml.schema import TicketBatch, ticket_batch
from cxml.triage.classifier import (
    PRIORITY_SCALES,
    PriorityClassifier,
    TicketClassifier,
    decision_frame,
    without_empty_texts,
)
from cxml.triage.decisions import DataReport
from cxml.triage.features import (
    AUTO_CONTEXT,
    AUTO_PRIORITY_CONTEXT,
    ContextEncoder,
    TextFeatures,
    TextFeaturizer,
    load_featurizer,
    save_featurizer,
)
from cxml.triage.model_card import card_sections
from cxml.triage.params import derived_init, shared_params

__all__ = ["Triage"]


def _safe_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._") or "target"
    out, i = base, 1
    while out in taken:
        i += 1
        out = f"{base}_{i}"
    taken.add(out)
    return out


@register_artifact("triage")
class Triage(BaseEstimator):
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
    encoder, features, C, calibration, min_confidence, cv, out_of_scope, oos_method, short_forms,
    unknown_language, scrub_pii, text_columns, fine_tune_budget, random_state
        As for :class:`TicketClassifier`.
    fine_tune : {"auto", True, False}, default=False
        As for :class:`TicketClassifier`: the shared encoder is fine-tuned once, on the first target's labels
        (its labelled tickets), and every head reads the fine-tuned embeddings.
    target_precision : float or dict, default=0.9
        A float for every target, or ``{target: float or {class: float}}``.
    class_weight : None, "balanced" or dict, default=None
        As for :class:`TicketClassifier`, for every target; or per target as
        ``{target: None, "balanced" or {label: weight}}`` (targets not named: None).
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

    __init__ = derived_init(
        TicketClassifier.__init__,
        leading=[inspect.Parameter("targets", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   default=("reason", "priority", "team"), annotation="Sequence[str]")],
        drop=("cost_matrix", "top_threshold"), defaults={"ordinal": "auto"})

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
        """The head of one target: every shared parameter forwarded, per-target ones resolved."""
        tp = self.target_precision
        if isinstance(tp, dict):
            tp = tp.get(target, 0.9)
        cw = self.class_weight.get(target) if isinstance(self.class_weight, dict) else self.class_weight
        cls = PriorityClassifier if levels is not None else TicketClassifier
        params = shared_params(self, cls)
        params.update(target_precision=tp, class_weight=cw, context_columns=context, ordinal=levels)
        return cls(**params)

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
        batch = self._training_batch(tickets, columns, targets)
        shared = TicketClassifier(**{**shared_params(self, TicketClassifier), "target_precision": 0.9,
                                     "class_weight": None, "ordinal": None})
        shared._check_params()  # before minutes of fine-tuning, not after
        if isinstance(self.class_weight, dict) and set(self.class_weight) - set(targets):
            raise ValueError(f"Triage: class_weight is keyed by target ({{target: None, 'balanced' or "
                             f"{{label: weight}}}}); {sorted(set(self.class_weight) - set(targets), key=str)} "
                             f"are not among the targets {targets}")
        featurizer = shared._featurizer()
        tune_on = None if self.fine_tune is False else batch.frame[targets[0]].to_numpy()  # type: ignore[index]
        feats = featurizer.fit_transform(batch, tune_on)  # the one and only embedding pass over the training tickets
        self.estimators_: dict[str, TicketClassifier] = {}
        self.chained_: dict[str, list[str]] = {}
        cv_labels: dict[str, np.ndarray] = {}
        for target in targets:
            clf, rows = self._fit_target(target, targets, batch, featurizer, feats, cv_labels)
            self.estimators_[target] = clf
            cv_labels[target] = _cv_labels(clf, batch, feats, rows)
        self.featurizer_ = featurizer
        self.encoder_spec_ = featurizer.describe()["spec"]
        self.targets_ = targets
        return self

    def _training_batch(self, tickets: pd.DataFrame, columns: dict[str, Any] | None,
                        targets: list[str]) -> TicketBatch:
        """The validated training batch, tickets with an empty text left out (with a warning)."""
        batch = ticket_batch(tickets, what="Triage", text_columns=self.text_columns, columns=columns,
                             scrub_pii=self.scrub_pii)
        assert batch.frame is not None
        missing = [t for t in targets if t not in batch.frame.columns]
        if missing:
            raise ValueError(f"Triage: target column(s) {missing} are not in the ticket table (columns: "
                             f"{list(batch.frame.columns)[:25]}); map them with columns={{'{missing[0]}': "
                             "'<your column>'}")
        return without_empty_texts(batch, "Triage")[0]

    def _fit_target(self, target: str, targets: list[str], batch: TicketBatch, featurizer: TextFeaturizer,
                    feats: TextFeatures, cv_labels: dict[str, np.ndarray]) -> tuple[TicketClassifier, np.ndarray]:
        """Fit the head of one target on its labelled rows; returns it and those rows."""
        frame = batch.frame
        assert frame is not None  # checked by _training_batch; take() keeps it
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
        sub.frame = sub.frame.drop(columns=[c for c in chained if c in sub.frame.columns])
        clf = self._head(target, levels, context)
        clf.target_name_ = target
        ctx = ContextEncoder(context)
        overrides = {c: cv_labels[c][rows] for c in chained}
        ctx.fit(sub.frame.assign(**overrides) if overrides else sub.frame)
        clf._check_params()
        clf.n_features_in_ = 1 + len(ctx.categories_)
        clf._fit_from(featurizer, feats.take(rows), ctx, sub, y.to_numpy()[rows], ctx_overrides=overrides)
        self.chained_[target] = chained
        return clf, rows

    @property
    def fine_tune_(self) -> dict[str, Any] | None:
        """What fine-tuning did (see :class:`TicketClassifier`); None when it was not asked for."""
        self._check_fitted()
        return self.featurizer_.fine_tune_

    def _check_fitted(self) -> None:
        if not hasattr(self, "estimators_"):
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
        cols = self._decision_columns(batch)
        return decision_frame(cols, batch.index if batch.index is not None else pd.RangeIndex(len(batch)))

    decide = predict

    def predict_records(self, tickets: Any, columns: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """:meth:`predict` as one dict per ticket, built without an intermediate DataFrame (the service's path).

        Equal to ``predict(tickets, columns).to_dict("records")``: the same columns, in the same order, with
        confidences as ``float``.
        """
        self._check_fitted()
        batch = ticket_batch(tickets, what="Triage", text_columns=self.text_columns, columns=columns,
                               scrub_pii=self.scrub_pii)
        cols = self._decision_columns(batch)
        names = list(cols)
        values = [v.tolist() if isinstance(v, np.ndarray) else v for v in cols.values()]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    def _decision_columns(self, batch: TicketBatch) -> dict[str, Any]:
        """Every target's decision columns (``<target>``, ``<target>_confidence``, ...), in order; each ticket
        embedded once for all targets, a chained target reading the labels predicted before it."""
        feats = self.featurizer_.transform(batch)  # one embedding pass for all targets
        cols: dict[str, Any] = {}
        predicted: dict[str, np.ndarray] = {}
        for target, clf in self.estimators_.items():
            overrides = {c: predicted[c] for c in self.chained_.get(target, [])}
            P = clf._proba_from(clf._head_input(batch, feats, overrides or None))
            d = clf._decision_columns(P, batch, feats)
            predicted[target] = d["label"]
            for key, value in d.items():
                cols[target if key == "label" else f"{target}_{key}"] = value
        return cols

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
        self._check_fitted()
        return save(self, path, overwrite=overwrite)

    @classmethod
    def load(cls, path: Any, **kwargs: Any) -> Triage:
        """Load a saved Triage (same as :func:`cxml.load`)."""
        model = load(path, **kwargs)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a Triage")
        return model

    def _save_artifact(self, directory: Path, *, allow_pickle: bool) -> dict[str, Any]:
        feat_meta = save_featurizer(self.featurizer_, directory)
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
            "card": card_sections(self.estimators_, self.featurizer_),
        }

    @classmethod
    def _load_artifact(cls, directory: Path, manifest: dict[str, Any], *, allow_pickle: bool,
                       trusted: tuple[str, ...]) -> Triage:
        meta = manifest["model"]
        valid = set(cls().get_params())
        self = cls(**{k: v for k, v in meta.get("params", {}).items() if k in valid})
        self.featurizer_ = load_featurizer(directory, meta["featurizer"], manifest.get("encoder") or {})
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
