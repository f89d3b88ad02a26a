from __future__ import annotations

import pytest

from cxml import encoders
from cxml.encoders import resolve_spec


def test_bad_specs_fail_clearly():
    with pytest.raises(ValueError, match="resolve_spec"):
        encoders.load("auto")
    with pytest.raises(ValueError):
        encoders.load("")
    with pytest.raises(encoders.EncoderNotAvailableError, match="offline preset"):
        encoders.load("no-such-org/no-such-model-xyz")


def test_resolve_auto_follows_languages():
    en = ["Where is my parcel? It has not arrived yet.", "I want to return the shoes I ordered."] * 5
    fi = ["Missä pakettini on? Se ei ole vieläkään saapunut.", "Haluaisin palauttaa tilaamani kengät."]
    assert resolve_spec("auto", en) == "minilm"
    assert resolve_spec("auto", en + fi) == "e5-small"
    assert resolve_spec("e5-small", en) == "e5-small"
    with pytest.raises(ValueError):
        resolve_spec("auto")


@pytest.mark.slow
def test_minilm_preset_offline():
    enc = encoders.load("minilm")
    x = enc.encode(["Where is my parcel?", "My parcel has not arrived", "How do I change my password?"])
    assert x.shape == (3, 384)
    assert x[0] @ x[1] > x[0] @ x[2]


@pytest.mark.slow
def test_minilm_int8_preset_is_a_separate_encoder_by_name():
    """Its vectors never share a cache entry with float32 MiniLM's, and a saved spec loads it again."""
    fp32, int8 = encoders.load("minilm"), encoders.load("minilm-int8")
    assert int8.spec == "minilm-int8" and int8.precision == "int8" and fp32.precision == "fp32"
    assert int8.name != fp32.name and int8.name.endswith(", int8)")
    assert encoders.load("minilm-int8") is int8
    x = int8.encode(["Where is my parcel?", "My parcel has not arrived", "How do I change my password?"])
    assert x.shape == (3, 384) and x[0] @ x[1] > x[0] @ x[2]


@pytest.mark.slow
def test_e5_small_finnish_ticket_finds_english_counterpart():
    """The default multilingual encoder matches a Finnish ticket to its English counterpart."""
    enc = encoders.load("e5-small")
    assert enc.dim == 384
    english = [
        "My card payment does not go through at checkout",
        "Where is my parcel? The tracking has not updated",
        "I would like to return the shoes I bought",
        "How do I change the due date of my invoice?",
        "I forgot my password and cannot log in",
        "Do you sell gift cards?",
    ]
    finnish = ["Maksu ei mene läpi kortilla kassalla", "Haluaisin palauttaa ostamani kengät",
               "Miten voin siirtää laskun eräpäivää?"]
    q = enc.encode(finnish)
    d = enc.encode(english)
    assert list((q @ d.T).argmax(axis=1)) == [0, 2, 3]
