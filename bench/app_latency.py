"""What the web app adds to one prediction: the HTTP API against the predictor alone.

    python bench/app_latency.py [--repeat 2]

The app (the real Gradio server on 127.0.0.1) and the predictor alone predict each sentence
of the official test split one at a time, with the same model, after a warm-up; the table
gives median and p95 latency of each. Three ways in, all to the ``predict`` endpoint:

* ``POST /gradio_api/run/predict``: one HTTP request, the answer in its body;
* Gradio's REST recipe (``POST /gradio_api/call/predict``, then ``GET`` the event stream):
  two requests, through the queue;
* ``gradio_client.Client.predict``: the Python client (queue, server-sent events, a thread).

Models: the CRF trained on the training split, and the offline encoder with a
token-classification head (random head: latency does not depend on the weights).
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
    import httpx
    from gradio_client import Client

    from ner.entities import entity_to_json
    from ner.predict import load_predictor
    from ner.ui.app import AppConfig, build_app, launch_kwargs

    predictor = load_predictor(model)
    alone = timings(lambda t: predictor.predict([t]), texts, repeat)
    demo = build_app(AppConfig(checkpoints=root, data_dir=root))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    url = demo.local_url.rstrip("/") + "/gradio_api"
    http = httpx.Client(timeout=60)

    def run(text: str) -> list:
        answer = http.post(f"{url}/run/predict", json={"data": [text, model]})
        answer.raise_for_status()
        return answer.json()["data"][0]

    def call(text: str) -> str:
        event = http.post(f"{url}/call/predict", json={"data": [text, model]}).json()["event_id"]
        stream = http.get(f"{url}/call/predict/{event}").text
        assert "event: complete" in stream, stream
        return stream

    try:
        assert run(texts[0]) == [entity_to_json(e, texts[0]) for e in predictor.predict([texts[0]])[0]]
        client = Client(demo.local_url, verbose=False)
        ways = {
            "run": timings(run, texts, repeat),
            "call": timings(call, texts, repeat),
            "client": timings(lambda t: client.predict(t, model, api_name="/predict"), texts, repeat),
        }
    finally:
        demo.close()
    out = {"alone_median_ms": statistics.median(alone), "alone_p95_ms": percentile(alone, 95), "n": len(alone)}
    for way, ms in ways.items():
        out[f"{way}_median_ms"], out[f"{way}_p95_ms"] = statistics.median(ms), percentile(ms, 95)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    setup_environment()
    set_threads()
    from ner.train import TrainSettings, train

    texts = texts_of("test")
    root = Path(tempfile.mkdtemp(prefix="app-latency-"))
    models = {"CRF": str(train(TrainSettings(base_model="crf", run_name="crf", eval_splits=()), root=root))}
    encoder = build_encoder_ner()
    if encoder is not None:
        models["offline encoder (e5-small)"] = str(encoder)
    results = {name: measure(path, texts, args.repeat, root) for name, path in models.items()}
    ways = {"alone": "predictor alone", "run": "HTTP `POST /gradio_api/run/predict`",
            "call": "HTTP `/gradio_api/call/predict` (POST + GET)", "client": "`gradio_client`"}
    rows = [
        [name if way == "alone" else "", label, f"{r[f'{way}_median_ms']:.1f}", f"{r[f'{way}_p95_ms']:.1f}",
         "-" if way == "alone" else f"{r[f'{way}_median_ms'] - r['alone_median_ms']:+.1f}"]
        for name, r in results.items() for way, label in ways.items()
    ]
    table = md_table(["model", "way in", "median ms", "p95 ms", "added to the predictor, median ms"], rows)
    text = f"{table}\n\n{len(texts)} test sentences × {args.repeat}, one per request. " \
           f"{machine_line(machine())}\nCommand: `python bench/app_latency.py --repeat {args.repeat}`"
    print(text)
    write_results("app_latency", text, {"machine": machine(), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
