"""Train a model (the CRF baseline or a transformer) into a checkpoint folder: ``train()`` picks the trainer.

The best epoch is chosen on ``dev`` by the official entity-level F1 over character spans;
the chosen model is then evaluated on ``eval_splits``. Progress goes to an optional
callback; a ``threading.Event`` cancels. Multi-GPU: run ``accelerate launch -m ner train ...``
(or ``torchrun``); the Trainer distributes, nothing here is home-made.

The trainers (:mod:`ner.train.crf`, :mod:`ner.train.transformer`) are imported only when a
run starts, so importing this package loads neither sklearn-crfsuite nor torch/transformers.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ner.checkpoints import checkpoints_dir, free_run_name, new_run_name, staging_dir
from ner.entities import Document
from ner.hub import check_base_model
from ner.settings import world_size
from ner.train.settings import (
    DEFAULT_BASE_MODEL,
    TrainingCancelled,
    TrainProgress,
    TrainSettings,
    training_documents,
)

__all__ = ["DEFAULT_BASE_MODEL", "TrainProgress", "TrainSettings", "TrainingCancelled", "train",
           "training_documents"]


def train(
    settings: TrainSettings,
    extra: list[Document] | None = None,
    on_progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    root: Path | None = None,
) -> Path:
    """Train, evaluate and write a checkpoint under ``root`` (default ``checkpoints/``); returns its folder.

    ``base_model="crf"`` (any case) trains the instant baseline (the CRF; for ``task="relations"``
    the pair classifier), anything else a transformer.
    Raises :class:`TrainingCancelled` when ``cancel`` is set; nothing is left behind then, or on a crash;
    :class:`ner.hub.BaseModelProblem` before anything starts when the base model cannot be trained from.
    """
    check_base_model(settings.base_model, settings.task)  # offline, no such model: said plainly, before any work
    root = checkpoints_dir() if root is None else Path(root)
    crf = settings.base_model.lower() == "crf"
    processes = _processes()
    if processes > 1 and (crf or settings.task == "relations"):
        raise ValueError("this model trains in one process: run it without torchrun / accelerate launch")
    run_name, tmp = _staging(root, settings, processes)
    settings = replace(settings, run_name=run_name)
    try:
        if settings.task == "relations":
            from ner.train import relations

            return relations.train_checkpoint(settings, extra, tmp, on_progress, cancel)
        if crf:
            from ner.train import crf as crf_trainer

            return crf_trainer.train_checkpoint(settings, extra, tmp, on_progress, cancel)
        from ner.train import transformer

        return transformer.train_checkpoint(settings, extra, tmp, on_progress, cancel or threading.Event())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # only left when the run did not finish


def _processes() -> int:
    """How many processes train together (``torchrun`` / ``accelerate launch`` set ``WORLD_SIZE``)."""
    return world_size()


def _staging(root: Path, settings: TrainSettings, processes: int) -> tuple[str, Path]:
    """The run name and staging folder: chosen by the main process and shared with the others."""
    if processes == 1:
        run_name = settings.run_name or free_run_name(root, new_run_name(settings.base_model))
        return run_name, staging_dir(root, run_name)
    from accelerate import PartialState
    from accelerate.utils import broadcast_object_list

    state = PartialState(cpu=settings.use_cpu)  # joins the process group the launcher describes
    chosen: list = [None, None]
    if state.is_main_process:
        run_name = settings.run_name or free_run_name(root, new_run_name(settings.base_model))
        chosen = [run_name, str(staging_dir(root, run_name))]
    run_name, tmp = broadcast_object_list(chosen)
    return run_name, Path(tmp)
