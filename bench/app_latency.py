"""What the web app adds to one prediction: the HTTP API against the predictor alone.

    python bench/app_latency.py [--repeat 2]

The app (the real Gradio server on 127.0.0.1) and the predictor alone predict each sentence
of the official test split one at a time, with the same model, after a warm-up; the table
gives median and p95 latency of each and the difference. Models: the CRF trained on the
training split, and the offline encoder with a token-classification head when it is there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    build_encoder_ner,
    machine,
    machine_line,
    md_table,
    percentile,
    set_threads,
    setup_environment,
    texts_of,
    write_results,
)


def timings(fn, texts: list[str], repeat: int) -> list[float]:
    for text in texts[:5]:
        fn(text)  # warm-up
    out = []
    for _ in range(repeat):
        for text in texts:
            t0 = time.perf_counter()
            fn(text)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(model: str, texts: list[str], repeat: int, root: Path) -> dict:
    from gradio_client import Client

    from ner.predict import load_predictor
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    predictor = load_predictor(model)
    alone = timings(lambda t: predictor.predict([t]), texts, repeat)
    demo = build_app(AppConfig(checkpoints=root, data_dir=root))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    try:
        client = Client(demo.local_url, verbose=False)
        api = timings(lambda t: client.predict(t, model, api_name="/predict"), texts, repeat)
    finally:
        demo.close()
    return {
        "alone_median_ms": statistics.median(alone), "alone_p95_ms": percentile(alone, 95),
        "api_median_ms": statistics.median(api), "api_p95_ms": percentile(api, 95), "n": len(api),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    setup_environment()
    set_threads()
    from ner.training import TrainSettings, train

    texts = texts_of("test")
    root = Path(tempfile.mkdtemp(prefix="app-latency-"))
    models = {"CRF": str(train(TrainSettings(base_model="crf", run_name="crf", eval_splits=()), root=root))}
    encoder = build_encoder_ner()
    if encoder is not None:
        models["offline encoder (e5-small)"] = str(encoder)
    results = {name: measure(path, texts, args.repeat, root) for name, path in models.items()}
    rows = [
        [name, f"{r['alone_median_ms']:.1f}", f"{r['alone_p95_ms']:.1f}", f"{r['api_median_ms']:.1f}",
         f"{r['api_p95_ms']:.1f}", f"{r['api_median_ms'] - r['alone_median_ms']:+.1f}"]
        for name, r in results.items()
    ]
    table = md_table(["model", "predictor median ms", "predictor p95 ms", "HTTP API median ms", "HTTP API p95 ms",
                      "added median ms"], rows)
    text = f"{table}\n\n{len(texts)} test sentences × {args.repeat}, one per request, through `gradio_client`. " \
           f"{machine_line(machine())}\nCommand: `python bench/app_latency.py --repeat {args.repeat}`"
    print(text)
    write_results("app_latency", text, {"machine": machine(), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
