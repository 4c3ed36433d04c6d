"""The review step in the Annotate editor, driven in headless Chromium as an admin does it.

Two annotators answer a document differently (set up through the store); the admin opens the
review, picks the answer to start from, sees the entities they differ on outlined, relabels one
with the editor's keys and saves with Enter. The stored review holds the edited answer, with the
canonical labels whatever language the page speaks. No model is needed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ner.entities import entity

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cret"
ASMA = "El asma es una enfermedad crónica de los pulmones."
TOS = "La tos seca empeora por la noche."

pytestmark = pytest.mark.browser


def at(text: str, word: str, label: str = "Concept"):
    start = text.index(word)
    return entity(start, start + len(word), label)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with an admin token and no model: a review needs none."""
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("review-app")
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token=TOKEN))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


def conflict(server, queue: str, text: str, ana: list, ben: list) -> int:
    """A document of a new queue that ana and ben accepted with other entities."""
    store = server.ner_context.annotation.store()
    store.create_queue(queue, None)
    (doc,) = store.add_documents(queue, [text])
    store.save_answer(doc, "ana", "accepted", ana)
    store.save_answer(doc, "ben", "accepted", ben)
    return doc


def open_review(browser, server, queue: str, locale: str):
    """The Annotate tab with the admin token typed, ``queue`` chosen and its conflicts found."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=locale)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(server.local_url)
    page.wait_for_selector("#analyse-button")
    page.get_by_role("tab", name=re.compile("^(Annotate|Anotar)$")).click()
    page.locator("#admin-token input").fill(TOKEN)
    page.locator("#ann-queue input").click()
    page.get_by_role("option", name=re.compile("^" + re.escape(queue))).first.click()
    page.locator("#ann-review").get_by_text(re.compile("^(Review conflicts|Revisar los desacuerdos)")).click()
    page.locator("#ann-review-find").click()
    return page


def shoot(page, path: Path) -> None:
    """A picture of the review step: the «Start from» row and the editor under it."""
    page.locator("#ann-review-start").evaluate("e => e.scrollIntoView()")
    top, editor = page.locator("#ann-review-start").bounding_box(), page.locator("#ann-review-editor").bounding_box()
    x, y = editor["x"] - 12, top["y"] - 8
    page.screenshot(path=str(path), clip={"x": max(0, x), "y": max(0, y), "width": editor["width"] + 24,
                                          "height": editor["y"] + editor["height"] - y + 12})
    page.screenshot(path=str(ROOT / "tests" / "screenshots" / "review-page.png"), full_page=True)


def test_the_admin_reviews_in_the_editor_sees_what_differs_relabels_with_a_key_and_saves(browser, server):
    from playwright.sync_api import expect

    doc = conflict(server, "rq", ASMA, [at(ASMA, "asma"), at(ASMA, "enfermedad")],
                   [at(ASMA, "asma"), at(ASMA, "enfermedad", "Action"), at(ASMA, "pulmones")])
    page = open_review(browser, server, "rq", "en-US")
    editor = page.locator("#ann-review-editor .ann")
    expect(editor.locator(".ann-review-from")).to_have_text("starting from ana's answer (accepted)", timeout=20_000)
    page.locator("#ann-review-pick").get_by_text("ben", exact=True).click()  # start from ben's instead
    expect(editor.locator(".ann-review-from")).to_have_text("starting from ben's answer (accepted)", timeout=20_000)
    marks = editor.locator("mark.ent")
    expect(marks).to_have_count(3)
    differs = editor.locator("mark.ent.differs")
    assert [m.strip() for m in differs.locator(".w").all_inner_texts()] == ["enfermedad", "pulmones"]
    assert "ana: Concept · ben: Action" in differs.first.get_attribute("title")
    expect(editor.locator(".ann-review-key")).to_contain_text("differs between annotators")
    expect(editor.locator(".ann-only")).to_have_text(re.compile(r"\+ Concept: enfermedad\s*ana"))  # ana's
    shoot(page, ROOT / "docs" / "img" / "review-editor.png")

    differs.first.click()  # select ben's Action «enfermedad»
    expect(editor.locator("mark.ent.sel")).to_contain_text("enfermedad")
    page.keyboard.press("1")  # Concept, as ana said
    expect(editor.locator("mark.ent.sel .lab")).to_have_text("Concept")
    expect(editor.locator(".ann-only")).to_have_count(0)  # ana's entity is in the answer now
    page.keyboard.press("Enter")
    expect(page.locator("#ann-review-message")).to_contain_text("the merged answer saved", timeout=20_000)
    expect(page.locator("#ann-review-message")).to_contain_text("No open conflict in «rq»")
    review = server.ner_context.annotation.store().current_review(doc)
    assert review.chosen is None and review.status == "accepted"  # an edited answer: merged
    assert {(e.surface(ASMA), e.label) for e in review.entities} == {
        ("asma", "Concept"), ("enfermedad", "Concept"), ("pulmones", "Concept")}
    assert page.locator("#ann-editor .ann mark").count() == 0  # the annotation editor took none of the keys
    assert not page.errors, page.errors
    page.close()


def test_a_spanish_admin_sees_spanish_labels_and_the_review_keeps_the_canonical_ones(browser, server):
    from playwright.sync_api import expect

    doc = conflict(server, "tos", TOS, [at(TOS, "tos seca")], [at(TOS, "tos seca"), at(TOS, "empeora", "Action")])
    page = open_review(browser, server, "tos", "es-ES")
    editor = page.locator("#ann-review-editor .ann")
    expect(editor.locator(".ann-review-from")).to_have_text("partiendo de la respuesta de ana (aceptada)",
                                                            timeout=20_000)
    labels = [b.strip() for b in editor.locator(".ann-label").all_inner_texts()]
    assert labels == ["1 Concepto", "2 Acción", "3 Predicado", "4 Referencia"], labels
    expect(editor.locator("mark.ent .lab")).to_have_text(["Concepto"])
    expect(editor.locator(".ann-review-key")).to_contain_text("difiere entre anotadores")
    only = editor.locator(".ann-only")
    expect(only).to_have_text(re.compile(r"\+ Acción: empeora\s*ben"))
    only.click()  # ben's Acción «empeora», taken
    expect(editor.locator("mark.ent .lab")).to_have_text(["Concepto", "Acción"])
    editor.locator("mark.ent", has_text="tos seca").click()
    page.keyboard.press("2")  # Acción, as the button says
    expect(editor.locator("mark.ent .lab")).to_have_text(["Acción", "Acción"])
    page.keyboard.press("u")  # undone: Concepto again
    expect(editor.locator("mark.ent .lab")).to_have_text(["Concepto", "Acción"])
    editor.locator(".ann-act.accept").click()  # «Guardar la revisión»
    expect(page.locator("#ann-review-message")).to_contain_text("respuesta combinada guardada", timeout=20_000)
    review = server.ner_context.annotation.store().current_review(doc)
    assert [(e.surface(TOS), e.label) for e in review.entities] == [("tos seca", "Concept"), ("empeora", "Action")]
    assert not page.errors, page.errors
    page.close()


def test_saving_an_unchanged_answer_keeps_it_as_that_annotators_and_a_refusal_keeps_the_edits(browser, server):
    from playwright.sync_api import expect

    text = "El paciente tiene fiebre alta."
    doc = conflict(server, "fq", text, [at(text, "fiebre")], [at(text, "fiebre alta")])
    page = open_review(browser, server, "fq", "en-US")
    editor = page.locator("#ann-review-editor .ann")
    expect(editor.locator("mark.ent")).to_have_text([re.compile("^≠?fiebre")], timeout=20_000)
    page.locator("#admin-token input").fill("wrong")
    editor.locator("mark.ent").click()
    page.keyboard.press("2")  # Action
    page.keyboard.press("Enter")
    expect(editor.locator(".ann-error")).to_contain_text("token", timeout=20_000)  # refused: said in the editor
    expect(editor.locator("mark.ent .lab")).to_have_text(["Action"])  # the edit is still there
    assert server.ner_context.annotation.store().current_review(doc) is None
    page.locator("#admin-token input").fill(TOKEN)
    editor.locator("mark.ent").click()
    page.keyboard.press("u")  # back to ana's answer as it was
    expect(editor.locator("mark.ent .lab")).to_have_text(["Concept"])
    page.keyboard.press("a")
    expect(page.locator("#ann-review-message")).to_contain_text("ana's answer kept", timeout=20_000)
    review = server.ner_context.annotation.store().current_review(doc)
    assert review.chosen == "ana" and [e.surface(text) for e in review.entities] == ["fiebre"]
    assert not page.errors, page.errors
    page.close()
