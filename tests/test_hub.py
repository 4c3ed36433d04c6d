"""ner.hub: pushing an export to the Hub is refused, naming what is missing, before any network call."""

from __future__ import annotations

import pytest

from ner.entities import Document, entity
from ner.export import export_dataset
from ner.hub import push_to_hub

ASMA = "El asma es una enfermedad crónica."


def test_push_to_hub_without_a_token_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    folder = export_dataset([Document("d1", ASMA, (entity(len("El "), len("El asma"), "Concept"),))], tmp_path / "hf")
    with pytest.raises(ValueError, match="no Hugging Face token.*HF_TOKEN"):
        push_to_hub(folder, "someone/corrections")
    monkeypatch.delenv("NER_HUB_REPO", raising=False)
    with pytest.raises(ValueError, match="no Hub repository"):
        push_to_hub(folder, token="hf_not_a_real_token")


def test_push_to_hub_of_nothing_says_so(tmp_path):
    with pytest.raises(ValueError, match="gone: nothing to push"):
        push_to_hub(tmp_path / "gone", "someone/corrections", token="hf_not_a_real_token")
