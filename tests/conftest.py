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


TINY_TEXTS = [
    "El paciente presenta fiebre alta y dolor de cabeza desde hace tres días.",
    "La diabetes tipo 2 aumenta el riesgo de enfermedad cardiovascular.",
    "El tratamiento con insulina reduce la glucosa en la sangre.",
    "Los niños con asma pueden usar un inhalador antes del ejercicio.",
    "El 10% de los adultos mayores sufre de hipertensión arterial.",
    "La vacuna protege contra el VIH/SIDA según el estudio, a las 11:00.",
]


def build_tiny_model(folder: Path, max_positions: int = 66) -> Path:
    """A tiny RoBERTa (random weights) with a byte-level BPE tokenizer trained on the spot."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaModel, RobertaTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator(
        TINY_TEXTS * 4, vocab_size=400, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    bpe.save_model(str(folder))
    tokenizer = RobertaTokenizer(
        vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"), add_prefix_space=True,
        model_max_length=max_positions - 2,
    )
    tokenizer.save_pretrained(folder)
    config = RobertaConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=max_positions, pad_token_id=tokenizer.pad_token_id,
    )
    import torch

    torch.manual_seed(0)
    RobertaModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny base model folder (no NER head yet)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-base"))


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (the system's /usr/bin/chromium, which .ci/run installs), one per test module;
    screenshots go to tests/screenshots/."""
    from playwright.sync_api import sync_playwright

    (ROOT / "tests" / "screenshots").mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server: ``$NER_TEST_DATABASE_URL`` (``.ci/run`` starts one), else a throwaway one
    (:func:`ner.database.throwaway_server`). Its absence fails in CI and skips elsewhere. Yields a URL whose
    user may create databases."""
    from ner.database import throwaway_server

    if os.environ.get("NER_TEST_DATABASE_URL"):
        yield os.environ["NER_TEST_DATABASE_URL"]
        return
    try:
        server = throwaway_server(54329 + os.getpid() % 500)
        url = server.__enter__()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def pg_url(pg_server):
    """A new, empty database on the test server for one test."""
    from ner.database import new_database

    return new_database(pg_server)

