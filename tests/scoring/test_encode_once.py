"""Encode once, by design: every head and the knowledge index read one scrubbed embedding per ticket.

A counting encoder records each text that reaches ``encode``; the process-wide embedding cache is bypassed (a
fresh, empty cache for every call), so the count is what the code asks for, not what a cache happens to save.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from cxml.bundle import HelpdeskModel
from cxml.encoders import EmbeddingCache, HashingEncoder
from cxml.knowledge import KnowledgeBase
from cxml.scoring import Scorer
from cxml.triage import Triage

PII = ("ilmari.kyyronen@example.fi", "+358 40 765 4321", "4111 1111 1111 1111", "FI21 1234 5600 0007 85")


@pytest.fixture(scope="module")
def model(webshop_small) -> HelpdeskModel:
    tickets = webshop_small.tickets.iloc[:400]
    triage = Triage(targets=("reason", "priority"), encoder="hash", features="hybrid", cv=3).fit(tickets)
    kb = KnowledgeBase(encoder="hash").add(webshop_small.articles).fit_feedback(tickets)
    return HelpdeskModel(triage=triage, knowledge=kb)


@pytest.fixture()
def counted(monkeypatch) -> Counter:
    """Every text handed to a hashing encoder, counted; no cache between calls."""
    seen: Counter = Counter()
    real = HashingEncoder.encode

    def counting(self, texts, *, role="query", show_progress_bar=None):
        texts = list(texts)
        seen.update((role, t) for t in texts)
        self.cache = EmbeddingCache()  # a fresh, empty cache: nothing is saved by caching
        return real(self, texts, role=role, show_progress_bar=show_progress_bar)

    monkeypatch.setattr(HashingEncoder, "encode", counting)
    return seen


@pytest.fixture()
def tickets_with_pii(webshop_small) -> pd.DataFrame:
    new = webshop_small.tickets.iloc[400:460].copy()
    for i, secret in enumerate(PII * 15):
        new.iloc[i, new.columns.get_loc("body")] += f" Reach me at {secret}."
    return new


def _query_counts(seen: Counter) -> Counter:
    return Counter({text: n for (role, text), n in seen.items() if role == "query"})


def test_scorer_embeds_each_ticket_once_for_triage_and_knowledge(model, counted, tickets_with_pii) -> None:
    out = Scorer(model, k_articles=2)(tickets_with_pii)
    assert out["error"].isna().all() and out["article_id_1"].notna().any()
    per_text = _query_counts(counted)
    n_unique = tickets_with_pii.assign(t=tickets_with_pii["subject"] + tickets_with_pii["body"])["t"].nunique()
    assert sum(per_text.values()) == n_unique == len(per_text)  # one encode per ticket, for all heads and the KB
    assert set(per_text.values()) == {1}
    leaked = [s for s in PII for text in per_text if s in text]
    assert not leaked, f"raw personal data reached the encoder: {leaked[:3]}"


def test_helpdesk_model_score_embeds_each_ticket_once(model, counted, tickets_with_pii) -> None:
    scored = model.score(tickets_with_pii)
    assert list(scored["reason"].notna()) == [True] * len(tickets_with_pii)
    assert set(_query_counts(counted).values()) == {1}
    # the same decisions as triage alone, and the same article as the knowledge base asked directly
    alone = model.triage.predict(tickets_with_pii)
    np.testing.assert_array_equal(scored["reason"].to_numpy(dtype=object), alone["reason"].to_numpy(dtype=object))
    direct = model.knowledge.suggest_many(tickets_with_pii, k=1)
    first = direct.drop_duplicates("query").set_index("query")["article_id"].astype(str)
    has = scored["article_id"].notna().to_numpy()
    assert scored.loc[has, "article_id"].tolist() == first.reindex(tickets_with_pii.index[has]).tolist()


def test_knowledge_base_never_searches_raw_personal_data(model, counted) -> None:
    model.knowledge.suggest_many([f"Card payment failed, my card is {PII[2]}, mail {PII[0]}"], k=1)
    texts = [t for (_, t) in counted]
    assert texts and not any(PII[2] in t or PII[0] in t for t in texts)
