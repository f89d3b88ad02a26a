"""The e5-static encoder: a deterministic distilled table, stored without pickle, checked on load."""

from __future__ import annotations

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import static
from cxml.exceptions import ArtifactError


@pytest.fixture(scope="module")
def small_table(e5_fp32):
    return static.build_static_table(e5_fp32, n_tokens=300, dim=32, random_state=0)


@pytest.mark.slow
def test_build_is_deterministic_under_random_state(e5_fp32, small_table):
    again = static.build_static_table(e5_fp32, n_tokens=300, dim=32, random_state=0)
    for name in static._ARRAYS:
        np.testing.assert_array_equal(small_table[name], again[name])
    assert small_table["table"].shape == (300, 32) and small_table["oov_map"].shape == (384, 32)
    pieces = e5_fp32.model.pieces
    assert all(static._is_latin(pieces[i]) for i in small_table["ids"])
    # frequent pieces (punctuation, "▁the") weigh less than rarer ones (SIF)
    scores = e5_fp32.model.scores
    comma, rare = pieces.index(","), int(small_table["ids"][np.argmin(scores[small_table["ids"]])])
    weights = static._sif(scores)
    assert weights[comma] < weights[rare] and "<mask>" not in {pieces[i] for i in small_table["ids"]}


def test_table_round_trips_without_pickle_and_tampering_is_caught(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"ids": np.arange(5, dtype=np.int32), "table": rng.normal(size=(5, 4)).astype(np.float32),
              "oov_map": rng.normal(size=(384, 4)).astype(np.float32), "oov_bias": np.zeros(4, np.float32)}
    path = tmp_path / "t.npz"
    static.save_table(arrays, path)
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]  # no temporary file left behind
    with np.load(path, allow_pickle=False) as data:  # plain arrays only
        assert set(data.files) == {"meta", *static._ARRAYS}
    back = static.load_table(path)
    for name in static._ARRAYS:
        np.testing.assert_array_equal(back[name], arrays[name])
    arrays["table"][0, 0] += 1.0
    np.savez(path, meta=np.load(path)["meta"], **arrays)  # content changed, checksum not
    with pytest.raises(ArtifactError, match="checksum"):
        static.load_table(path)
    path.write_bytes(b"garbage")
    with pytest.raises(ArtifactError, match="delete it to rebuild"):
        static.load_table(path)


@pytest.mark.slow
def test_static_encoder_builds_once_then_loads_from_its_cache(e5_fp32, monkeypatch, tmp_path):
    monkeypatch.setenv("CXML_CACHE_DIR", str(tmp_path))
    enc = static.StaticE5Encoder(n_tokens=300, dim=32, cache=encoders.EmbeddingCache())
    assert enc.path.exists() and enc.path.parent == tmp_path / "static" and enc.dim == 32
    texts = ["Maksu epäonnistui kortilla", "Where is my parcel?", "", "𓀀", "Где моя посылка?"]
    x = enc.encode(texts)
    assert x.shape == (5, 32) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, rtol=1e-5)

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cached table should have been used")

    monkeypatch.setattr(static, "build_static_table", no_rebuild)
    again = static.StaticE5Encoder(n_tokens=300, dim=32, cache=encoders.EmbeddingCache())
    np.testing.assert_array_equal(again.encode(texts), x)


def test_static_encoder_without_onnx_says_what_to_install(monkeypatch):
    from cxml.encoders import e5_onnx

    monkeypatch.setattr(e5_onnx, "available", lambda: False)
    with pytest.raises(encoders.EncoderNotAvailableError, match=r"cxml\[onnx\]"):
        static.StaticE5Encoder()
