"""Batching, de-duplication, caching, progress and normalisation shared by the dense encoders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxml.encoders.cache import DEFAULT_CACHE, EmbeddingCache
from cxml.encoders.protocol import Role, check_texts, show_progress

__all__ = ["BatchedEncoder"]


class BatchedEncoder:
    """Shared batching, de-duplication, caching, progress and normalisation."""

    spec: str
    name: str
    dim: int
    batch_size: int = 64

    def __init__(self, cache: EmbeddingCache | None = None) -> None:
        self.cache = cache if cache is not None else DEFAULT_CACHE

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
        items = check_texts(texts)
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
                      disable=not show_progress(len(todo), show_progress_bar)) as bar:
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
