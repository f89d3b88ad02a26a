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
