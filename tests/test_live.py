"""Live suggestions: accept N answers → a retrained CRF version → the next suggestions come from it.

End to end through the real Gradio server (the typed API the editor's calls mirror), with
the real CRF trained on the project's sample corpus; the service parts with a real store.
"""

from __future__ import annotations

import re
import time

import pytest
from gradio_client import Client

from ner.access import Caller
from ner.annotation.intake import pasted_documents
from ner.annotation.live import live_name
from ner.annotation.service import AnnotationService
from ner.models import Models
from ner.settings import Settings
from ner.store import Store
from ner.ui.editor import item_json

TEXTS = [
    "El paciente con asma usa un inhalador cada mañana.",
    "La fiebre alta puede indicar una infección grave.",
    "Beber agua ayuda a controlar la presión arterial.",
    "El médico receta antibióticos para la infección.",
    "La diabetes aumenta el riesgo de enfermedad renal.",
    "El ejercicio reduce el dolor de espalda crónico.",
]


def crf(root):
    from ner.train import TrainSettings, train

    return train(TrainSettings(base_model="crf", run_name="crf-live", train_split="sample", eval_splits=()),
                 root=root)


@pytest.fixture
def service(tmp_path):
    model = crf(tmp_path / "checkpoints")
    settings = Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", live_every=2,
                        live_queue_seconds=0, train_split="sample")
    svc = AnnotationService(settings, Models(settings))
    yield svc, str(model)
    svc.close()


def corrected(item, word: str | None = None) -> list[dict]:
    """The item's suggestion with one more Concept (on ``word``, else on its first word not suggested already)."""
    text, taken = item["text"], {(e["start"], e["end"]) for e in item["entities"]}
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    if word:
        spans = [(text.index(word), text.index(word) + len(word))]
    start, end = next((a, b) for a, b in spans if not any(s < b and a < e for s, e in taken))
    return [*item["entities"], {"label": "Concept", "start": start, "end": end}]


def opened(svc, me, queue: str, order: str, model: str) -> dict:
    """A new queue of :data:`TEXTS` opened; its first item as the API's JSON."""
    return item_json(svc.open_queue(me, queue, order, model, new=pasted_documents("\n".join(TEXTS), queue, svc.limits)))


def accept(svc, me, item, order, model, entities=None):
    """Accept ``item`` (the API's JSON of an item) with ``entities`` (default: as suggested); the next, as JSON."""
    return item_json(svc.act(me, {"action": "accept", "doc": item["doc"], "queue": item["queue"],
                        "suggestion": item.get("suggestion"),
                        "entities": item["entities"] if entities is None else entities}, order, model))


def live_rows(svc, queue: str, name: str) -> int:
    with Store(svc.path) as store:
        return sum(s.model == name for d in store.document_ids(queue) for s in [store.latest_suggestion(d)] if s)


@pytest.mark.parametrize("order", ["position", "uncertain"])
def test_every_n_corrections_a_new_version_suggests_the_items_as_they_are_shown(service, order):
    svc, model = service
    me = Caller("ana")
    item = opened(svc, me, "live", order, model)
    base = item["model"]
    assert base == "crf-live"
    item = accept(svc, me, item, order, model, corrected(item))
    assert item["model"] == base  # one correction: not yet
    item = accept(svc, me, item, order, model)  # the suggestion as it was: teaches nothing
    assert svc.live.wait("live", timeout=60) is None and item["model"] == base
    item = accept(svc, me, item, order, model, corrected(item))
    version = svc.live.wait("live", timeout=60)
    assert version is not None and version.version == 1 and version.answers == 3
    item = item_json(svc.next_item(me, "live", order, model))
    assert item["model"] == live_name(model, 1) == "crf-live+live1"
    assert item["notice"] == ("Suggestions updated: crf-live+live1, trained on 3 answers of this queue, "
                              "suggests from now on.")
    assert item_json(svc.next_item(me, "live", order, model))["notice"] == ""  # said once
    assert live_rows(svc, "live", "crf-live+live1") == 1  # only the item shown: nothing else was written
    for _ in range(2):
        item = accept(svc, me, item, order, model, corrected(item))
    assert svc.live.wait("live", timeout=60).version == 2
    assert item_json(svc.next_item(me, "live", order, model))["model"] == "crf-live+live2"
    assert live_rows(svc, "live", "crf-live+live2") == 1


def test_a_retraining_says_how_many_answers_it_learns_from_while_it_runs(service):
    import threading

    from ner.ui.editor import editor_value

    svc, model = service
    me, other = Caller("ana"), Caller("ben")
    gate, real = threading.Event(), svc.live._train
    svc.live._train = lambda docs: (gate.wait(60), real(docs))[1]  # the real training, held until the test looks
    item = opened(svc, me, "shown", "position", model)
    assert item["retraining"] is None
    svc.next_item(other, "shown", "position", model)  # ben has the queue open too
    for _ in range(2):
        item = accept(svc, me, item, "position", model, corrected(item))
    for _ in range(100):
        if svc.live.retraining("shown"):
            break
        time.sleep(0.05)
    shown = svc.next_item(me, "shown", "position", model)
    assert shown.retraining == 2 and item_json(shown)["retraining"] == 2
    assert editor_value(shown)["retraining_text"] == "retraining on 2 answers…"
    assert editor_value(shown, "es")["retraining_text"] == "reentrenando con 2 respuestas…"
    gate.set()
    assert svc.live.wait("shown", timeout=120).answers == 2
    after = svc.next_item(other, "shown", "position", model)  # ben is told too, in his language
    assert after.retraining is None and "retraining_text" not in editor_value(after)
    assert editor_value(after, "es")["notice"] == (
        "Sugerencias actualizadas: crf-live+live1, entrenado con 2 respuestas de esta cola, sugiere a partir de ahora.")


def test_a_live_version_is_trained_in_a_child_process_to_the_same_model(service):
    import os

    from ner import corpus
    from ner.annotation import live
    from ner.crf import train_crf

    docs = [d for d in corpus.load("sample") if d.annotated]
    apart = live.train_apart(docs)
    assert apart.data == train_crf(docs).data  # the same crfsuite model, byte for byte
    pids = set()
    with live.ProcessPoolExecutor(1, mp_context=live.multiprocessing.get_context("spawn"),
                                  initializer=live._lower_priority) as child:
        pids.add(child.submit(os.getpid).result())
        assert child.submit(os.nice, 0).result() >= 10  # at a lower priority than the server
    assert os.getpid() not in pids


def test_empty_answers_or_confirmed_suggestions_never_retrain(service):
    svc, model = service
    me = Caller("ana")
    item = opened(svc, me, "idle", "position", model)
    for n in range(len(TEXTS)):
        item = accept(svc, me, item, "position", model, [] if n % 2 else None)
    assert svc.live.wait("idle", timeout=5) is None and not svc.live.retraining("idle")


def test_retraining_is_rate_limited_per_queue_and_for_the_whole_app(tmp_path):
    model = str(crf(tmp_path / "checkpoints"))
    settings = Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", live_every=1,
                        live_queue_seconds=3600, live_per_hour=2, train_split="sample")
    svc = AnnotationService(settings, Models(settings))
    me = Caller("ana")
    try:
        first = opened(svc, me, "q1", "position", model)
        item = accept(svc, me, first, "position", model, corrected(first))
        assert svc.live.wait("q1", timeout=60).version == 1
        for _ in range(3):  # due after each one, but the queue had its version less than an hour ago
            item = accept(svc, me, item, "position", model, corrected(item))
        assert svc.live.wait("q1", timeout=60).version == 1
        versions = []
        for queue in ("q2", "q3"):  # the app's second retraining of the hour is allowed, the third is not
            item = opened(svc, me, queue, "position", model)
            accept(svc, me, item, "position", model, corrected(item))
            versions.append(svc.live.wait(queue, timeout=60))
        assert versions[0] is not None and versions[1] is None
    finally:
        svc.close()


def test_a_live_version_ranks_the_next_items_in_memory_by_its_own_uncertainty(service):
    from ner.ordering import uncertain_first, uncertainty

    svc, model = service
    me = Caller("ana")
    item = opened(svc, me, "rank", "uncertain", model)
    for _ in range(2):
        item = accept(svc, me, item, "uncertain", model, corrected(item))
    live = svc.live.wait("rank", timeout=60)
    with Store(svc.path) as store:
        todo = store.next_items("rank", "ana")
        expected = [todo[i].id for i in uncertain_first([uncertainty(e) for e in live.model.predict(
            [it.text for it in todo])])]
    assert item_json(svc.next_item(me, "rank", "uncertain", model))["doc"] == expected[0]


def test_an_answer_teaches_something_when_it_holds_entities_other_than_the_suggestion():
    from ner.annotation.live import informative
    from ner.entities import Entity

    concept, action = Entity(((0, 2),), "Concept", 0.9), Entity(((3, 7),), "Action")
    assert informative([Entity(((0, 2),), "Concept")], None)
    assert not informative([], [concept]) and not informative([], None)
    assert not informative([Entity(((0, 2),), "Concept")], [concept])  # scores do not count
    assert informative([concept, action], [concept]) and informative([Entity(((0, 2),), "Action")], [concept])


def test_no_live_version_for_a_queue_opened_with_another_model_or_when_off(service, tmp_path):
    svc, model = service
    me = Caller("ana")
    item = opened(svc, me, "plain", "position", model)
    for _ in range(2):
        item = accept(svc, me, item, "position", model, corrected(item))
    assert svc.live.wait("plain", timeout=60) is not None
    assert svc.live.current("plain", "some-other-model") is None  # only the base it was trained from
    off = AnnotationService(Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "off",
                                     live_every=0, train_split="sample"), svc.models)
    item = opened(off, me, "q", "position", model)
    for _ in range(3):
        item = accept(off, me, item, "position", model, corrected(item))
    assert off.live.wait("q", timeout=5) is None and item["model"] == "crf-live"
    off.close()


def test_live_versions_through_the_real_server(tmp_path, monkeypatch):
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    crf(tmp_path / "checkpoints")
    monkeypatch.setenv("NER_LIVE_EVERY", "2")
    monkeypatch.setenv("NER_LIVE_QUEUE_SECONDS", "0")
    demo = build_app(AppConfig(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data",
                               train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        item = client.predict(queue="api-live", annotator="eva", texts="\n".join(TEXTS), api_name="/load_queue")
        assert item["model"] == "crf-live"
        for _ in range(2):
            item = client.predict(item["doc"], "eva", "accept", corrected(item), "api-live",
                                  api_name="/save_answer")["next"]
        for _ in range(120):  # the retraining runs in the background (seconds)
            item = client.predict("api-live", "eva", api_name="/next_item")
            if item["model"] != "crf-live":
                break
            time.sleep(0.5)
        assert item["model"] == "crf-live+live1"
    finally:
        demo.close()
