"""Dense retrieval: faiss flat / HNSW / IVF, tombstones, reading an index back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kb_data import ARTICLES

import cxml
from cxml.knowledge import KnowledgeBase, dense


def test_hnsw_index_switch_and_tombstones():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    arts = [{"id": f"a{i}", "title": f"topic {i}", "language": "en",
             "body": " ".join(rng.choice(words, 30))} for i in range(60)]
    kb = KnowledgeBase(encoder="hash", ann_threshold=40).add(arts)  # auto: HNSW above the threshold
    assert kb.dense_.kind == "hnsw"
    kb.remove(["a1"])
    assert 1 not in {int(x[1:]) for x in kb.suggest_many([arts[1]["body"]], k=5, min_score=0)["article_id"]}
    exact = KnowledgeBase(encoder="hash", index="flat").add(arts).remove(["a1"])
    q = [a["body"] for a in arts[2:22]]
    approx_top = kb.suggest_many(q, k=1, min_score=0)["article_id"].tolist()
    exact_top = exact.suggest_many(q, k=1, min_score=0)["article_id"].tolist()
    assert np.mean(np.array(approx_top) == np.array(exact_top)) >= 0.9
    assert kb.suggest(arts[5]["body"], min_score=0)["article_id"].iloc[0] == "a5"
    # tombstones: removing a fifth of the graph rebuilds it without the dead vectors
    kb.remove([f"a{i}" for i in range(2, 16)])
    assert not kb.dense_.dead and kb.dense_.index.ntotal == len(kb.passages_)


def _clustered(n: int, d: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around 40 random centres (like text embeddings: clusters, not noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, d))
    x = centres[rng.integers(0, 40, n)] + rng.normal(0, 0.6, (n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_dense_index_agrees_with_exact_and_is_deterministic():
    x = _clustered(3000)
    ids = np.arange(3000, dtype=np.int64) * 7 + 3  # ids are not positions
    q = _clustered(200, seed=1)
    flat = dense.DenseIndex(64, dense.IndexSettings(kind="flat"))
    flat.add(x, ids)
    ivf = dense.DenseIndex(64, dense.IndexSettings(kind="ivf", seed=0))
    ivf.add(x, ids)
    assert ivf.kind == "ivf" and ivf.nlist == 3000 // 39  # 4 * sqrt(3000) = 219, capped at n // 39
    _, truth = flat.search(q, 10)
    _, every = ivf.search(q, 10, nprobe=ivf.nlist)  # every cell visited: exact
    np.testing.assert_array_equal(every, truth)
    _, approx = ivf.search(q, 10, nprobe=16)
    assert np.mean(approx[:, 0] == truth[:, 0]) >= 0.95
    recall = np.mean([len(set(a) & set(t)) / 10 for a, t in zip(approx, truth, strict=True)])
    assert recall >= 0.9
    _, few = ivf.search(q, 10, nprobe=1)  # nprobe is honoured: one cell misses neighbours
    assert np.mean([len(set(a) & set(t)) / 10 for a, t in zip(few, truth, strict=True)]) < recall
    again = dense.DenseIndex(64, dense.IndexSettings(kind="ivf", seed=0))
    again.add(x, ids)
    np.testing.assert_array_equal(again.search(q, 10, nprobe=4)[1], ivf.search(q, 10, nprobe=4)[1])
    np.testing.assert_array_equal(ivf.reconstruct(ids[[5, 17]]), x[[5, 17]])
    np.testing.assert_array_equal(ivf.ids(), np.sort(ids))


def test_ivf_dense_index_remove_add_and_retrain(tmp_path: Path):
    x = _clustered(4000)
    ivf = dense.DenseIndex(64, dense.IndexSettings(kind="ivf"))
    ivf.add(x[:1000], np.arange(1000))
    assert ivf.nlist == 25
    ivf.remove([0, 1, 2, 10_000])  # an unknown id is ignored
    assert ivf.ntotal == 997 and not ivf.dead
    _, got = ivf.search(x[:3], 5, nprobe=ivf.nlist)
    assert not set(got.ravel()) & {0, 1, 2}
    ivf.add(x[1000:1100], np.arange(1000, 1100))  # small growth: same cells
    assert ivf.nlist == 25
    ivf.add(x[1100:], np.arange(1100, 4000))  # 4x the vectors: cells retrained
    assert ivf.nlist == 102 and ivf.ntotal == 3997
    np.testing.assert_array_equal(ivf.ids(), np.arange(3, 4000))
    np.testing.assert_array_equal(ivf.search(x[3:4], 1, nprobe=ivf.nlist)[1], [[3]])
    ivf.save(tmp_path / "i.faiss")
    back = dense.DenseIndex.read(tmp_path / "i.faiss", dense.IndexSettings(kind="ivf"), np.arange(3, 3990))
    assert back.kind == "ivf" and back.ntotal == 3987  # ids not live any more are dropped on read
    np.testing.assert_array_equal(back.reconstruct(np.array([3, 3989])), x[[3, 3989]])
    with pytest.raises(ValueError, match="index must be one of"):
        dense.IndexSettings(kind="annoy").resolve(10)


def _word_articles(n: int, seed: int = 0) -> list[dict[str, str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]
    return [{"id": f"a{i}", "title": f"topic {i}", "language": "en", "body": " ".join(rng.choice(words, 30))}
            for i in range(n)]


def test_ivf_knowledge_base_matches_flat_update_remove_and_round_trip(tmp_path: Path):
    arts = _word_articles(400)
    kb = KnowledgeBase(encoder="hash", index="ivf").add(arts)
    assert kb.dense_.kind == "ivf" and kb.dense_.nlist == 400 // 39
    exact = KnowledgeBase(encoder="hash", index="flat").add(arts)
    q = [a["body"] for a in arts[:60]]
    kb.set_params(nprobe=kb.dense_.nlist)  # every cell: the same answers as exact search
    pd.testing.assert_frame_equal(kb.suggest_many(q, k=3, min_score=0), exact.suggest_many(q, k=3, min_score=0))
    kb.set_params(nprobe=4)
    top = kb.suggest_many(q, k=1, min_score=0)["article_id"].tolist()
    assert np.mean(np.array(top) == np.array([a["id"] for a in arts[:60]])) >= 0.95
    # update / remove keep ids and passages in step
    index_before = kb.dense_.index
    kb.remove(["a1", "a2"])
    assert kb.dense_.index is index_before  # removed in place, no rebuild
    assert not {"a1", "a2"} & set(kb.suggest_many(q[1:3], k=5, min_score=0)["article_id"])
    kb.update([{"id": "a5", "title": "Tracking a parcel", "language": "en",
                "body": "Use code TRK-77 in the courier's tracker."}])
    assert kb.suggest("TRK-77 courier tracker", min_score=0)["article_id"].iloc[0] == "a5"
    np.testing.assert_array_equal(kb.dense_.ids(), np.sort(kb.passages_["pid"].to_numpy()))
    # save / load: the faiss file keeps the IVF index, results identical
    queries = ["TRK-77", arts[10]["body"], arts[20]["body"]]
    before = kb.suggest_many(queries, min_score=0)
    path = kb.save(tmp_path / "kb")
    assert cxml.persistence.read_manifest(path)["model"]["index_kind"] == "ivf"
    loaded = cxml.load(path)
    assert loaded.dense_.kind == "ivf" and loaded.nprobe == 4
    pd.testing.assert_frame_equal(before, loaded.suggest_many(queries, min_score=0))


def test_load_refuses_index_that_disagrees_with_manifest(tmp_path: Path):
    from cxml.persistence import ArtifactError, read_manifest

    kb = KnowledgeBase(encoder="hash", index="ivf").add(_word_articles(120))
    path = kb.save(tmp_path / "kb")
    manifest = read_manifest(path)
    manifest["model"]["index_kind"] = "hnsw"
    with pytest.raises(ArtifactError, match="of kind 'ivf' but the manifest says 'hnsw'"):
        KnowledgeBase._load_artifact(path, manifest, allow_pickle=False, trusted=())
    manifest = read_manifest(path)
    pd.DataFrame({"pid": [10_000], "article_id": ["a0"], "heading": [""], "snippet": ["x"], "text": ["x"]}).pipe(
        lambda extra: pd.concat([pd.read_parquet(path / "passages.parquet"), extra])).to_parquet(
        path / "passages.parquet", index=False)
    with pytest.raises(ArtifactError, match="lacks the vectors of 1 of the"):
        KnowledgeBase._load_artifact(path, manifest, allow_pickle=False, trusted=())


def test_bad_index_params_are_named():
    with pytest.raises(ValueError, match="index must be one of 'auto', 'flat', 'hnsw', 'ivf'"):
        KnowledgeBase(encoder="hash", index="annoy").add(ARTICLES)
    with pytest.raises(ValueError, match="nprobe must be >= 1"):
        KnowledgeBase(encoder="hash", nprobe=0).add(ARTICLES)
