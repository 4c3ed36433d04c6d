"""Spanish biomedical named-entity recognition on eHealth-KD 2020."""

from ner.entities import LABELS, Document, Entity, Relation, entity

__all__ = ["LABELS", "Document", "Entity", "Relation", "entity"]
