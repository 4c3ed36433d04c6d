"""What pre-annotation saves: a simulated annotator corrects a session of sentences, counting edits.

    python bench/effort.py [--seeds 3] [--every 25] [--start all]     # ~10 min on 2 cores
    python bench/effort.py --start 100                                 # a cold start: 100 training sentences

The annotator corrects every sentence of ``dev`` and ``dev-transfer`` (299 annotated
sentences, never trained on before the session) into its gold annotation. For each one we
count the edits that turn the suggestion shown into gold (``ner.scoring.correction_edits``:
entities added, removed, relabelled, boundaries moved), for three ways of suggesting:

* ``none``: no pre-annotation, every entity is typed by hand;
* ``static``: the CRF trained on the training split (``--start all``) or on ``--start N``
  random training sentences, unchanged during the session;
* ``live``: the same CRF retrained every ``--every`` accepted answers on its training
  sentences plus the answers accepted so far, as the app's live suggestions do; the
  sentences not yet seen are suggested by the newest model.

Two orders: ``as given`` (the session's sentences shuffled by the seed) and ``uncertain``
(most uncertain first by the app's ordering, ``ner.ordering``, recomputed after
every retraining for ``live``; ``none`` has no model, hence no uncertain order, and a static
model makes the same suggestions in any order, so its total is the same in both). Several
seeds; the table gives the mean edits per sentence (and per gold entity) over the session
and over its last 100 sentences, and ``bench/results/effort.png`` plots edits per sentence
(moving mean over 25 sentences) against sentences corrected.

Relations are corrected too, and counted apart (``ner.relations.scoring.relation_edits``:
relations added, removed, relabelled). ``static`` and ``live`` suggest them with the relation
baseline (``ner.relations.baseline``) trained on the first model's training sentences, over the
entities suggested; as in the app, live retraining renews the CRF only, so ``live`` suggests
relations with the same model over better entities.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS_DIR, machine, machine_line, md_table, set_threads, setup_environment, write_results  # noqa: E402

SESSION_SPLITS = ("dev", "dev-transfer")
BLOCK = 25


def session_documents():
    from ner import corpus

    return [d for split in SESSION_SPLITS for d in corpus.load(split) if d.annotated]


def simulate(mode: str, order: str, base: list, session: list, every: int, seed: int) -> dict:
    """Edits per corrected sentence for one (mode, order, seed)."""
    from ner.crf import train_crf
    from ner.entities import Document
    from ner.ordering import uncertainty
    from ner.relations.baseline import train_baseline
    from ner.relations.scoring import relation_edits
    from ner.scoring import correction_edits

    rng = random.Random(seed)
    todo = list(session)
    rng.shuffle(todo)
    model = train_crf(base) if mode != "none" else None
    relations = train_baseline(base) if mode != "none" else None
    accepted: list[Document] = []
    edits, kinds, retrain_seconds = [], {"added": 0, "removed": 0, "relabelled": 0, "boundaries": 0}, []
    rel_edits, rel_kinds = [], {"added": 0, "removed": 0, "relabelled": 0}
    ranked = None  # the remaining sentences, most uncertain first, under the current model
    while todo:
        if order == "uncertain" and ranked is None:
            predicted = model.predict([d.text for d in todo])
            scores = [uncertainty(ents, fallback=0.0) for ents in predicted]
            ranked = [d for _, d in sorted(zip(scores, todo), key=lambda sd: -sd[0])]
        doc = ranked.pop(0) if ranked is not None else todo[0]
        todo.remove(doc)
        suggestion = doc.with_entities(model.predict([doc.text])[0] if model else ())
        counted = correction_edits(doc, suggestion)
        edits.append(counted["total"])
        for k in kinds:
            kinds[k] += counted[k]
        if relations is not None:
            suggestion = relations.predict([suggestion])[0]
        counted = relation_edits(doc, suggestion)
        rel_edits.append(counted["total"])
        for k in rel_kinds:
            rel_kinds[k] += counted[k]
        accepted.append(doc)
        if mode == "live" and len(accepted) % every == 0 and todo:
            t0 = time.perf_counter()
            model = train_crf(base + accepted)
            retrain_seconds.append(time.perf_counter() - t0)
            ranked = None  # recomputed with the new model
    return {"edits": edits, "kinds": kinds, "retrain_seconds": retrain_seconds, "relation_edits": rel_edits,
            "relation_kinds": rel_kinds}


def moving_mean(values: list[float], width: int = BLOCK) -> list[float]:
    return [statistics.mean(values[max(0, i - width + 1): i + 1]) for i in range(len(values))]


def plot(curves: dict[str, list[float]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, values in curves.items():
        ax.plot(range(1, len(values) + 1), moving_mean(values), label=name)
    ax.set_xlabel("sentences corrected")
    ax.set_ylabel(f"edits per sentence (moving mean of {BLOCK})")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--every", type=int, default=25, help="live: retrain after this many accepted answers")
    parser.add_argument("--start", default="all", help="training sentences of the first model: all, or a number")
    args = parser.parse_args()
    setup_environment()
    set_threads()
    from ner import corpus

    train = [d for d in corpus.load("train") if d.annotated]
    session = session_documents()
    gold_entities = sum(len(d.entities) for d in session)
    from ner.relations.triples import triples

    gold_relations = sum(len(triples(d)) for d in session)
    runs: dict[str, list[dict]] = {}
    for seed in range(args.seeds):
        base = train if args.start == "all" else random.Random(1000 + seed).sample(train, int(args.start))
        for mode, order in [("none", "as given"), ("static", "as given"), ("live", "as given"),
                            ("live", "uncertain")]:
            t0 = time.perf_counter()
            result = simulate(mode, order, base, session, args.every, seed)
            result["seconds"] = round(time.perf_counter() - t0, 1)
            runs.setdefault(f"{mode}, {order}", []).append(result)
            print(f"seed {seed} {mode:6} {order:9} {statistics.mean(result['edits']):.3f} edits/sentence, "
                  f"{statistics.mean(result['relation_edits']):.3f} relation edits ({result['seconds']} s)",
                  file=sys.stderr)
    rows, rel_rows, curves = [], [], {}
    for name, results in runs.items():
        per_run = [statistics.mean(r["edits"]) for r in results]
        last = [statistics.mean(r["edits"][-100:]) for r in results]
        total_edits = statistics.mean(sum(r["edits"]) for r in results)
        kinds = {k: statistics.mean(r["kinds"][k] for r in results) for k in results[0]["kinds"]}
        retrains = [s for r in results for s in r["retrain_seconds"]]
        rows.append([
            name, f"{statistics.mean(per_run):.3f} ± {statistics.pstdev(per_run):.3f}",
            f"{statistics.mean(last):.3f}", f"{total_edits / gold_entities:.3f}",
            " / ".join(f"{kinds[k]:.0f}" for k in ("added", "removed", "relabelled", "boundaries")),
            f"{statistics.mean(retrains):.1f}" if retrains else "-",
        ])
        curves[name] = [statistics.mean(r["edits"][i] for r in results) for i in range(len(results[0]["edits"]))]
        per_run = [statistics.mean(r["relation_edits"]) for r in results]
        rel_kinds = {k: statistics.mean(r["relation_kinds"][k] for r in results) for k in results[0]["relation_kinds"]}
        rel_rows.append([
            name, f"{statistics.mean(per_run):.3f} ± {statistics.pstdev(per_run):.3f}",
            f"{statistics.mean(statistics.mean(r['relation_edits'][-100:]) for r in results):.3f}",
            f"{statistics.mean(sum(r['relation_edits']) for r in results) / gold_relations:.3f}",
            " / ".join(f"{rel_kinds[k]:.0f}" for k in ("added", "removed", "relabelled")),
        ])
    start = "the whole training split (800 sentences)" if args.start == "all" else f"{args.start} training sentences"
    suffix = "" if args.start == "all" else f"_start{args.start}"
    png = RESULTS_DIR / f"effort{suffix}.png"
    plot(curves, png, f"Correcting {len(session)} sentences; first model: {start}")
    m = machine()
    table = md_table(["suggestions, order", "edits per sentence (mean ± sd over seeds)", "last 100 sentences",
                      "edits per gold entity", "added / removed / relabelled / boundaries (mean)",
                      "retraining s (mean)"], rows)
    rel_table = md_table(["suggestions, order", "relation edits per sentence (mean ± sd)", "last 100 sentences",
                          "edits per gold relation", "added / removed / relabelled (mean)"], rel_rows)
    text = (f"{table}\n\nRelations ({gold_relations} gold relations; the relation baseline suggests them in "
            f"static and live):\n\n{rel_table}\n\n"
            f"{len(session)} sentences ({' + '.join(SESSION_SPLITS)}, {gold_entities} gold entities), "
            f"{args.seeds} seeds, live retraining every {args.every} answers; first model: {start}. "
            f"{machine_line(m)}\nCommand: `python bench/effort.py --seeds {args.seeds} --every {args.every} "
            f"--start {args.start}`. Plot: `bench/results/{png.name}`.")
    print(text)
    write_results(f"effort{suffix}", text, {"machine": m, "args": vars(args), "gold_entities": gold_entities,
                                            "gold_relations": gold_relations, "runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
