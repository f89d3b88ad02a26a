"""The int8 recipe of e5-small's graph is picked by CPU features (VNNI or not), or forced."""

from __future__ import annotations

import pytest

from cxml.encoders import int8_recipe

X86_AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
X86_VNNI = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw avx512_vnni avx512_bf16\n"
ARM_DOT = "processor\t: 0\nFeatures\t: fp asimd crc32 atomics asimddp\n"
ARM_OLD = "processor\t: 0\nFeatures\t: fp asimd crc32\n"


@pytest.mark.parametrize(("cpuinfo", "want"), [(X86_AVX2, ["avx2"]), (X86_VNNI, ["vnni", "avx2"]),
                                               (ARM_DOT, ["vnni", "avx2"]), (ARM_OLD, ["avx2"])])
def test_recipe_follows_the_cpu_flags(cpuinfo, want, tmp_path, monkeypatch):
    monkeypatch.delenv("CXML_E5_INT8_RECIPE", raising=False)
    path = tmp_path / "cpuinfo"
    path.write_text(cpuinfo)
    flags = int8_recipe.cpu_flags(str(path))
    monkeypatch.setattr(int8_recipe, "cpu_flags", lambda: flags)
    assert int8_recipe.choose_recipes() == want
    assert int8_recipe.has_vnni() == (want[0] == "vnni")


def test_unreadable_cpuinfo_gives_numpy_s_flags_or_none(tmp_path):
    flags = int8_recipe.cpu_flags(str(tmp_path / "missing"))
    assert flags <= int8_recipe.VNNI_FLAGS  # only what numpy can tell, under /proc/cpuinfo's names


def test_a_forced_recipe_wins_and_a_bad_one_is_named(monkeypatch):
    monkeypatch.setattr(int8_recipe, "cpu_flags", lambda: frozenset({"avx512_vnni"}))
    monkeypatch.setenv("CXML_E5_INT8_RECIPE", " AVX2 ")
    assert int8_recipe.choose_recipes() == ["avx2"]
    monkeypatch.setenv("CXML_E5_INT8_RECIPE", "int4")
    with pytest.raises(ValueError, match="CXML_E5_INT8_RECIPE.*'int4'"):
        int8_recipe.choose_recipes()


def test_recipes_differ_where_avx2_saturates():
    vnni, avx2 = int8_recipe.RECIPES["vnni"], int8_recipe.RECIPES["avx2"]
    assert not vnni["reduce_range"] and vnni["fp32_ffn_output"] == (4,)
    assert avx2["reduce_range"] and avx2["fp32_ffn_output"] == "all"


def test_ffn_output_projections_are_told_from_attention_outputs():
    layer = int8_recipe._ffn_output_layer
    assert layer("/inner/encoder/layer.4/output/dense/MatMul") == 4
    assert layer("/inner/encoder/layer.11/output/dense/MatMul") == 11
    assert layer("/inner/encoder/layer.4/attention/output/dense/MatMul") is None
    assert layer("/inner/encoder/layer.4/intermediate/dense/MatMul") is None
