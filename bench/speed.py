"""Prediction speed: our TransformerPredictor against transformers' token-classification pipeline.

    .venv/bin/python bench/speed.py                      # both models, ~8 min on 2 cores
    .venv/bin/python bench/speed.py --models roberta --rounds 1 --no-memory   # quick look

Both competitors use the same model folder, the same torch threads (the cores this process
may use) and the official test split (100 sentences). Measured, per model:

* throughput (sentences/second): all test sentences in one call; ours at its batch size,
  the pipeline at the same ``batch_size`` and at its default (1). Rounds are interleaved
  (ours, pipeline, ...) so that load from other processes hits every competitor alike; the
  table gives the best round (the least disturbed) and the JSON every round;
* single-sentence latency: each sentence predicted alone, after a warm-up, competitors
  alternating sentence by sentence; median and p95 in milliseconds;
* peak memory: each competitor in its own subprocess (load the model, predict the test set
  in one call, then sentence by sentence); peak RSS, and peak minus the RSS before loading;
* agreement: the share of sentences whose entities (character span + label) are identical
  between ours and the pipeline (``aggregation_strategy="simple"``; the pipeline's spans are
  trimmed of surrounding whitespace). With random weights the entities are arbitrary but
  deterministic; differences come from tokenisation and sub-word aggregation.

``ours`` is our predictor as the app and the CLI run it: on a CPU with native bf16 (AVX-512
BF16 or AMX) in bf16 autocast, else fp32 (``ner.predict.resolve_precision``). The row
``ours, fp32`` forces fp32; its "same entities" column counts the sentences where the
default's entities are identical to fp32's. The pipeline runs as a user would run it, in fp32.
The ``finetuned`` model is the one ``bench/quality.py`` trained last (else one trained here),
so that entity agreement is measured on a model that finds entities.

A row ``ours, int8`` is our predictor with ``int8=True`` (``python -m ner predict --int8``,
``NER_INT8=1`` in the app): its Linear layers dynamically quantised to int8
(``torch.ao.quantization.quantize_dynamic``), a CPU option that trades a little F1 for speed.

Writes ``bench/results/speed.md`` and ``speed.json`` (numbers only).

``--finetuned`` checks decoding rather than speed, on the model ``bench/quality.py`` trained
("ours") when it is in bench/out, else on the offline encoder fine-tuned for 3 epochs (built
once, ~5 min, cached in bench/out/models/e5-finetuned): ours, the pipeline
(``simple`` and ``first`` aggregation) and ours, int8 on the test split; share of identical
sentences, what the differences are, and each one's official Task A F1.
Writes ``bench/results/speed_finetuned.md/.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

MODELS = {"roberta": "RoBERTa-base size, random weights", "e5": "offline encoder (multilingual-e5-small)",
          "finetuned": "offline encoder fine-tuned (bench/quality.py's model)"}
FP32 = "ours, fp32 (--precision fp32)"


def finetuned_folder() -> tuple[Path | None, str]:
    """The model ``bench/quality.py`` fine-tuned last, else the offline encoder fine-tuned 3 epochs here."""
    quality_runs = sorted((common.OUT_DIR / "quality-runs").glob("ours-*"), key=lambda f: f.stat().st_mtime)
    if quality_runs:
        return quality_runs[-1], "the offline encoder as `bench/quality.py` fine-tuned it (10 epochs, best on dev)"
    return (common.build_finetuned_encoder(),
            "offline encoder fine-tuned 3 epochs (frozen word embeddings, lr 1e-4, batch 16) on train")


def model_folder(key: str) -> Path | None:
    if key == "finetuned":
        return finetuned_folder()[0]
    return common.build_roberta_base() if key == "roberta" else common.build_encoder_ner()


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


def rss_mib() -> float:
    """This process's resident memory now, in MiB."""
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB.

    ``VmHWM``, not ``getrusage().ru_maxrss``: the latter survives ``fork`` + ``exec``, so a
    subprocess started by a big parent reports the parent's size.
    """
    return _status_mib("VmHWM")


def load_ours(folder: Path, batch_size: int, int8: bool = False, precision: str = "auto"):
    from ner.predict import TransformerPredictor

    return TransformerPredictor(folder, device="cpu", batch_size=batch_size, int8=int8, precision=precision)


def load_pipeline(folder: Path, aggregation: str = "simple"):
    from transformers import pipeline

    return pipeline(
        "token-classification", model=str(folder), tokenizer=str(folder), aggregation_strategy=aggregation, device=-1
    )


def our_spans(texts: list[str], predicted) -> list[set]:
    """Per sentence, the set of ``(start, end, label)`` of our entities (first to last character)."""
    return [{(e.start, e.end, e.label) for e in ents} for ents in predicted]


def pipeline_spans(texts: list[str], groups) -> list[set]:
    """Per sentence, the pipeline's entity groups as ``(start, end, label)`` trimmed of whitespace.

    With ``aggregation_strategy="simple"`` the pipeline has already merged B-/I- tokens into
    ``entity_group`` labels without the prefixes.
    """
    out = []
    for text, sentence_groups in zip(texts, groups):
        spans = set()
        for g in sentence_groups:
            start, end = int(g["start"]), int(g["end"])
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.add((start, end, g["entity_group"]))
        out.append(spans)
    return out


def agreement(a: list[set], b: list[set]) -> dict:
    return {
        "sentences_identical": sum(x == y for x, y in zip(a, b)),
        "sentences": len(a),
        "entities_a": sum(map(len, a)),
        "entities_b": sum(map(len, b)),
        "entities_in_both": sum(len(x & y) for x, y in zip(a, b)),
    }


def tokens_per_sentence(folder: Path, texts: list[str]) -> dict:
    """Mean model tokens per sentence (with specials): ours (word-split input) and the pipeline (raw text)."""
    from ner.alignment import encode
    from ner.predict import load_tokenizer, split_for_model

    tok = load_tokenizer(folder)
    items = split_for_model(texts)
    windows = encode(tok, [[texts[t][a:b] for a, b in ws] for t, _, ws in items], 512)
    from transformers import AutoTokenizer

    raw = AutoTokenizer.from_pretrained(str(folder))(texts)["input_ids"]  # as the pipeline loads it
    return {
        "ours": round(sum(len(w.input_ids) for w in windows) / len(texts), 2),
        "pipeline": round(sum(map(len, raw)) / len(texts), 2),
        "max_ours": max(len(w.input_ids) for w in windows),
    }


def time_model(folder: Path, texts: list[str], batch_size: int, rounds: int, int8: bool) -> dict:
    """Throughput rounds, latencies and agreement for one model folder, all in this process."""
    ours = load_ours(folder, batch_size)
    fp32 = load_ours(folder, batch_size, precision="fp32")
    pipe = load_pipeline(folder)
    runners = {
        "ours": lambda xs: ours.predict(xs),
        FP32: lambda xs: fp32.predict(xs),
        f"pipeline (batch_size={batch_size})": lambda xs: pipe(xs, batch_size=batch_size),
        "pipeline (default batch_size)": lambda xs: pipe(xs),
    }
    if int8:
        q = load_ours(folder, batch_size, int8=True)
        runners["ours, int8 (--int8)"] = lambda xs: q.predict(xs)
    for run in runners.values():  # warm-up: first calls allocate and pick kernels
        run(texts[:8])
        run(texts[:1])
    seconds: dict[str, list[float]] = {name: [] for name in runners}
    outputs: dict[str, object] = {}
    names = list(runners)
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:  # rotate who goes first
            t0 = time.perf_counter()
            outputs[name] = runners[name](texts)
            seconds[name].append(time.perf_counter() - t0)
    latency: dict[str, list[float]] = {name: [] for name in runners if name != "pipeline (default batch_size)"}
    for text in texts:
        for name in latency:
            t0 = time.perf_counter()
            runners[name]([text])
            latency[name].append((time.perf_counter() - t0) * 1000)
    ours_spans = our_spans(texts, outputs["ours"])
    agree = {
        f"ours vs {name}": agreement(
            ours_spans,
            pipeline_spans(texts, outputs[name]) if name.startswith("pipeline") else our_spans(texts, outputs[name]),
        )
        for name in names[1:]
    }
    return {
        "seconds_per_round": {k: [round(s, 3) for s in v] for k, v in seconds.items()},
        "throughput_best": {k: round(len(texts) / min(v), 2) for k, v in seconds.items()},
        "throughput_median": {k: round(len(texts) / common.percentile(v, 50), 2) for k, v in seconds.items()},
        "latency_ms": {
            k: {"median": round(common.percentile(v, 50), 1), "p95": round(common.percentile(v, 95), 1)}
            for k, v in latency.items()
        },
        "agreement": agree,
    }


def memory_worker(competitor: str, folder: Path, batch_size: int) -> None:
    """Subprocess body: load one competitor, predict, print its memory figures as JSON."""
    common.setup_environment()
    common.set_threads()
    import torch  # noqa: F401  (imported before the baseline reading)
    import transformers  # noqa: F401

    import ner.predict  # noqa: F401

    texts = common.texts_of("test")
    before = rss_mib()
    if competitor == "ours":
        p = load_ours(folder, batch_size)
        run = p.predict
    else:
        pipe = load_pipeline(folder)

        def run(xs):
            return pipe(xs, batch_size=batch_size)

    loaded = rss_mib()
    run(texts)
    for text in texts[:20]:
        run([text])
    peak = peak_rss_mib()
    print(json.dumps({"rss_before_load_mib": round(before, 1), "rss_after_load_mib": round(loaded, 1),
                      "peak_rss_mib": round(peak, 1), "peak_minus_before_load_mib": round(peak - before, 1)}))


def measure_memory(competitor: str, folder: Path, batch_size: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--memory-worker", competitor, "--folder", str(folder), "--batch-size",
         str(batch_size)],
        capture_output=True, text=True, timeout=600,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def classify(text: str, ours: set, theirs: set) -> dict:
    """Why two sentences' entity sets differ: the pipeline's spans that cut a word, same span other label, other."""
    from ner.tokens import words

    starts = {a for a, _ in words(text)}
    ends = {b for _, b in words(text)}
    counts = {"pipeline_span_cuts_a_word": 0, "same_span_other_label": 0, "only_ours": 0, "only_pipeline": 0}
    ours_spans = {(a, b): label for a, b, label in ours}
    for a, b, _label in theirs - ours:
        if a not in starts or b not in ends:
            counts["pipeline_span_cuts_a_word"] += 1
        elif (a, b) in ours_spans:
            counts["same_span_other_label"] += 1
        else:
            counts["only_pipeline"] += 1
    theirs_spans = {(a, b) for a, b, _ in theirs}
    counts["only_ours"] = sum(1 for a, b, _ in ours - theirs if (a, b) not in theirs_spans)
    return counts


def finetuned_check(batch_size: int) -> None:
    """Agreement and official F1 of ours, the pipeline and ours, int8 on a fine-tuned model."""
    from ner import corpus
    from ner.entities import Entity
    from ner.scoring import score
    from ner.tagging import span_to_entity

    folder, described = finetuned_folder()
    if folder is None:
        print("the offline encoder could not be built; nothing to check", file=sys.stderr)
        return
    docs = [d for d in corpus.load("test") if d.annotated]
    texts = [d.text for d in docs]
    ours = load_ours(folder, batch_size).predict(texts)
    pipe_spans = pipeline_spans(texts, load_pipeline(folder)(texts, batch_size=batch_size))
    int8 = load_ours(folder, batch_size, int8=True).predict(texts)
    first_spans = pipeline_spans(texts, load_pipeline(folder, "first")(texts, batch_size=batch_size))
    first_entities = [[span_to_entity(s, t) for s in sorted(spans)] for t, spans in zip(texts, first_spans)]
    ours_spans = our_spans(texts, ours)
    pipe_entities = [[span_to_entity(s, t) for s in sorted(spans)] for t, spans in zip(texts, pipe_spans)]
    reasons: dict[str, int] = {}
    for text, a, b in zip(texts, ours_spans, pipe_spans):
        for k, v in classify(text, a, b).items():
            reasons[k] = reasons.get(k, 0) + v

    def f1(pred: list[list[Entity]]) -> dict:
        official = score(docs, [d.with_entities(p) for d, p in zip(docs, pred)])["official"]
        return {k: round(official[k], 4) for k in ("precision", "recall", "f1")}

    data = {
        "model": described,
        "folder": str(folder),
        "official": {"ours": f1(ours), "pipeline": f1(pipe_entities), "pipeline (first)": f1(first_entities),
                     "ours, int8": f1(int8)},
        "agreement": {"ours vs pipeline": agreement(ours_spans, pipe_spans),
                      "ours vs pipeline (first)": agreement(ours_spans, first_spans),
                      "ours vs ours, int8": agreement(ours_spans, our_spans(texts, int8))},
        "pipeline_entities_not_in_ours_by_reason": reasons,
    }
    rows = []
    for name in ("ours", "pipeline", "pipeline (first)", "ours, int8"):
        agree = data["agreement"].get(f"ours vs {name}")
        o = data["official"][name]
        rows.append([name, o["precision"], o["recall"], o["f1"],
                     f"{agree['sentences_identical']}/{agree['sentences']}" if agree else "(reference)",
                     f"{agree['entities_in_both']} of {agree['entities_a']} / {agree['entities_b']}" if agree else "-"])
    md = "\n".join([
        "# Decoding check on a fine-tuned model (test split)",
        "",
        f"Model: {data['model']}. Command: `python bench/speed.py --finetuned`.",
        "",
        common.md_table(["decoder", "official P", "official R", "official F1", "sentences identical to ours",
                         "entities in both (of ours / of theirs)"], rows),
        "",
        "Pipeline entities not among ours, by reason: " + ", ".join(f"{k} {v}" for k, v in reasons.items()) + ".",
    ])
    common.write_results("speed_finetuned", md, data)
    print(md)


def table(results: dict, batch_size: int) -> str:
    headers = ["model", "competitor", "sentences/s (best)", "sentences/s (median)", "vs pipeline, same batch",
               "vs pipeline, default batch", "latency median ms", "latency p95 ms",
               "peak RSS MiB (Δ from before load)", "sentences with the same entities as ours"]
    rows = []
    for key, res in results.items():
        same_batch = res["throughput_best"][f"pipeline (batch_size={batch_size})"]
        default_batch = res["throughput_best"]["pipeline (default batch_size)"]
        for name, best in res["throughput_best"].items():
            lat = res["latency_ms"].get(name)
            mem = res.get("memory", {}).get("ours" if name == "ours" else
                                            "pipeline" if name == f"pipeline (batch_size={batch_size})" else "")
            agree = res["agreement"].get(f"ours vs {name}")
            rows.append([
                MODELS[key] if name == "ours" else "",
                name,
                f"{best:.2f}",
                f"{res['throughput_median'][name]:.2f}",
                f"{best / same_batch:.2f}×",
                f"{best / default_batch:.2f}×",
                f"{lat['median']:.1f}" if lat else "-",
                f"{lat['p95']:.1f}" if lat else "-",
                f"{mem['peak_rss_mib']:.0f} ({mem['peak_minus_before_load_mib']:+.0f})" if mem and "peak_rss_mib" in mem
                else "-",
                f"{agree['sentences_identical']}/{agree['sentences']}" if agree else "(reference)",
            ])
    return common.md_table(headers, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", default="roberta,finetuned", help="comma-separated: roberta, e5, finetuned")
    ap.add_argument("--rounds", type=int, default=3, help="throughput rounds per competitor")
    ap.add_argument("--batch-size", type=int, default=32, help="ours, and the pipeline's matched batch_size")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 row")
    ap.add_argument("--wait-quiet", type=float, default=120,
                    help="seconds to wait at most for other processes to leave the CPUs before timing (0: no wait)")
    ap.add_argument("--finetuned", action="store_true",
                    help="instead of timing: decoding agreement and F1 on a fine-tuned offline encoder")
    ap.add_argument("--memory-worker", choices=["ours", "pipeline"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_worker:
        memory_worker(args.memory_worker, args.folder, args.batch_size)
        return

    common.setup_environment()
    threads = common.set_threads()
    if args.finetuned:
        finetuned_check(args.batch_size)
        return
    texts = common.texts_of("test")
    started = time.time()
    load_before = os.getloadavg()
    results: dict[str, dict] = {}
    for key in [k.strip() for k in args.models.split(",") if k.strip()]:
        folder = model_folder(key)
        if folder is None:
            print(f"{key}: model not available (the offline encoder could not be built); skipped", file=sys.stderr)
            continue
        memory = {}
        if not args.no_memory:
            print(f"{key}: peak memory of each competitor in a subprocess ...", file=sys.stderr)
            memory = {c: measure_memory(c, folder, args.batch_size) for c in ("ours", "pipeline")}
        quiet = common.wait_for_quiet(args.wait_quiet) if args.wait_quiet > 0 else None
        print(f"{key}: timing {folder} (quiet check: {quiet}) ...", file=sys.stderr)
        monitor = common.OtherLoad()
        res = time_model(folder, texts, args.batch_size, args.rounds, not args.no_int8)
        res["load_during_timing"] = monitor.stop()
        res["quiet_check_before_timing"] = quiet
        res["folder"] = str(folder)
        res["tokens_per_sentence"] = tokens_per_sentence(folder, texts)
        res["memory"] = memory
        results[key] = res
    machine = common.machine()
    machine["load_average_before"] = [round(x, 2) for x in load_before]
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    md = "\n".join([
        "# Prediction speed: TransformerPredictor vs transformers pipeline",
        "",
        f"Machine: {common.machine_line(machine)}. Load average before/after: "
        f"{machine['load_average_before'][0]} / {machine['load_average_after'][0]}; cores kept busy by other "
        "processes while timing: "
        + ", ".join(f"{k} {r['load_during_timing']['other_cores']}" for k, r in results.items())
        + " (0 = a quiet machine; timings above ~0.3 are disturbed).",
        f"Data: official test split, {len(texts)} sentences; batch size {args.batch_size}; {args.rounds} "
        f"interleaved rounds; torch threads {threads}. Command: `python bench/speed.py "
        f"{' '.join(sys.argv[1:])}`".rstrip() + ".",
        "",
        table(results, args.batch_size),
        "",
        "Tokens per sentence (with specials), ours (word-split input) / pipeline (raw text): "
        + "; ".join(f"{k} {r['tokens_per_sentence']['ours']} / {r['tokens_per_sentence']['pipeline']}"
                    for k, r in results.items()) + ".",
        "Peak RSS: the competitor alone in a subprocess (load, predict the test set in one call, then 20 "
        "sentences alone). Same entities: sentences whose (start, end, label) sets equal ours.",
    ])
    data = {"machine": machine, "texts": len(texts), "batch_size": args.batch_size, "rounds": args.rounds,
            "torch_threads": threads, "seconds_total": round(time.time() - started, 1), "results": results}
    common.write_results("speed", md, data)
    print(md)


if __name__ == "__main__":
    main()
