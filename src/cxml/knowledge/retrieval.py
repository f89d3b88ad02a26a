"""Retrieval building blocks of the knowledge base: passages, BM25, faiss, fusion, topics.

Private: the public face is :class:`cxml.knowledge.KnowledgeBase`. Everything here is
deterministic and pickle-free (the lexical index is rebuilt from stored passages).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

__all__ = [
    "Passage",
    "split_passages",
    "tokenize",
    "LexicalIndex",
    "DenseIndex",
    "IndexSettings",
    "INDEX_KINDS",
    "rrf",
    "read_article_files",
    "ctfidf_keywords",
]

# --------------------------------------------------------------------------- passages
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"'(])")


@dataclass(frozen=True)
class Passage:
    """One retrievable piece of an article.

    Attributes
    ----------
    heading : str
        The Markdown heading the passage sits under ("" before the first heading).
    chunk : str
        The passage text itself (shown as the snippet).
    text : str
        What is embedded and indexed: title, heading and chunk.
    """

    heading: str
    chunk: str
    text: str


def _words(text: str) -> int:
    return len(text.split())


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Split a paragraph longer than ``max_words`` at sentence ends, then at word counts."""
    if _words(paragraph) <= max_words:
        return [paragraph]
    out: list[str] = []
    cur: list[str] = []
    n = 0
    for sentence in _SENTENCE.split(paragraph):
        words = sentence.split()
        while len(words) > max_words:  # one giant sentence
            if cur:
                out.append(" ".join(cur))
                cur, n = [], 0
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if n + len(words) > max_words and cur:
            out.append(" ".join(cur))
            cur, n = [], 0
        cur.append(" ".join(words))
        n += len(words)
    if cur:
        out.append(" ".join(cur))
    return [p for p in out if p.strip()]


def split_passages(title: str, body: str, max_words: int = 200) -> list[Passage]:
    """Split an article into passages along Markdown headings and paragraphs.

    Paragraphs under one heading are packed together up to ``max_words`` words; longer
    paragraphs are split at sentence ends. The title (and the section heading) is prepended
    to each passage's indexed text, so a passage keeps its context.

    Parameters
    ----------
    title : str
    body : str
        Markdown (or plain text).
    max_words : int, default=200

    Returns
    -------
    list of Passage
        At least one passage (the title alone for an empty body).
    """
    title = (title or "").strip()
    sections: list[tuple[str, list[str]]] = [("", [])]
    para: list[str] = []

    def flush() -> None:
        if para:
            sections[-1][1].append(" ".join(s.strip() for s in para).strip())
            para.clear()

    for line in (body or "").splitlines():
        m = _HEADING.match(line)
        if m:
            flush()
            sections.append((m.group(2).strip(), []))
        elif not line.strip():
            flush()
        else:
            para.append(line)
    flush()

    passages: list[Passage] = []
    for heading, paragraphs in sections:
        pieces = [p for par in paragraphs if par for p in _split_long(par, max_words)]
        packed: list[str] = []
        cur: list[str] = []
        n = 0
        for piece in pieces:
            w = _words(piece)
            if cur and n + w > max_words:
                packed.append("\n".join(cur))
                cur, n = [], 0
            cur.append(piece)
            n += w
        if cur:
            packed.append("\n".join(cur))
        for chunk in packed:
            context = title if not heading or heading == title else f"{title} — {heading}"
            passages.append(Passage(heading, chunk, f"{context}\n{chunk}" if context else chunk))
    if not passages:
        passages.append(Passage("", title, title))
    return passages


# --------------------------------------------------------------------------- lexical
# Function words of English and Finnish: BM25's idf already discounts them, but they make
# the coverage normaliser of short queries noisy.
STOP_WORDS = frozenset("""
a an and are as at be but by can do does for from has have how i if in is it its me my no not of on or our
so than that the their them then there these they this to was we were what when where which who why will
with you your am been did get got had he her him his i'm it's she us
ja on ei se että oli ovat olla mutta tai kun jos niin kuin myös vain sekä mitä mikä miten miksi missä
minä sinä hän me te he minun sinun meidän teidän mun mä se ne tämä tuo nyt jo vielä voi voin voiko
olen olet olemme ole en et emme hei kiitos moi terveisin
""".split())
_TOKEN = re.compile(r"[^\W_]+(?:[-_./:#][^\W_]+)*", re.UNICODE)
_SEP = re.compile(r"[-_./:#]")
_DIGIT = re.compile(r"\d")


def tokenize(text: str, stem: int | None = 6) -> list[str]:
    """Lowercase word tokens for BM25; codes keep their compound form.

    ``"Error E-1042 at checkout"`` gives ``error``, ``e-1042``, ``1042``, ``checko``:
    compound codes (error, product and order codes) are kept whole *and* split, so an exact
    code matches strongly and a partial one still matches. Words longer than ``stem``
    characters are truncated to it: a crude, language-free stemmer that works well for
    Finnish inflection (``toimitus``, ``toimituksen`` -> ``toimit``) and English plurals.

    Parameters
    ----------
    text : str
    stem : int or None, default=6
        Truncation length; None keeps words whole.
    """
    out: list[str] = []
    for tok in _TOKEN.findall(text.lower()):
        if _SEP.search(tok):
            out.append(tok)
            parts = _SEP.split(tok)
            parts = [p for p in parts if len(p) > 1]
        else:
            parts = [tok]
        for p in parts:
            if p in STOP_WORDS:
                continue
            if stem and len(p) > stem and not _DIGIT.search(p):
                p = p[:stem]
            out.append(p)
    return out


class LexicalIndex:
    """Okapi BM25 over a list of texts, as a sparse matrix (no extra dependency).

    Scores are exact BM25 (Lucene idf, ``k1``, ``b``). :meth:`score` also returns each query's
    *coverage normaliser*, the score a passage would get that contains every query term
    once at average length (unknown query terms count with the largest idf), so
    ``score / normaliser`` is a comparable-across-queries lexical match in about [0, 1].

    Parameters
    ----------
    k1 : float, default=1.2
    b : float, default=0.75
    stem : int or None, default=6
        See :func:`tokenize`.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75, stem: int | None = 6) -> None:
        self.k1 = k1
        self.b = b
        self.stem = stem
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, np.float32)
        self.weights_: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self.n_docs_ = 0

    def fit(self, texts: Sequence[str]) -> LexicalIndex:
        """Index the texts (row i of every score matrix is text i)."""
        vocab: dict[str, int] = {}
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            counts: dict[int, int] = {}
            for tok in tokenize(text, self.stem):
                j = vocab.setdefault(tok, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            indices.extend(counts)
            data.extend(counts.values())
            indptr.append(len(indices))
        n = len(indptr) - 1
        tf = sp.csr_matrix((np.asarray(data, np.float32), np.asarray(indices, np.int64),
                            np.asarray(indptr, np.int64)), shape=(n, len(vocab)))
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = float(dl.mean()) if n and dl.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=len(vocab)).astype(np.float64)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        norm = self.k1 * (1.0 - self.b + self.b * dl / avgdl)
        rows = np.repeat(np.arange(n), np.diff(tf.indptr))
        w = tf.data * (self.k1 + 1.0) / (tf.data + norm[rows])
        self.weights_ = sp.csr_matrix((w * idf[tf.indices], tf.indices, tf.indptr),
                                      shape=tf.shape, dtype=np.float32)
        self.vocabulary_ = vocab
        self.idf_ = idf.astype(np.float32)
        self.n_docs_ = n
        self._max_idf = float(np.log(1.0 + (n + 0.5) / 0.5)) if n else 1.0
        self._wt = self.weights_.T.tocsr()
        self._df = df
        self._rare = max(3.0, 0.002 * n)  # a code names a few texts, not a fifth of them ("14 days")
        self._presence_t = sp.csr_matrix((np.ones_like(tf.data), tf.indices, tf.indptr), shape=tf.shape,
                                         dtype=np.float32).T.tocsr()
        return self

    def _query_terms(self, query: str) -> tuple[list[int], float]:
        """Known term ids of a query (each once) and its coverage normaliser."""
        toks = set(tokenize(query, self.stem))
        ids = [self.vocabulary_[t] for t in toks if t in self.vocabulary_]
        unknown = len(toks) - len(ids)
        return ids, float(self.idf_[ids].sum()) + unknown * getattr(self, "_max_idf", 1.0)

    def score(self, queries: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores of every query against every indexed text.

        Each query term adds its postings (a row of the term-major weight matrix) to the
        query's row: the sparse product, without scipy's per-call overhead (one query over
        10,000 passages: 0.22 ms instead of 0.39 ms), summed in the same order and precision.

        Returns
        -------
        scores : ndarray of shape (n_queries, n_docs), float32
        normaliser : ndarray of shape (n_queries,), float32
            Zero for queries with no tokens.
        """
        scores = np.zeros((len(queries), self.n_docs_), np.float32)
        norms = np.zeros(len(queries), np.float32)
        if self.n_docs_ == 0 or not self.vocabulary_:
            return scores, norms
        indptr, indices, data = self._wt.indptr, self._wt.indices, self._wt.data
        for i, q in enumerate(queries):
            ids, norms[i] = self._query_terms(q)
            row = scores[i]
            for j in ids:  # a term's postings name each text once: no duplicate indices
                row[indices[indptr[j]:indptr[j + 1]]] += data[indptr[j]:indptr[j + 1]]
        return scores, norms

    def code_match(self, queries: Sequence[str]) -> np.ndarray:
        """Share of each query's known *codes* that a text contains (idf-weighted), in [0, 1].

        Codes are tokens with a digit (``e-402``, ``px-12345``, ``404``) that occur in a few
        indexed texts (at most 3, or 0.2 % of them): error, product and article codes. Dense encoders barely see them and
        BM25 drowns them among the query's ordinary words, so the fusion gets them as a signal
        of their own. Zero for queries without a known code.
        """
        out = np.zeros((len(queries), self.n_docs_), np.float32)
        if self.n_docs_ == 0 or not self.vocabulary_:
            return out
        for i, text in enumerate(queries):
            ids = sorted({self.vocabulary_[t] for t in tokenize(text, self.stem)
                          if _DIGIT.search(t) and t in self.vocabulary_})
            ids = [j for j in ids if self._df[j] <= self._rare]
            if not ids:
                continue
            w = self.idf_[ids]
            out[i] = (w @ self._presence_t[ids].toarray()) / max(float(w.sum()), 1e-9)
        return out


# --------------------------------------------------------------------------- dense (faiss)
INDEX_KINDS = ("auto", "flat", "hnsw", "ivf")


@dataclass
class IndexSettings:
    """How the faiss index is built (not searched over: set once per knowledge base).

    Attributes
    ----------
    kind : {"auto", "flat", "hnsw", "ivf"}
        ``"auto"``: exact inner product up to ``ann_threshold`` vectors, HNSW above (IVF
        builds about 10x faster but loses recall on data without coarse cluster
        structure: see :class:`cxml.knowledge.KnowledgeBase`).
    ann_threshold : int
        Size above which ``"auto"`` switches from exact to approximate (HNSW) search.
    hnsw_m : int
        Graph degree of HNSW.
    ef_construction, ef_search : int
        HNSW build and search beam widths.
    ivf_nlist : int or None
        Inverted lists (k-means cells) of IVF; None picks ``4 * sqrt(n)``, at most
        ``n // 39`` so that every cell has the 39 training points faiss asks for.
    ivf_nprobe : int
        Cells visited per query (the default of :meth:`DenseIndex.search`).
    ivf_train_per_list : int
        The k-means of IVF is trained on at most this many vectors per cell (a seeded
        sample); 64 keeps the 1M-vector build near two minutes on two cores.
    seed : int
        Seed of the IVF k-means (initial centres and training sample): the same vectors
        give the same index.
    """

    kind: str = "auto"
    ann_threshold: int = 50_000
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 96
    ivf_nlist: int | None = None
    ivf_nprobe: int = 32
    ivf_train_per_list: int = 64
    seed: int = 0

    def resolve(self, n: int) -> str:
        """The concrete index kind for ``n`` vectors."""
        if self.kind not in INDEX_KINDS:
            raise ValueError(f"index must be one of {', '.join(map(repr, INDEX_KINDS))}, got {self.kind!r}")
        if self.kind == "auto":
            return "hnsw" if n > self.ann_threshold else "flat"
        return self.kind

    def nlist(self, n: int) -> int:
        """Number of IVF cells for ``n`` training vectors."""
        want = self.ivf_nlist if self.ivf_nlist is not None else int(round(4.0 * np.sqrt(max(n, 1))))
        return int(max(1, min(int(want), n // 39 if self.ivf_nlist is None else n)))


class DenseIndex:
    """Inner-product search over vectors addressed by int64 ids, on one of three faiss indexes.

    ``"flat"``: ``IndexIDMap2(IndexFlatIP)``, exact. ``"hnsw"``: ``IndexIDMap2(IndexHNSWFlat)``;
    graphs cannot delete, so removed ids become tombstones (filtered at search time) and the
    graph is rebuilt once a fifth of it is dead. ``"ivf"``: ``IndexIVFFlat`` holding the ids
    itself, with a hash-table direct map (``reconstruct`` and ``remove_ids`` by id); its
    k-means cells are trained on the vectors present when it is built and retrained when the
    base has grown or shrunk enough that the cell count would change by a factor of 2.

    Parameters
    ----------
    dim : int
    settings : IndexSettings
    """

    def __init__(self, dim: int, settings: IndexSettings | None = None) -> None:
        self.dim = int(dim)
        self.settings = settings or IndexSettings()
        self.kind = "flat"
        self.index = self._new("flat")
        self.dead: set[int] = set()

    def _new(self, kind: str, train: np.ndarray | None = None) -> Any:
        import faiss

        if kind == "ivf":
            if train is None or not len(train):
                raise ValueError("an IVF index needs training vectors")
            quantizer = faiss.IndexFlatIP(self.dim)
            nlist = self.settings.nlist(len(train))
            ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
            ivf.cp.seed = int(self.settings.seed)
            ivf.cp.max_points_per_centroid = int(self.settings.ivf_train_per_list)
            ivf.cp.min_points_per_centroid = 1  # nlist is capped at n // 39 already: no warning on stderr
            ivf.nprobe = int(self.settings.ivf_nprobe)
            ivf.set_direct_map_type(cast(Any, faiss).DirectMap.Hashtable)  # not in faiss's stubs
            ivf.train(np.ascontiguousarray(train, dtype=np.float32))
            return ivf
        base: faiss.Index
        if kind == "hnsw":
            base = faiss.IndexHNSWFlat(self.dim, self.settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = self.settings.ef_construction
            base.hnsw.efSearch = self.settings.ef_search
        else:
            base = faiss.IndexFlatIP(self.dim)
        return faiss.IndexIDMap2(base)

    @property
    def ntotal(self) -> int:
        """Live vectors."""
        return int(self.index.ntotal) - len(self.dead)

    @property
    def nlist(self) -> int:
        """IVF cells (0 for the other kinds)."""
        return int(self.index.nlist) if self.kind == "ivf" else 0

    def ids(self) -> np.ndarray:
        """Ids of the vectors stored (tombstones included)."""
        import faiss

        if self.kind == "ivf":
            lists = self.index.invlists
            parts = [faiss.rev_swig_ptr(lists.get_ids(c), lists.list_size(c)).copy()
                     for c in range(self.index.nlist) if lists.list_size(c)]
            return np.sort(np.concatenate(parts)).astype(np.int64) if parts else np.zeros(0, np.int64)
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def _needs_retrain(self, n: int) -> bool:
        current = self.nlist
        return self.kind == "ivf" and not (current / 2 < self.settings.nlist(n) < current * 2)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        """Add vectors under ids (ids must be new)."""
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim}), got {x.shape}")
        if not len(x):
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        n = self.ntotal + len(x)
        target = self.settings.resolve(n)
        if target != self.kind or (target == "ivf" and self._needs_retrain(n)):
            self._rebuild(target, extra=(x, ids))
            return
        self.index.add_with_ids(x, ids)

    def remove(self, ids: Iterable[int]) -> None:
        """Remove vectors by id (unknown ids are ignored)."""
        import faiss

        arr = np.asarray(sorted(set(int(i) for i in ids)), np.int64)
        if not len(arr):
            return
        if self.kind == "flat":
            self.index.remove_ids(faiss.IDSelectorBatch(arr))
            return
        if self.kind == "ivf":  # the hash-table direct map removes by id array only
            self.index.remove_ids(faiss.IDSelectorArray(arr))
            return
        self.dead.update(int(i) for i in arr)
        if len(self.dead) > 0.2 * max(self.index.ntotal, 1):
            self._rebuild(self.settings.resolve(self.ntotal))

    def _rebuild(self, kind: str, extra: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        ids = self.ids()
        live = ids[~np.isin(ids, np.fromiter(self.dead, np.int64, len(self.dead)))] if self.dead else ids
        x = self.reconstruct(live) if len(live) else np.zeros((0, self.dim), np.float32)
        if extra is not None and not len(live):  # a first build: no copy of the (maybe large) input
            x, live = extra
        elif extra is not None:
            x = np.vstack([x, extra[0]])
            live = np.concatenate([live, extra[1]])
        if kind == "ivf" and not len(x):
            kind = "flat"  # nothing to train on: IVF is built at the next add
        x = np.ascontiguousarray(x, dtype=np.float32)
        self.index = self._new(kind, train=x)
        self.kind = kind
        self.dead = set()
        if len(live):
            self.index.add_with_ids(x, np.ascontiguousarray(live, dtype=np.int64))

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of the given ids, shape (len(ids), dim)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        return np.asarray(self.index.reconstruct_batch(ids), np.float32).reshape(len(ids), self.dim)

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` inner products; ``allowed`` restricts to those ids.

        Parameters
        ----------
        queries : ndarray of shape (n_queries, dim)
        k : int
        allowed : ndarray of int64, optional
            Ids to search among; up to 20,000 of them (or any number on a flat index) are
            searched exactly.
        nprobe : int, optional
            IVF cells visited per query; default ``settings.ivf_nprobe``.

        Returns
        -------
        scores, ids : ndarrays of shape (n_queries, k); missing results have id -1.
        """
        import faiss

        q = np.ascontiguousarray(queries, dtype=np.float32)
        if allowed is not None:
            allowed = np.asarray(allowed, np.int64)
            if self.dead:
                allowed = allowed[~np.isin(allowed, np.fromiter(self.dead, np.int64, len(self.dead)))]
            if len(allowed) <= 20_000 or self.kind == "flat":
                # exact over the subset: also what HNSW / IVF need under a restrictive filter
                return _exact_top(q, self.reconstruct(allowed), allowed, k)
        kk = min(int(k), self.ntotal if allowed is None else len(allowed))
        if kk <= 0:
            return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
        if self.kind in ("hnsw", "ivf"):
            keep: list[Any] = []  # selectors must outlive the search
            if allowed is not None:
                keep.append(faiss.IDSelectorBatch(allowed))
            elif self.dead:
                keep.append(faiss.IDSelectorBatch(np.fromiter(self.dead, np.int64, len(self.dead))))
                keep.append(faiss.IDSelectorNot(keep[0]))
            if self.kind == "hnsw":
                params = cast(Any, faiss).SearchParametersHNSW()  # not in faiss's stubs
                params.efSearch = max(self.settings.ef_search, kk)
            else:
                params = faiss.SearchParametersIVF()
                params.nprobe = max(1, min(int(nprobe or self.settings.ivf_nprobe), self.nlist))
            if keep:
                params.sel = keep[-1]
            with _few_threads(len(q)):
                d, i = self.index.search(q, kk, params=params)
        else:
            with _few_threads(len(q)):
                d, i = self.index.search(q, kk)
        return d.astype(np.float32), i.astype(np.int64)

    def save(self, path: str | Path) -> None:
        """Write the faiss index (``faiss.write_index``)."""
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def read(cls, path: str | Path, settings: IndexSettings, live_ids: np.ndarray) -> DenseIndex:
        """Read an index written by :meth:`save`; ids not in ``live_ids`` become tombstones.

        Raises
        ------
        ValueError
            When the file holds no index of a kind :class:`DenseIndex` writes.
        """
        import faiss

        index = faiss.read_index(str(path))
        obj = cls(index.d, settings)
        obj.index = index
        if isinstance(index, faiss.IndexIVF):
            obj.kind = "ivf"
            if index.direct_map.type != cast(Any, faiss).DirectMap.Hashtable:  # not in faiss's stubs
                index.set_direct_map_type(cast(Any, faiss).DirectMap.Hashtable)
            index.nprobe = settings.ivf_nprobe
        elif isinstance(index, faiss.IndexIDMap2):
            inner = faiss.downcast_index(index.index)
            obj.kind = "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat"
            if isinstance(inner, faiss.IndexHNSW):
                inner.hnsw.efSearch = settings.ef_search
        else:
            raise ValueError(f"{path} holds a faiss {type(index).__name__}, not an index cxml writes "
                             "(IndexIDMap2 over flat / HNSW, or IndexIVFFlat)")
        stored = obj.ids()
        stale = stored[~np.isin(stored, live_ids)]
        if obj.kind == "ivf":
            obj.remove(stale)
        else:
            obj.dead = set(stale.tolist())
        return obj


@contextlib.contextmanager
def _few_threads(n_queries: int) -> Iterator[None]:
    """One OpenMP thread for a handful of queries.

    faiss parallelises a single query over threads; on a busy machine the thread barriers
    cost far more than they save (measured: 36 ms instead of 1.4 ms for one query over 10k
    vectors on two shared cores).
    """
    import faiss

    if n_queries > 16:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _exact_top(q: np.ndarray, x: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    k = min(int(k), len(ids))
    if k <= 0:
        return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
    s = q @ x.T
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    ps = np.take_along_axis(s, part, axis=1)
    order = np.argsort(-ps, axis=1, kind="stable")
    top = np.take_along_axis(part, order, axis=1)
    return np.take_along_axis(s, top, axis=1).astype(np.float32), ids[top]


# --------------------------------------------------------------------------- fusion
def rrf(ranks: Sequence[np.ndarray], k: float = 60.0) -> np.ndarray:
    """Reciprocal rank fusion: ``sum 1 / (k + rank)`` over the ranked lists.

    Parameters
    ----------
    ranks : sequence of ndarray
        1-based ranks of the same candidates in each list; ``np.inf`` where a list did not
        return a candidate (contributes nothing).
    k : float, default=60
        Cormack et al.'s constant.
    """
    out = np.zeros(len(ranks[0]) if len(ranks) else 0, np.float64)
    for r in ranks:
        out += np.where(np.isfinite(r), 1.0 / (k + r), 0.0)
    return out


def ranks_desc(values: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """1-based ranks by descending value (ties by position); ``inf`` where not ``present``."""
    order = np.argsort(-values, kind="stable")
    r = np.empty(len(values), np.float64)
    r[order] = np.arange(1, len(values) + 1)
    if present is not None:
        r[~present] = np.inf
    return r


# --------------------------------------------------------------------------- files
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    raw = m.group(1)
    meta: dict[str, Any] = {}
    try:
        import yaml  # optional: PyYAML when installed

        loaded = yaml.safe_load(raw)
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
    except Exception:  # noqa: BLE001 - fall back to "key: value" lines
        key = None
        for line in raw.splitlines():
            if re.match(r"^\s+-\s+", line) and key:
                meta.setdefault(key, [])
                if isinstance(meta[key], list):
                    meta[key].append(line.split("-", 1)[1].strip().strip("'\""))
                continue
            if ":" in line:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if value.startswith("[") and value.endswith("]"):
                    meta[key] = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
                elif value:
                    meta[key] = value.strip("'\"")
    return meta, text[m.end():]


class _HTMLText(HTMLParser):
    """HTML to Markdown-ish text: headings become ``## ...``, blocks become paragraphs."""

    _BLOCK = {"p", "div", "li", "br", "tr", "section", "article", "ul", "ol", "table", "pre", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.first_heading = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []
        self._in: list[str] = []
        self._skip = 0
        self._heading: list[str] | None = None
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "nav", "footer", "header"):
            self._skip += 1
        elif tag == "title":
            self._title = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        elif tag == "meta":
            a = dict(attrs)
            if a.get("name") and a.get("content"):
                self.meta[str(a["name"]).lower()] = str(a["content"])
        elif tag in self._BLOCK:
            self.parts.append("\n\n")
        if tag == "html":
            lang = dict(attrs).get("lang")
            if lang:
                self.meta["language"] = lang.split("-")[0].lower()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "nav", "footer", "header"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title" and self._title is not None:
            self.title = " ".join("".join(self._title).split())
            self._title = None
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            text = " ".join("".join(self._heading).split())
            if text:
                if not self.first_heading:
                    self.first_heading = text
                self.parts.append(f"\n\n## {text}\n\n")
            self._heading = None
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._heading is not None:
            self._heading.append(data)
        else:
            self.parts.append(data)


def _parse_html(text: str) -> dict[str, Any]:
    p = _HTMLText()
    p.feed(text)
    body = "".join(p.parts)
    body = re.sub(r"[ \t]+", " ", body)
    body = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", body).strip()
    title = p.title or p.first_heading
    if p.first_heading and p.first_heading == title:  # drop the title heading from the body
        body = body.replace(f"## {title}", "", 1).strip()
    rec: dict[str, Any] = {"title": html.unescape(title), "body": body}
    if p.meta.get("language"):
        rec["language"] = p.meta["language"]
    if p.meta.get("keywords"):
        rec["tags"] = [t.strip() for t in p.meta["keywords"].split(",") if t.strip()]
    return rec


def _parse_markdown(text: str) -> dict[str, Any]:
    meta, body = _front_matter(text)
    title = str(meta.pop("title", "") or "")
    if not title:
        for line in body.splitlines():
            m = _HEADING.match(line)
            if m:
                title = m.group(2).strip()
                body = body.replace(line, "", 1)
                break
            if line.strip():
                break
    rec: dict[str, Any] = {"title": title, "body": body.strip(), **meta}
    if isinstance(rec.get("tags"), str):
        rec["tags"] = [t.strip() for t in rec["tags"].split(",") if t.strip()]
    return rec


ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


def read_article_files(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a folder (recursively) of Markdown, HTML and text articles.

    Title from front matter ``title:``, else the first heading (``<title>`` / first ``<h1>``
    in HTML), else the file name; ``id`` is the path relative to the folder without its
    suffix; ``url``, ``language``, ``tags`` and any other front-matter keys are kept.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder of articles")
    records = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES):
        text = path.read_text(encoding="utf-8", errors="replace")
        rec = _parse_html(text) if path.suffix.lower() in (".html", ".htm") else _parse_markdown(text)
        rel = path.relative_to(folder).with_suffix("").as_posix()
        rec.setdefault("id", rel)
        rec["id"] = str(rec["id"])
        if not rec.get("title"):
            rec["title"] = path.stem.replace("-", " ").replace("_", " ")
        rec.setdefault("url", path.relative_to(folder).as_posix())
        records.append(rec)
    if not records:
        raise ValueError(f"no articles ({', '.join(ARTICLE_SUFFIXES)}) found under {folder}")
    return records


# --------------------------------------------------------------------------- topics
def ctfidf_keywords(docs: Sequence[str], labels: Sequence[int] | np.ndarray,
                    n_words: int = 8) -> dict[int, list[str]]:
    """Class-based TF-IDF keywords (as in BERTopic): words frequent in a topic, rare elsewhere.

    Parameters
    ----------
    docs : sequence of str
    labels : sequence of int
        Topic of each document.
    n_words : int, default=8

    Returns
    -------
    dict
        Topic -> keywords, best first.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    labels = np.asarray(labels)
    topics = sorted(set(labels.tolist()))
    docs = [re.sub(r"\[[A-Z]+\]", " ", d) for d in docs]  # PII placeholders are not topics
    joined = [" ".join(d for d, lab in zip(docs, labels, strict=True) if lab == t) for t in topics]
    stop = sorted(STOP_WORDS)
    vec = CountVectorizer(token_pattern=r"(?u)\b[^\W\d_][^\W_]{2,}\b", stop_words=stop, lowercase=True)
    try:
        tf = vec.fit_transform(joined).astype(np.float64)
    except ValueError:  # empty vocabulary
        return {t: [] for t in topics}
    words = np.asarray(vec.get_feature_names_out())
    counts = np.asarray(tf.sum(axis=0)).ravel()  # f_t: frequency of each word over all topics
    avg = float(tf.sum()) / max(len(topics), 1)  # A: average number of words per topic
    tf = sp.csr_matrix(tf.multiply(1.0 / np.maximum(tf.sum(axis=1), 1)))
    idf = np.log(1.0 + avg / np.maximum(counts, 1))
    scores = tf.multiply(idf).toarray()
    out = {}
    for row, t in enumerate(topics):
        best = np.argsort(-scores[row], kind="stable")[:n_words]
        out[t] = [str(words[j]) for j in best if scores[row, j] > 0]
    return out


def quantile_rank(sorted_ref: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``values`` in a sorted reference sample (0..1, mid-rank for ties)."""
    if not len(sorted_ref):
        return np.full(np.shape(values), np.nan)
    lo = np.searchsorted(sorted_ref, values, side="left")
    hi = np.searchsorted(sorted_ref, values, side="right")
    return (lo + hi) / (2.0 * len(sorted_ref))
