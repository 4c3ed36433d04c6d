"""Chance-corrected agreement between two annotators: Cohen's kappa over words.

Each word (:func:`ner.tokens.words`) of a document gets one category per annotator: the
labels of the entities that cover it (a word is covered when it overlaps one of the
entity's fragments), sorted and joined by ``+`` when there are several (``"Action+Concept"``),
``"O"`` when none does, and :data:`REJECTED` on every word of a document that annotator
rejected. Kappa is then ``(p_o - p_e) / (1 - p_e)``, with ``p_o`` the share of words both
put in the same category and ``p_e`` the share expected by chance from each one's
category frequencies (Cohen 1960). Per label it is the same over two categories (the word
has an entity of that label, or not).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Sequence

from ner.entities import Document
from ner.tokens import words

OUTSIDE = "O"
REJECTED = "(rejected)"  # the category of every word of a rejected document


def word_labels(doc: Document, rejected: bool = False) -> list[str]:
    """One category per word of ``doc``: its covering entities' labels joined by ``+``, ``O`` or :data:`REJECTED`."""
    spans = words(doc.text)
    if rejected:
        return [REJECTED] * len(spans)
    out = []
    for start, end in spans:
        labels = sorted({e.label for e in doc.entities if any(s < end and start < f for s, f in e.fragments)})
        out.append("+".join(labels) if labels else OUTSIDE)
    return out


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two equally long sequences of categories; None where it is undefined.

    Undefined: no item, or chance agreement 1 (both annotators used one and the same
    category everywhere, so agreement cannot exceed chance). ``ValueError`` when the lengths differ.
    """
    if len(a) != len(b):
        raise ValueError(f"kappa needs two equally long sequences, got {len(a)} and {len(b)}")
    n = len(a)
    if not n:
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def word_kappa(pairs: Sequence[tuple[Document, Document]], rejected_a: Collection[str] = (),
               rejected_b: Collection[str] = (), label: str | None = None) -> float | None:
    """Cohen's kappa over the words of ``pairs`` (A's and B's answer to one document each).

    ``rejected_a``/``rejected_b``: ids of the documents that A/B rejected (their words are
    :data:`REJECTED`, whatever entities came with the answer). With ``label``: kappa of
    "the word has an entity of ``label``" (a rejected document has none); None when neither
    annotator gave ``label`` to any word, like the F1 beside it.
    """
    cats_a: list[str] = []
    cats_b: list[str] = []
    for doc_a, doc_b in pairs:
        if doc_a.text != doc_b.text:
            raise ValueError(f"document {doc_a.id}: the two annotators' texts differ")
        cats_a += word_labels(doc_a, doc_a.id in rejected_a)
        cats_b += word_labels(doc_b, doc_b.id in rejected_b)
    if label is None:
        return cohen_kappa(cats_a, cats_b)
    has_a, has_b = ([label in c.split("+") for c in cats] for cats in (cats_a, cats_b))
    if not any(has_a) and not any(has_b):
        return None
    return cohen_kappa(has_a, has_b)
