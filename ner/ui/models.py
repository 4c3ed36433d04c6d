"""The models the app can use: finished checkpoints on disk, or a hub id / local folder typed in.

Loaded predictors are kept in memory (a model is loaded once, whatever the tab).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ner.checkpoints import CheckpointInfo, list_checkpoints
from ner.predict import Predictor, load_predictor


class Models:
    """Loads each model once and lists what can be chosen."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, Predictor] = {}
        self._lock = threading.Lock()

    def checkpoints(self) -> list[CheckpointInfo]:
        return list_checkpoints(self.root)

    def choices(self) -> list[tuple[str, str]]:
        """Dropdown choices ``(label, value)``, newest checkpoint first."""
        return [(c.label(), str(c.path)) for c in self.checkpoints()]

    def default(self) -> str | None:
        """The newest checkpoint, or None when there is none."""
        found = self.checkpoints()
        return str(found[0].path) if found else None

    def get(self, model: str | None) -> Predictor:
        """The predictor for a checkpoint path or hub id (the newest checkpoint when empty)."""
        model = (model or "").strip() or self.default()
        if not model:
            raise ValueError("no model yet: train one (the instant CRF takes seconds) or enter a hub id / folder")
        with self._lock:
            if model not in self._cache:
                self._cache[model] = load_predictor(model)
            return self._cache[model]
