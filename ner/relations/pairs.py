"""Candidate entity pairs of a sentence, their gold labels, and the hand-written features of the baseline.

Every ordered pair ``(i, j)``, ``i != j``, of a sentence's entities is a candidate; its label
is the kind of the gold relation ``i → j``, or :data:`NONE`. ``same-as`` is symmetric: both
orders of a ``same-as`` pair carry it. Pure functions: no model, no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ner.crf import shape, unaccented
from ner.entities import Document, Entity
from ner.relations.triples import SAME_AS, Triple, triples
from ner.tokens import words

NONE = "none"
Pair = tuple[int, int]


def candidates(doc: Document) -> list[Pair]:
    """Every ordered pair of distinct entities of the document, in index order."""
    n = len(doc.entities)
    return [(i, j) for i in range(n) for j in range(n) if i != j]


def pair_labels(doc: Document) -> dict[Pair, str]:
    """The gold kind of each related ordered pair (the first listed when a pair has two); both orders for same-as."""
    found: dict[Pair, str] = {}
    for kind, a, b in triples(doc):
        found.setdefault((a, b), kind)
        if kind == SAME_AS:
            found.setdefault((b, a), kind)
    return found


def decide(classes: Sequence[str], probabilities: Mapping[Pair, Sequence[float]], threshold: float
           ) -> dict[Triple, float]:
    """The relations a classifier's probabilities give, each with its probability: a pair's likeliest kind when it
    reaches ``threshold``.

    ``probabilities[pair][k]`` is the probability of ``classes[k]`` (one class is :data:`NONE`,
    never given). Of the two orders of a ``same-as`` pair both may come out;
    :func:`ner.relations.triples.with_triples` keeps one.
    """
    none = classes.index(NONE)
    out = {}
    for (a, b), p in sorted(probabilities.items()):
        best = max((k for k in range(len(classes)) if k != none), key=lambda k: p[k])
        if p[best] >= threshold:
            out[(classes[best], a, b)] = round(float(p[best]), 4)
    return out


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-6" if n < 7 else "7+"


def _entity_words(ent: Entity, spans: list[tuple[int, int]]) -> list[int]:
    return [k for k, (s, e) in enumerate(spans) if any(fs <= s and e <= fe for fs, fe in ent.fragments)]


def pair_features(doc: Document, i: int, j: int, spans: list[tuple[int, int]] | None = None) -> dict[str, float]:
    """The baseline's features of the ordered pair ``i → j`` (sparse, one-hot: names with value 1.0).

    Both entities' labels, words (lower-cased, unaccented) and shapes; their order, distance
    in words and the entities between them; the words between (as a bag, and the first and
    last); whether one holds the other. ``spans``: the document's words, when already known.
    """
    text, a, b = doc.text, doc.entities[i], doc.entities[j]
    spans = words(text) if spans is None else spans
    wa, wb = _entity_words(a, spans), _entity_words(b, spans)

    def low(k: int) -> str:
        s, e = spans[k]
        return unaccented(text[s:e].lower())

    la, lb = a.label, b.label
    f: dict[str, float] = {f"a={la}": 1.0, f"b={lb}": 1.0, f"ab={la}|{lb}": 1.0}
    for side, ws in (("a", wa), ("b", wb)):
        if ws:
            f[f"{side}.head={low(ws[-1])}"] = 1.0
            f[f"{side}.first={low(ws[0])}"] = 1.0
            f[f"{side}.suffix={low(ws[-1])[-3:]}"] = 1.0
            f[f"{side}.shape={shape(text[spans[ws[-1]][0]:spans[ws[-1]][1]])}"] = 1.0
            f[f"{side}.len={_bucket(len(ws))}"] = 1.0
    f[f"ab.heads={low(wa[-1]) if wa else ''}|{low(wb[-1]) if wb else ''}"] = 1.0
    before = a.start < b.start
    f[f"order={'ab' if before else 'ba'}"] = 1.0
    inside = a.start <= b.start and b.end <= a.end or b.start <= a.start and a.end <= b.end
    if inside:
        f["nested"] = 1.0
    lo, hi = (a.end, b.start) if before else (b.end, a.start)
    between = [k for k, (s, e) in enumerate(spans) if lo <= s and e <= hi]
    f[f"dist={_bucket(len(between))}"] = 1.0
    f[f"ab.dist={la}|{lb}|{'ab' if before else 'ba'}|{_bucket(len(between))}"] = 1.0
    for k in between[:8]:
        f[f"between={low(k)}"] = 1.0
    if between:
        f[f"between.first={low(between[0])}"] = 1.0
        f[f"between.last={low(between[-1])}"] = 1.0
    else:
        f["adjacent"] = 1.0
    inner = sum(1 for n, e in enumerate(doc.entities) if n not in (i, j) and lo <= e.start and e.end <= hi)
    f[f"entities.between={_bucket(inner)}"] = 1.0
    labels_between = sorted({e.label for n, e in enumerate(doc.entities)
                             if n not in (i, j) and lo <= e.start and e.end <= hi})
    f[f"labels.between={'+'.join(labels_between)}"] = 1.0
    return f
