"""Quality on the official Task A test set: the CRF, our recipe over several seeds, and the seed notebook's recipe.

    python bench/quality.py [--seeds 42,43,44] [--epochs 10] [--seed-epochs 15] [--only crf,ours,final,seed]

Competitors, all scored with the official Task A metric (and nervaluate strict) on ``test``,
each transformer decoded twice: BIO-constrained Viterbi (the default, ``ner.decoding``) and
argmax plus repair. Every choice is made on ``dev``; ``test`` is only reported.

* ``crf``: ``python -m ner train --base-model crf`` (sklearn-crfsuite; deterministic, so one run).
* ``ours``: ``ner.train.train`` on the offline encoder (multilingual-e5-small), once per seed:
  max length 256 with windows (nothing truncated), lr 1e-4, batch 16, 10% warm-up, best
  epoch on dev by the official F1, word embeddings frozen (a CPU shortcut: 96M of its
  117.5M parameters).
* ``final``: the same recipe trained on train + dev for the epoch count that ``ours`` chose
  on dev (the median of its seeds' best epochs), once per seed, keeping the last epoch:
  nothing is selected on test, and dev is no longer held out.
* ``seed``: the seed notebook's recipe on the same encoder and the same frozen embeddings:
  sentences truncated to 30 sub-words, first-sub-word labels, batch 32, lr 5e-5, up to 15
  epochs, early stopping on token-level F1 (micro, non-O tags) with patience 1; words cut
  off by the truncation are predicted O.

The table gives mean ± standard deviation over the seeds, and the test F1 of the run with
the best dev F1 (the run one would ship when choosing on dev).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT_DIR,
    RESULTS_DIR,
    machine,
    machine_line,
    md_table,
    offline_encoder,
    set_threads,
    setup_environment,
    write_results,
)

DECODERS = ("viterbi", "argmax")


def run_crf(out: Path) -> dict:
    from ner.train import TrainSettings, train

    folder = train(TrainSettings(base_model="crf", run_name=f"crf-{int(time.time())}"), root=out)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"test": metrics["eval"]["test"], "dev": metrics["eval"]["dev"], "train_seconds": metrics["train_seconds"]}


def recipe(encoder: Path, epochs: int, seed: int, prefix: str = "ours", **kw):
    from ner.train import TrainSettings

    return TrainSettings(
        base_model=str(encoder), run_name=f"{prefix}-s{seed}-{int(time.time())}", epochs=epochs, learning_rate=1e-4,
        batch_size=16, max_length=256, warmup_ratio=0.1, patience=0, freeze_embeddings=True, use_cpu=True,
        seed=seed, eval_splits=(), **kw,
    )


def decoded_scores(folder: Path) -> dict:
    """Test and dev scores of a checkpoint under each decoder (default precision)."""
    from ner import corpus
    from ner.checkpoints import predict_documents
    from ner.predict import TransformerPredictor
    from ner.scoring import score

    out = {}
    for decoder in DECODERS:
        predictor = TransformerPredictor(folder, device="cpu", decoder=decoder)
        out[decoder] = {}
        for split in ("test", "dev"):
            gold = corpus.load(split)
            out[decoder][split] = score(gold, predict_documents(predictor, gold))
        out[decoder]["precision"] = predictor.precision
    return out


def run_ours(out: Path, encoder: Path, epochs: int, seed: int) -> dict:
    from ner.train import train

    folder = train(recipe(encoder, epochs, seed), root=out)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"seed": seed, "folder": str(folder), "train_seconds": metrics["train_seconds"],
            "best_epoch": metrics["best_epoch"], "decoded": decoded_scores(folder)}


def run_final(out: Path, encoder: Path, epochs: int, seed: int) -> dict:
    """The recipe on train + dev for ``epochs`` (chosen on dev by ``ours``), the last epoch kept."""
    from ner import corpus
    from ner.train import train

    dev = [d for d in corpus.load("dev") if d.annotated]
    folder = train(recipe(encoder, epochs, seed, "final", dev_split=None), extra=dev, root=out)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"seed": seed, "folder": str(folder), "train_seconds": metrics["train_seconds"], "epochs": epochs,
            "decoded": decoded_scores(folder)}


def run_seed(encoder: Path, epochs: int) -> dict:
    """The seed notebook's recipe, written with Trainer as it did."""
    import numpy as np
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
        EarlyStoppingCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from ner import corpus
    from ner.scoring import score
    from ner.tagging import TAGS, bio_to_entities, doc_to_bio

    set_seed(42)
    label_id = {t: i for i, t in enumerate(TAGS)}
    tokenizer = AutoTokenizer.from_pretrained(str(encoder))
    model = AutoModelForTokenClassification.from_pretrained(
        str(encoder), num_labels=len(TAGS), id2label=dict(enumerate(TAGS)), label2id=label_id
    )
    model.get_input_embeddings().weight.requires_grad_(False)

    def encode(docs):
        rows, kept = [], []
        for doc in docs:
            words, tags = doc_to_bio(doc)
            enc = tokenizer([doc.text[a:b] for a, b in words], is_split_into_words=True, truncation=True,
                            max_length=30)
            labels, seen = [], set()
            for w in enc.word_ids():
                labels.append(-100 if w is None or w in seen else label_id[tags[w]])
                if w is not None:
                    seen.add(w)
            rows.append({"input_ids": enc["input_ids"], "labels": labels})
            kept.append((doc, words, enc.word_ids()))
        return rows, kept

    train_rows, _ = encode([d for d in corpus.load("train") if d.annotated])
    dev_rows, _ = encode(corpus.load("dev"))

    def token_f1(pred) -> dict:
        guess = pred.predictions.argmax(-1)
        mask = pred.label_ids != -100
        g, t = guess[mask], pred.label_ids[mask]
        tp = int(((g == t) & (t != 0)).sum())
        p = tp / max(int((g != 0).sum()), 1)
        r = tp / max(int((t != 0).sum()), 1)
        return {"token_f1": 2 * p * r / (p + r) if p + r else 0.0}

    args = TrainingArguments(
        output_dir=str(OUT_DIR / "seed-run"), num_train_epochs=epochs, learning_rate=5e-5,
        per_device_train_batch_size=32, per_device_eval_batch_size=64, eval_strategy="epoch", save_strategy="epoch",
        save_total_limit=1, load_best_model_at_end=True, metric_for_best_model="token_f1", report_to="none",
        use_cpu=True, seed=42, logging_steps=50, save_only_model=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=train_rows, eval_dataset=dev_rows,
                      data_collator=DataCollatorForTokenClassification(tokenizer), compute_metrics=token_f1,
                      callbacks=[EarlyStoppingCallback(early_stopping_patience=1)])
    t0 = time.perf_counter()
    trainer.train()
    train_seconds = time.perf_counter() - t0

    def evaluate(split: str) -> dict:
        gold = corpus.load(split)
        rows, kept = encode(gold)
        logits = trainer.predict(rows).predictions
        preds = []
        for k, (doc, words, word_ids) in enumerate(kept):
            tags = ["O"] * len(words)  # words past the truncation stay O
            seen = set()
            for t, w in enumerate(word_ids):
                if w is not None and w not in seen:
                    seen.add(w)
                    tags[w] = TAGS[int(np.argmax(logits[k, t]))]
            preds.append(doc.with_entities(bio_to_entities(doc.text, words, tags)))
        return score(gold, preds)

    best = trainer.state.best_metric
    epochs_run = trainer.state.epoch
    return {"test": evaluate("test"), "dev": evaluate("dev"), "train_seconds": round(train_seconds, 1),
            "best_dev_token_f1": best, "epochs_run": epochs_run}


def f1(result: dict, split: str = "test") -> float:
    return result[split]["official"]["f1"]


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.4f} (1 run)"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} ({len(values)} runs)"


def single_row(name: str, result: dict) -> list:
    test = result["test"]
    o, strict = test["official"], test["nervaluate"]["strict"]
    return [name, "-", mean_sd([o["f1"]]), f"{o['f1']:.4f}", f"{o['precision']:.4f} / {o['recall']:.4f}",
            f"{strict['f1']:.4f}", f"{f1(result, 'dev'):.4f}", f"{result['train_seconds']:.0f}"]


def seed_rows(name: str, runs: list[dict], has_dev: bool = True) -> list[list]:
    rows = []
    for decoder in DECODERS:
        scored = [r["decoded"][decoder] for r in runs]
        tests = [f1(s) for s in scored]
        best = max(scored, key=lambda s: f1(s, "dev")) if has_dev else None
        ps = statistics.mean(s["test"]["official"]["precision"] for s in scored)
        rs = statistics.mean(s["test"]["official"]["recall"] for s in scored)
        strict = statistics.mean(s["test"]["nervaluate"]["strict"]["f1"] for s in scored)
        rows.append([name, decoder, mean_sd(tests), f"{f1(best):.4f}" if best else "-", f"{ps:.4f} / {rs:.4f}",
                     f"{strict:.4f}", mean_sd([f1(s, 'dev') for s in scored]) if has_dev else "(trained on dev)",
                     f"{statistics.mean(r['train_seconds'] for r in runs):.0f}"])
    return rows


def chosen_epochs(runs: list[dict]) -> int:
    """The epoch count the dev-selected runs chose: the median of their best epochs."""
    return max(1, round(statistics.median(r["best_epoch"] for r in runs)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--seed-epochs", type=int, default=15)
    parser.add_argument("--only", default="crf,ours,final,seed")
    args = parser.parse_args()
    setup_environment()
    set_threads()
    out = OUT_DIR / "quality-runs"
    wanted = args.only.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    encoder = offline_encoder() if {"ours", "final", "seed"} & set(wanted) else None
    previous = RESULTS_DIR / "quality.json"
    results = json.loads(previous.read_text()).get("results", {}) if previous.is_file() else {}
    if "crf" in wanted:
        results["crf"] = run_crf(out)
    if encoder is not None and "ours" in wanted:
        results["ours"] = [run_ours(out, encoder, args.epochs, seed) for seed in seeds]
        write_results("quality", "(partial)", {"results": results})
    if encoder is not None and "final" in wanted:
        epochs = chosen_epochs(results["ours"])
        results["final"] = [run_final(out, encoder, epochs, seed) for seed in seeds]
    if encoder is not None and "seed" in wanted:
        results["seed"] = run_seed(encoder, args.seed_epochs)
    rows = []
    if "crf" in results:
        rows.append(single_row("CRF (sklearn-crfsuite)", results["crf"]))
    if isinstance(results.get("ours"), list):
        rows += seed_rows("ours: offline encoder, best epoch on dev", results["ours"])
    if isinstance(results.get("final"), list):
        n = results["final"][0]["epochs"]
        rows += seed_rows(f"ours, final: train + dev, {n} epochs (chosen on dev)", results["final"], has_dev=False)
    if "seed" in results and "test" in results["seed"]:
        rows.append(single_row("seed notebook's recipe, offline encoder", results["seed"]))
    m = machine()
    headers = ["system", "decoder", "official F1 on test, mean ± sd", "test F1 of the best-dev run", "P / R (mean)",
               "nervaluate strict F1 (mean)", "dev F1", "train s (mean)"]
    table = md_table(headers, rows)
    text = f"{table}\n\nTask A test set (100 sentences, 556 entities); seeds {args.seeds}. {machine_line(m)}\n" \
           f"Command: `python bench/quality.py --seeds {args.seeds} --epochs {args.epochs} --only {args.only}`"
    print(text)
    write_results("quality", text, {"machine": m, "results": results, "args": vars(args)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
