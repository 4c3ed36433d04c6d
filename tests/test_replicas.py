"""Replicas of the app on one PostgreSQL database: concurrent saves, a replica killed mid-save, one training run.

The replicas are real ``python app.py`` processes on a real PostgreSQL server (see the
``pg_server`` fixture), driven over HTTP with ``gradio_client`` as any client would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from gradio_client import Client

from ner.jobs import Busy, TrainingJobs
from ner.store import Store

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [f"Caso {i}: el paciente presenta fiebre alta y tos desde hace {i + 2} días." for i in range(12)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replica(url: str, folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = os.environ | {"NER_DATABASE_URL": url, "NER_DATA_DIR": str(folder / "data"), "NER_PUBLIC": "0",
                        "NER_CHECKPOINTS_DIR": str(folder / "checkpoints"), "GRADIO_SERVER_PORT": str(port),
                        "NER_LIVE_EVERY": "0"}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    address = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the replica exited: {proc.stderr.read()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, address
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("the replica did not start in 120 s")


@pytest.mark.slow
def test_two_replicas_on_one_database_lose_no_acknowledged_answer_when_one_is_killed(pg_url, tmp_path):
    (a, a_url), (b, b_url) = replica(pg_url, tmp_path / "a"), replica(pg_url, tmp_path / "b")
    try:
        Client(a_url, verbose=False).predict("shared", "loader", "\n".join(TEXTS), "position", "",
                                             api_name="/load_queue")
        with Store(pg_url) as store:
            docs = store.document_ids("shared")
        assert len(docs) == len(TEXTS)
        acknowledged: dict[str, list[int]] = {}
        stop = threading.Event()

        def annotate(address: str, name: str) -> None:
            client, mine = Client(address, verbose=False), acknowledged.setdefault(name, [])
            k = 0
            while not stop.is_set():
                try:
                    out = client.predict(docs[k % len(docs)], name, "accept", [], "shared", api_name="/save_answer")
                except Exception:  # the replica is gone: this annotator's client gives up, as a browser would
                    return
                mine.append(out["answer"])
                k += 1

        workers = [threading.Thread(target=annotate, args=(url, f"{who}{n}"))
                   for n in range(2) for who, url in (("a", a_url), ("b", b_url))]
        def until(done, timeout: float = 120) -> None:
            deadline = time.monotonic() + timeout
            while not done() and time.monotonic() < deadline:
                time.sleep(0.1)

        for w in workers:
            w.start()
        until(lambda: len(acknowledged) == 4 and all(len(ids) >= 3 for ids in acknowledged.values()))
        os.kill(b.pid, signal.SIGKILL)  # mid-save: its clients are saving in a loop
        b.wait(30)
        before = {name: len(ids) for name, ids in acknowledged.items()}
        until(lambda: all(len(acknowledged[f"a{n}"]) >= before[f"a{n}"] + 3 for n in range(2)))  # A carries on
        stop.set()
        for w in workers:
            w.join(60)
        saved = [i for ids in acknowledged.values() for i in ids]
        assert len(saved) == len(set(saved))  # no answer acknowledged twice
        assert all(len(acknowledged[f"a{n}"]) >= before[f"a{n}"] + 3 for n in range(2)), (before, acknowledged)
        with Store(pg_url) as store:
            rows = store.conn.execute("SELECT id, document, annotator, previous FROM answers ORDER BY id").fetchall()
            assert set(saved) <= {r["id"] for r in rows}  # every acknowledged answer is there
            for name, ids in acknowledged.items():
                stored = [r["id"] for r in rows if r["annotator"] == name]
                assert len(stored) - len(ids) <= 1  # at most the save in flight when its replica died
            last: dict[tuple[int, str], int] = {}
            for r in rows:  # each row's previous is its annotator's row before it: no save read a stale answer
                assert r["previous"] == last.get((r["document"], r["annotator"]))
                last[(r["document"], r["annotator"])] = r["id"]
            assert store.integrity_check() == "ok"
        (c, c_url) = replica(pg_url, tmp_path / "b")  # the killed replica comes back and sees everything
        try:
            progress = Client(c_url, verbose=False).predict("shared", "a0", api_name="/queue_progress")
            assert progress["done"] == min(len(docs), len(acknowledged["a0"]))
        finally:
            c.kill()
    finally:
        for proc in (a, b):
            if proc.poll() is None:
                proc.kill()


def test_one_training_run_at_a_time_across_replicas_and_the_next_after_it(pg_url):
    gate = threading.Event()

    def run(settings, extra=None, on_progress=None, cancel=None, root=None):
        gate.wait(30)
        return Path("done")

    first_store, second_store = Store(pg_url), Store(pg_url)  # two replicas' stores
    first = TrainingJobs(run=run, lock=lambda: first_store.exclusive("training"))
    second = TrainingJobs(run=run, lock=lambda: second_store.exclusive("training"))
    first.start(None)  # type: ignore[arg-type]
    with pytest.raises(Busy, match="another process"):
        second.start(None)  # type: ignore[arg-type]
    gate.set()
    assert first.wait(30).status == "done"
    second.start(None)  # type: ignore[arg-type]  # the lock went with the run
    assert second.wait(30).status == "done"
    first_store.close()
    second_store.close()
