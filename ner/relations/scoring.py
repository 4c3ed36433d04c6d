"""The official eHealth-KD 2020 Task B score (scenario 3) and the A + B score (scenario 1), over triples.

The organisers' ``ehealthkd`` 0.2.2 scorer, rule for rule (its agreement is tested in
``tests/test_relations_scoring.py``): a predicted entity stands for the gold entity the
Task A matching paired it with as *correct* or *partial* (a wrong label maps nowhere); a
predicted relation is *correct* when the remaining gold relations hold one of its kind
between those gold entities (``same-as`` either way round), first exactly, then up to the
gold ``same-as`` classes (an entity stands for every entity it is the same as); a matched
gold relation is used once. The rest are *spurious* and *missing*. Relations are counted once
per ``(kind, origin, destination)``; sentences whose gold has no entity are skipped.

Task B alone: precision = C / (C + S), recall = C / (C + M). Scenario 1 adds the Task A
counts to these (its partial matches count ½).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ner.entities import Document
from ner.relations.triples import SAME_AS, Triple, triples
from ner.scoring import (
    agreement_pairs,
    check_aligned,
    match_document,
    official_fragments,
    partial_match,
    tally,
    without_rejected,
)


def _official(doc: Document) -> list[tuple[tuple, int]]:
    """Entity indexes in the official loader's order, with their official fragments."""
    keyed = [(official_fragments(e, doc.text), i) for i, e in enumerate(doc.entities)]
    return sorted(keyed, key=lambda fi: tuple(s for s, _ in fi[0]) + tuple(e for _, e in fi[0]))


def entity_map(gold: Document, pred: Document) -> dict[int, int]:
    """Predicted entity index → gold entity index, for the pairs the official Task A matching calls correct or partial.

    The same greedy steps as :func:`ner.scoring.match_document` (correct, then same fragments
    with another label, then partial), on indexes, so that equal entities stay apart.
    """
    golds, preds = _official(gold), _official(pred)
    mapped: dict[int, int] = {}

    def label(doc: Document, i: int) -> str:
        return doc.entities[i].label

    for p in preds[:]:  # correct: the first remaining gold entity with the same fragments, if it has the label
        g = next((g for g in golds if g[0] == p[0]), None)
        if g is not None and label(gold, g[1]) == label(pred, p[1]):
            mapped[p[1]] = g[1]
            golds.remove(g)
            preds.remove(p)
    for p in preds[:]:  # incorrect: same fragments, another label; mapped nowhere
        g = next((g for g in golds if g[0] == p[0]), None)
        if g is not None:
            if label(gold, g[1]) == label(pred, p[1]):
                mapped[p[1]] = g[1]
            golds.remove(g)
            preds.remove(p)
    for p in preds[:]:  # partial: the first remaining gold entity of the label that overlaps
        g = next((g for g in golds if label(gold, g[1]) == label(pred, p[1]) and partial_match(g[0], p[0])), None)
        if g is not None:
            mapped[p[1]] = g[1]
            golds.remove(g)
            preds.remove(p)
    return mapped


def _classes(n: int, relations: Iterable[Triple]) -> list[int]:
    """The gold ``same-as`` classes: one representative index per entity."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for kind, a, b in relations:
        if kind == SAME_AS:
            parent[find(b)] = find(a)
    return [find(i) for i in range(n)]


@dataclass(frozen=True)
class RelationMatch:
    """One sentence's relations matched: ``correct`` pairs ``(gold, predicted)``, then the unmatched ones."""

    correct: tuple[tuple[Triple, Triple], ...] = ()
    missing: tuple[Triple, ...] = ()
    spurious: tuple[Triple, ...] = ()


def match_relations(gold: Document, pred: Document) -> RelationMatch:
    """Match one sentence's predicted relations against its gold ones, as the official scorer does."""
    if gold.text != pred.text:
        raise ValueError(f"document {pred.id}: its text differs from gold {gold.id}: {pred.text[:40]!r}")
    left, submitted = triples(gold), triples(pred)
    mapped = entity_map(gold, pred)
    cls = _classes(len(gold.entities), left)
    correct = []
    for rel in submitted[:]:
        kind, a, b = rel
        if a not in mapped or b not in mapped:
            continue
        o, d = mapped[a], mapped[b]
        ways = [(o, d), (d, o)] if kind == SAME_AS else [(o, d)]
        match = next((g for x, y in ways for g in left if g == (kind, x, y)), None)
        if match is None:
            match = next((g for x, y in ways for g in left
                          if g[0] == kind and cls[g[1]] == cls[x] and cls[g[2]] == cls[y]), None)
        if match is not None:
            correct.append((match, rel))
            left.remove(match)
            submitted.remove(rel)
    return RelationMatch(tuple(correct), tuple(left), tuple(submitted))


@dataclass(frozen=True)
class RelationScore:
    """Task B counts with precision, recall and F1 (``correct / (correct + spurious)`` and so on)."""

    correct: int = 0
    missing: int = 0
    spurious: int = 0

    @property
    def precision(self) -> float:
        return self.correct / (self.correct + self.spurious) if self.correct + self.spurious else 0.0

    @property
    def recall(self) -> float:
        return self.correct / (self.correct + self.missing) if self.correct + self.missing else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "correct": self.correct,
                "missing": self.missing, "spurious": self.spurious}


def relation_tally(matches: Iterable[RelationMatch], kind: str | None = None) -> RelationScore:
    """Task B counts of some matched sentences, overall (``kind=None``) or for one relation type."""
    matches = list(matches)

    def n(items) -> int:
        return sum(kind in (None, t[0]) for t in items)

    return RelationScore(sum(n(p for p, _ in m.correct) for m in matches), sum(n(m.missing) for m in matches),
                         sum(n(m.spurious) for m in matches))


def score_relations(gold: list[Document], pred: list[Document], with_entities: bool = False) -> dict:
    """The official score of predicted relations (JSON-ready), overall and per relation type.

    ``with_entities=False``: Task B (scenario 3, where the gold entities were given):
    ``{"sentences", "official", "per_type"}`` over relations only. ``with_entities=True``:
    scenario 1, where ``official`` sums the Task A and Task B counts
    (``precision = (C_A + C_B + ½P) / (C_A + C_B + I + P + S_A + S_B)``, and so on) and
    ``relations`` / ``entities`` hold each part.
    """
    check_aligned(gold, pred)
    pairs = [(g, p) for g, p in zip(gold, pred) if g.entities or g.relations]
    matches = [match_relations(g, p) for g, p in pairs]
    kinds = sorted({t[0] for g, p in pairs for t in (*triples(g), *triples(p))})
    b = relation_tally(matches)
    result = {"sentences": len(pairs), "official": b.as_dict(),
              "per_type": {kind: relation_tally(matches, kind).as_dict() for kind in kinds}}
    if not with_entities:
        return result
    a = tally([match_document(g, p) for g, p in pairs])
    correct, partial = a.correct + b.correct, a.partial
    recall_den = correct + partial + a.incorrect + a.missing + b.missing
    precision_den = correct + partial + a.incorrect + a.spurious + b.spurious
    recall = (correct + 0.5 * partial) / recall_den if recall_den else 0.0
    precision = (correct + 0.5 * partial) / precision_den if precision_den else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    combined = {"precision": precision, "recall": recall, "f1": f1, "correct": correct, "incorrect": a.incorrect,
                "partial": partial, "missing": a.missing + b.missing, "spurious": a.spurious + b.spurious}
    return {**result, "official": combined, "relations": b.as_dict(), "entities": a.as_dict()}


def format_relations(result: dict) -> str:
    """A plain-text table of :func:`score_relations`' result: overall, then one row per relation type."""
    head = "official scenario 1 (Task A + B)" if "entities" in result else "official Task B"
    lines = [f"{head}, {result['sentences']} sentences", f"{'':<14}{'P':>8}{'R':>8}{'F1':>8}{'C':>6}{'M':>6}{'S':>6}"]

    def row(name: str, o: dict) -> str:
        return (f"{name:<14}{o['precision']:>8.4f}{o['recall']:>8.4f}{o['f1']:>8.4f}"
                f"{o['correct']:>6}{o['missing']:>6}{o['spurious']:>6}")

    lines.append(row("all", result["official"]))
    if "entities" in result:
        lines += [row("  entities", result["entities"]), row("  relations", result["relations"])]
    lines += [row(kind, o) for kind, o in result["per_type"].items()]
    return "\n".join(lines)


def relation_agreement(docs_a: Iterable[Document], docs_b: Iterable[Document], rejected_a: Collection[str] = (),
                       rejected_b: Collection[str] = ()) -> list[dict]:
    """How far annotator B's relations agree with A's on the documents both answered (matched by id).

    A is gold and B the prediction, matched as Task B is (:func:`match_relations`: B's
    relation counts when its two entities match A's). Rows as :func:`ner.scoring.agreement`
    gives them (a rejected document has no relation), with ``"task": "relations"``:
    ``relations`` (all of them) first, then one per relation type either annotator used; none
    when neither used any. ``incorrect`` and ``partial`` are always 0 (a relation is right or
    it is not); ``kappa`` is None (words have no relation to agree on).
    """
    rejected_a, rejected_b = frozenset(rejected_a), frozenset(rejected_b)
    pairs = agreement_pairs(without_rejected(docs_a, rejected_a), without_rejected(docs_b, rejected_b))
    kinds = sorted({t[0] for a, b in pairs for t in (*triples(a), *triples(b))})
    if not kinds:
        return []
    split = sum((a.id in rejected_a) != (b.id in rejected_b) for a, b in pairs)
    matches = [match_relations(a, b) for a, b in pairs]

    def row(label: str, score: RelationScore) -> dict:
        return {"label": label, "task": "relations", "items": len(pairs), "accept_vs_reject": split,
                "correct": score.correct, "incorrect": 0, "partial": 0, "missing": score.missing,
                "spurious": score.spurious, "precision": score.precision, "recall": score.recall, "f1": score.f1,
                "kappa": None}

    return [row("relations", relation_tally(matches))] + [row(k, relation_tally(matches, k)) for k in kinds]


def relation_edits(gold: Document, suggestion: Document) -> dict[str, int]:
    """The relation edits that turn ``suggestion``'s relations into ``gold``'s, matched as Task B is.

    A suggested relation between the two entities a gold one joins (through the Task A
    matching, :func:`entity_map`), of another type, is *relabelled* (the editor's type list);
    the other gold relations are *added*, the other suggested ones *removed*; ``total`` sums them.
    """
    m = match_relations(gold, suggestion)
    mapped = entity_map(gold, suggestion)
    missing, spurious = list(m.missing), list(m.spurious)
    relabelled = 0
    for kind, a, b in m.spurious:
        ends = (mapped.get(a), mapped.get(b))
        match = next((g for g in missing if (g[1], g[2]) == ends), None)
        if match is not None:
            missing.remove(match)
            spurious.remove((kind, a, b))
            relabelled += 1
    counts = {"added": len(missing), "removed": len(spurious), "relabelled": relabelled}
    return counts | {"total": sum(counts.values())}
