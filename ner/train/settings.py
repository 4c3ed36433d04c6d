"""What a training run takes and reports: its settings, its progress reports, its training documents.

Plain data, importable without torch or transformers: the CLI builds its ``train`` flags from
:class:`TrainSettings` (each field's ``metadata["help"]``), the app and the job runner build
settings and read :class:`TrainProgress` reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ner import corpus
from ner.entities import Document
from ner.gpu import GpuReading

DEFAULT_BASE_MODEL = "PlanTL-GOB-ES/bsc-bio-ehr-es-pharmaconer"
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
TASKS = ("entities", "relations")


def _setting(default, help_text: str, **metadata):
    """A dataclass field with its default and the help text (``metadata["help"]``) a generated CLI shows."""
    return field(default=default, metadata={"help": help_text} | metadata)


@dataclass(frozen=True)
class TrainSettings:
    """Everything a training run needs; the defaults suit RoBERTa-base on one GPU."""

    task: str = _setting("entities", "what the model finds: entities (Task A), or the relations between given "
                         "entities (Task B)", choices=TASKS)
    base_model: str = _setting(DEFAULT_BASE_MODEL, "hub id, local folder, or 'crf' for the instant baseline (a CRF "
                               "for entities, a feature-based pair classifier for relations)")
    entity_model: str | None = _setting(None, "relations: the entity checkpoint that finds the entities this "
                                        "model relates (prediction from plain text, scenario 1); none: give one then")
    run_name: str | None = _setting(None, "checkpoint folder name; none: derived from the base model and the time")
    epochs: int = _setting(10, "maximum number of epochs")
    learning_rate: float = _setting(5e-5, "peak learning rate")
    batch_size: int = _setting(16, "training batch size per device")
    eval_batch_size: int = _setting(64, "evaluation batch size per device")
    warmup_ratio: float = _setting(0.1, "fraction of the steps spent warming up the learning rate")
    weight_decay: float = _setting(0.01, "AdamW weight decay")
    gradient_accumulation: int = _setting(1, "batches accumulated per optimisation step")
    max_length: int = _setting(256, "sub-words per window: longer sentences are windowed, never truncated")
    patience: int = _setting(3, "epochs without a better dev F1 before stopping; 0 = never stop early")
    seed: int = _setting(42, "random seed")
    precision: str = _setting(
        "auto", "auto: on a GPU bf16 where supported, else fp16; on a CPU fp32 (bf16: CPU autocast)",
        choices=PRECISIONS,
    )
    freeze_embeddings: bool = _setting(False, "freeze the word-embedding matrix (a fair CPU shortcut)")
    unfreeze_embeddings_at: int | None = _setting(
        None, "with freeze_embeddings: train the word embeddings too from this epoch (1-based); none: never"
    )
    layer_decay: float = _setting(1.0, "layer-wise learning-rate decay: each layer below the head learns this much "
                                  "slower than the one above it; 1 = the same rate everywhere")
    label_smoothing: float = _setting(0.0, "label smoothing of the tag loss (0 = none)")
    group_by_length: bool = _setting(False, "batch windows of similar length together (less padding, faster)")
    train_split: str = _setting("train", "split (or BRAT folder/.txt) to train on")
    dev_split: str | None = _setting(
        "dev", "split that chooses the best epoch; none: no selection, the last epoch is kept (patience must be 0)"
    )
    eval_splits: tuple[str, ...] = _setting(("dev", "test"), "splits the chosen model is evaluated on")
    max_train_docs: int | None = _setting(None, "the first N training documents only; none: all")
    use_cpu: bool = _setting(False, "train on the CPU even when a GPU is present")
    logging_steps: int = _setting(10, "optimisation steps between loss reports")


@dataclass(frozen=True)
class TrainProgress:
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
