"""The data model's entity checks and its one JSON shape: literal texts, offsets written as ``len("...")``."""

from __future__ import annotations

import json

import pytest

from ner.entities import Entity, check_entities, entities_from_json, entity, entity_to_json, fragments_of

INFARTO = "Sufrió un infarto de miocardio ayer."
INFARTO_ = (len("Sufrió un "), len("Sufrió un infarto"))  # "infarto"
MIOCARDIO = (len("Sufrió un infarto de "), len("Sufrió un infarto de miocardio"))
ASMA = "El asma."


def test_fragments_of_cuts_at_every_kind_of_space():
    text = "fiebre\u00a0alta  dura\u200b dos"
    assert fragments_of(0, len(text), text) == (
        (0, len("fiebre")),
        (len("fiebre\u00a0"), len("fiebre\u00a0alta")),
        (len("fiebre\u00a0alta  "), len("fiebre\u00a0alta  dura")),
        (len("fiebre\u00a0alta  dura\u200b "), len(text)),
    )
    assert fragments_of(len("fiebre"), len("fiebre\u00a0"), text) == ()


def test_entity_to_json_of_a_two_fragment_entity():
    ent = Entity((INFARTO_, MIOCARDIO), "Concept", 0.5)
    assert entity_to_json(ent, INFARTO) == {
        "label": "Concept",
        "start": len("Sufrió un "),
        "end": len("Sufrió un infarto de miocardio"),
        "text": "infarto miocardio",
        "fragments": [list(INFARTO_), list(MIOCARDIO)],
        "score": 0.5,
    }
    assert entity_to_json(entity(len("El "), len("El asma"), "Concept"), ASMA)["score"] is None


def test_a_span_is_cut_into_the_corpus_fragments():
    start, end = len("Sufrió un "), len("Sufrió un infarto de miocardio")
    (ent,) = entities_from_json(INFARTO, [{"label": "Concept", "start": start, "end": end}])
    assert ent.fragments == (
        (start, len("Sufrió un infarto")),
        (len("Sufrió un infarto "), len("Sufrió un infarto de")),
        (len("Sufrió un infarto de "), end),
    )
    assert entities_from_json(INFARTO, [{"label": "Concept", "fragments": [[start, end]]}]) == (ent,)


def test_json_round_trip_keeps_order_fragments_and_scores():
    ents = (
        entity(*MIOCARDIO, "Concept", 0.75),
        Entity((INFARTO_, MIOCARDIO), "Concept"),
        entity(0, len("Sufrió"), "Action", 1),
    )
    back = entities_from_json(INFARTO, json.loads(json.dumps([entity_to_json(e, INFARTO) for e in ents])), "doc")
    assert [(e.label, e.fragments, e.score) for e in back] == [(e.label, e.fragments, e.score) for e in ents]
    assert isinstance(back[2].score, float)


def test_text_may_be_the_surface_or_the_exact_slice():
    text = "Dolor  de cabeza."
    raw = {"label": "Concept", "start": 0, "end": len("Dolor  de cabeza")}
    assert entities_from_json(text, [raw | {"text": "Dolor de cabeza"}]) == entities_from_json(text, [raw])
    assert entities_from_json(text, [raw | {"text": "Dolor  de cabeza"}]) == entities_from_json(text, [raw])


GOOD = {"label": "Concept", "fragments": [[len("El "), len("El asma")]]}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"label": "Disease", "start": 3, "end": 7}, r"entity 2: unknown label 'Disease'"),
        ({"label": "<b>Concept</b>", "start": 3, "end": 7}, "unknown label"),
        ({"label": "concept", "start": 3, "end": 7}, "unknown label"),
        ({"fragments": [[3, 7]]}, "unknown label None"),
        ({"label": "Concept", "fragments": [[3, "7"]]}, r"entity 2 \(Concept\): a fragment must be a \[start"),
        ({"label": "Concept", "fragments": [[3, 7.0]]}, "pair of integers"),
        ({"label": "Concept", "fragments": [[True, 7]]}, "pair of integers"),
        ({"label": "Concept", "fragments": [[3, 5, 7]]}, "pair of integers"),
        ({"label": "Concept", "start": 3, "end": True}, "end must be an integer"),
        ({"label": "Concept", "fragments": []}, "non-empty list"),
        ({"label": "Concept"}, "no fragments"),
        ({"label": "Concept", "start": 3}, "no fragments"),
        ({"label": "Concept", "start": 7, "end": 7}, r"fragment \(7, 7\) is empty or negative"),
        ({"label": "Concept", "start": -1, "end": 2}, "empty or negative"),
        ({"label": "Concept", "start": 3, "end": len(ASMA) + 3}, "ends outside the text"),
        ({"label": "Concept", "start": len("El a"), "end": len("El asma")}, "word boundaries"),
        ({"label": "Concept", "start": len("El "), "end": len("El as")}, r"fragment \(3, 5\) 'as' does not start"),
        ({"label": "Concept", "start": len("El"), "end": len("El ")}, "holds only whitespace"),
        ({"label": "Concept", "fragments": [[0, 7], [3, 7]]}, "overlap"),
        ({"label": "Concept", "fragments": [[3, 7], [3, 7]]}, "overlap"),
        ({"label": "Concept", "spans": [[3, 7]]}, "unknown key 'spans'"),
        ({"label": "Concept", "start": 0, "end": 7, "fragments": [[3, 7]]}, "disagree with its fragments"),
        ({"label": "Concept", "start": 3, "end": 7, "text": "tos"}, "text 'tos' differs"),
        ({"label": "Concept", "start": 3, "end": 7, "score": 1.5}, r"score must be a number in \[0, 1\]"),
        ({"label": "Concept", "start": 3, "end": 7, "score": True}, "score must be a number"),
        ({"label": "Concept", "start": 3, "end": 7, "score": "0.5"}, "score must be a number"),
        ("asma", "entity 2: expected an object"),
    ],
)
def test_bad_json_entities_are_refused_by_name(bad, message):
    with pytest.raises(ValueError, match=message) as info:
        entities_from_json(ASMA, [GOOD, bad], "document d1")
    assert str(info.value).startswith("document d1: entity 2")


def test_entities_must_be_a_list():
    with pytest.raises(ValueError, match="answer: expected a list of entities, got dict"):
        entities_from_json(ASMA, GOOD, "answer")


def test_check_entities_sorts_and_refuses_json_and_bad_entities():
    late, early = entity(len("El "), len("El asma"), "Concept"), entity(0, len("El"), "Reference")
    assert check_entities(ASMA, [late, early]) == (early, late)
    with pytest.raises(ValueError, match="entity 1: expected an Entity, got dict"):
        check_entities(ASMA, [GOOD])
    with pytest.raises(ValueError, match=r"suggestion: entity 2 \(Concept\): fragments \(0, 7\) and \(3, 7\) overlap"):
        check_entities(ASMA, [late, Entity(((0, 7), (3, 7)), "Concept")], "suggestion")
