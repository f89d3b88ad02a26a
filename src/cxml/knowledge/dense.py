"""Dense retrieval: inner-product search over int64-addressed vectors on faiss (flat, HNSW or IVF).

faiss is imported inside the functions that use it (a heavy dependency, loaded on first use).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from cxml.exceptions import ArtifactError

__all__ = ["INDEX_KINDS", "IndexSettings", "DenseIndex", "read_index"]

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


def read_index(path: Path, settings: IndexSettings, live_ids: np.ndarray, kind: str | None,
                what: str) -> DenseIndex:
    """Read a faiss file of an artifact and check it against the manifest and the stored table.

    Raises
    ------
    ArtifactError
        When the file is not an index cxml writes, holds another kind of index than the
        manifest names, or lacks vectors of stored rows.
    """
    try:
        index = DenseIndex.read(path, settings, live_ids)
    except (RuntimeError, ValueError) as exc:  # faiss raises RuntimeError on a damaged file
        raise ArtifactError(f"cannot read the {what} index {path}: {exc}") from exc
    if kind is not None and index.kind != kind:
        raise ArtifactError(f"{path} holds a faiss index of kind {index.kind!r} but the manifest says {kind!r}: "
                            "the artifact's files were mixed up; re-save the knowledge base")
    missing = np.setdiff1d(np.asarray(live_ids, np.int64), index.ids())
    if len(missing):
        raise ArtifactError(f"{path} lacks the vectors of {len(missing)} of the {len(live_ids)} stored {what} "
                            f"(e.g. id {int(missing[0])}): the index and the table were saved apart; re-save "
                            "the knowledge base")
    return index
