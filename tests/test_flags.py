"""Flags generated from a dataclass: the ``train`` command's, built from ``TrainSettings``."""

import argparse
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ner.cli import build_parser
from ner.flags import add_dataclass_arguments, dataclass_from_args, flag_name
from ner.train.settings import TrainSettings


def train_settings(*argv: str) -> TrainSettings:
    return dataclass_from_args(TrainSettings, build_parser().parse_args(["train", *argv]))


def test_flag_name_dashes_the_field_name():
    assert flag_name("max_train_docs") == "--max-train-docs"


def test_train_flags_parse_into_typed_settings():
    settings = train_settings("--epochs", "3", "--learning-rate", "1e-4", "--freeze-embeddings",
                              "--eval-splits", "dev", "test", "--max-train-docs", "5")
    assert settings == TrainSettings(epochs=3, learning_rate=1e-4, freeze_embeddings=True,
                                     eval_splits=("dev", "test"), max_train_docs=5)
    assert type(settings.epochs) is int and type(settings.learning_rate) is float
    assert type(settings.max_train_docs) is int and type(settings.eval_splits) is tuple


def test_flags_left_out_keep_the_dataclass_defaults():
    assert train_settings() == TrainSettings()
    assert train_settings("--base-model", "crf", "--run-name", "r", "--use-cpu") == TrainSettings(
        base_model="crf", run_name="r", use_cpu=True)


def test_switches_turn_off_and_lists_take_commas_or_nothing():
    assert train_settings("--no-freeze-embeddings").freeze_embeddings is False
    assert train_settings("--eval-splits", "dev,test").eval_splits == ("dev", "test")
    assert train_settings("--eval-splits", "dev").eval_splits == ("dev",)  # not ("d", "e", "v")
    assert train_settings("--eval-splits").eval_splits == ()


@pytest.mark.parametrize("argv", [["--epochs", "three"], ["--learning-rate", "fast"], ["--max-train-docs", "1.5"],
                                  ["--precision", "fp8"], ["--no-such-flag"], ["--freeze-embeddings", "yes"]])
def test_an_unknown_or_badly_typed_flag_is_an_argparse_error(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["train", *argv])
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_the_help_shows_each_field_help_and_default(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["train", "--help"])
    text = capsys.readouterr().out
    assert exc.value.code == 0
    assert "--freeze-embeddings, --no-freeze-embeddings" in text
    assert "freeze the word-embedding matrix" in text and "(default: 10)" in text


def test_an_unsupported_field_type_fails_when_the_parser_is_built():
    @dataclass(frozen=True)
    class Odd:
        weights: dict = field(default_factory=dict, metadata={"help": "no flag for this"})

    with pytest.raises(TypeError, match=r"Odd\.weights"):
        add_dataclass_arguments(argparse.ArgumentParser(), Odd)


def test_a_field_without_a_default_is_a_required_flag():
    @dataclass(frozen=True)
    class Needs:
        name: str
        count: int = 1

    parser = argparse.ArgumentParser()
    add_dataclass_arguments(parser, Needs)
    assert dataclass_from_args(Needs, parser.parse_args(["--name", "x"])) == Needs("x")
    with pytest.raises(SystemExit):
        parser.parse_args(["--count", "2"])


@pytest.mark.slow
def test_building_the_cli_parser_imports_neither_transformers_nor_torch():
    """``python -m ner --help`` builds every subcommand's flags: they must stay cheap (see :mod:`ner.flags`)."""
    code = "import sys, ner.cli; ner.cli.build_parser(); print(sorted({'transformers', 'torch'} & set(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert run.stdout == "[]\n"
