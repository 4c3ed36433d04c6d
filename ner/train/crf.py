"""Train the CRF baseline into a staging folder and finish it as a checkpoint.

The model itself (features, ``train_crf``, ``CrfModel``) lives in :mod:`ner.crf`; this module
adds what every training run does: progress reports, cancelling, evaluation, the checkpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ner.checkpoints import evaluate_splits, finish
from ner.crf import CrfModel, CrfSettings, train_crf
from ner.entities import Document
from ner.train.settings import TrainingCancelled, TrainProgress, TrainSettings, training_documents


def train_checkpoint(
    settings: TrainSettings,
    extra: list[Document] | None,
    tmp: Path,
    on_progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Train on the training documents plus ``extra`` in ``tmp``, evaluate, and return the finished checkpoint.

    ``settings.run_name`` must be set; raises :class:`TrainingCancelled` once ``cancel`` is set.
    """
    t0 = time.perf_counter()
    docs = training_documents(settings, extra)

    def report(done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("training cancelled")
        if on_progress:
            on_progress(TrainProgress(done, total, 0.0, time.perf_counter() - t0, message="training the CRF"))

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
    return finish(tmp, settings.run_name or tmp.name, "crf", asdict(settings), metrics, [])
