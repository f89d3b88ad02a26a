"""Lexical encoders: hashed n-grams (tests, smoke runs) and TF-IDF (the no-neural path)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cxml.encoders.base import BatchedEncoder
from cxml.encoders.cache import EmbeddingCache
from cxml.encoders.protocol import Role, check_texts
from cxml.exceptions import NotFittedError

__all__ = ["HashingEncoder", "TfidfEncoder"]


class HashingEncoder(BatchedEncoder):
    """A tiny deterministic dense encoder: hashed word and character n-grams.

    No model and no training; lexical only (it knows no synonyms and no languages).
    Meant for fast tests and smoke runs, spec ``"hash"`` (or ``"hash-<dim>"``).

    Parameters
    ----------
    dim : int, default=256
    """

    batch_size = 4096

    def __init__(self, dim: int = 256, cache: EmbeddingCache | None = None) -> None:
        super().__init__(cache)
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dim = int(dim)
        self.spec = "hash" if self.dim == 256 else f"hash-{self.dim}"
        self.name = f"hashing encoder (dim={self.dim})"
        self._words = HashingVectorizer(n_features=self.dim, ngram_range=(1, 1), alternate_sign=True,
                                        norm=None, dtype=np.float32)
        self._chars = HashingVectorizer(n_features=self.dim, analyzer="char_wb", ngram_range=(3, 4),
                                        alternate_sign=True, norm=None, dtype=np.float32)

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        x = self._words.transform(texts) * 2.0 + self._chars.transform(texts)
        dense = np.asarray(x.todense(), dtype=np.float32)
        empty = ~dense.any(axis=1)
        dense[empty, 0] = 1.0  # a defined direction for texts with no features
        return dense


class TfidfEncoder:
    """TF-IDF over word (1-2) and character (2-5, within word bounds) n-grams.

    The no-neural path: it must be fitted on a corpus, and :meth:`encode` returns a
    ``scipy.sparse.csr_matrix`` (float32, rows L2-normalised) rather than a dense
    array. Its ``dim`` is the vocabulary size after fitting. Fit it on PII-scrubbed
    text only: its vocabulary is stored in saved models.
    """

    spec = "tfidf"
    name = "tfidf (word 1-2 + char_wb 2-5)"

    def __init__(self, max_features: int | None = 200_000, min_df: int = 1) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.vectorizer_: Any = None
        self.dim = 0

    def fit(self, texts: Sequence[str]) -> TfidfEncoder:
        """Learn the vocabulary and idf weights."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        items = check_texts(texts)
        half = None if self.max_features is None else self.max_features // 2
        self.vectorizer_ = FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=self.min_df,
                                     max_features=half, dtype=np.float32)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=self.min_df, max_features=half, dtype=np.float32)),
        ])
        self.vectorizer_.fit(items)
        for _, vec in self.vectorizer_.transformer_list:
            # terms cut by min_df / max_features: not needed, and may hold rare strings
            if hasattr(vec, "stop_words_"):
                del vec.stop_words_
        self.dim = int(sum(len(v.vocabulary_) for _, v in self.vectorizer_.transformer_list))
        return self

    def encode(self, texts: Sequence[str], *, role: Role = "query",
               show_progress_bar: bool | None = None) -> Any:
        """Return a sparse CSR matrix ``(n, dim)`` with L2-normalised rows."""
        if self.vectorizer_ is None:
            raise NotFittedError("This TfidfEncoder is not fitted yet. Call 'fit' with training texts first.")
        from sklearn.preprocessing import normalize

        return normalize(self.vectorizer_.transform(check_texts(texts))).astype(np.float32)
