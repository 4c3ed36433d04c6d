"""The official eHealth-KD 2020 Task A score, and nervaluate's four schemas, over character spans.

Official matching, per sentence with a gold annotation (others are skipped): *correct* (same
fragments, same label), then *incorrect* (same fragments, other label), then *partial*
(greedy: the first remaining gold entity of the same label that overlaps), the remaining
predictions *spurious*, the remaining gold *missing*. Recall = (C + ½P) / (C + I + P + M),
precision = (C + ½P) / (C + I + P + S). As in the official loader, a one-fragment entity is
compared as its pieces between spaces, so "artritis reumatoide" as one span equals the gold
fragments "artritis" + "reumatoide".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nervaluate import Evaluator

from ner.entities import LABELS, Document, Entity

SCHEMAS = ("strict", "exact", "partial", "ent_type")
COUNTS = ("correct", "incorrect", "partial", "missing", "spurious")


def official_fragments(entity: Entity, text: str) -> tuple[tuple[int, int], ...]:
    """The fragments the official scorer compares: a single fragment cut at every space."""
    if len(entity.fragments) > 1:
        return entity.fragments
    start, end = entity.fragments[0]
    cuts = [start]
    for i, ch in enumerate(text[start:end]):
        if ch == " ":
            cuts += [start + i, start + i + 1]
    cuts.append(end)
    return tuple((cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2))


def _overlap(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """The official partial match: a fragment start of one lies inside a fragment of the other."""
    return any(s <= x < e for s, e in a for x, _ in b) or any(s <= x < e for s, e in b for x, _ in a)


@dataclass(frozen=True)
class DocumentMatch:
    """How the predicted entities of one sentence match its gold ones."""

    correct: tuple[tuple[Entity, Entity], ...] = ()  # (gold, predicted)
    incorrect: tuple[tuple[Entity, Entity], ...] = ()
    partial: tuple[tuple[Entity, Entity], ...] = ()
    missing: tuple[Entity, ...] = ()
    spurious: tuple[Entity, ...] = ()


def match_document(gold: Document, pred: Document) -> DocumentMatch:
    """Match one sentence's predictions against its gold entities, as the official scorer does."""
    text = gold.text
    golds = [(official_fragments(e, text), e) for e in gold.entities]
    preds = [(official_fragments(e, text), e) for e in pred.entities]
    found: dict[str, list] = {"correct": [], "incorrect": [], "partial": []}

    def take(kind: str, test) -> None:
        for p in preds[:]:
            g = test(p)
            if g is not None:
                found[kind].append((g[1], p[1]))
                golds.remove(g)
                preds.remove(p)

    def same_spans(p):
        return next((g for g in golds if g[0] == p[0]), None)

    take("correct", lambda p: (g := same_spans(p)) and (g if g[1].label == p[1].label else None))
    take("incorrect", same_spans)
    take("partial", lambda p: next((g for g in golds if g[1].label == p[1].label and _overlap(g[0], p[0])), None))
    return DocumentMatch(
        tuple(found["correct"]), tuple(found["incorrect"]), tuple(found["partial"]),
        tuple(e for _, e in golds), tuple(e for _, e in preds),
    )


@dataclass(frozen=True)
class OfficialScore:
    """Counts and the official precision, recall and F1."""

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missing: int = 0
    spurious: int = 0
    # incorrect matches split by side, for per-label figures (equal to ``incorrect`` overall)
    incorrect_gold: int = field(default=0, repr=False)
    incorrect_pred: int = field(default=0, repr=False)

    @property
    def precision(self) -> float:
        den = self.correct + self.incorrect_pred + self.partial + self.spurious
        return (self.correct + 0.5 * self.partial) / den if den else 0.0

    @property
    def recall(self) -> float:
        den = self.correct + self.incorrect_gold + self.partial + self.missing
        return (self.correct + 0.5 * self.partial) / den if den else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in COUNTS} | {
            "precision": self.precision, "recall": self.recall, "f1": self.f1}


def check_aligned(gold: list[Document], pred: list[Document]) -> None:
    """Raise ``ValueError`` naming the first line where the two lists' texts differ."""
    for i, (g, p) in enumerate(zip(gold, pred), start=1):
        if g.text != p.text:
            raise ValueError(
                f"line {i}: the prediction's text differs from the gold's: {p.text[:60]!r} vs {g.text[:60]!r}"
            )
    if len(gold) != len(pred):
        raise ValueError(f"line {min(len(gold), len(pred)) + 1}: gold has {len(gold)} lines, prediction {len(pred)}")


def scored_pairs(gold: list[Document], pred: list[Document]) -> list[tuple[Document, Document]]:
    """The sentence pairs the official scorer counts (gold annotated, with entities or relations)."""
    check_aligned(gold, pred)
    return [(g, p) for g, p in zip(gold, pred) if g.annotated and (g.entities or g.relations)]


def official_score(gold: list[Document], pred: list[Document], label: str | None = None) -> OfficialScore:
    """The official Task A score, overall or for one label."""
    counts = dict.fromkeys(COUNTS + ("incorrect_gold", "incorrect_pred"), 0)
    for g, p in scored_pairs(gold, pred):
        m = match_document(g, p)
        for kind in ("correct", "partial"):
            counts[kind] += sum(1 for ge, _ in getattr(m, kind) if label in (None, ge.label))
        counts["incorrect_gold"] += sum(1 for ge, _ in m.incorrect if label in (None, ge.label))
        counts["incorrect_pred"] += sum(1 for _, pe in m.incorrect if label in (None, pe.label))
        counts["incorrect"] += sum(1 for ge, pe in m.incorrect if label in (None, ge.label, pe.label))
        counts["missing"] += sum(1 for e in m.missing if label in (None, e.label))
        counts["spurious"] += sum(1 for e in m.spurious if label in (None, e.label))
    return OfficialScore(**counts)


def _nervaluate_spans(doc: Document) -> list[dict]:
    return [{"label": e.label, "start": e.start, "end": e.end - 1} for e in doc.entities]  # inclusive end


def nervaluate_scores(gold: list[Document], pred: list[Document]) -> dict:
    """nervaluate's schemas overall and per type: ``{"overall": {schema: {...}}, "per_type": {...}}``."""
    pairs = scored_pairs(gold, pred)
    evaluator = Evaluator([_nervaluate_spans(g) for g, _ in pairs], [_nervaluate_spans(p) for _, p in pairs],
                          tags=list(LABELS), loader="dict")
    result = evaluator.evaluate()

    def figures(res) -> dict:
        return {k: float(getattr(res, k)) for k in ("precision", "recall", "f1")} | {
            k: int(getattr(res, k)) for k in ("correct", "incorrect", "partial", "missed", "spurious")}

    overall = {schema: figures(result["overall"][schema]) for schema in SCHEMAS}
    per_type = {
        label: {schema: figures(result["entities"][label][schema]) for schema in SCHEMAS}
        for label in LABELS if label in result["entities"]
    }
    return {"overall": overall, "per_type": per_type}


def score(gold: list[Document], pred: list[Document]) -> dict:
    """Everything, JSON-ready: official (overall and per type) and nervaluate."""
    nerv = nervaluate_scores(gold, pred)
    return {
        "sentences": len(scored_pairs(gold, pred)),
        "official": official_score(gold, pred).as_dict(),
        "nervaluate": nerv["overall"],
        "per_type": {
            label: {
                "official": official_score(gold, pred, label).as_dict(),
                "nervaluate": nerv["per_type"].get(label, {}),
            }
            for label in LABELS
        },
    }


def format_table(result: dict) -> str:
    """A plain-text table of :func:`score`'s result."""
    head = f"{'':<11}{'P':>8}{'R':>8}{'F1':>8}{'C':>6}{'I':>6}{'Pa':>6}{'M':>6}{'S':>6}"
    lines = [f"official Task A ({result['sentences']} sentences)", head]

    def row(name: str, o: dict) -> str:
        return (f"{name:<11}{o['precision']:>8.4f}{o['recall']:>8.4f}{o['f1']:>8.4f}"
                + "".join(f"{o[k]:>6}" for k in COUNTS))

    lines.append(row("all", result["official"]))
    lines += [row(label, r["official"]) for label, r in result["per_type"].items()]
    lines += ["", "nervaluate", f"{'':<11}{'P':>8}{'R':>8}{'F1':>8}"]
    for schema in SCHEMAS:
        s = result["nervaluate"][schema]
        lines.append(f"{schema:<11}{s['precision']:>8.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}")
    return "\n".join(lines)
