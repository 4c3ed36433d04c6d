"""The data model: entities, relations and documents.

One span convention everywhere: character offsets into the document text, half-open
``[start, end)``. An entity is a label plus a sorted tuple of fragments; more than one
fragment means a discontinuous entity. Conversion to other conventions happens only at
the edges (BRAT files, BIO tags, nervaluate, displaCy, Gradio components).

An entity has one JSON shape wherever it leaves Python (the API, JSONL exports, the
annotation editor, the store's columns): :func:`entity_to_json` writes it and
:func:`entities_from_json` reads and checks it against the document text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ner.refusals import Invalid, Refusal
from ner.tokens import words

LABELS: tuple[str, ...] = ("Concept", "Action", "Predicate", "Reference")
ENTITIES_PER_WORD = 4  # at most this many entities per word of a text (and as many more) in one answer

Fragment = tuple[int, int]
_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
JSON_KEYS: tuple[str, ...] = ("label", "start", "end", "text", "fragments", "score")


@dataclass(frozen=True, order=True)
class Entity:
    """A labelled span; ``fragments`` are sorted, non-empty, half-open character ranges."""

    fragments: tuple[Fragment, ...]
    label: str
    score: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        frags = tuple(sorted((int(s), int(e)) for s, e in self.fragments))
        if not frags:
            raise Invalid(f"entity {self.label!r} has no fragment")
        for s, e in frags:
            if s < 0 or e <= s:
                raise Invalid(f"entity {self.label!r} has an empty or negative fragment ({s}, {e})")
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
    score: float | None = field(default=None, compare=False)  # a model's probability for it (not written to BRAT)


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


# ---------------------------------------------------------------- checks and the JSON shape


def fragments_of(start: int, end: int, text: str) -> tuple[Fragment, ...]:
    """``[start, end)`` cut at runs of whitespace: the fragments the corpus would store.

    Whitespace includes the zero-width spaces found in the corpus; a range of whitespace
    alone gives ``()``.
    """
    frags, pos = [], start
    for gap in _SPACE.finditer(text, start, end):
        if gap.start() > pos:
            frags.append((pos, gap.start()))
        pos = gap.end()
    if end > pos:
        frags.append((pos, end))
    return tuple(frags)


def check_entities(text: str, entities: Iterable[Entity], where: str = "") -> tuple[Entity, ...]:
    """The entities, sorted, after checking them against ``text``; ``ValueError`` names the first bad one.

    A label must be one of :data:`LABELS` (exactly: no HTML, no other case); each fragment
    must lie inside the text and start and end on word boundaries (:func:`ner.tokens.words`);
    the fragments of one entity must not overlap (nor repeat).
    """
    bounds = _word_bounds(text)
    return tuple(sorted(_checked(text, ent, _here(where, i), bounds) for i, ent in enumerate(entities)))


def valid_entities(text: str, entities: Iterable[Entity]) -> list[Entity]:
    """Those of ``entities`` that :func:`check_entities` accepts, in their order (the words are found once)."""
    bounds = _word_bounds(text)
    out = []
    for i, ent in enumerate(entities):
        try:
            out.append(_checked(text, ent, _here("", i), bounds))
        except ValueError:
            continue
    return out


def entity_to_json(ent: Entity, text: str) -> dict[str, Any]:
    """``{"label", "start", "end", "text", "fragments": [[s, e], ...], "score"}`` of one entity.

    ``start``/``end`` are those of the first and last fragment, ``text`` is
    :meth:`Entity.surface` and ``score`` is None when the entity has none.
    """
    return {
        "label": ent.label,
        "start": ent.start,
        "end": ent.end,
        "text": ent.surface(text),
        "fragments": [list(f) for f in ent.fragments],
        "score": ent.score,
    }


def entities_from_json(text: str, raw: Any, where: str = "") -> tuple[Entity, ...]:
    """Entities from a list of JSON objects, checked against ``text``, in the listed order.

    Each object is ``{"label", "fragments": [[s, e], ...]}`` or ``{"label", "start",
    "end"}``; ``text`` and ``score`` may come along (what :func:`entity_to_json` writes
    reads back). Each fragment is cut at whitespace into the corpus's fragments
    (:func:`fragments_of`). An entity listed twice is kept once; more than
    :data:`ENTITIES_PER_WORD` per word of ``text`` is a :class:`ner.refusals.Refusal`.
    ``ValueError`` names the bad entity: a key not listed above, an unknown label, a
    fragment that is not a pair of integers, empty or negative, outside the text, only
    whitespace or off word boundaries, overlapping fragments, ``start``/``end`` that disagree
    with the fragments, a ``text`` that is not what the fragments cover, a ``score`` that is
    not a number in [0, 1].
    """
    if not isinstance(raw, (list, tuple)):
        raise Invalid(f"{where or 'entities'}: expected a list of entities, got {type(raw).__name__}")
    bounds = _word_bounds(text)
    limit = ENTITIES_PER_WORD * len(bounds[0]) + ENTITIES_PER_WORD
    if len(raw) > limit:  # before any is decoded: a client may send millions
        raise Refusal("{where}: {n:,} entities for a text of {words:,} words (the limit is "
                      "{limit:,})", where=where or "entities", n=len(raw), words=len(bounds[0]), limit=limit)
    first: dict[tuple, Entity] = {}  # an entity sent twice (same label and fragments) is kept once
    for i, data in enumerate(raw):
        ent = _checked(text, _decoded(text, data, _here(where, i)), _here(where, i), bounds)
        first.setdefault((ent.label, ent.fragments), ent)
    return tuple(first.values())


def _here(where: str, i: int) -> str:
    return f"{where}: entity {i + 1}" if where else f"entity {i + 1}"


def _word_bounds(text: str) -> tuple[set[int], set[int]]:
    spans = words(text)
    return {s for s, _ in spans}, {e for _, e in spans}


def _checked(text: str, ent: Any, here: str, bounds: tuple[set[int], set[int]]) -> Entity:
    """``ent`` when it is a valid entity of ``text``; else ``ValueError`` starting with ``here``."""
    if not isinstance(ent, Entity):
        raise Invalid(f"{here}: expected an Entity, got {type(ent).__name__} (read JSON with entities_from_json)")
    if ent.label not in LABELS:
        raise Invalid(f"{here}: unknown label {ent.label!r} (expected one of {', '.join(LABELS)})")
    starts, ends = bounds
    for s, e in ent.fragments:
        if e > len(text):
            raise Invalid(
                f"{here} ({ent.label}): fragment ({s}, {e}) ends outside the text ({len(text)} characters)"
            )
        if s not in starts or e not in ends:
            raise Invalid(
                f"{here} ({ent.label}): fragment ({s}, {e}) {text[s:e]!r} does not start and end on word boundaries"
            )
    for a, b in zip(ent.fragments, ent.fragments[1:]):
        if b[0] < a[1]:
            raise Invalid(f"{here} ({ent.label}): fragments {a} and {b} overlap")
    return ent


def _offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _decoded(text: str, data: Any, here: str) -> Entity:
    """One JSON object as an entity (fragments cut at whitespace); word boundaries are checked later."""
    if not isinstance(data, Mapping):
        raise Invalid(f"{here}: expected an object with label and fragments (or start and end), got {data!r:.80}")
    unknown = [k for k in data if k not in JSON_KEYS]
    if unknown:
        raise Invalid(f"{here}: unknown key {unknown[0]!r} (expected some of {', '.join(JSON_KEYS)})")
    label = data.get("label")
    if not isinstance(label, str) or label not in LABELS:
        raise Invalid(f"{here}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
    here = f"{here} ({label})"
    for key in ("start", "end"):
        if key in data and not _offset(data[key]):
            raise Invalid(f"{here}: {key} must be an integer, got {data[key]!r}")
    raw = data.get("fragments")
    if raw is None:
        if "start" not in data or "end" not in data:
            raise Invalid(f"{here}: no fragments (give fragments, or start and end)")
        raw = [[data["start"], data["end"]]]
    if not isinstance(raw, (list, tuple)) or not raw:
        raise Invalid(f"{here}: fragments must be a non-empty list of [start, end] pairs, got {raw!r:.80}")
    frags: list[Fragment] = []
    for pair in raw:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(_offset(x) for x in pair):
            raise Invalid(f"{here}: a fragment must be a [start, end] pair of integers, got {pair!r:.80}")
        s, e = pair
        if not 0 <= s < e:
            raise Invalid(f"{here}: fragment ({s}, {e}) is empty or negative")
        if e > len(text):
            raise Invalid(f"{here}: fragment ({s}, {e}) ends outside the text ({len(text)} characters)")
        pieces = fragments_of(s, e, text)
        if not pieces:
            raise Invalid(f"{here}: fragment ({s}, {e}) holds only whitespace")
        frags += pieces
    first, last = min(s for s, _ in raw), max(e for _, e in raw)
    if (data.get("start", first), data.get("end", last)) != (first, last):
        raise Invalid(
            f"{here}: start and end ({data.get('start')}, {data.get('end')}) "
            f"disagree with its fragments ({first}, {last})"
        )
    score = data.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, (int, float)) or not 0.0 <= score <= 1.0
    ):
        raise Invalid(f"{here}: score must be a number in [0, 1], got {score!r}")
    ent = Entity(tuple(frags), label, None if score is None else float(score))
    shown = data.get("text")
    if shown is not None and shown not in (ent.surface(text), text[first:last]):
        raise Invalid(f"{here}: text {shown!r} differs from what its fragments cover, {ent.surface(text)!r}")
    return ent
