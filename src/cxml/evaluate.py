"""Evaluate a triage model on labelled tickets: accuracy, macro-F1, calibration, coverage at thresholds.

:func:`evaluate` runs the model's decisions once and reports, as DataFrames:

- accuracy, macro-F1 and top-3 accuracy of the predicted labels;
- per class: precision, recall, F1, support, the model's threshold, and what happens at it
  (share of the class's predictions applied automatically, and their precision);
- the confusion matrix;
- expected calibration error (ECE) and the reliability table behind it;
- what the actions did: share and accuracy of ``auto`` / ``suggest`` / ``abstain``;
- out-of-scope recall, when the labels mark out-of-scope tickets (``oos_label``);
- for ordinal targets (priority): within-one-level accuracy and recall of the top level.

:func:`plot_confusion` and :func:`plot_reliability` draw the figures (matplotlib, the
``cxml[reports]`` extra).

matplotlib (the ``cxml[reports]`` extra) is imported only by the plotting functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, precision_recall_fscore_support

from cxml.exceptions import missing_extra
from cxml.schema import as_tickets

__all__ = [
    "EvaluationResult",
    "evaluate",
    "expected_calibration_error",
    "reliability_table",
    "ordinal_metrics",
    "plot_confusion",
    "plot_reliability",
    "top_label_ece",
]


# --------------------------------------------------------------------------- metrics
def _bins(conf: np.ndarray, n_bins: int) -> np.ndarray:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)


def top_label_ece(correct: Any, conf: Any, n_bins: int = 15) -> float:
    """Expected calibration error from per-prediction correctness and confidence.

    Parameters
    ----------
    correct : array-like of bool, shape (n,)
        Whether each prediction was right.
    conf : array-like of float, shape (n,)
        The confidence of each prediction.
    n_bins : int, default=15
        Equal-width confidence bins.

    Returns
    -------
    float
        Bin-size weighted mean of ``|accuracy - mean confidence|`` (NaN for no predictions).
    """
    correct = np.asarray(correct, dtype=float)
    conf = np.asarray(conf, dtype=float)
    if not len(conf):
        return float("nan")
    b = _bins(conf, n_bins)
    total = 0.0
    for i in range(n_bins):
        m = b == i
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def expected_calibration_error(y_true: Any, proba: Any, classes: Any = None, *, n_bins: int = 15) -> float:
    """Top-label expected calibration error.

    The predictions are binned by confidence (the highest probability) into ``n_bins``
    equal-width bins; ECE is the bin-size weighted mean of ``|accuracy - mean confidence|``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
    proba : array-like of shape (n, n_classes) or DataFrame whose columns are the classes
    classes : array-like, optional
        Labels of ``proba``'s columns (default: the DataFrame's columns).
    n_bins : int, default=15

    Returns
    -------
    float
    """
    if isinstance(proba, pd.DataFrame):
        classes = proba.columns.to_numpy() if classes is None else classes
        proba = proba.to_numpy()
    if classes is None:
        raise ValueError("expected_calibration_error needs the classes of proba's columns")
    P = np.asarray(proba, dtype=float)
    pred = np.asarray(classes, dtype=object)[P.argmax(axis=1)]
    correct = pred == np.asarray(y_true, dtype=object)
    return top_label_ece(correct, P.max(axis=1), n_bins)


def reliability_table(correct: Any, confidence: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Accuracy against confidence, per equal-width confidence bin.

    Parameters
    ----------
    correct : array-like of bool
    confidence : array-like of float
    n_bins : int, default=10

    Returns
    -------
    DataFrame
        One row per bin: ``lower``, ``upper``, ``count``, ``confidence`` (mean), ``accuracy``, ``gap``.
    """
    correct = np.asarray(correct, dtype=float)
    conf = np.asarray(confidence, dtype=float)
    b = _bins(conf, n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    rows = []
    for i in range(n_bins):
        m = b == i
        n = int(m.sum())
        c = float(conf[m].mean()) if n else float("nan")
        a = float(correct[m].mean()) if n else float("nan")
        rows.append({"lower": edges[i], "upper": edges[i + 1], "count": n, "confidence": c, "accuracy": a,
                     "gap": a - c if n else float("nan")})
    return pd.DataFrame(rows)


def ordinal_metrics(y_true: Any, y_pred: Any, levels: Any) -> dict[str, float]:
    """Metrics for ordinal labels such as priorities.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    levels : sequence
        The levels, lowest first (e.g. ``["low", "medium", "high", "urgent"]``).

    Returns
    -------
    dict
        ``macro_f1``, ``within_one_accuracy`` (predicted level at most one step away),
        ``top_level_recall`` and ``top_level_precision`` (of the highest level),
        ``under_prioritised`` (share predicted below the true level), ``mean_abs_level_error``.
    """
    levels = list(levels)
    pos = {lv: i for i, lv in enumerate(levels)}
    yt = np.asarray(y_true, dtype=object)
    yp = np.asarray(y_pred, dtype=object)
    known = np.array([a in pos and b in pos for a, b in zip(yt, yp, strict=True)], dtype=bool)
    ti = np.array([pos[a] for a in yt[known]], dtype=int)
    pi = np.array([pos[b] for b in yp[known]], dtype=int)
    top = len(levels) - 1
    out = {
        "macro_f1": float(f1_score(yt, yp, labels=levels, average="macro", zero_division=0)),
        "within_one_accuracy": float((np.abs(ti - pi) <= 1).mean()) if len(ti) else float("nan"),
        "top_level_recall": float((pi[ti == top] == top).mean()) if (ti == top).any() else float("nan"),
        "top_level_precision": float((ti[pi == top] == top).mean()) if (pi == top).any() else float("nan"),
        "under_prioritised": float((pi < ti).mean()) if len(ti) else float("nan"),
        "mean_abs_level_error": float(np.abs(ti - pi).mean()) if len(ti) else float("nan"),
    }
    return out


# --------------------------------------------------------------------------- result
@dataclass
class EvaluationResult:
    """What :func:`evaluate` measured for one target.

    Attributes
    ----------
    target : str or None
    n : int
        Tickets evaluated (in scope, with a label).
    accuracy, macro_f1, top3_accuracy, ece : float
    per_class : DataFrame
        Per class: ``precision``, ``recall``, ``f1``, ``support``, ``n_predicted``, ``threshold``,
        ``coverage`` (share of the class's predictions applied automatically) and
        ``auto_precision`` (their precision).
    confusion : DataFrame
        Counts, true labels as rows, predicted as columns.
    reliability : DataFrame
        See :func:`reliability_table`.
    actions : DataFrame
        Per action: ``share`` of tickets and ``accuracy`` of their labels.
    out_of_scope : dict or None
        With ``oos_label``: ``n``, ``recall`` (flagged "out_of_scope"), ``abstain_recall`` (any
        abstention) and ``false_positive_rate`` on in-scope tickets.
    ordinal : dict or None
        :func:`ordinal_metrics` for ordinal targets.
    """

    target: str | None
    n: int
    accuracy: float
    macro_f1: float
    top3_accuracy: float
    ece: float
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    reliability: pd.DataFrame
    actions: pd.DataFrame
    out_of_scope: dict[str, float] | None = None
    ordinal: dict[str, float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Headline numbers as a JSON-able dict."""
        out: dict[str, Any] = {"target": self.target, "n": self.n, "accuracy": self.accuracy,
                               "macro_f1": self.macro_f1, "top3_accuracy": self.top3_accuracy, "ece": self.ece}
        for action, row in self.actions.iterrows():
            out[f"{action}_share"] = float(row["share"])
            out[f"{action}_accuracy"] = None if np.isnan(row["accuracy"]) else float(row["accuracy"])
        if self.out_of_scope:
            out["out_of_scope"] = dict(self.out_of_scope)
        if self.ordinal:
            out["ordinal"] = dict(self.ordinal)
        return json.loads(json.dumps(out, default=float).replace("NaN", "null"))

    def to_text(self) -> str:
        """A plain-text report."""
        lines = [f"tickets: {self.n}   accuracy {self.accuracy:.3f}   macro-F1 {self.macro_f1:.3f}   "
                 f"top-3 {self.top3_accuracy:.3f}   ECE {self.ece:.3f}"]
        acts = "   ".join(f"{a} {r['share']:.1%} (accuracy {r['accuracy']:.3f})"
                          for a, r in self.actions.iterrows() if r["share"] > 0)
        lines.append(f"actions: {acts}")
        if self.ordinal:
            o = self.ordinal
            lines.append(f"ordinal: within-one {o['within_one_accuracy']:.3f}   top-level recall "
                         f"{o['top_level_recall']:.3f}   under-prioritised {o['under_prioritised']:.1%}")
        if self.out_of_scope:
            o = self.out_of_scope
            lines.append(f"out of scope: {o['n']} tickets, recall {o['recall']:.3f} (any abstention "
                         f"{o['abstain_recall']:.3f}), in-scope flagged {o['false_positive_rate']:.1%}")
        lines.append(self.per_class.to_string(float_format=lambda v: f"{v:.3f}"))
        return "\n".join(lines)

    def save(self, directory: str | Path, *, prefix: str = "") -> list[Path]:
        """Write the tables as CSV (and the figures as PNG when matplotlib is installed)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        p = f"{prefix}_" if prefix else ""
        written = []
        for name, df in (("per_class", self.per_class), ("confusion", self.confusion),
                         ("reliability", self.reliability), ("actions", self.actions)):
            path = out / f"{p}{name}.csv"
            df.to_csv(path)
            written.append(path)
        try:
            figs = {"confusion": plot_confusion(self), "reliability": plot_reliability(self)}
        except ImportError:
            return written
        for name, fig in figs.items():
            path = out / f"{p}{name}.png"
            fig.savefig(path, dpi=120, bbox_inches="tight")
            written.append(path)
        return written


# --------------------------------------------------------------------------- evaluate
def _is_triage(model: Any) -> bool:
    return hasattr(model, "estimators_") and hasattr(model, "targets_")


def evaluate(model: Any, X: Any, y: Any = None, *, target: str | None = None,
             columns: dict[str, Any] | None = None, oos_label: Any = None,
             n_bins: int = 10) -> EvaluationResult | dict[str, EvaluationResult]:
    """Evaluate a fitted :class:`~cxml.triage.TicketClassifier` or :class:`~cxml.triage.Triage`.

    Parameters
    ----------
    model : TicketClassifier or Triage
    X : list of str, Series or ticket DataFrame
    y : array-like, optional
        True labels. Default: the ``target`` column of ``X``.
    target : str, optional
        The target to evaluate. For a Triage, None evaluates every target present in ``X``
        and returns a dict.
    columns : dict, optional
        Column mapping for :func:`cxml.schema.as_tickets`.
    oos_label : optional
        Label value marking out-of-scope tickets (e.g. ``"oos"``): they are left out of the
        accuracy figures and used for the out-of-scope recall.
    n_bins : int, default=10
        Bins of the reliability table (ECE always uses 15).

    Returns
    -------
    EvaluationResult, or dict of target -> EvaluationResult for a Triage with ``target=None``.
    """
    frame = None
    if isinstance(X, pd.DataFrame) and (columns or y is None):
        frame = as_tickets(X, columns, allow_empty_text=True, scrub_pii=False)
    if _is_triage(model):
        if frame is None:
            frame = X if isinstance(X, pd.DataFrame) else None
        decided = model.predict(X, columns=columns)
        if target is None and y is None:
            if frame is None:
                raise ValueError("evaluate(Triage) needs a ticket DataFrame with the target columns, or y and target")
            targets = [t for t in model.targets_ if t in frame.columns]
            if not targets:
                raise ValueError(f"none of the model's targets {model.targets_} is a column of the tickets")
            return {t: _evaluate_one(model.estimators_[t], decided, frame[t].to_numpy(), t, oos_label, n_bins)
                    for t in targets}
        target = target or model.targets_[0]
        if y is None:
            if frame is None or target not in frame.columns:
                raise ValueError(f"evaluate(Triage, target={target!r}) needs y, or a ticket DataFrame with a "
                                 f"{target!r} column")
            y = frame[target].to_numpy()
        return _evaluate_one(model.estimators_[target], decided, np.asarray(y, dtype=object), target, oos_label,
                             n_bins)
    target_name = target or getattr(model, "target_name_", None)
    if y is None:
        if frame is None or target_name is None or target_name not in frame.columns:
            raise ValueError("evaluate() needs y, or a ticket DataFrame and target= naming its label column")
        y = frame[target_name].to_numpy()
    if isinstance(y, pd.Series):
        y = y.to_numpy()
    d = model.decide(X)
    d = d.rename(columns={"label": "__t", "confidence": "__t_confidence", "action": "__t_action",
                          "abstain_reason": "__t_abstain_reason", "top3": "__t_top3"})
    res = _evaluate_one(model, d, np.asarray(y, dtype=object), "__t", oos_label, n_bins)
    res.target = target_name
    return res


def _evaluate_one(clf: Any, decided: pd.DataFrame, y: np.ndarray, target: str, oos_label: Any,
                  n_bins: int) -> EvaluationResult:
    if len(y) != len(decided):
        raise ValueError(f"evaluate: {len(decided)} tickets but {len(y)} labels")
    labelled = np.array([not (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) for v in y])
    pred_all = decided[target].to_numpy(dtype=object)
    action_all = decided[f"{target}_action"].to_numpy(dtype=object)
    reason_all = decided[f"{target}_abstain_reason"].to_numpy(dtype=object)
    oos = None
    if oos_label is not None:
        is_oos = labelled & np.array([v == oos_label for v in y], dtype=bool)
        in_scope = labelled & ~is_oos
        oos = {"n": int(is_oos.sum()),
               "recall": float((reason_all[is_oos] == "out_of_scope").mean()) if is_oos.any() else float("nan"),
               "abstain_recall": float((action_all[is_oos] == "abstain").mean()) if is_oos.any() else float("nan"),
               "false_positive_rate": float((reason_all[in_scope] == "out_of_scope").mean())
               if in_scope.any() else float("nan")}
        keep = in_scope
    else:
        keep = labelled
    ordinal_levels = getattr(clf, "ordinal_levels_", None)
    yt = y[keep]
    if ordinal_levels is not None:
        yt = np.array([str(v).lower() for v in yt], dtype=object)
    pred = pred_all[keep]
    action = action_all[keep]
    conf = decided[f"{target}_confidence"].to_numpy(dtype=float)[keep]
    top3 = decided[f"{target}_top3"].to_numpy(dtype=object)[keep]
    correct = np.array([a == b for a, b in zip(pred, yt, strict=True)], dtype=bool)
    n = int(keep.sum())
    labels = sorted(set(clf.classes_.tolist()) | set(yt.tolist()), key=str)
    p, r, f, s = precision_recall_fscore_support(yt, pred, labels=labels, zero_division=0)
    per = pd.DataFrame({"precision": p, "recall": r, "f1": f, "support": s},
                       index=pd.Index(labels, name="class"))
    per["n_predicted"] = [int((pred == c).sum()) for c in labels]
    thr = dict(zip(clf.classes_.tolist(), clf.thresholds_.tolist(), strict=True))
    per["threshold"] = [thr.get(c, np.nan) for c in labels]
    cov, aprec = [], []
    for c in labels:
        m = pred == c
        auto = m & (action == "auto")
        cov.append(auto.sum() / m.sum() if m.any() else np.nan)
        aprec.append(correct[auto].mean() if auto.any() else np.nan)
    per["coverage"] = cov
    per["auto_precision"] = aprec
    confusion = pd.crosstab(pd.Series(yt, name="true"), pd.Series(pred, name="predicted"), dropna=False)
    confusion = confusion.reindex(index=labels, columns=labels, fill_value=0)
    acts = []
    for a in ("auto", "suggest", "abstain"):
        m = action == a
        acts.append({"action": a, "share": float(m.mean()) if n else float("nan"),
                     "accuracy": float(correct[m].mean()) if m.any() else float("nan")})
    actions = pd.DataFrame(acts).set_index("action")
    top3_ok = np.array([any(lbl == t for lbl, _ in cands) for cands, t in zip(top3, yt, strict=True)], dtype=bool)
    ordinal = ordinal_metrics(yt, pred, ordinal_levels) if ordinal_levels is not None else None
    return EvaluationResult(
        target=target, n=n,
        accuracy=float(correct.mean()) if n else float("nan"),
        macro_f1=float(f1_score(yt, pred, labels=labels, average="macro", zero_division=0)) if n else float("nan"),
        top3_accuracy=float(top3_ok.mean()) if n else float("nan"),
        ece=top_label_ece(correct, conf),
        per_class=per, confusion=confusion, reliability=reliability_table(correct, conf, n_bins=n_bins),
        actions=actions, out_of_scope=oos, ordinal=ordinal)


# --------------------------------------------------------------------------- figures
def _figure(figsize: tuple[float, float]) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise missing_extra("matplotlib", "reports", "plotting") from exc
    return Figure(figsize=figsize)


def plot_confusion(result: EvaluationResult, *, normalize: bool = True, max_classes: int = 30) -> Any:
    """Confusion matrix as a matplotlib Figure (rows normalised to recall by default).

    Parameters
    ----------
    result : EvaluationResult
    normalize : bool, default=True
        Show each row as shares of the true class.
    max_classes : int, default=30
        Show only the most frequent classes beyond this many.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = result.confusion
    if len(cm) > max_classes:
        keep = cm.sum(axis=1).sort_values(ascending=False).index[:max_classes]
        cm = cm.loc[keep, keep]
    values = cm.to_numpy(dtype=float)
    if normalize:
        values = values / np.maximum(values.sum(axis=1, keepdims=True), 1)
    k = len(cm)
    size = max(4.0, 0.45 * k + 2)
    fig = _figure((size + 1, size))
    ax = fig.subplots()
    im = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    ax.set_xticks(range(k), [str(c) for c in cm.columns], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(k), [str(c) for c in cm.index], fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 15:
        for i in range(k):
            for j in range(k):
                if values[i, j] > 0:
                    ax.text(j, i, f"{values[i, j]:.2f}" if normalize else str(int(values[i, j])),
                            ha="center", va="center", fontsize=7,
                            color="white" if values[i, j] > 0.6 * (values.max() or 1) else "black")
    ax.set_title(f"{result.target or 'label'}: accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return fig


def plot_reliability(result: EvaluationResult) -> Any:
    """Reliability diagram (accuracy against confidence) as a matplotlib Figure.

    Parameters
    ----------
    result : EvaluationResult

    Returns
    -------
    matplotlib.figure.Figure
    """
    rt = result.reliability
    fig = _figure((5, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    used = rt[rt["count"] > 0]
    width = float((rt["upper"] - rt["lower"]).iloc[0]) if len(rt) else 0.1
    ax.bar(used["lower"], used["accuracy"], width=width, align="edge", alpha=0.6, edgecolor="black",
           label="accuracy")
    ax.plot(used["confidence"], used["accuracy"], marker="o", color="C1", label="mean confidence")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{result.target or 'label'}: ECE {result.ece:.3f}")
    ax.legend(loc="upper left")
    return fig
