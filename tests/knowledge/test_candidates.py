"""The batched candidate evidence (:mod:`cxml.knowledge.candidates`) equals the one-query-at-a-time reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxml.knowledge import KnowledgeBase, crosslingual


def _base(webshop, feedback: bool, **params) -> KnowledgeBase:
    kb = KnowledgeBase(encoder="hash", **params).add(webshop.articles)
    if feedback:
        past = webshop.tickets.iloc[:300]
        dismissed = past.loc[past["resolving_article_id"].notna()].iloc[:20]
        dismissed = pd.DataFrame({"text": dismissed["subject"] + " " + dismissed["body"],
                                  "article_id": dismissed["resolving_article_id"].to_numpy()[::-1]})
        kb.fit_feedback(past, dismissed=dismissed)
    return kb


def _assert_same(batched: list[dict], reference: list[dict]) -> None:
    assert len(batched) == len(reference)
    for got, want in zip(batched, reference, strict=True):
        assert sorted(got) == sorted(want)
        for key, value in want.items():
            assert got[key].dtype == value.dtype, key
            np.testing.assert_array_equal(got[key], value, strict=True, err_msg=key)


@pytest.mark.parametrize(("feedback", "params", "filters"), [
    (True, {}, None),
    (True, {"language_map": "linear"}, None),
    (True, {}, {"language": "fi"}),
    (False, {"language_map": "none"}, None),
    (False, {"dense_weight": 0.0}, {"language": "en"}),
])
def test_batched_features_equal_per_query(webshop, feedback, params, filters):
    """Every feature array of every query: same dtype, same bits, with filters, exclusions and language maps."""
    kb = _base(webshop, feedback, **params)
    queries = webshop.tickets.iloc[300:360]
    texts = (queries["subject"] + "\n" + queries["body"]).tolist()
    qv = kb._encode_queries(texts)
    langs = queries["language"].tolist()
    allowed = kb._allowed_articles(None, filters)
    rng = np.random.default_rng(0)
    groups = len(kb._group_names)
    settings = [{},
                {"exclude_groups": [int(g) if g % 3 else None for g in rng.integers(0, groups, len(texts))]},
                {"exclude_passages": [int(p) if p % 2 else -1 for p in rng.integers(0, len(kb._p_pid), len(texts))]}]
    if feedback:
        settings.append({"exclude_tickets": list(kb._t_key[:len(texts)])})
    for extra in settings:
        args = {"n_groups": 5, "allowed": allowed, "langs": langs, **extra}
        batched = kb._score_batch(texts, qv, **args)
        assert sum(len(f["group"]) for f in batched) > len(texts)
        _assert_same(batched, kb._score_batch(texts, qv, per_query=True, **args))


def test_small_batches_equal_one_batch(webshop):
    """Queries split into sub-batches (as a very large base does) get the same features."""
    kb = _base(webshop, True)
    queries = webshop.tickets.iloc[300:330]
    texts = (queries["subject"] + "\n" + queries["body"]).tolist()
    qv = kb._encode_queries(texts)
    whole = kb._score_batch(texts, qv, n_groups=3, langs=queries["language"].tolist())
    import cxml.knowledge.base as base

    old = base._BATCH_CELLS
    base._BATCH_CELLS = 7 * len(kb._p_pid)
    try:
        parts = kb._score_batch(texts, qv, n_groups=3, langs=queries["language"].tolist())
    finally:
        base._BATCH_CELLS = old
    _assert_same(parts, whole)


def test_centred_passage_vectors_follow_the_centres(webshop):
    """The cached centred vectors are those of the current centres, bit for bit, also after new feedback."""
    kb = _base(webshop, False)
    rows = np.arange(0, len(kb._p_pid), 3)

    def reference() -> np.ndarray:
        means = kb._lang_centres["passage"]
        return crosslingual.centre(kb._passage_vectors(rows), list(kb._p_lang[rows]), means)

    assert kb._lang_centres
    np.testing.assert_array_equal(kb._compared_vectors(rows), reference(), strict=True)
    before = kb._compared_vectors(rows)
    kb.fit_feedback(webshop.tickets.iloc[:200])  # new query centres: the passage centres are refitted too
    np.testing.assert_array_equal(kb._compared_vectors(rows), reference(), strict=True)
    kb.remove([kb.articles_["id"].iloc[0]])  # passages change: the cache follows
    rows = np.arange(len(kb._p_pid))
    np.testing.assert_array_equal(kb._compared_vectors(rows), reference(), strict=True)
    assert before.shape[1] == kb._compared_vectors(rows).shape[1]
