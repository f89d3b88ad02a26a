"""The blocks of :mod:`cxml.triage.features`: the fast character counts equal scikit-learn's, bit for bit, and the
context one-hots built in one pass equal the matrix stacked block by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from cxml.triage import features
from cxml.triage.features import ContextEncoder

TEXTS = ["My card payment fails with E-402", "Où est ma commande ? Numéro 12345", "  tabs\tand\n\nnew  lines  ",
         "", "x", "Tilaus ei ole saapunut, missä paketti on?", "İstanbul ÄÖ ß ﬁ", "refund refund refund please"]


def _assert_same(got, want) -> None:
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    assert got.has_sorted_indices and want.has_sorted_indices
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(got, part), getattr(want, part), err_msg=part)


@pytest.mark.parametrize("params", [{}, {"lowercase": False}, {"strip_accents": "unicode", "ngram_range": (1, 3)}])
def test_char_wb_counts_equal_sklearn(params):
    """Counts per word, multiplied out, are scikit-learn's counts; twice (the second from the memo)."""
    train = TEXTS * 3 + [t.upper() for t in TEXTS]
    vec = features._tfidf_vectorizer("char", 1).set_params(**params).fit(train)
    docs = TEXTS + ["unseen wörds here", "payment payment E-402 e-402"]
    for _ in range(2):
        _assert_same(vec._tfidf.transform(features.char_wb_counts(vec, docs), copy=False), vec.transform(docs))


def test_tfidf_blocks_equal_the_vectorizers(webshop_texts):
    """Both blocks of a fitted featurizer union, as its vectorizers' own transform gives them."""
    union = features._fit_tfidf(webshop_texts[:300])
    word, char = features.tfidf_blocks(union, webshop_texts[300:])
    want_word, want_char = (v.transform(webshop_texts[300:]).astype(np.float32).tocsr()
                            for _, v in union.transformer_list)
    _assert_same(word, want_word)
    _assert_same(char, want_char)
    assert char.nnz > 10 * len(webshop_texts[300:])


@pytest.mark.parametrize("size", [1, 2, 3, 8])
def test_tfidf_blocks_of_small_calls_equal_the_vectorizers_of_a_saved_model(webshop_texts, size, tmp_path):
    """A service's calls (one ticket, a micro-batch) through a union saved and loaded as a model stores it."""
    meta = features.save_tfidf(features._fit_tfidf(webshop_texts[:300]), tmp_path)
    union = features.load_tfidf(tmp_path, meta)
    for start in range(300, 300 + 6 * size, size):
        docs = webshop_texts[start:start + size]
        word, char = features.tfidf_blocks(union, docs)
        want_word, want_char = (v.transform(docs).astype(np.float32).tocsr() for _, v in union.transformer_list)
        _assert_same(word, want_word)
        _assert_same(char, want_char)


@pytest.mark.parametrize("params", [{}, {"sublinear_tf": False}, {"norm": None}, {"dtype": np.float64}])
def test_tfidf_weights_equal_the_transformers(params, webshop_texts):
    """The weighting step alone, word and char_wb vectorizers, against their own transform."""
    for kind in ("word", "char"):
        vec = features._tfidf_vectorizer(kind, 2).set_params(**params).fit(webshop_texts[:200])
        assert features._weighs_plainly(vec)
        docs = webshop_texts[200:230] + TEXTS
        counts = sp.csr_matrix(vec._count_vocab(docs, fixed_vocab=True)[1])
        _assert_same(features.tfidf_weights(vec, counts), vec.transform(docs))


def test_other_vectorizers_fall_back():
    """A vectorizer the word-by-word count does not model (word analyzer, binary counts) is left to sklearn."""
    assert not features._counts_by_word(TfidfVectorizer(analyzer="word").fit(TEXTS))
    assert not features._counts_by_word(TfidfVectorizer(analyzer="char_wb", binary=True).fit(TEXTS))
    assert not features._counts_by_word(TfidfVectorizer(analyzer="char_wb"))  # not fitted
    assert features._counts_by_word(TfidfVectorizer(analyzer="char_wb").fit(TEXTS))
    assert not features._weighs_plainly(TfidfVectorizer(norm="l1").fit(TEXTS))  # weighted by sklearn itself


@pytest.fixture(scope="module")
def webshop_texts() -> list[str]:
    from cxml.datasets import make_webshop

    t = make_webshop(n_tickets=500, seed=3).tickets
    return (t["subject"] + "\n" + t["body"]).tolist()


def test_head_matrix_shares_the_text_blocks(webshop_texts):
    """Heads with different contexts and layouts read one TextFeatures: each matrix is the full stack of its blocks."""

    rng = np.random.default_rng(0)
    n = 40
    feats = features.TextFeatures(embedding=rng.standard_normal((n, 8)).astype(np.float32))
    feats.word, feats.char = features.tfidf_blocks(features._fit_tfidf(webshop_texts[:200]), webshop_texts[:n])
    contexts = [sp.random(n, k, density=0.3, format="csr", dtype=np.float32, random_state=k) for k in (3, 5, 0)]
    s = np.float32(1 / np.sqrt(2.0))
    for blocks, weight in (("all", 0.5), ("all", 0.5), ("all", 2.0), ("tfidf", 1.0), ("all", 0.5)):
        for ctx in contexts:
            parts = [sp.csr_matrix(feats.embedding * np.float32(weight))] if blocks == "all" else []
            parts += [feats.word * s, feats.char * s]
            if ctx.shape[1]:
                parts.append(ctx * np.float32(features.CONTEXT_WEIGHT))
            want = sp.hstack(parts, format="csr", dtype=np.float32)
            _assert_same(feats.head_matrix(ctx, blocks=blocks, embedding_weight=weight), want)
    assert feats.head_matrix(None, blocks="embedding") is feats.embedding


def _blockwise(enc: ContextEncoder, frame: pd.DataFrame, n: int, overrides: dict | None = None) -> sp.csr_matrix:
    """One sparse block per column, stacked (the construction the one-pass build replaced)."""
    blocks = []
    for c, cats in enc.categories_.items():
        if overrides and c in overrides and c not in frame.columns:
            values = list(overrides[c])
        elif c in frame.columns:
            values = frame[c].tolist()
        else:
            values = [None] * n
        rows, cols = [], []
        for i, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            if str(v) in cats:
                rows.append(i)
                cols.append(cats.index(str(v)))
        blocks.append(sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(cats))))
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def test_context_one_hot_equals_the_stacked_blocks():
    train = pd.DataFrame({"channel": ["email", "chat", "phone"] * 4, "segment": ["b2b", "b2c"] * 6,
                          "language": ["en", "fi", "sv", "en"] * 3})
    enc = ContextEncoder(["channel", "segment", "language", "reason"]).fit(train)
    frame = pd.DataFrame({"channel": ["chat", None, "fax", "email", np.nan],
                          "segment": ["b2c", "b2b", pd.NA, "b2c", "b2b"]}, dtype=object)
    overrides = {"language": ["fi", "en", None, "xx", "sv"]}
    for ov in (None, overrides):
        got = enc.transform(frame, 5, ov)
        want = _blockwise(enc, frame, 5, ov)
        assert got.shape == want.shape == (5, enc.dim) and got.dtype == np.float32
        assert np.array_equal(got.toarray(), want.toarray())
        assert np.array_equal(got.indices, want.indices) and np.array_equal(got.indptr, want.indptr)
    empty = ContextEncoder(["channel"]).fit(None).transform(frame, 5)
    assert empty.shape == (5, 0)
