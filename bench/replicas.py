"""Answers per second and save latency with one and two app replicas, on SQLite and on PostgreSQL.

    python bench/replicas.py [--seconds 20] [--clients 8]

Each setup starts real ``python app.py`` processes (no model: saves only) and ``--clients``
annotators, spread over the replicas, each saving accepted answers over HTTP with
``gradio_client`` as fast as it can for ``--seconds``:

* ``sqlite, 1 replica``: the default store, a file;
* ``postgresql, 1 replica`` and ``postgresql, 2 replicas``: a throwaway PostgreSQL server
  (``ner.database.throwaway_server``, Debian's binaries) on this machine.

With 2 CPU cores, two replicas compete with each other and with the server for the same
cores: the figure that matters is that a second replica costs nothing in answers lost and
little in latency, not a speed-up. Output: ``bench/results/replicas.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    PROJECT_DIR,
    OtherLoad,
    machine,
    machine_line,
    md_table,
    percentile,
    setup_environment,
    wait_for_quiet,
    write_results,
)

TEXTS = [f"Caso {i}: el paciente presenta fiebre alta y tos desde hace {i + 2} días." for i in range(200)]


def start_replica(env: dict, folder: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = os.environ | env | {"NER_DATA_DIR": str(folder / "data"), "NER_CHECKPOINTS_DIR": str(folder / "ck"),
                              "NER_PUBLIC": "0", "NER_LIVE_EVERY": "0", "GRADIO_SERVER_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("a replica did not start")


def run(name: str, env: dict, replicas: int, clients: int, seconds: float, store_target) -> dict:
    from gradio_client import Client

    from ner.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = [start_replica(env, folder) for _ in range(replicas)]
        try:
            Client(started[0][1], verbose=False).predict("bench", "loader", "\n".join(TEXTS), "position", "",
                                                         api_name="/load_queue")
            with Store(store_target(folder)) as store:
                docs = store.document_ids("bench")
            latencies: list[float] = []
            saved: list[int] = []
            stop = threading.Event()
            lock = threading.Lock()

            def annotate(k: int) -> None:
                client = Client(started[k % replicas][1], verbose=False)
                n = 0
                while not stop.is_set():
                    t0 = time.perf_counter()
                    out = client.predict(docs[(k * 37 + n) % len(docs)], f"a{k}", "accept", [], "bench",
                                         api_name="/save_answer")
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        saved.append(out["answer"])
                    n += 1

            wait_for_quiet(30)
            load = OtherLoad()
            workers = [threading.Thread(target=annotate, args=(k,)) for k in range(clients)]
            for w in workers:
                w.start()
            time.sleep(seconds)
            stop.set()
            for w in workers:
                w.join(60)
            other = load.stop()
            with Store(store_target(folder)) as store:
                stored = {r[0] for r in store.conn.execute("SELECT id FROM answers")}
                integrity = store.integrity_check()
        finally:
            for proc, _ in started:
                proc.kill()
                proc.wait()
    ms = [x * 1000 for x in latencies]
    return {"setup": name, "replicas": replicas, "clients": clients, "answers": len(saved),
            "answers_per_second": round(len(saved) / other["wall_seconds"], 1),
            "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 95), 1),
            "lost": len(set(saved) - stored), "duplicates": len(saved) - len(set(saved)), "integrity": integrity,
            "other_cores": other["other_cores"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--port", type=int, default=54400)
    args = parser.parse_args()
    setup_environment()
    from ner.database import new_database, throwaway_server

    rows = [run("sqlite, 1 replica", {}, 1, args.clients, args.seconds, lambda f: f / "data" / "annotations.db")]
    with throwaway_server(args.port) as server:
        for replicas in (1, 2):
            url = new_database(server)
            rows.append(run(f"postgresql, {replicas} replica{'s' * (replicas > 1)}", {"NER_DATABASE_URL": url},
                            replicas, args.clients, args.seconds, lambda f, url=url: url))
    m = machine()
    headers = ["setup", "answers/s", "save p50 ms", "save p95 ms", "answers", "lost", "duplicated", "integrity",
               "other cores busy"]
    table = md_table(headers, [[r["setup"], r["answers_per_second"], r["p50_ms"], r["p95_ms"], r["answers"],
                                r["lost"], r["duplicates"], r["integrity"], r["other_cores"]] for r in rows])
    text = f"{table}\n\n{args.clients} annotators saving as fast as they can for {args.seconds:.0f} s. " \
           f"{machine_line(m)}\nCommand: `python bench/replicas.py --seconds {args.seconds:.0f} " \
           f"--clients {args.clients}`"
    print(text)
    write_results("replicas", text, {"machine": m, "rows": rows, "args": vars(args)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
