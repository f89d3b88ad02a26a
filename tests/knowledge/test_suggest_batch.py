"""The batch path of suggestion (``suggest_many``) gives what one ``suggest`` call per query gives."""

from __future__ import annotations

import pandas as pd
import pytest

from cxml.knowledge import KnowledgeBase


@pytest.mark.parametrize(("language_map", "filters", "batch_size"), [
    ("centre", None, 256),
    ("linear", None, 7),
    ("centre", {"language": "fi"}, 16),
])
def test_suggest_many_equals_one_suggest_per_query(webshop, language_map, filters, batch_size):
    """A bilingual base with resolved and dismissed feedback tickets: same rows, scores and order."""
    kb = KnowledgeBase(encoder="hash", language_map=language_map).add(webshop.articles)
    past = webshop.tickets.iloc[:300]
    dismissed = past.loc[past["resolving_article_id"].notna()].iloc[:20]
    dismissed = pd.DataFrame({"text": dismissed["subject"] + " " + dismissed["body"],
                              "article_id": dismissed["resolving_article_id"].to_numpy()[::-1]})
    kb.fit_feedback(past, dismissed=dismissed)
    assert kb.ranker_ is not None and set(kb.languages_) == {"en", "fi"}
    queries = webshop.tickets.iloc[300:340][["subject", "body", "language"]]
    assert queries["language"].nunique() == 2
    many = kb.suggest_many(queries, k=3, gate="agent", filters=filters, batch_size=batch_size)
    singles = []
    for label, row in queries.iterrows():
        one = kb.suggest(row.to_dict(), k=3, gate="agent", filters=filters)
        singles.append(one.assign(query=label))
    expected = pd.concat(singles, ignore_index=True).astype({"query": object})
    assert len(many) == len(expected) > 40
    pd.testing.assert_frame_equal(many, expected, check_exact=True)
    strict = kb.suggest_many(queries, k=2, filters=filters, batch_size=batch_size)
    shown = [label for label, row in queries.iterrows()
             if len(kb.suggest(row.to_dict(), k=2, filters=filters))]
    assert sorted(set(strict["query"])) == sorted(shown)
    assert set(strict.attrs["no_good_article"]) == set(queries.index) - set(shown)
