"""The message catalog (ner/messages.py, ner/locale/es/LC_MESSAGES/ner.po): every template and key the code says is in
it, in Spanish, with the same placeholders; nothing in it is unused; numbers and plurals follow the locale."""

from __future__ import annotations

import ast
import copy
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_python

from ner import messages
from ner.messages import catalog, compiled, format_number, keys, say, translate
from ner.refusals import Keyed

ROOT = Path(__file__).resolve().parent.parent
NER = ROOT / "ner"
SAYERS = {"t": 0, "say": 1, "say_in": 1, "known": 0}  # the UI's lookups by key (ner/ui/i18n.py): the key's position


def keyed_names() -> set[str]:
    """The classes built as ``X(english, **values)`` (the subclasses of Keyed, once imported), and ``N_``.

    One with an ``__init__`` of its own (NoSuchCheckpoint) marks its template with ``N_``.
    """
    import ner.models  # noqa: F401  (NoSuchCheckpoint, CheckpointError)
    import ner.ui.app  # noqa: F401  (every tab)

    names, todo = set(), [Keyed]
    while todo:
        cls = todo.pop()
        if cls.__init__ is Keyed.__init__:
            names.add(cls.__name__)
        todo += cls.__subclasses__()
    return (names - {"Keyed"}) | {"N_"}


def templates() -> dict[str, str]:
    """Every translatable template written in ner/ (Babel's extractor), with where it is first raised."""
    keywords = {name: None for name in keyed_names()}
    found: dict[str, str] = {}
    for filename, lineno, message, _, context in extract_from_dir(NER, [("**.py", "python")], keywords=keywords):
        assert context is None and isinstance(message, str), (filename, lineno, message)
        found.setdefault(message, f"ner/{filename}:{lineno}")
    return found


# where a keyed class is raised with a template passed in: each template it gets is an N_() literal (extracted)
RELAYS = {"ner/annotation/policy.py:" + str(next(i for i, line in enumerate(
    (NER / "annotation" / "policy.py").read_text(encoding="utf-8").splitlines(), start=1)
    if "raise Forbidden(refusal)" in line))}


def relayed() -> list[str]:
    """The templates ner/annotation/policy.py marks with N_() for its relayed refusal."""
    tree = ast.parse((NER / "annotation" / "policy.py").read_text(encoding="utf-8"))
    return [n.args[0].value for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "N_"]


def not_literal() -> list[str]:
    """Where a keyed class is built from something else than a literal template (Babel's raw results)."""
    names = keyed_names()
    out = []
    for path in sorted(NER.rglob("*.py")):
        with open(path, "rb") as f:
            for lineno, funcname, found, _ in extract_python(f, names, [], {}):
                first = found[0] if isinstance(found, tuple) else found
                where = f"{path.relative_to(ROOT)}:{lineno}"
                if first is None and where not in RELAYS:
                    out.append(f"{where}: {funcname}(...)")
    return out


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _strings(node: ast.AST) -> tuple[set[str], set[str]]:
    """A key argument's possible keys and key families (``f"eval_title_{mark}"``, ``"ann_status_" + state``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        a, b = _strings(node.body), _strings(node.orelse)
        return a[0] | b[0], a[1] | b[1]
    head = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else (
        node.left if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) else None)
    if isinstance(head, ast.Constant) and isinstance(head.value, str) and head.value:
        return set(), {head.value}
    return set(), set()


def used_keys() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str, str]], list[tuple[str, str]]]:
    """What ner/ looks up by key, read with ast: ``(keys, families, translate calls, counted keys)``.

    Keys and families (a key's literal head) map to where they are used; a translate call with a
    literal English and context gives ``(where, english, context)``; a counted key ``(where, key)``
    is said with an ``n``. A service's ``Said("ann_msg_queue", {...})`` counts as a lookup too.
    """
    exact, families, translated, counted = {}, {}, [], []
    for path in sorted(NER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            arg = None
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                ours = not (isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "messages")
                if name in SAYERS and ours and len(node.args) > SAYERS[name]:
                    arg = node.args[SAYERS[name]]
                    if any(k.arg == "n" for k in node.keywords):
                        counted += [(where, k) for k in _strings(arg)[0]]
                elif name == "translate":
                    context = node.args[2] if len(node.args) > 2 else next(
                        (k.value for k in node.keywords if k.arg == "context"), None)
                    if context is not None:
                        arg = context
                        english = node.args[1] if len(node.args) > 1 else None
                        if isinstance(english, ast.Constant) and isinstance(context, ast.Constant):
                            translated.append((where, english.value, context.value))
                elif name == "Said" and node.args:  # a message a service says (ner.messages.Said(key, values))
                    arg = node.args[0]
                    values = node.args[1] if len(node.args) > 1 else None
                    if isinstance(values, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "n"
                                                            for k in values.keys):
                        counted += [(where, k) for k in _strings(arg)[0]]
            if arg is not None:
                keys_here, heads = _strings(arg)
                for k in keys_here:
                    exact.setdefault(k, where)
                for h in heads:
                    families.setdefault(h, where)
    from ner.ui.evaluate import ERROR_KINDS
    from ner.ui.i18n import EDITOR_PREFIX

    families.setdefault(EDITOR_PREFIX, "ner/ui/i18n.py editor_strings")
    for key in ERROR_KINDS.values():  # the error filter's choices, t(key) of a table
        exact.setdefault(key, "ner/ui/evaluate.py ERROR_KINDS")
    return exact, families, translated, counted


def problems(cat, found_templates: dict[str, str], used: tuple) -> list[str]:
    """What is wrong with ``cat`` for this code: missing, untranslated, fuzzy, mismatched or unused entries."""
    exact, families, translated, counted = used
    out = []
    by_key = {m.context: m for m in cat if m.context is not None}
    plain = {m.id for m in cat if m.id and m.context is None}
    for message in cat:
        if not message.id:
            continue  # the header
        name = message.context or repr(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            out.append(f"{name}: fuzzy")
        if not all(strings) or len(strings) != (cat.num_plurals if len(ids) > 1 else 1):
            out.append(f"{name}: no {cat.locale} text (or not every plural form)")
        for text in (*ids, *strings):
            if text and placeholders(text) != placeholders(ids[0]):
                out.append(f"{name}: {text!r} has other placeholders than {ids[0]!r}")
        if message.context is None and message.id not in found_templates:
            out.append(f"{name}: raised nowhere in ner/ (obsolete)")
        if message.context is not None and message.context not in exact and not any(
                message.context.startswith(h) for h in families):
            out.append(f"{name}: looked up nowhere in ner/ (obsolete)")
    for template, where in found_templates.items():
        if template not in plain:
            out.append(f"{where}: no {cat.locale} text for {template!r}")
    for key, where in exact.items():
        if key not in by_key:
            out.append(f"{where}: no key {key!r} in the catalog")
    for head, where in families.items():
        if not any(k.startswith(head) for k in by_key):
            out.append(f"{where}: no key starting {head!r} in the catalog")
    for where, english, context in translated:
        if context in by_key and by_key[context].id != english:
            out.append(f"{where}: {english!r} is not the English of {context!r}: {by_key[context].id!r}")
    for where, key in counted:
        if key in by_key and not isinstance(by_key[key].id, tuple) and "n" not in placeholders(by_key[key].id):
            out.append(f"{where}: {key!r} is said with a count n but has no plural nor {{n}}")
    return out


@pytest.fixture(scope="module")
def found():
    return templates(), used_keys()


# ---------------------------------------------------------------- the catalog matches the code


def test_every_template_and_key_of_the_code_is_in_the_spanish_catalog_and_nothing_else(found):
    found_templates, used = found
    assert not not_literal(), "a keyed refusal's template is not a literal"
    assert len(found_templates) > 80, found_templates  # the scan sees the service's, the gate's, the limits', ...
    assert {"wrong admin token", "queue {queue!r} would hold {n:,} documents (the limit is {limit:,})",
            "a CRF loads only from a finished checkpoint of this app"} <= set(found_templates)
    assert any(t.startswith("no such checkpoint: {model}") for t in found_templates)  # NoSuchCheckpoint's, by N_
    assert {"subtitle", "analysed", "rev_entities", "ann_msg_queue", "legend_label"} <= set(used[0])
    assert {"eval_title_", "ann_status_", "status_", "label_", "editor."} <= set(used[1])
    assert problems(catalog("es"), found_templates, used) == []


def test_every_refusal_names_each_of_its_values_by_keyword():
    names = keyed_names()
    for path in sorted(NER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if not isinstance(node, ast.Call) or name not in names - {"N_"} or not node.args:
                continue
            template = node.args[0]
            if isinstance(template, ast.Call) and getattr(template.func, "id", "") == "N_":
                template = template.args[0]
            if f"{path.relative_to(ROOT)}:{node.lineno}" in RELAYS:  # its templates take no value
                assert not node.keywords and all(not placeholders(t) for t in relayed())
                continue
            assert isinstance(template, ast.Constant), f"{path}:{node.lineno}"
            values = {k.arg for k in node.keywords}
            assert placeholders(template.value) == values, (f"{path}:{node.lineno}", template.value, values)
    init = ast.parse((NER / "models.py").read_text(encoding="utf-8"))  # NoSuchCheckpoint: super().__init__(N_(...))
    calls = [n for n in ast.walk(init) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "__init__"
             and n.args and isinstance(n.args[0], ast.Call) and getattr(n.args[0].func, "id", "") == "N_"]
    assert [placeholders(c.args[0].args[0].value) == {k.arg for k in c.keywords} for c in calls] == [True]


def test_a_refusal_without_its_spanish_text_fails_the_check_and_is_said_in_english(found):
    found_templates, used = found
    template = "queue {queue!r} would hold {n:,} documents (the limit is {limit:,})"
    without = copy.deepcopy(catalog("es"))
    del without[template]
    assert problems(without, found_templates, used) == [
        f"{found_templates[template]}: no es text for {template!r}"]
    assert compiled(without).gettext(template) is None and compiled(catalog("es")).gettext(template) is not None

    empty, fuzzy, other = copy.deepcopy(catalog("es")), copy.deepcopy(catalog("es")), copy.deepcopy(catalog("es"))
    empty[template].string = ""
    assert problems(empty, found_templates, used) == [f"{template!r}: no es text (or not every plural form)"]
    fuzzy[template].flags.add("fuzzy")
    assert problems(fuzzy, found_templates, used) == [f"{template!r}: fuzzy"]
    assert compiled(fuzzy).gettext(template) is None  # a fuzzy entry is never said
    other[template].string = "La cola {cola} tendría {n:,} documentos (el límite es {limit:,})."
    assert [p for p in problems(other, found_templates, used) if "other placeholders" in p]


def test_an_unused_entry_and_a_missing_key_fail_the_check(found):
    found_templates, used = found
    extra = copy.deepcopy(catalog("es"))
    extra.add("never raised", "nunca", context=None)
    extra.add("Nothing", "Nada", context="no_such_key")
    assert problems(extra, found_templates, used) == ["'never raised': raised nowhere in ner/ (obsolete)",
                                                      "no_such_key: looked up nowhere in ner/ (obsolete)"]
    missing = copy.deepcopy(catalog("es"))
    missing.delete("Label", context="legend_label")
    assert problems(missing, found_templates, used) == [
        f"{used[0]['legend_label']}: no key 'legend_label' in the catalog"]


def test_the_catalog_is_gnu_gettext_with_spanish_plural_forms():
    text = messages.po_path("es").read_text(encoding="utf-8")
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in text and "charset=utf-8" in text
    assert messages.LOCALES == ("en", "es") and catalog("en") is None and catalog("fr") is None
    assert not list(messages.LOCALE_DIR.rglob("*.mo"))  # read from the .po at run time: nothing compiled is kept
    plural = [m for m in catalog("es") if isinstance(m.id, tuple)]
    assert {m.context for m in plural} >= {"ann_msg_queue", "rev_started", "rev_entities", "corrections"}
    assert not [m.id for m in catalog("es") if re.search(r"\w\{s\}", str(m.id))]  # no hand-made plural (document{s})


# ---------------------------------------------------------------- translating and saying


def test_translate_finds_the_spanish_text_by_template_or_by_key_and_falls_back_to_english():
    assert translate("es", "wrong admin token") == "Token de administración incorrecto."
    assert translate("es", "Label", "legend_label") == "Etiqueta"
    assert translate("es", "Label") == "Label"  # the key is part of the entry
    assert translate("en", "wrong admin token") == "wrong admin token"
    assert translate("fr", "Label", "legend_label") == "Label"
    assert translate("es", "{n} thing", "nowhere", "{n} things", 2) == "{n} things"
    assert translate("es", "{n} entity", "rev_entities", "{n} entities", 1) == "{n} entidad"
    with pytest.raises(TypeError):
        translate("es", "{n} entity", "rev_entities", "{n} entities")
    assert keys()["rev_entities"] == ("{n} entity", "{n} entities") and keys()["subtitle"][1] is None


def test_say_chooses_the_plural_by_n_and_writes_numbers_as_the_locale_does():
    one, many = keys()["ann_msg_queue"]
    assert say("es", one, context="ann_msg_queue", plural=many, queue="q", n=1) == "Cola «q»: 1 documento"
    assert say("es", one, context="ann_msg_queue", plural=many, queue="q", n=0) == "Cola «q»: 0 documentos"
    assert say("en", one, context="ann_msg_queue", plural=many, queue="q", n=1) == "Queue «q»: 1 document"
    assert say("en", one, context="ann_msg_queue", plural=many, queue="q", n=2) == "Queue «q»: 2 documents"
    pasted = "the pasted text has {n:,} characters (the limit is {limit:,})"
    assert say("en", pasted, n=20_000, limit=100_000) == "the pasted text has 20,000 characters (the limit is 100,000)"
    assert say("es", pasted, n=20_000, limit=10**5) == "El texto pegado tiene 20.000 caracteres (el límite es 100.000)."
    assert say("es", "not in the catalog: {n:,}", n=20_000) == "not in the catalog: 20,000"  # English throughout
    assert say("es", "{x:.4f} · {y} · {z:>4} · {b}", context="nowhere", x=0.8111, y=12345, z=7, b=True) == (
        "0.8111 · 12345 ·    7 · True")


def test_numbers_follow_babels_locale_data():
    assert format_number(20_000, "en") == "20,000" and format_number(100_000, "es") == "100.000"
    assert format_number(0.8111, "en", 4) == "0.8111" and format_number(0.8111, "es", 4) == "0,8111"
    assert format_number(1234.5, "es", 1) == "1.234,5" and format_number(1234.5, "es", 1, grouped=False) == "1234,5"
    assert format_number(2.675, "en", 2) == "2.67"  # rounded as Python's format rounds the float
    assert format_number(3.25, "es") == "3,25" and format_number(7, "xx") == "7"
    spoken = messages.Spoken("es")
    assert spoken.format("{a:,} {b:.2f} {c:,.1f} {d} {e:d}", a=1_000_000, b=0.5, c=12345.67, d=3.5, e=42) == (
        "1.000.000 0,50 12.345,7 3,5 42")
