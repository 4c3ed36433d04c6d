"""Live suggestions: the CRF retrained in the background on the training split plus a queue's accepted answers.

Every ``every`` accepted answers in a queue whose suggesting model is a CRF, a new version
is trained (seconds, one at a time for the whole app), the queue's unanswered documents are
suggested again by it, and from then on the queue's next items come from that version. A
version is named ``<base model>+live<k>``, so the editor says which version made a
suggestion. Versions live in memory only (a few queues, least recently used dropped): no
file is written, nothing is listed as a checkpoint; after a restart the next accepted
answers train a new one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ner.entities import Document

MAX_QUEUES = 8  # live versions kept in memory at once, one per queue


@dataclass(frozen=True)
class LiveVersion:
    """A CRF retrained for one queue: ``model.name`` is ``<base>+live<version>``."""

    base: str  # the name of the model the queue was opened with
    version: int
    answers: int  # accepted answers it was trained on
    model: object  # a ner.crf.CrfModel


def live_name(base: str, version: int) -> str:
    """``<last part of the base model's name>+live<version>``."""
    return f"{Path(str(base)).name}+live{version}"


class LiveModels:
    """The live versions of each queue, and the one background retraining at a time."""

    def __init__(self, every: int, training_documents: Callable[[], list[Document]]):
        self.every = every
        self._training_documents = training_documents
        self._versions: OrderedDict[str, LiveVersion] = OrderedDict()
        self._trained: dict[str, int] = {}  # queue -> accepted answers the last retraining started from
        self._lock = threading.Lock()
        self._busy = threading.Lock()  # one retraining at a time, app-wide (CPU bound)
        self._threads: dict[str, threading.Thread] = {}

    def current(self, queue: str, base: str | None) -> LiveVersion | None:
        """The queue's newest version, if it was trained from ``base`` (the model the caller asked for)."""
        with self._lock:
            found = self._versions.get(queue)
            if found is not None:
                self._versions.move_to_end(queue)
        return found if found is not None and base is not None and found.base == base else None

    def after_accept(self, queue: str, base: str, count: Callable[[], int], accepted: Callable[[], list[Document]],
                     publish: Callable[[LiveVersion], None]) -> bool:
        """Start a retraining when ``every`` more answers were accepted since the last one; True when started.

        ``count()`` counts the queue's accepted documents (cheap: it runs after every accept);
        ``accepted()`` reads them, in the background thread, only when a retraining starts;
        ``publish(version)`` suggests the queue's unanswered documents with the new version
        (in that thread) before it becomes the queue's current one.
        """
        if self.every <= 0:
            return False
        n = count()
        with self._lock:
            since = n - self._trained.get(queue, 0)
            running = queue in self._threads and self._threads[queue].is_alive()
            if since < self.every or running or not self._busy.acquire(blocking=False):
                return False
            self._trained[queue] = n
            version = (self._versions[queue].version + 1) if queue in self._versions else 1
            thread = threading.Thread(target=self._retrain, args=(queue, base, accepted, version, publish),
                                      name=f"live-{queue}", daemon=True)
            self._threads[queue] = thread
        thread.start()
        return True

    def _retrain(self, queue: str, base: str, accepted: Callable[[], list[Document]], version: int,
                 publish: Callable[[LiveVersion], None]) -> None:
        from ner.crf import train_crf

        try:
            docs = accepted()
            model = train_crf(self._training_documents() + docs)  # an accepted empty answer: "nothing here"
            model.name = live_name(base, version)
            live = LiveVersion(base, version, len(docs), model)
            publish(live)
            with self._lock:
                self._versions[queue] = live
                self._versions.move_to_end(queue)
                while len(self._versions) > MAX_QUEUES:
                    self._versions.popitem(last=False)
        finally:
            self._busy.release()

    def wait(self, queue: str, timeout: float | None = None) -> LiveVersion | None:
        """Wait for the queue's retraining (if one runs); its newest version."""
        with self._lock:
            thread = self._threads.get(queue)
        if thread is not None:
            thread.join(timeout)
        with self._lock:
            return self._versions.get(queue)
