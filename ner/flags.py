"""Command-line flags generated from a dataclass's fields, and the dataclass built back from the parsed flags.

One flag per field, ``--field-name``: its type comes from the type hint, its help text from
``metadata["help"]`` (and ``metadata["choices"]`` limits the values). Supported hints:
``str``, ``int``, ``float`` (each optionally ``| None``), ``bool`` (a ``--flag`` /
``--no-flag`` switch) and ``tuple[str, ...]`` (zero or more values; ``a,b`` also counts as
two). Any other hint raises ``TypeError`` when the parser is built, so a new field never
silently becomes a string. A flag left out is left out of the namespace too: the
dataclass's own default applies, and the help text shows it.

Why not transformers' ``HfArgumentParser`` (measured with transformers 5.24, Python 3.11, 2 CPUs,
best of 5 fresh processes): ``from transformers import HfArgumentParser`` takes 608 ms (565 ms in
``-X importtime``; it loads numpy, huggingface_hub and jinja2 but not torch), while all of
``python -m ner --help`` takes 126 ms, ``python -m ner stats sample`` 130 ms, and this module
0.7 ms to import plus 0.5 ms to build the ``train`` flags. ``build_parser`` builds every
subcommand's parser, so using it there would make every command about 5x slower (measured with
the import added: ``--help`` 626 ms, ``stats sample`` 659 ms). Worse, it does not parse
:class:`~ner.train.settings.TrainSettings` the way the CLI does: a ``tuple[str, ...]`` field
gets no ``nargs`` and the tuple type is called on the string, so ``--eval-splits dev``
gives ``('d', 'e', 'v')`` with no error and ``--eval-splits dev test`` is an error; a bool that
defaults to False has no ``--no-flag`` and accepts ``--freeze-embeddings yes``; an unsupported
hint such as ``dict`` only fails when a value is parsed; every metadata key besides ``help`` and
``aliases`` goes to ``add_argument`` (so an unknown key raises ``TypeError``); and it overwrites
the dataclass's ``Field.type`` (``run_name`` becomes ``str``). Only ``int``, ``float``,
``X | None``, ``choices`` and the help text behave the same.
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing

SCALARS: dict[type, type] = {str: str, int: int, float: float}


def flag_name(field_name: str) -> str:
    """``max_train_docs`` -> ``--max-train-docs``."""
    return "--" + field_name.replace("_", "-")


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """Add one flag per field of the dataclass ``cls`` to ``parser``; raises ``TypeError`` on an unsupported hint."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint, optional = _without_none(hints[f.name])
        kwargs: dict = {"dest": f.name, "default": argparse.SUPPRESS}
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kwargs["required"] = True
            help_text = f.metadata.get("help", "")
        else:
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc,operator]
            help_text = f"{f.metadata.get('help', '')} (default: {_shown(default)})".lstrip()
        if "choices" in f.metadata:
            kwargs["choices"] = tuple(f.metadata["choices"])
        if hint is bool and not optional:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif hint in SCALARS:
            kwargs["type"] = SCALARS[hint]
            if "choices" not in kwargs:
                kwargs["metavar"] = hint.__name__.upper()
        elif typing.get_origin(hint) is tuple and typing.get_args(hint) == (str, Ellipsis) and not optional:
            kwargs["nargs"] = "*"
            kwargs["metavar"] = "STR"
            help_text += "; space- or comma-separated"
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: no command-line flag for the type {hints[f.name]}")
        parser.add_argument(flag_name(f.name), help=help_text.replace("%", "%%"), **kwargs)


def dataclass_from_args(cls: type, args: argparse.Namespace):
    """An instance of the dataclass ``cls`` from the flags in ``args`` that were given; the rest keep their defaults."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if not hasattr(args, f.name):
            continue
        value = getattr(args, f.name)
        if typing.get_origin(hints[f.name]) is tuple:
            value = tuple(part for item in value for part in item.split(",") if part)
        values[f.name] = value
    return cls(**values)


def _without_none(hint) -> tuple[object, bool]:
    """``X | None`` -> ``(X, True)``; any other hint -> ``(hint, False)``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return hint, False


def _shown(default) -> str:
    if default is None:
        return "none"
    if isinstance(default, tuple):
        return " ".join(map(str, default)) or "none"
    return str(default)
