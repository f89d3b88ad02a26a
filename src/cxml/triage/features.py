"""Turning tickets into features: input coercion, the shared text featurizer, context one-hots.

Internal module. :class:`TextFeaturizer` is what :class:`cxml.triage.TicketClassifier` and
:class:`cxml.triage.Triage` share: it embeds each ticket once (encoder named by a spec string)
and/or computes TF-IDF word and character n-grams, and lays the blocks side by side for a
linear head. :class:`ContextEncoder` one-hot encodes structured columns (channel, segment, ...).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from cxml import encoders
from cxml.persistence import ArtifactError, check_dimensions
from cxml.schema import TicketBatch
from cxml.triage.blocks import BlockRows, hstack_csr
from cxml.triage.fine_tune import (
    DEFAULT_FINE_TUNE_BUDGET_S,
    fine_tune_encoder,
    load_tuned_encoder,
    save_tuned_encoder,
)
from cxml.triage.text_cleaning import chunks, clean_for_embedding

logger = logging.getLogger(__name__)

#: Feature sets a classifier can use.
FEATURE_SETS = ("embedding", "tfidf", "hybrid")
#: Structured columns used as context when present and ``context_columns="auto"``.
AUTO_CONTEXT = ("channel", "segment", "language", "has_error")
#: Context columns of priority models when ``context_columns="auto"``.
AUTO_PRIORITY_CONTEXT = ("channel", "segment", "reason", "language", "has_error")
#: A context value must occur this often in training to get its own feature (rarer values,
#: which could be identifiers, are neither used nor stored).
MIN_CONTEXT_COUNT = 3
MAX_CONTEXT_VALUES = 50
#: Relative weight of the embedding block against the TF-IDF block in hybrid features.
EMBEDDING_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.5


# --------------------------------------------------------------------------- context
class ContextEncoder:
    """One-hot encoding of structured ticket columns (channel, segment, ...).

    Only values seen at least :data:`MIN_CONTEXT_COUNT` times are kept (at most
    :data:`MAX_CONTEXT_VALUES` per column), so identifiers never become features nor get
    stored. Unknown values and missing columns encode as all zeros.
    """

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = list(columns)
        self.categories_: dict[str, list[str]] = {}

    @staticmethod
    def resolve(spec: Any, frame: pd.DataFrame | None, *, auto: Sequence[str] = AUTO_CONTEXT,
                exclude: Sequence[str] = ()) -> list[str]:
        """Context columns to use: ``"auto"`` picks those of ``auto`` present in ``frame``."""
        if spec is None or frame is None:
            return []
        if isinstance(spec, str):
            if spec != "auto":
                spec = [spec]
            else:
                return [c for c in auto if c in frame.columns and c not in exclude]
        cols = list(spec)
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"context_columns {missing} are not in the ticket table "
                             f"(columns: {list(frame.columns)[:20]})")
        return [c for c in cols if c not in exclude]

    @property
    def dim(self) -> int:
        return sum(len(v) for v in self.categories_.values())

    def fit(self, frame: pd.DataFrame | None) -> ContextEncoder:
        self.categories_ = {}
        for c in self.columns:
            if frame is None or c not in frame.columns:
                continue
            counts = frame[c].dropna().astype(str).value_counts()
            counts = counts[counts >= MIN_CONTEXT_COUNT]
            kept = sorted(counts.index[:MAX_CONTEXT_VALUES].tolist())
            if len(kept) >= 2:
                self.categories_[c] = kept
        return self

    def transform(self, frame: pd.DataFrame | TicketBatch | None, n: int,
                  overrides: dict[str, Sequence[Any]] | None = None) -> sp.csr_matrix:
        """Sparse one-hot matrix ``(n, dim)``; ``overrides`` supplies columns absent from ``frame`` (a ticket
        table, or a batch: its columns are read with :meth:`TicketBatch.column`)."""
        have = _column_names(frame)
        # built as one CSR matrix (each row's columns in block order, at most one per block): the same matrix as
        # stacking one block per column, without a sparse construction per block (a service's one-ticket calls)
        per_row: list[list[int]] = [[] for _ in range(n)]
        offset = 0
        for c, cats in self.categories_.items():
            lookup = {v: offset + j for j, v in enumerate(cats)}
            offset += len(cats)
            if overrides and c in overrides and c not in have:
                values = list(overrides[c])
            elif c in have:
                values = _column_values(frame, c)
            else:
                continue
            for i, v in enumerate(values):
                if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                    continue
                j = lookup.get(str(v))
                if j is not None:
                    per_row[i].append(j)
        indptr = np.zeros(n + 1, dtype=np.int32)
        indptr[1:] = np.cumsum([len(r) for r in per_row])
        indices = np.fromiter((j for r in per_row for j in r), dtype=np.int32, count=int(indptr[-1]))
        return sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n, offset))

    def missing_in(self, frame: pd.DataFrame | TicketBatch | None,
                   overrides: dict[str, Any] | None = None) -> list[str]:
        """Fitted context columns that ``frame`` (a ticket table or a batch) lacks."""
        have = _column_names(frame) | set(overrides or ())
        return [c for c in self.categories_ if c not in have]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "categories": self.categories_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ContextEncoder:
        enc = cls(d.get("columns", []))
        enc.categories_ = {k: list(v) for k, v in d.get("categories", {}).items()}
        return enc


def _column_names(source: pd.DataFrame | TicketBatch | None) -> set[str]:
    if source is None:
        return set()
    return set(source.column_names) if isinstance(source, TicketBatch) else set(source.columns)


def _column_values(source: pd.DataFrame | TicketBatch, name: str) -> list[Any]:
    if isinstance(source, TicketBatch):
        return source.column(name) or []
    return source[name].tolist()


# --------------------------------------------------------------------------- text features
@dataclass
class TextFeatures:
    """Feature blocks of a batch of tickets (rows aligned)."""

    embedding: np.ndarray | None = None
    word: sp.csr_matrix | None = None
    char: sp.csr_matrix | None = None
    raw: np.ndarray | None = None  # precomputed input, as given
    #: work the heads reading these features share (see :meth:`shared`); never compared or shown
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def shared(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, once for these features whichever head asks first (the heads of a
        :class:`~cxml.triage.Triage` read one ``TextFeatures``); ``key`` names what it computes."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def n(self) -> int:
        for b in (self.raw, self.embedding, self.word, self.char):
            if b is not None:
                return int(b.shape[0])
        return 0

    def take(self, rows: np.ndarray) -> TextFeatures:
        return TextFeatures(*(None if b is None else b[rows] for b in (self.embedding, self.word,
                                                                       self.char, self.raw)))

    def head_matrix(self, context: sp.csr_matrix | None = None, *, blocks: str = "all",
                    embedding_weight: float = EMBEDDING_WEIGHT) -> Any:
        """The matrix a linear head is fitted on: blocks scaled to comparable norms.

        ``blocks`` ("all", "embedding", "tfidf") picks what a hybrid head reads; ``embedding_weight``
        scales the embedding block against the TF-IDF blocks (see :mod:`cxml.triage.head_search`).
        """
        whole, parts, has_context = self._layout(context, blocks, embedding_weight)
        if whole is not None:
            return whole
        key = tuple((id(b), s) for b, s in parts)
        if self._memo.get("text_blocks_key") != key:  # one layout kept (a head search tries many in turn)
            self._memo["text_blocks"] = hstack_csr(parts, self.n)
            self._memo["text_blocks_key"] = key
        text = self._memo["text_blocks"]
        if not has_context:
            return text
        # the text blocks stacked once for all heads, then the head's context: the same rows as one stack
        return hstack_csr([(text, 1.0), (context, CONTEXT_WEIGHT)], self.n)

    def head_rows(self, context: sp.csr_matrix | None = None, *, blocks: str = "all",
                  embedding_weight: float = EMBEDDING_WEIGHT) -> Any:
        """:meth:`head_matrix` for prediction: the same rows, as :class:`~cxml.triage.blocks.BlockRows` that a
        head multiplies block by block (a dense array where :meth:`head_matrix` gives one)."""
        whole, parts, has_context = self._layout(context, blocks, embedding_weight)
        if whole is not None:
            return whole
        return BlockRows(parts + ([(context, CONTEXT_WEIGHT)] if has_context else []), self.n)

    def _layout(self, context: sp.csr_matrix | None, blocks: str, embedding_weight: float
                ) -> tuple[Any, list[tuple[Any, float]], bool]:
        """What a head reads: a matrix to take as it is (else None), the text blocks with their scales, and
        whether the context block follows them."""
        if self.raw is not None:
            return self.raw, [], False
        use_emb = self.embedding is not None and blocks != "tfidf"
        use_tfidf = self.word is not None and self.char is not None and blocks != "embedding"
        has_context = bool(context is not None and context.shape[1])
        if use_emb and not use_tfidf and not has_context:
            return self.embedding, [], False
        parts: list[tuple[Any, float]] = []
        if use_emb:
            parts.append((self.embedding, embedding_weight if use_tfidf else 1.0))
        if use_tfidf:
            s = 1.0 / math.sqrt(2.0)
            parts += [(self.word, s), (self.char, s)]
        return None, parts, has_context

    def oos_matrix(self) -> Any:
        """The vectors out-of-scope similarity is measured on (L2-normalised rows)."""
        if self.embedding is not None:
            return self.embedding
        if self.raw is not None:
            return _normalize(self.raw)
        return self.word


def _normalize(x: Any) -> Any:
    return normalize(np.asarray(x, dtype=np.float64) if not sp.issparse(x) else x).astype(np.float32)


class TextFeaturizer:
    """Embeddings and/or TF-IDF n-grams for ticket texts, fitted once and shared by all heads.

    Parameters
    ----------
    features : {"embedding", "tfidf", "hybrid"}
    encoder : str
        Encoder spec (``"auto"`` is resolved from the training texts, ``"precomputed"``
        means the input already is an embedding matrix).
    clean_text : bool, default=False
        Embed long tickets cleaned and chunked (:func:`embed_cleaned`).
    fine_tune : {"auto", True, False}, default=False
        Fine-tune the encoder on the labels given to :meth:`fit_transform` (:mod:`cxml.triage.fine_tune`).
    fine_tune_budget : float
        Seconds of fine-tuning.
    random_state : int, default=0
        Seed of the fine-tuning.

    Attributes
    ----------
    fine_tune_ : dict or None
        What fine-tuning did (None when not asked for); see :func:`~cxml.triage.fine_tune.fine_tune_encoder`.
    """

    def __init__(self, features: str = "hybrid", encoder: str = "auto", *, clean_text: bool = False,
                 fine_tune: bool | str = False, fine_tune_budget: float = DEFAULT_FINE_TUNE_BUDGET_S,
                 random_state: int = 0) -> None:
        self.features = features
        self.encoder = encoder
        self.clean_text = clean_text
        self.fine_tune = fine_tune
        self.fine_tune_budget = fine_tune_budget
        self.random_state = random_state
        self.fine_tune_: dict[str, Any] | None = None
        self.encoder_spec_: str | None = None
        self.encoder_name_: str | None = None
        self.encoder_dim_: int | None = None
        self.tfidf_: Any = None
        self._encoder: Any = None

    # -- state -----------------------------------------------------------------
    @property
    def uses_embedding(self) -> bool:
        return self.features in ("embedding", "hybrid") or self.encoder == "precomputed"

    @property
    def fine_tuned(self) -> bool:
        """Whether the encoder was fine-tuned on the training labels (and is stored with the model)."""
        return bool(self.fine_tune_ and self.fine_tune_.get("applied"))

    @property
    def uses_tfidf(self) -> bool:
        return self.features in ("tfidf", "hybrid") and self.encoder != "precomputed"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if not self.fine_tuned:
            state["_encoder"] = None  # loaded models are not pickled: re-resolved from the spec
        state.pop("_unigram_idf", None)
        state.pop("_extra_vectors", None)
        return state

    def extra_features(self, texts: Sequence[str]) -> TextFeatures:
        """Features of texts met while fitting beside the training tickets (their short forms, for the
        out-of-scope calibration). Their embeddings are memoised until the next fit, so that every head
        sharing this featurizer (:class:`~cxml.triage.Triage`) embeds each such text once."""
        out = TextFeatures()
        if self.encoder_spec_ is not None:
            memo: dict[str, np.ndarray] = self.__dict__.setdefault("_extra_vectors", {})
            todo = [t for t in dict.fromkeys(texts) if t not in memo]
            if todo:
                memo.update(zip(todo, self.get_encoder().encode(todo, role="query"), strict=True))
            dim = int(self.encoder_dim_ or 0)
            out.embedding = (np.vstack([memo[t] for t in texts]).astype(np.float32) if len(texts)
                             else np.zeros((0, dim), dtype=np.float32))
        if self.tfidf_ is not None:
            out.word, out.char = tfidf_blocks(self.tfidf_, list(texts))
        return out

    def get_encoder(self) -> Any:
        """The encoder, loaded from its spec on first use (dimensions checked)."""
        if self._encoder is None:
            # None (a tf-idf-only featurizer) is refused by load() itself, with a ValueError
            enc = encoders.load(self.encoder_spec_)  # type: ignore[arg-type]
            if self.encoder_dim_ is not None:
                check_dimensions(encoder=int(enc.dim), head=int(self.encoder_dim_),
                                 where=f"encoder {self.encoder_spec_!r}")
            self._encoder = enc
        return self._encoder

    def _encode(self, batch: TicketBatch) -> np.ndarray:
        """The batch's embeddings, computed once per batch whichever head or model asks first."""
        if self.clean_text:
            return embed_cleaned(batch, self.get_encoder())
        return batch.embed(self.get_encoder(), role="query")

    # -- fit / transform -------------------------------------------------------------
    def fit_transform(self, batch: TicketBatch, y: Any = None) -> TextFeatures:
        """Fit on a training batch and return its features.

        Parameters
        ----------
        batch : TicketBatch
        y : array-like of shape (n,), optional
            Labels the encoder is fine-tuned on (with ``fine_tune``); missing labels (None / NaN) are left out.

        Returns
        -------
        TextFeatures
        """
        self.__dict__.pop("_extra_vectors", None)
        self.fine_tune_ = None
        if self.encoder == "precomputed":
            self.encoder_spec_ = "precomputed"
            self.encoder_name_ = "precomputed embeddings"
            assert batch.matrix is not None
            self.encoder_dim_ = int(batch.matrix.shape[1])
            return self.transform(batch)
        texts = batch.texts
        if self.uses_embedding:
            spec = encoders.resolve_spec(self.encoder, [t for t in texts if t.strip()] or texts)
            if spec == "tfidf":
                raise ValueError("encoder='tfidf' is not an embedding model: use features='tfidf' for "
                                 "TF-IDF features, or a neural encoder spec for features='embedding'/'hybrid'")
            self.encoder_spec_ = spec
            self._encoder = None
            self.encoder_dim_ = None
            enc = self.get_encoder()
            if self.fine_tune is not False and y is not None:
                enc = self._fine_tuned(enc, batch, y)
            self.encoder_name_ = str(enc.name)
            self.encoder_dim_ = int(enc.dim)
        else:
            self.encoder_spec_ = None
            self.encoder_name_ = None
            self.encoder_dim_ = None
        if self.uses_tfidf:
            self.tfidf_ = _fit_tfidf(texts)
        else:
            self.tfidf_ = None
        return self.transform(batch)

    def _fine_tuned(self, enc: Any, batch: TicketBatch, y: Any) -> Any:
        """The encoder fine-tuned on the labelled tickets of ``batch`` (or ``enc`` itself; see ``fine_tune_``)."""
        labels = pd.Series(np.asarray(y, dtype=object))
        rows = np.flatnonzero(labels.notna().to_numpy())
        texts = [batch.texts[i] for i in rows]
        if self.clean_text:  # as the head will read them: long tickets cleaned (and cut to the window)
            texts = [clean_for_embedding(t) if len(t.split()) > CLEAN_MIN_WORDS else t for t in texts]
        seed = int(self.random_state) if isinstance(self.random_state, (int, np.integer)) else 0
        tuned, self.fine_tune_ = fine_tune_encoder(enc, texts, labels.to_numpy()[rows], mode=self.fine_tune,
                                                   budget_s=float(self.fine_tune_budget), random_state=seed)
        self._encoder = tuned
        return tuned

    def transform(self, batch: TicketBatch) -> TextFeatures:
        if self.encoder == "precomputed" or self.encoder_spec_ == "precomputed":
            raw = batch.matrix
            assert raw is not None
            return TextFeatures(raw=raw, embedding=None)
        out = TextFeatures()
        if self.encoder_spec_ is not None:
            out.embedding = self._encode(batch)
        if self.tfidf_ is not None:
            out.word, out.char = tfidf_blocks(self.tfidf_, batch.texts)
        return out

    def unigram_idf(self) -> dict[str, float]:
        """idf of the single words of the TF-IDF vocabulary (cached; for out-of-scope coverage)."""
        cached = self.__dict__.get("_unigram_idf")
        if cached is None:
            cached = unigram_idf(self.tfidf_.transformer_list[0][1]) if self.tfidf_ is not None else {}
            self._unigram_idf = cached
        return cached

    @property
    def tfidf_dims(self) -> tuple[int, int]:
        if self.tfidf_ is None:
            return (0, 0)
        w, c = (len(v.vocabulary_) for _, v in self.tfidf_.transformer_list)
        return int(w), int(c)

    def describe(self) -> dict[str, Any]:
        """Encoder entry of an artifact manifest: spec, name, dim (no weights)."""
        if self.encoder_spec_ is not None:
            out: dict[str, Any] = {"spec": self.encoder_spec_, "name": self.encoder_name_, "dim": self.encoder_dim_}
            if self.fine_tuned:
                out["fine_tuned"] = True
            return out
        w, c = self.tfidf_dims
        return {"spec": "tfidf", "name": "tfidf (word 1-2 + char_wb 2-5)", "dim": w + c}


#: Tickets longer than this (in words) are embedded cleaned (:mod:`cxml.triage.text_cleaning`).
CLEAN_MIN_WORDS = 64
#: Cleaned texts longer than this are embedded as the mean of chunks of at most this many words
#: (about 200-250 word pieces: within MiniLM's 256-token window and well within e5's 512).
CHUNK_WORDS = 150


def embed_cleaned(batch: TicketBatch, encoder: Any) -> np.ndarray:
    """Embeddings of a batch in which long tickets are cleaned and chunked.

    Tickets of at most :data:`CLEAN_MIN_WORDS` words keep the batch's own embeddings
    (:meth:`TicketBatch.embed`, shared with every other model reading the batch). Longer ones are
    cleaned (:func:`~cxml.triage.text_cleaning.clean_for_embedding`), split into chunks of at
    most :data:`CHUNK_WORDS` words, and embedded as the L2-normalised mean of their chunks. The
    result is memoised on the batch.
    """
    key = (f"cleaned:{encoder.name}", "query")
    if key in batch.vectors:
        return batch.vectors[key]
    long_rows = [i for i, t in enumerate(batch.texts) if len(t.split()) > CLEAN_MIN_WORDS]
    if not long_rows:
        return batch.embed(encoder, role="query")
    short_rows = np.setdiff1d(np.arange(len(batch)), long_rows)
    out = np.zeros((len(batch), int(encoder.dim)), dtype=np.float32)
    if len(short_rows):
        raw = batch.vectors.get((str(encoder.name), "query"))
        texts = [batch.texts[i] for i in short_rows]
        out[short_rows] = raw[short_rows] if raw is not None else encoder.encode(texts, role="query")
    pieces = [chunks(clean_for_embedding(batch.texts[i]), CHUNK_WORDS) for i in long_rows]
    owner = np.repeat(np.asarray(long_rows), [len(p) for p in pieces])
    V = np.asarray(encoder.encode([c for p in pieces for c in p], role="query"), dtype=np.float32)
    np.add.at(out, owner, V)
    out[long_rows] /= np.maximum(np.linalg.norm(out[long_rows], axis=1, keepdims=True), 1e-12)
    batch.vectors[key] = out
    return out


_TFIDF_PARAMS = {
    "word": {"ngram_range": (1, 2), "analyzer": "word"},
    "char": {"ngram_range": (2, 5), "analyzer": "char_wb"},
}


def tfidf_blocks(union: Any, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The word and character TF-IDF blocks of ``texts`` (float32 CSR), as the fitted union's vectorizers
    compute them: the character block counted word by word (:func:`char_wb_counts`), both weighted by
    :func:`tfidf_weights` (the vectorizers' own arithmetic, without their per-call input validation)."""
    word_vec, char_vec = (v for _, v in union.transformer_list)
    if _weighs_plainly(word_vec):
        word = tfidf_weights(word_vec, sp.csr_matrix(word_vec._count_vocab(texts, fixed_vocab=True)[1]))
    else:
        word = word_vec.transform(texts)
    if _counts_by_word(char_vec):
        char = tfidf_weights(char_vec, char_wb_counts(char_vec, texts))
    else:
        char = char_vec.transform(texts)
    return word.astype(np.float32).tocsr(), char.astype(np.float32).tocsr()


#: Words whose n-gram columns are memoised per character vectorizer (cleared when full: memory stays flat).
_MAX_MEMO_WORDS = 100_000
_NGRAM_MEMO: weakref.WeakKeyDictionary[Any, dict[str, list[int]]] = weakref.WeakKeyDictionary()


def _weighs_plainly(vec: Any) -> bool:
    """Whether ``vec`` is a fitted TF-IDF vectorizer whose weighting :func:`tfidf_weights` reproduces."""
    tfidf = getattr(vec, "_tfidf", None)
    return (isinstance(vec, TfidfVectorizer) and vec.input == "content" and not vec.binary
            and hasattr(vec, "vocabulary_") and tfidf is not None and hasattr(tfidf, "idf_")
            and tfidf.norm in ("l2", None) and np.dtype(vec.dtype) in (np.float32, np.float64))


def _counts_by_word(vec: Any) -> bool:
    """Whether ``vec`` is a fitted ``char_wb`` TF-IDF vectorizer whose counts :func:`char_wb_counts` reproduces."""
    return _weighs_plainly(vec) and vec.analyzer == "char_wb"


def tfidf_weights(vec: Any, counts: sp.csr_matrix) -> sp.csr_matrix:
    """TF-IDF weights of a count matrix, in place: the arithmetic of ``vec``'s own transformer, step by step
    (sublinear tf, idf, l2 rows), so the result is bit for bit what ``vec.transform`` gives; only its input
    validation, a millisecond a call that one-ticket requests paid twice, is left out (the counts are built
    here, of ``vec``'s dtype with canonical indices)."""
    tfidf = vec._tfidf
    X = counts if counts.dtype == vec.dtype else counts.astype(vec.dtype)
    if tfidf.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    X.data *= tfidf.idf_[X.indices]
    if tfidf.norm == "l2":
        inplace_csr_row_normalize_l2(X)
    return X


#: Up to this many texts, :func:`char_wb_counts` lists each text's n-gram columns and sums the duplicates; more
#: texts are counted as a product of text-by-word and word-by-n-gram matrices (each distinct word expanded once).
FEW_TEXTS = 32


def char_wb_counts(vec: Any, texts: Sequence[str]) -> sp.csr_matrix:
    """The n-gram count matrix of a fitted ``char_wb`` vectorizer, equal to the one its ``transform`` counts.

    ``char_wb`` n-grams never cross a space: a text's n-grams are those of its words, one after the other. So
    each distinct word is analysed once (with the vectorizer's own preprocessing and n-gram code, memoised
    across calls). A few texts (:data:`FEW_TEXTS`, a service's calls) list their words' n-gram columns row by
    row and sum the duplicates; a batch multiplies a text-by-word count matrix by a word-by-n-gram one. Either
    way: integers, exact in float32, with sorted indices as scikit-learn leaves them.
    """
    vocab = vec.vocabulary_
    memo = _NGRAM_MEMO.setdefault(vec, {})
    if len(memo) > _MAX_MEMO_WORDS:
        memo.clear()
    decode, preprocess, spaces = vec.decode, vec.build_preprocessor(), vec._white_spaces

    def grams_of(word: str) -> list[int]:
        ids = memo.get(word)
        if ids is None:
            ids = memo[word] = [vocab[g] for g in vec._char_wb_ngrams(word) if g in vocab]
        return ids

    docs = [spaces.sub(" ", preprocess(decode(doc))).split() for doc in texts]
    if len(texts) <= FEW_TEXTS:
        rows = [[j for w in words for j in grams_of(w)] for words in docs]
        counts = _csr_ones([j for row in rows for j in row], [len(row) for row in rows], len(vocab))
    else:
        words: dict[str, int] = {}
        cols = [words.setdefault(w, len(words)) for ws in docs for w in ws]
        by_word = _csr_ones(cols, [len(ws) for ws in docs], len(words))
        grams = [grams_of(w) for w in words]
        counts = (by_word @ _csr_ones([j for g in grams for j in g], [len(g) for g in grams], len(vocab))).tocsr()
    counts = counts.astype(vec.dtype)
    counts.sum_duplicates()  # canonical: indices sorted, no duplicates
    return counts


def _csr_ones(cols: list[int], lengths: list[int], width: int) -> sp.csr_matrix:
    """A float32 CSR matrix of ones at ``cols``, row ``i`` holding the next ``lengths[i]`` of them."""
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return sp.csr_matrix((np.ones(len(cols), np.float32), np.asarray(cols, np.int64), indptr),
                         shape=(len(lengths), width))


def _tfidf_vectorizer(kind: str, min_df: int) -> Any:
    return TfidfVectorizer(sublinear_tf=True, min_df=min_df, max_features=100_000, dtype=np.float32,
                           **_TFIDF_PARAMS[kind])


def save_tfidf(union: Any, directory: Any) -> dict[str, Any]:
    """Write a fitted TF-IDF union in plain formats: vocabulary as JSON (terms in column order),
    idf weights as ``.npy``. (skops would store the vocabulary dict node by node: slow and large.)"""
    directory = Path(directory)
    vocab: dict[str, list[str]] = {}
    files: dict[str, str] = {"vocabulary": "tfidf_vocabulary.json"}
    for kind, vec in union.transformer_list:
        terms = [""] * len(vec.vocabulary_)
        for term, j in vec.vocabulary_.items():
            terms[j] = term
        vocab[kind] = terms
        files[f"{kind}_idf"] = f"tfidf_{kind}_idf.npy"
        np.save(directory / files[f"{kind}_idf"], np.asarray(vec.idf_, dtype=np.float64), allow_pickle=False)
    with open(directory / files["vocabulary"], "w", encoding="utf-8") as fh:
        json.dump(vocab, fh, ensure_ascii=False)
    return {"files": files, "params": {k: {"ngram_range": list(v["ngram_range"]), "analyzer": v["analyzer"]}
                                       for k, v in _TFIDF_PARAMS.items()}}


def load_tfidf(directory: Any, meta: dict[str, Any]) -> Any:
    """Rebuild the TF-IDF union written by :func:`save_tfidf`."""

    directory = Path(directory)
    files = meta["files"]
    vocab = json.loads((directory / files["vocabulary"]).read_text(encoding="utf-8"))
    parts = []
    for kind in ("word", "char"):
        vec = _tfidf_vectorizer(kind, 1)
        vec.vocabulary_ = {term: j for j, term in enumerate(vocab[kind])}
        vec.fixed_vocabulary_ = False
        vec.idf_ = np.load(directory / files[f"{kind}_idf"], allow_pickle=False)
        if len(vec.idf_) != len(vec.vocabulary_):
            raise ArtifactError(f"{directory}: TF-IDF {kind} vocabulary ({len(vec.vocabulary_)} terms) and idf "
                                f"weights ({len(vec.idf_)}) disagree; the artifact is damaged")
        parts.append((kind, vec))
    return FeatureUnion(parts)


def _fit_tfidf(texts: list[str]) -> Any:
    """TF-IDF word (1-2) + char_wb (2-5) n-grams; terms seen in fewer than 2 tickets are dropped
    (a second guard, after scrubbing, against storing rare strings such as names or codes)."""
    docs = [t for t in texts if t.strip()] or ["empty"]
    parts = []
    for kind in ("word", "char"):
        vec = _tfidf_vectorizer(kind, 2)
        try:
            vec.fit(docs)
        except ValueError:  # no term occurs in two tickets (tiny data)
            vec = _tfidf_vectorizer(kind, 1)
            try:
                vec.fit(docs)
                warnings.warn(f"too few training texts for {kind} TF-IDF terms seen in 2+ tickets; using every "
                              "term (rare strings will be part of the saved model)", UserWarning, stacklevel=4)
            except ValueError:  # no term at all: a constant placeholder feature
                vec = _tfidf_vectorizer(kind, 1).set_params(vocabulary=["\x00"])
                vec.fit(docs)
                vec.set_params(vocabulary=None)
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_  # terms cut by min_df / max_features: may hold rare strings
        parts.append((kind, vec))
    return FeatureUnion(parts)


# --------------------------------------------------------------------------- vocabulary
@functools.lru_cache(maxsize=1)
def unigram_analyzer() -> Any:
    """The word analyzer of the TF-IDF features, single words only."""
    return _tfidf_vectorizer("word", 1).set_params(ngram_range=(1, 1)).build_analyzer()


def unigram_idf(word_vectorizer: Any) -> dict[str, float]:
    """idf of the single-word terms of a fitted word TF-IDF vectorizer."""
    idf = word_vectorizer.idf_
    return {t: float(idf[j]) for t, j in word_vectorizer.vocabulary_.items() if " " not in t}


# --------------------------------------------------------------------------- persistence
def save_featurizer(featurizer: TextFeaturizer, directory: Any) -> dict[str, Any]:
    """Write a fitted featurizer's TF-IDF part into ``directory``; return its manifest entry
    (the encoder is stored by spec, name and dimension, not by weights)."""
    meta: dict[str, Any] = {"features": featurizer.features, "encoder": featurizer.encoder,
                            "clean_text": bool(featurizer.clean_text),
                            "encoder_spec": featurizer.encoder_spec_, "encoder_name": featurizer.encoder_name_,
                            "encoder_dim": featurizer.encoder_dim_, "tfidf": None,
                            "fine_tune": featurizer.fine_tune_, "fine_tuned_encoder": None}
    if featurizer.fine_tuned:
        meta["fine_tuned_encoder"] = save_tuned_encoder(featurizer.get_encoder(), directory)
    if featurizer.tfidf_ is not None:
        meta["tfidf"] = save_tfidf(featurizer.tfidf_, directory)
        meta["tfidf_dims"] = list(featurizer.tfidf_dims)
    return meta


def load_featurizer(directory: Any, meta: dict[str, Any], encoder: dict[str, Any]) -> TextFeaturizer:
    """Rebuild the featurizer written by :func:`save_featurizer` (dimensions checked against the
    manifest's ``encoder`` entry)."""
    # artifacts written before text cleaning existed embedded the texts as written
    f = TextFeaturizer(meta["features"], meta["encoder"], clean_text=bool(meta.get("clean_text", False)))
    f.encoder_spec_ = meta.get("encoder_spec")
    f.encoder_name_ = meta.get("encoder_name")
    f.encoder_dim_ = meta.get("encoder_dim")
    f.fine_tune_ = meta.get("fine_tune")  # absent in artifacts written before fine-tuning existed
    if meta.get("fine_tuned_encoder"):
        f._encoder = load_tuned_encoder(Path(directory), meta["fine_tuned_encoder"])
        check_dimensions(encoder=int(f._encoder.dim), head=int(f.encoder_dim_ or 0),
                         where=f"{directory} (fine-tuned encoder)")
    if f.encoder_spec_ is not None and encoder.get("dim") is not None:
        check_dimensions(encoder=int(encoder["dim"]), head=int(f.encoder_dim_ or 0), where=str(directory))
    if meta.get("tfidf"):
        f.tfidf_ = load_tfidf(directory, meta["tfidf"])
        if list(f.tfidf_dims) != list(meta.get("tfidf_dims", f.tfidf_dims)):
            raise ArtifactError(f"{directory}: TF-IDF vocabulary sizes {list(f.tfidf_dims)} differ from the "
                                f"manifest's {meta.get('tfidf_dims')}; the artifact is damaged")
    return f
