"""Train a relation model (the feature baseline or the transformer pair head) into a checkpoint folder.

The training split's gold relations between its gold entities are learnt; the baseline is
chosen by ``base_model="crf"`` (as the CRF is for entities), any other base model is a
transformer (:mod:`ner.relations.transformer`, best epoch and threshold on ``dev``). The
checkpoint is evaluated on ``eval_splits`` with the official Task B score, gold entities
given (``metrics["eval"][split]["official"]``); its kind is ``relations-baseline`` or
``relations-transformer``, and ``settings.json`` names its entity model, if any.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ner import corpus
from ner.checkpoints import finish
from ner.entities import Document
from ner.relations.baseline import train_baseline
from ner.relations.models import load_relation_model
from ner.relations.scoring import score_relations
from ner.train.settings import TrainingCancelled, TrainProgress, TrainSettings, training_documents


def evaluate_relations(model, splits: list[str]) -> dict:
    """The official Task B score of ``model`` on each available split, its gold entities given."""
    out = {}
    for split in splits:
        try:
            docs = corpus.load(split)
        except FileNotFoundError:
            continue
        t0 = time.perf_counter()
        result = score_relations(docs, model.predict(docs))
        out[split] = result | {"predict_seconds": round(time.perf_counter() - t0, 3)}
    return out


def train_checkpoint(settings: TrainSettings, extra: list[Document] | None, tmp: Path,
                     on_progress: Callable[[TrainProgress], None] | None = None,
                     cancel: threading.Event | None = None) -> Path:
    """Train on the training documents (plus ``extra``) in ``tmp``, evaluate, and return the finished checkpoint."""
    t0 = time.perf_counter()
    docs = training_documents(settings, extra)
    baseline = settings.base_model.lower() == "crf"

    def report(message: str, epoch: float = 0.0, done: int = 0, total: int = 1, f1: float | None = None) -> None:
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("training cancelled")
        if on_progress:
            on_progress(TrainProgress(done, total, epoch, time.perf_counter() - t0, dev_f1=f1, message=message,
                                      evaluated=f1 is not None))

    history: list[dict] = []
    if baseline:
        report("training the relation baseline")
        train_baseline(docs).save(tmp)
        kind, extra_metrics = "relations-baseline", {}
    else:
        from ner.relations.transformer import RelationSettings, train_relation_model

        relation_settings = RelationSettings(epochs=settings.epochs, learning_rate=settings.learning_rate,
                                             batch_size=settings.batch_size, max_length=settings.max_length,
                                             freeze_embeddings=settings.freeze_embeddings, seed=settings.seed)
        dev = corpus.load(settings.dev_split) if settings.dev_split else []

        def on_epoch(epoch: int, f1: float, threshold: float) -> None:
            history.append({"epoch": epoch, "eval_official_f1": f1, "threshold": threshold})
            report(f"epoch {epoch}: dev Task B F1 {f1:.4f}", epoch, epoch, settings.epochs, f1)

        try:
            extra_metrics = train_relation_model(settings.base_model, docs, dev, tmp, relation_settings,
                                                 on_epoch=on_epoch, cancel=cancel, use_cpu=settings.use_cpu)
        except InterruptedError:
            raise TrainingCancelled("training cancelled") from None
        kind = "relations-transformer"
    if cancel is not None and cancel.is_set():
        raise TrainingCancelled("training cancelled")
    train_seconds = time.perf_counter() - t0
    metrics = {"eval": evaluate_relations(load_relation_model(tmp, device="cpu" if settings.use_cpu else None),
                                          list(settings.eval_splits)),
               "train_seconds": round(train_seconds, 2), "train_documents": len(docs),
               "extra_documents": len(extra or []), **extra_metrics}
    return finish(tmp, settings.run_name or tmp.name, kind, asdict(settings), metrics, history)
