"""Drift: do new tickets still look like the ones a triage model was trained on?

:func:`drift_report` scores a batch of new tickets with a fitted model and compares them with
a reference on four checks, each with an effect size *and* a significance test (so that a
small batch does not raise alarms by chance, and a huge one does not raise them over
trifles):

``reason_mix``
    The predicted-class mix: population stability index (PSI) and Jensen-Shannon distance,
    with a G-test. A jump in one reason usually means something broke (or sales jumped).
``confidence``
    With reference tickets: a one-sided Kolmogorov-Smirnov test (scipy) that the new
    confidences are lower. Without: the share of automatic decisions against the share the
    model reached in cross-validation (binomial test).
``out_of_scope``
    The share of tickets flagged out of scope, against the rate the model was calibrated to
    (about 1 %) or the reference's rate.
``language_mix``
    The language mix (PSI with a G-test); languages the model never saw are named.

Reference
---------
Without ``reference`` tickets, everything comes from the model itself: the out-of-fold
(cross-validated) predicted-class counts, the training language mix, the out-of-scope
quantile and the cross-validated share of automatic decisions. With ``reference`` tickets
(tickets the model was **not** trained on, e.g. last quarter's), both batches are scored
the same way and compared directly; that also enables the confidence KS test. Do not pass
the training tickets as reference: the model is more confident on tickets it has seen.

Examples
--------
>>> import cxml
>>> from cxml.triage import Triage
>>> from cxml.drift import drift_report
>>> model = Triage(targets=["reason"], encoder="hash").fit(cxml.make_webshop(300, seed=0).tickets)  # doctest: +SKIP
>>> report = drift_report(model, cxml.make_webshop(200, seed=1).tickets)  # doctest: +SKIP
>>> report.retrain  # doctest: +SKIP
False
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import binomtest, chi2, chi2_contingency, fisher_exact, ks_2samp

from cxml.exceptions import NotFittedError
from cxml.io import to_markdown
from cxml.language import detect_languages
from cxml.persistence import load
from cxml.schema import as_tickets
from cxml.triage import DEFAULT_OOS_QUANTILE, TicketClassifier, Triage

__all__ = ["DriftThresholds", "DriftReport", "drift_report", "psi", "js_distance"]

#: Smallest share used in PSI and divergences (a class absent on one side is not infinitely far).
EPS = 1e-4
#: A ticket needs this many letters before its language is detected (as in training).
_MIN_LETTERS = 20


@dataclass
class DriftThresholds:
    """When a check calls drift. Each check needs its effect size *and* ``p < alpha``.

    Parameters
    ----------
    psi : float, default=0.2
        Population stability index of the reason mix and of the language mix at which they
        count as shifted (0.1-0.2 is commonly read as "moderate", above 0.2 as "significant").
    ks_statistic : float, default=0.1
        Kolmogorov-Smirnov distance by which new confidences must fall below the reference's.
    auto_share_drop : float, default=0.1
        Without reference tickets: fall in the share of automatic decisions (absolute).
    oos_increase : float, default=0.05
        Rise of the out-of-scope rate (absolute) over the expected or reference rate.
    alpha : float, default=0.01
        Significance level of every test.
    min_tickets : int, default=50
        Fewer new tickets than this never call for retraining (the checks are still shown).
    """

    psi: float = 0.2
    ks_statistic: float = 0.1
    auto_share_drop: float = 0.1
    oos_increase: float = 0.05
    alpha: float = 0.01
    min_tickets: int = 50


@dataclass
class DriftReport:
    """The outcome of :func:`drift_report`.

    Attributes
    ----------
    retrain : bool
        Whether retraining is due (some check drifted, with at least ``min_tickets`` tickets).
    reasons : list of str
        Why, one sentence per drifted check (empty when nothing drifted).
    checks : DataFrame
        Indexed by check (``reason_mix``, ``confidence``, ``out_of_scope``, ``language_mix``):
        ``method``, ``statistic``, ``threshold``, ``p_value``, ``reference`` and ``current``
        (summary values), ``drifted``, ``detail``.
    class_mix : DataFrame
        Indexed by class: ``reference_share``, ``current_share``, ``change``, largest change
        first.
    language_mix : DataFrame
        Indexed by language: ``reference_share``, ``current_share``, ``change``,
        ``known`` (the model saw it in training).
    target : str
    n_current, n_reference : int
        Tickets compared (``n_reference``: training tickets when the reference is the model).
    reference_source : str
        ``"model"`` (training statistics stored in the model) or ``"tickets"``.
    thresholds : DriftThresholds
    notes : list of str
    """

    retrain: bool
    reasons: list[str]
    checks: pd.DataFrame
    class_mix: pd.DataFrame
    language_mix: pd.DataFrame
    target: str
    n_current: int
    n_reference: int
    reference_source: str
    thresholds: DriftThresholds = field(default_factory=DriftThresholds)
    notes: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        """Names of the checks that drifted."""
        return [str(c) for c in self.checks.index[self.checks["drifted"].to_numpy(dtype=bool)]]

    def __bool__(self) -> bool:  # pragma: no cover - explicit is better; kept for "if report:"
        return self.retrain

    def summary(self) -> dict[str, Any]:
        """A JSON-able dict: verdict, reasons and the checks."""
        checks = json.loads(self.checks.reset_index().to_json(orient="records"))
        return {"retrain": self.retrain, "reasons": list(self.reasons), "drifted": self.drifted,
                "target": self.target, "n_current": self.n_current, "n_reference": self.n_reference,
                "reference_source": self.reference_source, "checks": checks,
                "thresholds": asdict(self.thresholds), "notes": list(self.notes)}

    def to_markdown(self, n_classes: int = 8) -> str:
        """A Markdown report: verdict, reasons, the checks and the largest class-mix changes."""
        verdict = "**Retraining is due.**" if self.retrain else "**No retraining needed.**"
        lines = ["# Drift report", "",
                 f"{verdict} {self.n_current} new tickets against "
                 f"{'the training statistics stored in the model' if self.reference_source == 'model' else 'reference tickets'}"
                 f" ({self.n_reference} tickets); target `{self.target}`.", ""]
        lines += [f"- {r}" for r in self.reasons]
        if self.reasons:
            lines.append("")
        checks = self.checks.reset_index()
        checks["p_value"] = [("" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2g}")
                             for v in checks["p_value"]]
        lines += ["## Checks", "", to_markdown(checks[["check", "method", "statistic", "threshold", "p_value",
                                                      "reference", "current", "drifted"]]), ""]
        mix = self.class_mix.head(n_classes).reset_index()
        lines += [f"## Predicted {self.target} mix (largest changes)", "", to_markdown(mix), ""]
        if len(self.language_mix):
            lines += ["## Language mix", "", to_markdown(self.language_mix.reset_index()), ""]
        if self.notes:
            lines += ["## Notes", ""] + [f"- {n}" for n in self.notes] + [""]
        return "\n".join(lines)


# --------------------------------------------------------------------------- statistics
def _shares(counts: pd.Series, index: pd.Index) -> np.ndarray:
    c = counts.reindex(index, fill_value=0).to_numpy(dtype=np.float64)
    total = c.sum()
    return c / total if total > 0 else c


def psi(reference: Any, current: Any, eps: float = EPS) -> float:
    """Population stability index ``sum((p - q) * ln(p / q))`` of two share vectors.

    Shares are clipped at ``eps`` (and renormalised), so a class absent on one side adds a
    large but finite term.
    """
    q = np.clip(np.asarray(reference, dtype=np.float64), eps, None)
    p = np.clip(np.asarray(current, dtype=np.float64), eps, None)
    q, p = q / q.sum(), p / p.sum()
    return float(np.sum((p - q) * np.log(p / q)))


def js_distance(reference: Any, current: Any) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) of two share vectors."""
    q = np.asarray(reference, dtype=np.float64)
    p = np.asarray(current, dtype=np.float64)
    if q.sum() <= 0 or p.sum() <= 0:
        return float("nan")
    return float(jensenshannon(p, q, base=2))


def _g_test(ref_counts: np.ndarray, cur_counts: np.ndarray, ref_is_sample: bool) -> float:
    """p-value of "the current counts come from the reference mix".

    With a reference *sample*, a G-test of independence on the 2 x k table; with reference
    *proportions* (from the model), a goodness-of-fit G-test.
    """
    cur = np.asarray(cur_counts, dtype=np.float64)
    ref = np.asarray(ref_counts, dtype=np.float64)
    keep = (cur + ref) > 0
    cur, ref = cur[keep], ref[keep]
    if len(cur) < 2 or cur.sum() == 0 or ref.sum() == 0:
        return 1.0
    if ref_is_sample:
        table = np.vstack([ref, cur])
        _, p, _, _ = chi2_contingency(table, lambda_="log-likelihood", correction=False)
        return float(p)
    q = np.clip(ref / ref.sum(), EPS, None)
    q = q / q.sum()
    n = cur.sum()
    expected = n * q
    g = 2.0 * float(np.sum(np.where(cur > 0, cur * np.log(np.where(cur > 0, cur, 1) / expected), 0.0)))
    return float(chi2.sf(g, len(cur) - 1))


# --------------------------------------------------------------------------- model access
def _resolve_model(model: Any, target: str | None) -> tuple[Any, Any, str]:
    """(the model, the head of ``target``, target name); paths are loaded with cxml.load."""
    if isinstance(model, (str, os.PathLike)):
        model = load(model)
    if getattr(model, "triage", None) is not None and hasattr(model, "components"):  # a HelpdeskModel
        model = model.triage
    if hasattr(model, "estimators_") and hasattr(model, "targets_"):
        targets = list(model.targets_)
        target = target or ("reason" if "reason" in targets else targets[0])
        if target not in model.estimators_:
            raise KeyError(f"drift_report: unknown target {target!r}; this model has {targets}")
        return model, model.estimators_[target], target
    if hasattr(model, "thresholds_") and hasattr(model, "decide"):
        return model, model, target or getattr(model, "target_name_", None) or "label"
    if isinstance(model, (Triage, TicketClassifier)):
        raise NotFittedError(f"This {type(model).__name__} instance is not fitted yet. Call 'fit' first.")
    raise TypeError(f"drift_report needs a fitted cxml Triage or TicketClassifier (or its directory), got "
                    f"{type(model).__name__}")


def _decide(model: Any, head: Any, target: str, tickets: Any, columns: dict[str, Any] | None) -> pd.DataFrame:
    """label, confidence, action, abstain_reason of ``target`` for each ticket."""
    if model is head:
        if columns:
            tickets = as_tickets(tickets, columns, allow_empty_text=True)
        return model.decide(tickets)[["label", "confidence", "action", "abstain_reason"]]
    d = model.predict(tickets, columns=columns)
    return d[[target, f"{target}_confidence", f"{target}_action", f"{target}_abstain_reason"]].set_axis(
        ["label", "confidence", "action", "abstain_reason"], axis=1)


def _languages(tickets: Any, columns: dict[str, Any] | None) -> pd.Series:
    """Language of each ticket: the ``language`` column, else detected (texts of 20+ letters)."""
    frame = as_tickets(tickets, columns, allow_empty_text=True, scrub_pii=False)
    if "language" in frame.columns:
        vals = [None if (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
                else (str(v).strip().lower()[:2] or None) for v in frame["language"].tolist()]
        return pd.Series(vals, dtype=object)
    texts = [str(t) for t in frame["text"].tolist()]
    rows = [i for i, t in enumerate(texts) if sum(ch.isalpha() for ch in t) >= _MIN_LETTERS]
    out: list[str | None] = [None] * len(texts)
    if rows:
        for i, lang in zip(rows, detect_languages([texts[i] for i in rows], min_distance=0.1), strict=True):
            out[i] = lang
    return pd.Series(out, dtype=object)


def _expected_oos_rate(head: Any) -> float | None:
    """The out-of-scope rate the model was calibrated to on in-scope tickets (None: no detector)."""
    detectors = getattr(head, "oos_thresholds_", None) or getattr(head, "oos_threshold_", None)
    if detectors is None or detectors == {}:
        return None
    oos = getattr(head, "out_of_scope", True)
    if oos is True:
        return float(DEFAULT_OOS_QUANTILE)
    return float(oos) if oos else None


def _fmt_share(v: float) -> str:
    return f"{v:.1%}"


# --------------------------------------------------------------------------- main
def drift_report(model: Any, new_tickets: Any, reference: Any = None, *, target: str | None = None,
                 columns: dict[str, Any] | None = None, thresholds: DriftThresholds | None = None
                 ) -> DriftReport:
    """Compare new tickets with the model's training data (or reference tickets); is retraining due?

    Parameters
    ----------
    model : Triage, TicketClassifier, HelpdeskModel (its triage), or the directory of a saved one
    new_tickets : DataFrame, Series or list of str
        Recent tickets (labels not needed).
    reference : DataFrame, Series or list of str, optional
        Tickets the model was *not* trained on that represent "normal" (e.g. a held-out month
        from the training period). Default: the statistics stored in the model.
    target : str, optional
        The target whose predictions are compared (default ``"reason"`` when the model has
        it, else its first target).
    columns : dict, optional
        Column mapping for :func:`cxml.schema.as_tickets`, applied to both batches.
    thresholds : DriftThresholds, optional

    Returns
    -------
    DriftReport
    """
    th = thresholds or DriftThresholds()
    model, head, target = _resolve_model(model, target)
    cur = _decide(model, head, target, new_tickets, columns)
    cur_langs = _languages(new_tickets, columns)
    if len(cur) == 0:
        raise ValueError("drift_report: no new tickets")
    ref = _reference(model, head, target, reference, columns)
    notes: list[str] = []
    mix_row, class_mix = _check_reason_mix(head, target, cur, ref, th)
    conf_row = _check_confidence(head, target, cur, ref, th, notes)
    oos_row = _check_out_of_scope(head, cur, ref, th)
    lang_row, language_mix = _check_language_mix(head, cur_langs, ref, th, notes)
    checks = pd.DataFrame([mix_row, conf_row, oos_row, lang_row]).set_index("check")
    checks["drifted"] = checks["drifted"].astype(bool)
    reasons = [str(d) for d in checks.loc[checks["drifted"], "detail"]]
    n_cur = len(cur)
    retrain = bool(reasons) and n_cur >= th.min_tickets
    if reasons and not retrain:
        notes.append(f"Only {n_cur} new tickets (fewer than {th.min_tickets}): drift is shown but retraining is "
                     "not called for yet.")
    return DriftReport(retrain=retrain, reasons=reasons if retrain else [], checks=checks, class_mix=class_mix,
                       language_mix=language_mix, target=target, n_current=n_cur, n_reference=ref.n,
                       reference_source=ref.source, thresholds=th, notes=notes)


@dataclass
class _Reference:
    """What new tickets are compared with: reference tickets' decisions, or the statistics stored in the model."""

    source: str
    counts: pd.Series
    n: int
    language_shares: dict[str, float]
    decisions: pd.DataFrame | None = None  # None: the model's stored statistics
    languages: pd.Series | None = None

    @property
    def is_sample(self) -> bool:
        return self.decisions is not None


def _reference(model: Any, head: Any, target: str, reference: Any, columns: dict[str, Any] | None) -> _Reference:
    if reference is None:
        cov = head.coverage_
        counts = pd.Series(cov["n_predicted"].to_numpy(dtype=np.float64), index=[str(c) for c in cov.index])
        n = int(head.training_summary_.get("n_tickets") or round(counts.sum()))
        return _Reference("model", counts, n, {str(k): float(v) for k, v in (head.languages_ or {}).items()})
    decisions = _decide(model, head, target, reference, columns)
    languages = _languages(reference, columns)
    shares = {str(k): float(v) for k, v in languages.dropna().value_counts(normalize=True).items()}
    return _Reference("tickets", decisions["label"].astype(str).value_counts(), len(decisions), shares,
                      decisions=decisions, languages=languages)


def _check_reason_mix(head: Any, target: str, cur: pd.DataFrame, ref: _Reference, th: DriftThresholds
                      ) -> tuple[dict[str, Any], pd.DataFrame]:
    """The predicted class mix: PSI and a G-test; the classes that moved most."""
    classes = pd.Index([str(c) for c in head.classes_], name="class")
    cur_counts = cur["label"].astype(str).value_counts()
    index = classes.union(pd.Index(cur_counts.index.astype(str))).union(pd.Index(ref.counts.index.astype(str)))
    q, p = _shares(ref.counts, index), _shares(cur_counts, index)
    mix_psi = psi(q, p)
    mix_p = _g_test(ref.counts.reindex(index, fill_value=0).to_numpy(), cur_counts.reindex(index, fill_value=0)
                    .to_numpy(), ref.is_sample)
    class_mix = pd.DataFrame({"reference_share": q, "current_share": p, "change": p - q},
                             index=pd.Index(index, name="class"))
    class_mix = class_mix.reindex(class_mix["change"].abs().sort_values(ascending=False, kind="stable").index)
    detail = ", ".join(f"{c} {_fmt_share(r.reference_share)} → {_fmt_share(r.current_share)}"
                       for c, r in class_mix.head(3).iterrows() if abs(r.change) >= 0.005)
    row = {"check": "reason_mix", "method": "PSI + G-test", "statistic": mix_psi, "threshold": th.psi,
           "p_value": mix_p, "reference": f"JS distance {js_distance(q, p):.3f}", "current": detail,
           "drifted": mix_psi >= th.psi and mix_p < th.alpha,
           "detail": f"predicted {target} mix shifted (PSI {mix_psi:.2f}): {detail}"}
    return row, class_mix


def _check_confidence(head: Any, target: str, cur: pd.DataFrame, ref: _Reference, th: DriftThresholds,
                      notes: list[str]) -> dict[str, Any]:
    """Lower confidence: a one-sided KS test against reference tickets, else the share of automatic decisions."""
    conf = cur["confidence"].to_numpy(dtype=np.float64)
    if ref.decisions is not None:
        ref_conf = ref.decisions["confidence"].to_numpy(dtype=np.float64)
        ks = ks_2samp(conf, ref_conf, alternative="greater")  # alternative: new confidences are lower
        stat, p_ks = float(ks.statistic), float(ks.pvalue)
        return {"check": "confidence", "method": "KS (one-sided, lower)", "statistic": stat,
                "threshold": th.ks_statistic, "p_value": p_ks,
                "reference": f"median {np.median(ref_conf):.3f}", "current": f"median {np.median(conf):.3f}",
                "drifted": stat >= th.ks_statistic and p_ks < th.alpha,
                "detail": f"{target} confidence fell (median {np.median(ref_conf):.2f} → {np.median(conf):.2f}, "
                          f"KS {stat:.2f})"}
    notes.append("Confidence was compared by the share of automatic decisions: pass reference tickets for a "
                 "Kolmogorov-Smirnov test of the whole confidence distribution.")
    expected = float(head.cv_scores_.get("auto_share", float("nan")))
    n_auto = int((cur["action"] == "auto").sum())
    share = n_auto / len(cur)
    if math.isnan(expected):
        return {"check": "confidence", "method": "auto share", "statistic": float("nan"),
                "threshold": th.auto_share_drop, "p_value": float("nan"), "reference": "",
                "current": _fmt_share(share), "drifted": False,
                "detail": "the model stores no cross-validated auto share"}
    p_auto = float(binomtest(n_auto, len(cur), min(max(expected, 1e-9), 1 - 1e-9), alternative="less").pvalue)
    return {"check": "confidence", "method": "auto share (binomial)", "statistic": expected - share,
            "threshold": th.auto_share_drop, "p_value": p_auto,
            "reference": _fmt_share(expected), "current": _fmt_share(share),
            "drifted": (expected - share) >= th.auto_share_drop and p_auto < th.alpha,
            "detail": f"fewer {target} predictions are confident enough to apply automatically "
                      f"({_fmt_share(expected)} in cross-validation → {_fmt_share(share)})"}


def _check_out_of_scope(head: Any, cur: pd.DataFrame, ref: _Reference, th: DriftThresholds) -> dict[str, Any]:
    """More tickets unlike the training tickets: Fisher's test against reference tickets, else binomial."""
    n_cur = len(cur)
    k_oos = int((cur["abstain_reason"] == "out_of_scope").sum())
    rate = k_oos / n_cur
    ref_rate: float | None
    if ref.decisions is not None:
        k_ref = int((ref.decisions["abstain_reason"] == "out_of_scope").sum())
        ref_rate = k_ref / max(ref.n, 1)
        _, p_oos = fisher_exact([[k_oos, n_cur - k_oos], [k_ref, ref.n - k_ref]], alternative="greater")
        p_oos = float(p_oos)
    else:
        ref_rate = _expected_oos_rate(head)
        p_oos = (float(binomtest(k_oos, n_cur, ref_rate, alternative="greater").pvalue)
                 if ref_rate is not None else float("nan"))
    if ref_rate is None:
        return {"check": "out_of_scope", "method": "rate", "statistic": float("nan"),
                "threshold": th.oos_increase, "p_value": float("nan"), "reference": "",
                "current": _fmt_share(rate), "drifted": False,
                "detail": "the model has no out-of-scope detector"}
    return {"check": "out_of_scope", "method": "rate (Fisher)" if ref.is_sample else "rate (binomial)",
            "statistic": rate - ref_rate, "threshold": th.oos_increase, "p_value": p_oos,
            "reference": _fmt_share(ref_rate), "current": _fmt_share(rate),
            "drifted": (rate - ref_rate) >= th.oos_increase and p_oos < th.alpha,
            "detail": f"more tickets unlike the training tickets ({_fmt_share(ref_rate)} expected → "
                      f"{_fmt_share(rate)} out of scope): new topics or products"}


def _check_language_mix(head: Any, cur_langs: pd.Series, ref: _Reference, th: DriftThresholds,
                        notes: list[str]) -> tuple[dict[str, Any], pd.DataFrame]:
    """The detected language mix: PSI and a G-test; languages the model was not trained on."""
    known = {str(k) for k, v in (head.languages_ or {}).items()}
    cur_lang_counts = cur_langs.dropna().astype(str).value_counts()
    if not (ref.language_shares and len(cur_lang_counts)):
        notes.append("Language mix not compared: the model stores no training languages or no new ticket's "
                     "language could be detected.")
        row = {"check": "language_mix", "method": "PSI + G-test", "statistic": float("nan"),
               "threshold": th.psi, "p_value": float("nan"), "reference": "", "current": "",
               "drifted": False, "detail": "no language information on one side"}
        return row, pd.DataFrame(columns=["reference_share", "current_share", "change", "known"])
    lang_index = pd.Index(sorted(set(ref.language_shares) | set(cur_lang_counts.index)), name="language")
    lq = np.array([ref.language_shares.get(lang, 0.0) for lang in lang_index])
    lp = _shares(cur_lang_counts, lang_index)
    lang_psi = psi(lq, lp)
    current = cur_lang_counts.reindex(lang_index, fill_value=0).to_numpy()
    if ref.languages is not None:
        ref_lang_counts = ref.languages.dropna().astype(str).value_counts().reindex(lang_index, fill_value=0)
        p_lang = _g_test(ref_lang_counts.to_numpy(), current, True)
    else:
        p_lang = _g_test(lq, current, False)
    language_mix = pd.DataFrame({"reference_share": lq, "current_share": lp, "change": lp - lq,
                                 "known": [lang in known for lang in lang_index]}, index=lang_index)
    language_mix = language_mix.sort_values("current_share", ascending=False, kind="stable")
    new_langs = [f"{lang} {_fmt_share(s)}" for lang, s in zip(lang_index, lp, strict=True)
                 if s >= 0.01 and lang not in known]
    changes = ", ".join(f"{lang} {_fmt_share(a)} → {_fmt_share(b)}"
                        for lang, a, b in zip(lang_index, lq, lp, strict=True) if abs(b - a) >= 0.05)
    detail = f"language mix shifted (PSI {lang_psi:.2f}): {changes or 'small changes'}"
    if new_langs:
        detail += f"; languages the model was not trained on: {', '.join(new_langs)}"
    row = {"check": "language_mix", "method": "PSI + G-test", "statistic": lang_psi, "threshold": th.psi,
           "p_value": p_lang,
           "reference": ", ".join(f"{lang} {_fmt_share(s)}" for lang, s in zip(lang_index, lq, strict=True) if s > 0),
           "current": ", ".join(f"{lang} {_fmt_share(s)}" for lang, s in zip(lang_index, lp, strict=True) if s > 0),
           "drifted": lang_psi >= th.psi and p_lang < th.alpha, "detail": detail}
    return row, language_mix
