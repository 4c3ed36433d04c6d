"""Refusals carry an English template and values (ner/refusals.py): English for Python and scripts, Spanish for a
Spanish browser (tests/test_messages.py checks that the catalog has every refusal).
"""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import pytest

from ner.access import AdminGate, Caller, Forbidden
from ner.annotation.intake import pasted_documents
from ner.annotation.service import AnnotationService, NotFound
from ner.files import check_upload
from ner.refusals import Refusal
from ner.settings import Limits, Settings
from ner.ui.i18n import refused

SPANISH = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9"})
ENGLISH = SimpleNamespace(headers={"accept-language": "en-GB,en;q=0.9"})


def test_the_message_stays_english_and_the_template_and_values_are_kept():
    exc = Refusal("queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
                  queue="mía", n=20_001, limit=20_000)
    assert str(exc) == "queue 'mía' would hold 20,001 documents (the limit is 20,000)"
    assert exc.english == "queue {queue!r} would hold {n:,} documents (the limit is {limit:,})"
    assert exc.values == {"queue": "mía", "n": 20_001, "limit": 20_000}
    assert isinstance(exc, ValueError)
    again = pickle.loads(pickle.dumps(exc))  # a refusal may cross a process boundary
    assert (type(again), str(again), again.english, again.values) == (Refusal, str(exc), exc.english, exc.values)
    forbidden = pickle.loads(pickle.dumps(Forbidden("wrong admin token")))
    assert isinstance(forbidden, PermissionError) and forbidden.english == "wrong admin token"


def test_refused_says_the_spanish_text_to_a_spanish_browser_and_the_english_one_otherwise():
    exc = Refusal("queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
                  queue="mía", n=20_001, limit=20_000)
    assert refused(SPANISH, exc) == "La cola «mía» tendría 20.001 documentos (el límite es 20.000)."
    assert refused(ENGLISH, exc) == str(exc)
    assert refused(None, exc) == str(exc)
    plain = ValueError("some library message without a key")
    assert refused(SPANISH, plain) == "some library message without a key"
    unknown = Refusal("not in the catalog, said as it is: {x:,}", x=1000)
    assert refused(SPANISH, unknown) == "not in the catalog, said as it is: 1,000"  # in English throughout


def test_user_error_and_the_admin_check_speak_spanish_to_a_spanish_browser(tmp_path):
    from ner.ui.common import user_error

    exc = Forbidden("wrong admin token")
    assert user_error(exc, SPANISH).message == "Token de administración incorrecto."
    assert user_error(exc, ENGLISH).message == "wrong admin token"
    assert user_error(exc).message == "wrong admin token"


# ---------------------------------------------------------------- the library's refusals carry their values


def _service(tmp_path, **settings) -> AnnotationService:
    return AnnotationService(Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", **settings))


def test_loading_without_an_annotator_is_refused_in_spanish_too(tmp_path):
    with pytest.raises(Refusal) as caught:
        _service(tmp_path).open_queue(Caller("  "), "sample", "position", None)
    assert caught.value.values == {}
    assert str(caught.value) == "type your name in 'Annotator' first: answers are saved per annotator"
    assert refused(SPANISH, caught.value) == ("Escriba primero su nombre en «Anotador/a»: las respuestas se "
                                              "guardan por anotador/a.")


def test_no_queue_and_a_login_needed_are_refused_with_their_values(tmp_path):
    service = _service(tmp_path)
    with pytest.raises(NotFound) as caught:
        service.next_item(Caller("ana"), "nowhere")
    assert isinstance(caught.value, LookupError) and caught.value.english == "no queue named {queue!r}"
    assert (str(caught.value), caught.value.values) == ("no queue named 'nowhere'", {"queue": "nowhere"})
    assert refused(SPANISH, caught.value) == "No hay ninguna cola llamada «nowhere»."
    with pytest.raises(Refusal) as caught:
        service.next_item(Caller("ana"), "")
    assert str(caught.value) == "load a queue first" and refused(SPANISH, caught.value) == "Cargue primero una cola."
    with pytest.raises(Forbidden) as caught:
        _service(tmp_path, public=True).open_queue(Caller("ana"), "sample", "position", None)
    assert str(caught.value).startswith("annotating needs a login on this public deployment")
    assert refused(SPANISH, caught.value).startswith("Para anotar hay que iniciar sesión")


def test_wrong_admin_tokens_are_refused_with_their_values():
    gate = AdminGate("s3cret", public=True, free=1)
    with pytest.raises(Forbidden) as caught:
        gate.check("", "1.2.3.4")
    assert str(caught.value) == "this needs the admin token (NER_ADMIN_TOKEN) of this deployment"
    with pytest.raises(Forbidden) as caught:
        gate.check("wrong", "1.2.3.4")
    assert isinstance(caught.value, PermissionError)
    assert (caught.value.english, str(caught.value)) == ("wrong admin token", "wrong admin token")
    with pytest.raises(Forbidden) as caught:
        gate.check("s3cret", "1.2.3.4")  # locked out for a second, even with the right token
    assert caught.value.values == {"seconds": 1}
    assert str(caught.value) == "too many wrong admin tokens: try again in 1 s"
    assert refused(SPANISH, caught.value) == ("Demasiados tokens de administración erróneos: inténtelo de nuevo "
                                              "dentro de 1 s.")
    with pytest.raises(Forbidden) as caught:
        AdminGate(None, public=True).check("anything")
    assert str(caught.value).startswith("admin actions are off on this public deployment")


def test_over_the_limits_uploads_are_refused_with_their_values(tmp_path):
    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\n" * 30_000, "big", Limits(upload_bytes=100_000))
    assert caught.value.values == {"n": 120_000, "limit": 100_000}
    assert str(caught.value) == "the pasted text has 120,000 characters (the limit is 100,000)"
    assert refused(SPANISH, caught.value) == "El texto pegado tiene 120.000 caracteres (el límite es 100.000)."

    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\ndos\ntres\n", "big", Limits(upload_lines=2))
    assert str(caught.value) == "the pasted text: more than 2 lines (the limit); split the file"

    long_line = "la palabra " * 10  # stripped, as every line is: 109 characters
    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\n" + long_line, "big", Limits(line_chars=20))
    assert caught.value.values == {"line": 2, "n": 109, "limit": 20}
    assert str(caught.value) == "the pasted text, line 2 has 109 characters; the limit is 20"
    assert refused(SPANISH, caught.value) == "El texto pegado, línea 2: tiene 109 caracteres; el límite es 20."

    upload = tmp_path / "big.txt"
    upload.write_text("x" * 2048, encoding="utf-8")
    with pytest.raises(Refusal) as caught:
        check_upload(upload, Limits(upload_bytes=1024), "mi-archivo.txt")
    assert str(caught.value) == "mi-archivo.txt: 2,048 bytes (the limit is 1,024)"
    assert refused(SPANISH, caught.value) == "mi-archivo.txt: 2.048 bytes (el límite es 1.024)."  # CLDR: 4 digits too

    service = _service(tmp_path, limits=Limits(queue_documents=2))
    new = pasted_documents("uno\ndos\ntres\n", "tres-docs")
    with pytest.raises(Refusal) as caught:
        service.open_queue(Caller("ana"), new.queue, "position", None, new=new)
    assert caught.value.values == {"queue": "tres-docs", "n": 3, "limit": 2}
    assert refused(SPANISH, caught.value) == "La cola «tres-docs» tendría 3 documentos (el límite es 2)."


def test_a_malformed_brat_upload_in_evaluate_is_refused_in_spanish(tmp_path):
    from ner.uploads import read_upload

    (tmp_path / "gold.txt").write_text("El paciente tiene fiebre.\n", encoding="utf-8")
    (tmp_path / "gold.ann").write_text("T1\tConcept 18 99\tfiebre\n", encoding="utf-8")  # past the text's end
    with pytest.raises(Refusal) as caught:
        read_upload([tmp_path / "gold.txt", tmp_path / "gold.ann"], Limits(), want="gold")
    assert str(caught.value).startswith("gold.txt: not valid BRAT: ")
    assert refused(SPANISH, caught.value).startswith("gold.txt no es un BRAT válido: ")


def test_a_text_that_is_not_utf8_is_refused_in_spanish_without_the_server_path(tmp_path):
    from ner.annotation.intake import uploaded_documents
    from ner.files import redact

    latin1 = tmp_path / "notas.txt"
    latin1.write_bytes("La tensión arterial es alta.\n".encode("latin-1"))
    with pytest.raises(Refusal) as caught:
        uploaded_documents([latin1])
    assert caught.value.values["byte"] == len("La tensi")
    shown = redact(refused(SPANISH, caught.value))
    assert shown.startswith("notas.txt no es texto UTF-8 (el byte 8 no lo es)") and str(tmp_path) not in shown


def test_the_interfaces_own_messages_separate_thousands_as_the_reader_does():
    from ner.ui.i18n import say

    assert say(SPANISH, "text_too_long", n=120_000, limit=100_000).startswith(
        "El texto tiene 120.000 caracteres; el límite es 100.000.")
    assert say(None, "text_too_long", n=120_000, limit=100_000).startswith(
        "The text has 120,000 characters; the limit is 100,000.")
