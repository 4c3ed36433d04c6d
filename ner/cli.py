"""``python -m ner ...``: the command line."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from ner import corpus
from ner.tagging import policy_losses


def cmd_stats(args: argparse.Namespace) -> int:
    docs = corpus.load(args.split)
    st = corpus.stats(docs)
    if args.json:
        print(json.dumps(asdict(st) | {"tag_policy_losses": dict(policy_losses(docs))}, ensure_ascii=False))
        return 0
    print(f"{args.split}: {st.sentences} sentences ({st.annotated} annotated), {st.entities} entities")
    for label, n in st.per_label.items():
        print(f"  {label:<10} {n:>6}")
    print(f"  multi-fragment {st.multi_fragment}, gapped {st.gapped}, overlapping {st.overlapping}")
    losses = policy_losses(docs)
    print("  lost by the BIO tag policy: " + (", ".join(f"{k} {v}" for k, v in losses.items()) or "none"))
    return 0


def _load_pair(gold: str, pred: str):
    from ner.brat import read_brat, scenario_path

    return corpus.load(gold), read_brat(scenario_path(pred))


def _print_score(result: dict, as_json: bool) -> None:
    from ner.scoring import format_table

    print(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_table(result))


def cmd_score(args: argparse.Namespace) -> int:
    from ner.scoring import score

    gold, pred = _load_pair(args.gold, args.pred)
    _print_score(score(gold, pred), args.json)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Task A for an entity model; for a relation model Task B (gold entities) or, with entities, scenario 1 (A + B).

    A relation model is evaluated with the entities of ``--entities`` (or the entity model it was
    trained with) on ``scenario1``, or when ``--entities`` is given; elsewhere with the gold entities.
    """
    from ner.checkpoints import evaluate, predict_documents
    from ner.predict import model_kind
    from ner.relations.models import KINDS, load_relation_model
    from ner.relations.scoring import format_relations, score_relations

    model = _model_path(args.model)
    gold = corpus.load(args.split)
    if model_kind(model) not in KINDS:
        if args.relations:
            relations = load_relation_model(_model_path(args.relations))
            result = score_relations(gold, relations.predict(predict_documents(_predictor(args, model), gold)),
                                     with_entities=True)
            print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_relations(result))
            return 0
        _print_score(evaluate(_predictor(args, model), gold), args.json)
        return 0
    relations = load_relation_model(model)
    entities = args.entities or (_entity_model_of(model) if args.split == "scenario1" else None)
    if entities:
        found = predict_documents(_predictor(args, _model_path(entities)), [d for d in gold])
        result = score_relations(gold, relations.predict(found), with_entities=True)
    else:
        result = score_relations(gold, relations.predict(gold))
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_relations(result))
    return 0


def _model_path(name: str) -> str:
    """A model as named: a run name the app lists (a folder of the checkpoints), else the name as it is."""
    from ner.settings import checkpoints_dir

    listed = checkpoints_dir() / name
    if "/" not in name and "\\" not in name and (listed / "ner_model.json").is_file():
        return str(listed)
    return name


def _entity_model_of(relations: str) -> str:
    """The entity checkpoint a relation model was trained with (its ``settings.json``), or a clear error."""
    found = json.loads((Path(relations) / "settings.json").read_text(encoding="utf-8")).get("entity_model")
    if not found:
        raise ValueError(f"{Path(relations).name} names no entity model: give one with --entities CHECKPOINT")
    return found


def _predictor(args: argparse.Namespace, model: str | None = None):
    from ner.predict import load_predictor, model_kind
    from ner.settings import precision

    model = model or _model_path(args.model)
    if args.int8 and model_kind(model) != "transformer":
        raise ValueError("--int8 quantises a transformer model; a CRF has nothing to quantise")
    options = {"precision": args.precision or precision()} | ({"int8": True, "device": "cpu"} if args.int8 else {})
    return load_predictor(model, **options)


def shard_bounds(n_items: int, shard: int, shards: int) -> tuple[int, int]:
    """``[start, end)`` of shard ``shard`` (0-based) of ``shards`` contiguous, near-equal parts.

    The first ``n_items % shards`` shards hold one item more: the split of
    ``accelerate``'s ``split_between_processes``.
    """
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard + 1} of {shards} does not exist")
    size, extra = divmod(n_items, shards)
    start = shard * size + min(shard, extra)
    return start, start + size + (shard < extra)


def _shard(value: str | None) -> tuple[int, int]:
    """``--shard K/N`` (1-based), else this process's place under torchrun / accelerate launch."""
    from ner.settings import process_rank, world_size

    if not value:
        return process_rank(), world_size()
    k, _, n = value.partition("/")
    if not (k.isdigit() and n.isdigit()) or not 1 <= int(k) <= int(n):
        raise ValueError(f"--shard {value!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(k) - 1, int(n)


def cmd_predict(args: argparse.Namespace) -> int:
    from ner.export import predict_to_brat
    from ner.uploads import read_upload

    source = Path(args.input)
    docs = list(read_upload([source], None, want="lines").docs)  # the owner's own file: no upload limit
    out = Path(args.output) if args.output else source.with_suffix(".pred.txt")
    shard, shards = _shard(args.shard)
    if shards > 1:  # one BRAT document per shard, side by side: together they are one BRAT folder
        start, end = shard_bounds(len(docs), shard, shards)
        docs = docs[start:end]
        out = out.with_name(f"{out.stem}.part{shard + 1:0{len(str(shards))}d}of{shards}{out.suffix}")
    relations = None
    if args.relations:
        from ner.relations.models import load_relation_model

        relations = load_relation_model(_model_path(args.relations))
    predicted = predict_to_brat(_predictor(args), docs, out, relations)
    n = sum(len(d.entities) for d in predicted)
    related = f", {sum(len(d.relations) for d in predicted)} relations" if relations is not None else ""
    print(f"{n} entities{related} in {len(predicted)} lines -> {out} + {out.with_suffix('.ann').name}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ner.flags import dataclass_from_args
    from ner.hub import BaseModelProblem, check_base_model
    from ner.train import TrainSettings, train

    settings = dataclass_from_args(TrainSettings, args)
    try:
        check_base_model(settings.base_model, settings.task)  # before the corrections are read and the GPUs listed
    except BaseModelProblem as exc:
        print(f"error: {exc}\n  the CRF trains offline, in seconds: python -m ner train --base-model crf",
              file=sys.stderr)
        return 2
    extra = _corrections(args.db) if args.corrections else []
    if args.extra:
        from ner.export import import_any

        for path in args.extra:
            extra += import_any(path)
    from ner.gpu import describe_gpus
    from ner.settings import process_rank

    main = process_rank() == 0  # under torchrun / accelerate launch only the main process reports
    if main:
        print(describe_gpus())
    folder = train(settings, extra=extra)
    if not main:
        return 0
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    for split, result in metrics["eval"].items():
        print(f"{split}: official F1 {result['official']['f1']:.4f} "
              f"(P {result['official']['precision']:.4f}, R {result['official']['recall']:.4f})")
    print(f"checkpoint: {folder}")
    return 0


def _service(db: str | None):
    """The annotation service over the database (it must exist: these commands read answers); an admin caller."""
    from ner.access import Caller
    from ner.annotation.service import AnnotationService
    from ner.settings import Settings

    settings = Settings()
    path = Path(db) if db else settings.data_dir / "annotations.db"
    if not path.is_file():
        raise FileNotFoundError(f"no annotation database at {path} (set NER_DATA_DIR or pass --db)")
    return AnnotationService(settings, path=path), Caller("cli", admin=True)


def _corrections(db: str | None) -> list:
    service, me = _service(db)
    docs = service.accepted(me)
    print(f"+ {len(docs)} accepted corrections from the annotation database")
    return docs


def cmd_export(args: argparse.Namespace) -> int:
    from ner.export import FORMATS, accepted_documents, export_all, export_summary
    from ner.hub import push_to_hub

    service, me = _service(args.db)
    items = service.decisions(me, args.queue, args.annotator)
    docs = accepted_documents(items)
    if not docs:
        raise ValueError("no accepted corrections to export" + (f" in queue {args.queue!r}" if args.queue else ""))
    formats = args.formats.split(",") if args.formats else list(FORMATS)
    for fmt, path in export_all(items, args.output, formats).items():
        print(f"{fmt}: {path}")
    print(f"{len(docs)} documents, {sum(len(d.entities) for d in docs)} entities"
          + (f" (and {len(items) - len(docs)} rejected, in the JSONL only)" if len(items) > len(docs) else ""))
    for line in export_summary(docs, formats):
        print(line)
    print(f"(what each format dropped and why: {Path(args.output) / 'README.md'})")
    if args.push:
        if "hf" not in formats:
            raise ValueError("--push uploads the Hugging Face dataset export: include hf in --formats")
        print(push_to_hub(Path(args.output) / "hf", args.push))
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    service, me = _service(args.db)
    rows = service.agreement(me, args.first, args.second, args.queue)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'label':<13} {'items':>5} {'acc/rej':>7} {'P':>6} {'R':>6} {'F1':>6} {'kappa':>6}")
    for r in rows:
        figures = " ".join("   n/a" if r[k] is None else f"{r[k]:>6.3f}"
                           for k in ("precision", "recall", "f1", "kappa"))
        print(f"{r['label']:<13} {r['items']:>5} {r['accept_vs_reject']:>7} {figures}")
    print("(items: answered by both; acc/rej: accepted by one, rejected by the other; kappa: Cohen's, over words)")
    return 0


def _add_train_arguments(p: argparse.ArgumentParser) -> None:
    """One flag per field of :class:`TrainSettings`, typed by its type hint (see :mod:`ner.flags`)."""
    from ner.flags import add_dataclass_arguments
    from ner.train.settings import TrainSettings

    add_dataclass_arguments(p, TrainSettings)


def cmd_download(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ner.download import MANIFEST, download

    with tqdm(total=len(MANIFEST), unit="file") as bar:
        download(args.dest, args.url, force=args.force, progress=lambda done, total: bar.update(done - bar.n))
    return 0


PRECISIONS = ("auto", "bf16", "fp32")
PRECISION_HELP = "CPU prediction precision: auto (default, $NER_PRECISION): bf16 on a CPU with AMX, else fp32"
INT8_HELP = "CPU: quantise the model's linear layers to int8 (2-3x faster, official F1 about 0.02 lower)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ner", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("stats", help="sentences, entities per type, multi-fragment, gapped, overlapping")
    p.add_argument("split", nargs="?", default="train", help="train, dev, test, ..., sample, or a BRAT folder/.txt")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("download", help="fetch and verify the eHealth-KD 2020 corpus (CC BY-NC-SA 4.0)")
    p.add_argument("--dest", type=Path, default=None, help="default: $NER_CORPUS_DIR or data/ehealthkd-2020")
    p.add_argument("--url", default=None, help="mirror base URL (default: $NER_CORPUS_URL or GitHub raw)")
    p.add_argument("--force", action="store_true", help="replace a destination that differs")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("score", help="official Task A and nervaluate scores of PRED against GOLD")
    p.add_argument("gold", help="split name, BRAT folder or .txt")
    p.add_argument("pred", help="BRAT folder or .txt")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("train", help="fine-tune a model (or --base-model crf) into checkpoints/<run name>")
    _add_train_arguments(p)
    p.add_argument("--extra", nargs="*", help="extra documents to train on: BRAT, .jsonl, .conll or a saved dataset")
    p.add_argument("--corrections", action="store_true", help="add the accepted corrections of the annotation database")
    p.add_argument("--db", help="annotation database (default $NER_DATA_DIR/annotations.db)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="entities (and relations) of each line of a .txt file, written as BRAT")
    p.add_argument("input")
    p.add_argument("--model", required=True, help="entity model: a run name of checkpoints/, a folder or a hub id")
    p.add_argument("--relations", help="also the relations between the entities found, by this relation model "
                   "(written as R and * lines)")
    p.add_argument("--output", help="output .txt path (default INPUT.pred.txt, with its .ann)")
    p.add_argument("--int8", action="store_true", help=INT8_HELP)
    p.add_argument("--precision", choices=PRECISIONS, default=None, help=PRECISION_HELP)
    p.add_argument("--shard", metavar="K/N", help="predict only the K-th of N contiguous parts of the lines, into "
                   "OUTPUT.partKofN.txt/.ann (under torchrun / accelerate launch: this process's part)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("evaluate", help="score a model on a split: Task A for entities; Task B (scenario3) or A + B "
                       "(scenario1) for relations")
    p.add_argument("--model", required=True, help="a run name of checkpoints/, a folder or a hub id: an entity or a "
                   "relation model")
    p.add_argument("--split", default="test")
    p.add_argument("--relations", help="with an entity model: also this relation model, scored as A + B")
    p.add_argument("--entities", help="with a relation model: the entity model that finds its entities (A + B); "
                   "default on scenario1: the one it was trained with")
    p.add_argument("--json", action="store_true")
    p.add_argument("--int8", action="store_true", help=INT8_HELP)
    p.add_argument("--precision", choices=PRECISIONS, default=None, help=PRECISION_HELP)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="the accepted corrections of the annotation database as training data "
                                      "(the JSONL also holds the rejected documents, with who answered and when)")
    p.add_argument("output", help="folder to write (brat/, corrections.jsonl, hf/, corrections.conll)")
    p.add_argument("--formats", help="comma-separated among brat,jsonl,hf,conll (default all)")
    p.add_argument("--queue", help="only this queue")
    p.add_argument("--annotator", help="only this annotator's answers")
    p.add_argument("--db", help="annotation database (default $NER_DATA_DIR/annotations.db)")
    p.add_argument("--push", metavar="REPO", help="also push the dataset to this Hub dataset repo (needs HF_TOKEN)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("agreement",
                       help="official F1 and Cohen's kappa over words of one annotator's answers against another's")
    p.add_argument("first")
    p.add_argument("second")
    p.add_argument("--queue", help="only this queue")
    p.add_argument("--db", help="annotation database (default $NER_DATA_DIR/annotations.db)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreement)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
