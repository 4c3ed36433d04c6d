"""Live suggestions: the CRF retrained in the background on the training split plus a queue's accepted answers.

In a queue whose suggesting model is a CRF, every ``every`` accepted answers that *teach it
something* (:func:`informative`: they hold entities and differ from what was suggested), a
new version is trained (seconds, one at a time for the whole app) and from then on the
queue's next items come from it. A version suggests lazily: an item is suggested by it when
it is served, so the rows written per version are bounded by what annotators see, not by
the queue's size. Retraining is rate-limited: at most one version of a queue per
``queue_seconds`` and ``per_hour`` retrainings in an hour for the whole app.

A retraining runs in a child process (spawned, at a lower CPU priority): crfsuite and the
feature extraction hold Python's GIL for long stretches, which in a thread stalled the
server's saves (up to 1.2 s) while a version was trained. The thread that waits for the
child only reads the answers, sends them and builds the model from the bytes it gets back.

A version is named ``<base model>+live<k>``, so the editor says which version made a
suggestion. Versions live in memory only (one per queue, a few queues, least recently used
dropped): no file is written, nothing is listed as a checkpoint; after a restart the next
accepted answers train a new one.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ner.crf import CrfModel, train_crf
from ner.entities import Document, Entity
from ner.memory import release_memory

MAX_QUEUES = 8  # live versions kept in memory at once, one per queue
HOUR = 3600.0


@dataclass(frozen=True)
class LiveVersion:
    """A CRF retrained for one queue: ``model.name`` is ``<base>+live<version>``."""

    base: str  # the name of the model the queue was opened with
    version: int
    answers: int  # accepted answers it was trained on
    model: object  # a ner.crf.CrfModel


@dataclass(frozen=True)
class LivePolicy:
    """When a queue gets a new version: ``every`` informative answers, rate-limited per queue and app-wide."""

    every: int = 10
    queue_seconds: float = 60.0
    per_hour: int = 30


def live_name(base: str, version: int) -> str:
    """``<last part of the base model's name>+live<version>``."""
    return f"{Path(str(base)).name}+live{version}"


def informative(answer: Iterable[Entity], suggested: Iterable[Entity] | None) -> bool:
    """Does an accepted answer teach the model something: entities, and not just the suggestion confirmed?

    Scores are ignored. An empty answer is not counted (it still trains a version once one
    is due); nor is an answer that leaves the suggestion as it was.
    """
    mine = {(e.fragments, e.label) for e in answer}
    return bool(mine) and mine != {(e.fragments, e.label) for e in suggested or ()}


def _lower_priority() -> None:
    try:
        os.nice(10)  # the server's requests come first
    except OSError:
        pass


def _train_bytes(docs: list[Document]) -> bytes:
    """In the child process: the crfsuite model file trained on ``docs``."""
    return train_crf(docs).data


def train_apart(docs: list[Document]) -> CrfModel:
    """A CRF trained on ``docs`` in a child process of its own (spawned, lower priority), so the GIL stays free."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_lower_priority) as child:
        return CrfModel(child.submit(_train_bytes, docs).result())


class LiveModels:
    """The live versions of each queue, the one background retraining at a time, and the rate limits."""

    def __init__(self, policy: LivePolicy, training_documents: Callable[[], list[Document]],
                 clock: Callable[[], float] = time.monotonic,
                 train: Callable[[list[Document]], CrfModel] = train_apart):
        self.policy = policy
        self._train = train
        self._training_documents = training_documents
        self._clock = clock
        self._versions: OrderedDict[str, LiveVersion] = OrderedDict()
        self._news: dict[str, int] = {}  # queue -> informative answers since its last retraining started
        self._started: dict[str, float] = {}  # queue -> when its last retraining started
        self._hour: deque[float] = deque()  # when the app's retrainings of the last hour started
        self._lock = threading.Lock()
        self._busy = threading.Lock()  # one retraining at a time, app-wide (CPU bound)
        self._threads: dict[str, threading.Thread] = {}
        self._training_on: dict[str, int] = {}  # queue -> accepted answers of the version being trained

    @property
    def every(self) -> int:
        return self.policy.every

    def current(self, queue: str, base: str | None) -> LiveVersion | None:
        """The queue's newest version, if it was trained from ``base`` (the model the caller asked for)."""
        with self._lock:
            found = self._versions.get(queue)
            if found is not None:
                self._versions.move_to_end(queue)
        return found if found is not None and base is not None and found.base == base else None

    def retraining(self, queue: str) -> int | None:
        """The accepted answers a new version of the queue is being trained on now; None when no retraining runs."""
        with self._lock:
            thread = self._threads.get(queue)
            answers = self._training_on.get(queue, 0)
        return answers if thread is not None and thread.is_alive() else None

    def after_accept(self, queue: str, base: str, taught: bool, accepted: Callable[[], list[Document]],
                     publish: Callable[[LiveVersion], None], count: Callable[[], int] | None = None) -> bool:
        """Count an accepted answer; start a retraining when one is due and allowed; True when started.

        ``taught``: the answer was :func:`informative`. A retraining is due after ``every``
        informative answers since the last one started; it is allowed when the queue's last
        one started ``queue_seconds`` ago or more, fewer than ``per_hour`` started in the last
        hour app-wide, and no other retraining runs (due answers wait for the next accept).
        ``accepted()`` reads the queue's accepted documents, in the background thread;
        ``publish(version)`` runs there too, before the version becomes the queue's current one.
        ``count()`` (one cheap query, run only when a retraining starts) says how many answers it
        will train on until ``accepted()`` has read them, so the editor never shows a wrong figure.
        """
        policy = self.policy
        if policy.every <= 0:
            return False
        now = self._clock()
        with self._lock:
            news = self._news.get(queue, 0) + bool(taught)
            self._news[queue] = news
            while self._hour and now - self._hour[0] >= HOUR:
                self._hour.popleft()
            running = queue in self._threads and self._threads[queue].is_alive()
            too_soon = queue in self._started and now - self._started[queue] < policy.queue_seconds
            if (news < policy.every or running or too_soon or len(self._hour) >= policy.per_hour
                    or not self._busy.acquire(blocking=False)):
                return False
            self._news[queue] = 0
            self._started[queue] = now
            self._hour.append(now)
            version = (self._versions[queue].version + 1) if queue in self._versions else 1
            thread = threading.Thread(target=self._retrain, args=(queue, base, accepted, version, publish),
                                      name=f"live-{queue}", daemon=True)
            self._threads[queue] = thread
        try:  # the thread is not alive yet, so retraining() says None until it starts
            answers = count() if count is not None else 0
        except Exception:
            answers = 0
        with self._lock:
            self._training_on[queue] = answers
        thread.start()
        return True

    def _retrain(self, queue: str, base: str, accepted: Callable[[], list[Document]], version: int,
                 publish: Callable[[LiveVersion], None]) -> None:
        try:
            docs = accepted()
            with self._lock:
                self._training_on[queue] = len(docs)
            model = self._train(self._training_documents() + docs)  # an accepted empty answer: "nothing here"
            model.name = live_name(base, version)
            live = LiveVersion(base, version, len(docs), model)
            publish(live)
            with self._lock:
                self._versions[queue] = live  # the queue's previous version is dropped
                self._versions.move_to_end(queue)
                while len(self._versions) > MAX_QUEUES:
                    self._versions.popitem(last=False)
        finally:
            with self._lock:
                self._training_on.pop(queue, None)
            self._busy.release()
            release_memory()

    def wait(self, queue: str, timeout: float | None = None) -> LiveVersion | None:
        """Wait for the queue's retraining (if one runs); its newest version."""
        with self._lock:
            thread = self._threads.get(queue)
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            return self._versions.get(queue)
