"""Relations as ``(kind, origin, destination)`` triples of entity indexes, and back into BRAT's ``Relation``.

Pure functions over :class:`ner.entities.Document`: an ``R`` line is one triple
(``Arg1`` → ``Arg2``); a ``*`` line of ``same-as`` over entities ``a, b, c`` is ``a → b`` and
``a → c``, as the official scorer reads it. Written back, ``same-as`` becomes a ``*`` line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from ner.entities import Document, Relation
from ner.refusals import Invalid

RELATIONS: tuple[str, ...] = ("is-a", "same-as", "part-of", "has-property", "causes", "entails", "in-time",
                              "in-place", "in-context", "subject", "target", "domain", "arg")
SAME_AS = "same-as"
Triple = tuple[str, int, int]


def triples(doc: Document) -> list[Triple]:
    """The document's relations as triples, in file order, each once (the first time it is listed)."""
    out: dict[Triple, None] = {}
    for rel in doc.relations:
        if len(rel.args) < 2:
            continue
        head = rel.args[0][1]
        for _, other in rel.args[1:]:
            out.setdefault((rel.kind, head, other), None)
    return list(out)


def to_relation(triple: Triple, score: float | None = None) -> Relation:
    """One BRAT relation: ``same-as`` as a ``*`` line, the others as ``R`` lines with ``Arg1``/``Arg2``."""
    kind, a, b = triple
    if kind == SAME_AS:
        return Relation(kind, (("", a), ("", b)), star=True, score=score)
    return Relation(kind, (("Arg1", a), ("Arg2", b)), score=score)


def scored(doc: Document) -> list[tuple[Triple, float | None]]:
    """The document's relations as triples with each one's score (None for a person's)."""
    out: dict[Triple, float | None] = {}
    for rel in doc.relations:
        for _, other in rel.args[1:]:
            out.setdefault((rel.kind, rel.args[0][1], other), rel.score)
    return list(out.items())


def with_triples(doc: Document, found: Iterable[Triple] | Mapping[Triple, float]) -> Document:
    """A copy of ``doc`` whose relations are ``found`` (each once; ``same-as`` once per unordered pair).

    ``found`` as a mapping: each triple with a model's probability for it. ``ValueError`` for an
    unknown kind, an index outside the entities or a relation of an entity with itself.
    """
    kept: dict[tuple, Triple] = {}
    for kind, a, b in found:
        if kind not in RELATIONS:
            raise Invalid(f"unknown relation {kind!r} (expected one of {', '.join(RELATIONS)})")
        if not (0 <= a < len(doc.entities) and 0 <= b < len(doc.entities)) or a == b:
            raise Invalid(f"relation {kind} {a} → {b}: no such pair of entities in {doc.id}")
        key = (kind, min(a, b), max(a, b)) if kind == SAME_AS else (kind, a, b)
        kept.setdefault(key, (kind, a, b))
    scores = found if isinstance(found, Mapping) else {}
    return replace(doc, relations=tuple(to_relation(t, scores.get(t)) for t in kept.values()))
