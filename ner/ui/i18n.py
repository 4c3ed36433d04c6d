"""The interface's words in the browser's language, from the message catalog (:mod:`ner.messages`).

Every string the page shows is an entry of ``ner/locale/<lang>/LC_MESSAGES/ner.po``: the
component labels (``t("subtitle")``, through Gradio's :class:`gr.I18n`) and the run-time messages
(``say(request, "analysed", n=2, ...)``) under their key (the msgctxt); the library's refusals
under their English template (:func:`refused`). Gradio follows the browser's language.
"""

from __future__ import annotations

import gradio as gr

from ner import messages
from ner.entities import LABELS
from ner.ui.render import label_name

EDITOR_PREFIX = "editor."  # the keys of the annotation editor's words (ner/ui/editor.js)


def language(request: gr.Request | None) -> str:
    """``es`` when the browser's first language is Spanish, else ``en`` (as Gradio's i18n chooses)."""
    header = request.headers.get("accept-language", "") if request is not None else ""
    return "es" if header.strip().lower().startswith("es") else "en"


def say(request: gr.Request | None, key: str, **values) -> str:
    """The message filed under ``key`` in the request's language, filled with ``values`` (numbers as it writes them).

    A message with a plural is chosen by the count ``n`` among the values.
    """
    return say_in(language(request), key, **values)


def say_in(lang: str, key: str, **values) -> str:
    """:func:`say` for a language already known (English when it has no catalog); a ``KeyError`` for no such key."""
    english, plural = messages.keys()[key]
    return messages.say(lang, english, context=key, plural=plural, **values)


def known(key: str) -> bool:
    """Whether the catalog has a message filed under ``key``."""
    return key in messages.keys()


def number(x: float, lang: str, digits: int = 4, signed: bool = False) -> str:
    """``x`` rounded to ``digits`` decimals as a reader of ``lang`` writes it (Babel), for display only.

    ``number(1234.5, "en", 1) == "1,234.5"`` and ``number(1234.5, "es", 1) == "1.234,5"``. A
    negative number takes a true minus ("−"); ``signed`` puts "+" before the others. Data,
    exports and the API keep plain machine numbers.
    """
    text = messages.format_number(abs(x), lang, digits)
    if x < 0 and round(x, digits) != 0:
        return "−" + text
    return ("+" if signed else "") + text


def refused(request: gr.Request | None, exc: BaseException) -> str:
    """A refusal's text in the request's language: its English template (ner/refusals.py) translated, filled with its
    values; another exception's own message. Not redacted: the caller does that."""
    english, values = getattr(exc, "english", None), getattr(exc, "values", None)
    if not isinstance(english, str) or not isinstance(values, dict):
        return getattr(exc, "message", None) or str(exc)
    return messages.say(language(request), english, **values)


def editor_strings(request: gr.Request | None) -> dict[str, str]:
    """The editor's words in the request's language (a new dict: the caller may change it), and the labels as shown.

    ``{x}`` in them are filled in by the page.
    """
    lang = language(request)
    words = {key.removeprefix(EDITOR_PREFIX): messages.translate(lang, english, key)
             for key, (english, _) in messages.keys().items() if key.startswith(EDITOR_PREFIX)}
    return {**words, "labels": {label: label_name(label, lang) for label in LABELS}}


def _i18n() -> gr.I18n:
    """Every key of the catalog that has no plural, in every language, for Gradio's own translation on the page."""
    keyed = {key: english for key, (english, plural) in messages.keys().items() if plural is None}
    return gr.I18n(**{lang: {key: messages.translate(lang, english, key) for key, english in keyed.items()}
                      for lang in messages.LOCALES})


I18N = _i18n()


def t(key: str):
    """A translated string for a component label or Markdown (a key of the catalog)."""
    return I18N(key)
