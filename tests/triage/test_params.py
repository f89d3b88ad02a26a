"""Shared constructor parameters: declared once on TicketClassifier, derived by PriorityClassifier and Triage."""

from __future__ import annotations

import inspect

import pytest
from sklearn.base import clone

from cxml.triage import PRIORITY_LEVELS, PriorityClassifier, TicketClassifier, Triage
from cxml.triage.params import derived_init


def _params(cls):
    return {n: p for n, p in inspect.signature(cls).parameters.items()}


def test_triage_takes_every_shared_classifier_parameter():
    base, tri = _params(TicketClassifier), _params(Triage)
    assert list(tri)[0] == "targets"
    assert set(base) - set(tri) == {"cost_matrix", "top_threshold"}
    for name in set(base) & set(tri):
        if name != "ordinal":
            assert tri[name].default == base[name].default, name
    assert tri["ordinal"].default == "auto"
    assert _params(PriorityClassifier)["ordinal"].default == PRIORITY_LEVELS
    assert list(_params(PriorityClassifier)) == list(base)


def test_triage_estimator_contract():
    model = Triage(("reason",), encoder="hash", C=2.0, cv=3, clean_text=False)
    assert model.targets == ("reason",) and model.C == 2.0 and model.cv == 3 and model.clean_text is False
    params = model.get_params()
    assert params["encoder"] == "hash" and params["random_state"] == 0
    copy = clone(model)
    assert copy.get_params() == params and copy is not model
    assert model.set_params(min_confidence=0.5) is model and model.min_confidence == 0.5
    with pytest.raises(TypeError):
        Triage(("reason",), bogus=1)
    with pytest.raises(TypeError):
        Triage(("reason",), "hash")  # shared parameters are keyword-only, as on TicketClassifier


def test_heads_receive_every_shared_parameter():
    model = Triage(("reason",), encoder="hash", features="tfidf", C=3.0, calibration="sigmoid", cv=4,
                   min_confidence=0.2, out_of_scope=0.05, unknown_language=False, scrub_pii=False,
                   clean_text=False, random_state=7)
    head = model._head("reason", None, ["channel"])
    shared = {n for n in _params(Triage) if n in _params(TicketClassifier)} - {"ordinal", "context_columns"}
    for name in shared:
        assert getattr(head, name) == getattr(model, name), name
    assert head.context_columns == ["channel"] and head.ordinal is None
    priority = model._head("priority", list(PRIORITY_LEVELS), [])
    assert isinstance(priority, PriorityClassifier) and priority.cost_matrix == "ordinal"


def test_derived_init_refuses_unknown_names():
    with pytest.raises(TypeError, match="not parameters"):
        derived_init(TicketClassifier.__init__, drop=("no_such_parameter",))
