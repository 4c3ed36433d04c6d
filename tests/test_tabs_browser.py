"""The Analyse and Train tabs and the no-model banner in a real browser, on a laptop and on a phone.

Headless Chromium through Playwright, as in ``tests/test_browser.py``; screenshots go to
``tests/screenshots/`` (``analyse-laptop.png``, ``analyse-es-phone.png``, ``train-crf.png``; the README's
are copies of them in ``.github/screenshots/``).
"""

import re
from pathlib import Path

import pytest

from ner.train import TrainSettings, train
from ner.ui.app import AppConfig, build_app, launch_kwargs

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"
LAPTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
SENTENCE = "La diabetes aumenta el riesgo de enfermedad cardiovascular en los adultos mayores."


def launch(root: Path, data: Path):
    demo = build_app(AppConfig(checkpoints=root, data_dir=data, train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    return demo


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoints")
    train(TrainSettings(base_model="crf", run_name="crf-sample", train_split="sample", dev_split="sample",
                        eval_splits=("sample",)), root=root)
    demo = launch(root, tmp_path_factory.mktemp("data"))
    yield demo
    demo.close()


def open_page(browser, url: str, viewport=LAPTOP, locale="en-US"):
    phone = viewport["width"] < 500
    page = browser.new_page(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
    page.goto(url)
    page.wait_for_selector("#analyse-button")
    return page


def in_view(page, selector: str) -> dict:
    """Where an element is on the screen: its top and bottom, and the window's height and scroll."""
    return page.eval_on_selector(selector, """e => { const r = e.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, height: window.innerHeight, scrolled: window.scrollY}; }""")


def sideways_scroll(page, selector: str) -> list[str]:
    """Shown elements under ``selector`` whose content is wider than they are (a horizontal scroll bar).

    The table's hidden sizing row (``aria-hidden``, ``visibility: hidden``) only measures columns: it is skipped.
    """
    return page.eval_on_selector(selector, """root => [root, ...root.querySelectorAll('*')].filter(e =>
        e.checkVisibility({visibilityProperty: true}) && !e.closest('[aria-hidden=true]')
        && getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1
    ).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)""")


def text_of(page, selector: str) -> str:
    """The element's text as written (``innerText`` would apply displaCy's CSS upper-casing)."""
    return page.eval_on_selector(selector, "e => e.textContent")


def wait_for_toast(page, words: str) -> str:
    toast = page.locator(".toast-body").filter(has_text=words).first
    toast.wait_for(timeout=20_000)
    return toast.inner_text()


# ---------------------------------------------------------------- Analyse


def test_ctrl_enter_analyses_and_the_results_fit_a_laptop_screen(browser, server):
    page = open_page(browser, server.local_url)
    try:
        box = page.locator("#analyse-text textarea")
        box.fill(SENTENCE)
        box.press("Control+Enter")
        page.wait_for_selector("#analyse-html mark.entity", timeout=20_000)
        page.wait_for_selector("#analyse-table [data-testid='cell-0-0']", timeout=20_000)
        assert page.evaluate("window.scrollY") == 0  # nothing to scroll to: the results are on the first screen
        for part in ("#analyse-html", "#analyse-table"):
            where = in_view(page, part)
            assert 0 <= where["top"] and where["bottom"] <= where["height"], (part, where)
        assert not page.locator("#analyse-brat").is_visible()  # no empty BRAT box before a file is analysed
        headers = page.locator("#analyse-table [role=columnheader]").all_inner_texts()
        assert [h.strip() for h in headers] == ["Text", "Label", "Characters", "Confidence"]
        confidences = page.locator("#analyse-table [data-col='3']").all_inner_texts()
        assert confidences and all(re.fullmatch(r"\d{1,3}%", c.strip()) for c in confidences), confidences
        assert "= confidence < 60%" in page.locator("#analyse-html .ner-legend").inner_text()
        page.screenshot(path=str(SHOTS / "analyse-laptop.png"))
    finally:
        page.close()


def test_on_a_spanish_phone_the_results_come_into_view_in_spanish_and_the_table_fits(browser, server):
    page = open_page(browser, server.local_url, PHONE, "es-ES")
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.locator("#analyse-text textarea").fill(SENTENCE)
        page.locator("#analyse-button").tap()
        page.wait_for_selector("#analyse-table [data-testid='cell-0-0']", timeout=20_000)
        page.wait_for_timeout(300)  # the scroll that brings the results up
        where = in_view(page, "#analyse-html")
        assert where["scrolled"] > 0 and 0 <= where["top"] < where["height"] / 2, where
        shown = text_of(page, "#analyse-html")
        assert "Concepto" in shown and "Concept " not in shown
        assert "= confianza < 60 %" in page.locator("#analyse-html .ner-legend").inner_text()
        headers = [h.strip() for h in page.locator("#analyse-table [role=columnheader]").all_inner_texts()]
        assert headers == ["Texto", "Etiqueta", "Confianza"]  # a phone gets no "Characters" column
        labels = {x.strip() for x in page.locator("#analyse-table [data-col='1']").all_inner_texts()}
        assert labels and labels <= {"Concepto", "Acción", "Predicado", "Referencia"}
        confidences = page.locator("#analyse-table [data-col='2']").all_inner_texts()
        assert all(re.fullmatch(r"\d{1,3} %", c.strip()) for c in confidences), confidences
        assert sideways_scroll(page, "#analyse-table") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert "entidades" in page.locator("#analyse-info").inner_text()
        page.screenshot(path=str(SHOTS / "analyse-es-phone.png"))
    finally:
        page.close()


def test_a_txt_file_says_what_it_found_and_bad_files_get_a_clear_message(browser, server, tmp_path):
    from playwright.sync_api import expect

    good = tmp_path / "notas.txt"
    good.write_text("La fiebre alta preocupa a los médicos.\n\nEl asma se trata con un inhalador.\n", encoding="utf-8")
    empty = tmp_path / "vacio.txt"
    empty.write_text("\n \n", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("La diabetes aumenta el riesgo de infarto de miocardio en la población.".encode("latin-1"))
    page = open_page(browser, server.local_url)
    try:
        assert not page.locator("#analyse-upload").is_visible()  # in the closed accordion, below the results
        page.locator("#analyse-file").get_by_text("Analyse a .txt file").click()
        page.locator("#analyse-upload input[type=file]").set_input_files(str(good))
        page.wait_for_function("() => document.querySelector('#analyse-file-info').innerText.includes('lines')",
                               timeout=30_000)
        found = page.locator("#analyse-file-info").inner_text()
        assert re.search(r"notas\.txt: 3 lines, (1 entity|[2-9]\d* entities|[1-9]\d+ entities)\.", found), found
        assert page.locator("#analyse-brat").is_visible()
        assert "notas-predictions.zip" in page.locator("#analyse-brat a").first.get_attribute("href")

        page.locator("#analyse-upload button[aria-label='Clear']").click()  # as a person swaps files
        expect(page.locator("#analyse-brat")).to_be_hidden()
        page.locator("#analyse-upload input[type=file]").set_input_files(str(empty))
        message = wait_for_toast(page, "has no text")
        assert "vacio.txt" in message and "/" not in message.replace("one document per line", "")
        page.locator("#analyse-upload button[aria-label='Clear']").click()
        page.locator("#analyse-upload input[type=file]").set_input_files(str(latin1))
        message = wait_for_toast(page, "not UTF-8")
        assert "latin1.txt" in message and "save it as UTF-8" in message and "/tmp" not in message
    finally:
        page.close()


def test_a_mistyped_checkpoint_lists_the_available_ones(browser, server):
    page = open_page(browser, server.local_url)
    try:
        model = page.locator("#model-box input")
        model.fill("crf-sampel")
        model.press("Enter")
        page.locator("#analyse-text textarea").fill(SENTENCE)
        page.click("#analyse-button")
        message = wait_for_toast(page, "no such checkpoint")
        assert "crf-sampel" in message and re.search(r"Available: [^.]*crf-sample", message), message
        assert "huggingface.co" not in message and "connect" not in message
    finally:
        page.close()


# ---------------------------------------------------------------- Train


def test_the_crf_hides_the_transformer_settings_and_reports_iterations_and_corrections(browser, server):
    page = open_page(browser, server.local_url)
    try:
        page.get_by_role("tab", name="Train").click()
        base = page.locator("#train-base textarea, #train-base input").first
        assert page.locator("#train-epochs").is_visible() and page.locator("#train-curves").is_visible()
        base.fill("CRF")  # any case, as the trainer reads it
        page.locator("#train-crf-note").wait_for(timeout=10_000)
        for part in ("#train-epochs", "#train-lr", "#train-curves", "#train-gpu"):
            assert not page.locator(part).is_visible(), part
        base.fill("PlanTL-GOB-ES/roberta-base-biomedical-es")  # a transformer again: its settings come back
        page.locator("#train-epochs").wait_for(timeout=10_000)
        assert page.locator("#train-curves").is_visible() and not page.locator("#train-crf-note").is_visible()
        base.fill("crf")
        page.locator("#train-crf-note").wait_for(timeout=10_000)

        page.locator("#train-corrections input").check()
        page.click("#train-start")
        page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Done')",
                               timeout=120_000)
        progress = page.locator("#train-progress").inner_text()
        assert re.search(r"CRF: iteration \d+ of \d+ · [\d.]+ s", progress), progress
        assert "epoch" not in progress and "step" not in progress
        assert "No corrections were included." in page.locator("#train-status").inner_text()
        page.wait_for_function("() => document.querySelector('#train-metrics').innerText.includes('Reference')")
        page.wait_for_timeout(600)  # the bar's width transition (0.4 s)
        page.screenshot(path=str(SHOTS / "train-crf.png"), full_page=True)
    finally:
        page.close()


def test_the_train_tab_speaks_spanish(browser, server):
    page = open_page(browser, server.local_url, locale="es-ES")
    try:
        page.get_by_role("tab", name="Entrenar").click()
        # the page-load event says it in Spanish (the value built with the page is English, for a moment)
        page.wait_for_function("() => /Sin GPU|en uso/.test(document.querySelector('#train-gpu').innerText)",
                               timeout=20_000)
        gpu = page.locator("#train-gpu").inner_text()
        assert "Sin GPU: se entrena en la CPU." in gpu or "en uso" in gpu, gpu
        assert page.locator("#train-lr input").input_value() == "5e-5"  # not 0.00005, with an English point
        page.locator("#train-base textarea, #train-base input").first.fill("crf")
        page.locator("#train-crf-note").wait_for(timeout=10_000)
        assert "en segundos" in page.locator("#train-crf-note").inner_text()
        page.click("#train-start")
        page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Hecho')",
                               timeout=120_000)
        assert re.search(r"CRF: iteración \d+ de \d+ · [\d,]+ s", page.locator("#train-progress").inner_text())
        assert "No se incluyó ninguna corrección." in page.locator("#train-status").inner_text()
        page.wait_for_function("() => document.querySelector('#train-metrics').innerText.includes('Referencia')")
        headers = [h.strip() for h in page.locator("#train-metrics [role=columnheader]").all_inner_texts()]
        assert headers[:2] == ["partición", "tipo"] and "F1 estricta" in headers
    finally:
        page.close()


# ---------------------------------------------------------------- the no-model banner


def test_the_banner_offers_the_corpus_download_only_while_the_corpus_is_missing(browser, tmp_path, monkeypatch):
    demo = launch(tmp_path / "no-checkpoints", tmp_path / "data")
    try:
        page = open_page(browser, demo.local_url)
        page.locator("#no-model").wait_for(timeout=20_000)
        from ner.corpus import corpus_available

        if corpus_available():  # the corpus is here (tests/conftest.py): only the CRF button
            assert page.locator("#train-crf").is_visible() and not page.locator("#download-corpus").is_visible()
        monkeypatch.setenv("NER_CORPUS_DIR", str(tmp_path / "nowhere"))
        page.reload()
        page.locator("#download-corpus").wait_for(timeout=20_000)
        assert "download the eHealth-KD corpus first" in page.locator("#no-model-text").inner_text()
        page.locator("#analyse-text textarea").fill(SENTENCE)
        page.click("#analyse-button")
        assert "no model yet" in wait_for_toast(page, "no model yet")
        page.wait_for_timeout(1_000)  # the popup says it; no output is marked with an error badge
        assert page.locator("#analyse-results .error, #analyse-results [data-testid=status-tracker].error").count() == 0
        page.close()
    finally:
        demo.close()
