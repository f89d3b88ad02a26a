"""Head search: feature blocks, embedding weight and C chosen by CV on the training folds, within a budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxml
from cxml.triage import TicketClassifier, Triage
from cxml.triage.head_search import (
    AUTO_BUDGET_S,
    AUTO_MAX_PER_CLASS,
    DEFAULT_BUDGET_S,
    HeadLayout,
    search_budget,
)


def test_head_search_picks_the_best_cv_layout_and_records_it(text_data, tmp_path):
    X, y, Xt, yt = text_data
    clf = TicketClassifier(encoder="hash", head_search=600.0).fit(X, y)
    layout = clf.head_layout_
    assert layout.tried == len(layout.grid) > 10  # the budget is large enough for the whole grid
    assert layout.cv_accuracy >= layout.default_cv_accuracy
    assert layout.blocks in ("all", "embedding", "tfidf") and layout.linear in ("svm", "logreg")
    assert layout.label in layout.grid and len(set(layout.grid)) == len(layout.grid)
    default = TicketClassifier(encoder="hash", head_search=False).fit(X, y)
    assert default.head_layout_.tried == 0 and default.head_layout_.blocks == "all"
    # the default layout's CV accuracy is the one the default classifier's own folds give (same folds,
    # same SVM; temperature scaling keeps the argmax)
    assert layout.default_cv_accuracy == pytest.approx(np.mean(default.cv_pred_labels_ == y), abs=1e-12)
    path = clf.save(tmp_path / "clf")
    card = (path / "README.md").read_text()
    assert "Head chosen by cross-validation" in card and f"C {layout.C:g}" in card
    assert {"svm": "linear SVM", "logreg": "logistic regression"}[layout.linear] in card
    loaded = cxml.load(path)
    assert loaded.head_layout_ == layout
    np.testing.assert_allclose(loaded.predict_proba(Xt), clf.predict_proba(Xt))


def test_head_search_budget_and_fixed_c(text_data):
    X, y, _, _ = text_data
    clf = TicketClassifier(encoder="hash", head_search=1e-9, C=1.0).fit(X, y)
    assert clf.head_layout_.tried == 1  # the default is always evaluated, then the budget is spent
    assert all(item.endswith("C1") and "/svm/" in item for item in clf.head_layout_.grid)
    for bad in (-1, 0, "always"):
        with pytest.raises(ValueError, match="head_search"):
            TicketClassifier(encoder="hash", head_search=bad).fit(X, y)


def test_triage_forwards_head_search(split):
    train, test = split
    model = Triage(("reason",), encoder="hash", head_search=600.0).fit(train)
    assert model.estimators_["reason"].head_layout_.tried > 1
    assert isinstance(model.predict(test), pd.DataFrame)


def test_search_budget_auto_searches_small_training_sets_only():
    assert search_budget("auto", np.array([AUTO_MAX_PER_CLASS - 1, AUTO_MAX_PER_CLASS])) == AUTO_BUDGET_S
    assert search_budget("auto", np.array([AUTO_MAX_PER_CLASS, AUTO_MAX_PER_CLASS])) is None
    assert search_budget(True, np.array([5, 5])) == DEFAULT_BUDGET_S
    assert search_budget(False, np.array([5, 5])) is None
    assert search_budget(7.5, np.array([500, 500])) == 7.5


def test_auto_is_the_default_and_searches_on_few_examples_per_class(text_data):
    X, y, _, _ = text_data
    frame = pd.DataFrame({"text": X, "y": y})
    small = frame.groupby("y", group_keys=False).head(6)
    clf = TicketClassifier(encoder="hash").fit(small["text"].tolist(), small["y"].to_numpy())
    assert clf.head_search == "auto" and clf.head_layout_.tried >= 1
    assert clf.head_layout_.budget_s == AUTO_BUDGET_S
    assert TicketClassifier(encoder="hash", calibration=None).fit(
        small["text"].tolist(), small["y"].to_numpy()).head_layout_.tried == 0  # the SVM grid's C: not for logreg


def test_a_logistic_layout_is_fitted_saved_and_loaded(text_data, tmp_path, monkeypatch):
    """The plumbing of a logistic-regression layout, whichever layout a real search would pick."""
    from sklearn.linear_model import LogisticRegression

    import cxml.triage.classifier as classifier_module

    X, y, Xt, _ = text_data
    chosen = HeadLayout(blocks="embedding", linear="logreg", C=10.0, cv_accuracy=0.5, default_cv_accuracy=0.5, tried=1,
                        budget_s=1.0, grid=["embedding/logreg/w1/C10"])
    monkeypatch.setattr(classifier_module, "search_head", lambda *a, **k: chosen)
    clf = TicketClassifier(encoder="hash", head_search=True).fit(X, y)
    assert isinstance(clf.head_, LogisticRegression) and clf.head_.C == 10.0
    assert clf.head_dim_ == clf.featurizer_.encoder_dim_  # the embedding block alone
    P = clf.predict_proba(Xt)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    loaded = cxml.load(clf.save(tmp_path / "clf"))
    assert loaded.head_layout_ == chosen
    np.testing.assert_allclose(loaded.predict_proba(Xt), P)
