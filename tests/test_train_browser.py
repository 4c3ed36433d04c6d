"""The Train tab in a real browser: an offline base model said plainly beside "Train the CRF instead", the CRF's
metrics however it was started, and the labelled checkpoints in the model list.

Headless Chromium through Playwright, as in ``tests/test_tabs_browser.py``; screenshots go to ``tests/screenshots/``
(``train-offline.png``, ``train-crf-instead.png``, ``train-offline-es-phone.png``). HF_HUB_OFFLINE=1
(tests/conftest.py): the pre-filled base model is not in the cache, so it cannot be trained from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ner.train import DEFAULT_BASE_MODEL
from ner.ui.app import AppConfig, build_app, launch_kwargs

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent / "screenshots"
LAPTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
# kind · the F1 of the split it was chosen on (the sample here) · its time (UTC) · its run name
LABEL = re.compile(r"crf · sample F1 \d\.\d{3} · \d{4}-\d\d-\d\d \d\d:\d\d \(crf-\d{8}-\d{6}\)")


@pytest.fixture
def server(tmp_path):
    """An app with no checkpoint yet (the no-model banner and its one-click CRF show), trained on the sample."""
    demo = build_app(AppConfig(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


def open_train_tab(browser, url: str, viewport=LAPTOP, locale="en-US", tab="Train"):
    phone = viewport["width"] < 500
    page = browser.new_page(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
    page.goto(url)
    page.wait_for_selector("#analyse-button")
    page.get_by_role("tab", name=tab).click()
    page.locator("#train-start").wait_for(timeout=10_000)
    return page


def base_box(page):
    return page.locator("#train-base textarea, #train-base input").first


def model_options(page) -> list[str]:
    """The labels the model box lists (opened, read, closed)."""
    page.locator("#model-box input").click()
    options = page.locator("#model-box [role=option]")
    options.first.wait_for(timeout=10_000)
    labels = [o.get_attribute("aria-label") or "" for o in options.all()]
    page.keyboard.press("Escape")
    return labels


def test_offline_the_train_tab_says_so_and_trains_the_crf_instead_with_one_click(browser, server):
    page = open_train_tab(browser, server.local_url)
    try:
        assert base_box(page).input_value() == DEFAULT_BASE_MODEL and not page.locator("#train-problem").is_visible()
        page.click("#train-start")
        page.locator("#train-problem").wait_for(timeout=20_000)
        said = page.locator("#train-problem-text").inner_text()
        assert said.startswith(f"Base model {DEFAULT_BASE_MODEL}: offline (HF_HUB_OFFLINE is set)"), said
        assert "the Hugging Face Hub cannot be reached" in said and "Traceback" not in said
        button = page.locator("#train-crf-instead")
        assert button.is_visible() and button.inner_text().strip() == "Train the CRF instead"
        assert server.ner_context.jobs.state.status == "idle"  # nothing started
        page.screenshot(path=str(SHOTS / "train-offline.png"))

        button.click()
        page.wait_for_function("() => document.querySelector('#train-status').innerText.includes('Done')",
                               timeout=120_000)
        assert base_box(page).input_value() == "crf" and not page.locator("#train-problem").is_visible()
        page.locator("#train-crf-note").wait_for(timeout=10_000)  # the base model is the CRF now: its settings show
        page.wait_for_function("() => document.querySelector('#train-metrics')?.innerText.includes('Reference')")
        assert "sample" in page.locator("#train-metrics").inner_text()
        page.wait_for_timeout(600)  # the bar's width transition (0.4 s)
        page.screenshot(path=str(SHOTS / "train-crf-instead.png"), full_page=True)
        (checkpoint,) = server.ner_context.models.checkpoints()
        labels = model_options(page)
        assert [x for x in labels if LABEL.fullmatch(x)] == [checkpoint.label()], labels
        assert checkpoint.name in page.locator("#train-status").inner_text()
    finally:
        page.close()


def test_the_one_click_crf_of_the_banner_shows_its_metrics_in_the_train_tab(browser, server):
    page = open_train_tab(browser, server.local_url)
    try:
        assert not page.locator("#train-metrics").is_visible()
        page.get_by_role("tab", name="Analyse").click()
        page.click("#train-crf")  # the no-model banner's button: another handler, the same job runner
        page.locator("#notice").filter(has_text="CRF trained").wait_for(timeout=120_000)
        page.get_by_role("tab", name="Train").click()
        page.wait_for_function("() => document.querySelector('#train-metrics')?.innerText.includes('Reference')",
                               timeout=30_000)
        (checkpoint,) = server.ner_context.models.checkpoints()
        assert checkpoint.name in page.locator("#train-status").inner_text()
        assert LABEL.fullmatch(checkpoint.label()) and checkpoint.label() in model_options(page)
    finally:
        page.close()


def test_offline_the_train_tab_says_so_in_spanish_on_a_phone(browser, server):
    page = open_train_tab(browser, server.local_url, PHONE, "es-ES", tab="Entrenar")
    try:
        page.click("#train-start")
        page.locator("#train-problem").wait_for(timeout=20_000)
        said = page.locator("#train-problem-text").inner_text()
        assert said.startswith(f"Modelo base {DEFAULT_BASE_MODEL}: sin conexión (HF_HUB_OFFLINE está activado), "
                              "no se puede llegar al Hugging Face Hub"), said
        assert page.locator("#train-crf-instead").inner_text().strip() == "Entrenar el CRF en su lugar"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.locator("#train-problem").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "train-offline-es-phone.png"))
    finally:
        page.close()
