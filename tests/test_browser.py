"""The app in a real browser (Debian's headless Chromium through Playwright)."""

from pathlib import Path
from urllib.parse import urlparse

import pytest

from ner.train import TrainSettings, train
from ner.ui.app import AppConfig, build_app, launch_kwargs

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoints")
    train(TrainSettings(base_model="crf", run_name="crf-sample", train_split="sample", dev_split="sample",
                        eval_splits=("sample",)), root=root)
    demo = build_app(AppConfig(checkpoints=root, data_dir=tmp_path_factory.mktemp("data"), train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.outside = []
        page.dialogs = []
        page.on("request", lambda r: urlparse(r.url).hostname not in {"127.0.0.1", "localhost"}
                and not r.url.startswith(("data:", "blob:")) and page.outside.append(r.url))
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(server.local_url)
        page.wait_for_selector("#analyse-button")
        yield page
        browser.close()


def analyse(page, text):
    box = page.locator("#analyse-text textarea")
    box.fill(text)
    page.click("#analyse-button")
    page.wait_for_function(
        "t => document.querySelector('#analyse-html') && document.querySelector('#analyse-html').innerText.includes(t)",
        arg=text.split(" ")[-1].strip("."), timeout=20_000,
    )


def test_page_loads_without_leaving_localhost(page):
    assert page.outside == []
    assert page.locator("#model-box").is_visible()


def test_analysing_a_sentence_highlights_entities(page):
    analyse(page, "La diabetes aumenta el riesgo de enfermedad cardiovascular en los adultos mayores.")
    page.wait_for_selector("#analyse-html mark.entity")
    assert page.locator("#analyse-html mark.entity").count() >= 1
    assert page.locator("#analyse-table tbody tr").count() >= 1
    page.screenshot(path=str(SHOTS / "analyse.png"), full_page=True)


def test_html_in_the_input_is_shown_not_run(page):
    analyse(page, "<img src=x onerror=alert(1)> la fiebre alta")
    page.wait_for_timeout(500)
    assert page.dialogs == []
    assert "<img src=x onerror" in page.locator("#analyse-html").inner_text()  # shown as text
    assert page.locator("#analyse-html img").count() == 0


def test_train_tab_shows_progress_for_a_tiny_model(page, tiny_base):
    page.get_by_role("tab", name="Train").click()
    page.locator("#train-base input, #train-base textarea").first.fill(str(tiny_base))
    page.locator("#train-epochs input").fill("2")
    page.locator("#train-lr input").fill("0.001")
    page.click("#train-start")
    page.wait_for_selector("#train-progress .ner-bar", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Done')",
                           timeout=120_000)
    page.wait_for_function("() => document.querySelector('#train-metrics').innerText.includes('sample')")
    assert "step" in page.locator("#train-progress").inner_text()
    page.wait_for_timeout(600)  # the bar's width transition (0.4 s)
    page.screenshot(path=str(SHOTS / "train.png"), full_page=True)


def test_evaluate_tab_shows_tables_and_errors(page):
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#eval-split label", has_text="sample").click()
    page.click("#eval-button")
    page.wait_for_function("() => document.querySelector('#eval-table')?.innerText.includes('Concept')",
                           timeout=60_000)  # the table appears once filled
    page.wait_for_selector("#eval-errors .ner-sentence", timeout=30_000)
    page.screenshot(path=str(SHOTS / "evaluate.png"), full_page=True)
    assert page.outside == []


def test_a_spanish_browser_gets_the_interface_and_messages_in_spanish(page, server):
    spanish = page.context.browser.new_page(viewport={"width": 1280, "height": 900}, locale="es-ES")
    try:
        spanish.goto(server.local_url)
        spanish.wait_for_selector("#analyse-button")
        assert spanish.get_by_role("tab", name="Anotar").count() == 1
        assert "Analizar" in spanish.locator("#analyse-button").inner_text()
        analyse(spanish, "La fiebre alta preocupa a los médicos.")
        # «1 entidad» or «3 entidades»: a plural from the catalog
        spanish.wait_for_function("() => document.querySelector('#analyse-info').innerText.includes('entidad')")
        assert "Ejemplos" in spanish.locator("body").inner_text()
        spanish.get_by_role("tab", name="Anotar").click()  # the editor's own words come with its value
        spanish.wait_for_function("() => document.querySelector('#ann-editor .ann-empty')"
                                  " && document.querySelector('#ann-editor .ann-empty').innerText.includes('Cargue')")
    finally:
        spanish.close()


def _annotator(page):
    return page.locator("#ann-annotator input, #ann-annotator textarea").first


def test_the_annotator_name_is_kept_in_the_browser_across_reloads(page, server):
    from playwright.sync_api import expect

    fresh = page.context.browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        fresh.goto(server.local_url)
        fresh.get_by_role("tab", name="Annotate").click()
        expect(fresh.locator("#ann-editor .ann-empty")).to_contain_text("Load a queue", timeout=20_000)
        _annotator(fresh).fill("zoe")
        _annotator(fresh).press("Tab")
        fresh.wait_for_timeout(1_000)  # the change event stores the name in the browser
        fresh.reload()
        fresh.get_by_role("tab", name="Annotate").click()
        expect(_annotator(fresh)).to_have_value("zoe", timeout=20_000)
        fresh.goto(server.local_url + "?annotator=yago")  # a link's name wins over the kept one
        fresh.get_by_role("tab", name="Annotate").click()
        expect(_annotator(fresh)).to_have_value("yago", timeout=20_000)
    finally:
        fresh.close()


def test_shift_click_extends_from_the_last_word_and_a_refused_answer_keeps_the_edits(page, server):
    from playwright.sync_api import expect

    from ner.access import Caller

    text = "El dolor 😖 de cabeza y de espalda empeora por la noche."  # offsets are code points, not UTF-16
    fresh = page.context.browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
    fresh.errors = []
    fresh.on("pageerror", lambda e: fresh.errors.append(str(e)))
    try:
        fresh.goto(server.local_url + "?annotator=lia")
        fresh.get_by_role("tab", name="Annotate").click()
        expect(_annotator(fresh)).to_have_value("lia", timeout=20_000)
        fresh.locator("#ann-add").get_by_text("Add your own texts").click()
        fresh.locator("#ann-paste textarea").fill(text)
        fresh.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill("shifted")
        fresh.locator("#ann-add-button").click()
        expect(fresh.locator("#ann-editor .ann-title")).to_contain_text("shifted", timeout=20_000)
        while fresh.locator("#ann-editor .ann-text .x").count():  # clear the model's suggestions
            fresh.locator("#ann-editor .ann-text .x").first.click()
        shown = fresh.eval_on_selector_all("#ann-editor .ann-text .w, #ann-editor .ann-text .g",
                                           "els => els.map(e => e.textContent).join('')")
        assert shown == text
        word = fresh.locator("#ann-editor .ann-text > span.w")
        word.filter(has_text="cabeza").click()
        word.filter(has_text="espalda").click(modifiers=["Shift"])  # from "cabeza", not from the start
        expect(fresh.locator("#ann-editor .ann-hint")).to_contain_text("“cabeza y de espalda”")
        fresh.keyboard.press("1")
        expect(fresh.locator("#ann-editor mark.ent")).to_have_count(1)
        assert fresh.locator("#ann-editor mark.ent").inner_text().startswith("cabeza y de espalda")
        word.filter(has_text="noche").click(modifiers=["Shift"])  # again from the last word clicked
        expect(fresh.locator("#ann-editor .ann-hint")).to_contain_text("“cabeza y de espalda empeora por la noche”")
        fresh.keyboard.press("Escape")

        server.ner_context.annotation.delete_queue(Caller(admin=True), "shifted")  # gone while lia works
        fresh.keyboard.press("Enter")
        expect(fresh.locator("#ann-editor .ann-error")).to_contain_text("no queue named", timeout=10_000)
        expect(fresh.locator("#ann-editor mark.ent")).to_have_count(1)  # her edit is still there
        assert not fresh.errors, fresh.errors
    finally:
        fresh.close()
