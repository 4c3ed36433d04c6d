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
    """A real PostgreSQL server: ``$NER_TEST_DATABASE_URL`` (``.ci/run`` starts one), else a throwaway cluster
    started here from Debian's binaries (as the ``postgres`` user when the tests run as root) and stopped after.
    Its absence fails in CI and skips elsewhere. Yields the URL of a database that may create databases."""
    import glob
    import shutil
    import subprocess

    url = os.environ.get("NER_TEST_DATABASE_URL")
    if url:
        yield url
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (apt-get install postgresql) and NER_TEST_DATABASE_URL is unset")
        pytest.skip("no PostgreSQL server here (apt-get install postgresql, or set NER_TEST_DATABASE_URL)")
    bin_dir = Path(found[-1]).parent
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ner-pg-"))  # not under pytest's folder, which the postgres user cannot enter
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", 54329 + os.getpid() % 500
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "ner", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=localhost -c max_connections=200", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://ner@localhost:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A new, empty database on the test server for one test."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.rsplit("/", 1)[0] + "/" + name
