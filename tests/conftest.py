"""Shared test settings: offline hub, no analytics, the real corpus from ../shared."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("NER_CORPUS_DIR", str(ROOT.parent / "shared" / "data" / "ehealthkd-2020"))
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    """The real eHealth-KD corpus folder; its absence fails in CI and skips elsewhere."""
    from ner.corpus import corpus_available, corpus_dir

    if not corpus_available():
        if os.environ.get("CI"):
            pytest.fail(f"the corpus is missing at {corpus_dir()}")
        pytest.skip("the eHealth-KD corpus is not on this machine (set NER_CORPUS_DIR)")
    return corpus_dir()
