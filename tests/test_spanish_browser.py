"""A Spanish browser reads the library's refusals in Spanish (headless Chromium, locale es-ES).

The refusals come from the library as keyed exceptions (ner/refusals.py) with English
messages; the page says them from ner/ui/i18n.py's Spanish table. No model is needed: both
refusals happen before any model is asked.
"""

from __future__ import annotations

import pytest

TOKEN = "s3cret"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    root = tmp_path_factory.mktemp("spanish-app")
    demo = build_app(AppConfig(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token=TOKEN))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


def toast(page, words: str) -> str:
    found = page.locator(".toast-body").filter(has_text=words).first
    found.wait_for(timeout=20_000)
    return found.inner_text()


def test_browser_spanish_refusals_from_the_library_are_said_in_spanish(server):
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="es-ES")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.local_url)
        page.get_by_role("tab", name="Anotar").click()

        # Load with an empty «Anotador/a»: the annotation service refuses (err_annotator_missing)
        sync_api.expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("")
        page.locator("#ann-load").click()
        said = toast(page, "Anotador/a")
        assert "Escriba primero su nombre en «Anotador/a»" in said, said
        assert "type your name" not in said
        # the popup's title too (Gradio titles it by kind, in English): ner/ui/page.js retitles it
        title = page.locator(".toast-body").filter(has_text="Anotador/a").first.locator(".toast-title")
        sync_api.expect(title).to_have_text("Aviso")
        assert "Warning" not in page.locator(".toast-body").first.inner_text()
        assert page.evaluate("document.documentElement.lang") == "es"
        page.screenshot(path="tests/screenshots/spanish-refusal-popup.png")

        # Export with a wrong admin token: the admin gate refuses (err_admin_wrong)
        page.locator("#admin-token input").fill("wrong")
        page.locator("#ann-export").get_by_text("Exportar correcciones y acuerdo").click()
        page.locator("#ann-export-button").click()
        said = toast(page, "Token de administración")
        assert "Token de administración incorrecto." in said, said
        assert not any("wrong admin token" in x for x in page.locator(".toast-body").all_inner_texts())
        assert not errors, errors
        browser.close()
