"""Pre-annotation: a model's entities stored as suggestions, the first items at once and the rest in the background.

Opening a queue pre-annotates its first documents in the request (up to
``Limits.preannotate_now_chars`` characters) so that the first items are ready at once; the
rest is a job for :class:`Preannotator`, one worker thread for the whole app that works
through the queues first come, first served, so that no request holds a worker for minutes
and pre-annotation takes at most one CPU core. At most ``Limits.preannotation_jobs`` queues
wait at once; when that many do, a queue's items are suggested one by one as they are
served (``predict_one``), which is also what happens to an item the job has not reached.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ner.entities import Document, valid_entities
from ner.memory import release_memory
from ner.relations.triples import scored
from ner.store import Store

log = logging.getLogger(__name__)
BATCH = 32  # documents predicted at once
BATCH_CHARS = 20_000  # characters predicted at once (one document at least)


def preannotate(store: Store, ids: Sequence[int], predictor, batch_size: int = BATCH,
                on_progress: Callable[[int, int], None] | None = None,
                stop: Callable[[], bool] | None = None, chars: int | None = None, relations=None) -> int:
    """Store the predictor's entities (with scores) for each document it has not seen; how many ids it went through.

    Documents that already hold a suggestion of this model, or one from an uploaded BRAT
    file, are left alone (checked batch by batch, so a document suggested meanwhile is not
    predicted twice). A batch is at most ``batch_size`` documents and :data:`BATCH_CHARS`
    characters (one document at least). ``stop()`` true: stop after the current batch;
    ``chars``: stop once this many characters were predicted. ``relations``: a relation model
    that suggests the relations between the entities found (:mod:`ner.relations.models`).
    """
    model = str(predictor.name)
    ids = list(ids)
    predicted = 0
    for n in range(0, len(ids), batch_size):
        window = ids[n : n + batch_size]
        todo = store.unsuggested(window, model)
        texts = store.texts(todo) if todo else []
        while todo:
            if (stop is not None and stop()) or (chars is not None and predicted >= chars):
                return n + window.index(todo[0])
            k = first_part(texts, BATCH_CHARS)
            store.add_suggestions(model, suggested(todo[:k], texts[:k], predictor, relations))
            predicted += sum(map(len, texts[:k]))
            todo, texts = todo[k:], texts[k:]
        if on_progress:
            on_progress(min(n + batch_size, len(ids)), len(ids))
    return len(ids)


def predict_one(store: Store, doc_id: int, predictor, relations=None) -> None:
    """Pre-annotate one document (shown before the model saw it)."""
    text = store.texts([doc_id])[0]
    store.add_suggestions(str(predictor.name), suggested([doc_id], [text], predictor, relations))


def suggested(ids: Sequence[int], texts: Sequence[str], predictor, relations=None) -> list[tuple]:
    """``(document id, entities, relations)`` of each text: the predictor's entities that fall on word boundaries,
    and ``relations``' relations between them (with their scores), if a relation model is given."""
    found = [tuple(sorted(valid_entities(t, e))) for t, e in zip(texts, predictor.predict(list(texts)))]
    if relations is None:
        return [(d, e, {}) for d, e in zip(ids, found)]
    related = relations.predict([Document(str(d), t, e) for d, t, e in zip(ids, texts, found)])
    return [(d, r.entities, dict(scored(r))) for d, r in zip(ids, related)]


def first_part(texts: Sequence[str], chars: int) -> int:
    """How many of the first texts hold at most ``chars`` characters together (at least one, if any)."""
    total = 0
    for n, text in enumerate(texts):
        total += len(text)
        if total > chars:
            return max(1, n)
    return len(texts)


@dataclass
class Job:
    """A queue to pre-annotate with one model; ``done`` of ``total`` documents so far."""

    queue: str
    ids: list[int]
    predictor: object
    relations: object = None  # a relation model that suggests relations too, or None
    done: int = 0
    cancelled: bool = False

    @property
    def total(self) -> int:
        return len(self.ids)

    def run(self, store: Store) -> None:
        preannotate(store, self.ids, self.predictor, on_progress=self._progress, stop=lambda: self.cancelled,
                    relations=self.relations)

    def _progress(self, done: int, _total: int) -> None:
        self.done = done


class Preannotator:
    """One background worker that pre-annotates queues in the order they were asked for.

    ``store()`` gives the store to write to; ``on_done(queue)`` runs in the worker after a
    queue's job ends (the service drops its cached orders there).
    """

    def __init__(self, store: Callable[[], Store], max_jobs: int, on_done: Callable[[str], None] | None = None):
        self._store = store
        self.max_jobs = max_jobs
        self._on_done = on_done
        self._jobs: OrderedDict[tuple[str, str], Job] = OrderedDict()  # waiting and running, oldest first
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def submit(self, queue: str, ids: Sequence[int], predictor, relations=None) -> Job | None:
        """Ask for a queue's documents to be pre-annotated; its job, or None when ``max_jobs`` queues wait already.

        A queue already waiting for the same model keeps its place and its job.
        """
        key = (queue, str(predictor.name))
        with self._lock:
            if key in self._jobs:
                return self._jobs[key]
            if len(self._jobs) >= self.max_jobs:
                return None
            job = self._jobs[key] = Job(queue, list(ids), predictor, relations)
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="preannotate", daemon=True)
                self._thread.start()
            return job

    def job(self, queue: str) -> Job | None:
        """The queue's job that waits or runs, if any."""
        with self._lock:
            return next((j for (q, _), j in self._jobs.items() if q == queue), None)

    def cancel(self, queue: str) -> None:
        """Stop pre-annotating a queue (e.g. deleted): its job ends after the current batch."""
        with self._lock:
            for (q, _), job in self._jobs.items():
                if q == queue:
                    job.cancelled = True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no job waits or runs; False on timeout."""
        return self._idle.wait(timeout)

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._idle.set()
                    self._thread = None
                    return
                key, job = next(iter(self._jobs.items()))
            try:
                job.run(self._store())
            except Exception:  # a broken model or a full disk: the queue stays usable (suggested as served)
                log.exception("pre-annotating queue %r failed", job.queue)
            with self._lock:
                self._jobs.pop(key, None)
            release_memory()
            if self._on_done is not None:
                try:
                    self._on_done(job.queue)
                except Exception:
                    log.exception("after pre-annotating queue %r", job.queue)
