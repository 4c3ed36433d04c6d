"""ner.errors: marks from the official matching, disagreements between two models, the comparison rows."""

import pytest

from ner.entities import Document, entity
from ner.errors import Marked, compare_rows, disagreements, mark_sentence, same_entities

TEXT = "La fiebre alta y el dolor de cabeza"
LA = entity(0, len("La"), "Reference")
FIEBRE_ALTA = entity(len("La "), len("La fiebre alta"), "Concept")
EL = entity(len("La fiebre alta y "), len("La fiebre alta y el"), "Reference")
DOLOR = entity(len("La fiebre alta y el "), len("La fiebre alta y el dolor"), "Concept")
CABEZA = entity(len("La fiebre alta y el dolor de "), len(TEXT), "Concept")
DOLOR_DE_CABEZA = entity(len("La fiebre alta y el "), len(TEXT), "Concept")


def doc(*entities, annotated=True, text=TEXT, id="s1"):
    return Document(id, text, tuple(entities), annotated=annotated)


def test_every_entity_gets_the_official_matchings_class():
    gold = doc(LA, FIEBRE_ALTA, DOLOR, CABEZA)
    pred = doc(entity(0, len("La"), "Concept"), FIEBRE_ALTA, EL, DOLOR_DE_CABEZA)
    marked = mark_sentence(gold, pred)
    assert marked.gold == (
        Marked(LA, "incorrect", entity(0, len("La"), "Concept")),
        Marked(FIEBRE_ALTA, "correct", FIEBRE_ALTA),
        Marked(DOLOR, "partial", DOLOR_DE_CABEZA),  # greedy: the first overlapping gold of that label
        Marked(CABEZA, "missing"),
    )
    assert marked.predicted == (
        Marked(entity(0, len("La"), "Concept"), "incorrect", LA),
        Marked(FIEBRE_ALTA, "correct", FIEBRE_ALTA),
        Marked(EL, "spurious"),
        Marked(DOLOR_DE_CABEZA, "partial", DOLOR),
    )
    assert marked.errors == {"incorrect", "partial", "missing", "spurious"}


def test_a_perfect_prediction_has_no_errors_and_an_empty_one_misses_everything():
    assert mark_sentence(doc(LA, DOLOR), doc(DOLOR, LA)).errors == frozenset()
    nothing = mark_sentence(doc(LA, DOLOR), doc())
    assert [m.mark for m in nothing.gold] == ["missing", "missing"] and nothing.predicted == ()


def test_marks_refuse_two_different_texts():
    with pytest.raises(ValueError, match="text differs"):
        mark_sentence(doc(LA), doc(LA, text=TEXT + "."))


def test_same_entities_ignores_scores_but_not_labels():
    scored = entity(DOLOR.start, DOLOR.end, "Concept", score=0.4)
    assert same_entities(doc(DOLOR), doc(scored))
    assert not same_entities(doc(DOLOR), doc(entity(DOLOR.start, DOLOR.end, "Action")))
    assert not same_entities(doc(DOLOR), doc(DOLOR, CABEZA))


def test_disagreements_are_the_annotated_sentences_whose_predictions_differ():
    gold = [doc(LA), doc(LA), doc(LA, annotated=False), doc(LA)]
    a = [doc(LA), doc(LA), doc(), doc(DOLOR)]
    b = [doc(LA), doc(), doc(LA), doc(CABEZA)]
    assert disagreements(gold, a, b) == [1, 3]  # sentence 2 is not annotated
    with pytest.raises(ValueError, match="4 gold sentences but 4 and 3"):
        disagreements(gold, a, b[:3])


def _result(f1: float, concept_f1: float, action_f1: float | None = None) -> dict:
    figures = {"precision": f1 + 0.1, "recall": f1 - 0.1, "f1": f1}
    per_type = {"Concept": {"official": {"precision": 0.5, "recall": 0.25, "f1": concept_f1}}}
    if action_f1 is not None:
        per_type["Action"] = {"official": {"precision": 0.0, "recall": 0.0, "f1": action_f1}}
    return {"official": figures, "per_type": per_type}


def test_compare_rows_put_both_models_side_by_side_with_b_minus_a():
    rows = compare_rows(_result(0.5, 0.25), _result(0.75, 0.125, action_f1=0.5))
    assert [r[0] for r in rows] == ["all", "Concept", "Action"]  # a type only B has comes last
    assert rows[0] == ("all", 0.6, 0.4, 0.5, 0.85, 0.65, 0.75, 0.25)
    assert rows[1] == ("Concept", 0.5, 0.25, 0.25, 0.5, 0.25, 0.125, -0.125)
    assert rows[2] == ("Action", 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.5)  # A lacks the type: zeros
