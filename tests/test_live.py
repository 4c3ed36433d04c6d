"""Live suggestions: accept N answers → a retrained CRF version → the next suggestions come from it.

End to end through the real Gradio server (the typed API the editor's calls mirror), with
the real CRF trained on the project's sample corpus; the service parts with a real store.
"""

from __future__ import annotations

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
                        train_split="sample")
    svc = AnnotationService(settings, Models(settings))
    yield svc, str(model)
    svc.close()


def accept(svc, me, item, order, model, concept_on=None):
    """Accept ``item`` as suggested, or with one Concept on the word ``concept_on``."""
    entities = item["entities"]
    if concept_on:
        start = item["text"].index(concept_on)
        entities = [{"label": "Concept", "start": start, "end": start + len(concept_on)}]
    return svc.act(me, {"action": "accept", "doc": item["doc"], "queue": item["queue"],
                        "suggestion": item.get("suggestion"), "entities": entities}, order, model)


@pytest.mark.parametrize("order", ["position", "uncertain"])
def test_every_n_accepted_answers_a_new_version_suggests_the_rest(service, order):
    svc, model = service
    me = Caller("ana")
    item = svc.open_queue(me, "live", order, model, new=pasted_documents("\n".join(TEXTS), "live", svc.limits))
    base = item["model"]
    assert base == "crf-live"
    item = accept(svc, me, item, order, model, concept_on="asma" if "asma" in item["text"] else None)
    assert item["model"] == base  # one answer: not yet
    item = accept(svc, me, item, order, model)
    version = svc.live.wait("live", timeout=60)
    assert version is not None and version.version == 1 and version.answers == 2
    item = svc.next_item(me, "live", order, model)
    assert item["model"] == live_name(model, 1) == "crf-live+live1"
    with Store(svc.path) as store:  # the unanswered documents were suggested again by the new version
        seen = {store.latest_suggestion(d).model for d in store.document_ids("live")}
    assert "crf-live+live1" in seen
    for _ in range(2):
        item = accept(svc, me, item, order, model)
    assert svc.live.wait("live", timeout=60).version == 2
    assert svc.next_item(me, "live", order, model)["model"] == "crf-live+live2"


def test_no_live_version_for_a_queue_opened_with_another_model_or_when_off(service, tmp_path):
    svc, model = service
    me = Caller("ana")
    item = svc.open_queue(me, "plain", "position", model, new=pasted_documents("\n".join(TEXTS), "plain", svc.limits))
    for _ in range(2):
        item = accept(svc, me, item, "position", model)
    assert svc.live.wait("plain", timeout=60) is not None
    assert svc.live.current("plain", "some-other-model") is None  # only the base it was trained from
    off = AnnotationService(Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "off",
                                     live_every=0, train_split="sample"), svc.models)
    item = off.open_queue(me, "q", "position", model, new=pasted_documents("\n".join(TEXTS), "q", off.limits))
    for _ in range(3):
        item = accept(off, me, item, "position", model)
    assert off.live.wait("q", timeout=5) is None and item["model"] == "crf-live"
    off.close()


def test_live_versions_through_the_real_server(tmp_path, monkeypatch):
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    crf(tmp_path / "checkpoints")
    monkeypatch.setenv("NER_LIVE_EVERY", "2")
    demo = build_app(AppConfig(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data",
                               train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        item = client.predict(queue="api-live", annotator="eva", texts="\n".join(TEXTS), api_name="/load_queue")
        assert item["model"] == "crf-live"
        for _ in range(2):
            item = client.predict(item["doc"], "eva", "accept", item["entities"], "api-live",
                                  api_name="/save_answer")["next"]
        for _ in range(120):  # the retraining runs in the background (seconds)
            item = client.predict("api-live", "eva", api_name="/next_item")
            if item["model"] != "crf-live":
                break
            time.sleep(0.5)
        assert item["model"] == "crf-live+live1"
    finally:
        demo.close()
