"""Relations in the app: trained like any model, drawn as arcs in Analyse, returned by the API (the real server)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gradio_client import Client

from ner.relations.triples import RELATIONS

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
TEXT = "La diabetes aumenta el riesgo de enfermedad renal en los adultos mayores."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner.train import TrainSettings, train
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("relations-app")
    common = dict(train_split="sample", dev_split="sample", eval_splits=("sample",))
    entities = train(TrainSettings(base_model="crf", run_name="crf-ents", **common), root=root / "checkpoints")
    relations = train(TrainSettings(task="relations", base_model="crf", run_name="crf-rels",
                                    entity_model=str(entities), **common), root=root / "checkpoints")
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    demo.paths = (entities, relations)
    yield demo
    demo.close()


def test_a_relation_checkpoint_knows_its_task_and_scores_task_b(server):
    entities, relations = server.paths
    kind = json.loads((relations / "ner_model.json").read_text())["kind"]
    settings = json.loads((relations / "settings.json").read_text())
    metrics = json.loads((relations / "metrics.json").read_text())
    assert kind == "relations-baseline" and settings["task"] == "relations"
    assert settings["entity_model"] == str(entities)
    assert metrics["eval"]["sample"]["official"]["f1"] > 0.3 and "per_type" in metrics["eval"]["sample"]
    models = server.ner_context.models
    assert [v for _, v in models.choices("relations")] == [str(relations)]
    assert str(relations) not in [v for _, v in models.choices()]  # the entity box lists entity models only


def test_the_api_gives_relations_by_entity_index_and_predict_stays_as_it_was(server):
    client = Client(server.local_url, verbose=False)
    plain = client.predict(TEXT, "", "", api_name="/predict")
    assert isinstance(plain, list) and {"label", "start", "end", "fragments"} <= set(plain[0])
    both = client.predict(TEXT, "", "", "", api_name="/predict_relations")
    assert both["entities"] == plain  # the same entities, and relations between them
    assert both["relations"], both
    for rel in both["relations"]:
        assert rel["type"] in RELATIONS and 0 <= rel["from"] < len(plain) and 0 <= rel["to"] < len(plain)
        assert 0 < rel["score"] <= 1
    html, table, info = client.predict(TEXT, "", "", api_name="/analyse")  # as before: no relation model asked for
    assert "ner-arcs" not in html


@pytest.mark.browser
@pytest.mark.parametrize(("locale", "viewport", "shot"), [
    ("en-US", {"width": 1280, "height": 900}, "analyse-arcs"),
    ("es-ES", {"width": 390, "height": 844}, "analyse-arcs-es-phone"),
])
def test_analyse_draws_the_relations_as_arcs_and_lists_them(browser, server, locale, viewport, shot):
    from playwright.sync_api import expect

    page = browser.new_page(viewport=viewport, locale=locale)
    try:
        page.goto(server.local_url)
        box = page.locator("#analyse-relations input")
        expect(box).to_have_value(re.compile("crf-rels"), timeout=30_000)  # the newest relation model, chosen
        page.locator("#analyse-text textarea").fill(TEXT)
        page.click("#analyse-button")
        arcs = page.locator("#analyse-html .ner-arcs svg")
        expect(arcs).to_be_visible(timeout=30_000)
        labels = page.locator("#analyse-html .ner-arcs textPath").evaluate_all("els => els.map(e => e.textContent)")
        assert labels and set(labels) <= set(RELATIONS)
        rows = page.locator("#analyse-html table.ner-relations tbody tr")
        assert rows.count() == len(labels)
        head = page.locator("#analyse-html table.ner-relations thead").inner_text()
        assert ("relación" in head) == (locale == "es-ES")
        tags = page.locator("#analyse-html .ner-arcs .displacy-tag").evaluate_all("els => els.map(e => e.textContent)")
        assert tags and ("Concepto" in tags) == (locale == "es-ES")
        if viewport["width"] < 500:  # a phone: the arcs scroll inside their box, the page does not
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
        page.locator("#analyse-html").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=False)
    finally:
        page.close()


def test_a_queue_is_suggested_relations_and_an_answer_keeps_the_corrected_ones(server):
    from ner.store import Store
    from tests.test_annotate_ui import TEXTS

    client = Client(server.local_url, verbose=False)
    first = client.predict(queue="rel-queue", annotator="ana", texts="\n".join(TEXTS), api_name="/load_queue")
    assert first["relations"] and all(0 <= r["from"] < len(first["entities"]) for r in first["relations"])
    ents = [{"label": e["label"], "fragments": e["fragments"]} for e in first["entities"]][::-1]  # another order
    n = len(ents)
    rels = [{"type": "causes", "from": 0, "to": n - 1}, {"type": "same-as", "from": 1, "to": 0}]
    out = client.predict(first["doc"], "ana", "accept", ents, "rel-queue", "position", "", rels,
                         api_name="/save_answer")
    store = Store(server.ner_context.annotation.path)
    kept = store.current_answer(first["doc"], "ana")
    by_text = [e.surface(first["text"]) for e in kept.entities]
    said = {(r.kind, by_text[r.args[0][1]], by_text[r.args[1][1]]) for r in kept.relations}
    text_of = [e["text"] for e in first["entities"]][::-1]
    assert said == {("causes", text_of[0], text_of[n - 1]), ("same-as", text_of[1], text_of[0])}
    back = client.predict(queue="rel-queue", annotator="ana", api_name="/undo_answer")
    assert {(r["type"], back["entities"][r["from"]]["text"], back["entities"][r["to"]]["text"])
            for r in back["relations"]} == said
    with pytest.raises(Exception, match="two different entity indexes"):
        client.predict(out["next"]["doc"], "ana", "accept", out["next"]["entities"][:1], "rel-queue", "position", "",
                       [{"type": "is-a", "from": 0, "to": 3}], api_name="/save_answer")
