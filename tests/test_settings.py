"""Settings read from the environment (ner/settings.py): one rule for folders, read at call time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ner import settings
from ner.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = [
    (settings.corpus_dir, "NER_CORPUS_DIR", "data/ehealthkd-2020"),
    (settings.data_dir, "NER_DATA_DIR", "data"),
    (settings.checkpoints_dir, "NER_CHECKPOINTS_DIR", "checkpoints"),
]


@pytest.mark.parametrize("read, name, default", FOLDERS, ids=[f[1] for f in FOLDERS])
def test_folders_default_to_the_project_and_settings_to_the_working_directory(read, name, default, tmp_path,
                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(name, raising=False)
    assert read() == ROOT / default
    monkeypatch.setenv(name, "")  # set but empty: the default
    assert read() == ROOT / default
    monkeypatch.setenv(name, "here")
    assert read() == tmp_path / "here"
    monkeypatch.setenv(name, str(tmp_path / "abs"))
    assert read() == tmp_path / "abs"


def test_texts_are_none_when_unset_or_blank(monkeypatch):
    for read, name in [(settings.corpus_url, "NER_CORPUS_URL"), (settings.hub_repo, "NER_HUB_REPO"),
                       (settings.hf_token, "HF_TOKEN")]:
        monkeypatch.delenv(name, raising=False)
        assert read() is None
        monkeypatch.setenv(name, "  ")
        assert read() is None
        monkeypatch.setenv(name, "value")
        assert read() == "value"


def test_gradio_temp_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "uploads"))
    assert settings.gradio_temp_dir() == tmp_path / "uploads"
    monkeypatch.delenv("GRADIO_TEMP_DIR")
    assert settings.gradio_temp_dir().name == "gradio"


def test_settings_read_the_same_folders_and_resolve_given_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NER_DATA_DIR", "d")
    monkeypatch.delenv("NER_CHECKPOINTS_DIR", raising=False)
    s = Settings.from_env()
    assert (s.data_dir, s.checkpoints) == (tmp_path / "d", ROOT / "checkpoints")
    assert Settings(checkpoints=Path("c")).checkpoints == tmp_path / "c"
