"""Group profiles: the mean of the past tickets a group resolved, as ranker evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxml.knowledge import KnowledgeBase, history
from cxml.knowledge.profiles import build_profiles, profile_features


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _reader(vectors: np.ndarray):
    return lambda rows: vectors[rows]


@pytest.fixture
def stored() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"vectors": _unit(rng.normal(size=(7, 5))),
            "groups": np.array([0, 0, 1, 1, 2, -1, 0]),
            "labels": np.array([1, 1, 1, -1, 0, 1, 1]),
            "keys": np.array(["a", "b", "c", "d", "e", "f", "a"], object)}


def test_profile_is_the_cosine_to_the_mean_of_the_resolved_tickets(stored):
    p = build_profiles(_reader(stored["vectors"]), stored["groups"], stored["labels"], stored["keys"], 3, 5)
    q = _unit(np.random.default_rng(1).normal(size=(1, 5)))
    got = profile_features(p, q, [np.array([0, 1, 2])])[0]
    v = stored["vectors"]
    want0 = float(q[0] @ _unit(v[[0, 1, 6]].mean(axis=0)))
    want1 = float(q[0] @ v[2])  # the dismissed ticket (label -1) does not describe group 1
    assert got["profile"][:2] == pytest.approx([want0, want1])
    # group 2's only ticket had no article (label 0): no profile, the query's lowest cosine stands in
    assert got["profile"][2] == pytest.approx(min(want0, want1))
    assert got["profile_gap"] == pytest.approx(got["profile"] - got["profile"].max())
    assert p.counts.tolist() == [3, 1, 0]


def test_a_ticket_left_out_of_its_own_evidence_leaves_its_group_profile(stored):
    p = build_profiles(_reader(stored["vectors"]), stored["groups"], stored["labels"], stored["keys"], 3, 5)
    q = _unit(np.random.default_rng(2).normal(size=(1, 5)))
    got = profile_features(p, q, [np.array([0, 1])], exclude_tickets=["a"])[0]
    # key "a" holds two rows of group 0 (0 and 6): only row 1 is left
    assert got["profile"][0] == pytest.approx(float(q[0] @ stored["vectors"][1]))
    keep = stored["keys"] != "a"
    again = build_profiles(_reader(stored["vectors"][keep]), stored["groups"][keep], stored["labels"][keep],
                           stored["keys"][keep], 3, 5)
    assert got["profile"] == pytest.approx(profile_features(again, q, [np.array([0, 1])])[0]["profile"])


def test_a_simulated_gap_has_no_profile(stored):
    p = build_profiles(_reader(stored["vectors"]), stored["groups"], stored["labels"], stored["keys"], 3, 5)
    q = _unit(np.random.default_rng(3).normal(size=(1, 5)))
    full = profile_features(p, q, [np.array([0, 1])])[0]["profile"]
    gap = profile_features(p, q, [np.array([0, 1])], exclude_groups=[1])[0]["profile"]
    assert gap[0] == pytest.approx(full[0])
    assert gap[1] == pytest.approx(full[0])  # group 1 has no profile now: the query's lowest stands in


def test_no_profile_at_all_gives_zeros():
    p = build_profiles(_reader(np.eye(3)), np.array([-1, -1, -1]), np.array([1, 1, 1]),
                       np.array(["x", "y", "z"], object), 2, 3)
    got = profile_features(p, np.eye(3)[:1], [np.array([0, 1])])[0]
    assert got["profile"].tolist() == [0.0, 0.0]
    assert got["profile_gap"].tolist() == [0.0, 0.0]


def _bilingual_base() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """English-only articles; their Finnish tickets name the English version (as an agent would link it)."""
    arts = pd.DataFrame({"id": ["A1", "A2", "A3"], "group_id": ["card", "parcel", "refund"],
                         "language": ["en", "en", "en"],
                         "title": ["Card payment declined", "Where is my parcel", "Refund times"],
                         "body": ["If your card payment is declined, check the card limit and try again.",
                                  "Track your parcel with the tracking code in the shipping e-mail.",
                                  "Refunds reach your account within five working days."]})
    fi = {"A1": ["kortti hylättiin maksussa", "korttimaksu ei mene läpi", "maksu kortilla epäonnistui taas",
                 "kortillani ei voi maksaa", "kortin maksu hylätty kassalla"],
          "A2": ["missä pakettini on", "paketti ei ole tullut perille", "seurantakoodi ei toimi paketille",
                 "paketin toimitus myöhässä", "pakettia ei kuulu"],
          "A3": ["milloin saan rahat takaisin", "hyvitys ei ole tullut tilille", "palautuksen rahat puuttuvat",
                 "rahojen palautus kestää", "hyvitys myöhässä tilillä"]}
    rows = [{"id": f"{a}-{i}", "text": t, "language": "fi", "resolving_article_id": a}
            for a, texts in fi.items() for i, t in enumerate(texts)]
    past = pd.DataFrame(rows)
    new = pd.DataFrame({"text": ["kortti hylättiin kassalla taas", "paketti ei ole tullut", "rahat takaisin milloin"],
                        "language": "fi"})
    return arts, past, new


def test_the_ranker_reads_the_profile_and_an_older_ranker_still_scores():
    arts, past, new = _bilingual_base()
    kb = KnowledgeBase(encoder="hash", random_state=0).add(arts).fit_feedback(past)
    assert kb.ranker_ is not None
    assert kb.ranker_["features"] == history.RANKER_FEATURES
    assert {"profile", "profile_gap"} <= set(kb.ranker_["features"])
    res = kb.suggest_many(new, k=1, gate="agent")
    assert res.set_index("query")["article_id"].reindex(new.index).tolist() == ["A1", "A2", "A3"]
    # a ranker stored before the profile features names the features it was fitted with and reads only those
    old = dict(kb.ranker_)
    keep = [i for i, n in enumerate(old["features"]) if not n.startswith("profile")]
    for key in ("coef", "mean", "scale"):
        old[key] = [old[key][i] for i in keep]
    old["features"] = [old["features"][i] for i in keep]
    kb.ranker_ = old
    again = kb.suggest_many(new, k=1, gate="agent")
    assert len(again) == len(new)
    assert np.isfinite(again["score"]).all()
