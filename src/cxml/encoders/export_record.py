"""Records of verified ONNX exports: a sentence-transformers model started again without PyTorch.

Importing sentence-transformers (and with it PyTorch and transformers) takes 3-6 s of a 2-core machine's
start, before the model is even read; the ONNX Runtime path needs none of it once its graph exists and has
passed its parity gates (:class:`~cxml.encoders.onnx_export.OnnxSentenceModel`). So when a model folder's
graph has passed them, :func:`remember` writes a record beside the cached graph, and the next process's
:func:`recall` rebuilds the same encoder from that record, the graph and the folder's ``tokenizer.json``
(run by the ``tokenizers`` library, which transformers itself uses), importing neither PyTorch nor
sentence-transformers.

A record is used only when everything it was verified with is unchanged: it is named by the sha256 of the
model folder's files (weights, configuration, tokenizer), and holds the sha256 of the graph file and the
versions of ONNX Runtime and tokenizers that passed the gates; any difference, a damaged file, or a record
of another format version, and the encoder takes the full path again (PyTorch loaded, the export checked
afresh) and writes a new record. The record is written only when the ``tokenizers`` run of ``tokenizer.json``
gives exactly the ids, masks and type ids of the transformers tokenizer the gates ran with, on every probe and
calibration text, one at a time and padded together.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cxml.encoders.onnx_export import OnnxSentenceModel, cache_dir, onnx_session
from cxml.persistence import file_sha256

logger = logging.getLogger(__name__)

__all__ = ["FastTokenizer", "Recalled", "recall", "remember", "folder_digest", "default_threads"]

#: Format version of the records: a record of another version is ignored (and replaced).
RECORD_VERSION = 1
#: Sub-folders of a model folder that never take part in loading it (other runtimes' copies of the weights).
_SKIP_DIRS = {"onnx", "openvino", ".git", "__pycache__"}
#: Files that never take part in loading a model.
_SKIP_FILES = {"README.md", ".gitattributes", "desktop.ini"}


@dataclass(frozen=True)
class Recalled:
    """An encoder rebuilt from its record: the ONNX Runtime model and the embedding dimension."""

    model: OnnxSentenceModel
    dim: int


class FastTokenizer:
    """A model folder's ``tokenizer.json`` run by the ``tokenizers`` library, called as a transformers tokenizer.

    Only the calls :class:`~cxml.encoders.onnx_export.OnnxSentenceModel` makes are supported: truncation to the
    model's window, and padding (right, with ``pad_id``, mask and type id 0) to the longest text of the call.

    Parameters
    ----------
    path : Path
        The ``tokenizer.json`` file.
    max_length : int
        The model's window in tokens, special tokens included.
    pad_id : int
        The id padding positions carry.
    """

    def __init__(self, path: Path, max_length: int, pad_id: int) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(max_length))
        self.max_length = int(max_length)
        self.pad_id = int(pad_id)

    def __call__(self, texts: list[str], *, return_tensors: str | None = None, padding: bool = False,
                 truncation: bool = True, max_length: int | None = None) -> dict[str, Any]:
        """``input_ids``, ``attention_mask`` and ``token_type_ids`` of ``texts``; arrays when padded."""
        if not truncation or (max_length is not None and int(max_length) != self.max_length):
            raise ValueError(f"this tokenizer truncates to its model's {self.max_length} tokens, always; "
                             f"got truncation={truncation}, max_length={max_length}")
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        masks = [e.attention_mask for e in encodings]
        types = [e.type_ids for e in encodings]
        if not padding:
            return {"input_ids": ids, "attention_mask": masks, "token_type_ids": types}
        width = max((len(i) for i in ids), default=0)
        out = {"input_ids": np.full((len(ids), width), self.pad_id, dtype=np.int64),
               "attention_mask": np.zeros((len(ids), width), dtype=np.int64),
               "token_type_ids": np.zeros((len(ids), width), dtype=np.int64)}
        for row, (i, m, t) in enumerate(zip(ids, masks, types, strict=True)):
            out["input_ids"][row, :len(i)] = i
            out["attention_mask"][row, :len(m)] = m
            out["token_type_ids"][row, :len(t)] = t
        return out


def folder_digest(folder: Path) -> str:
    """sha256 of a model folder: every file that can take part in loading it, by relative path and content.

    READMEs, other runtimes' sub-folders (``onnx/``, ``openvino/``) and hidden files are left out; links (the
    Hugging Face cache's) are followed.
    """
    digest = hashlib.sha256()
    for path in sorted(_model_files(folder)):
        digest.update(str(path.relative_to(folder).as_posix()).encode() + b"\0")
        digest.update(file_sha256(path).encode())
    return digest.hexdigest()


def _model_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")]
        found += [Path(root) / f for f in files if f not in _SKIP_FILES and not f.startswith(".")]
    return found


def _versions() -> dict[str, str]:
    """The runtime versions a record was verified with (read from metadata: nothing is imported)."""
    return {name: importlib.metadata.version(name) for name in ("onnxruntime", "tokenizers")}


def _record_path(folder_sha: str, precision: str) -> Path:
    return cache_dir() / f"st-{folder_sha[:32]}-{precision}.json"


def default_threads() -> int:
    """ONNX Runtime threads when none are given: PyTorch's count when it is loaded (as the full path uses),
    else ``OMP_NUM_THREADS``, else the CPU count."""
    torch = sys.modules.get("torch")
    if torch is not None:
        return int(torch.get_num_threads())
    with contextlib.suppress(ValueError):
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "")))
    return os.cpu_count() or 1


def recall(folder: str | Path, precision: str, num_threads: int | None = None) -> Recalled | None:
    """The verified ONNX Runtime model of ``folder`` at ``precision``, without PyTorch; None when no record holds.

    Parameters
    ----------
    folder : str or Path
        A local sentence-transformers model folder.
    precision : {"fp32", "int8"}
    num_threads : int, optional
        ONNX Runtime intra-op threads (default: :func:`default_threads`).

    Returns
    -------
    Recalled or None
        None (the caller takes the full path) when there is no record, or it, the graph, the folder or a runtime
        version differs from what was verified; the reason is logged at debug level.
    """
    folder = Path(folder)
    try:
        path = _record_path(folder_digest(folder), precision)
        if not path.exists():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        why = _mismatch(record, precision)
        graph = path.parent / str(record.get("graph", ""))
        if why is None and (not graph.is_file() or file_sha256(graph) != record["graph_sha256"]):
            why = f"the graph {graph} is missing or changed"
        if why is not None:
            logger.debug("ONNX export record %s not used: %s", path, why)
            return None
        tokenizer = FastTokenizer(folder / "tokenizer.json", record["max_length"], record["pad_id"])
        model = OnnxSentenceModel(onnx_session(graph, num_threads or default_threads()), tokenizer,
                                  tuple(record["input_names"]), record["pooling"], int(record["max_length"]),
                                  graph, precision=record["precision"], recipe=record["recipe"])
        model.parity_ = record["parity"]
        return Recalled(model, int(record["dim"]))
    except Exception as exc:  # noqa: BLE001 - any doubt means: take the full, checked path
        logger.debug("ONNX export record of %s not used (%s: %s)", folder, type(exc).__name__, exc)
        return None


def _mismatch(record: dict[str, Any], precision: str) -> str | None:
    if record.get("version") != RECORD_VERSION:
        return f"record version {record.get('version')!r}, not {RECORD_VERSION}"
    if record.get("precision") != precision:
        return f"precision {record.get('precision')!r}, not {precision!r}"
    if record.get("versions") != _versions():
        return f"verified with {record.get('versions')}, running {_versions()}"
    return None


def remember(folder: str | Path, model: OnnxSentenceModel, dim: int) -> Path | None:
    """Record ``model`` (built and gated from ``folder`` by the full path) for :func:`recall`.

    Nothing is written (None is returned) when ``folder`` has no ``tokenizer.json`` or the ``tokenizers`` run of
    it differs from ``model``'s transformers tokenizer on any probe or calibration text, or the cache is not
    writable.

    Parameters
    ----------
    folder : str or Path
        The local model folder ``model`` was built from.
    model : OnnxSentenceModel
        A model returned by :meth:`OnnxSentenceModel.build` (its gates passed).
    dim : int
        Embedding dimension.

    Returns
    -------
    Path or None
        The record written.
    """
    folder = Path(folder)
    try:
        if model.path.parent != cache_dir():  # the cache was not writable: the graph went to a temporary folder
            return None
        pad_id = getattr(model.tokenizer, "pad_token_id", None)
        if pad_id is None or not (folder / "tokenizer.json").is_file():
            return None
        fast = FastTokenizer(folder / "tokenizer.json", model.max_length, int(pad_id))
        if not same_tokens(model.tokenizer, fast, model.max_length):
            logger.info("ONNX export of %s not recorded: tokenizer.json run by tokenizers differs from the "
                        "model's tokenizer", folder)
            return None
        record = {"version": RECORD_VERSION, "precision": model.precision, "recipe": model.recipe,
                  "graph": model.path.name, "graph_sha256": file_sha256(model.path), "versions": _versions(),
                  "input_names": list(model.input_names), "pooling": model.pooling,
                  "max_length": int(model.max_length), "pad_id": int(pad_id), "dim": int(dim),
                  "parity": model.parity_}
        target = _record_path(folder_digest(folder), model.precision)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".record-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1)
        os.replace(tmp, target)  # atomic: a concurrent process reads the whole record or none
        return target
    except Exception as exc:  # noqa: BLE001 - a record only saves time; without one, the full path runs
        logger.info("ONNX export of %s not recorded (%s: %s)", folder, type(exc).__name__, exc)
        return None


def same_tokens(reference: Any, fast: FastTokenizer, max_length: int) -> bool:
    """Whether ``fast`` gives exactly ``reference``'s ids, masks and type ids on the probe and calibration texts,
    one at a time and padded together (a long text included, so truncation is compared too)."""
    from cxml.encoders.int8_recipe import CALIBRATION, PROBES

    texts = [*PROBES, *CALIBRATION, " ".join(CALIBRATION) * 4]
    calls = [[t] for t in texts] + [texts]
    for call in calls:
        want = reference(call, return_tensors="np", padding=True, truncation=True, max_length=max_length)
        got = fast(call, return_tensors="np", padding=True, truncation=True, max_length=max_length)
        for name in ("input_ids", "attention_mask", "token_type_ids"):
            if name in want and not np.array_equal(np.asarray(want[name]), got[name]):
                return False
    return True
