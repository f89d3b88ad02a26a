"""Cross-lingual maps: a query moved into another language's region of the embedding space."""

from __future__ import annotations

import numpy as np
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


@pytest.mark.slow
def test_real_encoder_finnish_ticket_finds_english_only_article():
    """e5: with the card article in English only, a Finnish ticket about a declined card finds it first."""
    from kb_data import ARTICLES

    from cxml.knowledge import KnowledgeBase

    arts = [a for a in ARTICLES if a["id"] != "pay-fi"]
    shifted = KnowledgeBase(encoder="auto").add(arts)
    assert shifted.encoder_spec_ == "e5-small" and shifted.language_map == "shift"
    res = shifted.suggest("Korttimaksuni hylättiin kassalla, mitä voin tehdä?", k=3, gate="agent")
    assert res["group_id"].iloc[0] == "pay" and res["language"].iloc[0] == "en"
    gap = res["score"].iloc[0] - res["score"].iloc[1]
    raw = KnowledgeBase(encoder="auto", language_map="none").add(arts)
    before = raw.suggest("Korttimaksuni hylättiin kassalla, mitä voin tehdä?", k=3, gate="agent")
    sim_gap = lambda r: float(r.set_index("group_id").at["pay", "similarity"]  # noqa: E731
                              - r.loc[r["group_id"] != "pay", "similarity"].max())
    assert sim_gap(res) > sim_gap(before) + 0.01 and gap > 0.05  # the map moves the English article up, clearly
