"""Turning tickets into features: input coercion, the shared text featurizer, context one-hots.

Internal module. :class:`TextFeaturizer` is what :class:`cxml.triage.TicketClassifier` and
:class:`cxml.triage.Triage` share: it embeds each ticket once (encoder named by a spec string)
and/or computes TF-IDF word and character n-grams, and lays the blocks side by side for a
linear head. :class:`ContextEncoder` one-hot encodes structured columns (channel, segment, ...).
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from cxml.schema import TicketBatch

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

    def transform(self, frame: pd.DataFrame | None, n: int,
                  overrides: dict[str, Sequence[Any]] | None = None) -> sp.csr_matrix:
        """Sparse one-hot matrix ``(n, dim)``; ``overrides`` supplies columns absent from ``frame``."""
        blocks = []
        for c, cats in self.categories_.items():
            lookup = {v: j for j, v in enumerate(cats)}
            if overrides and c in overrides and (frame is None or c not in frame.columns):
                values = list(overrides[c])
            elif frame is not None and c in frame.columns:
                values = frame[c].tolist()
            else:
                values = [None] * n
            rows, cols = [], []
            for i, v in enumerate(values):
                if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                    continue
                j = lookup.get(str(v))
                if j is not None:
                    rows.append(i)
                    cols.append(j)
            blocks.append(sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, len(cats))))
        if not blocks:
            return sp.csr_matrix((n, 0), dtype=np.float32)
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def missing_in(self, frame: pd.DataFrame | None, overrides: dict[str, Any] | None = None) -> list[str]:
        """Fitted context columns that ``frame`` lacks."""
        have = set() if frame is None else set(frame.columns)
        have |= set(overrides or ())
        return [c for c in self.categories_ if c not in have]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "categories": self.categories_}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ContextEncoder:
        enc = cls(d.get("columns", []))
        enc.categories_ = {k: list(v) for k, v in d.get("categories", {}).items()}
        return enc


# --------------------------------------------------------------------------- text features
@dataclass
class TextFeatures:
    """Feature blocks of a batch of tickets (rows aligned)."""

    embedding: np.ndarray | None = None
    word: sp.csr_matrix | None = None
    char: sp.csr_matrix | None = None
    raw: np.ndarray | None = None  # precomputed input, as given

    @property
    def n(self) -> int:
        for b in (self.raw, self.embedding, self.word, self.char):
            if b is not None:
                return int(b.shape[0])
        return 0

    def take(self, rows: np.ndarray) -> TextFeatures:
        return TextFeatures(*(None if b is None else b[rows] for b in (self.embedding, self.word,
                                                                       self.char, self.raw)))

    def head_matrix(self, context: sp.csr_matrix | None = None) -> Any:
        """The matrix a linear head is fitted on: blocks scaled to comparable norms."""
        if self.raw is not None:
            return self.raw
        blocks: list[Any] = []
        if self.embedding is not None:
            w = EMBEDDING_WEIGHT if (self.word is not None) else 1.0
            blocks.append(sp.csr_matrix(self.embedding * np.float32(w)))
        if self.word is not None and self.char is not None:
            s = np.float32(1.0 / math.sqrt(2.0))
            blocks += [self.word * s, self.char * s]
        if context is not None and context.shape[1]:
            blocks.append(context * np.float32(CONTEXT_WEIGHT))
        if len(blocks) == 1 and self.embedding is not None:
            return self.embedding
        return sp.hstack(blocks, format="csr", dtype=np.float32)

    def oos_matrix(self) -> Any:
        """The vectors out-of-scope similarity is measured on (L2-normalised rows)."""
        if self.embedding is not None:
            return self.embedding
        if self.raw is not None:
            return _normalize(self.raw)
        return self.word


def _normalize(x: Any) -> Any:
    from sklearn.preprocessing import normalize

    return normalize(np.asarray(x, dtype=np.float64) if not sp.issparse(x) else x).astype(np.float32)


class TextFeaturizer:
    """Embeddings and/or TF-IDF n-grams for ticket texts, fitted once and shared by all heads.

    Parameters
    ----------
    features : {"embedding", "tfidf", "hybrid"}
    encoder : str
        Encoder spec (``"auto"`` is resolved from the training texts, ``"precomputed"``
        means the input already is an embedding matrix).
    """

    def __init__(self, features: str = "hybrid", encoder: str = "auto") -> None:
        self.features = features
        self.encoder = encoder
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
    def uses_tfidf(self) -> bool:
        return self.features in ("tfidf", "hybrid") and self.encoder != "precomputed"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_encoder"] = None  # loaded models are not pickled: re-resolved from the spec
        state.pop("_unigram_idf", None)
        return state

    def get_encoder(self) -> Any:
        """The encoder, loaded from its spec on first use (dimensions checked)."""
        if self._encoder is None:
            from cxml import encoders
            from cxml.persistence import check_dimensions

            # None (a tf-idf-only featurizer) is refused by load() itself, with a ValueError
            enc = encoders.load(self.encoder_spec_)  # type: ignore[arg-type]
            if self.encoder_dim_ is not None:
                check_dimensions(encoder=int(enc.dim), head=int(self.encoder_dim_),
                                 where=f"encoder {self.encoder_spec_!r}")
            self._encoder = enc
        return self._encoder

    def _encode(self, batch: TicketBatch) -> np.ndarray:
        """The batch's embeddings, computed once per batch whichever head or model asks first."""
        return batch.embed(self.get_encoder(), role="query")

    # -- fit / transform -------------------------------------------------------------
    def fit_transform(self, batch: TicketBatch) -> TextFeatures:
        if self.encoder == "precomputed":
            self.encoder_spec_ = "precomputed"
            self.encoder_name_ = "precomputed embeddings"
            assert batch.matrix is not None
            self.encoder_dim_ = int(batch.matrix.shape[1])
            return self.transform(batch)
        texts = batch.texts
        if self.uses_embedding:
            from cxml import encoders

            spec = encoders.resolve_spec(self.encoder, [t for t in texts if t.strip()] or texts)
            if spec == "tfidf":
                raise ValueError("encoder='tfidf' is not an embedding model: use features='tfidf' for "
                                 "TF-IDF features, or a neural encoder spec for features='embedding'/'hybrid'")
            self.encoder_spec_ = spec
            self._encoder = None
            self.encoder_dim_ = None
            enc = self.get_encoder()
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

    def transform(self, batch: TicketBatch) -> TextFeatures:
        if self.encoder == "precomputed" or self.encoder_spec_ == "precomputed":
            raw = batch.matrix
            assert raw is not None
            return TextFeatures(raw=raw, embedding=None)
        out = TextFeatures()
        if self.encoder_spec_ is not None:
            out.embedding = self._encode(batch)
        if self.tfidf_ is not None:
            word_vec, char_vec = (v for _, v in self.tfidf_.transformer_list)
            out.word = word_vec.transform(batch.texts).astype(np.float32).tocsr()
            out.char = char_vec.transform(batch.texts).astype(np.float32).tocsr()
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
            return {"spec": self.encoder_spec_, "name": self.encoder_name_, "dim": self.encoder_dim_}
        w, c = self.tfidf_dims
        return {"spec": "tfidf", "name": "tfidf (word 1-2 + char_wb 2-5)", "dim": w + c}


_TFIDF_PARAMS = {
    "word": {"ngram_range": (1, 2), "analyzer": "word"},
    "char": {"ngram_range": (2, 5), "analyzer": "char_wb"},
}


def _tfidf_vectorizer(kind: str, min_df: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, min_df=min_df, max_features=100_000, dtype=np.float32,
                           **_TFIDF_PARAMS[kind])


def save_tfidf(union: Any, directory: Any) -> dict[str, Any]:
    """Write a fitted TF-IDF union in plain formats: vocabulary as JSON (terms in column order),
    idf weights as ``.npy``. (skops would store the vocabulary dict node by node: slow and large.)"""
    import json
    from pathlib import Path

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
    import json
    from pathlib import Path

    from sklearn.pipeline import FeatureUnion

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
            from cxml.persistence import ArtifactError

            raise ArtifactError(f"{directory}: TF-IDF {kind} vocabulary ({len(vec.vocabulary_)} terms) and idf "
                                f"weights ({len(vec.idf_)}) disagree; the artifact is damaged")
        parts.append((kind, vec))
    return FeatureUnion(parts)


def _fit_tfidf(texts: list[str]) -> Any:
    """TF-IDF word (1-2) + char_wb (2-5) n-grams; terms seen in fewer than 2 tickets are dropped
    (a second guard, after scrubbing, against storing rare strings such as names or codes)."""
    from sklearn.pipeline import FeatureUnion

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


# --------------------------------------------------------------------------- out of scope
def fit_prototypes(V: Any, y: np.ndarray, n_classes: int, *, random_state: int = 0,
                   max_per_class: int = 8) -> np.ndarray:
    """Per-class prototype vectors (k-means centres, L2-normalised) for similarity scoring.

    Each class gets ``min(max_per_class, max(1, n_c // 20))`` prototypes.
    """
    from sklearn.cluster import KMeans

    protos: list[np.ndarray] = []
    for c in range(n_classes):
        rows = np.flatnonzero(y == c)
        if not len(rows):
            continue
        Vc = V[rows]
        k = min(max_per_class, max(1, len(rows) // 20))
        if k == 1:
            centre = np.asarray(Vc.mean(axis=0), dtype=np.float64).reshape(1, -1)
        else:
            km = KMeans(n_clusters=k, n_init=1, random_state=random_state, max_iter=50)
            km.fit(Vc.astype(np.float64) if not sp.issparse(Vc) else Vc.astype(np.float64))
            centre = km.cluster_centers_
        protos.append(centre)
    if not protos:
        dim = V.shape[1]
        return np.zeros((0, dim), dtype=np.float32)
    P = np.vstack(protos)
    norms = np.linalg.norm(P, axis=1, keepdims=True)
    return (P / np.maximum(norms, 1e-12)).astype(np.float32)


def max_similarity(V: Any, prototypes: np.ndarray) -> np.ndarray:
    """Highest cosine similarity of each (L2-normalised) row to the prototypes."""
    if prototypes.shape[0] == 0:
        return np.zeros(V.shape[0], dtype=np.float64)
    S = V @ prototypes.T
    S = np.asarray(S.todense() if sp.issparse(S) else S, dtype=np.float64)
    return S.max(axis=1)


def _unigram_analyzer() -> Any:
    return _tfidf_vectorizer("word", 1).set_params(ngram_range=(1, 1)).build_analyzer()


def unigram_idf(word_vectorizer: Any) -> dict[str, float]:
    """idf of the single-word terms of a fitted word TF-IDF vectorizer."""
    idf = word_vectorizer.idf_
    return {t: float(idf[j]) for t, j in word_vectorizer.vocabulary_.items() if " " not in t}


def leave_one_out_coverage(texts: Sequence[str], idf: dict[str, float]) -> np.ndarray:
    """:func:`vocabulary_coverage` of each training text against the vocabulary of the others.

    A word is in the vocabulary when at least two tickets use it, so without ticket ``i`` a
    word of ``i`` stays known only if at least two other tickets use it. This is what a new
    in-scope ticket meets, computed from document frequencies in one pass (no refits).
    """
    from sklearn.feature_extraction.text import CountVectorizer

    if not idf:
        return np.zeros(len(texts))
    cv = CountVectorizer(analyzer=_unigram_analyzer())
    try:
        counts = cv.fit_transform(texts).tocsr()
    except ValueError:  # no words at all
        return np.zeros(len(texts))
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    unknown = max(idf.values())
    terms = cv.get_feature_names_out()
    w_idf = np.array([idf.get(t, unknown) for t in terms])
    known = np.array([t in idf for t in terms]) & (df >= 3)
    num = counts @ np.where(known, w_idf, 0.0)
    den = counts @ np.where(known, w_idf, unknown)
    return np.where(den > 0, num / np.maximum(den, 1e-12), 0.0)


def vocabulary_coverage(texts: Sequence[str], idf: dict[str, float]) -> np.ndarray:
    """How much of each text the training vocabulary covers: the idf-weighted share of its words
    that are known, an unknown word weighing as much as the rarest known one. In-scope tickets
    score near 1; text about something else (a recipe, the weather) is mostly unknown words."""
    analyzer = _unigram_analyzer()
    unknown = max(idf.values()) if idf else 1.0
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        known = missing = 0.0
        for w in analyzer(text):
            v = idf.get(w)
            if v is None:
                missing += unknown
            else:
                known += v
        out[i] = known / (known + missing) if (known + missing) > 0 else 0.0
    return out
