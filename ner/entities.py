"""The data model: entities, relations and documents.

One span convention everywhere: character offsets into the document text, half-open
``[start, end)``. An entity is a label plus a sorted tuple of fragments; more than one
fragment means a discontinuous entity. Conversion to other conventions happens only at
the edges (BRAT files, BIO tags, nervaluate, displaCy, Gradio components).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

LABELS: tuple[str, ...] = ("Concept", "Action", "Predicate", "Reference")

Fragment = tuple[int, int]


@dataclass(frozen=True, order=True)
class Entity:
    """A labelled span; ``fragments`` are sorted, non-empty, half-open character ranges."""

    fragments: tuple[Fragment, ...]
    label: str
    score: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        frags = tuple(sorted((int(s), int(e)) for s, e in self.fragments))
        if not frags:
            raise ValueError(f"entity {self.label!r} has no fragment")
        for s, e in frags:
            if s < 0 or e <= s:
                raise ValueError(f"entity {self.label!r} has an empty or negative fragment ({s}, {e})")
        object.__setattr__(self, "fragments", frags)

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    def surface(self, text: str) -> str:
        """The entity's text: its fragments joined by single spaces (as BRAT writes it)."""
        return " ".join(text[s:e] for s, e in self.fragments)

    def shifted(self, offset: int) -> Entity:
        """The same entity with every fragment moved by ``offset`` characters."""
        return replace(self, fragments=tuple((s + offset, e + offset) for s, e in self.fragments))

    def is_gapped(self, text: str) -> bool:
        """True when the text between two fragments is more than whitespace."""
        return any(text[a[1] : b[0]].strip() for a, b in zip(self.fragments, self.fragments[1:]))


def entity(start: int, end: int, label: str, score: float | None = None) -> Entity:
    """A one-fragment entity ``[start, end)``."""
    return Entity(((start, end),), label, score)


@dataclass(frozen=True)
class Relation:
    """A relation between entities, kept as read so it can be written back.

    ``kind`` is the relation type (``is-a``, ``same-as``, ...); ``args`` are the entity
    indexes into the document's ``entities`` tuple, with their role names (``Arg1``,
    ``Arg2``; empty for ``*`` equivalence lines, which have ``star=True``).
    """

    kind: str
    args: tuple[tuple[str, int], ...]
    star: bool = False


@dataclass(frozen=True)
class Document:
    """One sentence (or text) with its entities.

    ``annotated`` is False for a line that the corpus leaves unannotated (scenarios 1 and
    4 annotate only some lines); an annotated document may still have no entity.
    ``notes`` keeps BRAT lines that are neither entities nor relations (``#``, ``A``, ``E``)
    verbatim, with their ids rewritten relative to this document.
    """

    id: str
    text: str
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    annotated: bool = True
    notes: tuple[str, ...] = ()

    def with_entities(self, entities: tuple[Entity, ...] | list[Entity]) -> Document:
        """A copy with other entities, no relations (they point at the old entities)."""
        return replace(self, entities=tuple(sorted(entities)), relations=(), annotated=True)
