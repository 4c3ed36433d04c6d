"""Refusals carry a key and values (ner/refusals.py): English for Python and scripts, Spanish for a Spanish browser."""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path
from types import SimpleNamespace

import pytest

from ner.access import AdminGate, Caller, Forbidden
from ner.annotation.intake import pasted_documents
from ner.annotation.service import AnnotationService, NotFound
from ner.files import check_upload
from ner.refusals import Keyed, Refusal
from ner.settings import Limits, Settings
from ner.ui.i18n import MESSAGES, refused

ROOT = Path(__file__).resolve().parent.parent
SPANISH = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9"})
ENGLISH = SimpleNamespace(headers={"accept-language": "en-GB,en;q=0.9"})


def _keyed_names() -> set[str]:
    """The names of the classes built as ``X(key, english, **values)`` (the subclasses of Keyed), once imported.

    One with an ``__init__`` of its own (NoSuchCheckpoint) passes its key to ``super().__init__``, scanned too.
    """
    import ner.models  # noqa: F401  (NoSuchCheckpoint, CheckpointError)

    names, todo = set(), [Keyed]
    while todo:
        cls = todo.pop()
        if cls.__init__ is Keyed.__init__:
            names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names - {"Keyed"}


def raised_refusals() -> list[tuple[str, str, str, set[str]]]:
    """Every keyed refusal written in ner/: ``(where, key, english, value names)``, read from the source with ast.

    A call of a keyed class (or a keyed class's ``super().__init__``) whose key or English is
    not a literal is reported with key ``None``, so that nothing escapes the scan.
    """
    keyed = _keyed_names()
    found = []
    for path in sorted((ROOT / "ner").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            is_super_init = (name == "__init__" and isinstance(func.value, ast.Call)
                             and getattr(func.value.func, "id", "") == "super" and node.args
                             and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith("err_"))
            if name not in keyed and not is_super_init:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            literal = (len(node.args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                   for a in node.args))
            if not literal:
                found.append((where, None, "", set()))
                continue
            found.append((where, node.args[0].value, node.args[1].value, {k.arg for k in node.keywords}))
    return found


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


# ---------------------------------------------------------------- every refusal has its Spanish text


def test_every_refusal_raised_in_ner_has_a_spanish_text_with_the_same_values():
    found = raised_refusals()
    assert len(found) > 60, found  # the scan sees the service's, the admin gate's, the limits', the checkpoints'
    assert not [where for where, key, _, _ in found if key is None], "a refusal's key or English is not a literal"
    assert {"err_annotator_missing", "err_admin_wrong", "err_upload_too_big", "err_no_queue", "err_admin_locked",
            "err_queue_too_big", "err_crf_unfinished", "err_no_such_checkpoint"} <= {key for _, key, _, _ in found}
    spanish = MESSAGES["es"]
    english_of: dict[str, str] = {}
    for where, key, english, values in found:
        assert key.startswith("err_"), where
        assert placeholders(english) == values, (where, english, values)  # every value is said in English
        assert key in spanish, f"{where}: no Spanish text for {key}"
        assert placeholders(spanish[key]) == values, (where, spanish[key], values)
        assert english_of.setdefault(key, english) == english, f"{where}: {key} with another English text"
        assert key not in MESSAGES["en"], f"{key}: the English is the library's own message"
    orphans = {k for k in spanish if k.startswith("err_")} - set(english_of)
    assert not orphans, f"Spanish texts of refusals raised nowhere: {orphans}"


def test_the_message_stays_english_and_the_key_and_values_are_kept():
    exc = Refusal("err_queue_too_big", "queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
                  queue="mía", n=20_001, limit=20_000)
    assert str(exc) == "queue 'mía' would hold 20,001 documents (the limit is 20,000)"
    assert (exc.key, exc.values) == ("err_queue_too_big", {"queue": "mía", "n": 20_001, "limit": 20_000})
    assert isinstance(exc, ValueError)
    again = pickle.loads(pickle.dumps(exc))  # a refusal may cross a process boundary
    assert (type(again), str(again), again.key, again.values) == (Refusal, str(exc), exc.key, exc.values)


def test_refused_says_the_spanish_text_to_a_spanish_browser_and_the_english_one_otherwise():
    exc = Refusal("err_queue_too_big", "queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
                  queue="mía", n=20_001, limit=20_000)
    assert refused(SPANISH, exc) == "La cola «mía» tendría 20 001 documentos (el límite es 20 000)."
    assert refused(ENGLISH, exc) == str(exc)
    assert refused(None, exc) == str(exc)
    plain = ValueError("some library message without a key")
    assert refused(SPANISH, plain) == "some library message without a key"
    unknown = Refusal("err_not_in_any_table", "said as it is: {x}", x=1)
    assert refused(SPANISH, unknown) == "said as it is: 1"


def test_user_error_and_the_admin_check_speak_spanish_to_a_spanish_browser(tmp_path):
    from ner.ui.common import user_error

    exc = Forbidden("err_admin_wrong", "wrong admin token")
    assert user_error(exc, SPANISH).message == "Token de administración incorrecto."
    assert user_error(exc, ENGLISH).message == "wrong admin token"
    assert user_error(exc).message == "wrong admin token"


# ---------------------------------------------------------------- the library's refusals carry their keys


def _service(tmp_path, **settings) -> AnnotationService:
    return AnnotationService(Settings(checkpoints=tmp_path / "checkpoints", data_dir=tmp_path / "data", **settings))


def test_loading_without_an_annotator_is_refused_with_its_key(tmp_path):
    with pytest.raises(Refusal) as caught:
        _service(tmp_path).open_queue(Caller("  "), "sample", "position", None)
    assert caught.value.key == "err_annotator_missing" and caught.value.values == {}
    assert str(caught.value) == "type your name in 'Annotator' first: answers are saved per annotator"
    assert refused(SPANISH, caught.value) == ("Escriba primero su nombre en «Anotador/a»: las respuestas se "
                                              "guardan por anotador/a.")


def test_no_queue_and_a_login_needed_are_refused_with_their_keys(tmp_path):
    service = _service(tmp_path)
    with pytest.raises(NotFound) as caught:
        service.next_item(Caller("ana"), "nowhere")
    assert isinstance(caught.value, LookupError) and caught.value.key == "err_no_queue"
    assert (str(caught.value), caught.value.values) == ("no queue named 'nowhere'", {"queue": "nowhere"})
    with pytest.raises(Refusal) as caught:
        service.next_item(Caller("ana"), "")
    assert caught.value.key == "err_load_queue"
    with pytest.raises(Forbidden) as caught:
        _service(tmp_path, public=True).open_queue(Caller("ana"), "sample", "position", None)
    assert caught.value.key == "err_login_needed"
    assert refused(SPANISH, caught.value).startswith("Para anotar hay que iniciar sesión")


def test_wrong_admin_tokens_are_refused_with_their_keys():
    gate = AdminGate("s3cret", public=True, free=1)
    with pytest.raises(Forbidden) as caught:
        gate.check("", "1.2.3.4")
    assert caught.value.key == "err_admin_token_needed"
    with pytest.raises(Forbidden) as caught:
        gate.check("wrong", "1.2.3.4")
    assert isinstance(caught.value, PermissionError)
    assert (caught.value.key, str(caught.value)) == ("err_admin_wrong", "wrong admin token")
    with pytest.raises(Forbidden) as caught:
        gate.check("s3cret", "1.2.3.4")  # locked out for a second, even with the right token
    assert caught.value.key == "err_admin_locked" and caught.value.values == {"seconds": 1}
    assert str(caught.value) == "too many wrong admin tokens: try again in 1 s"
    assert refused(SPANISH, caught.value) == ("Demasiados tokens de administración erróneos: inténtelo de nuevo "
                                              "dentro de 1 s.")
    with pytest.raises(Forbidden) as caught:
        AdminGate(None, public=True).check("anything")
    assert caught.value.key == "err_admin_off"


def test_over_the_limits_uploads_are_refused_with_their_keys(tmp_path):
    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\n" * 30_000, "big", Limits(upload_bytes=100_000))
    assert (caught.value.key, caught.value.values) == ("err_pasted_too_long", {"n": 120_000, "limit": 100_000})
    assert str(caught.value) == "the pasted text has 120,000 characters (the limit is 100,000)"
    assert refused(SPANISH, caught.value) == "El texto pegado tiene 120 000 caracteres (el límite es 100 000)."

    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\ndos\ntres\n", "big", Limits(upload_lines=2))
    assert caught.value.key == "err_pasted_too_many_lines"
    assert str(caught.value) == "the pasted text: more than 2 lines (the limit); split the file"

    long_line = "la palabra " * 10  # stripped, as every line is: 109 characters
    with pytest.raises(Refusal) as caught:
        pasted_documents("uno\n" + long_line, "big", Limits(line_chars=20))
    assert (caught.value.key, caught.value.values) == ("err_pasted_line_too_long", {"line": 2, "n": 109, "limit": 20})
    assert str(caught.value) == "the pasted text, line 2 has 109 characters; the limit is 20"
    assert refused(SPANISH, caught.value) == "El texto pegado, línea 2: tiene 109 caracteres; el límite es 20."

    upload = tmp_path / "big.txt"
    upload.write_text("x" * 2048, encoding="utf-8")
    with pytest.raises(Refusal) as caught:
        check_upload(upload, Limits(upload_bytes=1024), "mi-archivo.txt")
    assert caught.value.key == "err_upload_too_big"
    assert str(caught.value) == "mi-archivo.txt: 2,048 bytes (the limit is 1,024)"
    assert refused(SPANISH, caught.value) == "mi-archivo.txt: 2 048 bytes (el límite es 1 024)."

    service = _service(tmp_path, limits=Limits(queue_documents=2))
    new = pasted_documents("uno\ndos\ntres\n", "tres-docs")
    with pytest.raises(Refusal) as caught:
        service.open_queue(Caller("ana"), new.queue, "position", None, new=new)
    assert (caught.value.key, caught.value.values) == ("err_queue_too_big",
                                                       {"queue": "tres-docs", "n": 3, "limit": 2})


def test_a_malformed_brat_upload_in_evaluate_is_refused_in_spanish(tmp_path):
    from ner.ui.evaluate import load_uploaded

    (tmp_path / "gold.txt").write_text("El paciente tiene fiebre.\n", encoding="utf-8")
    (tmp_path / "gold.ann").write_text("T1\tConcept 18 99\tfiebre\n", encoding="utf-8")  # past the text's end
    with pytest.raises(Refusal) as caught:
        load_uploaded(tmp_path / "gold.txt")
    assert caught.value.key == "err_upload_bad_brat"
    assert str(caught.value).startswith("gold.txt: not valid BRAT: ")
    assert refused(SPANISH, caught.value).startswith("gold.txt no es un BRAT válido: ")


def test_a_text_that_is_not_utf8_is_refused_in_spanish_without_the_server_path(tmp_path):
    from ner.annotation.intake import uploaded_documents
    from ner.files import redact

    latin1 = tmp_path / "notas.txt"
    latin1.write_bytes("La tensión arterial es alta.\n".encode("latin-1"))
    with pytest.raises(Refusal) as caught:
        uploaded_documents([latin1])
    assert caught.value.key == "err_not_utf8" and caught.value.values["byte"] == len("La tensi")
    shown = redact(refused(SPANISH, caught.value))
    assert shown.startswith("notas.txt no es texto UTF-8 (el byte 8 no lo es)") and str(tmp_path) not in shown


def test_the_interfaces_own_messages_separate_thousands_as_the_reader_does():
    from ner.ui.i18n import say

    assert say(SPANISH, "text_too_long", n=120_000, limit=100_000).startswith(
        "El texto tiene 120 000 caracteres; el límite es 100 000.")
    assert say(None, "text_too_long", n=120_000, limit=100_000).startswith(
        "The text has 120,000 characters; the limit is 100,000.")
