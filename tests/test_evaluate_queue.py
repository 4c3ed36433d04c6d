"""The Evaluate tab's "Send these sentences to a queue": the service, the app's API, a person in headless Chromium.

A CRF trained here on the project's sample corpus plus confused copies of it (see
tests/test_evaluate_ui.py) makes errors on the sample; its error sentences go to a queue,
pre-annotated by it, once however often they are sent. The official test set never goes.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace

import pytest

from ner.access import Caller, Forbidden
from ner.annotation.service import AnnotationService
from ner.entities import Document, valid_entities
from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Settings
from tests.test_evaluate_ui import SHOTS, _choose, _confused, _evaluate, _open, _tab

USERS = (("ana", "ana-pw"), ("ben", "ben-pw"))


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    from ner import corpus
    from ner.train import TrainSettings, train

    root = tmp_path_factory.mktemp("evaluate-queue-models")
    train(TrainSettings(run_name="crf-b", base_model="crf", train_split="sample", dev_split="sample",
                        eval_splits=("sample",)), extra=[_confused(d) for d in corpus.load("sample")] * 3, root=root)
    return root


def _service(tmp_path, checkpoints, **settings) -> AnnotationService:
    from ner.models import Models

    config = Settings(checkpoints=checkpoints, data_dir=tmp_path / "data", train_split="sample", **settings)
    return AnnotationService(config, Models(config))


def _sample(n: int) -> list[Document]:
    from ner import corpus

    return [d for d in corpus.load("sample") if d.annotated][:n]


def _spans(entities) -> list[tuple]:
    return [(e.label, e.fragments) for e in entities]


# ---------------------------------------------------------------- the service


def test_sentences_go_to_a_queue_once_with_the_models_predictions_as_suggestions(tmp_path, checkpoints):
    service, ana = _service(tmp_path, checkpoints), Caller("ana")
    docs = _sample(5)
    sent = service.send_to_queue(ana, "errors crf-b", docs, "crf-b")
    assert (sent.queue, sent.added, sent.already, sent.preannotated) == ("errors-crf-b", 5, 0, 5)
    assert sent.model == "crf-b"  # its name, never a server path
    store = service.store()
    ids = store.document_ids("errors-crf-b")
    assert [store.document(i).id for i in ids] == [d.id for d in docs]  # named as in the split
    assert store.texts(ids) == [d.text for d in docs]
    model = service.models.get("crf-b")
    predicted = [sorted(valid_entities(d.text, e)) for d, e in zip(docs, model.predict([d.text for d in docs]))]
    suggestions = [store.latest_suggestion(i) for i in ids]
    assert all(s.model.endswith("/crf-b") for s in suggestions)
    assert [_spans(s.entities) for s in suggestions] == [_spans(p) for p in predicted]  # the model's, not gold
    assert any(_spans(s.entities) != _spans(sorted(d.entities)) for s, d in zip(suggestions, docs))

    again = service.send_to_queue(ana, "errors-crf-b", _sample(7), "crf-b")
    assert (again.added, again.already) == (2, 5)
    assert service.send_to_queue(ana, "errors-crf-b", _sample(7), "crf-b").added == 0
    assert len(store.document_ids("errors-crf-b")) == 7
    assert ("errors-crf-b (7)", "errors-crf-b") in service.queue_choices(ana)  # the Annotate tab's list
    first = service.open_queue(ana, "errors-crf-b", "position", "crf-b")
    assert first.text == docs[0].text and first.model == sent.model


def test_the_official_test_set_is_refused_and_nothing_is_written(tmp_path, checkpoints, real_corpus):
    from ner import corpus

    service, ana = _service(tmp_path, checkpoints), Caller("ana")
    dev, test = corpus.load("dev")[:3], corpus.load("test")[:2]
    with pytest.raises(Refusal, match="2 of these sentences belong to the official test set"):
        service.send_to_queue(ana, "leak", dev + test, "crf-b")
    assert service.store().queue("leak") is None
    assert service.send_to_queue(ana, "dev-errors", dev, "crf-b").added == 3  # dev sentences may go


def test_sending_is_checked_as_adding_texts_is(tmp_path, checkpoints):
    limits = replace(DEFAULT_LIMITS, queue_documents=4, queues_per_annotator=2)
    service = _service(tmp_path, checkpoints, public=True, users=USERS, admin_token="adm", limits=limits)
    ana, ben = Caller("ana", verified=True), Caller("ben", verified=True)
    with pytest.raises(Forbidden, match="log in first"):
        service.send_to_queue(Caller("ana"), "q", _sample(2), "crf-b")  # a name typed, not signed in
    assert service.send_to_queue(ana, "mine", _sample(2), "crf-b").added == 2
    with pytest.raises(Refusal, match="a queue named 'mine' already exists"):
        service.send_to_queue(ben, "mine", _sample(3), "crf-b")  # another annotator's queue
    assert "mine" not in {v for _, v in service.queue_choices(ben)}
    assert service.send_to_queue(Caller("boss", admin=True, verified=True), "mine", _sample(3), "crf-b").added == 1
    with pytest.raises(Refusal, match="queue 'mine' would hold 5 documents"):
        service.send_to_queue(ana, "mine", _sample(4)[:1] + _sample(6)[4:], "crf-b")
    assert service.send_to_queue(ana, "mine", _sample(3), "crf-b").added == 0  # all there: within the limit
    with pytest.raises(Refusal, match="name of a corpus queue"):
        service.send_to_queue(ana, "sample", _sample(1), "crf-b")
    service.send_to_queue(ana, "second", _sample(1), "crf-b")
    with pytest.raises(Refusal, match="you have made 2 queues"):
        service.send_to_queue(ana, "third", _sample(1), "crf-b")
    with pytest.raises(Refusal, match="name the queue"):
        service.send_to_queue(ana, "  ", _sample(1), "crf-b")
    with pytest.raises(Refusal, match="no sentences to send"):
        service.send_to_queue(ana, "mine", [], "crf-b")
    assert len(service.store().document_ids("mine")) == 3


# ---------------------------------------------------------------- the app


def _app(root, checkpoints, **settings):
    from ner.ui.app import build_app, launch_kwargs

    config = Settings(checkpoints=checkpoints, data_dir=root / "data", train_split="sample", **settings)
    demo = build_app(config)
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(config))
    return demo


@pytest.fixture(scope="module")
def server(tmp_path_factory, checkpoints):
    demo = _app(tmp_path_factory.mktemp("evaluate-queue-app"), checkpoints)
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def signed(tmp_path_factory, checkpoints):
    demo = _app(tmp_path_factory.mktemp("evaluate-queue-login"), checkpoints, public=True, users=USERS,
                admin_token="adm")
    yield demo
    demo.close()


def test_a_script_sends_a_models_errors_once_and_sees_them_in_its_queue(signed):
    from gradio_client import Client

    from ner import corpus
    from tests.logins import signed_in_client

    with pytest.raises(Exception, match="log in first"):
        Client(signed.local_url, verbose=False).predict("crf-b", "sample", "any error", "", "", "",
                                                        api_name="/send_errors_to_queue")
    client = signed_in_client(signed.local_url, "ana", "ana-pw")
    sent = client.predict("crf-b", "sample", "any error", "", "", "", api_name="/send_errors_to_queue")
    assert sent["queue"] == "errors-crf-b" and sent["added"] > 0 and sent["already"] == 0
    assert sent["model"] == "crf-b"
    again = client.predict("crf-b", "sample", "all sentences", "", "", "", api_name="/send_errors_to_queue")
    annotated = sum(d.annotated for d in corpus.load("sample"))
    assert (again["added"], again["already"]) == (annotated - sent["added"], sent["added"])
    first = client.predict("errors-crf-b", "", "", "position", "crf-b", api_name="/load_queue")
    assert first["queue"] == "errors-crf-b" and first["suggestion"] is not None
    assert first["progress"]["total"] == annotated
    with pytest.raises(Exception, match="unknown kind of error 'typo'"):
        client.predict("crf-b", "sample", "typo", "", "", "", api_name="/send_errors_to_queue")
    ben = signed_in_client(signed.local_url, "ben", "ben-pw")
    with pytest.raises(Exception, match="already exists"):
        ben.predict("crf-b", "sample", "any error", "errors-crf-b", "", "", api_name="/send_errors_to_queue")


def test_a_script_cannot_send_the_official_test_set(signed, real_corpus):
    from tests.logins import signed_in_client

    client = signed_in_client(signed.local_url, "ana", "ana-pw")
    with pytest.raises(Exception, match="belong to the official test set"):
        client.predict("crf-b", "test", "any error", "from-test", "", "", api_name="/send_errors_to_queue")
    assert signed.ner_context.annotation.store().queue("from-test") is None


# ---------------------------------------------------------------- in the browser


def _sent(page):
    return page.locator("#eval-sent")


@contextlib.contextmanager
def _visit(browser, server, locale: str, viewport: dict):
    """A page on the app (see tests/test_evaluate_ui.py's ``_open``), closed afterwards."""
    page = _open(browser, server, locale, viewport)
    try:
        yield page
    finally:
        page.close()


@pytest.mark.browser
def test_a_person_sends_every_page_of_the_filter_to_a_queue_and_opens_it(browser, server):
    from playwright.sync_api import expect

    from ner import corpus

    with _visit(browser, server, "en-US", {"width": 1400, "height": 1000}) as page:
        page.goto(server.local_url + "?annotator=ana")  # the Annotate tab's name, typed nowhere on the page
        page.wait_for_selector("#model-box")
        _tab(page, "Annotate")  # its queue list is made as it first shows
        expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("ana")
        _tab(page, "Evaluate")
        _evaluate(page, "sample", "crf-b")
        page.locator("#eval-kind label", has_text="all sentences").click()
        annotated = sum(d.annotated for d in corpus.load("sample"))
        errors = page.locator("#eval-errors")
        expect(errors.locator(".ner-page")).to_have_text(re.compile("^Page 1 of [2-9]"))  # more than one page
        name = page.locator("#eval-queue-name input, #eval-queue-name textarea").first
        expect(name).to_have_value("errors-crf-b")
        expect(page.locator("#eval-send-help")).to_contain_text("The official test set is never sent")
        page.locator("#eval-annotator input, #eval-annotator textarea").first.fill("ana")
        page.click("#eval-send-button")
        expect(_sent(page)).to_have_text(f"«errors-crf-b»: {annotated} sentences added, 0 already there. "
                                         "Suggestions by crf-b: open the queue in the Annotate tab.")
        page.click("#eval-send-button")
        expect(_sent(page)).to_contain_text(f"0 sentences added, {annotated} already there")
        page.locator("#eval-send").evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(SHOTS / "evaluate-send.png"))

        _tab(page, "Annotate")
        expect(page.locator("#ann-annotator input, #ann-annotator textarea").first).to_have_value("ana")
        _choose(page, "ann-queue", f"errors-crf-b ({annotated})")  # listed as the list opens
        page.click("#ann-load")
        expect(page.locator("#ann-editor .ann-title")).to_contain_text("errors-crf-b · sample/", timeout=30_000)
        assert page.outside == []


@pytest.mark.browser
def test_the_official_test_set_is_refused_on_the_page(browser, server, real_corpus):
    from playwright.sync_api import expect

    with _visit(browser, server, "en-US", {"width": 1400, "height": 1000}) as page:
        _tab(page, "Evaluate")
        _evaluate(page, "test", "crf-b")
        page.locator("#eval-queue-name input, #eval-queue-name textarea").first.fill("from-test")
        page.locator("#eval-annotator input, #eval-annotator textarea").first.fill("ana")
        page.click("#eval-send-button")
        expect(page.locator(".toast-body").filter(has_text="official test set").first).to_be_visible()
        assert _sent(page).inner_text().strip() == ""
        assert server.ner_context.annotation.store().queue("from-test") is None


@pytest.mark.browser
def test_on_a_phone_the_results_come_into_view_after_evaluate(browser, server):
    from playwright.sync_api import expect

    with _visit(browser, server, "es-ES", {"width": 390, "height": 844}) as page:
        _tab(page, "Evaluar")
        page.locator("#eval-button").scroll_into_view_if_needed()
        _evaluate(page, "muestra", "crf-b")
        page.wait_for_function("() => { const r = document.getElementById('eval-results').getBoundingClientRect();"
                               " return r.top >= 0 && r.top < innerHeight / 2; }", timeout=30_000)
        expect(page.locator("#eval-caption")).to_be_in_viewport()
        expect(page.locator("#eval-send-button")).to_have_text("Enviar estas frases a una cola")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sideways
        page.screenshot(path=str(SHOTS / "evaluate-es-phone-results.png"))
        page.locator("#eval-send").evaluate("e => e.scrollIntoView()")
        page.screenshot(path=str(SHOTS / "evaluate-es-phone-send.png"))
