"""Relations (Task B) on the official test sets: the feature baseline and the transformer pair head, over seeds.

    python bench/relations.py [--seeds 42,43,44] [--epochs 12] [--only baseline,ours]

* **scenario 3** (Task B): the gold entities of ``data/testing/scenario3-taskB`` are given,
  each model predicts the relations; the official Task B F1 (``ner.relations.scoring``,
  agreeing with the organisers' scorer). 2020's best: IXA-NER-RE, 0.6332.
* **scenario 1** (Task A + B): the entities of ``data/testing/scenario1-main`` are predicted
  by the entity model (the offline encoder fine-tuned with ``bench/quality.py``'s recipe,
  seed 42, built once into ``bench/out/models/``), then the relations between them; the
  official A + B F1. 2020's best: Vicomtech, 0.6656.
* ``baseline``: logistic regression over hand-written pair features (``ner.relations.baseline``),
  deterministic: one run. ``ours``: ``ner.relations.transformer`` on the offline encoder
  (multilingual-e5-small, word embeddings frozen), best epoch and decision threshold chosen on
  ``dev`` (gold entities), one run per seed. Only the training split is trained on; the
  unannotated lines of scenarios 1 and 4 are never read for training.

Output: ``bench/results/relations.md`` and ``relations.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MODELS_DIR, machine, machine_line, md_table, offline_encoder, setup_environment, write_results  # noqa: E402

ANCHORS = {"scenario3": ("IXA-NER-RE", 0.6332), "scenario1": ("Vicomtech", 0.6656)}


def entity_model(encoder: Path) -> Path:
    """The entity checkpoint scenario 1 is predicted with (trained once, then reused)."""
    from ner.checkpoints import list_checkpoints
    from ner.train import TrainSettings, train

    root = MODELS_DIR / "relations-entities"
    found = [c.path for c in list_checkpoints(root)]
    if found:
        return found[0]
    settings = TrainSettings(base_model=str(encoder), run_name="entities-s42", epochs=10, learning_rate=1e-4,
                             batch_size=16, max_length=256, warmup_ratio=0.1, patience=0, freeze_embeddings=True,
                             use_cpu=True, seed=42, eval_splits=())
    return train(settings, root=root)


def scenario1_entities(model: Path) -> list:
    """The scenario 1 sentences with predicted entities (only the annotated ones count; the others stay empty)."""
    from ner import corpus
    from ner.checkpoints import predict_documents
    from ner.predict import load_predictor

    gold = corpus.load("scenario1")
    scored = [d for d in gold if d.annotated]
    predicted = iter(predict_documents(load_predictor(model, device="cpu"), scored))
    return [next(predicted) if d.annotated else d.with_entities(()) for d in gold]


def evaluate(model, s1_entities: list) -> dict:
    from ner import corpus
    from ner.relations.scoring import score_relations

    s3 = corpus.load("scenario3")
    s1 = corpus.load("scenario1")
    t0 = time.perf_counter()
    s3_pred = model.predict(s3)
    seconds = time.perf_counter() - t0
    return {"scenario3": score_relations(s3, s3_pred)["official"],
            "scenario1": score_relations(s1, model.predict(s1_entities), with_entities=True),
            "predict_seconds_scenario3": round(seconds, 2)}


def run_baseline() -> dict:
    from ner import corpus
    from ner.relations.baseline import train_baseline
    from ner.relations.scoring import score_relations

    t0 = time.perf_counter()
    model = train_baseline(corpus.load("train"))
    seconds = time.perf_counter() - t0
    dev = corpus.load("dev")
    return {"model": model, "train_seconds": round(seconds, 1),
            "dev_f1": score_relations(dev, model.predict(dev))["official"]["f1"]}


def run_ours(encoder: Path, seed: int, epochs: int, out: Path) -> dict:
    from ner import corpus
    from ner.relations.transformer import RelationPredictor, RelationSettings, train_relation_model

    folder = out / f"relations-s{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    metrics = train_relation_model(encoder, corpus.load("train"), corpus.load("dev"), folder,
                                   RelationSettings(epochs=epochs, seed=seed), use_cpu=True)
    return {"model": RelationPredictor.load(folder, device="cpu"), "train_seconds": metrics["train_seconds"],
            "dev_f1": metrics["best_dev_f1"], "best_epoch": metrics["best_epoch"], "threshold": metrics["threshold"]}


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.4f} (1 run)"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} ({len(values)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="42,43,44")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--only", default="baseline,ours")
    args = parser.parse_args()
    setup_environment()
    encoder = offline_encoder()
    if encoder is None:
        print("the offline encoder is not available: see ../shared/tools/offline_encoder.py")
        return 1
    only = set(args.only.split(","))
    t0 = time.perf_counter()
    entities = entity_model(encoder)
    s1_entities = scenario1_entities(entities)
    runs: dict[str, list[dict]] = {}
    if "baseline" in only:
        run = run_baseline()
        runs["baseline"] = [run | evaluate(run.pop("model"), s1_entities)]
    if "ours" in only:
        out = MODELS_DIR / f"relations-{int(time.time())}"
        for seed in map(int, args.seeds.split(",")):
            run = run_ours(encoder, seed, args.epochs, out)
            runs.setdefault("ours", []).append(run | evaluate(run.pop("model"), s1_entities))
            print(f"ours seed {seed}: dev {run['dev_f1']:.4f}, scenario 3 {runs['ours'][-1]['scenario3']['f1']:.4f}, "
                  f"scenario 1 {runs['ours'][-1]['scenario1']['official']['f1']:.4f}", flush=True)
    names = {"baseline": "baseline: logistic regression over pair features",
             "ours": "ours: offline encoder + pair head, best epoch on dev"}
    rows = []
    for key, found in runs.items():
        s3 = [r["scenario3"]["f1"] for r in found]
        s1 = [r["scenario1"]["official"]["f1"] for r in found]
        rows.append([names[key], mean_sd(s3), f"{statistics.mean(r['scenario3']['precision'] for r in found):.4f} / "
                     f"{statistics.mean(r['scenario3']['recall'] for r in found):.4f}", mean_sd(s1),
                     f"{statistics.mean(r['scenario1']['relations']['f1'] for r in found):.4f}",
                     mean_sd([r["dev_f1"] for r in found]),
                     f"{statistics.mean(r['train_seconds'] for r in found):.0f}"])
    for scenario, (team, f1) in ANCHORS.items():
        rows.append([f"2020 best, {scenario}: {team}", f"{f1:.4f}" if scenario == "scenario3" else "-", "-",
                     f"{f1:.4f}" if scenario == "scenario1" else "-", "-", "-", "-"])
    table = md_table(["system", "scenario 3 (Task B) F1, mean ± sd", "scenario 3 P / R (mean)",
                      "scenario 1 (A + B) F1, mean ± sd", "scenario 1: its relations' F1 (mean)",
                      "dev Task B F1", "train s (mean)"], rows)
    text = (f"{table}\n\nScenario 1's entities: {entities.name} (offline encoder, bench/quality.py's recipe, "
            f"seed 42). Whole run {(time.perf_counter() - t0) / 60:.1f} min. {machine_line(machine())}\n"
            f"Command: `python bench/relations.py --seeds {args.seeds} --epochs {args.epochs} --only {args.only}`")
    print(text)
    write_results("relations", text, {"machine": machine(), "args": vars(args), "entity_model": str(entities),
                                      "runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
