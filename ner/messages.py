"""The one message catalog: English templates, their translations in ``ner/locale``, numbers as a locale writes them.

Every language but English has a GNU gettext catalog, ``ner/locale/<lang>/LC_MESSAGES/ner.po``,
read once with Babel and compiled in memory (no build step, no ``.mo`` in the repository).
It holds two kinds of entries:

- the library's refusals (:mod:`ner.refusals`) and anything marked with :func:`N_`: the
  msgid is the English template as written where it is raised, no msgctxt;
- the interface's words, looked up by key (``t("subtitle")``, ``say(request, "analysed", n=2)``
  in :mod:`ner.ui.i18n`): the msgctxt is the key, the msgid the English text.

A template is a :meth:`str.format` string with named fields (``{queue!r}``, ``{n:,}``); a
translation uses the same names. :func:`say` fills them in as the locale writes numbers:
``say("en", "{n:,} bytes", n=20000) == "20,000 bytes"``, ``say("es", ...)`` writes
``20.000`` (Babel's CLDR data; it groups four-digit numbers too: ``1.024``).
"""

from __future__ import annotations

import functools
import gettext
import io
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DOMAIN = "ner"
LOCALE_DIR = Path(__file__).with_name("locale")
SOURCE = "en"  # the language of every msgid
# the languages a reader can get: English and every catalog beside this module
LOCALES: tuple[str, ...] = (SOURCE, *sorted(p.parents[1].name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


def N_(template: str) -> str:
    """``template`` as it is, marked for the catalog (Babel's default keyword for a string translated later)."""
    return template


def po_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives (whether or not it exists)."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalog(lang: str) -> Catalog | None:
    """The Babel catalog of ``lang`` as its ``.po`` says, read once; None for English (the source) and the unknown."""
    if lang == SOURCE or lang not in LOCALES:
        return None
    with open(po_path(lang), "rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang`` compiled in memory (fuzzy and empty entries left out, as ``msgfmt`` does).

    A message it lacks is ``None`` (not the English, as :mod:`gettext` would say): see :func:`lookup`.
    """
    return compiled(catalog(lang))


def compiled(cat: Catalog | None) -> gettext.NullTranslations:
    """``cat`` as :mod:`gettext` translations (plural rule from its header) that say ``None`` for a missing message."""
    if cat is None:
        return _Missing()
    mo = io.BytesIO()
    write_mo(mo, cat, use_fuzzy=False)
    mo.seek(0)
    found = gettext.GNUTranslations(mo)
    found.add_fallback(_Missing())
    return found


class _Missing(gettext.NullTranslations):
    """The last fallback: ``None`` for every message, so that a missing translation can be told from a found one."""

    def gettext(self, message):
        return None

    def pgettext(self, context, message):
        return None

    def ngettext(self, msgid1, msgid2, n):
        return None

    def npgettext(self, context, msgid1, msgid2, n):
        return None


def lookup(lang: str, text: str, context: str | None = None, plural: str | None = None,
           n: int | None = None) -> str | None:
    """The catalog's translation of ``text`` (under ``context``; the form ``n`` asks for when it has a ``plural``).

    ``None`` when ``lang`` has no catalog or the entry is missing, fuzzy or empty. A plural needs
    ``n``, the count the locale's rule reads.
    """
    found = translations(lang)
    if plural is None:
        return (found.gettext(text) if context is None else found.pgettext(context, text)) or None
    if n is None:
        raise TypeError(f"a plural needs its count n: {text!r}")
    return (found.ngettext(text, plural, n) if context is None else found.npgettext(context, text, plural, n)) or None


def translate(lang: str, text: str, context: str | None = None, plural: str | None = None,
              n: int | None = None) -> str:
    """``text`` (``plural`` when ``n`` asks for it) in ``lang``: the catalog's entry under ``context``, if any.

    English (``text``, or ``plural`` unless ``n == 1``) when ``lang`` has no catalog or the
    entry is missing, fuzzy or empty (:func:`lookup`).
    """
    return lookup(lang, text, context, plural, n) or (text if plural is None or n == 1 else plural)


def say(lang: str, template: str, /, context: str | None = None, plural: str | None = None, **values: Any) -> str:
    """``template`` translated into ``lang`` (:func:`translate`; a plural counts ``values["n"]``), then filled in.

    Numbers are written as the text's language writes them (:class:`Spoken`): ``say("es",
    "{n:,} bytes", n=2048)`` is ``"2.048 bytes"`` when the catalog has it, and ``"2,048 bytes"``
    (English throughout) when not; ``{x:.4f}`` keeps four decimals, with the locale's decimal sign.
    """
    n = values.get("n") if plural is not None else None
    found = lookup(lang, template, context, plural, n)
    if found is None:
        return Spoken(SOURCE).format(translate(SOURCE, template, context, plural, n), **values)
    return Spoken(lang).format(found, **values)


@functools.cache
def keys() -> Mapping[str, tuple[str, str | None]]:
    """Every key of the catalogs (a msgctxt) with its English: ``(singular, plural or None)``; read-only."""
    found: dict[str, tuple[str, str | None]] = {}
    for lang in LOCALES:
        for message in catalog(lang) or ():
            if message.context is not None:
                msgid = message.id
                english = (str(msgid[0]), str(msgid[1])) if isinstance(msgid, tuple) else (str(msgid), None)
                found.setdefault(message.context, english)
    return MappingProxyType(found)


@dataclass(frozen=True)
class Said:
    """A message filed under ``key`` (a msgctxt of the catalog) with its values: what a service tells a person.

    The service says what happened; the interface says it in the reader's language
    (:meth:`text`); a plural is chosen by the value ``n``.
    """

    key: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = SOURCE) -> str:
        """The message in ``lang`` (English, the msgid, when ``lang`` has no catalog)."""
        english, plural = keys()[self.key]
        return say(lang, english, context=self.key, plural=plural, **self.values)


def spoken(said: Sequence[Said], lang: str = SOURCE) -> str:
    """Several messages said one after the other (each carries its own punctuation)."""
    return "".join(s.text(lang) for s in said)


# ---------------------------------------------------------------- numbers


def format_number(x: float, lang: str, digits: int | None = None, grouped: bool = True) -> str:
    """``x`` as a reader of ``lang`` writes it (Babel): ``digits`` decimals (None: an int's none, a float's all).

    ``format_number(1234.5, "en", 1) == "1,234.5"``, ``format_number(1234.5, "es", 1) == "1.234,5"``;
    ``grouped=False`` leaves the thousands together. Rounded as Python's ``format`` rounds.
    """
    locale = Locale.parse(lang if lang in LOCALES else SOURCE)
    if digits is None and isinstance(x, float):
        return format_decimal(x, locale=locale, decimal_quantization=False, group_separator=grouped)
    digits = digits or 0
    exact = Decimal(format(x, f".{digits}f"))  # Python's rounding, then Babel's symbols
    pattern = ("#,##0" if grouped else "0") + ("." + "0" * digits if digits else "")
    return format_decimal(exact, format=pattern, locale=locale)


_NUMBER_SPEC = re.compile(r"(?P<grouped>,)?(?:\.(?P<digits>\d+)f|d)?")


class Spoken(string.Formatter):
    """:meth:`str.format` that writes numbers as ``lang`` does: ``{n:,}`` grouped, ``{x:.2f}`` with its decimal sign.

    Only the specs a message uses are localised (none, ``,``, ``.Nf``, ``,.Nf``, ``d``); any
    other (``>6``, ``.1%``) is Python's own. ``True`` and ``False`` are not numbers here.
    """

    def __init__(self, lang: str):
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        match = _NUMBER_SPEC.fullmatch(format_spec)
        if match is None or isinstance(value, bool) or not isinstance(value, int | float):
            return super().format_field(value, format_spec)
        digits = match["digits"]
        return format_number(value, self.lang, None if digits is None else int(digits), bool(match["grouped"]))
