"""Hugging Face ZeroGPU: GPU work wrapped in ``@spaces.GPU`` when the ``spaces`` package is there.

On a Space with ZeroGPU hardware a GPU is attached only while a function decorated with
``spaces.GPU`` runs; everywhere else (no ``spaces`` package) nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

PREDICT_SECONDS = 60
TRAIN_SECONDS = 1800


def gpu(duration: int) -> Callable[[Callable], Callable]:
    """``spaces.GPU(duration=...)`` when ``spaces`` is importable, else a decorator that does nothing."""
    try:
        import spaces
    except ImportError:
        return lambda fn: fn
    return spaces.GPU(duration=duration)
