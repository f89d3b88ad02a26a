"""Cross-lingual maps: a query moved into another language's region of the embedding space."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxml.knowledge import crosslingual


def _bilingual(n_groups: int = 40, dim: int = 16, seed: int = 0):
    """Topic vectors plus a language offset (and, in Finnish, a fixed rotation): like a multilingual encoder."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(n_groups, dim))
    rot, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    offset = {"en": rng.normal(0, 2, dim), "fi": rng.normal(0, 2, dim)}
    en = topics + offset["en"]
    fi = topics @ (0.7 * np.eye(dim) + 0.3 * rot) + offset["fi"]
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    return unit(fi), unit(en)


def _accuracy(q: np.ndarray, docs: np.ndarray) -> float:
    return float(np.mean(np.argmax(q @ docs.T, axis=1) == np.arange(len(q))))


def test_maps_bring_finnish_queries_to_their_english_article():
    fi, en = _bilingual()
    vectors = np.vstack([fi, en])
    langs = ["fi"] * len(fi) + ["en"] * len(en)
    groups = list(range(len(fi))) * 2
    shift = crosslingual.fit_language_maps(vectors, langs, groups, "shift")
    linear = crosslingual.fit_language_maps(vectors, langs, groups, "linear")
    assert set(shift) == {("fi", "en"), ("en", "fi")} and shift[("fi", "en")]["matrix"] is None
    assert linear[("fi", "en")]["matrix"] is not None and linear[("fi", "en")]["pairs"] == len(fi)
    fresh_fi, fresh_en = _bilingual(seed=0)
    raw = _accuracy(fresh_fi, fresh_en)
    shifted = _accuracy(crosslingual.map_queries(fresh_fi, shift[("fi", "en")]), fresh_en)
    mapped = _accuracy(crosslingual.map_queries(fresh_fi, linear[("fi", "en")]), fresh_en)
    assert shifted >= raw and mapped >= shifted and mapped > 0.9
    assert np.allclose(np.linalg.norm(crosslingual.map_queries(fresh_fi, shift[("fi", "en")]), axis=1), 1.0,
                       atol=1e-5)


def test_no_maps_for_one_language_or_none():
    fi, en = _bilingual(5)
    assert crosslingual.fit_language_maps(fi, ["fi"] * 5, range(5), "linear") == {}
    assert crosslingual.fit_language_maps(np.vstack([fi, en]), ["fi"] * 5 + ["en"] * 5, list(range(5)) * 2,
                                          "none") == {}
    few = crosslingual.fit_language_maps(np.vstack([fi, en]), ["fi"] * 5 + ["en"] * 5,
                                         list(range(5)) + list(range(10, 15)), "linear")
    assert few[("fi", "en")]["matrix"] is None and few[("fi", "en")]["pairs"] == 0  # no pairs: the shift
    with pytest.raises(ValueError, match="language_map must be one of"):
        crosslingual.fit_language_maps(fi, ["fi"] * 5, range(5), "magic")


def test_centres_remove_the_language_bias():
    fi, en = _bilingual()
    vectors = np.vstack([fi, en])
    langs = ["fi"] * len(fi) + ["en"] * len(en)
    means = crosslingual.fit_language_centres(vectors, langs, vectors, langs)
    assert set(means) == {"passage", "query"} and {"fi", "en", ""} <= set(means["passage"])
    fresh_fi, fresh_en = _bilingual(seed=0)
    raw = _accuracy(fresh_fi, fresh_en)
    c_fi = crosslingual.centre(fresh_fi, ["fi"] * len(fresh_fi), means["query"])
    c_en = crosslingual.centre(fresh_en, ["en"] * len(fresh_en), means["passage"])
    assert _accuracy(c_fi, c_en) > max(raw, 0.5)
    assert np.allclose(np.linalg.norm(c_fi, axis=1), 1.0, atol=1e-5)
    # an unknown language (or one too rare for its own mean) loses the mean of all texts
    unknown = crosslingual.centre(fresh_fi[:2], [None, "sv"], means["query"])
    expected = fresh_fi[:2] - means["query"][""]
    assert np.allclose(unknown, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)


def test_no_centres_for_one_language_or_too_few_texts():
    fi, en = _bilingual(5)
    assert crosslingual.fit_language_centres(fi, ["fi"] * 5, fi, ["fi"] * 5) == {}
    both = np.vstack([fi, en])
    langs = ["fi"] * 5 + ["en"] * 5
    assert crosslingual.fit_language_centres(both, langs, both, langs) == {}  # 5 passages each: noise
    assert set(crosslingual.fit_language_centres(both, langs, both, langs, min_count=5)) == {"passage", "query"}
    assert crosslingual.fit_language_maps(fi, ["fi"] * 5, range(5), "centre") == {}


def test_a_feedback_map_learns_a_rotation_between_two_languages():
    """Two languages whose vectors differ by a rotation: the ridge map from aligned pairs undoes it, so that a
    moved query of one language lands on its counterpart in the other."""
    from cxml.knowledge import crosslingual as xl

    rng = np.random.default_rng(0)
    d = 8
    rot, _ = np.linalg.qr(rng.normal(size=(d, d)))
    x = rng.normal(size=(200, d))
    y = x @ rot
    m = xl.fit_feedback_map(x, y, ridge=1e-3)
    q = rng.normal(size=(5, d))
    moved = xl.apply_map(q, m)
    target = (q @ rot) / np.linalg.norm(q @ rot, axis=1, keepdims=True)
    assert np.allclose(moved, target, atol=1e-3)
    assert xl.fit_feedback_map(x[:5], y[:5]) is None  # too few pairs


def test_feedback_map_pairs_link_tickets_to_the_other_version_and_translations_to_each_other():
    from cxml.knowledge import crosslingual as xl

    d = 4
    titles = np.eye(d)[[0, 1, 2]]  # articles: g0 fi, g0 en, g1 en
    passages = np.eye(d)[[0, 1, 2, 3]]  # g0-fi: p0; g0-en: p1, p2; g1-en: p3
    art_passages = [np.array([0]), np.array([1, 2]), np.array([3])]
    tickets = np.eye(d)[[3, 0]]
    x, y = xl.feedback_map_pairs(titles, ["fi", "en", "en"], np.array([0, 0, 1]), passages, art_passages, tickets,
                                 ["fi", "fi"], np.array([1, 0]), "fi", "en")
    # ticket 0 (g1) -> g1-en's passage; ticket 1 (g0) -> g0-en's mean passage; title g0 fi -> en; passage p0 -> p1
    assert len(x) == 4
    assert np.allclose(y[0], passages[3]) and np.allclose(y[1], (passages[1] + passages[2]) / np.sqrt(2))
    assert np.allclose(x[2], titles[0]) and np.allclose(y[2], titles[1])
    assert np.allclose(x[3], passages[0]) and np.allclose(y[3], passages[1])


def test_language_map_feedback_lets_finnish_tickets_find_english_only_articles():
    """After feedback that links Finnish tickets to the English article, ``language_map="feedback"`` finds it for a
    new Finnish ticket; ``"centre"`` is unchanged by the option (no map)."""
    from kb_data import ARTICLES

    from cxml.knowledge import KnowledgeBase

    arts = [a for a in ARTICLES if a["id"] != "pay-fi"] + [
        {"id": f"x{i}-{lang}", "group_id": f"x{i}", "language": lang, "title": f"{t} {i}", "body": f"{b} {i}"}
        for i in range(12) for lang, t, b in (("fi", "Ohje aiheesta", "Lue ohje numero"),
                                             ("en", "Guide on topic", "Read guide number"))]
    tickets = pd.DataFrame({"id": [f"T{i}" for i in range(30)], "language": "fi",
                            "text": ["Korttimaksu hylättiin kassalla"] * 10 + ["Palautan tuotteen"] * 10
                            + ["Missä pakettini on"] * 10,
                            "resolving_article_id": ["pay-en"] * 10 + ["ret-fi"] * 10 + ["del-en"] * 10})
    kb = KnowledgeBase(encoder="hash", language_map="feedback").add(arts).fit_feedback(tickets)
    assert ("fi", "en") in kb._lang_fb_maps and not kb._fb_passages[("fi", "en")][kb._p_lang == "fi"].any()
    got = kb.suggest("Korttimaksu hylättiin", language="fi", min_score=0)
    plain = KnowledgeBase(encoder="hash", language_map="centre").add(arts).fit_feedback(tickets)
    before = plain.suggest("Korttimaksu hylättiin", language="fi", min_score=0)
    assert not plain._lang_fb_maps and got["group_id"].iloc[0] == before["group_id"].iloc[0] == "pay"
    # the English-only article's dense evidence: the moved query is close to it, the centred one is not
    assert got["similarity"].iloc[0] > before["similarity"].iloc[0] + 0.3
