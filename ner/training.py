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

from ner import corpus
from ner.checkpoints import checkpoints_dir, evaluate_splits, finish, free_run_name, new_run_name, staging_dir
from ner.entities import Document
from ner.gpu import GpuReading

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
    evaluated: bool = False  # True on the report that follows an evaluation on dev


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
    run_name = settings.run_name or free_run_name(root, new_run_name(settings.base_model))
    settings = replace(settings, run_name=run_name)
    tmp = staging_dir(root, run_name)
    try:
        if settings.base_model.lower() == "crf":
            return _train_crf(settings, extra, tmp, on_progress, cancel)
        from ner.finetune import train_transformer

        return train_transformer(settings, extra, tmp, on_progress, cancel or threading.Event())
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
