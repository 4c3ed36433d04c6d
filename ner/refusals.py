"""Refusals that an interface can translate: an English message plus a stable key and its values.

The library speaks English (Python, the CLI and API scripts read ``str(exc)``); the web
interface looks the key up in its own tables (``ner.ui.i18n.MESSAGES``) and fills the same
values in, so a Spanish browser reads the refusal in Spanish::

    exc = Refusal("err_load_queue", "load a queue first")
    str(exc) == "load a queue first"; exc.key == "err_load_queue"; exc.values == {}

``english`` is a :meth:`str.format` template (``{queue!r}``, ``{n:,}``); every placeholder
is a keyword value, and a translation uses exactly the same names.
"""

from __future__ import annotations

from typing import Any


class Keyed(Exception):
    """An exception whose message is ``english.format(**values)``, with ``key`` and ``values`` kept for translation.

    A mix-in base: :class:`Refusal` (a ``ValueError``), :class:`ner.access.Forbidden` (a
    ``PermissionError``) and :class:`ner.annotation.service.NotFound` (a ``LookupError``) keep
    their own built-in base, so existing ``except`` clauses still catch them.
    """

    def __init__(self, key: str, english: str, **values: Any):
        super().__init__(english.format(**values))
        self.key = key
        self.english = english
        self.values = values

    def __reduce__(self):  # picklable although __init__ takes other arguments than ``args``
        return _remade, (type(self), self.args, dict(self.__dict__))


class Refusal(Keyed, ValueError):
    """A request refused because of its input or its caller, with a key an interface can translate."""


def _remade(cls: type, args: tuple, state: dict) -> BaseException:
    exc = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(state)
    return exc
