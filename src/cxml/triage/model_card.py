"""The model card: what a saved triage model was trained on, how well it did in CV, and its limits.

Internal module of :mod:`cxml.triage`: the sections are written into the artifact's manifest and
rendered by :mod:`cxml.persistence` as ``MODEL_CARD.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxml.triage.features import TextFeaturizer
from cxml.triage.out_of_scope import oos_quantile

__all__ = ["card_sections", "md_table"]


def md_table(df: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    """A DataFrame as a markdown table (index first; infinite floats read \"never\")."""
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


def card_sections(heads: dict[str, Any], featurizer: TextFeaturizer) -> dict[str, str]:
    """The model card's sections (training data, CV evaluation, encoder, known limits) of fitted heads
    sharing one featurizer, as markdown keyed by section title."""
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
        evals += [line + "." + _layout_line(clf), "", md_table(clf.coverage_.drop(columns=["auto_recall"])), ""]
    enc = featurizer.describe()
    encoder = f"Features: {featurizer.features}. Encoder `{enc['spec']}` ({enc['name']}, dim {enc['dim']}); " + (
        _fine_tune_line(featurizer.fine_tune_) if featurizer.fine_tuned else
        "the encoder's weights are not part of this artifact: it is loaded by its spec when the model is first "
        "used, and its dimension is checked against the classifier heads." + (
            f" Fine-tuning (fine_tune={featurizer.fine_tune_['mode']!r}): {featurizer.fine_tune_['reason']}."
            if featurizer.fine_tune_ else ""))
    if featurizer.tfidf_ is not None:
        w, c = featurizer.tfidf_dims
        encoder += (f" TF-IDF vocabulary: {w} word and {c} character n-grams, fitted on PII-scrubbed text, "
                    "terms seen in fewer than 2 tickets dropped.")
    q = oos_quantile(first.out_of_scope)
    oos = ("Out-of-scope detection is off." if q is None else
           f"Tickets unlike the training tickets are flagged out of scope ({_oos_detectors(first)}"
           f"; thresholds at the {q:.0%} quantile of held-out in-scope training scores, so about {q:.0%} of "
           "in-scope tickets are flagged too"
           + ("; calibrated per text length on the training tickets and their subjects and first sentences, so "
              "a short message is compared with short in-scope messages" if getattr(first, "oos_length_thresholds_",
                                                                                   None) else "")
           + "). With a lexical encoder (TF-IDF, hash) short questions that "
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


def _fine_tune_line(info: dict[str, Any]) -> str:
    """What fine-tuning did, for the card's encoder section."""
    check = info.get("check")
    auto = (f" fine_tune='auto' chose it: on a held-out 20 % of the training tickets a logistic head reached "
            f"{check['tuned']:.3f} on tuned against {check['frozen']:.3f} on frozen embeddings." if check else "")
    return (f"fine-tuned on this model's training labels ({info['loss']} on {info['pairs']} sentence pairs, "
            f"{info['steps']} of {info['planned_steps']} planned steps, {info['seconds']:.0f} s) and stored in "
            "this artifact (`encoder/`, safetensors, checksummed)." + auto + " The cross-validated scores above "
            "read embeddings tuned on every training ticket, held-out folds included, so they (and the thresholds "
            "set on them) are optimistic: check precision on new tickets.")


def _layout_line(clf: Any) -> str:
    """The class weighting when not the default, then the head search's choice and its CV accuracy (empty when
    no search ran)."""
    cw = getattr(clf, "class_weight", None)
    weights = (" Classes weighted inversely to their frequency (`class_weight='balanced'`)." if cw == "balanced"
               else f" Classes weighted by `class_weight={cw!r}`." if cw else "")
    layout = getattr(clf, "head_layout_", None)
    if layout is None or not layout.tried:
        return weights
    blocks = {"all": "embedding + TF-IDF", "embedding": "embedding only", "tfidf": "TF-IDF only"}[layout.blocks]
    linear = {"svm": "linear SVM", "logreg": "logistic regression"}.get(layout.linear, layout.linear)
    return (f" Head chosen by cross-validation on the training folds ({layout.tried} of {len(layout.grid)} "
            f"layouts tried in {layout.seconds:.0f} s, budget {layout.budget_s:.0f} s): {blocks}, {linear}, embedding "
            f"weight {layout.embedding_weight:g}, C {layout.C:g}; CV accuracy {layout.cv_accuracy:.3f} "
            f"(default layout {layout.default_cv_accuracy:.3f}).") + weights


def _oos_detectors(clf: Any) -> str:
    """The out-of-scope detectors a classifier uses, in words."""
    if getattr(clf, "oos_method_", None) == "combined":
        return ("similarity to the predicted class's mean and the top probability, each a p-value against "
                "held-out in-scope training scores, combined by Fisher's method")
    return ", ".join(clf.oos_thresholds_ or {})
