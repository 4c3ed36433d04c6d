"""``python -m ner ...``: the command line."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ner", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("stats", help="sentences, entities per type, multi-fragment, gapped, overlapping")
    p.add_argument("split", nargs="?", default="train", help="train, dev, test, ..., sample, or a BRAT folder/.txt")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
