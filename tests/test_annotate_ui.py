"""The Annotate tab on a real server: its API through gradio_client, its editor in headless Chromium.

The model is the real CRF, trained on the project's sample corpus (about a second). The
texts below are written for these tests.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from ner.annotation.intake import uploaded_documents
from ner.annotation.items import item
from ner.entities import Document, Entity, entities_from_json, entity_to_json
from ner.store import Store
from ner.ui.editor import editor_value, item_json
from ner.uploads import lines_to_documents

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
TOKEN = "s3cret"
TEXTS = [
    "El paciente con asma usa un inhalador cada mañana para respirar mejor.",
    'Un texto con <img src=x onerror="window.__xss=1"> y <script>window.__xss=2</script> dentro.',
    "La fiebre alta puede indicar una infección grave en los niños.",
    "Beber agua ayuda a controlar la presión arterial.",
]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def train_model(root: Path) -> Path:
    """The instant CRF as a finished checkpoint under ``root``."""
    from ner.train import TrainSettings, train

    return train(TrainSettings(base_model="crf", train_split="sample", dev_split="sample", eval_splits=("sample",)),
                 root=root)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("annotate-app")
    train_model(root / "checkpoints")
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token=TOKEN))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    demo.store_path = root / "data" / "annotations.db"
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.local_url, verbose=False)


def labelled(entities) -> set[tuple[str, tuple]]:
    return {(e.label, tuple(e.fragments)) for e in entities}


# ---------------------------------------------------------------- pure helpers


def test_editor_value_and_api_item_carry_entities_in_the_json_shape(tmp_path):
    text = "un infarto de miocardio"
    frags = ((len("un "), len("un infarto")), (len("un infarto "), len("un infarto de")),
             (len("un infarto de "), len(text)))
    ents = [Entity(frags, "Concept", 0.5), Entity(((0, len("un")),), "Reference", 0.25)]
    with Store(tmp_path / "a.db") as store:
        (doc,) = store.add_documents("q", [text])
        store.add_suggestion(doc, "m", ents)
        found = item(store, "q", "ana", doc, suggestion=store.latest_suggestion(doc))
    value = editor_value(found)
    assert value["entities"] == [entity_to_json(e, text) for e in sorted(ents)]
    assert value["entities"][1] == {"label": "Concept", "start": len("un "), "end": len(text),
                                    "text": "infarto de miocardio", "fragments": [list(f) for f in frags],
                                    "score": 0.5}
    assert item_json(found)["entities"] == value["entities"]
    assert value["words"] == [[0, 2], [3, 10], [11, 13], [14, 23]] and value["queue"] == "q"
    # what the editor sends back: one selection over the three words, cut into the corpus's fragments
    assert entities_from_json(text, [{"label": "Concept", "fragments": [[len("un "), len(text)]]}]) == (
        Entity(frags, "Concept"),)


def test_editor_entities_are_checked():
    text = "El asma."
    with pytest.raises(ValueError, match="unknown label"):
        entities_from_json(text, [{"label": "<b>Concept</b>", "fragments": [[len("El "), len("El asma")]]}])
    with pytest.raises(ValueError, match="word boundaries"):
        entities_from_json(text, [{"label": "Concept", "fragments": [[len("El "), len("El as")]]}])
    with pytest.raises(ValueError, match="outside the text"):
        entities_from_json(text, [{"label": "Concept", "fragments": [[len("El "), len(text) + 3]]}])
    with pytest.raises(ValueError, match="integers"):
        entities_from_json(text, [{"label": "Concept", "fragments": [["3", 7]]}])
    with pytest.raises(ValueError, match="unknown key 'spans'"):
        entities_from_json(text, [{"label": "Concept", "spans": [[len("El "), len("El asma")]]}])


def test_uploads_txt_lines_and_brat_pairs(tmp_path):
    lines = lines_to_documents("uno dos\n\n  tres  \n", "q", "f.txt", strip=True)
    assert [d.text for d in lines] == ["uno dos", "tres"]
    txt, ann = tmp_path / "mine.txt", tmp_path / "mine.ann"
    txt.write_text("El asma.\nLa tos.", encoding="utf-8")
    ann.write_text(f"T1\tConcept {len('El ')} {len('El asma')}\tasma\n", encoding="utf-8")
    new = uploaded_documents([txt, ann])
    assert new.queue == "mine" and [d.text for d in new.docs] == ["El asma.", "La tos."]
    assert new.agent == "brat:mine" and labelled(new.entities[0]) == {("Concept", ((len("El "), len("El asma")),))}
    archive = tmp_path / "pair.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(txt, "x/scenario.txt")
        z.write(ann, "x/scenario.ann")
    assert uploaded_documents([archive]).entities.keys() == {0}
    with pytest.raises(ValueError, match="no .txt"):
        uploaded_documents([ann])


def test_an_upload_becomes_a_queue_of_plain_documents_and_a_brat_suggestion():
    from ner.annotation.intake import upload_to_documents
    from ner.uploads import Upload

    asma = Entity(((len("El "), len("El asma")),), "Concept")
    docs = (Document("mine/2", "El asma.", (asma,)), Document("mine/5", "La tos."))
    upload = Upload("mine.txt", docs, annotated=True)
    new = upload_to_documents(upload, "Mi cola")
    assert new.queue == "Mi-cola" and [(d.id, d.text, d.annotated, d.entities) for d in new.docs] == [
        ("Mi-cola/2", "El asma.", False, ()), ("Mi-cola/5", "La tos.", False, ())]  # the line numbers kept
    assert new.agent == "brat:mine" and new.entities == {0: (asma,)} and not new.named
    plain = upload_to_documents(Upload("notas.txt", (Document("notas/1", "uno", annotated=False),)))
    assert (plain.queue, plain.agent, plain.entities, [d.id for d in plain.docs]) == ("notas", None, {}, ["notas/1"])


# ---------------------------------------------------------------- the API


def test_api_load_answer_undo(server, client):
    first = client.predict(queue="api-queue", annotator="ana", texts="\n".join(TEXTS), order="position", model="",
                           api_name="/load_queue")  # by name: the parameters are part of the API
    assert first["queue"] == "api-queue" and "source" not in first
    assert first["text"] == TEXTS[0] and first["progress"]["total"] == len(TEXTS)
    assert first["entities"] and all(isinstance(e["score"], float) for e in first["entities"])  # the CRF's
    doc = first["doc"]
    bad = [
        ({"label": "Concept", "start": len("El "), "end": len("El pac")}, "word boundaries"),
        ({"label": "<b>Concept</b>", "start": len("El "), "end": len("El paciente")}, "unknown label"),
        ({"label": "Concept", "start": len("El "), "end": len(TEXTS[0]) + 4}, "outside the text"),
    ]
    for entity, message in bad:
        with pytest.raises(AppError, match=message):
            client.predict(doc, "ana", "accept", [entity], api_name="/save_answer")
    store = Store(server.store_path)
    assert store.history(doc, "ana") == []  # nothing half-saved

    answer = [
        {"label": "Concept", "start": len("El "), "end": len("El paciente")},
        {"label": "Concept", "start": len("El paciente con asma usa un inhalador cada mañana para "),
         "end": len(TEXTS[0]) - 1},  # "respirar mejor": two fragments, the corpus's way
    ]
    saved = client.predict(doc, "ana", "accept", answer, api_name="/save_answer")
    assert saved["next"]["text"] == TEXTS[1] and saved["next"]["progress"]["done"] == 1
    kept = store.current_answer(doc, "ana")
    start = len("El paciente con asma usa un inhalador cada mañana para ")
    assert kept.status == "accepted"
    assert labelled(kept.entities) == {
        ("Concept", ((len("El "), len("El paciente")),)),
        ("Concept", ((start, start + len("respirar")), (start + len("respirar "), len(TEXTS[0]) - 1))),
    }

    back = client.predict(queue="api-queue", annotator="ana", api_name="/undo_answer")
    assert back["doc"] == doc and {e["text"] for e in back["entities"]} == {"paciente", "respirar mejor"}
    assert store.current_answer(doc, "ana") is None
    assert client.predict("api-queue", "ana", api_name="/queue_progress")["done"] == 0
    client.predict(doc, "ana", "skip", [], api_name="/save_answer")
    assert client.predict("api-queue", "ana", api_name="/queue_progress")["skipped"] == 1
    following = client.predict("api-queue", "ana", "position", "", api_name="/next_item")
    assert following["text"] == TEXTS[1]
    client.predict(following["doc"], "ana", "reject", [], api_name="/save_answer")
    assert client.predict("api-queue", "ana", api_name="/queue_progress")["rejected"] == 1
    with pytest.raises(AppError, match="name"):
        client.predict("api-queue", " ", api_name="/queue_progress")


def test_api_most_uncertain_first(client):
    first = client.predict("unsure-queue", "ana", "\n".join(TEXTS), "uncertain", "", api_name="/load_queue")
    lowest = min(e["score"] for e in first["entities"])
    seen = [lowest]
    item = first
    while not item["finished"]:
        item = client.predict(item["doc"], "ana", "accept", [], "unsure-queue", "uncertain", api_name="/save_answer")
        item = item["next"]
        if item["entities"]:
            seen.append(min(e["score"] for e in item["entities"]))
    assert seen == sorted(seen) and len(seen) > 1  # the least confident entity decides, lowest first


def test_editor_error_keeps_the_edits(server):
    """The service refuses, saving nothing (the editor shows its message over the edits: tests/test_browser.py)."""
    from ner.access import Caller

    service, ana = server.ner_context.annotation, Caller("ana")
    value = service.open_queue(ana, "kept-queue", "position", None, new=_pasted(TEXTS[3:]))
    edits = [{"label": "Action", "fragments": [[0, len("Beber")]]}, {"label": "Concept", "fragments": [[0, 2]]}]
    request = {"action": "accept", "doc": value.doc, "queue": "kept-queue", "entities": edits}
    with pytest.raises(ValueError, match="entity 2 .*word boundaries") as caught:
        service.act(ana, request, "position", None)
    assert "entity 2" in str(caught.value) and service.store().history(value.doc, "ana") == []
    with pytest.raises(LookupError):
        service.act(ana, {"action": "undo", "queue": "kept-queue"}, "position", None)


def _pasted(texts):
    from ner.annotation.intake import pasted_documents

    return pasted_documents("\n".join(texts), "kept-queue")


def test_export_agreement_and_corrections(server, client):
    from ner.access import Caller

    item = client.predict("pair-queue", "ana", "\n".join(TEXTS[2:]), "position", "", api_name="/load_queue")
    fiebre = {"label": "Concept", "start": len("La "), "end": len("La fiebre")}
    ninos = {"label": "Concept", "start": len(TEXTS[2]) - len("niños."), "end": len(TEXTS[2]) - 1}
    client.predict(item["doc"], "ana", "accept", [fiebre, ninos], "pair-queue", api_name="/save_answer")
    after = client.predict(item["doc"], "ben", "accept", [fiebre], "pair-queue", api_name="/save_answer")["next"]
    client.predict(after["doc"], "ben", "reject", [], "pair-queue", api_name="/save_answer")
    table = client.predict(TOKEN, "ana", "ben", "pair-queue", api_name="/annotator_agreement")
    overall = dict(zip(table["headers"], table["data"][0]))
    assert overall["label"] == "overall" and overall["items"] == 1  # ana has not answered ben's rejection yet
    assert (overall["correct"], overall["missing"], overall["spurious"]) == (1, 1, 0)
    client.predict(after["doc"], "ana", "accept", [], "pair-queue", api_name="/save_answer")
    table = client.predict(TOKEN, "ana", "ben", "pair-queue", api_name="/annotator_agreement")
    overall = dict(zip(table["headers"], table["data"][0]))
    assert (overall["items"], overall["accept_vs_reject"]) == (2, 1)  # an acceptance against a rejection counts
    assert 0 < overall["kappa"] < overall["F1"] < 1

    with pytest.raises(AppError, match="admin token"):
        client.predict("wrong", ["jsonl"], "pair-queue", "", api_name="/export_corrections")
    path = client.predict(TOKEN, ["brat", "jsonl", "hf", "conll"], "pair-queue", "", api_name="/export_corrections")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        assert {"corrections/brat/scenario.txt", "corrections/brat/scenario.ann", "corrections/corrections.jsonl",
                "corrections/corrections.conll", "corrections/hf/dataset_dict.json"} <= names
        rows = [json.loads(line) for line in z.read("corrections/corrections.jsonl").decode().splitlines()]
    assert [r["text"] for r in rows] == TEXTS[2:]  # the second: ana's acceptance, the newest accepted answer
    assert [e["text"] for e in rows[0]["entities"]] == ["fiebre"]  # everyone's latest: ben answered last
    assert [(r["answer"], r["_annotator_id"]) for r in rows] == [("accept", "ben"), ("accept", "ana")]
    docs = server.ner_context.annotation.accepted(Caller(admin=True))
    assert TEXTS[2] in {d.text for d in docs} and all(d.annotated for d in docs)


# ---------------------------------------------------------------- the browser


def _word(page, text: str):
    """A word of the editor's text that no entity covers (``text`` if it is one)."""
    free = page.locator("#ann-editor .ann-text > span.w")
    for i in range(free.count()):
        if free.nth(i).inner_text() == text:
            return free.nth(i)
    return next(free.nth(i) for i in range(free.count()) if free.nth(i).inner_text().isalpha())


def _spans(page) -> list[tuple[str, int, int]]:
    """(label, start, end) of every drawn entity, read from the page."""
    return page.eval_on_selector_all(
        "#ann-editor mark.ent",
        """ms => ms.map(m => {
            const ws = m.querySelectorAll('.w');
            const label = m.querySelector('.lab').textContent.replace('?', '');
            return [label, +ws[0].dataset.s, +ws[ws.length - 1].dataset.e];
        })""",
    )


def _shown_text(page) -> str:
    """The document's text as the editor draws it (words and gaps, without the entity labels)."""
    return page.eval_on_selector_all("#ann-editor .ann-text .w, #ann-editor .ann-text .g",
                                     "els => els.map(e => e.textContent).join('')")


def _header(page) -> str:
    return page.locator("#ann-editor .ann-head .ann-title").inner_text()


@pytest.mark.browser
def test_browser_correct_accept_undo(server):
    from playwright import sync_api
    SHOTS.mkdir(parents=True, exist_ok=True)
    hosts = set()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.on("request", lambda r: hosts.add(urlparse(r.url).hostname or urlparse(r.url).scheme))
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.local_url + "?annotator=eva")
        page.get_by_role("tab", name="Annotate").click()
        sync_api.expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("eva")
        page.locator("#ann-add").get_by_text("Add your own texts").click()
        page.locator("#ann-paste textarea").fill("\n".join(TEXTS))
        page.locator("#ann-add-button").click()
        page.wait_for_selector("#ann-editor mark.ent", timeout=20_000)
        store = Store(server.store_path)
        doc = store.document_ids("pasted")[0]
        suggestion = store.latest_suggestion(doc)
        assert _header(page) == f"pasted · {store.document(doc).id}"
        assert page.locator("#ann-editor mark.ent.low").count() == sum(
            e.score < 0.6 for e in suggestion.entities)  # unsure suggestions look different
        page.screenshot(path=str(SHOTS / "annotate-1-loaded.png"), full_page=True)

        before = _spans(page)
        expected = {(label, s, e) for label, s, e in before}
        # 1. add: drag across the middle of a free word (snaps to the whole word), then key 2 = Action
        word = _word(page, "usa")
        word.scroll_into_view_if_needed()
        box = word.bounding_box()
        start, end = int(word.get_attribute("data-s")), int(word.get_attribute("data-e"))
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2, steps=4)
        page.mouse.up()
        sync_api.expect(page.locator("#ann-editor .ann-text .pending")).to_have_count(1)
        page.keyboard.press("2")
        expected.add(("Action", start, end))
        # 2. relabel the first suggestion: click it, key 3 = Predicate
        label, s, e = before[0]
        page.locator("#ann-editor mark.ent").first.locator(".w").first.click()
        page.keyboard.press("3")
        expected = (expected - {(label, s, e)}) | {("Predicate", s, e)}
        # 3. remove the last suggestion: click it, Delete
        label, s, e = before[-1]
        page.locator("#ann-editor mark.ent").last.locator(".w").first.click()
        page.keyboard.press("Delete")
        expected.discard((label, s, e))
        sync_api.expect(page.locator("#ann-editor mark.ent")).to_have_count(len(expected))
        assert set(map(tuple, _spans(page))) == expected
        page.screenshot(path=str(SHOTS / "annotate-2-edited.png"), full_page=True)

        first_header = _header(page)
        page.keyboard.press("Enter")  # accept: saved, the next item shows
        sync_api.expect(page.locator("#ann-editor .ann-title")).not_to_have_text(first_header, timeout=10_000)
        assert _shown_text(page) == TEXTS[1]  # the HTML in it is shown as text
        assert page.locator("#ann-editor .ann-text img, #ann-editor .ann-text script").count() == 0
        second_header = _header(page)
        page.keyboard.press("u")  # undo: back to the first item, with what was saved
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("undone", timeout=10_000)
        assert set(map(tuple, _spans(page))) == expected
        page.screenshot(path=str(SHOTS / "annotate-3-undone.png"), full_page=True)
        page.keyboard.press("Enter")  # accept again
        sync_api.expect(page.locator("#ann-editor .ann-title")).to_have_text(second_header, timeout=10_000)
        assert _shown_text(page) == TEXTS[1]
        sync_api.expect(page.locator("#ann-editor .ann-prog")).to_contain_text("1 / 4")
        page.screenshot(path=str(SHOTS / "annotate-4-next.png"), full_page=True)
        assert page.evaluate("window.__xss") is None
        browser.close()

    text = store.document(doc).text
    want = {(label, tuple(f for f in entities_from_json(text, [{"label": label, "fragments": [[s, e]]}])[0].fragments))
            for label, s, e in expected}
    history = store.history(doc, "eva")
    assert [a.status for a in history] == ["accepted", "undone", "accepted"]
    assert labelled(history[0].entities) == want == labelled(history[2].entities)
    current = store.current_answer(doc, "eva")
    assert current.id == history[2].id and current.suggestion == suggestion.id
    assert hosts <= {"127.0.0.1", "localhost", "data", "blob"}, hosts
    assert not errors, errors


@pytest.mark.browser
def test_browser_ctrl_click_makes_a_discontinuous_entity(server):
    from playwright import sync_api

    text = "El dolor de cabeza y de espalda empeora por la noche."
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.goto(server.local_url + "?annotator=rut")
        page.get_by_role("tab", name="Annotate").click()
        sync_api.expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("rut")
        page.locator("#ann-add").get_by_text("Add your own texts").click()
        page.locator("#ann-paste textarea").fill(text)
        page.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill("gapped")
        page.locator("#ann-add-button").click()
        sync_api.expect(page.locator("#ann-editor .ann-title")).to_contain_text("gapped", timeout=20_000)
        while page.locator("#ann-editor .ann-text .x").count():  # clear the model's suggestions
            page.locator("#ann-editor .ann-text .x").first.click()
        page.locator("#ann-editor .ann-text > span.w", has_text="dolor").click()
        page.locator("#ann-editor .ann-text > span.w", has_text="espalda").click(modifiers=["Control"])
        sync_api.expect(page.locator("#ann-editor .ann-text .pending")).to_have_count(2)
        sync_api.expect(page.locator("#ann-editor .ann-hint")).to_contain_text("dolor … espalda")
        page.keyboard.press("1")
        sync_api.expect(page.locator("#ann-editor mark.ent")).to_have_count(2)  # one entity, two pieces
        assert page.locator("#ann-editor mark.ent .lab").count() == 1
        page.locator("#ann-editor").screenshot(path=str(SHOTS / "annotate-5-discontinuous.png"))
        page.keyboard.press("Enter")
        sync_api.expect(page.locator("#ann-editor .ann-prog")).to_contain_text("1 / 1", timeout=10_000)
        browser.close()

    store = Store(server.store_path)
    (doc,) = store.document_ids("gapped")
    answer = store.current_answer(doc, "rut")
    dolor, espalda = text.index("dolor"), text.index("espalda")
    assert answer.status == "accepted"
    assert labelled(answer.entities) == {("Concept", ((dolor, dolor + 5), (espalda, espalda + 7)))}


def _open_page(pw, server, annotator: str | None, locale: str = "en-US", viewport=(1400, 1000)):
    from playwright import sync_api

    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    # a phone is a touch screen with no mouse; the page opens wide, so that the tabs show, then shrinks
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=locale, has_touch=viewport[0] < 500)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.local_url + (f"?annotator={annotator}" if annotator else ""))
    page.locator("button[role=tab]").nth(2).wait_for()
    page.get_by_role("tab", name="Annotate" if locale.startswith("en") else "Anotar").click()
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})  # a phone's tabs hide in a menu
    if annotator:
        sync_api.expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value(annotator)
    return browser, page


def _paste(page, text: str, queue: str, add_label: str = "Add your own texts"):
    from playwright import sync_api

    page.locator("#ann-add").get_by_text(add_label).click()
    page.locator("#ann-paste textarea").fill(text)
    page.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill(queue)
    page.locator("#ann-add-button").click()
    sync_api.expect(page.locator("#ann-editor .ann-title")).to_contain_text(queue, timeout=20_000)


def _pick_item(page, has_text: str):
    """Browse the queue: open the accordion if closed, choose the item whose label holds ``has_text``."""
    if not page.locator("#ann-items").is_visible():
        page.locator("#ann-browse").get_by_text("Browse the queue").click()
    search = page.locator("#ann-search input, #ann-search textarea").first
    search.fill("")
    search.press("Enter")  # the whole list, fresh
    page.wait_for_timeout(500)
    page.locator("#ann-items input").click()
    page.get_by_role("option", name=has_text).first.click()


TAGGED = "El dolor intenso de espalda puede durar varias semanas."
AT = {w: (TAGGED.index(w), TAGGED.index(w) + len(w)) for w in TAGGED.rstrip(".").split()}  # each word, once
TAGS = (("Concept", "dolor"), ("Concept", "espalda"), ("Action", "durar"), ("Reference", "varias"))


@pytest.fixture(scope="class")
def iris(server):
    """One page, annotator iris, for the tests of a class (each loads a queue of its own)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser, page = _open_page(pw, server, "iris")
        yield page
        assert not page.errors, page.errors
        browser.close()


def _tagged(page, server, queue: str, *more: str) -> int:
    """``TAGGED`` (then ``more``) pasted as a new queue and loaded again with the entities of ``TAGS``; its id."""
    from playwright import sync_api

    _paste(page, "\n".join((TAGGED, *more)), queue)
    store = Store(server.store_path)
    doc = store.document_ids(queue)[0]
    store.add_suggestion(doc, store.latest_suggestion(doc).model, [Entity((AT[w],), label, 0.9) for label, w in TAGS])
    page.locator("#ann-load").click()  # the item again, with the suggestion above (Browse is tested apart)
    sync_api.expect(page.locator("#ann-editor mark.ent")).to_have_count(len(TAGS), timeout=10_000)
    return doc


def _at(label: str, first: str, last: str | None = None) -> list:
    """(label, start, end) as :func:`_spans` reads it, from ``first``'s start to ``last``'s end."""
    return [label, AT[first][0], AT[last or first][1]]


def _options(page, want: list[str] | None = None) -> list[str]:
    """The Browse list as shown, its dropdown opened and closed again; with ``want``: once it shows that."""
    from playwright.sync_api import expect

    box, options = page.locator("#ann-items input"), page.get_by_role("option")
    for _ in range(12):
        page.wait_for_timeout(500)  # for the update on its way: Gradio's dropdown errors if it lands while open
        box.click()
        options.first.wait_for()
        shown = [t.replace("✓", "").strip() for t in options.all_inner_texts()]  # ✓: the item chosen last
        box.blur()
        expect(options).to_have_count(0)
        if want is None or shown == want:
            break
    return shown


@pytest.mark.browser
class TestTaggedItem:
    """The editor on one document with four entities (``TAGS``): one feature a test, one page for all."""

    def test_shift_click_extends_from_the_last_clicked_word(self, server, iris):
        from playwright.sync_api import expect

        page = iris
        _tagged(page, server, "shift")
        word = page.locator("#ann-editor .ann-text span.w")
        hint, chosen = page.locator("#ann-editor .ann-hint"), page.locator("#ann-editor .ann-text .w.pending")
        word.filter(has_text="puede").click()
        word.filter(has_text="semanas").click()  # the last word clicked is where Shift+click starts
        word.filter(has_text="varias").click(modifiers=["Shift"])  # onto a tagged word
        expect(hint).to_have_text("Selected “varias semanas”: press 1–4 or click a label.")
        expect(chosen).to_have_text(["varias", "semanas"])
        word.filter(has_text="durar").click()  # a tagged word: its entity is selected, Shift+click starts here
        expect(hint).to_contain_text("Action “durar” selected")
        word.filter(has_text="semanas").click(modifiers=["Shift"])
        expect(hint).to_have_text("Selected “durar varias semanas”: press 1–4 or click a label.")
        expect(chosen).to_have_text(["durar", "varias", "semanas"])
        page.keyboard.press("2")
        expect(page.locator("#ann-editor mark.ent")).to_have_count(3)
        assert sorted(_spans(page)) == [_at("Action", "durar", "semanas"), _at("Concept", "dolor"),
                                        _at("Concept", "espalda")]

    def test_ctrl_click_and_the_piece_button_add_a_tagged_word_as_a_piece(self, server, iris):
        from playwright.sync_api import expect

        page = iris
        doc = _tagged(page, server, "pieces")
        word = page.locator("#ann-editor .ann-text span.w")
        hint, numbers = page.locator("#ann-editor .ann-hint"), page.locator("#ann-editor mark.ent.linked .link")
        word.filter(has_text="dolor").click()
        word.filter(has_text="espalda").click(modifiers=["Control"])  # a tagged word: a piece of dolor's entity
        expect(hint).to_contain_text("Concept “dolor … espalda” selected")
        expect(page.locator("#ann-editor mark.ent .lab")).to_have_count(3)  # one entity fewer
        page.keyboard.press("Escape")
        expect(numbers).to_have_text(["1", "1"])  # not selected: its pieces carry one number
        # the "+ piece" button does the same with a plain click (touch screens)
        word.filter(has_text="durar").click()
        page.locator("#ann-editor .ann-piece").click()
        expect(page.locator("#ann-editor .ann-piece")).to_have_attribute("aria-pressed", "true")
        word.filter(has_text="semanas").click()
        expect(hint).to_contain_text("Action “durar … semanas” selected")
        expect(page.locator("#ann-editor .ann-piece")).to_have_attribute("aria-pressed", "false")  # once only
        page.keyboard.press("Escape")
        expect(numbers).to_have_text(["1", "1", "2", "2"])
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "annotate-6-pieces.png"), full_page=True)
        page.locator("#ann-editor .ann-act.accept").click()
        expect(page.locator("#ann-editor .ann-prog")).to_contain_text("1 / 1 done", timeout=10_000)  # saved
        answer = Store(server.store_path).current_answer(doc, "iris")
        assert labelled(answer.entities) == {("Concept", (AT["dolor"], AT["espalda"])),
                                             ("Action", (AT["durar"], AT["semanas"])), ("Reference", (AT["varias"],))}

    def test_labelling_over_entities_says_what_it_replaced(self, server, iris):
        from playwright.sync_api import expect

        page = iris
        _tagged(page, server, "replaced")
        word = page.locator("#ann-editor .ann-text span.w")
        note = page.locator("#ann-editor .ann-note")
        word.filter(has_text="puede").click()
        word.filter(has_text="varias").click(modifiers=["Shift"])
        page.keyboard.press("2")
        expect(note).to_have_text("Replaced: Action «durar», Reference «varias». U brings them back.")
        assert sorted(_spans(page)) == [_at("Action", "puede", "varias"), _at("Concept", "dolor"),
                                        _at("Concept", "espalda")]
        page.keyboard.press("u")
        expect(page.locator("#ann-editor mark.ent")).to_have_count(4)
        assert sorted(_spans(page)) == sorted(_at(label, w) for label, w in TAGS)
        expect(note).to_have_count(0)  # they are back: nothing to say
        word.filter(has_text="semanas").click()
        page.keyboard.press("1")  # a free word replaces nothing
        expect(page.locator("#ann-editor mark.ent")).to_have_count(5)
        expect(note).to_have_count(0)

    def test_browse_lists_states_and_texts_follows_each_answer_and_jumps(self, server, iris):
        from playwright.sync_api import expect

        page = iris
        other = "La tos seca se cura sola."
        _tagged(page, server, "browse", other)
        first, second = f"browse/1 · {TAGGED}", f"browse/2 · {other}"
        if not page.locator("#ann-items").is_visible():
            page.locator("#ann-browse").get_by_text("Browse the queue").click()
        want = [f"to do · {first}", f"to do · {second}"]  # by state, name and text
        assert _options(page, want) == want
        page.locator("#ann-editor .ann-act.accept").click()  # the list is open: it follows the answer
        expect(page.locator("#ann-editor .ann-title")).to_have_text("browse · browse/2", timeout=10_000)
        want = [f"accepted · {first}", f"to do · {second}"]
        assert _options(page, want) == want
        page.locator("#ann-items input").click()
        page.get_by_role("option").first.wait_for()
        page.screenshot(path=str(SHOTS / "annotate-8-browse.png"), full_page=True)
        page.locator("#ann-items input").blur()
        page.locator("#ann-editor .ann-act.skip").click()
        expect(page.locator("#ann-editor .ann-prog")).to_contain_text("2 / 2 done", timeout=10_000)
        want = [f"accepted · {first}", f"skipped · {second}"]
        assert _options(page, want) == want
        page.locator("#ann-editor .ann-act.undo").click()  # an undo too
        expect(page.locator("#ann-editor .ann-title")).to_have_text("browse · browse/2", timeout=10_000)
        want = [f"accepted · {first}", f"to do · {second}"]
        assert _options(page, want) == want
        search = page.locator("#ann-search input, #ann-search textarea").first
        search.fill("semanas")
        search.press("Enter")  # by text
        assert _options(page, [f"accepted · {first}"]) == [f"accepted · {first}"]
        _pick_item(page, first)  # the jump (the search box emptied first)
        expect(page.locator("#ann-editor .ann-title")).to_have_text("browse · browse/1", timeout=10_000)
        expect(page.locator("#ann-editor .ann-msg")).to_contain_text("your answer was accepted")
        expect(page.locator("#ann-editor mark.ent")).to_have_count(len(TAGS))

    def test_a_finished_queue_shows_a_summary_and_next_steps(self, server, iris):
        from playwright.sync_api import expect

        page = iris
        _tagged(page, server, "finished")
        page.locator("#ann-editor mark.ent").last.locator(".x").click()  # remove Reference «varias»
        expect(page.locator("#ann-editor mark.ent")).to_have_count(3)
        page.locator("#ann-editor .ann-act.accept").click()
        summary = page.locator("#ann-editor .ann-summary")
        expect(summary).to_contain_text("1 accepted · 0 rejected · 0 skipped. You changed 1 of the accepted "
                                        "suggestions (1 edit: 0 added, 1 removed, 0 relabelled", timeout=10_000)
        expect(summary.locator(".ann-next")).to_contain_text("Next: export the corrections")
        expect(page.locator("#ann-editor .ann-prog")).to_contain_text("1 / 1 done")
        assert "🎉" not in page.locator("#ann-editor").inner_text()
        page.screenshot(path=str(SHOTS / "annotate-7-finished.png"), full_page=True)


@pytest.mark.browser
def test_browser_refusals_are_popups_that_mark_no_control(server):
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser, page = _open_page(pw, server, None)
        sync_api.expect(page.locator("#ann-editor .ann-empty")).to_contain_text("Load a queue", timeout=20_000)
        page.locator("#ann-load").click()  # no annotator name
        sync_api.expect(page.get_by_text("type your name")).to_be_visible(timeout=10_000)
        page.wait_for_timeout(1_000)
        assert page.locator("#ann-queue .error, #ann-editor .error, #ann-queue [data-testid=status-tracker] .error"
                            ).count() == 0
        browser.close()


@pytest.mark.browser
def test_browser_spanish_phone_gets_messages_in_spanish(server):
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser, page = _open_page(pw, server, "nora", locale="es-ES", viewport=(390, 844))
        _paste(page, "La fiebre alta puede indicar una infección grave.", "movil", add_label="Añada sus propios textos")
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("Cola «movil»: 1 documento")
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("1 preanotado por")  # one: singular
        labels = page.locator("#ann-editor .ann-label").all_inner_texts()  # the labels as shown, in Spanish
        assert [x.split()[-1] for x in labels] == ["Concepto", "Acción", "Predicado", "Referencia"]
        assert "CONCEPT" not in page.locator("#ann-editor .ann-text").inner_text().upper().replace("CONCEPTO", "")
        titles = page.locator("#ann-editor mark.ent").evaluate_all("ms => ms.map(m => m.title)")
        assert titles and all(re.fullmatch(r"\w+ · \d{1,3} %", x) for x in titles), titles  # «Concepto · 87 %»
        page.locator("#ann-editor").screenshot(path=str(SHOTS / "annotate-es-phone.png"))
        page.keyboard.press("Enter")
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("✓ aceptada", timeout=10_000)
        sync_api.expect(page.locator("#ann-editor .ann-summary")).to_contain_text("1 aceptada · 0 rechazadas")
        sync_api.expect(page.locator("#ann-editor .ann-prog")).to_have_text("1 / 1 hecha · quedan 0")
        page.locator("#ann-editor").screenshot(path=str(SHOTS / "annotate-es-phone-done.png"))
        page.keyboard.press("u")
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("deshecha", timeout=10_000)
        page.keyboard.press("u")
        sync_api.expect(page.locator("#ann-editor .ann-msg")).to_contain_text("No hay nada que deshacer",
                                                                              timeout=10_000)
        assert not page.errors, page.errors
        browser.close()


GAPPED = ("Los pacientes que sufren dolores de cabeza muy intensos durante varias semanas seguidas deben "
          "consultar a un especialista en neurología lo antes posible.")


def test_browser_a_touch_phone_gets_taps_not_keys_and_a_wrapped_piece_keeps_its_number(server):
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser, page = _open_page(pw, server, "teo", viewport=(390, 844))
        _paste(page, GAPPED, "touch")
        editor = page.locator("#ann-editor")
        while editor.locator(".ann-text .x").count():  # clear the model's suggestions
            editor.locator(".ann-text .x").first.tap()
        help_text = editor.locator(".ann-help").last.inner_text()
        assert "Tap a word" in help_text and "Shift" not in help_text and "Ctrl" not in help_text, help_text
        assert not editor.locator(".ann-label kbd").first.is_visible()  # no key hints on the label buttons
        assert not editor.locator(".ann-act kbd").first.is_visible()
        assert not page.locator(".prose.ann-intro-keys").is_visible()
        assert page.locator(".prose.ann-intro-touch").is_visible()

        # no Shift on a touch screen: a tap on the first word, then on the last, takes the words between
        word = lambda text: editor.locator(".ann-text > span.w", has_text=text).first  # noqa: E731
        word("dolores").tap()
        assert "tap a label" in editor.locator(".ann-hint").inner_text()
        word("intensos").tap()
        sync_api.expect(editor.locator(".ann-hint")).to_contain_text("dolores de cabeza muy intensos")
        editor.locator(".ann-label", has_text="Concept").tap()
        sync_api.expect(editor.locator("mark.ent")).to_have_count(1)

        # a discontinuous entity whose first piece is the last word of a line: after it is drawn with its
        # number, the number stays on the line of its word (no empty outlined box with a "1" behind)
        last_of_line = editor.locator(".ann-text").evaluate("""box => {
            const words = [...box.querySelectorAll(':scope > span.w')];
            for (let i = 0; i + 1 < words.length; i++)
              if (words[i + 1].getBoundingClientRect().top > words[i].getBoundingClientRect().top + 5
                  && words[i].textContent.length > 3) return words[i].textContent;
            return null; }""")
        assert last_of_line, "the text fills more than one line"
        word(last_of_line).tap()
        editor.locator(".ann-piece").tap()
        word("neurología").tap()
        editor.locator(".ann-label", has_text="Concept").tap()
        sync_api.expect(editor.locator("mark.ent.linked")).to_have_count(2)
        gaps = editor.locator("mark.ent.linked").evaluate_all("""marks => marks.map(m => {
            const badge = m.querySelector('sup.link'), w = m.querySelector('.w');
            return badge ? Math.abs(badge.getBoundingClientRect().bottom - w.getBoundingClientRect().bottom) : 0; })""")
        assert max(gaps) < 24, gaps  # px: the badge sits on its word's line (a line is 48 px; a superscript 12 up)
        editor.locator(".ann-labels").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "annotate-touch-phone.png"))  # the viewport: a full-page or element one
        # is taken with the touch emulation off
        assert not page.errors, page.errors
        browser.close()


@pytest.mark.browser
def test_browser_review_a_conflict_and_update_refused_for_the_crf(server, client):
    from playwright import sync_api

    item = client.predict("review-queue", "ana", TEXTS[3], "position", "", api_name="/load_queue")
    agua = {"label": "Concept", "start": len("Beber "), "end": len("Beber agua")}
    presion = {"label": "Concept", "start": TEXTS[3].index("presión"), "end": len(TEXTS[3]) - 1}
    client.predict(item["doc"], "ana", "accept", [agua], "review-queue", api_name="/save_answer")
    client.predict(item["doc"], "ben", "accept", [agua, presion], "review-queue", "position", "",
                   [{"type": "causes", "from": 0, "to": 1}], api_name="/save_answer")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.goto(server.local_url + "?annotator=eva")
        page.get_by_role("tab", name="Annotate").click()
        page.locator("#admin-token input").fill(TOKEN)
        box = page.locator("#ann-queue input")
        box.click()
        box.fill("review-queue")
        page.get_by_role("option", name="review-queue (1)").click()
        page.locator("#ann-review").get_by_text("Review conflicts").click()
        page.locator("#ann-review-find").click()
        sides = page.locator("#ann-review-sides .ner-review-side")
        sync_api.expect(sides).to_have_count(2, timeout=20_000)
        assert sides.nth(0).locator("mark").count() == 1 and sides.nth(1).locator("mark").count() == 2
        sync_api.expect(sides.nth(1)).to_contain_text("2 entities · 1 relation")  # ben's relation, as an arc too
        assert sides.nth(1).locator("svg path").count() >= 1 and sides.nth(0).locator("svg").count() == 0
        page.locator("#ann-review").screenshot(path=str(SHOTS / "annotate-review-relations.png"))
        sync_api.expect(page.locator("#ann-review-json textarea")).to_have_value(re.compile('"text": "agua"'))
        page.locator("#ann-review-pick").get_by_text("ben", exact=True).click()
        page.locator("#ann-review-accept").click()
        sync_api.expect(page.locator("#ann-review-message")).to_contain_text("ben's answer kept", timeout=20_000)
        page.locator("#ann-annotator input, #ann-annotator textarea").first.fill("ana")  # ana's Browse list
        page.locator("#ann-browse").get_by_text("Browse the queue").click()
        shown = _options(page)
        assert shown[0].startswith("reviewed: ben's answer kept (accepted) · review-queue/"), shown  # not "in conflict"
        page.locator("#ann-annotator input, #ann-annotator textarea").first.fill("eva")
        (reviewed,) = Store(server.store_path).latest_answers(queue="review-queue")
        assert [(r.kind, [a for _, a in r.args]) for r in reviewed.relations] == [("causes", [0, 1])]
        page.screenshot(path=str(SHOTS / "annotate-review.png"), full_page=True)
        page.locator("#ann-update-model").click()
        sync_api.expect(page.get_by_text("the CRF updates itself").first).to_be_visible(timeout=20_000)
        page.wait_for_timeout(1_000)  # the refusal is a popup only: no control marked "Error"
        assert page.locator("#ann-update-message .error, #ann-review .error").count() == 0
        table = page.locator("#ann-agreement")
        assert not table.is_visible()  # no empty table with headers before a comparison
        page.locator("#ann-export").get_by_text("Export corrections and agreement").click()
        for label, name in (("Annotator A", "ana"), ("Annotator B", "ben")):
            page.get_by_label(label).fill(name)
        page.locator("#ann-compare").click()
        sync_api.expect(table).to_be_visible(timeout=20_000)
        sync_api.expect(table).to_contain_text("n/a")  # labels neither annotator used
        sync_api.expect(table).to_contain_text("Concept")
        sync_api.expect(table).to_contain_text("all relations")  # ben's causes, which ana did not see
        sync_api.expect(table).to_contain_text("causes")
        sync_api.expect(table).to_contain_text("κ (words)")  # the chance-corrected figure beside the F1
        table.screenshot(path=str(SHOTS / "annotate-agreement.png"))
        page.locator("#ann-export-button").click()  # the archive, and beside it what each format kept
        summary = page.locator("#ann-export-summary")
        sync_api.expect(summary).to_contain_text("CoNLL", timeout=20_000)
        sync_api.expect(summary).to_contain_text("entities kept")
        sync_api.expect(summary).to_contain_text("Relations: 0 of 1 kept: CoNLL has no place for them")
        sync_api.expect(page.locator("#ann-archive")).to_contain_text(re.compile(r"corrections\s*\.zip"))
        page.locator("#ann-export").screenshot(path=str(SHOTS / "annotate-export.png"))
        browser.close()
    store = Store(server.store_path)
    review = store.current_review(item["doc"])
    assert (review.chosen, len(review.entities)) == ("ben", 2)
    assert {d.text: len(d.entities) for d in store.latest_answers(queue="review-queue")} == {TEXTS[3]: 2}
    assert not server.ner_context.jobs.running
