"""Error analysis, pure: what each entity of a sentence is (correct, missing, ...) and where two models differ.

Every mark comes from :func:`ner.scoring.match_document`, the official scorer's matching, so
the error browser and the scores count the same things. A gold entity is ``correct``,
``incorrect`` (found with another label), ``partial`` (overlapping, same label) or
``missing``; a predicted one is ``correct``, ``incorrect``, ``partial`` or ``spurious``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ner.entities import Document, Entity
from ner.scoring import match_document

MARKS: tuple[str, ...] = ("correct", "incorrect", "partial", "missing", "spurious")
ERRORS: tuple[str, ...] = MARKS[1:]


@dataclass(frozen=True)
class Marked:
    """An entity with its mark; ``other`` is the entity it was matched with on the other side, if any."""

    entity: Entity
    mark: str
    other: Entity | None = None


@dataclass(frozen=True)
class MarkedSentence:
    """One sentence's gold and predicted entities, each marked."""

    gold: tuple[Marked, ...]
    predicted: tuple[Marked, ...]

    @property
    def errors(self) -> frozenset[str]:
        """The marks other than ``correct`` found on either side."""
        return frozenset(m.mark for m in (*self.gold, *self.predicted)) - {"correct"}


def mark_sentence(gold: Document, pred: Document) -> MarkedSentence:
    """Mark every gold and predicted entity of one sentence, in text order.

    ``ValueError`` when the two texts differ (see :func:`ner.scoring.match_document`).
    """
    m = match_document(gold, pred)
    golds = [Marked(g, kind, p) for kind in ("correct", "incorrect", "partial") for g, p in getattr(m, kind)]
    preds = [Marked(p, kind, g) for kind in ("correct", "incorrect", "partial") for g, p in getattr(m, kind)]
    golds += [Marked(g, "missing") for g in m.missing]
    preds += [Marked(p, "spurious") for p in m.spurious]

    def in_order(items: list[Marked]) -> tuple[Marked, ...]:
        return tuple(sorted(items, key=lambda x: (x.entity.fragments, x.entity.label)))

    return MarkedSentence(in_order(golds), in_order(preds))


def same_entities(a: Document, b: Document) -> bool:
    """True when two predictions of one sentence have the same entities (fragments and labels; scores aside)."""
    return {(e.fragments, e.label) for e in a.entities} == {(e.fragments, e.label) for e in b.entities}


def disagreements(gold: list[Document], pred_a: list[Document], pred_b: list[Document]) -> list[int]:
    """Indexes of the annotated gold sentences where the two predictions differ."""
    if not len(gold) == len(pred_a) == len(pred_b):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred_a)} and {len(pred_b)} predicted")
    return [i for i, (g, a, b) in enumerate(zip(gold, pred_a, pred_b)) if g.annotated and not same_entities(a, b)]


def compare_rows(a: dict, b: dict) -> list[tuple[str, float, float, float, float, float, float, float]]:
    """Official P, R, F1 of two :func:`ner.scoring.score` results side by side, with F1(B) − F1(A).

    One row for ``all`` then one per type (A's types, then any only B has); a type one
    result lacks counts as zero there.
    """
    zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    labels = [*a.get("per_type", {}), *(k for k in b.get("per_type", {}) if k not in a.get("per_type", {}))]

    def official(result: dict, label: str) -> dict:
        if label == "all":
            return result["official"]
        return result.get("per_type", {}).get(label, {}).get("official", zero)

    rows = []
    for label in ["all", *labels]:
        x, y = official(a, label), official(b, label)
        rows.append((label, x["precision"], x["recall"], x["f1"], y["precision"], y["recall"], y["f1"],
                     y["f1"] - x["f1"]))
    return rows
