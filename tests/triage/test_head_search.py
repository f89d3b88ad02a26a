"""Head search: feature blocks, embedding weight and C chosen by CV on the training folds, within a budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxml
from cxml.triage import TicketClassifier, Triage


def test_head_search_picks_the_best_cv_layout_and_records_it(text_data, tmp_path):
    X, y, Xt, yt = text_data
    clf = TicketClassifier(encoder="hash", head_search=600.0).fit(X, y)
    layout = clf.head_layout_
    assert layout.tried == len(layout.grid) > 10  # the budget is large enough for the whole grid
    assert layout.cv_accuracy >= layout.default_cv_accuracy
    assert layout.blocks in ("all", "embedding", "tfidf") and layout.C in (0.25, 0.5, 1.0, 2.0)
    default = TicketClassifier(encoder="hash").fit(X, y)
    assert default.head_layout_.tried == 0 and default.head_layout_.blocks == "all"
    # the default layout's CV accuracy is the one the default classifier's own folds give (same folds,
    # same SVM; temperature scaling keeps the argmax)
    assert layout.default_cv_accuracy == pytest.approx(np.mean(default.cv_pred_labels_ == y), abs=1e-12)
    path = clf.save(tmp_path / "clf")
    card = (path / "README.md").read_text()
    assert "Head chosen by cross-validation" in card and f"C {layout.C:g}" in card
    loaded = cxml.load(path)
    assert loaded.head_layout_ == layout
    np.testing.assert_allclose(loaded.predict_proba(Xt), clf.predict_proba(Xt))


def test_head_search_budget_and_fixed_c(text_data):
    X, y, _, _ = text_data
    clf = TicketClassifier(encoder="hash", head_search=1e-9, C=1.0).fit(X, y)
    assert clf.head_layout_.tried == 1  # the default is always evaluated, then the budget is spent
    assert all(item.endswith("C1") for item in clf.head_layout_.grid)
    with pytest.raises(ValueError, match="head_search"):
        TicketClassifier(encoder="hash", head_search=-1).fit(X, y)


def test_triage_forwards_head_search(split):
    train, test = split
    model = Triage(("reason",), encoder="hash", head_search=600.0).fit(train)
    assert model.estimators_["reason"].head_layout_.tried > 1
    assert isinstance(model.predict(test), pd.DataFrame)
