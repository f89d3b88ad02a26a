from __future__ import annotations

import numpy as np

from cxml.encoders import EmbeddingCache, HashingEncoder


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
