"""The models the app can use: finished checkpoints on disk, or a hub id / local folder typed in.

Loaded predictors are kept in memory (a model is loaded once, whatever the tab).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ner.checkpoints import CheckpointInfo, list_checkpoints
from ner.predict import Predictor, load_predictor


def int8_options(model: str) -> dict:
    """``NER_INT8=1`` (a CPU-only deployment, e.g. a free Space): transformers run quantised to int8."""
    import torch

    from ner.predict import model_kind

    wanted = os.environ.get("NER_INT8", "").lower() in {"1", "true", "yes"}
    if wanted and not torch.cuda.is_available() and model_kind(model) == "transformer":
        return {"int8": True, "device": "cpu"}
    return {}


class Models:
    """Loads each model once and lists what can be chosen."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, Predictor] = {}
        self._lock = threading.Lock()

    def checkpoints(self) -> list[CheckpointInfo]:
        return list_checkpoints(self.root)

    def choices(self) -> list[tuple[str, str]]:
        """Dropdown choices ``(label, value)``: ``$NER_MODEL`` first when set, then newest checkpoint first."""
        pinned = os.environ.get("NER_MODEL")
        return ([(pinned, pinned)] if pinned else []) + [(c.label(), str(c.path)) for c in self.checkpoints()]

    def default(self) -> str | None:
        """``$NER_MODEL`` (e.g. a fine-tuned model on the Hub), else the newest checkpoint, else None."""
        choices = self.choices()
        return choices[0][1] if choices else None

    def get(self, model: str | None) -> Predictor:
        """The predictor for a checkpoint path or hub id (the newest checkpoint when empty)."""
        model = (model or "").strip() or self.default()
        if not model:
            raise ValueError("no model yet: train one (the instant CRF takes seconds) or enter a hub id / folder")
        with self._lock:
            if model not in self._cache:
                from ner.ui.zerogpu import PREDICT_SECONDS, gpu

                predictor = load_predictor(model, **int8_options(model))
                predictor.predict = gpu(PREDICT_SECONDS)(predictor.predict)
                self._cache[model] = predictor
            return self._cache[model]
