"""Saves while live suggestions retrain: the latency an annotator feels, with the retraining in a thread or a child.

    python bench/live_saves.py [--saves 120] [--pause 0.25]

The app (the real Gradio server, in a process of its own on 127.0.0.1) suggests a queue of
the ``dev`` sentences with the CRF trained on the training split; it retrains a live
version every 5 accepted answers (``NER_LIVE_EVERY=5``, no rate limit: the worst case). A
simulated annotator accepts each sentence with its gold entities through ``POST
/gradio_api/run/save_answer`` (one HTTP request, what the editor's Enter costs), one every
``--pause`` seconds, and times each save. A save counts as *during a retraining* when the
item before or after it says a retraining runs (the item's ``retraining``). Two ways to
retrain, each in a fresh server:

* ``thread``: ``ner.crf.train_crf`` in a background thread of the server (before: crfsuite
  and the feature extraction hold the GIL, so the request threads wait);
* ``child``: ``ner.annotation.live.train_apart``, a spawned child process at a lower CPU
  priority (as shipped).

The dev sentences are annotated gold, never trained on before the session; the unannotated
lines of scenarios 1 and 4 are not used.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
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
    training_split,
    wait_for_quiet,
    write_results,
)

SERVER = """
import sys, time
sys.path.insert(0, {project!r})
from ner.settings import Settings
from ner.ui.app import build_app, launch_kwargs
settings = Settings(checkpoints={root!r} + "/checkpoints", data_dir={root!r} + "/data", train_split={split!r},
                    live_every=5, live_queue_seconds=0, live_per_hour=10_000)
demo = build_app(settings)
if {mode!r} == "thread":
    from ner.crf import train_crf
    demo.ner_context.annotation.live._train = train_crf
demo.queue(default_concurrency_limit=4).launch(server_port={port}, prevent_thread_lock=True, quiet=True,
                                               **launch_kwargs(settings))
print("ready", flush=True)
while True:
    time.sleep(3600)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(client, api: str, *data):
    answer = client.post(f"/gradio_api/run/{api}", json={"data": list(data)})
    answer.raise_for_status()
    return answer.json()["data"][0]


def session(mode: str, root: Path, gold: dict[str, list[dict]], saves: int, pause: float) -> dict:
    """One fresh server retraining by ``mode``; every save's latency and whether a retraining ran."""
    import httpx

    port = free_port()
    code = SERVER.format(project=str(PROJECT_DIR), root=str(root), split=training_split(), mode=mode, port=port)
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "NER_LIVE_EVERY": "5"}
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)
        queue = f"live-{mode}"
        item = run(client, "load_queue", queue, "bench", "\n".join(gold), "position", "")
        while item.get("preannotation"):  # the queue's background pre-annotation, out of the way first
            time.sleep(0.5)
            item = run(client, "next_item", queue, "bench", "position", "")
        out, models = [], set()
        for _ in range(saves):
            if item.get("finished"):
                break
            before = item.get("retraining") is not None
            t0 = time.perf_counter()
            got = run(client, "save_answer", item["doc"], "bench", "accept", gold[item["text"]], queue,
                      "position", "", [])
            seconds = time.perf_counter() - t0
            item = got["next"]
            out.append({"seconds": seconds, "retraining": before or item.get("retraining") is not None})
            models.add(item.get("model"))
            time.sleep(pause)
        return {"saves": out, "versions": sorted(m for m in models if m and "+live" in m)}
    finally:
        server.kill()
        server.wait()


def summary(saves: list[dict]) -> dict:
    def figures(values: list[float]) -> dict:
        ms = [v * 1000 for v in values]
        return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": max(ms),
                "over_200_ms": sum(v > 200 for v in ms)} if ms else {"n": 0}
    return {"idle": figures([s["seconds"] for s in saves if not s["retraining"]]),
            "retraining": figures([s["seconds"] for s in saves if s["retraining"]])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=120)
    parser.add_argument("--pause", type=float, default=0.25)
    args = parser.parse_args()
    setup_environment()
    from ner import corpus
    from ner.entities import entity_to_json
    from ner.train import TrainSettings, train

    gold = {d.text: [entity_to_json(e, d.text) for e in d.entities] for d in corpus.load("dev") if d.annotated}
    results, loads = {}, {}
    for mode in ("thread", "child"):
        root = Path(tempfile.mkdtemp(prefix=f"live-saves-{mode}-"))
        train(TrainSettings(base_model="crf", run_name="crf", train_split=training_split(), eval_splits=()),
              root=root / "checkpoints")
        quiet = wait_for_quiet()
        load = OtherLoad()
        results[mode] = session(mode, root, gold, args.saves, args.pause)
        loads[mode] = {**load.stop(), "before": quiet}
    rows = []
    for mode, label in (("thread", "in a thread (before)"), ("child", "in a child process (shipped)")):
        s = summary(results[mode]["saves"])
        for state in ("idle", "retraining"):
            f = s[state]
            rows.append([label if state == "idle" else "", state, f["n"],
                         *(f"{f[k]:.0f}" if f["n"] else "-" for k in ("p50_ms", "p95_ms", "max_ms")),
                         f.get("over_200_ms", "-")])
        results[mode]["summary"] = s
    table = md_table(["retraining", "saves", "n", "p50 ms", "p95 ms", "max ms", "> 200 ms"], rows)
    versions = {m: len(r["versions"]) for m, r in results.items()}
    text = (f"{table}\n\nOne annotator, {args.saves} saves of dev sentences ({args.pause} s apart), a live CRF "
            f"version every 5 accepts; versions reached: {json.dumps(versions)}; other load (cores): "
            f"{json.dumps({m: loads[m]['other_cores'] for m in loads})}. {machine_line(machine())}\n"
            f"Command: `python bench/live_saves.py --saves {args.saves} --pause {args.pause}`")
    print(text)
    write_results("live_saves", text, {"machine": machine(), "results": results, "load": loads})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
