"""Triage: several targets from one ticket table, one embedding pass, chained priority, artifacts."""

from __future__ import annotations

import pandas as pd
import pytest

import cxml
from cxml.schema import ticket_batch
from cxml.triage import PriorityClassifier, Triage
from cxml.triage.out_of_scope import short_forms


# --------------------------------------------------------------------------- Triage
class _CountingEncoder:
    def __init__(self, inner):
        self.inner = inner
        self.name, self.spec, self.dim = inner.name, inner.spec, inner.dim
        self.calls, self.texts = 0, 0

    def encode(self, texts, *, role="query", show_progress_bar=None):
        self.calls += 1
        self.texts += len(texts)
        return self.inner.encode(texts, role=role, show_progress_bar=show_progress_bar)


def test_triage_embeds_each_ticket_once(split, monkeypatch):
    train, test = split
    real_load = cxml.encoders.load
    counters: list[_CountingEncoder] = []

    def load(spec, **kwargs):
        enc = _CountingEncoder(real_load(spec, **kwargs))
        counters.append(enc)
        return enc

    monkeypatch.setattr(cxml.encoders, "load", load)
    model = Triage(targets=("reason", "priority", "team"), encoder="hash").fit(train)
    assert sum(c.calls for c in counters) == 1
    assert sum(c.texts for c in counters) == len(train)
    model.predict(test)
    assert sum(c.calls for c in counters) == 2
    assert sum(c.texts for c in counters) == len(train) + len(test)
    # with the out-of-scope length calibration: one more pass, over the training tickets' short forms
    # (subjects, first sentences), shared by the three heads
    counters.clear()
    Triage(targets=("reason", "priority", "team"), encoder="hash", oos_by_length=True, head_search=False).fit(train)
    forms = {f for text in ticket_batch(train).texts for f in short_forms(text)}
    assert len(forms) > len(train) // 2
    assert sum(c.calls for c in counters) == 2
    assert sum(c.texts for c in counters) == len(train) + len(forms)


def test_triage_predict_columns_and_index(triage, split):
    _, test = split
    test = test.set_index(pd.Index([f"x{i}" for i in range(len(test))]))
    out = triage.predict(test)
    assert list(out.index) == list(test.index)
    for t in ("reason", "priority", "team"):
        for suffix in ("", "_confidence", "_action", "_abstain_reason"):
            assert f"{t}{suffix}" in out.columns
    assert (out["reason"] == test["reason"]).mean() > 0.8
    assert triage.decide(test).equals(out)
    assert triage.chained_["priority"] == ["reason"]
    assert isinstance(triage.estimators_["priority"], PriorityClassifier)
    proba = triage.predict_proba(test, "team")
    assert list(proba.columns) == list(triage.estimators_["team"].classes_)
    cov = triage.coverage_report()
    assert set(cov.index.get_level_values("target")) == {"reason", "priority", "team"}


def test_triage_save_load_round_trip(triage, split, tmp_path):
    _, test = split
    path = triage.save(tmp_path / "model")
    manifest = cxml.persistence.read_manifest(path)
    assert manifest["kind"] == "triage"
    assert manifest["encoder"]["spec"] == "hash" and manifest["encoder"]["dim"] == 256
    assert set(manifest["classes"]) == {"reason", "priority", "team"}
    card = (path / "README.md").read_text()
    for section in ("Training data", "Cross-validated evaluation", "Encoder", "Known limits"):
        assert f"## {section}" in card
    assert "2025" in card  # date range of the demo data
    loaded = cxml.load(path)
    assert isinstance(loaded, Triage)
    pd.testing.assert_frame_equal(loaded.predict(test), triage.predict(test))
    assert Triage.load(path).encoder_spec_ == "hash"




def test_predict_records_are_the_predict_frames_records(triage, split):
    _, test = split
    frame = triage.predict(test)
    records = triage.predict_records(test)
    assert records == frame.to_dict("records")
    assert [list(r) for r in records] == [list(frame.columns)] * len(test)
    assert all(type(r["reason_confidence"]) is float for r in records)


def test_ticket_records_are_triaged_as_their_dataframe(triage, split):
    """Dicts (a service's JSON records) get the decisions their DataFrame gets, a few at a time (the lean path,
    whose frame is never built) or many (the general one)."""
    _, test = split
    fields = [c for c in ("subject", "body", "language", "channel") if c in test.columns]
    frame = test[fields].reset_index(drop=True).astype(object)
    records = frame.to_dict("records")
    want = triage.predict_records(frame)
    few = [row for i in range(0, len(records), 4) for row in triage.predict_records(records[i:i + 4])]
    for got in (few, triage.predict_records(records)):
        assert [list(r) for r in got] == [list(r) for r in want]
        for g, w in zip(got, want, strict=True):
            assert {k: v for k, v in g.items() if not k.endswith(("_confidence", "_top3"))} == \
                {k: v for k, v in w.items() if not k.endswith(("_confidence", "_top3"))}
            for k in g:
                if k.endswith("_confidence"):
                    assert g[k] == pytest.approx(w[k], rel=1e-9, abs=1e-12)


def test_triage_decisions_are_each_heads_own(triage, split):
    """The shared path (one featurizer pass, columns built once) decides as the reason head does alone."""
    _, test = split
    out = triage.predict(test)
    alone = triage.estimators_["reason"].decide(test)
    for col in ("label", "confidence", "action", "abstain_reason", "top3"):
        mine = out["reason" if col == "label" else f"reason_{col}"]
        assert mine.tolist() == alone[col].tolist(), col
        assert mine.dtype == alone[col].dtype


def test_class_weight_for_every_target_or_per_target(split):
    train, _ = split
    both = Triage(targets=("reason", "priority"), encoder="hash", features="tfidf", class_weight="balanced").fit(train)
    assert {t: e.class_weight for t, e in both.estimators_.items()} == {"reason": "balanced", "priority": "balanced"}
    one = Triage(targets=("reason", "priority"), encoder="hash", features="tfidf",
                 class_weight={"priority": "balanced"}).fit(train)
    assert {t: e.class_weight for t, e in one.estimators_.items()} == {"reason": None, "priority": "balanced"}
    with pytest.raises(ValueError, match=r"class_weight is keyed by target.*\['team'\]"):
        Triage(targets=("reason", "priority"), encoder="hash", features="tfidf",
               class_weight={"team": "balanced"}).fit(train)
