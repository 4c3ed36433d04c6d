"""Cohen's kappa over words (ner/kappa.py): literal cases, checked against scikit-learn's."""

from __future__ import annotations

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from ner.entities import Document, Entity, entity
from ner.kappa import OUTSIDE, REJECTED, cohen_kappa, word_kappa, word_labels

TEXT = "El dolor de espalda baja."  # words: El dolor de espalda baja .


def span(word: str, label: str = "Concept") -> Entity:
    return entity(TEXT.index(word), TEXT.index(word) + len(word), label)


def test_cohen_kappa_of_literal_sequences():
    # p_o = 3/4; A: O O C C, B: O O O C; p_e = (2·3 + 2·1) / 16 = 1/2; kappa = (3/4 − 1/2) / (1/2)
    assert cohen_kappa(["O", "O", "C", "C"], ["O", "O", "O", "C"]) == pytest.approx(0.5)
    assert cohen_kappa(["C", "O"], ["C", "O"]) == 1.0
    assert cohen_kappa(["C", "O"], ["O", "C"]) == pytest.approx(-1.0)  # always the other: below chance
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["O", "O"], ["O", "O"]) is None  # one category everywhere: chance is already 1
    with pytest.raises(ValueError, match="1 and 2"):
        cohen_kappa(["O"], ["O", "C"])


def test_cohen_kappa_is_scikit_learns_on_random_labels():
    rng = random.Random(7)
    for _ in range(20):
        a = [rng.choice("OCAP") for _ in range(30)]
        b = [x if rng.random() < 0.6 else rng.choice("OCAP") for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_word_labels_cover_every_word_an_entity_overlaps_and_join_two_labels():
    doc = Document("d", TEXT, tuple(sorted([
        Entity(((TEXT.index("dolor"), TEXT.index("dolor") + len("dolor")),
                (TEXT.index("espalda"), TEXT.index("espalda") + len("espalda"))), "Concept"),
        span("espalda", "Action"),
    ])))
    assert word_labels(doc) == [OUTSIDE, "Concept", OUTSIDE, "Action+Concept", OUTSIDE, OUTSIDE]  # "de" is a gap
    assert word_labels(doc, rejected=True) == [REJECTED] * 6


def test_word_kappa_over_documents_per_label_and_with_a_rejection():
    a = Document("d", TEXT, (span("dolor"), span("espalda")))
    b = Document("d", TEXT, (span("dolor"),))
    # A: O C O C O O, B: O C O O O O: p_o = 5/6, p_e = (4·5 + 2·1) / 36 = 22/36
    expected = (5 / 6 - 22 / 36) / (1 - 22 / 36)
    assert word_kappa([(a, b)]) == pytest.approx(expected)
    assert word_kappa([(a, b)], label="Concept") == pytest.approx(expected)  # the same two categories here
    assert word_kappa([(a, b)], label="Action") is None  # neither used it
    # B rejected the item: every word of B is (rejected), none of A's is, so no word agrees
    kappa = word_kappa([(a, b)], rejected_b={"d"})
    assert kappa is not None and kappa <= 0
    # an empty acceptance and a rejection disagree too, though neither has an entity
    empty = Document("d", TEXT)
    other = Document("e", "Nada más.", (entity(0, 4, "Concept"),))
    assert word_kappa([(empty, empty), (other, other)]) == 1.0
    assert word_kappa([(empty, empty), (other, other)], rejected_b={"d"}) < 1.0
    with pytest.raises(ValueError, match="texts differ"):
        word_kappa([(a, Document("d", "Otro texto."))])
