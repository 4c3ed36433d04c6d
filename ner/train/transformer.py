"""Fine-tune a transformer into a staging folder with ``transformers.Trainer`` and finish it as a checkpoint.

The best epoch is chosen by the official entity-level F1 on ``dev`` (character spans, not
sub-word tags). Imports transformers at module level: :mod:`ner.train` imports this module
only when a transformer run starts.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
from torch.utils.data import SequentialSampler
from transformers import Trainer, TrainerCallback

from ner import corpus
from ner.alignment import encode, window_labels, word_probabilities
from ner.checkpoints import evaluate_splits, finish
from ner.entities import Document
from ner.gpu import read_gpus
from ner.predict import CheckpointError, TransformerPredictor, load_tokenizer, tags_to_entities
from ner.scoring import score
from ner.tagging import TAGS, doc_to_bio
from ner.train.settings import TrainingCancelled, TrainProgress, TrainSettings, training_documents


def _precision(settings: TrainSettings, cuda: bool) -> dict:
    """Mixed precision for the Trainer: on a GPU bf16 where supported (else fp16); on a CPU fp32
    unless ``bf16`` is asked for (CPU autocast; ``bench/train_throughput.py`` measures it)."""
    if not cuda:
        return {"bf16": True} if settings.precision == "bf16" else {}
    if settings.precision == "fp32":
        return {}
    import torch

    if settings.precision == "bf16" or (settings.precision == "auto" and torch.cuda.is_bf16_supported()):
        return {"bf16": True}
    return {"fp16": True}


def train_checkpoint(
    settings: TrainSettings,
    extra: list[Document] | None,
    tmp: Path,
    on_progress: Callable[[TrainProgress], None] | None,
    cancel: threading.Event,
) -> Path:
    """Fine-tune on the training documents plus ``extra`` in ``tmp``, evaluate, and return the finished checkpoint.

    ``settings.run_name`` must be set; raises :class:`TrainingCancelled` once ``cancel`` is set, and
    :class:`ner.predict.CheckpointError` when the base model cannot be loaded.
    """
    import torch
    from accelerate.utils import broadcast_object_list
    from transformers import (
        AutoModelForTokenClassification,
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        TrainingArguments,
        set_seed,
    )

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
        raise CheckpointError("cannot load base model {model}: {error}",
                              model=settings.base_model, error=str(exc)) from exc
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
    if not settings.dev_split and settings.patience > 0:
        raise ValueError("early stopping (patience > 0) needs a dev split to watch")
    dev_docs = [d for d in corpus.load(settings.dev_split) if d.annotated] if settings.dev_split else []
    dev_tagged, dev_windows = windows_of(dev_docs)
    dev_rows = [{"input_ids": list(w.input_ids), "labels": [0] * len(w.input_ids)} for w in dev_windows]
    select = bool(dev_rows)  # choose the best epoch on dev; without one, the last epoch is kept

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
    steps_per_epoch = max(1, len(train_rows) // (settings.batch_size * settings.gradient_accumulation))
    logging_steps = max(1, min(settings.logging_steps, steps_per_epoch // 4))  # a loss curve even on tiny runs
    args = TrainingArguments(
        output_dir=str(tmp / "trainer"),
        num_train_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.eval_batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a fraction of the steps
        weight_decay=settings.weight_decay,
        label_smoothing_factor=settings.label_smoothing,
        train_sampling_strategy="group_by_length" if settings.group_by_length else "random",
        eval_strategy="epoch" if select else "no",
        save_strategy="epoch" if select else "no",
        save_total_limit=1,
        save_only_model=True,
        load_best_model_at_end=select,
        metric_for_best_model="official_f1" if select else None,
        greater_is_better=True,
        logging_steps=logging_steps,
        seed=settings.seed,
        use_cpu=settings.use_cpu or (not cuda and settings.precision == "bf16"),  # CPU autocast needs it said
        report_to="none",
        disable_tqdm=on_progress is not None,
        dataloader_num_workers=0,
        **_precision(settings, cuda),
    )
    callbacks: list[TrainerCallback] = [_ProgressCallback(on_progress, cancel, t0, peak)]
    if settings.freeze_embeddings and settings.unfreeze_embeddings_at:
        callbacks.append(_UnfreezeEmbeddings(model, settings.unfreeze_embeddings_at))
    if settings.patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=settings.patience))
    trainer = _Trainer(
        model=model,
        args=args,
        train_dataset=train_rows,
        eval_dataset=dev_rows or None,
        data_collator=DataCollatorForTokenClassification(tokenizer),
        processing_class=tokenizer,
        compute_metrics=compute_metrics if select else None,
        callbacks=callbacks,
        optimizers=(_optimizer(model, settings), None),
    )
    result = trainer.train()
    if cancel.is_set():
        raise TrainingCancelled("training cancelled")
    train_seconds = time.perf_counter() - t0
    accelerator = trainer.accelerator
    accelerator.wait_for_everyone()  # several processes: every one has left the training loop
    if not trainer.is_world_process_zero():  # the main process saves, evaluates and finishes alone
        accelerator.wait_for_everyone()
        return Path(broadcast_object_list([None])[0])
    shutil.rmtree(tmp / "trainer", ignore_errors=True)
    trainer.model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    history = trainer.state.log_history
    device = "cuda" if cuda else "cpu"
    best_epoch = (
        next((h["epoch"] for h in history if h.get("eval_official_f1") == trainer.state.best_metric), None)
        if select else trainer.state.epoch
    )
    metrics = {
        "eval": evaluate_splits(TransformerPredictor(tmp, device=device), list(settings.eval_splits)),
        "best_epoch": best_epoch,
        "best_dev_f1_during_training": trainer.state.best_metric,
        "train_seconds": round(train_seconds, 2),
        "train_samples_per_second": result.metrics.get("train_samples_per_second"),
        "train_documents": len(train_docs),
        "train_windows": len(train_rows),
        "extra_documents": len(extra or []),
        "device": torch.cuda.get_device_name(0) if cuda else "cpu",
        "processes": accelerator.num_processes,
    }
    if cuda:
        metrics["gpu_peak_memory_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        metrics["gpu_peak_memory_used_mib_nvml"] = round(peak["gpu_memory_used_mib"], 1)
    precision_used = next(iter(_precision(settings, cuda)), "fp32")
    settings_dict = asdict(settings) | {"tags": list(TAGS), "precision_used": precision_used}
    final = finish(tmp, settings.run_name, "transformer", settings_dict, metrics, history)
    if accelerator.num_processes > 1:
        accelerator.wait_for_everyone()
        broadcast_object_list([str(final)])
    return final


def _optimizer(model, settings: TrainSettings):
    """AdamW over every weight (frozen embeddings too, so that they can be unfrozen later) with the rate
    decayed layer by layer from the head down (``settings.layer_decay``); no weight decay on biases and norms."""
    import torch

    layers = getattr(model.config, "num_hidden_layers", 0)

    def depth(name: str) -> int:  # 0 = embeddings, 1..layers = encoder layers, layers + 1 = the head
        found = re.search(r"\.layer\.(\d+)\.", name)
        if found:
            return int(found.group(1)) + 1
        return 0 if "embeddings" in name else layers + 1

    groups: dict[tuple[float, float], list] = {}
    for name, param in model.named_parameters():
        rate = settings.learning_rate * settings.layer_decay ** (layers + 1 - depth(name))
        decay = 0.0 if param.ndim == 1 or "norm" in name.lower() else settings.weight_decay
        groups.setdefault((rate, decay), []).append(param)
    return torch.optim.AdamW([{"params": ps, "lr": lr, "weight_decay": wd} for (lr, wd), ps in groups.items()])


class _Trainer(Trainer):
    """Trainer whose evaluation keeps the dev windows in order: transformers 5 also length-groups (shuffles) the
    eval set under ``group_by_length``, and ``compute_metrics`` matches predictions to windows by position."""

    def _get_eval_sampler(self, eval_dataset):
        return SequentialSampler(eval_dataset) if eval_dataset is not None else None


class _UnfreezeEmbeddings(TrainerCallback):
    """Lets the frozen word embeddings learn from epoch ``at`` (1-based) on."""

    def __init__(self, model, at: int):
        self.weight, self.at = model.get_input_embeddings().weight, at

    def on_epoch_begin(self, args, state, control, **kwargs):
        if int(round(state.epoch or 0)) + 1 >= self.at:
            self.weight.requires_grad_(True)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class _ProgressCallback(TrainerCallback):
    """Turns Trainer events into :class:`TrainProgress` reports, reads the GPUs, and cancels."""

    def __init__(self, on_progress: Callable[[TrainProgress], None] | None, cancel: threading.Event, t0: float,
                 peak: dict):
        self.on_progress, self.cancel, self.t0, self.peak = on_progress, cancel, t0, peak
        self.loss: float | None = None
        self.dev_f1: float | None = None
        self.last_report = 0.0

    def _report(self, state, message: str = "", evaluated: bool = False) -> None:
        gpus = tuple(read_gpus())
        for g in gpus:
            self.peak["gpu_memory_used_mib"] = max(self.peak["gpu_memory_used_mib"], g.memory_used_mib)
        if self.on_progress is None or not state.is_world_process_zero:
            return
        elapsed = time.perf_counter() - self.t0
        done = state.global_step
        eta = elapsed / done * (state.max_steps - done) if done else None
        epoch = float(state.epoch or 0)
        self.on_progress(
            TrainProgress(done, state.max_steps, epoch, elapsed, eta, self.loss, self.dev_f1, message, gpus, evaluated)
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
            self._report(state, f"epoch {state.epoch:.0f}: dev F1 {self.dev_f1:.4f}", evaluated=True)
