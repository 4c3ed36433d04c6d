"""The editor component on a real server: its server functions called the way the page calls them.

``POST /gradio_api/component_server`` is what ``await server.answer(call)`` sends. No model is
needed here (nothing is pre-annotated); the texts are written for these tests.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from ner.access import Caller, Passes
from ner.annotation.intake import pasted_documents
from ner.settings import Settings
from ner.ui.editor import Editor
from tests.logins import signed_in_http

TEXTS = ["Beber agua ayuda a controlar la presión arterial.", "La tos seca dura una semana."]
USERS = (("ana", "pw-ana"), ("ben", "pw-ben"))


def start(settings: Settings):
    from ner.ui.app import build_app, launch_kwargs

    demo = build_app(settings)
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    demo.editor = next(b for b in demo.blocks.values() if isinstance(b, Editor))
    return demo


def call(demo, client: httpx.Client, fn: str, data: dict, language: str = "en-US"):
    got = client.post("/gradio_api/component_server/", headers={"accept-language": language},
                      json={"data": data, "component_id": demo.editor._id, "fn_name": fn,
                            "session_hash": uuid.uuid4().hex})
    got.raise_for_status()
    return got.json()


def opened(demo, queue: str, caller: Caller) -> dict:
    """A queue of TEXTS opened by ``caller``, as the Load button gives it to the editor."""
    value = demo.ner_context.annotation.open_queue(caller, queue, "position", None,
                                                   new=pasted_documents("\n".join(TEXTS), queue))
    return demo.editor.dressed(value, None, "position", "", caller)


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor-app")
    demo = start(Settings(checkpoints=root / "c", data_dir=root / "d"))
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def with_logins(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor-login-app")
    demo = start(Settings(checkpoints=root / "c", data_dir=root / "d", public=True, users=USERS,
                          admin_token="adm"))
    yield demo
    demo.close()


def logged_in(demo, user: str) -> httpx.Client:
    return signed_in_http(demo.local_url, user, dict(USERS)[user])


def test_a_pass_names_whom_the_server_signed_it_for_and_nobody_else():
    passes = Passes()
    token = passes.issue("ana maría")
    assert passes.name(token) == "ana maría"
    body, stamp, mac = token.split(".")
    forged = Passes().issue("ben")
    for bad in (forged, f"{body}.{stamp}.{mac[::-1]}", f"{forged.split('.')[0]}.{stamp}.{mac}", body, f"{body}.",
                None, 3, "é.é", "x" * 2000):
        assert passes.name(bad) is None, bad


def test_a_pass_expires(monkeypatch):
    import time

    passes = Passes(max_age=60)
    token = passes.issue("ana")
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert passes.name(token) is None
    assert Passes(max_age=3600).name(token) is None  # another key (another process): not a pass of this one


def test_answer_saves_and_gives_the_next_item_in_the_readers_language(private):
    value = opened(private, "editor-q", Caller("eva"))
    client = httpx.Client(base_url=private.local_url.rstrip("/"), timeout=60)
    beber = {"label": "Action", "fragments": [[0, len("Beber")]]}
    presion = {"label": "Concept", "fragments": [[len("Beber agua ayuda a controlar la "), len(TEXTS[0]) - 1]]}
    sent = {"action": "accept", "doc": value["doc"], "queue": "editor-q", "annotator": "eva",
            "session": value["session"], "entities": [beber, presion]}
    got = call(private, client, "answer", sent, language="es-ES,es;q=0.9")
    assert got["text"] == TEXTS[1] and got["progress"]["done"] == 1
    assert got["strings"]["accept"] == "Aceptar" and got["session"] == {"order": "position", "model": ""}
    saved = private.ner_context.annotation.store().current_answer(value["doc"], "eva")
    start = len("Beber agua ayuda a controlar la ")
    assert saved.status == "accepted"
    assert {(e.label, e.fragments) for e in saved.entities} == {  # the fragment over a space is cut there
        ("Action", ((0, len("Beber")),)),
        ("Concept", ((start, start + len("presión")), (start + len("presión "), len(TEXTS[0]) - 1))),
    }

    back = call(private, client, "undo", {"queue": "editor-q", "annotator": "eva", "session": value["session"]})
    assert back["doc"] == value["doc"] and "undone" in back["message"] and back["strings"]["accept"] == "Accept"
    assert private.ner_context.annotation.store().current_answer(value["doc"], "eva") is None


def test_a_refused_answer_says_why_and_saves_nothing(private):
    value = opened(private, "editor-bad", Caller("eva"))
    client = httpx.Client(base_url=private.local_url.rstrip("/"), timeout=60)
    edits = [{"label": "Action", "fragments": [[0, len("Beber")]]}, {"label": "Concept", "fragments": [[0, 2]]}]
    sent = {"action": "accept", "doc": value["doc"], "queue": "editor-bad", "annotator": "eva",
            "session": value["session"], "entities": edits}
    got = call(private, client, "answer", sent)
    assert set(got) == {"error"} and "entity 2" in got["error"] and "word boundaries" in got["error"]
    assert call(private, client, "answer", {**sent, "action": "undo"}).keys() == {"error"}  # answer doesn't undo
    assert call(private, client, "answer", {**sent, "annotator": " "})["error"].startswith("type your name")
    nothing = call(private, client, "undo", {"queue": "editor-bad", "annotator": "eva", "session": {}})
    assert set(nothing) == {"message"} and "nothing to undo" in nothing["message"].lower()
    assert call(private, client, "undo", {"queue": "no-such-queue", "annotator": "eva"}) == {
        "error": "no queue named 'no-such-queue'"}
    assert call(private, client, "answer", "not an object").keys() == {"error"}
    assert private.ner_context.annotation.store().history(value["doc"], "eva") == []


def test_with_a_login_the_name_is_the_cookies_signed_pass_never_the_clients(with_logins):
    value = opened(with_logins, "ana-editor", Caller("ana", verified=True))
    assert "pass" not in value["session"]  # the name travels in the sign-in cookie, not in the value
    ana, ben = logged_in(with_logins, "ana"), logged_in(with_logins, "ben")
    url = with_logins.local_url.rstrip("/")
    forged = httpx.Client(base_url=url, timeout=60, cookies={"ner-pass": Passes().issue("ana")})
    anonymous = httpx.Client(base_url=url, timeout=60)
    sent = {"action": "reject", "doc": value["doc"], "queue": "ana-editor", "annotator": "ana",
            "session": value["session"], "entities": []}
    refusals = [
        (ben, sent, "logged in as ben"),  # ben, typing ana
        (ben, {**sent, "annotator": ""}, "no queue named"),
        (forged, sent, "log in first"),  # a pass the server did not sign names nobody
        (anonymous, sent, "log in first"),
        (anonymous, {**sent, "session": {"pass": with_logins.ner_context.passes.issue("ana")}}, "log in first"),
    ]
    for client, data, message in refusals:
        got = call(with_logins, client, "answer", data)
        assert message in got.get("error", ""), (data, got)
    undo = call(with_logins, ben, "undo", {"queue": "ana-editor", "annotator": "", "session": {}})
    assert "no queue named" in undo["error"]
    store = with_logins.ner_context.annotation.store()
    assert store.history(value["doc"]) == []

    got = call(with_logins, ana, "answer", sent)
    assert got["progress"]["done"] == 1
    assert [(a.annotator, a.status) for a in store.history(value["doc"])] == [("ana", "rejected")]


def test_sign_in_gives_a_pass_to_the_right_password_only(with_logins):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(with_logins.local_url, verbose=False)
    with pytest.raises(AppError, match="wrong name or password"):
        client.predict("ana", "nope", api_name="/sign_in")
    with pytest.raises(AppError, match="type your name and password"):
        client.predict("ana", "", api_name="/sign_in")
    got = client.predict(" ana ", dict(USERS)["ana"], api_name="/sign_in")
    assert with_logins.ner_context.passes.name(got) == "ana"


def test_wrong_passwords_lock_the_client_out_and_unknown_names_count_too(monkeypatch):
    import time

    from ner.access import Forbidden, Logins, Throttle

    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    logins = Logins(USERS, Throttle(free=2))
    assert logins.check("ben", "pw-ben", "1.2.3.4") == "ben"
    for name, password in (("ana", "pw-ben"), ("nobody", "pw-ana")):  # ben's password is not ana's
        with pytest.raises(Forbidden, match="wrong name or password"):
            logins.check(name, password, "1.2.3.4")
    with pytest.raises(Forbidden, match=r"too many wrong passwords: try again in 1 s"):
        logins.check("ana", "pw-ana", "1.2.3.4")  # even the right one, while locked out
    assert logins.check("ana", "pw-ana", "5.6.7.8") == "ana"  # another client may try
    now[0] += 1.5
    assert logins.check("ana", "pw-ana", "1.2.3.4") == "ana"


def test_the_browse_list_follows_each_answer_only_while_it_is_open(private, monkeypatch):
    """The editor's ``answered`` event lists the queue again when Browse is open; closed, it asks nothing."""
    import gradio as gr

    (relist,) = [f for f in private.fns.values() if (private.editor._id, "answered") in f.targets]
    assert "answered" in private.editor.js_on_load  # the page triggers it (ner/ui/editor.js)
    value = opened(private, "editor-browse", Caller("eva"))
    service = private.ner_context.annotation
    service.answer(Caller("eva"), value["doc"], "accept", [])
    listed = relist.fn(True, "editor-browse", "", "eva", None, None)
    assert [label for label, _ in listed.choices] == [
        f"accepted · editor-browse/1 · {TEXTS[0]}", f"to do · editor-browse/2 · {TEXTS[1]}"]
    monkeypatch.setattr(service, "items", lambda *a, **k: pytest.fail("the closed list was read"))
    assert relist.fn(False, "editor-browse", "", "eva", None, None) == gr.skip()
