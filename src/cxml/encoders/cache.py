"""Embeddings cached by ``(encoder, role, text)``: in memory (LRU), optionally in SQLite on disk."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingCache", "DEFAULT_CACHE"]


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


#: The process-wide cache encoders use unless given another.
DEFAULT_CACHE = EmbeddingCache()
