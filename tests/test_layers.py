"""The layers of README's drawing name every module of ``ner`` (``lint-imports`` in .ci/run checks the imports)."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_module_of_ner_stands_in_one_layer():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    named = [name.strip() for layer in layers for name in layer.replace("|", ":").split(":")]
    modules = {f"ner.{p.stem}" for p in (ROOT / "ner").glob("*.py") if p.stem != "__init__"}
    modules |= {f"ner.{p.parent.name}" for p in (ROOT / "ner").glob("*/__init__.py")}
    assert sorted(modules - set(named)) == [] and len(named) == len(set(named))
    assert not set(named) - modules  # nor a layer naming a module that is gone
