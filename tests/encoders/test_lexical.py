from __future__ import annotations

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import EmbeddingCache, HashingEncoder, TfidfEncoder
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


def test_tfidf_encoder_is_sparse_and_must_be_fitted():
    enc = encoders.load("tfidf")
    with pytest.raises(NotFittedError, match="not fitted"):
        enc.encode(["x"])
    enc = TfidfEncoder().fit(["card declined at checkout", "parcel is late", "return the shoes"])
    m = enc.encode(["card declined"])
    assert m.shape == (1, enc.dim) and abs(m.multiply(m).sum() - 1) < 1e-5
    assert not any(hasattr(v, "stop_words_") for _, v in enc.vectorizer_.transformer_list)
