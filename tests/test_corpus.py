"""Corpus splits and statistics: the real corpus's published figures, the sample, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ner import corpus
from ner.cli import main
from ner.entities import Document, Entity, entity
from ner.tagging import policy_losses

ROOT = Path(__file__).resolve().parent.parent


# --- the real corpus: the figures in STACK.md ----------------------------------------------


@pytest.mark.parametrize(
    ("split", "sentences", "annotated", "entities"),
    [
        ("train", 800, 800, 5012),
        ("dev", 199, 199, 1305),
        ("test", 100, 100, 556),
        ("scenario1", 5000, 100, 574),
        ("scenario4", 1500, 100, 1210),
    ],
)
def test_real_split_sizes(real_corpus, split, sentences, annotated, entities):
    st = corpus.stats(corpus.load(split))
    assert (st.sentences, st.annotated, st.entities) == (sentences, annotated, entities)


def test_training_stats(real_corpus):
    st = corpus.stats(corpus.load("train"))
    assert st.per_label == {"Concept": 3112, "Action": 1319, "Predicate": 412, "Reference": 169}
    assert st.multi_fragment == 551
    assert st.gapped == 30  # punctuation between fragments counts ("VIH/SIDA", "E. coli")
    assert st.overlapping == 41


# what the BIO tag policy drops or refragments, per split; the official test set loses none
POLICY_LOSSES = {
    "train": {"gapped": 30, "overlapping": 1},
    "dev": {"gapped": 8, "refragmented": 1},
    "test": {},
    "dev-transfer": {"gapped": 5, "overlapping": 2, "refragmented": 5},
    "scenario1": {"gapped": 3},
    "scenario3": {"gapped": 4, "overlapping": 1},
    "scenario4": {"gapped": 4},
}


def test_policy_losses_cover_every_split():
    assert set(POLICY_LOSSES) == set(corpus.SPLITS)


@pytest.mark.parametrize("split", sorted(POLICY_LOSSES))
def test_tag_policy_losses(real_corpus, split):
    assert dict(policy_losses(corpus.load(split))) == POLICY_LOSSES[split]


@pytest.mark.slow
def test_stats_cli_json(real_corpus):
    env = os.environ | {"NER_CORPUS_DIR": str(real_corpus)}
    done = subprocess.run(
        [sys.executable, "-m", "ner", "stats", "train", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sentences"] == 800 and out["entities"] == 5012
    assert out["per_label"] == {"Concept": 3112, "Action": 1319, "Predicate": 412, "Reference": 169}
    assert out["tag_policy_losses"] == POLICY_LOSSES["train"]


def test_sample_holds_no_corpus_sentence(real_corpus):
    mine = {d.text for d in corpus.load("sample")}
    theirs = {d.text for split in corpus.SPLITS for d in corpus.load(split)}
    assert not mine & theirs


# --- the sample shipped with the project ----------------------------------------------------


def test_sample_stats():
    st = corpus.stats(corpus.load("sample"))
    assert (st.sentences, st.annotated, st.entities) == (36, 36, 197)
    assert st.per_label == {"Concept": 123, "Action": 49, "Predicate": 20, "Reference": 5}
    assert (st.multi_fragment, st.gapped, st.overlapping) == (30, 2, 6)
    assert dict(policy_losses(corpus.load("sample"))) == {"gapped": 2, "overlapping": 1}


def test_sample_has_what_the_corpus_has():
    docs = corpus.load("sample")
    texts = "\n".join(d.text for d in docs)
    for quirk in ("\u00a0", "10%", "11:00", "VIH/SIDA"):
        assert quirk in texts
    assert any(r.star and r.kind == "same-as" for d in docs for r in d.relations)
    assert sum(len(d.relations) for d in docs) > 100
    # the sample's files follow the corpus's format: LF, no trailing newline
    raw = corpus.split_path("sample").read_bytes()
    assert b"\r" not in raw and not raw.endswith(b"\n")
    # a gapped entity: "seis [y nueve] meses"
    line = next(d for d in docs if "seis y nueve meses" in d.text)
    seis = line.text.index("seis")
    meses = line.text.index("meses")
    assert Entity(((seis, seis + 4), (meses, meses + 5)), "Concept") in line.entities


# --- split names and paths ------------------------------------------------------------------


def test_unknown_split_names_the_choices():
    with pytest.raises(FileNotFoundError) as info:
        corpus.load("no-such-split")
    message = str(info.value)
    assert "'no-such-split' is neither a split" in message
    for name in [*corpus.SPLITS, "sample"]:
        assert name in message


def test_unknown_split_on_the_command_line(capsys):
    assert main(["stats", "no-such-split"]) == 2
    assert "error: 'no-such-split' is neither a split" in capsys.readouterr().err


def test_missing_corpus_points_at_download(tmp_path, monkeypatch):
    monkeypatch.setenv("NER_CORPUS_DIR", str(tmp_path / "empty"))
    assert not corpus.corpus_available()
    with pytest.raises(FileNotFoundError, match="python -m ner download"):
        corpus.load("train")


def test_default_corpus_dir_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("NER_CORPUS_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert corpus.corpus_dir() == ROOT / "data" / "ehealthkd-2020"


def test_load_a_folder_or_a_txt_path(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "scenario.txt").write_text("Tengo tos.", encoding="utf-8")
    (folder / "scenario.ann").write_text(f"T1\tConcept {len('Tengo ')} {len('Tengo tos')}\ttos\n", encoding="utf-8")
    expected = [Document("mine/1", "Tengo tos.", (entity(6, 9, "Concept"),))]
    assert corpus.load(folder) == expected
    assert corpus.load(folder / "scenario.txt") == expected
    assert corpus.load(str(folder)) == expected


def test_stats_literal():
    text = "dolor de cabeza tensional y fiebre"
    docs = [
        Document(
            "x/1",
            text,
            (
                Entity(((0, 5), (6, 8), (9, 15)), "Concept"),
                Entity(((0, 5), (6, 8), (9, 15), (16, 25)), "Concept"),
                entity(len("dolor de cabeza tensional y "), len(text), "Concept"),
            ),
        ),
        Document("x/2", "Sin anotar.", annotated=False),
    ]
    st = corpus.stats(docs)
    assert (st.sentences, st.annotated, st.entities) == (2, 1, 3)
    assert (st.multi_fragment, st.gapped, st.overlapping) == (2, 0, 2)
    assert corpus.overlapping_pairs(docs[0]) == [(0, 1)]
