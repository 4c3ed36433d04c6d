"""``python -m ner``: the command-line entry point (see :mod:`ner.cli`)."""

from ner.cli import main

raise SystemExit(main())
