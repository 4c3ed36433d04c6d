"""Quality on the official Task A test set: the CRF, our recipe, and the seed notebook's recipe.

    python bench/quality.py [--epochs 10] [--seed-epochs 15] [--only crf,ours,seed]

Competitors, all scored with the official Task A metric (and nervaluate strict) on ``test``:

* ``crf``: ``python -m ner train --base-model crf`` (sklearn-crfsuite).
* ``ours``: ``ner.training.train`` on the offline encoder (multilingual-e5-small): max length
  256 with windows (nothing truncated), lr 1e-4, batch 16, 10% warm-up, best epoch on dev by
  the official F1, word embeddings frozen (a CPU shortcut: 96M of its 117.5M parameters).
* ``seed``: the seed notebook's recipe on the same encoder and the same frozen embeddings:
  sentences truncated to 30 sub-words, first-sub-word labels, batch 32, lr 5e-5, up to 15
  epochs, early stopping on token-level F1 (micro, non-O tags) with patience 1; words cut
  off by the truncation are predicted O.
"""

from __future__ import annotations

import argparse
import json
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


def run_crf(out: Path) -> dict:
    from ner.training import TrainSettings, train

    folder = train(TrainSettings(base_model="crf", run_name=f"crf-{int(time.time())}"), root=out)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"test": metrics["eval"]["test"], "dev": metrics["eval"]["dev"], "train_seconds": metrics["train_seconds"]}


def run_ours(out: Path, encoder: Path, epochs: int) -> dict:
    from ner.training import TrainSettings, train

    settings = TrainSettings(
        base_model=str(encoder), run_name=f"ours-{int(time.time())}", epochs=epochs, learning_rate=1e-4,
        batch_size=16, max_length=256, warmup_ratio=0.1, patience=0, freeze_embeddings=True, use_cpu=True,
    )
    folder = train(settings, root=out)
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"test": metrics["eval"]["test"], "dev": metrics["eval"]["dev"], "train_seconds": metrics["train_seconds"],
            "best_epoch": metrics["best_epoch"]}


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


def row(name: str, result: dict) -> list:
    test = result["test"]
    o, strict = test["official"], test["nervaluate"]["strict"]
    per = " / ".join(f"{test['per_type'][label]['official']['f1']:.3f}" for label in test["per_type"])
    return [name, f"{o['f1']:.4f}", f"{o['precision']:.4f}", f"{o['recall']:.4f}", f"{strict['f1']:.4f}", per,
            f"{result['dev']['official']['f1']:.4f}", f"{result['train_seconds']:.0f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed-epochs", type=int, default=15)
    parser.add_argument("--only", default="crf,ours,seed")
    args = parser.parse_args()
    setup_environment()
    set_threads()
    out = OUT_DIR / "quality-runs"
    wanted = args.only.split(",")
    encoder = offline_encoder() if {"ours", "seed"} & set(wanted) else None
    previous = RESULTS_DIR / "quality.json"
    results = json.loads(previous.read_text())["results"] if previous.is_file() and args.only != "crf,ours,seed" else {}
    if "crf" in wanted:
        results["CRF (sklearn-crfsuite)"] = run_crf(out)
    if encoder is not None and "ours" in wanted:
        results["ours, offline encoder"] = run_ours(out, encoder, args.epochs)
    if encoder is not None and "seed" in wanted:
        results["seed recipe, offline encoder"] = run_seed(encoder, args.seed_epochs)
    m = machine()
    headers = ["system", "official F1", "P", "R", "nervaluate strict F1", "F1 Concept / Action / Predicate / Reference",
               "dev F1", "train s"]
    table = md_table(headers, [row(name, r) for name, r in results.items()])
    text = f"{table}\n\nTask A test set (100 sentences, 556 entities). {machine_line(m)}\n" \
           f"Command: `python bench/quality.py --epochs {args.epochs} --seed-epochs {args.seed_epochs}`" + \
           (f" (rows {args.only} rerun with `--only {args.only}`)" if args.only != "crf,ours,seed" else "")
    print(text)
    write_results("quality", text, {"machine": m, "results": results, "args": vars(args)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
