"""Knowledge gaps: unanswered tickets clustered into topics."""

from __future__ import annotations

import pandas as pd

from cxml.knowledge import KnowledgeBase


def test_gap_report_finds_missing_topic(webshop):
    arts = webshop.articles
    gone = arts["reason"].iloc[0]  # drop every article of one reason: its tickets become a gap
    kb = KnowledgeBase(encoder="hash").add(arts[arts["reason"] != gone])
    kb.fit_feedback(webshop.tickets.iloc[:300])
    test = webshop.tickets.iloc[300:]
    rep = kb.gap_report(test, n_topics=4)
    assert list(rep.columns) == ["topic", "volume", "share", "keywords", "examples", "top_reason"]
    assert rep["volume"].is_monotonic_decreasing and rep["volume"].sum() == rep.attrs["n_unanswered"]
    assert 0 < rep.attrs["n_unanswered"] < len(test)
    assert all(isinstance(k, list) and k for k in rep["keywords"])
    rep2 = kb.gap_report(test, n_topics=4)
    pd.testing.assert_frame_equal(rep, rep2)  # deterministic
    # the missing reason is over-represented among unanswered tickets
    share_gap = rep.loc[rep["top_reason"] == gone, "volume"].sum() / rep["volume"].sum()
    assert share_gap > (test["reason"] == gone).mean()
