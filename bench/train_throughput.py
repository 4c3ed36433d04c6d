"""Training throughput on this machine through our real training path (``ner.train.train``).

    .venv/bin/python bench/train_throughput.py                # 3 runs, ~6 min on 2 cores
    .venv/bin/python bench/train_throughput.py --runs e5-frozen --docs 32

Each run is one epoch of ``TrainSettings(base_model=<folder>, epochs=1, max_train_docs=N,
batch_size=8, max_length=128, eval_splits=(), use_cpu=True, patience=0)`` in its own
subprocess, so the full path runs: tokenise and align, Trainer steps, the dev evaluation at
the end of the epoch (official F1 on the 199 dev sentences), the Trainer's checkpoint save,
reloading the best model, the final save. Training progress reports (one per step) time the
optimisation steps alone, so the dev evaluation does not dilute them:

* steady samples/s: samples between the first and the last step report over the time
  between them (the first step, which warms up, is left out);
* dev evaluation seconds: from the last step report to the dev-F1 report;
* the Trainer's own ``train_samples_per_second`` (its whole ``train()`` call, dev evaluation
  and checkpoint saves included) and the wall time of ``train()``;
* peak RSS of the subprocess.

Runs: ``roberta`` (RoBERTa-base size, random weights), ``e5`` (the offline encoder,
multilingual-e5-small, all weights trained), ``e5-frozen`` (the same with the word-embedding
matrix frozen: ``freeze_embeddings=True``), ``e5-frozen-bf16`` (the same in bf16 CPU autocast,
``precision="bf16"``). Writes ``bench/results/train_throughput.md/.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

RUNS = {
    "roberta": ("RoBERTa-base size (random init)", False),
    "e5": ("offline encoder (multilingual-e5-small)", False),
    "e5-frozen": ("offline encoder, word embeddings frozen", True),
    "e5-frozen-bf16": ("offline encoder, word embeddings frozen, bf16 autocast", True),
}


def base_folder(key: str) -> Path | None:
    if key == "roberta":
        return common.build_roberta_base()  # random head too; train() keeps a head of the same shape
    return common.offline_encoder()


def step_rate(reports: list[tuple[int, float, str]], batch_size: int, windows: int) -> dict:
    """Steady samples/s from ``(step, elapsed seconds, message)`` progress reports.

    Sums the intervals between consecutive step reports, leaving out the first step (warm-up)
    and any interval with an evaluation report (a message) inside it: dev evaluation and the
    checkpoint save that follows it. ``windows`` is the number of training rows per epoch (the
    last batch of an epoch may be short).
    """
    per_epoch = max(1, math.ceil(windows / batch_size))

    def samples(step: int) -> int:
        return (step // per_epoch) * windows + min((step % per_epoch) * batch_size, windows)

    seconds = 0.0
    done = steps = 0
    prev: tuple[int, float] | None = None
    first: float | None = None
    for step, t, message in reports:
        if message:  # an evaluation happened since the previous report: do not count across it
            prev = None
            continue
        if step < 1:
            continue
        if first is None:
            first = t
        if prev is not None and step > prev[0]:
            seconds += t - prev[1]
            done += samples(step) - samples(prev[0])
            steps += step - prev[0]
        if prev is None or step > prev[0]:
            prev = (step, t)
    if not seconds:
        return {"steady_samples_per_second": None, "seconds_per_step": None, "timed_steps": 0}
    return {
        "steady_samples_per_second": round(done / seconds, 2),
        "seconds_per_step": round(seconds / steps, 3),
        "timed_steps": steps,
        "first_step_seconds": round(first or 0.0, 2),  # from the start of train(): loading, tokenising, step 1
        "last_step_at_seconds": round(max(t for s_, t, m in reports if not m and s_ > 0), 2),
    }


def worker(key: str, folder: Path, docs: int, batch_size: int, max_length: int) -> None:
    """Subprocess body: one training run; prints its figures as JSON on the last line."""
    common.setup_environment()
    threads = common.set_threads()
    from ner.train import TrainSettings, train

    root = common.OUT_DIR / "train-runs"
    run_name = f"bench-{key}-{int(time.time())}"
    settings = TrainSettings(
        base_model=str(folder), run_name=run_name, epochs=1, max_train_docs=docs, batch_size=batch_size,
        eval_batch_size=64, max_length=max_length, eval_splits=(), use_cpu=True, patience=0,
        freeze_embeddings=RUNS[key][1], logging_steps=1, precision="bf16" if key.endswith("-bf16") else "auto",
    )
    reports: list[tuple[int, float, str]] = []
    monitor = common.OtherLoad()
    t0 = time.perf_counter()
    out = train(settings, on_progress=lambda p: reports.append((p.step, p.elapsed_seconds, p.message)),
                root=root)
    wall = time.perf_counter() - t0
    load = monitor.stop()
    metrics = json.loads((out / "metrics.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    samples = metrics["train_windows"]
    rate = step_rate(reports, batch_size, samples)
    last_step_t = rate.get("last_step_at_seconds")
    dev_t = next((t for s, t, m in reports if m.startswith("epoch")), None)
    import torch

    model_params = None
    try:
        from transformers import AutoConfig

        cfg = AutoConfig.from_pretrained(str(folder))
        model_params = {"layers": cfg.num_hidden_layers, "hidden": cfg.hidden_size, "vocab": cfg.vocab_size}
    except (OSError, ValueError):
        pass
    with open("/proc/self/status") as f:
        peak = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))
    print(json.dumps({
        "run": key, "base_model": str(folder), "model": model_params,
        "train_documents": metrics["train_documents"], "train_windows": samples, "batch_size": batch_size,
        "max_length": max_length, "steps": math.ceil(samples / batch_size), **rate,
        "dev_evaluation_seconds": round(dev_t - last_step_t, 2) if dev_t and last_step_t else None,
        "trainer_train_samples_per_second": metrics.get("train_samples_per_second"),
        "trainer_train_seconds": metrics.get("train_seconds"),
        "train_call_wall_seconds": round(wall, 2), "peak_rss_mib": round(peak, 1), "torch_threads": threads,
        "torch_version": torch.__version__, "load": load,
    }))


def table(rows: list[dict]) -> str:
    headers = ["run", "steady samples/s", "s/step (batch 8)", "timed steps", "dev eval s (199 sent.)",
               "Trainer samples/s (incl. eval+saves)", "train() wall s", "peak RSS MiB", "other cores busy"]
    out = []
    for r in rows:
        if "error" in r:
            out.append([RUNS[r["run"]][0], "error: " + r["error"], "", "", "", "", "", "", ""])
            continue
        out.append([
            RUNS[r["run"]][0],
            r["steady_samples_per_second"],
            r["seconds_per_step"],
            r["timed_steps"],
            r["dev_evaluation_seconds"],
            round(r["trainer_train_samples_per_second"], 2) if r["trainer_train_samples_per_second"] else "-",
            r["train_call_wall_seconds"],
            round(r["peak_rss_mib"]),
            r["load"]["other_cores"],
        ])
    return common.md_table(headers, out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", default="roberta,e5,e5-frozen", help="comma-separated: " + ", ".join(RUNS))
    ap.add_argument("--docs", type=int, default=64, help="training sentences (max_train_docs)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--wait-quiet", type=float, default=120,
                    help="seconds to wait at most for other processes to leave the CPUs before each run (0: no wait)")
    ap.add_argument("--worker", choices=list(RUNS), help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.folder, args.docs, args.batch_size, args.max_length)
        return

    common.setup_environment()
    threads = common.set_threads()
    rows = []
    for key in [k.strip() for k in args.runs.split(",") if k.strip()]:
        folder = base_folder(key)
        if folder is None:
            rows.append({"run": key, "error": "base model not available"})
            continue
        quiet = common.wait_for_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
        print(f"{key}: training one epoch on {args.docs} sentences from {folder} (quiet check: {quiet}) ...",
              file=sys.stderr)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", key, "--folder", str(folder), "--docs", str(args.docs),
             "--batch-size", str(args.batch_size), "--max-length", str(args.max_length)],
            capture_output=True, text=True, timeout=900,
        )
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-3:]
            rows.append({"run": key, "error": " / ".join(tail) or f"exit {done.returncode}"})
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]) | {"quiet_check_before": quiet})
    machine = common.machine()
    md = "\n".join([
        "# Training throughput (CPU), through ner.train.train",
        "",
        f"Machine: {common.machine_line(machine)}.",
        f"One epoch on the first {args.docs} training sentences, batch {args.batch_size}, max length "
        f"{args.max_length}, fp32 unless the run says bf16, torch threads {threads}; dev evaluation at the end of "
        "the epoch (199 "
        f"sentences). Command: `python bench/train_throughput.py {' '.join(sys.argv[1:])}`".rstrip() + ".",
        "",
        table(rows),
        "",
        "Steady samples/s: optimisation steps only (step 1 excluded), timed from the training progress "
        "reports. Trainer samples/s: the Trainer's own figure over its whole train() call (dev evaluation "
        "and checkpoint saves included). Other cores busy: CPU used by other processes during the run, in "
        "cores (0 = a quiet machine).",
    ])
    common.write_results("train_throughput", md, {"machine": machine, "docs": args.docs,
                                                  "batch_size": args.batch_size, "max_length": args.max_length,
                                                  "runs": rows})
    print(md)


if __name__ == "__main__":
    main()
