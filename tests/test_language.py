from __future__ import annotations

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
