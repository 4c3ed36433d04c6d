"""Relations as ``(kind, origin, destination)`` triples of entity indexes, and back into BRAT's ``Relation``.

Pure functions over :class:`ner.entities.Document`: an ``R`` line is one triple
(``Arg1`` → ``Arg2``); a ``*`` line of ``same-as`` over entities ``a, b, c`` is ``a → b`` and
``a → c``, as the official scorer reads it. Written back, ``same-as`` becomes a ``*`` line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

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


def relations_from_json(raw: Any, entities: int, where: str = "relations") -> list[Triple]:
    """Relations sent as JSON, ``[{"type", "from", "to"}]`` (``score`` may come along), ``from``/``to`` indexes
    into a list of ``entities`` entities; ``ValueError`` (:class:`ner.refusals.Invalid`) names the bad one.

    At most as many relations as ordered pairs of entities (each pair holds one of each kind at most).
    """
    if raw is None:
        return []
    if not isinstance(raw, (list, tuple)):
        raise Invalid(f"{where}: expected a list of relations, got {type(raw).__name__}")
    if len(raw) > max(1, entities * (entities - 1)) * 2:
        raise Invalid(f"{where}: {len(raw):,} relations between {entities} entities")
    out = []
    for i, item in enumerate(raw):
        here = f"{where}: relation {i + 1}"
        if not isinstance(item, dict) or not {"type", "from", "to"} <= set(item) or set(item) - {"type", "from",
                                                                                                 "to", "score"}:
            raise Invalid(f"{here}: expected {{type, from, to}}, got {str(item)[:80]!r}")
        kind, a, b = item["type"], item["from"], item["to"]
        if kind not in RELATIONS:
            raise Invalid(f"{here}: unknown relation {str(kind)[:40]!r} (expected one of {', '.join(RELATIONS)})")
        if any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < entities for x in (a, b)) or a == b:
            raise Invalid(f"{here}: from and to must be two different entity indexes below {entities}")
        out.append((kind, a, b))
    return out


def relation_to_json(triple: Triple, score: float | None = None) -> dict[str, Any]:
    """``{"type", "from", "to", "score"}`` of one relation (entity indexes into the same payload's entities)."""
    kind, a, b = triple
    return {"type": kind, "from": a, "to": b, "score": score}
