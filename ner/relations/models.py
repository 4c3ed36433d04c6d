"""Loading a relation model from its folder, whichever kind it is, and predicting with one.

A relation model folder holds ``relations.json``; its ``kind`` says which loader reads it:
``relations-baseline`` (:mod:`ner.relations.baseline`) or ``relations-transformer``
(:mod:`ner.relations.transformer`, imported only then: it needs torch). Both predict the same
way: documents with entities in, the same documents with relations out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ner.entities import Document
from ner.relations.baseline import KIND as BASELINE
from ner.relations.baseline import PairClassifier

INFO_FILE = "relations.json"
TRANSFORMER = "relations-transformer"
KINDS: tuple[str, ...] = (BASELINE, TRANSFORMER)


class RelationModel(Protocol):
    name: str

    def predict(self, docs: Sequence[Document]) -> list[Document]: ...


def relation_kind(folder: str | Path) -> str | None:
    """The kind of relation model in ``folder`` (``relations-baseline`` / ``relations-transformer``), else None."""
    info = Path(folder) / INFO_FILE
    if not info.is_file():
        return None
    try:
        kind = json.loads(info.read_text(encoding="utf-8")).get("kind")
    except (ValueError, AttributeError, OSError):
        return None
    return kind if kind in KINDS else None


def load_relation_model(folder: str | Path, device: str | None = None) -> RelationModel:
    """The relation model saved in ``folder``; ``ValueError`` when it holds none."""
    kind = relation_kind(folder)
    if kind == BASELINE:
        return PairClassifier.load(Path(folder))
    if kind == TRANSFORMER:
        from ner.relations.transformer import RelationPredictor

        return RelationPredictor.load(Path(folder), device=device)
    raise ValueError(f"{folder}: no relation model here (no relations.json of a known kind)")
