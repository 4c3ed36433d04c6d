"""Fine-tune a token-classification model (or the CRF baseline) into a checkpoint folder.

The best epoch is chosen on ``dev`` by the official entity-level F1 over character spans;
the chosen model is then evaluated on ``dev`` and ``test``. Progress goes to an optional
callback; a ``threading.Event`` cancels. Multi-GPU: run ``accelerate launch -m ner train ...``
(or ``torchrun``); the Trainer distributes, nothing here is home-made.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from transformers import TrainerCallback

from ner import corpus
from ner.checkpoints import checkpoints_dir, evaluate_splits, finish, new_run_name, staging_dir
from ner.entities import Document
from ner.gpu import GpuReading, read_gpus
from ner.tagging import TAGS, doc_to_bio

DEFAULT_BASE_MODEL = "PlanTL-GOB-ES/bsc-bio-ehr-es-pharmaconer"


@dataclass(frozen=True)
class TrainSettings:
    """Everything a training run needs; the defaults suit RoBERTa-base on one GPU."""

    base_model: str = DEFAULT_BASE_MODEL  # hub id, local folder, or "crf"
    run_name: str | None = None
    epochs: int = 10
    learning_rate: float = 5e-5
    batch_size: int = 16
    eval_batch_size: int = 64
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    gradient_accumulation: int = 1
    max_length: int = 256  # longer sentences are windowed, never truncated
    patience: int = 3  # epochs without a better dev F1 before stopping; 0 = never stop early
    seed: int = 42
    precision: str = "auto"  # auto (bf16, else fp16, on a GPU), bf16, fp16, fp32
    freeze_embeddings: bool = False  # freeze the word-embedding matrix (a fair CPU shortcut)
    train_split: str = "train"
    dev_split: str = "dev"
    eval_splits: tuple[str, ...] = ("dev", "test")
    max_train_docs: int | None = None  # the first N training documents only
    use_cpu: bool = False
    logging_steps: int = 10


@dataclass(frozen=True)
class Progress:
    """What a training run reports as it goes; ``eta_seconds`` is None until it can be estimated."""

    step: int
    total_steps: int
    epoch: float
    elapsed_seconds: float
    eta_seconds: float | None = None
    loss: float | None = None
    dev_f1: float | None = None
    message: str = ""
    gpus: tuple[GpuReading, ...] = field(default_factory=tuple)


class TrainingCancelled(Exception):
    """The run was cancelled; no checkpoint was written."""


def training_documents(settings: TrainSettings, extra: list[Document] | None = None) -> list[Document]:
    """The annotated documents of the training split (first ``max_train_docs``), plus ``extra``."""
    docs = [d for d in corpus.load(settings.train_split) if d.annotated]
    if settings.max_train_docs is not None:
        docs = docs[: settings.max_train_docs]
    return docs + [d for d in (extra or []) if d.annotated]


def train(
    settings: TrainSettings,
    extra: list[Document] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    root: Path | None = None,
) -> Path:
    """Train, evaluate and write a checkpoint; returns its folder."""
    root = checkpoints_dir() if root is None else Path(root)
    run_name = settings.run_name or new_run_name(settings.base_model)
    settings = replace(settings, run_name=run_name)
    tmp = staging_dir(root, run_name)
    try:
        if settings.base_model.lower() == "crf":
            return _train_crf(settings, extra, tmp, on_progress, cancel)
        return _train_transformer(settings, extra, tmp, on_progress, cancel or threading.Event())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # only left when the run did not finish


def _train_crf(settings, extra, tmp, on_progress, cancel) -> Path:
    from ner.crf import CrfModel, CrfSettings, train_crf

    t0 = time.perf_counter()
    docs = training_documents(settings, extra)

    def report(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("training cancelled")
        if on_progress:
            on_progress(Progress(done, total, 0.0, time.perf_counter() - t0, message="training the CRF"))

    model = train_crf(docs, CrfSettings(), progress=report)
    if cancel is not None and cancel.is_set():
        raise TrainingCancelled("training cancelled")
    train_seconds = time.perf_counter() - t0
    model.save(tmp)
    metrics = {
        "eval": evaluate_splits(CrfModel.load(tmp), list(settings.eval_splits)),
        "train_seconds": round(train_seconds, 2),
        "train_documents": len(docs),
        "extra_documents": len(extra or []),
        "device": "cpu",
    }
    return finish(tmp, settings.run_name, "crf", asdict(settings), metrics, [])


def _precision(settings: TrainSettings, cuda: bool) -> dict:
    if not cuda or settings.precision == "fp32":
        return {}
    import torch

    if settings.precision == "bf16" or (settings.precision == "auto" and torch.cuda.is_bf16_supported()):
        return {"bf16": True}
    return {"fp16": True}


def _train_transformer(settings, extra, tmp, on_progress, cancel) -> Path:
    import torch
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from ner.alignment import encode, window_labels, word_probabilities
    from ner.predict import CheckpointError, TransformerPredictor, load_tokenizer, tags_to_entities
    from ner.scoring import score

    set_seed(settings.seed)
    t0 = time.perf_counter()
    cuda = torch.cuda.is_available() and not settings.use_cpu
    tokenizer = load_tokenizer(settings.base_model)
    try:
        model = AutoModelForTokenClassification.from_pretrained(
            settings.base_model,
            num_labels=len(TAGS),
            id2label=dict(enumerate(TAGS)),
            label2id={t: i for i, t in enumerate(TAGS)},
            ignore_mismatched_sizes=True,  # the base model's own head (other labels) is replaced
        )
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot load base model {settings.base_model}: {exc}") from exc
    if settings.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    limit = getattr(model.config, "max_position_embeddings", 514) - 2
    max_length = min(settings.max_length, limit)

    def windows_of(docs: list[Document]):
        tagged = [doc_to_bio(d) for d in docs]
        word_lists = [[d.text[a:b] for a, b in words] for d, (words, _) in zip(docs, tagged)]
        windows = encode(tokenizer, word_lists, max_length)
        return tagged, windows

    train_docs = training_documents(settings, extra)
    tagged, windows = windows_of(train_docs)
    label_id = {t: i for i, t in enumerate(TAGS)}
    train_rows = [
        {"input_ids": list(w.input_ids), "labels": window_labels(w, [label_id[t] for t in tagged[w.sentence][1]])}
        for w in windows
    ]
    dev_docs = [d for d in corpus.load(settings.dev_split) if d.annotated]
    dev_tagged, dev_windows = windows_of(dev_docs)
    dev_rows = [{"input_ids": list(w.input_ids), "labels": [0] * len(w.input_ids)} for w in dev_windows]

    def compute_metrics(pred) -> dict:
        logits = pred.predictions
        probs = [_softmax(logits[k, : len(w.input_ids)]) for k, w in enumerate(dev_windows)]
        per_word = word_probabilities(dev_windows, probs, [len(w) for w, _ in dev_tagged], len(TAGS))
        preds = [
            d.with_entities(tags_to_entities(d.text, words, wp, list(TAGS)))
            for d, (words, _), wp in zip(dev_docs, dev_tagged, per_word)
        ]
        official = score(dev_docs, preds)["official"]
        return {"official_f1": official["f1"], "official_precision": official["precision"],
                "official_recall": official["recall"]}

    peak = {"gpu_memory_used_mib": 0.0}
    args = TrainingArguments(
        output_dir=str(tmp / "trainer"),
        num_train_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.eval_batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a fraction of the steps
        weight_decay=settings.weight_decay,
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=1,
        save_only_model=True,
        load_best_model_at_end=True,
        metric_for_best_model="official_f1",
        greater_is_better=True,
        logging_steps=settings.logging_steps,
        seed=settings.seed,
        use_cpu=settings.use_cpu,
        report_to="none",
        disable_tqdm=on_progress is not None,
        dataloader_num_workers=0,
        **_precision(settings, cuda),
    )
    callbacks = [_ProgressCallback(on_progress, cancel, t0, peak)]
    if settings.patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=settings.patience))
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=dev_rows,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    result = trainer.train()
    if cancel.is_set():
        raise TrainingCancelled("training cancelled")
    train_seconds = time.perf_counter() - t0
    shutil.rmtree(tmp / "trainer", ignore_errors=True)
    trainer.model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    history = trainer.state.log_history
    best_epoch = next((h["epoch"] for h in history if h.get("eval_official_f1") == trainer.state.best_metric), None)
    metrics = {
        "eval": evaluate_splits(TransformerPredictor(tmp, device="cuda" if cuda else "cpu"), list(settings.eval_splits)),
        "best_epoch": best_epoch,
        "best_dev_f1_during_training": trainer.state.best_metric,
        "train_seconds": round(train_seconds, 2),
        "train_samples_per_second": result.metrics.get("train_samples_per_second"),
        "train_documents": len(train_docs),
        "train_windows": len(train_rows),
        "extra_documents": len(extra or []),
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
    }
    if cuda:
        metrics["gpu_peak_memory_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        metrics["gpu_peak_memory_used_mib_nvml"] = round(peak["gpu_memory_used_mib"], 1)
    settings_dict = asdict(settings) | {"tags": list(TAGS), "precision_used": next(iter(_precision(settings, cuda)), "fp32")}
    return finish(tmp, settings.run_name, "transformer", settings_dict, metrics, history)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class _ProgressCallback(TrainerCallback):
    """Turns Trainer events into :class:`Progress` reports, reads the GPUs, and cancels."""

    def __init__(self, on_progress, cancel: threading.Event, t0: float, peak: dict):
        self.on_progress, self.cancel, self.t0, self.peak = on_progress, cancel, t0, peak
        self.loss: float | None = None
        self.dev_f1: float | None = None
        self.last_report = 0.0

    def _report(self, state, message: str = "") -> None:
        gpus = tuple(read_gpus())
        for g in gpus:
            self.peak["gpu_memory_used_mib"] = max(self.peak["gpu_memory_used_mib"], g.memory_used_mib)
        if self.on_progress is None:
            return
        elapsed = time.perf_counter() - self.t0
        done = state.global_step
        eta = elapsed / done * (state.max_steps - done) if done else None
        self.on_progress(
            Progress(done, state.max_steps, float(state.epoch or 0), elapsed, eta, self.loss, self.dev_f1, message, gpus)
        )

    def on_step_end(self, args, state, control, **kwargs):
        if self.cancel.is_set():
            control.should_training_stop = True
            control.should_save = False
            control.should_evaluate = False
        now = time.perf_counter()
        if now - self.last_report > 0.5 or state.global_step == state.max_steps:
            self.last_report = now
            self._report(state)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.loss = float(logs["loss"])

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics and "eval_official_f1" in metrics:
            self.dev_f1 = float(metrics["eval_official_f1"])
            self._report(state, f"epoch {state.epoch:.0f}: dev F1 {self.dev_f1:.4f}")
