"""The official eHealth-KD 2020 Task A score, and nervaluate's four schemas, over character spans.

Official matching, per sentence whose gold has entities (the others are skipped): *correct*
(same fragments, same label), then *incorrect* (same fragments, other label), then *partial*
(greedy: the first remaining gold entity of the same label that overlaps), the remaining
predictions *spurious*, the remaining gold *missing*. Recall = (C + ½P) / (C + I + P + M),
precision = (C + ½P) / (C + I + P + S). As the official loader does, a one-fragment entity is
compared as its pieces between ``' '`` characters, so "artritis reumatoide" as one span equals
the gold fragments "artritis" + "reumatoide", and entities are visited in its order (fragment
starts, then ends). Agreement with the ``ehealthkd`` package is tested in
``tests/test_scoring.py``.

Also here: :func:`agreement` between two annotators, the same matching with one of them as gold.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

from nervaluate import Evaluator

from ner.entities import LABELS, Document, Entity, Fragment
from ner.kappa import word_kappa

SCHEMAS: tuple[str, ...] = ("strict", "exact", "partial", "ent_type")
COUNTS: tuple[str, ...] = ("correct", "incorrect", "partial", "missing", "spurious")
_NERVALUATE_COUNTS = {"correct": "correct", "incorrect": "incorrect", "partial": "partial",
                      "missing": "missed", "spurious": "spurious"}

Pair = tuple[Entity, Entity]  # (gold, predicted)


def official_fragments(entity: Entity, text: str) -> tuple[Fragment, ...]:
    """The fragments the official scorer compares: a lone fragment is cut at every ``' '``.

    Multi-fragment entities keep theirs. Like the official ``Keyphrase.split``, two spaces in
    a row give an empty piece ``(i, i)``.
    """
    if len(entity.fragments) > 1:
        return entity.fragments
    start, end = entity.fragments[0]
    pieces, pos = [], start
    while (space := text.find(" ", pos, end)) >= 0:
        pieces.append((pos, space))
        pos = space + 1
    return (*pieces, (pos, end))


def partial_match(a: tuple[Fragment, ...], b: tuple[Fragment, ...]) -> bool:
    """The official overlap test: some fragment start of one lies inside a fragment of the other."""
    return any(s <= x < e for s, e in a for x, _ in b) or any(s <= x < e for s, e in b for x, _ in a)


@dataclass(frozen=True)
class DocumentMatch:
    """How one sentence's predictions match its gold entities; pairs are ``(gold, predicted)``."""

    correct: tuple[Pair, ...] = ()
    incorrect: tuple[Pair, ...] = ()
    partial: tuple[Pair, ...] = ()
    missing: tuple[Entity, ...] = ()
    spurious: tuple[Entity, ...] = ()


def _official_order(entities: tuple[Entity, ...], text: str) -> list[tuple[tuple[Fragment, ...], Entity]]:
    """Entities with their official fragments, in the official loader's (stable) order."""
    keyed = [(official_fragments(e, text), e) for e in entities]
    return sorted(keyed, key=lambda fe: tuple(s for s, _ in fe[0]) + tuple(e for _, e in fe[0]))


def match_document(gold: Document, pred: Document) -> DocumentMatch:
    """Match one sentence's predicted entities against its gold ones, as the official scorer does.

    A prediction is compared with the *first* remaining gold entity with the same fragments:
    if that one has another label it is *incorrect*, even when a later gold entity with the same
    fragments has the prediction's label (the official rule). Where the official scorer fails an
    assertion (that first gold entity turns out to have the same label in the incorrect step),
    the pair counts as correct.
    """
    if gold.text != pred.text:
        raise ValueError(f"document {pred.id}: its text differs from gold {gold.id}: {pred.text[:40]!r}")
    golds = _official_order(gold.entities, gold.text)
    preds = _official_order(pred.entities, gold.text)
    found: dict[str, list[Pair]] = {"correct": [], "incorrect": [], "partial": []}

    def step(find: Callable[[tuple[Fragment, ...], Entity], tuple | None], kind: Callable[[Entity, Entity], str]):
        for p in preds[:]:
            g = find(*p)
            if g is not None:
                found[kind(g[1], p[1])].append((g[1], p[1]))
                golds.remove(g)
                preds.remove(p)

    def same_fragments(frags, _):
        return next((g for g in golds if g[0] == frags), None)

    def by_label(g: Entity, p: Entity) -> str:
        return "correct" if g.label == p.label else "incorrect"

    def correct(frags, p):
        g = same_fragments(frags, p)
        return g if g is not None and g[1].label == p.label else None

    step(correct, by_label)
    step(same_fragments, by_label)
    step(lambda frags, p: next((g for g in golds if g[1].label == p.label and partial_match(g[0], frags)), None),
         lambda g, p: "partial")
    return DocumentMatch(
        tuple(found["correct"]), tuple(found["incorrect"]), tuple(found["partial"]),
        tuple(e for _, e in golds), tuple(e for _, e in preds),
    )


def check_aligned(gold: list[Document], pred: list[Document]) -> None:
    """Raise ``ValueError`` naming the first line (from 1) where the two lists differ in text or length."""
    for line, (g, p) in enumerate(zip(gold, pred), start=1):
        if g.text != p.text:
            at = next((i for i, (a, b) in enumerate(zip(g.text, p.text)) if a != b), min(len(g.text), len(p.text)))
            lo = max(0, at - 20)
            raise ValueError(
                f"line {line}: the prediction's text differs from the gold text at character {at}: "
                f"gold {g.text[lo:at + 30]!r}, prediction {p.text[lo:at + 30]!r}"
            )
    if len(gold) != len(pred):
        line = min(len(gold), len(pred)) + 1
        extra = (gold if len(gold) > len(pred) else pred)[line - 1].text
        raise ValueError(
            f"line {line}: gold has {len(gold)} lines, the prediction {len(pred)}; "
            f"line {line} is only in the {'gold' if len(gold) > len(pred) else 'prediction'}: {extra[:50]!r}"
        )


def scored_pairs(gold: list[Document], pred: list[Document]) -> list[tuple[Document, Document]]:
    """The aligned ``(gold, predicted)`` sentences that count: those whose gold is annotated with entities."""
    check_aligned(gold, pred)
    return [(g, p) for g, p in zip(gold, pred) if g.annotated and g.entities]


@dataclass(frozen=True)
class OfficialScore:
    """Official counts with precision, recall and F1.

    ``incorrect`` counts in recall, ``incorrect_pred`` in precision. Overall they are equal; for
    one label, ``incorrect`` is gold entities of that label predicted with another label and
    ``incorrect_pred`` predictions of that label whose gold entity has another label.
    """

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missing: int = 0
    spurious: int = 0
    incorrect_pred: int = 0

    @property
    def precision(self) -> float:
        den = self.correct + self.incorrect_pred + self.partial + self.spurious
        return (self.correct + 0.5 * self.partial) / den if den else 0.0

    @property
    def recall(self) -> float:
        den = self.correct + self.incorrect + self.partial + self.missing
        return (self.correct + 0.5 * self.partial) / den if den else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        """Counts and figures as plain numbers."""
        return {k: getattr(self, k) for k in (*COUNTS, "incorrect_pred", "precision", "recall", "f1")}


def tally(matches: list[DocumentMatch], label: str | None = None) -> OfficialScore:
    """The official score of some matched sentences, overall (``label=None``) or for one label."""

    def n(items, side: int | None = None) -> int:
        if side is None:
            return sum(label in (None, e.label) for e in items)
        return sum(label in (None, pair[side].label) for pair in items)

    return OfficialScore(
        correct=sum(n(m.correct, 0) for m in matches),
        incorrect=sum(n(m.incorrect, 0) for m in matches),
        partial=sum(n(m.partial, 0) for m in matches),
        missing=sum(n(m.missing) for m in matches),
        spurious=sum(n(m.spurious) for m in matches),
        incorrect_pred=sum(n(m.incorrect, 1) for m in matches),
    )


EDITS: tuple[str, ...] = ("added", "removed", "relabelled", "boundaries")


def correction_edits(gold: Document, suggestion: Document) -> dict[str, int]:
    """The edits an annotator makes to turn ``suggestion`` into ``gold``, matched the official way.

    A gold entity the suggestion lacks is *added*, a suggested one gold lacks is *removed*,
    the same fragments with another label are *relabelled*, an overlapping entity of the
    same label with other boundaries has its *boundaries* moved; ``total`` sums them.
    (An overlap with another label counts as one removed plus one added, as the official
    scorer counts it: spurious plus missing.)
    """
    m = match_document(gold, suggestion)
    counts = {"added": len(m.missing), "removed": len(m.spurious), "relabelled": len(m.incorrect),
              "boundaries": len(m.partial)}
    return counts | {"total": sum(counts.values())}


def official_score(gold: list[Document], pred: list[Document]) -> OfficialScore:
    """The official Task A score of ``pred`` against ``gold`` (aligned line by line)."""
    return tally([match_document(g, p) for g, p in scored_pairs(gold, pred)])


def labels_of(pairs: list[tuple[Document, Document]]) -> list[str]:
    """:data:`LABELS`, then any other label found in the documents, sorted."""
    seen = {e.label for pair in pairs for doc in pair for e in doc.entities}
    return [*LABELS, *sorted(seen - set(LABELS))]


def official_per_label(gold: list[Document], pred: list[Document]) -> dict[str, OfficialScore]:
    """The official score for each label (see :class:`OfficialScore` for ``incorrect``)."""
    pairs = scored_pairs(gold, pred)
    matches = [match_document(g, p) for g, p in pairs]
    return {label: tally(matches, label) for label in labels_of(pairs)}


def _nervaluate_figures(res) -> dict:
    """An ``EvaluationResult`` as a dict (or zeros for ``None``); ``missed`` becomes ``missing``."""
    counts = {ours: int(getattr(res, theirs, 0)) for ours, theirs in _NERVALUATE_COUNTS.items()}
    return {k: float(getattr(res, k, 0.0)) for k in ("precision", "recall", "f1")} | counts


def nervaluate_scores(gold: list[Document], pred: list[Document]) -> dict:
    """nervaluate's four schemas: ``{"overall": {schema: figures}, "per_type": {label: {schema: figures}}}``.

    A multi-fragment entity counts as one span from its first to its last character; spans
    are given to nervaluate with an inclusive end. The sentences are those of the official score.
    """
    pairs = scored_pairs(gold, pred)
    labels = labels_of(pairs)

    def spans(doc: Document) -> list[dict]:
        return [{"label": e.label, "start": e.start, "end": e.end - 1} for e in doc.entities]

    result: dict = {}
    if pairs:
        evaluator = Evaluator([spans(g) for g, _ in pairs], [spans(p) for _, p in pairs], tags=labels, loader="dict")
        result = evaluator.evaluate()
    overall = {s: _nervaluate_figures(result.get("overall", {}).get(s)) for s in SCHEMAS}
    per_type = {
        label: {s: _nervaluate_figures(result.get("entities", {}).get(label, {}).get(s)) for s in SCHEMAS}
        for label in labels
    }
    return {"overall": overall, "per_type": per_type}


def score(gold: list[Document], pred: list[Document]) -> dict:
    """Everything, JSON-ready: the official score and nervaluate's, overall and per label."""
    pairs = scored_pairs(gold, pred)
    matches = [match_document(g, p) for g, p in pairs]
    nerv = nervaluate_scores(gold, pred)
    return {
        "sentences": len(pairs),
        "official": tally(matches).as_dict(),
        "nervaluate": nerv["overall"],
        "per_type": {
            label: {"official": tally(matches, label).as_dict(), "nervaluate": nerv["per_type"][label]}
            for label in labels_of(pairs)
        },
    }


def format_table(result: dict) -> str:
    """A plain-text table of :func:`score`'s result: official counts and figures, then nervaluate F1s."""
    labels = list(result["per_type"])
    lines = [
        f"official Task A, {result['sentences']} sentences "
        "(I: incorrect by gold label, Ip: by predicted label)",
        f"{'':<11}{'P':>8}{'R':>8}{'F1':>8}{'C':>6}{'I':>6}{'Ip':>6}{'Pa':>6}{'M':>6}{'S':>6}",
    ]

    def row(name: str, o: dict) -> str:
        counts = (o["correct"], o["incorrect"], o["incorrect_pred"], o["partial"], o["missing"], o["spurious"])
        figures = f"{o['precision']:>8.4f}{o['recall']:>8.4f}{o['f1']:>8.4f}"
        return f"{name:<11}{figures}" + "".join(f"{c:>6}" for c in counts)

    lines.append(row("all", result["official"]))
    lines += [row(label, result["per_type"][label]["official"]) for label in labels]
    lines += ["", "nervaluate (overall P, R, F1; F1 per type)",
              f"{'':<11}{'P':>8}{'R':>8}{'F1':>8}" + "".join(f"{label[:10]:>11}" for label in labels)]
    for schema in SCHEMAS:
        s = result["nervaluate"][schema]
        per = "".join(f"{result['per_type'][label]['nervaluate'][schema]['f1']:>11.4f}" for label in labels)
        lines.append(f"{schema:<11}{s['precision']:>8.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}" + per)
    return "\n".join(lines)


# ---------------------------------------------------------------- agreement between two annotators


AGREEMENT_COUNTS: tuple[str, ...] = (*COUNTS, "incorrect_pred")


def _row(label: str, items: int, split: int, score: OfficialScore, kappa: float | None) -> dict[str, Any]:
    """One agreement row; figures are None where neither annotator has an entity of ``label``."""
    counts = {k: getattr(score, k) for k in AGREEMENT_COUNTS}
    used = any(counts.values())
    figures = {k: getattr(score, k) if used else None for k in ("precision", "recall", "f1")}
    return {"label": label, "task": "entities", "items": items, "accept_vs_reject": split, **counts, **figures,
            "kappa": kappa}


def agreement_pairs(docs_a: Iterable[Document], docs_b: Iterable[Document]) -> list[tuple[Document, Document]]:
    """The documents both annotators answered, as ``(A's, B's)`` pairs matched by id; ``ValueError`` if texts differ."""
    by_id = {d.id: d for d in docs_a}
    pairs = []
    for b in docs_b:
        a = by_id.get(b.id)
        if a is None:
            continue
        if a.text != b.text:
            raise ValueError(f"document {b.id}: the two annotators' texts differ")
        pairs.append((a, b))
    return pairs


def without_rejected(docs: Iterable[Document], rejected: Collection[str]) -> list[Document]:
    """``docs`` with no entity and no relation in those whose id is in ``rejected`` (a rejection keeps nothing)."""
    return [replace(d, entities=(), relations=()) if d.id in rejected else d for d in docs]


def agreement(docs_a: Iterable[Document], docs_b: Iterable[Document], rejected_a: Collection[str] = (),
              rejected_b: Collection[str] = ()) -> list[dict[str, Any]]:
    """How far annotator B agrees with annotator A on the items both answered (matched by id).

    ``docs_a``/``docs_b``: every document A/B accepted or rejected; ``rejected_a``/``rejected_b``:
    the ids of those A/B rejected, which count as having no entity (whatever the answer held), so
    B's entities on an item A rejected are spurious. ``accept_vs_reject`` counts the items one accepted and
    the other rejected. A is taken as gold and B as the prediction, and each document is matched by
    :func:`match_document`, the official Task A rules (correct, incorrect = same fragments
    with another label, partial = overlap with the same label counting ½, missing,
    spurious). Unlike the official score, a document where A has no entity still counts
    (B's entities there are spurious), so swapping A and B swaps precision and recall. Rows:
    ``overall`` first, then one per label (:func:`labels_of`) as :func:`tally` counts it
    (``"task": "entities"``; :func:`ner.relations.scoring.relation_agreement` gives the relations'):
    ``incorrect`` is A's entities of that label that B labelled otherwise (in recall),
    ``incorrect_pred`` B's entities of that label that A labelled otherwise (in precision).
    Precision, recall and F1 are None in a row where neither annotator has an entity.
    ``kappa`` is chance-corrected: Cohen's kappa over words (:func:`ner.kappa.word_kappa`; a
    rejected item's words are their own category, so accepting "no entity" and rejecting
    disagree), per label over "has an entity of that label or not"; None where undefined.
    Raises ``ValueError`` when an id has two different texts.
    """
    rejected_a, rejected_b = frozenset(rejected_a), frozenset(rejected_b)
    pairs = agreement_pairs(without_rejected(docs_a, rejected_a), without_rejected(docs_b, rejected_b))
    split = sum((a.id in rejected_a) != (b.id in rejected_b) for a, b in pairs)
    matches = [match_document(a, b) for a, b in pairs]
    rows = [_row("overall", len(pairs), split, tally(matches), word_kappa(pairs, rejected_a, rejected_b))]
    return rows + [_row(label, len(pairs), split, tally(matches, label),
                        word_kappa(pairs, rejected_a, rejected_b, label)) for label in labels_of(pairs)]
