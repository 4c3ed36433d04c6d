"""Refusals that an interface can translate: an English template plus its values.

The library speaks English (Python, the CLI and API scripts read ``str(exc)``); the web
interface looks the template up in the message catalog (:mod:`ner.messages`: the template is
the msgid of ``ner/locale/<lang>/LC_MESSAGES/ner.po``) and fills the same values in, so a
Spanish browser reads the refusal in Spanish::

    exc = Refusal("queue {queue!r} is full", queue="mía")
    str(exc) == "queue 'mía' is full"; exc.english == "queue {queue!r} is full"; exc.values == {"queue": "mía"}

``english`` is a :meth:`str.format` template written as a literal where it is raised (Babel's
extractor reads it there: tests/test_messages.py); every placeholder is a keyword value, and
a translation uses exactly the same names.
"""

from __future__ import annotations

from typing import Any


class Keyed(Exception):
    """An exception whose message is ``english.format(**values)``, with ``english`` and ``values`` kept for translation.

    A mix-in base: :class:`Refusal` (a ``ValueError``), :class:`ner.access.Forbidden` (a
    ``PermissionError``) and :class:`ner.annotation.service.NotFound` (a ``LookupError``) keep
    their own built-in base, so existing ``except`` clauses still catch them.
    """

    def __init__(self, english: str, **values: Any):
        super().__init__(english.format(**values))
        self.english = english
        self.values = values

    def __reduce__(self):  # picklable although __init__ takes other arguments than ``args``
        return _remade, (type(self), self.args, dict(self.__dict__))


class Refusal(Keyed, ValueError):
    """A request refused because of its input or its caller, in English that an interface can translate."""


def _remade(cls: type, args: tuple, state: dict) -> BaseException:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class Invalid(ValueError):
    """Input that breaks one of the library's rules, said in English only (a refusal's detail that only an API
    script or a file's author meets: a fragment outside the text, a malformed BRAT line).

    Unlike a :class:`Refusal` it has no translation; like one it is the caller's mistake, not
    the server's, so the interface shows it (:data:`USER_ERRORS`).
    """


USER_ERRORS: tuple[type[BaseException], ...] = (Keyed, Invalid)  # what an interface shows as the caller's mistake

