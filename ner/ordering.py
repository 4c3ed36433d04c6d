"""The order in which items are shown to annotators: as given, or most uncertain first.

Uncertainty (active learning by least confidence) of one item, from its predicted entities
and their scores (each the model's probability for that entity, in [0, 1]):

    uncertainty = 1 - min(score over the item's scored entities)

The least confident entity decides: one doubtful entity is enough to make an item worth a
person's look. An item with no scored entity (the model found nothing, or gave no scores)
gets ``1 - fallback``, where ``fallback`` is a whole-item confidence the caller provides,
for instance the mean over tokens of the highest tag probability (low when the model
hesitated about tagging anything). Without a fallback its uncertainty is unknown (None),
and such items come after all the others. Ties keep the given order (the sort is stable).

Pure functions: no model, no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypeVar

from ner.entities import Entity

T = TypeVar("T")
STRATEGIES: tuple[str, ...] = ("as_given", "uncertain")


def _probability(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 0 <= value <= 1:
        raise ValueError(f"{what} must be a probability in [0, 1], got {value!r}")
    return float(value)


def uncertainty(entities: Iterable[Entity] | None, fallback: float | None = None) -> float | None:
    """``1 - min(entity score)``; with no scored entity ``1 - fallback``; None when neither is known."""
    scores = [
        _probability(e.score, f"the score of {e.label} {e.fragments}") for e in entities or () if e.score is not None
    ]
    if scores:
        return 1.0 - min(scores)
    if fallback is None:
        return None
    return 1.0 - _probability(fallback, "the fallback confidence")


def uncertain_first(uncertainties: Sequence[float | None]) -> list[int]:
    """Indexes of ``uncertainties``, highest first; None (unknown) last; ties in given order."""
    return sorted(
        range(len(uncertainties)),
        key=lambda i: (uncertainties[i] is None, -(uncertainties[i] or 0.0), i),
    )


def order(
    items: Sequence[T],
    strategy: str = "as_given",
    predictions: Sequence[Iterable[Entity] | None] | None = None,
    fallbacks: Sequence[float | None] | None = None,
) -> list[T]:
    """``items`` in the order of ``strategy``: ``as_given`` or ``uncertain``.

    For ``uncertain``, ``predictions[i]`` are the predicted entities of ``items[i]`` (with
    scores; None or empty when there are none) and ``fallbacks[i]`` its optional whole-item
    confidence (see the module docstring).
    """
    if strategy == "as_given":
        return list(items)
    if strategy != "uncertain":
        raise ValueError(f"unknown strategy {strategy!r} (expected one of {', '.join(STRATEGIES)})")
    if predictions is None or len(predictions) != len(items):
        got = "none" if predictions is None else len(predictions)
        raise ValueError(f"'uncertain' needs one prediction per item: {len(items)} items, {got} predictions")
    if fallbacks is not None and len(fallbacks) != len(items):
        raise ValueError(f"{len(items)} items but {len(fallbacks)} fallbacks")
    values = []
    for i, ents in enumerate(predictions):
        try:
            values.append(uncertainty(ents, None if fallbacks is None else fallbacks[i]))
        except ValueError as exc:
            raise ValueError(f"item {i}: {exc}") from None
    return [items[i] for i in uncertain_first(values)]
