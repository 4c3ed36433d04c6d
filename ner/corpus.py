"""The eHealth-KD 2020 corpus by split name, and its statistics.

The corpus location is a setting, :func:`ner.settings.corpus_dir` (``NER_CORPUS_DIR``, default
``data/ehealthkd-2020`` in the project folder, whatever the working directory): the folder
that holds the organisers' ``data/`` tree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ner.brat import read_brat, scenario_path
from ner.entities import Document
from ner.settings import PROJECT_DIR, corpus_dir

SPLITS: dict[str, str] = {
    "train": "data/training",
    "dev": "data/development/main",
    "test": "data/testing/scenario2-taskA",
    "dev-transfer": "data/development/transfer",
    "scenario1": "data/testing/scenario1-main",
    "scenario3": "data/testing/scenario3-taskB",
    "scenario4": "data/testing/scenario4-transfer",
}
SAMPLE_DIR = PROJECT_DIR / "data" / "sample"


def split_path(name: str | Path) -> Path:
    """The ``scenario.txt`` of a split name (``train``, ``dev``, ``test``, ...), ``sample``, or a path."""
    if str(name) == "sample":
        return SAMPLE_DIR / "scenario.txt"
    if str(name) in SPLITS:
        path = corpus_dir() / SPLITS[str(name)] / "scenario.txt"
        if not path.is_file():
            raise FileNotFoundError(
                f"split {name!r}: {path} does not exist; run `python -m ner download` or set NER_CORPUS_DIR"
            )
        return path
    path = scenario_path(name)
    if not path.is_file():
        known = ", ".join([*SPLITS, "sample"])
        raise FileNotFoundError(f"{name!r} is neither a split ({known}) nor a BRAT folder or .txt file")
    return path


def load(name: str | Path) -> list[Document]:
    """The documents of a split name or a BRAT folder / ``.txt`` path."""
    return read_brat(split_path(name))


def corpus_available() -> bool:
    """True when the real corpus's training split is on disk."""
    return (corpus_dir() / SPLITS["train"] / "scenario.txt").is_file()


def default_splits(train_split: str | None = None) -> dict[str, str | tuple[str, ...]]:
    """What a run started from the app trains on and is evaluated on: ``{train_split, dev_split, eval_splits}``.

    ``train_split`` None: the corpus's ``train`` when it is on disk, else the project's sample
    (then trained, chosen and evaluated on the sample alone).
    """
    split = train_split or ("train" if corpus_available() else "sample")
    if split == "train":
        return {"train_split": "train", "dev_split": "dev", "eval_splits": ("dev", "test")}
    return {"train_split": split, "dev_split": split, "eval_splits": (split,)}


@dataclass(frozen=True)
class Stats:
    """Counts that describe a set of documents."""

    sentences: int
    annotated: int
    entities: int
    per_label: dict[str, int] = field(default_factory=dict)
    multi_fragment: int = 0
    gapped: int = 0
    overlapping: int = 0


def overlapping_pairs(doc: Document) -> list[tuple[int, int]]:
    """Index pairs of entities whose character ranges share at least one character."""
    chars = [set().union(*(range(s, e) for s, e in ent.fragments)) for ent in doc.entities]
    return [(i, j) for i in range(len(chars)) for j in range(i + 1, len(chars)) if chars[i] & chars[j]]


def stats(docs: list[Document]) -> Stats:
    """Sentences, entities per label, and the entities BIO tags find hard.

    ``overlapping`` counts entities that share a character with another entity.
    """
    per_label: Counter[str] = Counter()
    multi = gapped = overlapping = 0
    for doc in docs:
        per_label.update(e.label for e in doc.entities)
        multi += sum(len(e.fragments) > 1 for e in doc.entities)
        gapped += sum(e.is_gapped(doc.text) for e in doc.entities)
        overlapping += len({i for pair in overlapping_pairs(doc) for i in pair})
    return Stats(
        sentences=len(docs),
        annotated=sum(d.annotated for d in docs),
        entities=sum(per_label.values()),
        per_label=dict(per_label.most_common()),
        multi_fragment=multi,
        gapped=gapped,
        overlapping=overlapping,
    )
