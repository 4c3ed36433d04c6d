"""One training run at a time, in a background thread, observable and cancellable.

The app's Train tab and its API drive this; it holds the state a web page polls: the last
progress report, the loss and dev-F1 curves, the result folder or the error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from ner.entities import Document
from ner.train import TrainingCancelled, TrainProgress, TrainSettings, train

log = logging.getLogger(__name__)


class Busy(RuntimeError):
    """A training run is already going."""


@dataclass
class JobState:
    """What the page shows about the current or last run."""

    status: str = "idle"  # idle, running, cancelling, done, cancelled, failed
    settings: TrainSettings | None = None
    progress: TrainProgress | None = None
    losses: list[tuple[int, float]] = field(default_factory=list)
    dev_f1: list[tuple[float, float]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    result: Path | None = None
    error: str | None = None
    started: float = 0.0
    finished: float = 0.0


class TrainingJobs:
    """Starts runs in a thread; refuses a second one while the first is going."""

    def __init__(self, root: Path | None = None, run=train,
                 lock: Callable[[], AbstractContextManager[bool]] | None = None):
        self.root = root
        self._train = run  # ``ner.train.train``, or it wrapped (e.g. for ZeroGPU)
        self._lock_across = lock  # e.g. ``store.exclusive("training")``: one run for every replica on a database
        self._held = ExitStack()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = JobState()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, settings: TrainSettings, extra: list[Document] | None = None) -> None:
        """Start a run; raises :class:`Busy` if one is going."""
        with self._lock:
            if self.running:
                raise Busy("a training run is already going: wait for it to finish or cancel it")
            if self._lock_across is not None:
                held = ExitStack()
                if not held.enter_context(self._lock_across()):
                    held.close()
                    raise Busy("a training run is going in another process of this app: wait for it to finish")
                self._held = held
            self._cancel = threading.Event()
            self.state = JobState(status="running", settings=settings, started=time.time())
            self._thread = threading.Thread(target=self._run, args=(settings, extra, self._cancel), daemon=True)
            self._thread.start()

    def cancel(self) -> bool:
        """Ask the running run to stop; False when nothing runs."""
        if not self.running:
            return False
        self._cancel.set()
        self.state.status = "cancelling"
        return True

    def wait(self, timeout: float | None = None) -> JobState:
        """Block until the run ends (tests and the CLI)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.state

    def _on_progress(self, p: TrainProgress) -> None:
        st = self.state
        st.progress = p
        if p.loss is not None and (not st.losses or st.losses[-1][0] != p.step):
            st.losses.append((p.step, p.loss))
        if p.evaluated and p.dev_f1 is not None:
            st.dev_f1.append((p.epoch, p.dev_f1))
        if p.message and (not st.messages or st.messages[-1] != p.message):
            st.messages.append(p.message)

    def _run(self, settings: TrainSettings, extra: list[Document] | None, cancel: threading.Event) -> None:
        st = self.state
        try:
            st.result = self._train(settings, extra=extra, on_progress=self._on_progress, cancel=cancel, root=self.root)
            st.status = "done"
        except TrainingCancelled:
            st.status = "cancelled"
        except Exception as exc:  # the page shows any failure; the app stays up
            st.status = "failed"
            st.error = f"{type(exc).__name__}: {exc}"
            log.exception("training run %s failed", settings.run_name)
        finally:
            st.finished = time.time()
            self._held.close()
