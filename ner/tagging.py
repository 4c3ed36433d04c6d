"""Entities to BIO tags over words, and back.

What BIO cannot express, and what we do about it (the tag policy):

1. A multi-fragment entity whose fragments are separated only by whitespace (eHealth-KD
   stores "leucemia linfocítica crónica" as three fragments) becomes one span from its first
   to its last character. Decoding splits a span back into fragments at whitespace, the
   corpus's own convention, so the round trip gives the gold fragments back.
2. A truly gapped entity (something other than whitespace between two fragments, e.g.
   "cáncer de [mama] y de [pulmón]") is dropped from the tags.
3. Of two overlapping entities the longer (in characters) is kept, the other is dropped;
   on a tie the one that starts first is kept.

:func:`policy_losses` counts what the policy drops; the official Task A test set loses none.
"""

from __future__ import annotations

from collections import Counter

from ner.entities import LABELS, Document, Entity, fragments_of
from ner.tokens import words as text_words

Span = tuple[int, int, str]  # (start, end, label), half-open character offsets

TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{label}" for label in LABELS for p in ("B", "I"))


def span_to_entity(span: Span, text: str, score: float | None = None) -> Entity:
    """A decoded span as an entity with the corpus's fragment convention."""
    start, end, label = span
    return Entity(fragments_of(start, end, text) or ((start, end),), label, score)


def tag_policy(doc: Document) -> tuple[list[Span], list[Entity]]:
    """The spans BIO tags will carry for ``doc``, and the entities the policy drops."""
    lost = [e for e in doc.entities if e.is_gapped(doc.text)]
    candidates = sorted(
        ((e.start, e.end, e.label) for e in doc.entities if not e.is_gapped(doc.text)),
        key=lambda s: (-(s[1] - s[0]), s[0], s[2]),
    )
    kept: list[Span] = []
    for span in candidates:
        if span in kept:
            continue  # the same span twice (e.g. listed once per fragment order): one is enough
        if any(span[0] < k[1] and k[0] < span[1] for k in kept):
            lost.append(next(e for e in doc.entities if (e.start, e.end, e.label) == span))
        else:
            kept.append(span)
    return sorted(kept), lost


def policy_losses(docs: list[Document]) -> Counter[str]:
    """How many gold entities do not survive tags and back, by reason.

    ``gapped`` and ``overlapping`` are dropped by the policy; ``refragmented`` are kept
    but decode with other fragments than the gold ones (a fragment that holds a space).
    """
    lost: Counter[str] = Counter()
    for doc in docs:
        spans, dropped = tag_policy(doc)
        for ent in dropped:
            lost["gapped" if ent.is_gapped(doc.text) else "overlapping"] += 1
        decoded = {span_to_entity(span, doc.text) for span in spans}
        lost["refragmented"] += sum(
            1 for e in doc.entities if e not in dropped and Entity(e.fragments, e.label) not in decoded
        )
    return +lost


def spans_to_bio(words: list[tuple[int, int]], spans: list[Span]) -> list[str]:
    """BIO tags for ``words``; a word is inside a span when its characters are.

    Raises ``ValueError`` when a span's edge falls inside a word.
    """
    tags = ["O"] * len(words)
    starts = {s: i for i, (s, _) in enumerate(words)}
    ends = {e: i for i, (_, e) in enumerate(words)}
    for start, end, label in spans:
        if start not in starts or end not in ends:
            raise ValueError(f"span ({start}, {end}, {label}) does not start and end on word boundaries")
        first, last = starts[start], ends[end]
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
    return tags


def bio_to_spans(words: list[tuple[int, int]], tags: list[str]) -> list[Span]:
    """Spans from BIO tags, repairing invalid sequences.

    An ``I-X`` that does not follow ``B-X`` or ``I-X`` starts a new entity (as seqeval's
    lenient mode does); unknown tags count as ``O``.
    """
    if len(words) != len(tags):
        raise ValueError(f"{len(words)} words but {len(tags)} tags")
    spans: list[Span] = []
    current: list | None = None
    for (start, end), tag in zip(words, tags):
        prefix, _, label = tag.partition("-")
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if prefix in {"B", "I"} and label:
            current = [start, end, label]
    if current is not None:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans


def doc_to_bio(doc: Document) -> tuple[list[tuple[int, int]], list[str]]:
    """The words of a document and their BIO tags under the tag policy."""
    words = text_words(doc.text)
    return words, spans_to_bio(words, tag_policy(doc)[0])


def bio_to_entities(text: str, words: list[tuple[int, int]], tags: list[str]) -> list[Entity]:
    """Entities (corpus fragment convention) from the BIO tags of ``words`` in ``text``."""
    return [span_to_entity(span, text) for span in bio_to_spans(words, tags)]
