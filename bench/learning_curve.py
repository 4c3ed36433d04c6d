"""The correction loop, simulated: does "most uncertain first" beat random order?

    python bench/learning_curve.py [--start 100] [--step 100] [--rounds 5] [--seeds 3]
    python bench/learning_curve.py --model e5 --seeds 1 --epochs 4     # the offline encoder (~20 min)

Start from a model (the CRF, or with ``--model e5`` the offline encoder fine-tuned through
``ner.train.train``, word embeddings frozen) trained on ``start`` random training sentences; in each round "correct"
``step`` more sentences of the rest of the training split (take their gold annotations),
chosen (a) at random or (b) most uncertain first by the app's own queue ordering
(``ner.ordering.uncertainty``: 1 − the lowest entity confidence of the current model's
prediction); retrain; record the official F1 on ``dev``. Repeated over several seeds (the
starting set and the random order change), averaged, plotted to
``bench/results/learning_curve.png`` (``learning_curve_e5.png`` for the encoder).
"""

from __future__ import annotations

import argparse
import random
import shutil
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


def crf_trainer(docs):
    from ner.crf import train_crf

    return train_crf(docs)


def encoder_trainer(encoder: Path, epochs: int, root: Path):
    """Fine-tune the offline encoder on exactly ``docs`` (no other training sentence)."""

    def fit(docs):
        from ner.predict import load_predictor
        from ner.train import TrainSettings, train

        settings = TrainSettings(
            base_model=str(encoder), run_name=f"lc-{len(docs)}-{time.time_ns()}", epochs=epochs, learning_rate=1e-4,
            batch_size=16, max_length=128, warmup_ratio=0.1, patience=0, freeze_embeddings=True, use_cpu=True,
            max_train_docs=0, eval_splits=(),
        )
        folder = train(settings, extra=docs, root=root)
        predictor = load_predictor(folder)
        shutil.rmtree(folder)  # the weights are in memory; keep the disk small
        return predictor

    return fit


def curve(train_docs, dev_docs, strategy: str, seed: int, start: int, step: int, rounds: int, fit=crf_trainer) -> list:
    from ner.checkpoints import predict_documents
    from ner.ordering import uncertainty
    from ner.scoring import score

    rng = random.Random(seed)
    order = list(range(len(train_docs)))
    rng.shuffle(order)
    labelled, pool = order[:start], order[start:]
    points = []
    for r in range(rounds + 1):
        model = fit([train_docs[i] for i in labelled])
        points.append((len(labelled), score(dev_docs, predict_documents(model, dev_docs))["official"]["f1"]))
        if r == rounds or not pool:
            break
        if strategy == "uncertain":
            predicted = model.predict([train_docs[i].text for i in pool])
            scores = [uncertainty(ents) for ents in predicted]
            ranked = sorted(range(len(pool)), key=lambda k: -(scores[k] if scores[k] is not None else -1.0))
            chosen = [pool[k] for k in ranked[:step]]
        else:
            chosen = pool[:step]
        labelled += chosen
        taken = set(chosen)
        pool = [i for i in pool if i not in taken]
    return points


def sentences_to_reach(points: list[tuple[int, float]], target: float) -> float | None:
    """Corrected sentences needed to reach ``target`` F1, interpolating between rounds."""
    for (n0, f0), (n1, f1) in zip(points, points[1:]):
        if f0 >= target:
            return n0
        if f1 >= target:
            return n0 + (n1 - n0) * (target - f0) / (f1 - f0)
    return points[0][0] if points[0][1] >= target else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=100)
    parser.add_argument("--step", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--model", choices=["crf", "e5"], default="crf")
    parser.add_argument("--epochs", type=int, default=4, help="fine-tuning epochs per round (--model e5)")
    args = parser.parse_args()
    setup_environment()
    set_threads()
    from ner import corpus

    fit, name, suffix = crf_trainer, "CRF", ""
    if args.model == "e5":
        encoder = offline_encoder()
        if encoder is None:
            raise SystemExit("the offline encoder could not be built (../shared/tools/offline_encoder.py)")
        fit, name, suffix = encoder_trainer(encoder, args.epochs, OUT_DIR / "learning-curve"), "offline encoder", "_e5"

    train_docs = [d for d in corpus.load("train") if d.annotated]
    dev_docs = corpus.load("dev")
    t0 = time.perf_counter()
    runs = {s: [curve(train_docs, dev_docs, s, seed, args.start, args.step, args.rounds, fit)
                for seed in range(args.seeds)]
            for s in ("random", "uncertain")}
    minutes = (time.perf_counter() - t0) / 60
    mean = {s: [(pts[0][i][0], sum(p[i][1] for p in pts) / len(pts)) for i in range(len(pts[0]))]
            for s, pts in runs.items()}
    target = mean["random"][-1][1]
    needed = sentences_to_reach(mean["uncertain"], target)
    saved = mean["random"][-1][0] - needed if needed is not None else None

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4))
    for s, style in (("random", "o--"), ("uncertain", "s-")):
        xs, ys = zip(*mean[s])
        ax.plot(xs, ys, style, label=f"{s} order (mean of {args.seeds} seeds)")
    ax.axhline(target, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("corrected training sentences")
    ax.set_ylabel(f"official F1 on dev ({name})")
    ax.set_title("eHealth-KD 2020: correcting most-uncertain-first vs random")
    ax.legend()
    ax.grid(alpha=0.3)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(RESULTS_DIR / f"learning_curve{suffix}.png", dpi=110)

    pairs = zip(mean["random"], mean["uncertain"])
    rows = [[n, f"{fr:.4f}", f"{fu:.4f}", f"{fu - fr:+.4f}"] for (n, fr), (_, fu) in pairs]
    table = md_table(["corrected sentences", "dev F1, random", "dev F1, uncertain first", "difference"], rows)
    summary = (
        f"Random order reaches F1 {target:.4f} with {mean['random'][-1][0]} sentences; uncertain-first reaches it "
        + (f"with {needed:.0f}: **{saved:.0f} fewer corrected sentences**." if needed is not None else "not at all.")
    )
    model_args = f" --model e5 --epochs {args.epochs}" if args.model == "e5" else ""
    text = f"{table}\n\n{summary}\n\nModel: {name}; {minutes:.0f} minutes. {machine_line(machine())}\n" \
           f"Command: `python bench/learning_curve.py --start {args.start} --step {args.step} " \
           f"--rounds {args.rounds} --seeds {args.seeds}{model_args}`"
    print(text)
    write_results(f"learning_curve{suffix}", text, {"mean": mean, "runs": runs, "saved": saved, "args": vars(args)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
