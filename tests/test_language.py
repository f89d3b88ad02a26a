from __future__ import annotations

import pytest

from cxml.language import detect_language, detect_languages, is_english_only, language_mix


def test_detects_finnish_english_and_swedish():
    assert detect_languages(["Tilaukseni ei ole vieläkään saapunut", "My order has not arrived yet",
                             "Var är mitt paket?"]) == ["fi", "en", "sv"]


def test_too_short_or_non_text_is_none():
    assert detect_language("12345 #") is None
    assert detect_languages([""]) == [None]


def test_language_mix_and_english_only():
    texts = ["Where is my parcel? It has not arrived yet."] * 3 + ["Missä pakettini on? Se ei ole saapunut."]
    mix = language_mix(texts)
    assert mix == {"en": 0.75, "fi": 0.25}
    assert not is_english_only(texts)
    assert is_english_only(texts[:3])


def test_one_text_alone_gets_the_language_it_gets_in_a_batch():
    # one text goes through lingua's single-text call, a batch through its parallel one: the same answers
    texts = ["Tilaukseni ei ole vieläkään saapunut", "My order has not arrived yet", "Var är mitt paket?",
             "Mein Paket ist noch nicht angekommen", "Kiitos! Thanks for the help", "ok", "Moi, where is it?"]
    for min_distance in (0.0, 0.1, 0.5):
        together = detect_languages(texts, min_distance=min_distance)
        assert [detect_languages([t], min_distance=min_distance)[0] for t in texts] == together
    assert detect_languages(["Var är mitt paket?", "12"]) == ["sv", None]


def test_warm_up_preloads_what_detection_then_uses() -> None:
    from cxml.language import detect_languages, warm_up

    warm_up(("en", "fi", "sv"))
    assert detect_languages(["Missä on pakettini? Se ei ole vielä saapunut.", "Where is my parcel? It is late."],
                            ("en", "fi", "sv")) == ["fi", "en"]
    with pytest.raises(ValueError, match="unknown ISO 639-1 language code 'xx'"):
        warm_up(("en", "xx"))
