"""History: past tickets, macros, the feedback ranker and dismissals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxml.knowledge import KnowledgeBase, NotFittedError


def test_similar_tickets_and_macros(kb: KnowledgeBase):
    tickets = pd.DataFrame({
        "text": ["Kortti hylättiin E-402", "card declined E-402 again", "parcel lost", "palautus ohje"],
        "resolving_article_id": ["pay-fi", "pay-en", "del-en", None],
        "answer": ["Kokeile toista korttia", "Try another card", "Tracking link", "Palautusohje"],
        "reason": ["payments", "payments", "delivery", "returns"],
        "macro": ["Card declined", "Card declined", "Tracking", None]})
    with pytest.raises(NotFittedError, match="fit_feedback"):
        kb.similar_tickets("x")
    kb.add_tickets(tickets)
    sim = kb.similar_tickets("my card was declined E-402", k=2)
    assert list(sim.columns) == ["rank", "ticket_id", "text", "answer", "reason", "macro", "article_id", "score"]
    assert set(sim["reason"]) == {"payments"}
    mac = kb.suggest_macros("card declined E-402", k=3)
    assert mac["macro"].iloc[0] == "Card declined" and mac["score"].iloc[0] > 0.5
    assert len(mac) <= 3 and mac["score"].is_monotonic_decreasing


def _top1(kb: KnowledgeBase, tickets: pd.DataFrame) -> float:
    res = kb.suggest_many(tickets, k=1, min_score=0)
    gid = kb.articles_.set_index("id")["group_id"]
    gold = tickets["resolving_article_id"].map(gid)
    got = res.set_index("query")["group_id"].reindex(tickets.index)
    return float((got == gold).mean())


def test_fit_feedback_raises_top1_on_held_out(webshop):
    from cxml.datasets import make_webshop

    test = make_webshop(n_tickets=300, seed=1).tickets
    test = test[test["resolving_article_id"].notna()]
    kb = KnowledgeBase(encoder="hash").add(webshop.articles)
    before = _top1(kb, test)
    kb.fit_feedback(webshop.tickets)
    after = _top1(kb, test)
    assert after > before + 0.03, (before, after)
    assert kb.ranker_ is not None and 0 < kb.threshold_ < 1


def test_dismissals_down_weight(kb: KnowledgeBase):
    q = "Where is my parcel tracking"
    tickets = pd.DataFrame({"id": [f"T{i}" for i in range(8)],
                            "text": [q] * 4 + ["E-402 card declined"] * 4,
                            "resolving_article_id": ["del-en"] * 4 + ["pay-en"] * 4})
    kb.fit_feedback(tickets)
    s_before = kb.suggest(q, min_score=0)
    dismissed = pd.DataFrame({"text": [q] * 6, "article_id": ["del-en"] * 6})
    kb.fit_feedback(tickets, dismissed=dismissed)
    s_after = kb.suggest(q, min_score=0)
    score = lambda s: float(s.set_index("group_id").at["del", "score"])  # noqa: E731
    assert score(s_after) <= score(s_before)


def test_ranker_of_an_older_artifact_reads_only_its_own_features():
    """A ranker stored before the ``foreign`` feature (nine features) still scores candidates."""
    from cxml.knowledge import history

    f = {"sim": np.array([0.5, 0.2]), "lex": np.array([1.0, 0.0]), "code": np.zeros(2), "t_sim": np.array([0.4, 0.1]),
         "vote": np.array([0.6, 0.0]), "dismiss": np.zeros(2), "foreign": np.array([0.0, 1.0])}
    calib = {"sim_mu": 0.0, "sim_sd": 1.0, "lex_mu": 0.0, "lex_sd": 1.0}
    old_names = [n for n in history.RANKER_FEATURES[:10] if n != "foreign"]
    old = {"features": old_names, "coef": [1.0] * 9, "intercept": 0.0, "mean": [0.0] * 9, "scale": [1.0] * 9}
    ten = history.RANKER_FEATURES[:10]  # stored before the rank features
    new = {**old, "features": ten, "coef": [1.0] * 9 + [-5.0], "mean": [0.0] * 10, "scale": [1.0] * 10}
    assert np.allclose(history.ranker_logit(f, old, calib), history.ranker_logit(f, new, calib) - [0.0, -5.0])
    n = len(history.RANKER_FEATURES)
    ranks = {**new, "features": history.RANKER_FEATURES, "coef": [0.0] * 10 + [1.0] * (n - 10), "mean": [0.0] * n,
             "scale": [1.0] * n}
    # candidate 0 leads on dense, lexical and answered-ticket similarity (and only it was voted for)
    assert np.allclose(history.ranker_logit(f, ranks, calib), [3.0, 0.5 + 0.5 + 0.0])

