"""cxml.evaluate: metrics, reliability, out-of-scope recall, ordinal metrics and figures."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from cxml.evaluate import (
    EvaluationResult,
    evaluate,
    expected_calibration_error,
    ordinal_metrics,
    plot_confusion,
    plot_reliability,
    reliability_table,
)
from cxml.triage import TicketClassifier, Triage

OOS = ["What is a good recipe for banana bread?", "Will it rain in Tampere tomorrow?",
       "Mikä on hyvä resepti mustikkapiirakkaan?", "How many moons does Jupiter have?",
       "Sataako huomenna Helsingissä?", "Who wrote the novel War and Peace?"]


@pytest.fixture(scope="module")
def clf(split):
    train, _ = split
    return TicketClassifier(encoder="hash").fit(train, train["reason"])


@pytest.fixture(scope="module")
def result(clf, split):
    _, test = split
    return evaluate(clf, test, test["reason"])


def test_metrics_of_a_classifier(result, clf, split):
    _, test = split
    assert isinstance(result, EvaluationResult)
    assert result.n == len(test)
    pred = clf.predict(test)
    assert result.accuracy == pytest.approx((pred == test["reason"]).mean())
    assert 0 < result.macro_f1 <= 1 and result.top3_accuracy >= result.accuracy
    assert 0 <= result.ece <= 1
    assert set(result.per_class.columns) >= {"precision", "recall", "f1", "support", "threshold", "coverage",
                                              "auto_precision"}
    assert result.per_class["support"].sum() == len(test)
    assert result.confusion.to_numpy().sum() == len(test)
    assert list(result.confusion.index) == list(result.confusion.columns)
    assert result.reliability["count"].sum() == len(test)
    assert result.actions["share"].sum() == pytest.approx(1.0)
    assert result.out_of_scope is None and result.ordinal is None


def test_summary_text_and_files(result, tmp_path):
    summary = result.summary()
    json.dumps(summary)
    assert summary["accuracy"] == pytest.approx(result.accuracy)
    text = result.to_text()
    assert "macro-F1" in text and "actions" in text
    written = result.save(tmp_path, prefix="reason")
    names = {p.name for p in written}
    assert {"reason_per_class.csv", "reason_confusion.csv", "reason_reliability.csv"} <= names
    assert "reason_confusion.png" in names  # matplotlib is a dev dependency


def test_out_of_scope_recall():
    import cxml

    tickets = cxml.make_webshop(1600, seed=3).tickets
    train, test = tickets.iloc[:1500], tickets.iloc[1500:]
    model = TicketClassifier(encoder="hash", features="tfidf").fit(train, train["reason"])
    X = test["subject"].str.cat(test["body"], sep="\n").tolist() + OOS
    y = test["reason"].tolist() + ["oos"] * len(OOS)
    res = evaluate(model, X, y, oos_label="oos")
    assert res.out_of_scope["n"] == len(OOS)
    assert res.out_of_scope["recall"] >= 0.6
    assert res.out_of_scope["abstain_recall"] >= res.out_of_scope["recall"]
    assert res.out_of_scope["false_positive_rate"] <= 0.05
    assert res.n == len(test)
    assert "out of scope" in res.to_text()


def test_evaluate_triage_all_targets(split):
    train, test = split
    model = Triage(targets=("reason", "priority"), encoder="hash", features="tfidf").fit(train)
    results = evaluate(model, test)
    assert set(results) == {"reason", "priority"}
    pr = results["priority"]
    assert pr.ordinal is not None
    assert set(pr.ordinal) >= {"macro_f1", "within_one_accuracy", "top_level_recall"}
    assert pr.ordinal["within_one_accuracy"] >= pr.accuracy
    one = evaluate(model, test, target="reason")
    assert one.accuracy == pytest.approx(results["reason"].accuracy)
    mapped = test.rename(columns={"reason": "category"})
    res = evaluate(model, mapped, target="reason", columns={"reason": "category"})
    assert res.accuracy == pytest.approx(one.accuracy)
    with pytest.raises(ValueError, match="needs y, or a ticket DataFrame with a 'reason' column"):
        evaluate(model, test["body"].tolist(), target="reason")  # texts alone carry no labels


def test_ece_and_reliability_known_values():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    y = np.array(["a", "b", "b", "b"])
    # bins: 0.9 -> correct, 0.8 -> wrong, 0.7 -> correct, 0.6 -> correct (each in its own bin)
    ece = expected_calibration_error(y, proba, ["a", "b"])
    assert ece == pytest.approx((0.1 + 0.8 + 0.3 + 0.4) / 4)
    frame = pd.DataFrame(proba, columns=["a", "b"])
    assert expected_calibration_error(y, frame) == pytest.approx(ece)
    table = reliability_table([True, True, False, True], [0.95, 0.91, 0.15, 0.55], n_bins=10)
    assert table["count"].sum() == 4
    top = table.iloc[9]
    assert top["count"] == 2 and top["accuracy"] == 1.0 and top["confidence"] == pytest.approx(0.93)


def test_ordinal_metrics_known_values():
    levels = ["low", "medium", "high", "urgent"]
    y = ["low", "medium", "high", "urgent", "urgent"]
    p = ["low", "high", "high", "high", "urgent"]
    m = ordinal_metrics(y, p, levels)
    assert m["within_one_accuracy"] == 1.0
    assert m["top_level_recall"] == 0.5
    assert m["top_level_precision"] == 1.0
    assert m["under_prioritised"] == pytest.approx(0.2)
    assert m["mean_abs_level_error"] == pytest.approx(0.4)


def test_figures(result):
    from matplotlib.figure import Figure

    assert isinstance(plot_confusion(result), Figure)
    assert isinstance(plot_reliability(result), Figure)


def test_figures_need_the_reports_extra(result, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install \"cxml\[reports\]\""):
        plot_confusion(result)
    with pytest.raises(ImportError, match=r"cxml\[reports\]"):
        plot_reliability(result)
