"""Downloading the corpus, against a real HTTP server on 127.0.0.1 that serves a copy of it."""

from __future__ import annotations

import functools
import hashlib
import shutil
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ner import corpus
from ner.download import COMMIT, LICENCE_NOTICE, MANIFEST, DownloadError, download, file_url, verify


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(real_corpus, tmp_path):
    """``(base_url, data folder)``: a local server laid out like raw.githubusercontent.com."""
    root = tmp_path / "mirror"
    shutil.copytree(real_corpus / "data", root / COMMIT / "data")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root / COMMIT / "data"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _leftovers(parent: Path, dest: Path) -> list[str]:
    """Everything next to ``dest`` except ``dest`` and the mirror: temporary folders, say."""
    return sorted(p.name for p in parent.iterdir() if p not in (dest, parent / "mirror"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_manifest_matches_the_shared_copy(real_corpus):
    on_disk = {p.relative_to(real_corpus / "data").as_posix() for p in (real_corpus / "data").rglob("*") if p.is_file()}
    assert set(MANIFEST) == on_disk
    assert verify(real_corpus) == []


def test_file_url():
    assert file_url("training/scenario.txt", "https://example.org/mirror/") == (
        f"https://example.org/mirror/{COMMIT}/data/training/scenario.txt"
    )
    assert file_url("README.md").startswith(
        f"https://raw.githubusercontent.com/knowledge-learning/ehealthkd-2020/{COMMIT}/data/"
    )


def test_full_download_verifies_and_reads_back(mirror, tmp_path, monkeypatch):
    base, _ = mirror
    dest = tmp_path / "corpus"
    calls, said = [], []
    assert download(dest, base, progress=lambda done, total: calls.append((done, total)), echo=said.append) == dest
    total = len(MANIFEST)
    assert calls == [(i, total) for i in range(total + 1)]
    assert said[0] == LICENCE_NOTICE and "CC BY-NC-SA 4.0" in LICENCE_NOTICE
    assert verify(dest) == []
    assert _leftovers(tmp_path, dest) == []
    monkeypatch.setenv("NER_CORPUS_DIR", str(dest))
    assert len(corpus.load("train")) == 800
    assert corpus.stats(corpus.load("test")).entities == 556


def test_default_destination_and_url_from_the_environment(mirror, tmp_path, monkeypatch):
    base, _ = mirror
    monkeypatch.setenv("NER_CORPUS_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("NER_CORPUS_URL", base)
    assert download(echo=None) == tmp_path / "from-env"
    assert corpus.corpus_available()


def test_a_verified_destination_is_left_alone(mirror, tmp_path):
    base, _ = mirror
    dest = download(tmp_path / "corpus", base, echo=None)
    stamp = (dest / "data" / "training" / "scenario.txt").stat().st_mtime_ns
    said = []
    # nothing is fetched: an unreachable server does not matter
    assert download(dest, f"http://127.0.0.1:{_closed_port()}", echo=said.append) == dest
    assert "already holds" in said[-1] and "verified" in said[-1]
    assert (dest / "data" / "training" / "scenario.txt").stat().st_mtime_ns == stamp


def test_a_different_destination_needs_force(mirror, tmp_path):
    base, _ = mirror
    dest = download(tmp_path / "corpus", base, echo=None)
    changed = dest / "data" / "development" / "main" / "scenario.ann"
    changed.write_bytes(changed.read_bytes().replace(b"Concept", b"Konzept", 1))
    with pytest.raises(DownloadError, match=r"exists but differs.*data/development/main/scenario\.ann.*--force"):
        download(dest, base, echo=None)
    assert verify(dest) != []  # untouched
    download(dest, base, force=True, echo=None)
    assert verify(dest) == []
    assert _leftovers(tmp_path, dest) == []


def test_an_empty_destination_folder_is_filled(mirror, tmp_path):
    base, _ = mirror
    (tmp_path / "corpus").mkdir()
    download(tmp_path / "corpus", base, echo=None)
    assert verify(tmp_path / "corpus") == []


def test_a_corrupted_file_is_an_error_and_leaves_nothing(mirror, tmp_path):
    base, data = mirror
    bad = data / "training" / "scenario.ann"
    content = bad.read_bytes()
    bad.write_bytes(content.replace(b"Action", b"Accion", 1))  # same size, other bytes
    dest = tmp_path / "corpus"
    with pytest.raises(DownloadError) as info:
        download(dest, base, echo=None)
    message = str(info.value)
    assert "data/training/scenario.ann: checksum mismatch" in message
    assert MANIFEST["training/scenario.ann"][0] in message  # expected
    assert hashlib.sha256(bad.read_bytes()).hexdigest() in message  # got
    assert not dest.exists()
    assert _leftovers(tmp_path, dest) == []


def test_a_longer_file_is_an_error(mirror, tmp_path):
    base, data = mirror
    (data / "README.md").write_bytes((data / "README.md").read_bytes() + b"extra")
    with pytest.raises(DownloadError, match=r"data/README\.md: expected 383 bytes .* got more"):
        download(tmp_path / "corpus", base, echo=None)
    assert _leftovers(tmp_path, tmp_path / "corpus") == []


def test_a_failed_forced_download_keeps_the_old_copy(mirror, tmp_path):
    base, data = mirror
    dest = download(tmp_path / "corpus", base, echo=None)
    (dest / "data" / "README.md").write_text("mine", encoding="utf-8")
    (data / "testing" / "README.md").unlink()
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(dest, base, force=True, echo=None)
    assert (dest / "data" / "README.md").read_text(encoding="utf-8") == "mine"
    assert _leftovers(tmp_path, dest) == []


def test_a_missing_file_is_an_error_and_leaves_nothing(mirror, tmp_path):
    base, data = mirror
    (data / "testing" / "scenario2-taskA" / "scenario.txt").unlink()
    dest = tmp_path / "corpus"
    with pytest.raises(DownloadError, match=r"data/testing/scenario2-taskA/scenario\.txt: .* answered HTTP 404"):
        download(dest, base, echo=None)
    assert not dest.exists()
    assert _leftovers(tmp_path, dest) == []


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    port = _closed_port()
    dest = tmp_path / "corpus"
    with pytest.raises(DownloadError, match=rf"cannot reach 127\.0\.0\.1:{port} .*offline.*NER_CORPUS_URL"):
        download(dest, f"http://127.0.0.1:{port}", echo=None)
    assert not dest.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_silent_server_times_out(tmp_path):
    with socket.socket() as listener:  # accepts connections (backlog) and never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        base = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with pytest.raises(DownloadError, match=r"no answer from .* within 0\.3 s"):
            download(tmp_path / "corpus", base, echo=None, timeout=0.3)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_an_error(tmp_path):
    (tmp_path / "corpus").write_text("not a folder", encoding="utf-8")
    with pytest.raises(DownloadError, match="not a folder"):
        download(tmp_path / "corpus", "http://127.0.0.1:9", echo=None)
