"""One call on a lent GPU: is CUDA there, what GPU, how fast do we train (bf16) and predict.

    python bench/gpu_check.py                    # on the GPU machine; finishes well within 8 minutes
    python bench/gpu_check.py --cpu --model tiny --max-train-docs 16   # test the script on a CPU

Without CUDA it prints "no CUDA: ..." and exits 0 (``--cpu`` runs the same path on the CPU
in fp32, to test the script). With CUDA:

1. the GPU through NVML (``pynvml`` from nvidia-ml-py): name, driver, memory;
2. a model: ``roberta`` (default; RoBERTa-base size, random weights, byte-level BPE tokenizer
   trained on the training text: speed does not depend on weights), ``e5`` (the offline
   encoder, only if already built and cached: the GPU machine cannot download it) or ``tiny``;
3. training through ``ner.train.train`` with ``precision="bf16"`` on the real training
   split when the corpus is there (``NER_CORPUS_DIR`` or ``data/ehealthkd-2020``), else on
   ``data/sample``; bounded by ``--epochs`` and ``--max-train-docs``. Recorded: steady
   samples/s (optimisation steps only, from the progress reports), the Trainer's samples/s,
   wall time, ``torch.cuda.max_memory_allocated`` and the NVML peak of memory used;
4. prediction on the test split with the trained checkpoint on the GPU: our predictor at
   batch 32 and 128 (sentences/s, best of 5) and single-sentence latency; the
   transformers pipeline (batch 32) for comparison.

A deadline (``--budget-seconds``, default 420) skips the phases that would not fit; every
phase's error is recorded, not raised. Writes ``$OUT/gpu_check.json`` when ``$OUT`` is set,
else ``bench/results/gpu_check.json`` (``bench/out/gpu_check.json`` for a ``--cpu`` test). Numbers only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402


def output_path(device: str) -> Path:
    """``$OUT/gpu_check.json``; else bench/results/ for a GPU run, bench/out/ (ignored) for a CPU test."""
    out = os.environ.get("OUT")
    if out:
        return Path(out) / "gpu_check.json"
    return (common.RESULTS_DIR if device == "cuda" else common.OUT_DIR) / "gpu_check.json"


def nvml_info() -> dict:
    """Driver, CUDA driver version and every GPU's name and memory via NVML; ``error`` when NVML fails."""
    try:
        import pynvml
    except ImportError as exc:
        return {"error": f"pynvml (nvidia-ml-py) not installed: {exc}"}
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return {"error": f"NVML unavailable: {exc}"}
    try:
        def text(x):
            return x.decode() if isinstance(x, bytes) else str(x)

        gpus = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            h = pynvml.nvmlDeviceGetHandleByIndex(i)
            mem = pynvml.nvmlDeviceGetMemoryInfo(h)
            gpus.append({"index": i, "name": text(pynvml.nvmlDeviceGetName(h)),
                         "memory_total_mib": round(mem.total / 2**20), "memory_used_mib": round(mem.used / 2**20)})
        return {"driver": text(pynvml.nvmlSystemGetDriverVersion()),
                "cuda_driver_version": pynvml.nvmlSystemGetCudaDriverVersion(), "gpus": gpus}
    except pynvml.NVMLError as exc:
        return {"error": f"NVML query failed: {exc}"}
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass


def model_folder(kind: str) -> Path | None:
    if kind == "e5":
        cached = common.DEFAULT_ENCODER_CACHE
        return cached if (cached / "config.json").is_file() else None
    return common.build_roberta_base(tiny=kind == "tiny")


def train_phase(folder: Path, args, device: str, splits: dict) -> tuple[dict, Path]:
    import torch
    from train_throughput import step_rate

    from ner.train import TrainSettings, train

    settings = TrainSettings(
        base_model=str(folder), run_name=f"gpu-check-{int(time.time())}", epochs=args.epochs,
        batch_size=args.batch_size, eval_batch_size=128, max_length=256, max_train_docs=args.max_train_docs,
        precision="fp32" if device == "cpu" else "bf16", use_cpu=device == "cpu", patience=0, eval_splits=(),
        train_split=splits["train"], dev_split=splits["dev"], logging_steps=10,
    )
    reports: list[tuple[int, float, str]] = []
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    out = train(settings, on_progress=lambda p: reports.append((p.step, p.elapsed_seconds, p.message)),
                root=common.OUT_DIR / "gpu-runs")
    wall = time.perf_counter() - t0
    metrics = json.loads((out / "metrics.json").read_text())
    history = json.loads((out / "log_history.json").read_text())
    res = {
        "precision": json.loads((out / "settings.json").read_text()).get("precision_used"),
        "epochs": args.epochs, "batch_size": args.batch_size, "max_length": 256,
        "train_documents": metrics["train_documents"], "train_windows": metrics["train_windows"],
        **step_rate(reports, args.batch_size, metrics["train_windows"]),
        "trainer_train_samples_per_second": metrics.get("train_samples_per_second"),
        "trainer_train_seconds": metrics.get("train_seconds"),
        "train_call_wall_seconds": round(wall, 2),
        "dev_f1_per_epoch": [h["eval_official_f1"] for h in history if "eval_official_f1" in h],
        "device": metrics.get("device"),
    }
    if device == "cuda":
        res["torch_max_memory_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        res["torch_max_memory_reserved_mib"] = round(torch.cuda.max_memory_reserved() / 2**20, 1)
        res["finetune_gpu_peak_memory_allocated_mib"] = metrics.get("gpu_peak_memory_allocated_mib")
        res["nvml_peak_memory_used_mib"] = metrics.get("gpu_peak_memory_used_mib_nvml")
    return res, out


def predict_phase(checkpoint: Path, device: str, split: str, deadline: float) -> dict:
    import torch

    from ner.predict import TransformerPredictor

    texts = common.texts_of(split)
    res: dict = {"split": split, "sentences": len(texts)}

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    for bs in (32, 128):
        p = TransformerPredictor(checkpoint, device=device, batch_size=bs)
        p.predict(texts)  # warm-up
        times = []
        for _ in range(5):
            if time.monotonic() > deadline:
                break
            sync()
            t0 = time.perf_counter()
            p.predict(texts)
            sync()
            times.append(time.perf_counter() - t0)
        if times:
            res[f"ours_batch{bs}_sentences_per_second"] = round(len(texts) / min(times), 1)
    lat = []
    for text in texts:
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        p.predict([text])
        sync()
        lat.append((time.perf_counter() - t0) * 1000)
    if lat:
        res["ours_latency_ms_median"] = round(common.percentile(lat, 50), 2)
        res["ours_latency_ms_p95"] = round(common.percentile(lat, 95), 2)
    if time.monotonic() < deadline:
        from transformers import pipeline

        pipe = pipeline("token-classification", model=str(checkpoint), tokenizer=str(checkpoint),
                        aggregation_strategy="simple", device=0 if device == "cuda" else -1)
        pipe(texts, batch_size=32)
        times = []
        for _ in range(3):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            pipe(texts, batch_size=32)
            sync()
            times.append(time.perf_counter() - t0)
        if times:
            res["pipeline_batch32_sentences_per_second"] = round(len(texts) / min(times), 1)
    if device == "cuda":
        res["torch_max_memory_allocated_mib_after_predict"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["roberta", "e5", "tiny"], default="roberta")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-train-docs", type=int, default=None, help="the first N training sentences")
    ap.add_argument("--budget-seconds", type=float, default=420, help="skip phases that would start after this")
    ap.add_argument("--cpu", action="store_true", help="no GPU: run the same path on the CPU (fp32), to test")
    args = ap.parse_args()
    started = time.monotonic()
    deadline = started + args.budget_seconds
    common.setup_environment()
    import torch

    report: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "torch": torch.__version__,
                    "torch_cuda_build": torch.version.cuda, "cuda_available": torch.cuda.is_available(),
                    "args": vars(args), "errors": {}}
    if not torch.cuda.is_available() and not args.cpu:
        why = "this torch is a CPU build" if torch.version.cuda is None else "no CUDA device is visible"
        nv = nvml_info()
        print(f"no CUDA: {why} (torch {torch.__version__}); NVML: {nv.get('error') or nv}. Nothing to check; "
              "run with --cpu to test the script on the CPU.")
        if os.environ.get("OUT"):
            report["no_cuda"] = why
            report["nvml"] = nv
            _write(report)
        return 0

    device = "cuda" if torch.cuda.is_available() and not args.cpu else "cpu"
    report["device"] = device
    report["machine"] = common.machine()
    report["nvml"] = nvml_info()
    if device == "cuda":
        report["cuda"] = {"device_name": torch.cuda.get_device_name(0),
                          "capability": torch.cuda.get_device_capability(0),
                          "bf16_supported": torch.cuda.is_bf16_supported(), "device_count": torch.cuda.device_count()}
        print(f"CUDA: {report['cuda']['device_name']}; NVML: {report['nvml']}", flush=True)
    else:
        common.set_threads()
    from ner.corpus import corpus_available

    real = corpus_available()
    names = ("train", "dev", "test")
    splits = {n: n for n in names} if real else dict.fromkeys(names, "sample")
    report["corpus"] = "eHealth-KD 2020 (real)" if real else "data/sample (the corpus is not on this machine)"
    checkpoint = None
    try:
        folder = model_folder(args.model)
        if folder is None:
            raise FileNotFoundError("the offline encoder is not cached here; use --model roberta")
        report["model"] = {"kind": args.model, "folder": str(folder)}
        print(f"training {args.model} ({device}) on {report['corpus']} ...", flush=True)
        report["train"], checkpoint = train_phase(folder, args, device, splits)
        print(f"train: {report['train']}", flush=True)
    except Exception as exc:  # record and go on: the JSON is the deliverable
        report["errors"]["train"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    if checkpoint is not None:
        if time.monotonic() < deadline:
            try:
                report["predict"] = predict_phase(checkpoint, device, splits["test"], deadline)
                print(f"predict: {report['predict']}", flush=True)
            except Exception as exc:
                report["errors"]["predict"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
        else:
            report["errors"]["predict"] = "skipped: the time budget was spent"
        shutil.rmtree(checkpoint, ignore_errors=True)
    report["nvml_after"] = nvml_info()
    report["seconds_total"] = round(time.monotonic() - started, 1)
    path = _write(report)
    print(f"wrote {path} ({report['seconds_total']} s)")
    return 0


def _write(report: dict) -> Path:
    path = output_path(report.get("device", "none"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


if __name__ == "__main__":
    sys.exit(main())
