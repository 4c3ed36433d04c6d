"""Logins in a real browser: a visitor analyses without one; ana signs in and annotates a private queue; ben,
signed in too, can't see or change it.

The app runs in public mode with ``NER_USERS`` logins (the Annotate tab's sign-in) and the real
CRF, trained on the project's sample corpus. Each person has a browser context of their own (their own cookies).
The sentences below are written for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ner.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
USERS = (("ana", "pw-ana"), ("ben", "pw-ben"))
QUEUE = "ana-privada"
TEXTS = [
    "El paciente presenta fiebre alta desde ayer por la tarde.",
    "La enfermera mide la presión arterial cada mañana.",
    "Los niños con tos deben beber mucha agua.",
]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
# From the logged-in page: POST /gradio_api/call/<api>, then read its event stream (the browser sends the cookies).
CALL_JS = """async ([api, data]) => {
    const posted = await fetch(`/gradio_api/call/${api}`, {
        method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({data}),
    });
    if (!posted.ok) return {status: posted.status, stream: await posted.text()};
    const {event_id} = await posted.json();
    const stream = await fetch(`/gradio_api/call/${api}/${event_id}`);
    return {status: stream.status, stream: await stream.text()};
}"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from ner.settings import Settings
    from ner.train import TrainSettings, train
    from ner.ui.app import build_app, launch_kwargs

    root = tmp_path_factory.mktemp("login-app")
    train(TrainSettings(base_model="crf", train_split="sample", dev_split="sample", eval_splits=("sample",)),
          root=root / "checkpoints")
    settings = Settings(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token="adm", public=True,
                        users=USERS, train_split="sample")
    demo = build_app(settings)
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    demo.store_path = root / "data" / "annotations.db"
    yield demo
    demo.close()


def _visit(browser, url: str, locale: str = "en-US", viewport=(1280, 900)):
    """A fresh context (no cookies) on ``url``: the app's page, as a visitor sees it."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale=locale)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    return context, page


def _log_in(browser, url: str, user: str):
    """A visitor who analyses a sentence (no login asked), then signs in on the Annotate tab."""
    from playwright import sync_api

    context, page = _visit(browser, url)
    page.locator("#analyse-text textarea").fill(TEXTS[0])
    page.locator("#analyse-button").click()
    sync_api.expect(page.locator("#analyse-html mark.entity").first).to_be_visible(timeout=20_000)
    page.get_by_role("tab", name="Annotate").click(timeout=20_000)
    sync_api.expect(page.locator("#ann-sign-in")).to_be_visible(timeout=20_000)
    sync_api.expect(page.locator("#sign-in-password input")).to_have_attribute("type", "password")
    sync_api.expect(_annotator_box(page)).to_have_value("")
    page.locator("#sign-in-name input").fill(user)
    page.locator("#sign-in-password input").fill(dict(USERS)[user])
    page.locator("#sign-in-button").click()
    sync_api.expect(page.locator("#ann-signed-in-as")).to_contain_text(f"Signed in as {user}", timeout=20_000)
    sync_api.expect(page.locator("#ann-sign-in")).to_be_hidden()
    return context, page


def _annotator_box(page):
    return page.locator("#ann-annotator input, #ann-annotator textarea").first


def _queue_options(page, shot: str | None = None) -> list[str]:
    """The queue dropdown's options, as the page lists them when it is opened (``shot``: a screenshot of that)."""
    from playwright import sync_api

    box = page.locator("#ann-queue input").first
    box.click()
    options = page.get_by_role("option")
    sync_api.expect(options.first).to_be_visible(timeout=10_000)
    found = [o.inner_text().strip() for o in options.all()]
    if shot:
        page.wait_for_timeout(300)  # the list's opening transition
        page.screenshot(path=str(SHOTS / shot), full_page=True)
    page.keyboard.press("Escape")
    sync_api.expect(options).to_have_count(0)
    return found


def _call(page, api: str, data: list) -> tuple[str, object]:
    """``(last event, its data)`` of an API call made by the page itself, with the page's cookies."""
    got = page.evaluate(CALL_JS, [api, data])
    assert got["status"] == 200, got
    lines = got["stream"].splitlines()
    kind = [line[len("event: "):] for line in lines if line.startswith("event: ")][-1]
    payload = [line[len("data: "):] for line in lines if line.startswith("data: ")][-1]
    return kind, json.loads(payload)


def _shown_text(page) -> str:
    return page.eval_on_selector_all("#ann-editor .ann-text .w, #ann-editor .ann-text .g",
                                     "els => els.map(e => e.textContent).join('')")


def _labelled(entities) -> set[tuple[str, tuple]]:
    return {(e.label, tuple(e.fragments)) for e in entities}


def test_login_annotate_and_a_second_user_cannot_touch_it(server):
    from playwright import sync_api

    SHOTS.mkdir(parents=True, exist_ok=True)
    store = Store(server.store_path)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        # ana logs in; the Annotator box is hers, filled by the server, and can't be edited
        ana_context, ana = _log_in(browser, server.local_url, "ana")
        sync_api.expect(_annotator_box(ana)).to_have_value("ana", timeout=20_000)
        sync_api.expect(_annotator_box(ana)).not_to_be_editable()

        # she pastes texts into a queue of her own and labels "fiebre" as a Concept
        ana.locator("#ann-add").get_by_text("Add your own texts").click()
        ana.locator("#ann-paste textarea").fill("\n".join(TEXTS))
        ana.locator("#ann-queue-name input, #ann-queue-name textarea").first.fill(QUEUE)
        ana.locator("#ann-add-button").click()
        sync_api.expect(ana.locator("#ann-editor .ann-title")).to_contain_text(QUEUE, timeout=20_000)
        assert _shown_text(ana) == TEXTS[0]
        ana.screenshot(path=str(SHOTS / "login-ana.png"), full_page=True)
        while ana.locator("#ann-editor .ann-text .x").count():  # clear the model's suggestions
            ana.locator("#ann-editor .ann-text .x").first.click()
        ana.locator("#ann-editor .ann-text > span.w", has_text="fiebre").click()
        sync_api.expect(ana.locator("#ann-editor .ann-text .pending")).to_have_count(1)
        ana.keyboard.press("1")
        sync_api.expect(ana.locator("#ann-editor mark.ent")).to_have_count(1)
        ana.keyboard.press("Enter")
        sync_api.expect(ana.locator("#ann-editor .ann-prog")).to_contain_text("1 / 3", timeout=10_000)
        assert _shown_text(ana) == TEXTS[1]
        assert QUEUE in " ".join(_queue_options(ana))

        doc = store.document_ids(QUEUE)[0]
        fiebre = TEXTS[0].index("fiebre")
        want = {("Concept", ((fiebre, fiebre + len("fiebre")),))}
        saved = store.current_answer(doc, "ana")
        assert saved is not None and saved.status == "accepted" and _labelled(saved.entities) == want
        assert [d.text for d in store.latest_answers("ana", "accepted")] == [TEXTS[0]]

        # ben, in a context of his own, logs in: his name, and no sign of ana's queue
        ben_context, ben = _log_in(browser, server.local_url, "ben")
        sync_api.expect(_annotator_box(ben)).to_have_value("ben", timeout=20_000)
        sync_api.expect(_annotator_box(ben)).not_to_be_editable()
        options = _queue_options(ben, shot="login-ben.png")  # ben's Annotate tab, his queue list open
        assert options and not any(QUEUE in o for o in options), options

        # typing the name into the dropdown doesn't get it either: it takes only listed queues
        queue_box = ben.locator("#ann-queue input").first
        queue_box.fill(QUEUE)
        sync_api.expect(ben.get_by_role("option", name=QUEUE)).to_have_count(0)
        queue_box.press("Enter")
        ben.locator("body").click(position={"x": 5, "y": 5})
        sync_api.expect(queue_box).not_to_have_value(QUEUE)

        # nor can he undo her answer through the API, as himself or by her name
        kind, data = _call(ben, "undo_answer", [QUEUE, ""])
        assert kind == "error" and "no queue named" in str(data), (kind, data)
        kind, data = _call(ben, "undo_answer", [QUEUE, "ana"])
        assert kind == "error" and "logged in as ben" in str(data), (kind, data)
        kind, data = _call(ben, "save_answer", [doc, "", "reject", [], QUEUE, "position", "", []])
        assert kind == "error" and "no queue named" in str(data), (kind, data)
        # the same call from ana's page works: the refusals above are about who is asking
        kind, data = _call(ana, "queue_progress", [QUEUE, ""])
        assert kind == "complete" and data[0]["accepted"] == 1, (kind, data)

        # ana signs out: the sign-in comes back, and the page no longer annotates as her
        ana.locator("#sign-out-button").click()
        sync_api.expect(ana.locator("#ann-sign-in")).to_be_visible(timeout=20_000)
        sync_api.expect(_annotator_box(ana)).to_have_value("")
        assert "ner-pass" not in {c["name"] for c in ana_context.cookies()}
        kind, data = _call(ana, "queue_progress", [QUEUE, ""])
        assert kind == "error" and "log in first" in str(data), (kind, data)
        ana.reload()  # and after a reload she is still signed out
        ana.get_by_role("tab", name="Annotate").click(timeout=20_000)
        sync_api.expect(ana.locator("#ann-sign-in")).to_be_visible(timeout=20_000)

        errors = ana.errors + ben.errors
        ben_context.close()
        ana_context.close()
        browser.close()

    kept = store.current_answer(doc, "ana")
    assert kept.id == saved.id and kept.status == "accepted" and _labelled(kept.entities) == want
    assert [a.status for a in store.history(doc, "ana")] == ["accepted"]
    assert store.history(doc, "ben") == []
    assert not errors, errors


def test_a_wrong_password_is_refused_and_the_sign_in_speaks_spanish(server):
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context, page = _visit(browser, server.local_url, "es-ES", (390, 844))
        page.get_by_role("tab", name="Anotar").click(timeout=20_000)
        sync_api.expect(page.get_by_text("Inicie sesión para anotar: las respuestas se guardan con su nombre."
                                         )).to_be_visible(timeout=20_000)
        sync_api.expect(page.get_by_label("Contraseña")).to_have_attribute("type", "password")
        page.locator("#sign-in-name input").fill("ana")
        page.locator("#sign-in-password input").fill("mal")
        page.locator("#sign-in-password input").press("Enter")
        sync_api.expect(page.get_by_text("nombre o contraseña incorrectos")).to_be_visible(timeout=20_000)
        sync_api.expect(page.locator("#ann-sign-in")).to_be_visible()
        assert "ner-pass" not in {c["name"] for c in context.cookies()}
        page.screenshot(path=str(SHOTS / "login-es-phone.png"))
        errors = page.errors
        browser.close()
    assert not errors, errors
