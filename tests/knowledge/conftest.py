"""Fixtures of the knowledge tests: a small bilingual base (hash encoder) and the demo web shop."""

from __future__ import annotations

import pytest
from kb_data import ARTICLES

from cxml.knowledge import KnowledgeBase


@pytest.fixture()
def kb() -> KnowledgeBase:
    return KnowledgeBase(encoder="hash").add(ARTICLES)


@pytest.fixture(scope="module")
def webshop():
    from cxml.datasets import make_webshop

    return make_webshop(n_tickets=500, seed=0)
