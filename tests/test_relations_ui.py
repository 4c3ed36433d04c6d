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


def _annotate_page(browser, server, locale: str, viewport: dict, queue: str, text: str, add_label: str):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=locale, has_touch=viewport["width"] < 500)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.local_url + "?annotator=ana")
    page.locator("button[role=tab]").nth(2).wait_for()
    page.get_by_role("tab", name="Annotate" if locale.startswith("en") else "Anotar").click()
    page.set_viewport_size(viewport)  # a phone's tabs hide in a menu, once the tab is open
    expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("ana")
    page.locator("#ann-add").get_by_text(add_label).click()
    page.locator("#ann-paste textarea").fill(text)
    page.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill(queue)
    page.locator("#ann-add-button").click()
    expect(page.locator("#ann-editor .ann-title")).to_contain_text(queue, timeout=20_000)
    return page


def _rows(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#ann-editor li.ann-rel[data-r]").evaluate_all(
        "els => els.map(e => e.querySelector('.ann-rel-end').textContent + ' → ' + "
        "e.querySelectorAll('.ann-rel-end')[1].textContent + ' : ' + e.querySelector('select').value)")]


@pytest.mark.browser
def test_a_person_corrects_relations_with_the_keyboard_alone(browser, server):
    from playwright.sync_api import expect

    from ner.store import Store

    page = _annotate_page(browser, server, "en-US", {"width": 1280, "height": 1000}, "kbd-rels", TEXT,
                          "Add your own texts")
    try:
        editor = page.locator("#ann-editor")
        suggested = _rows(page)
        assert suggested, "the relation model's suggestions are pre-filled"
        page.locator("#ann-editor .ann").focus()
        marks = editor.locator("mark.ent")
        first, second = marks.nth(0).get_attribute("data-i"), marks.nth(1).get_attribute("data-i")
        page.keyboard.press("Escape")
        page.keyboard.press("ArrowRight")  # the first entity selected
        page.keyboard.press("r")
        expect(editor.locator(".ann-hint")).to_contain_text("choose the other entity")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")  # the second entity: now the type
        picker = editor.locator(".ann-rel-new select")
        expect(picker).to_be_focused()
        picker.select_option("causes")  # (what arrow keys do on a focused list)
        page.keyboard.press("Enter")
        rows = _rows(page)
        added, = set(rows) - set(suggested)
        words = [" ".join(editor.locator(f"mark.ent[data-i='{i}']").evaluate(
            "m => [...m.childNodes].filter(n => !n.matches || !n.matches('.tail')).map(n => n.textContent)"
            ".join('') + ' ' + (m.querySelector('.tail')?.firstChild?.textContent || '')").split())
            for i in (first, second)]
        assert added == f"{words[0]} → {words[1]} : causes", (added, words)
        # the new relation is selected: Delete removes it; U brings it back; a click selects it again
        row = editor.locator("li.ann-rel[data-r]").nth(rows.index(added))
        expect(row).to_have_class(re.compile(r"\bsel\b"))
        page.keyboard.press("Delete")
        assert len(_rows(page)) == len(rows) - 1
        page.keyboard.press("u")
        assert _rows(page) == rows
        row.locator(".ann-rel-end").first.click()
        expect(row).to_have_class(re.compile(r"\bsel\b"))
        # its type changed from its list
        row.locator("select").select_option("entails")
        assert _rows(page) == [r.replace(": causes", ": entails") for r in rows]
        # deleting an entity takes its relations, and says so
        related = editor.locator(f"mark.ent[data-i='{second}']")
        related.click()
        page.keyboard.press("Delete")
        expect(editor.locator(".ann-note")).to_contain_text("Removed with it:")
        assert len(_rows(page)) < len(rows)
        page.keyboard.press("u")  # back, relations too
        assert len(_rows(page)) == len(rows)
        page.screenshot(path=str(SHOTS / "annotate-relations.png"))
        final = _rows(page)
        page.keyboard.press("Enter")  # accept
        expect(editor.locator(".ann-msg")).to_contain_text("accepted", timeout=20_000)
        store = Store(server.ner_context.annotation.path)
        (kept, _), = [(a, d) for a, d in store.current_answers("ana", "accepted", "kbd-rels")]
        assert len(kept.relations) == len(final) and "entails" in {r.kind for r in kept.relations}
        assert page.errors == []
    finally:
        page.close()


@pytest.mark.browser
def test_a_spanish_phone_adds_a_relation_with_taps(browser, server):
    from playwright.sync_api import expect

    page = _annotate_page(browser, server, "es-ES", {"width": 390, "height": 844}, "tap-rels", TEXT,
                          "Añada sus propios textos")
    try:
        editor = page.locator("#ann-editor")
        before = _rows(page)
        marks = editor.locator("mark.ent")
        marks.nth(0).tap()
        editor.locator(".ann-rel-start").tap()
        expect(editor.locator(".ann-hint")).to_contain_text("elija la otra entidad")
        editor.locator("mark.ent").nth(2).tap()
        editor.locator(".ann-rel-new select").select_option("part-of")
        editor.locator(".ann-rel-add").tap()
        after = _rows(page)
        assert len(after) == len(before) + 1 and any(r.endswith(": part-of") for r in after)
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        editor.locator(".ann-rels").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "annotate-relations-es-phone.png"))
        assert page.errors == []
    finally:
        page.close()
