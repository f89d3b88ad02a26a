"""The int8 recipe of e5-small's graph is picked by CPU features (VNNI or not), or forced; FFN outlier channels."""

from __future__ import annotations

import numpy as np
import pytest

from cxml.encoders import int8_recipe

X86_AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
X86_VNNI = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw avx512_vnni avx512_bf16\n"
ARM_DOT = "processor\t: 0\nFeatures\t: fp asimd crc32 atomics asimddp\n"
ARM_OLD = "processor\t: 0\nFeatures\t: fp asimd crc32\n"


@pytest.mark.parametrize(("cpuinfo", "family", "want"), [
    (X86_AVX2, "e5", ["avx2"]), (X86_VNNI, "e5", ["outliers", "avx2"]), (ARM_DOT, "e5", ["outliers", "avx2"]),
    (ARM_OLD, "e5", ["avx2"]), (X86_AVX2, "minilm", ["avx2"]), (X86_VNNI, "minilm", ["ffn32", "avx2"]),
    (ARM_DOT, "minilm", ["ffn32", "avx2"]), (ARM_OLD, "minilm", ["avx2"])])
def test_recipe_follows_the_cpu_flags_and_the_model_family(cpuinfo, family, want, tmp_path, monkeypatch):
    monkeypatch.delenv("CXML_E5_INT8_RECIPE", raising=False)
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    flags = int8_recipe.cpu_flags(str(path))
    monkeypatch.setattr(int8_recipe, "cpu_flags", lambda: flags)
    assert int8_recipe.choose_recipes(family) == want
    assert int8_recipe.has_vnni() == (len(want) > 1)
    if family == "e5":
        assert int8_recipe.choose_recipes() == want  # e5-small's list is the default


def test_minilm_s_recipe_and_an_unknown_family():
    ffn = int8_recipe.RECIPES["ffn32"]
    assert not ffn["reduce_range"] and ffn["fp32_ffn_output"] == "all" and not ffn.get("ffn_outliers", 0)
    with pytest.raises(ValueError, match="family must be one of.*'mpnet'"):
        int8_recipe.choose_recipes("mpnet")


def test_unreadable_cpuinfo_gives_numpy_s_flags_or_none(tmp_path):
    flags = int8_recipe.cpu_flags(str(tmp_path / "missing"))
    assert flags <= int8_recipe.VNNI_FLAGS  # only what numpy can tell, under /proc/cpuinfo's names


def test_a_forced_recipe_wins_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setattr(int8_recipe, "cpu_flags", lambda: frozenset({"avx512_vnni"}))
    monkeypatch.setenv("CXML_E5_INT8_RECIPE", " AVX2 ")
    assert int8_recipe.choose_recipes() == ["avx2"]
    monkeypatch.setenv("CXML_E5_INT8_RECIPE", "vnni")
    assert int8_recipe.choose_recipes() == ["vnni"]
    monkeypatch.setenv("CXML_E5_INT8_RECIPE", "int4")
    with pytest.raises(ValueError, match="CXML_E5_INT8_RECIPE.*'int4'"):
        int8_recipe.choose_recipes()


def test_recipes_differ_where_avx2_saturates():
    outliers, vnni, avx2 = (int8_recipe.RECIPES[r] for r in ("outliers", "vnni", "avx2"))
    assert not outliers["reduce_range"] and outliers["fp32_ffn_output"] == () and outliers["ffn_outliers"] == 1
    assert not vnni["reduce_range"] and vnni["fp32_ffn_output"] == (4,) and not vnni.get("ffn_outliers", 0)
    assert avx2["reduce_range"] and avx2["fp32_ffn_output"] == "all" and not avx2.get("ffn_outliers", 0)


def test_ffn_output_projections_are_told_from_attention_outputs():
    layer = int8_recipe._ffn_output_layer
    assert layer("/inner/encoder/layer.4/output/dense/MatMul") == 4
    assert layer("/inner/encoder/layer.11/output/dense/MatMul") == 11
    assert layer("/inner/encoder/layer.4/attention/output/dense/MatMul") is None
    assert layer("/inner/encoder/layer.4/intermediate/dense/MatMul") is None


# --------------------------------------------------------------------------- FFN outlier channels
FFN_OUT = "/inner/encoder/layer.0/output/dense/MatMul"


def _ffn_graph(path, outlier: int, seed: int):
    """One BERT FFN as the fused graph has it (MatMul, BiasGelu, MatMul), channel ``outlier`` pushed to ~40."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 0.3, (16, 64)).astype(np.float32)
    b1 = rng.normal(0, 0.5, 64).astype(np.float32)
    b1[outlier] = 40.0
    w2 = rng.normal(0, 0.2, (64, 16)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"], name="/inner/encoder/layer.0/intermediate/dense/MatMul"),
             helper.make_node("BiasGelu", ["h", "b1"], ["g"], name="Gelu_AddBias_0", domain="com.microsoft"),
             helper.make_node("MatMul", ["g", "w2"], ["y"], name=FFN_OUT)]
    graph = helper.make_graph(nodes, "ffn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 16])],
                              [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, str(path))
    return model


def _run(model_or_path, x):
    import onnxruntime as ort

    source = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(source, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


@pytest.mark.parametrize("seed", range(3))
def test_the_outlier_split_finds_the_channel_and_computes_the_same_function(tmp_path, seed):
    pytest.importorskip("onnxruntime")
    outlier = [5, 17, 63][seed]
    model = _ffn_graph(tmp_path / "ffn.onnx", outlier, seed)
    x = np.random.default_rng(100 + seed).normal(size=(32, 16)).astype(np.float32)
    peaks = int8_recipe._ffn_peaks(model, [{"x": x[:8], "attention_mask": np.ones(8, dtype=np.int64)}])
    assert list(peaks) == [0] and int(np.argmax(peaks[0])) == outlier
    assert peaks[0][outlier] > 5 * np.sort(peaks[0])[-2]
    want = _run(model, x)
    side = int8_recipe._split_ffn_outliers(model, {0: np.array([outlier])})
    assert side == ["/ffn_outliers/layer.0/up/MatMul", "/ffn_outliers/layer.0/down/MatMul"]
    np.testing.assert_allclose(_run(model, x), want, rtol=1e-5, atol=1e-5)


def test_splitting_the_outlier_channel_makes_int8_closer_to_float32(tmp_path, monkeypatch):
    pytest.importorskip("onnxruntime")
    source = tmp_path / "ffn.onnx"
    _ffn_graph(source, outlier=7, seed=0)
    x = np.random.default_rng(1).normal(size=(64, 16)).astype(np.float32)
    want = _run(str(source), x)
    monkeypatch.setitem(int8_recipe.RECIPES, "plain", {"reduce_range": False, "fp32_ffn_output": ()})
    calibration = [{"x": x[:16], "attention_mask": np.ones(16, dtype=np.int64)}]
    errors = {}
    for recipe in ("plain", "outliers"):
        target = tmp_path / f"{recipe}.onnx"
        int8_recipe.quantise(source, target, recipe, calibration=calibration)
        errors[recipe] = float(np.abs(_run(str(target), x) - want).max())
    assert errors["outliers"] < errors["plain"] / 3, errors


def test_quantising_logs_no_preprocessing_advice_and_leaves_other_records_alone(tmp_path, caplog):
    import logging

    pytest.importorskip("onnxruntime")
    source = tmp_path / "ffn.onnx"
    _ffn_graph(source, outlier=3, seed=0)
    with caplog.at_level(logging.WARNING):
        int8_recipe.quantise(source, tmp_path / "int8.onnx", "avx2")
        logging.warning("Please consider to run pre-processing before quantization (after the call: kept)")
    assert (tmp_path / "int8.onnx").exists()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Please consider to run pre-processing before quantization (after the call: kept)"], messages


def test_an_outlier_recipe_without_calibration_is_refused(tmp_path):
    pytest.importorskip("onnxruntime")
    source = tmp_path / "ffn.onnx"
    _ffn_graph(source, outlier=3, seed=0)
    with pytest.raises(ValueError, match="'outliers' needs calibration feeds"):
        int8_recipe.quantise(source, tmp_path / "int8.onnx", "outliers")
