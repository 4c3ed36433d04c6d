"""Live suggestions in a real browser: the retraining is shown while it runs, and its result is announced.

The app suggests with the real CRF trained on the sample corpus and retrains a live version
every 2 corrections (``NER_LIVE_EVERY=2``); the retraining is held until the test has looked
at the page (the real training, started late), so that what it shows is deterministic.
Screenshot: ``tests/screenshots/live-notice.png`` (the README's copy in ``.github/screenshots/``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent / "screenshots"
TEXTS = [
    "El paciente con asma usa un inhalador cada mañana.",
    "La fiebre alta puede indicar una infección grave.",
    "Beber agua ayuda a controlar la presión arterial.",
    "El médico receta antibióticos para la infección.",
    "La diabetes aumenta el riesgo de enfermedad renal.",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner.settings import Settings
    from ner.train import TrainSettings, train
    from ner.ui.app import build_app, launch_kwargs

    root = tmp_path_factory.mktemp("live-browser")
    train(TrainSettings(base_model="crf", run_name="crf-live", train_split="sample", eval_splits=()),
          root=root / "checkpoints")
    settings = Settings(checkpoints=root / "checkpoints", data_dir=root / "data", train_split="sample",
                        live_every=2, live_queue_seconds=0)
    demo = build_app(settings)
    live = demo.ner_context.annotation.live
    demo.gate, real = threading.Event(), live._train
    live._train = lambda docs: (demo.gate.wait(120), real(docs))[1]
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    yield demo
    demo.gate.set()
    demo.close()


def _correct_and_accept(page):
    """Label the first word no entity covers as a Concept (1), then accept (Enter), as a person does."""
    from playwright import sync_api

    free = page.locator("#ann-editor .ann-text > span.w")
    word = next(free.nth(i) for i in range(free.count()) if free.nth(i).inner_text().isalpha())
    word.click()
    sync_api.expect(page.locator("#ann-editor .ann-text .pending")).to_have_count(1)
    before = page.locator("#ann-editor .ann-title").inner_text()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    sync_api.expect(page.locator("#ann-editor .ann-title")).not_to_have_text(before, timeout=20_000)


def test_the_retraining_shows_and_its_new_version_is_announced(server, browser):
    from playwright import sync_api

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.local_url + "?annotator=eva")
    page.get_by_role("tab", name="Annotate").click(timeout=20_000)
    sync_api.expect(page.locator("#ann-annotator input").first).to_have_value("eva", timeout=20_000)
    page.locator("#ann-add").get_by_text("Add your own texts").click()
    page.locator("#ann-paste textarea").fill("\n".join(TEXTS))
    page.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill("live-b")
    page.locator("#ann-add-button").click()
    sync_api.expect(page.locator("#ann-editor .ann-title")).to_contain_text("live-b", timeout=20_000)
    model = page.locator("#ann-editor .ann-model")
    sync_api.expect(model).to_contain_text("crf-live")
    assert page.locator("#ann-editor .ann-retraining").count() == 0

    _correct_and_accept(page)
    _correct_and_accept(page)  # the second correction starts a retraining
    sync_api.expect(page.locator("#ann-editor .ann-retraining")).to_have_text("retraining on 2 answers…",
                                                                               timeout=20_000)
    assert page.locator("#ann-editor .ann-notice").count() == 0
    page.locator("#ann-editor .ann-head").screenshot(path=str(SHOTS / "live-retraining.png"))
    server.gate.set()
    assert server.ner_context.annotation.live.wait("live-b", timeout=120).version == 1

    page.keyboard.press("s")  # the next item comes from the new version, and the page says so
    notice = page.locator("#ann-editor .ann-notice")
    sync_api.expect(notice).to_have_text(
        "Suggestions updated: crf-live+live1, trained on 2 answers of this queue, suggests from now on.",
        timeout=20_000)
    sync_api.expect(model).to_contain_text("crf-live+live1")
    assert page.locator("#ann-editor .ann-retraining").count() == 0
    page.locator("#ann-editor").screenshot(path=str(SHOTS / "live-notice.png"))
    page.keyboard.press("s")
    sync_api.expect(notice).to_have_count(0, timeout=20_000)  # said once
    page.close()
    assert not errors, errors
