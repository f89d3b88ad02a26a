"""The model card (README.md) of a saved Triage: what a reviewer needs before trusting the model."""

from __future__ import annotations

import re

import pytest

import cxml
from cxml.datasets import make_webshop
from cxml.triage import Triage


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def data():
    return make_webshop(400, seed=0).tickets


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    model = Triage(targets=("reason", "priority"), encoder="hash").fit(data)
    path = model.save(tmp_path_factory.mktemp("card") / "triage")
    return model, path, (path / "README.md").read_text(encoding="utf-8")


def _section(card: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", card, flags=re.S | re.M)
    assert m, f"model card has no '## {title}' section"
    return m.group(1)


def test_training_data_summary(saved, data):
    _, _, card = saved
    sec = _section(card, "Training data")
    assert f"- tickets: {len(data)}" in sec
    start, end = data["created_at"].min().date(), data["created_at"].max().date()
    assert f"created: {start} to {end}" in sec
    assert "languages: fi 60%, en 40%" in sec
    for reason, n in data["reason"].value_counts().items():
        assert f"{reason} {n}" in sec
    for level, n in data["priority"].value_counts().items():
        assert f"{level} {n}" in sec


def test_evaluation_per_class_coverage_and_precision_at_thresholds(saved):
    model, _, card = saved
    sec = _section(card, "Cross-validated evaluation")
    s = model.cv_scores_["reason"]
    assert f"accuracy {s['accuracy']:.3f}" in sec and f"macro-F1 {s['macro_f1']:.3f}" in sec
    assert "| class | target_precision | threshold | cv_precision | coverage |" in sec
    cov = model.coverage_report("reason").loc["reason"]
    for cls, row in cov.iterrows():
        line = next(ln for ln in sec.splitlines() if ln.startswith(f"| {cls} |"))
        threshold = "never" if row["threshold"] == float("inf") else f"{row['threshold']:.3f}"
        assert f"| {threshold} |" in line and f"| {row['coverage']:.3f} |" in line
    assert "**priority**" in sec and "within-one-level accuracy" in sec


def test_encoder_intended_use_and_known_limits(saved):
    _, _, card = saved
    assert "`hash`" in _section(card, "Encoder") and "dim 256" in _section(card, "Encoder")
    assert "helpdesk" in _section(card, "Intended use")
    limits = _section(card, "Known limits")
    assert "out of scope" in limits and "Retrain" in limits


@pytest.fixture(scope="module")
def resaved(saved, tmp_path_factory):
    _, path, _ = saved
    again = cxml.load(path).save(tmp_path_factory.mktemp("card") / "again")
    return (again / "README.md").read_text(encoding="utf-8")


def test_card_survives_a_load_save_round_trip(saved, resaved):
    _, _, card = saved
    for title in ("Training data", "Encoder", "Intended use", "Known limits"):
        assert _section(resaved, title) == _section(card, title)


def test_evaluation_section_survives_a_load_save_round_trip(saved, resaved):
    _, _, card = saved
    assert _section(resaved, "Cross-validated evaluation") == _section(card, "Cross-validated evaluation")


def test_counts_are_printed_as_integers(saved, data):
    _, _, card = saved
    sec = _section(card, "Cross-validated evaluation")
    n = int(data["reason"].value_counts()["order_status"])
    line = next(ln for ln in sec.splitlines() if ln.startswith("| order_status |"))
    assert line.rstrip().endswith(f"| {n} |")


def test_no_nan_in_card(saved):
    _, _, card = saved  # priority on small data is never applied automatically: no "precision nan"
    assert not re.search(r"\bnan\b", card.lower())
