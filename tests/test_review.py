"""The review step and the model update, through the annotation service (ner/annotation/service.py)."""

from __future__ import annotations

import pytest

from ner.access import Caller, Forbidden
from ner.annotation.service import AnnotationService
from ner.entities import entity
from ner.jobs import TrainingJobs
from ner.models import Models
from ner.settings import Settings

ASMA = "El asma es una enfermedad crónica de los pulmones."
ADMIN = Caller("boss", admin=True)


def at(word: str, label: str = "Concept"):
    start = ASMA.index(word)
    return entity(start, start + len(word), label)


@pytest.fixture
def service(tmp_path):
    settings = Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", train_split="sample")
    svc = AnnotationService(settings, Models(settings))
    yield svc
    svc.close()


def disagree(service) -> int:
    store = service.store()
    store.create_queue("q", None)
    (doc,) = store.add_documents("q", [ASMA])
    store.save_answer(doc, "ana", "accepted", [at("asma")])
    store.save_answer(doc, "ben", "rejected")
    return doc


def test_review_by_pick_or_merged_json_and_exports_use_it(service):
    doc = disagree(service)
    with pytest.raises(Forbidden, match="admin token"):
        service.conflicts(Caller("ana"))
    with pytest.raises(Forbidden, match="admin token"):
        service.review(Caller("ana"), doc, pick="ana")
    assert [c.document for c in service.conflicts(ADMIN, "q")] == [doc]
    assert service.accepted(ADMIN, "q")[0].entities == (at("asma"),)  # unreviewed: ana's accepted answer
    service.review(ADMIN, doc, pick="ben")
    assert service.conflicts(ADMIN, "q") == []
    assert service.accepted(ADMIN, "q") == []  # the reviewer sided with ben's rejection
    merged = f'[{{"label": "Concept", "start": {len("El ")}, "end": {len("El asma")}}}, ' \
             f'{{"label": "Concept", "fragments": [[{ASMA.index("pulmones")}, {len(ASMA) - 1}]]}}]'
    service.review(ADMIN, doc, entities=merged)
    assert service.accepted(ADMIN, "q")[0].entities == (at("asma"), at("pulmones"))
    assert service.store().current_review(doc).reviewer == "boss"
    with pytest.raises(ValueError, match="not JSON"):
        service.review(ADMIN, doc, entities="[{")
    with pytest.raises(ValueError, match="word boundaries"):
        service.review(ADMIN, doc, entities='[{"label": "Concept", "start": 3, "end": 5}]')
    with pytest.raises(ValueError, match="eva has no accepted or rejected answer"):
        service.review(ADMIN, doc, pick="eva")
    with pytest.raises(ValueError, match="pick one annotator's answer"):
        service.review(ADMIN, doc)
    assert [r.chosen for r in service.store().reviews(doc)] == ["ben", None]  # refusals wrote nothing


def test_update_model_refuses_a_crf(service):
    from ner.train import TrainSettings, train

    train(TrainSettings(base_model="crf", train_split="sample", dev_split="sample", eval_splits=("sample",)),
          root=service.settings.checkpoints)
    disagree(service)
    jobs = TrainingJobs(service.settings.checkpoints)
    with pytest.raises(Forbidden, match="admin token"):
        service.update_model(Caller("ana"), jobs, "q", None)
    with pytest.raises(ValueError, match="the CRF updates itself"):
        service.update_model(ADMIN, jobs, "q", None)
    assert not jobs.running


def test_update_model_trains_the_transformer_on_the_reviewed_answers(service, tiny_base):
    doc = disagree(service)
    jobs = TrainingJobs(service.settings.checkpoints)
    store = service.store()
    store.create_queue("empty", None)
    store.add_documents("empty", ["Nada que decir."])
    with pytest.raises(ValueError, match="no accepted answers in «empty»"):
        service.update_model(ADMIN, jobs, "empty", str(tiny_base))
    service.review(ADMIN, doc, pick="ana")
    settings, n = service.update_model(ADMIN, jobs, "q", str(tiny_base), epochs=1)
    assert (settings.base_model, settings.epochs, settings.train_split, n) == (str(tiny_base), 1, "sample", 1)
    with pytest.raises(ValueError, match="already going: follow it .* in the Train tab"):
        service.update_model(ADMIN, jobs, "q", str(tiny_base))
    state = jobs.wait(600)
    assert state.status == "done", state.error
    import json

    metrics = json.loads((state.result / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["extra_documents"] == 1  # the reviewed answer went into the run


def test_the_jsonl_export_says_who_decided_each_document_a_review_included(service, tmp_path):
    import json
    import zipfile

    doc = disagree(service)  # ana accepted, ben rejected
    (other,) = service.store().add_documents("q", ["La fiebre baja."])
    service.store().save_answer(other, "ben", "accepted", [])

    def lines(**filters):
        archive = service.export(ADMIN, tmp_path, ["jsonl", "brat"], "q", **filters)
        with zipfile.ZipFile(archive) as z:
            return ([json.loads(line) for line in z.read("corrections/corrections.jsonl").decode().splitlines()],
                    z.read("corrections/brat/scenario.txt").decode())

    found, brat = lines()
    assert [(r["text"], r["answer"], r["_annotator_id"], "reviewer" in r) for r in found] == [
        (ASMA, "accept", "ana", False), ("La fiebre baja.", "accept", "ben", False)]
    service.review(ADMIN, doc, pick="ben")
    found, brat = lines()
    assert [(r["answer"], r["_annotator_id"], r.get("reviewer")) for r in found] == [
        ("reject", "ben", "boss"), ("accept", "ben", None)]
    assert brat == "La fiebre baja."  # BRAT keeps the accepted documents only
    found, _ = lines(annotator="ben")
    assert [(r["text"], r["answer"]) for r in found] == [(ASMA, "reject"), ("La fiebre baja.", "accept")]
    assert all(isinstance(r["_timestamp"], int) and r["created"].endswith("+00:00") for r in found)


def test_agreement_table_says_n_a_for_a_label_neither_annotator_used():
    from ner.entities import Document
    from ner.scoring import agreement
    from ner.ui.annotate import agreement_rows

    a = Document("d", ASMA, (at("asma"),))
    rows = {r[0]: r for r in agreement_rows(agreement([a], [a]))}
    assert rows["overall"][-4:] == [1.0, 1.0, 1.0, 1.0] and rows["Concept"][-4:] == [1.0, 1.0, 1.0, 1.0]
    unused = [r for label, r in rows.items() if label not in ("overall", "Concept")]
    assert unused and all(r[-4:] == ["n/a", "n/a", "n/a", "n/a"] for r in unused)


def test_agreement_counts_every_item_both_answered_rejections_included(service):
    store = service.store()
    store.create_queue("q", None)
    one, two, three = store.add_documents("q", [ASMA, "La fiebre baja.", "El paciente tose."])
    for name in ("ana", "ben"):
        store.save_answer(one, name, "accepted", [at("asma")])
        store.save_answer(two, name, "rejected")
    store.save_answer(three, "ana", "accepted", [])
    store.save_answer(three, "ben", "rejected")
    store.save_answer(one, "eva", "skipped")
    rows = {r["label"]: r for r in service.agreement(ADMIN, "ana", "ben", "q")}
    assert (rows["overall"]["items"], rows["overall"]["accept_vs_reject"]) == (3, 1)  # was 1: accepted by both only
    assert rows["overall"]["f1"] == 1.0 and rows["overall"]["kappa"] < 1.0  # the F1 cannot see an empty acceptance
    with pytest.raises(Exception, match="answered no document in common"):
        service.agreement(ADMIN, "ana", "eva", "q")  # a skip is no answer


def test_answers_that_differ_only_in_relations_conflict_and_a_review_keeps_relations(service):
    from ner.relations.triples import triples
    from ner.store import Conflict
    from ner.ui.review import entities_json, sides_html

    store = service.store()
    store.create_queue("q", None)
    (doc,) = store.add_documents("q", [ASMA])
    ents = [at("asma"), at("enfermedad"), at("pulmones")]
    store.save_answer(doc, "ana", "accepted", ents, relations=[("is-a", 0, 1)])
    store.save_answer(doc, "ben", "accepted", ents, relations=[("is-a", 0, 1), ("in-place", 1, 2)])
    (conflict,) = service.conflicts(ADMIN, "q")
    assert isinstance(conflict, Conflict)
    shown = sides_html(conflict, "es")
    assert shown.count("class='ner-arcs'") == 2 and "2 relaciones" in shown and "in-place" in shown
    # ben's answer taken as it is keeps his relations
    service.review(ADMIN, doc, pick="ben")
    (accepted,) = service.accepted(ADMIN, "q")
    assert set(triples(accepted)) == {("is-a", 0, 1), ("in-place", 1, 2)}
    # the merged answer box round-trips entities and relations
    box = entities_json(ASMA, accepted.entities, accepted.relations)
    service.review(ADMIN, doc, entities=box.replace('"in-place"', '"part-of"'))
    (accepted,) = service.accepted(ADMIN, "q")
    assert set(triples(accepted)) == {("is-a", 0, 1), ("part-of", 1, 2)}
    # a bare list of entities (as before relations) still works, with no relations
    service.review(ADMIN, doc, entities=[{"label": "Concept", "start": 3, "end": 7}])
    (accepted,) = service.accepted(ADMIN, "q")
    assert accepted.entities == (at("asma"),) and accepted.relations == ()
    with pytest.raises(ValueError, match="two different entity indexes|entity index"):
        service.review(ADMIN, doc, entities={"entities": [{"label": "Concept", "start": 3, "end": 7}],
                                             "relations": [{"type": "is-a", "from": 0, "to": 5}]})


def test_annotators_see_a_reviewed_conflict_as_reviewed_with_the_kept_answer(service):
    from types import SimpleNamespace

    from ner.ui.annotate import item_choices

    doc = disagree(service)  # ana accepted, ben rejected

    def state(name: str):
        (item,) = service.items(Caller(name), "q")
        return item

    assert state("ana").state == state("ben").state == "conflict"
    service.review(ADMIN, doc, pick="ben")
    ana, ben = state("ana"), state("ben")
    assert (ana.state, ana.kept_status, ana.kept_by, ana.kept_own) == ("reviewed", "rejected", "ben", False)
    assert (ben.state, ben.kept_own) == ("reviewed", True)
    spanish = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9"})
    assert item_choices([ana])[0][0].startswith("reviewed: ben's answer kept (rejected) · ")
    assert item_choices([ben])[0][0].startswith("reviewed: your answer kept (rejected) · ")
    assert item_choices([ana], spanish)[0][0].startswith("revisada: se mantuvo la respuesta de ben (rechazada) · ")
    service.review(ADMIN, doc, entities=[{"label": "Concept", "start": 3, "end": 7}])  # a merged answer
    assert item_choices([state("ana")])[0][0].startswith(
        "reviewed: an answer merged by the reviewer kept (accepted) · ")
    service.store().save_answer(doc, "ana", "accepted", [at("asma"), at("pulmones")])  # changed after the review
    assert state("ana").state == "conflict" and state("ben").state == "conflict"


# ---------------------------------------------------------------- the review editor's pure parts


def answer(name: str, status: str = "accepted", *entities):
    from ner.store import Answer

    return Answer(0, 1, name, status, tuple(entities), "2026-01-01T00:00:00+00:00")


def test_disputed_lists_the_spans_the_accepted_answers_label_differently_or_lack():
    from ner.ui.review import disputed

    asma, pulmones = at("asma").fragments, at("pulmones").fragments
    ana = answer("ana", "accepted", at("asma"), at("enfermedad"))
    ben = answer("ben", "accepted", at("asma", "Action"), at("enfermedad"), at("pulmones"))
    assert disputed([ana, ben]) == {asma: {"ana": ("Concept",), "ben": ("Action",)},
                                    pulmones: {"ana": (), "ben": ("Concept",)}}
    assert disputed([ana, answer("eva", "accepted", at("enfermedad"), at("asma"))]) == {}  # same, other order
    assert disputed([ana, answer("ben", "rejected")]) == {}  # a rejection is said apart, not entity by entity
    two = answer("eva", "accepted", at("asma"), at("asma", "Action"))  # two labels on one span
    assert disputed([ana, two]) == {asma: {"ana": ("Concept",), "eva": ("Action", "Concept")},
                                    at("enfermedad").fragments: {"ana": ("Concept",), "eva": ()}}


def test_the_review_value_starts_from_the_chosen_answer_marks_what_differs_and_offers_the_rest():
    from ner.store import Conflict
    from ner.ui.review import review_value, span_key

    ana = answer("ana", "accepted", at("asma"), at("enfermedad"))
    ben = answer("ben", "accepted", at("asma", "Action"), at("pulmones"))
    conflict = Conflict(1, "q", "q/1", ASMA, (ana, ben, answer("eva", "rejected")))
    value = review_value(conflict, "ben", "es")
    assert [(e["label"], e["text"]) for e in value["entities"]] == [("Action", "asma"), ("Concept", "pulmones")]
    review = value["review"]
    assert review["start"] == "ben" and review["head"] == "partiendo de la respuesta de ben (aceptada)"
    assert review["notes"] == ["eva rechazó este documento."]
    asma = span_key(at("asma").fragments)
    assert asma == f"{len('El ')}-{len('El asma')}"
    assert review["disputed"][asma] == "ana: Concepto · ben: Acción"
    assert review["disputed"][span_key(at("pulmones").fragments)] == "ana: ninguna entidad · ben: Concepto"
    assert [(m["label"], m["text"], m["who"]) for m in review["missing"]] == [
        ("Concept", "asma", "ana"), ("Concept", "enfermedad", "ana")]
    rejected = review_value(conflict, "eva")  # a rejection starts empty; every accepted entity is offered
    assert rejected["entities"] == [] and len(rejected["review"]["missing"]) == 4


def test_the_json_box_takes_labels_as_shown_in_either_language(service):
    from ner.ui.review import canonical_labels

    doc = disagree(service)
    typed = '{"entities": [{"label": "concepto ", "start": 3, "end": 7}, {"label": "Acción", "start": %d, "end": %d}]}'
    service.review(ADMIN, doc, entities=canonical_labels(typed % (ASMA.index("pulmones"), len(ASMA) - 1)))
    assert service.accepted(ADMIN, "q")[0].entities == (at("asma"), at("pulmones", "Action"))
    assert canonical_labels([{"label": "Reference"}]) == [{"label": "Reference"}]
    assert canonical_labels("[{") == "[{"  # not JSON: the service says so
    with pytest.raises(ValueError, match="label"):
        service.review(ADMIN, doc, entities=canonical_labels('[{"label": "Concepts", "start": 3, "end": 7}]'))
