"""Fixtures shared by the triage tests: a fitted reason classifier, the demo texts, a fitted Triage."""

from __future__ import annotations

import pytest

import cxml
from cxml.triage import TicketClassifier, Triage


@pytest.fixture(scope="session")
def out_of_scope_texts():
    """Questions unlike any helpdesk ticket, in English and Finnish."""
    return [
    "What is a good recipe for banana bread with walnuts?",
    "How long should I boil an egg for a soft yolk?",
    "Will it rain in Tampere tomorrow afternoon?",
    "What's the weather forecast for the weekend in Lapland?",
    "Mikä on hyvä resepti mustikkapiirakkaan?",
    "Sataako huomenna Helsingissä?",
    "Who won the ice hockey world championship in 2011?",
    "How many moons does Jupiter have?",
]


@pytest.fixture(scope="module")
def reason_clf(split):
    train, _ = split
    return TicketClassifier(encoder="hash", features="hybrid").fit(train, train["reason"])


@pytest.fixture(scope="module")
def text_data(split):
    train, test = split
    tr = cxml.schema.as_tickets(train)
    te = cxml.schema.as_tickets(test)
    return tr["text"].tolist(), tr["reason"].to_numpy(), te["text"].tolist(), te["reason"].to_numpy()


@pytest.fixture(scope="module")
def triage(split):
    train, _ = split
    return Triage(targets=("reason", "priority", "team"), encoder="hash").fit(train)

