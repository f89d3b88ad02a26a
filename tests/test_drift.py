"""Drift reports: same-distribution tickets pass, shifted reason mix / language / scope call for retraining."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxml.datasets import make_webshop
from cxml.drift import DriftReport, DriftThresholds, drift_report, js_distance, psi
from cxml.triage import TicketClassifier, Triage


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


_OFF_TOPIC = ["What is the weather forecast for Tampere tomorrow?", "Can you recommend a recipe for salmon soup?",
              "Who won the ice hockey world championship last spring?", "How do I renew my driving licence?",
              "My neighbour's dog barks all night, what can I do?", "Which train goes from Helsinki to Oulu tonight?",
              "Millainen sää huomenna on Tampereella?", "Kuka voitti jääkiekon maailmanmestaruuden viime keväänä?",
              "Naapurin koira haukkuu koko yön, mitä voin tehdä?", "Mikä juna lähtee illalla Helsingistä Ouluun?"]


@pytest.fixture(scope="module")
def model() -> Triage:
    return Triage(targets=["reason"], encoder="hash").fit(make_webshop(400, seed=0).tickets)


@pytest.fixture(scope="module")
def later() -> pd.DataFrame:
    """Later tickets of the same shop (a different seed: same distribution, other tickets)."""
    return make_webshop(1500, seed=3).tickets


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    """Held-out tickets of the training period, not seen in training."""
    return make_webshop(300, seed=2).tickets


def test_same_distribution_needs_no_retraining(model):
    new = make_webshop(300, seed=1).tickets
    report = drift_report(model, new)
    assert isinstance(report, DriftReport)
    assert not report.retrain and report.reasons == [] and report.drifted == []
    assert report.reference_source == "model" and report.n_current == 300 and report.n_reference == 400
    assert list(report.checks.index) == ["reason_mix", "confidence", "out_of_scope", "language_mix"]
    assert report.checks.loc["reason_mix", "statistic"] < 0.2
    assert report.class_mix["current_share"].sum() == pytest.approx(1.0)
    assert "No retraining needed" in report.to_markdown()


def test_same_distribution_against_reference_tickets(model, reference):
    report = drift_report(model, make_webshop(300, seed=1).tickets, reference=reference)
    assert not report.retrain, report.reasons
    assert report.reference_source == "tickets" and report.n_reference == 300
    assert report.checks.loc["confidence", "method"].startswith("KS")


@pytest.mark.parametrize("with_reference", [False, True])
def test_only_payment_tickets_shift_the_reason_mix(model, later, reference, with_reference):
    new = later[later["reason"] == "payment_failure"].head(150)
    report = drift_report(model, new, reference=reference if with_reference else None)
    assert report.retrain
    assert "reason_mix" in report.drifted
    assert "language_mix" not in report.drifted
    assert report.class_mix.index[0] == "payment_failure"
    assert report.class_mix.loc["payment_failure", "current_share"] > 0.7
    reason = next(r for r in report.reasons if r.startswith("predicted reason mix shifted"))
    assert "payment_failure" in reason


@pytest.mark.parametrize("with_reference", [False, True])
def test_finnish_only_shifts_the_language_mix(model, later, reference, with_reference):
    new = later[later["language"] == "fi"].head(300)
    report = drift_report(model, new, reference=reference if with_reference else None)
    assert report.retrain
    assert report.drifted == ["language_mix"]
    assert report.language_mix.loc["fi", "current_share"] == pytest.approx(1.0)
    assert report.language_mix.loc["en", "current_share"] == pytest.approx(0.0)
    assert "language mix shifted" in report.reasons[0] and "en" in report.reasons[0]


def test_english_only_to_finnish_only(later):
    english = later[later["language"] == "en"].head(300)
    model = Triage(targets=["reason"], encoder="hash", cv=3).fit(english)
    report = drift_report(model, later[later["language"] == "fi"].tail(200))
    assert report.retrain and "language_mix" in report.drifted
    assert "languages the model was not trained on: fi 100.0%" in report.checks.loc["language_mix", "detail"]
    assert not report.language_mix.loc["fi", "known"]


def test_out_of_scope_texts_raise_the_out_of_scope_rate(model):
    rng = np.random.default_rng(0)
    off = [f"{_OFF_TOPIC[i]} ({n})" for n, i in enumerate(rng.integers(len(_OFF_TOPIC), size=100))]
    in_scope = make_webshop(200, seed=4).tickets[["subject", "body"]]
    new = pd.concat([in_scope, pd.DataFrame({"subject": "", "body": off})], ignore_index=True)
    with pytest.warns(UserWarning, match="context columns"):  # no channel / segment columns: fine
        report = drift_report(model, new)
    assert report.retrain
    assert "out_of_scope" in report.drifted
    row = report.checks.loc["out_of_scope"]
    assert row["statistic"] > 0.1 and row["p_value"] < 1e-6
    md = report.to_markdown()
    assert md.startswith("# Drift report") and "Retraining is due" in md and "out of scope" in md


def test_few_tickets_show_drift_without_calling_for_retraining(model, later):
    new = later[later["reason"] == "payment_failure"].head(30)
    report = drift_report(model, new)
    assert not report.retrain and report.reasons == []
    assert "reason_mix" in report.drifted
    assert any("fewer than 50" in n for n in report.notes)
    strict = drift_report(model, new, thresholds=DriftThresholds(min_tickets=20))
    assert strict.retrain


def test_saved_model_path_and_single_classifier(model, later, tmp_path):
    new = later[later["reason"] == "payment_failure"].head(100)
    path = model.save(tmp_path / "triage")
    from_path = drift_report(path, new)
    direct = drift_report(model, new)
    pd.testing.assert_frame_equal(from_path.class_mix, direct.class_mix)
    assert from_path.drifted == direct.drifted
    data = make_webshop(300, seed=0).tickets
    clf = TicketClassifier(encoder="hash", features="tfidf", cv=3).fit(data, data["reason"])
    report = drift_report(clf, new, target="reason")
    assert report.retrain and "reason_mix" in report.drifted and report.target == "reason"


def test_helpdesk_bundle_uses_its_triage(model, later):
    from cxml.bundle import HelpdeskModel

    new = later[later["language"] == "fi"].head(100)
    assert drift_report(HelpdeskModel(triage=model), new).drifted == drift_report(model, new).drifted


def test_summary_is_json(model, later):
    report = drift_report(model, later.head(120))
    out = json.loads(json.dumps(report.summary()))
    assert out["retrain"] is False and {c["check"] for c in out["checks"]} == set(report.checks.index)
    assert out["thresholds"]["psi"] == 0.2


def test_errors(model):
    with pytest.raises(KeyError, match="unknown target"):
        drift_report(model, ["Where is my parcel?"] * 5, target="priority")
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        drift_report(Triage(encoder="hash"), ["Where is my parcel?"])
    with pytest.raises(TypeError, match="fitted cxml Triage"):
        drift_report(object(), ["Where is my parcel?"])


def test_psi_and_js():
    p = np.array([0.5, 0.3, 0.2])
    assert psi(p, p) == pytest.approx(0.0)
    assert js_distance(p, p) == pytest.approx(0.0, abs=1e-7)
    q = np.array([0.2, 0.3, 0.5])
    assert psi(p, q) == pytest.approx(psi(q, p))
    assert psi(p, q) == pytest.approx(float(np.sum((q - p) * np.log(q / p))))
    assert 0 < js_distance(p, q) < 1
    assert np.isfinite(psi([1.0, 0.0], [0.0, 1.0]))  # an empty class is far, not infinitely far


def test_doctests():
    import doctest

    from cxml import drift

    result = doctest.testmod(drift, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
