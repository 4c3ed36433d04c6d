"""Recipe experiments for Task A: variants of ``bench/quality.py``'s ``ours``, screened on a seed, confirmed on 3.

    python bench/experiments.py --variants smooth,llrd --seeds 42        # screen
    python bench/experiments.py --variants llrd --seeds 42,43,44         # confirm

Every variant is ``quality.recipe`` (the offline encoder, lr 1e-4, batch 16, 10 epochs, frozen word
embeddings, best epoch on dev) with one change; its checkpoint is scored on dev and test with the
default decoder. Results accumulate in ``bench/results/experiments.json`` (a run per variant and
seed, newest kept) and the table in ``experiments.md``: mean ± sd over the seeds run, and the
train seconds with how busy the other cores were (train seconds are comparable only when quiet).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT_DIR,
    RESULTS_DIR,
    OtherLoad,
    machine,
    machine_line,
    md_table,
    offline_encoder,
    set_threads,
    setup_environment,
    wait_for_quiet,
    write_results,
)
from quality import mean_sd, recipe  # noqa: E402

VARIANTS: dict[str, tuple[str, dict]] = {
    "base": ("the recipe as shipped (10 epochs)", {}),
    "smooth": ("label smoothing 0.1", {"label_smoothing": 0.1}),
    "llrd": ("layer-wise lr decay 0.8, peak lr 2e-4", {"layer_decay": 0.8, "learning_rate": 2e-4}),
    "unfreeze": ("word embeddings unfrozen from epoch 7", {"unfreeze_embeddings_at": 7}),
    "epochs15": ("15 epochs, best on dev", {"epochs": 15}),
    "grouped": ("length-grouped batches", {"group_by_length": True}),
}


def run(encoder: Path, name: str, seed: int) -> dict:
    from ner.checkpoints import evaluate_splits
    from ner.predict import TransformerPredictor
    from ner.train import train

    kw = dict(VARIANTS[name][1])
    epochs = kw.pop("epochs", 10)
    wait_for_quiet(60)
    load = OtherLoad()
    settings = dataclasses.replace(recipe(encoder, epochs, seed, f"exp-{name}"), **kw)
    folder = train(settings, root=OUT_DIR / "experiment-runs")
    metrics = json.loads((folder / "metrics.json").read_text())
    other = load.stop()["other_cores"]
    scores = evaluate_splits(TransformerPredictor(folder, device="cpu"), ["dev", "test"])
    return {"variant": name, "seed": seed, "dev": scores["dev"]["official"]["f1"],
            "test": scores["test"]["official"]["f1"], "best_epoch": metrics["best_epoch"],
            "train_seconds": metrics["train_seconds"], "other_cores": other,
            "when": time.strftime("%Y-%m-%d %H:%M")}


def table(runs: list[dict]) -> str:
    rows = []
    for name, (what, _) in VARIANTS.items():
        mine = [r for r in runs if r["variant"] == name]
        if mine:
            rows.append([name, what, mean_sd([r["test"] for r in mine]), mean_sd([r["dev"] for r in mine]),
                         ", ".join(str(r["best_epoch"]) for r in mine),
                         f"{statistics.mean(r['train_seconds'] for r in mine):.0f} "
                         f"({max(r['other_cores'] for r in mine):.1f})",
                         ", ".join(str(r["seed"]) for r in mine)])
    headers = ["variant", "change to the recipe", "test F1", "dev F1", "best epochs", "train s (other cores busy)",
               "seeds"]
    return md_table(headers, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", default="42")
    args = parser.parse_args()
    setup_environment()
    set_threads()
    encoder = offline_encoder()
    if encoder is None:
        print("the offline encoder could not be built", file=sys.stderr)
        return 1
    previous = RESULTS_DIR / "experiments.json"
    runs = json.loads(previous.read_text())["runs"] if previous.is_file() else []
    for name in args.variants.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            result = run(encoder, name, seed)
            print(json.dumps(result), flush=True)
            runs = [r for r in runs if (r["variant"], r["seed"]) != (name, seed)] + [result]
            m = machine()
            text = f"{table(runs)}\n\nOfficial Task A F1, default decoder. {machine_line(m)}\n" \
                   "Command: `python bench/experiments.py --variants V --seeds S` per row."
            write_results("experiments", text, {"machine": m, "runs": runs})
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
