"""Checkpoint folders: evaluate, describe, finish atomically, list.

A checkpoint is a folder ``checkpoints/<run name>/`` holding the model (transformer files or
``crf.model``), ``settings.json``, ``metrics.json``, ``log_history.json``, a model card
``README.md`` and, written last, ``ner_model.json``. It is built in a hidden temporary
folder and renamed into place when complete, so a crash or a cancel never leaves a folder
that looks like a finished checkpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cachetools import LRUCache

from ner import corpus
from ner.entities import Document
from ner.files import atomic_write
from ner.messages import N_, SOURCE, say
from ner.predict import Predictor
from ner.scoring import score
from ner.settings import checkpoints_dir


def predict_documents(predictor: Predictor, docs: list[Document]) -> list[Document]:
    """The documents with the predictor's entities in place of theirs."""
    predicted = predictor.predict([d.text for d in docs])
    return [d.with_entities(ents) for d, ents in zip(docs, predicted)]


def evaluate(predictor: Predictor, docs: list[Document]) -> dict:
    """Official Task A and nervaluate figures of ``predictor`` on gold ``docs``."""
    t0 = time.perf_counter()
    preds = predict_documents(predictor, docs)
    result = score(docs, preds)
    result["predict_seconds"] = round(time.perf_counter() - t0, 3)
    return result


def evaluate_splits(predictor: Predictor, splits: list[str]) -> dict:
    """:func:`evaluate` on each available split name; a missing split is left out."""
    out = {}
    for split in splits:
        try:
            docs = corpus.load(split)
        except FileNotFoundError:
            continue
        out[split] = evaluate(predictor, docs)
    return out


def new_run_name(base: str) -> str:
    """``<last part of the base model>-<UTC time>``, safe as a folder name."""
    stem = Path(str(base).rstrip("/")).name or "model"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in f"{stem}-{stamp}")


def free_run_name(root: Path, base: str) -> str:
    """``base``, or ``base-2``, ``base-3``… when a checkpoint of that name exists (runs started in the same second)."""
    name, n = base, 1
    while (root / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def staging_dir(root: Path, run_name: str) -> Path:
    """A fresh hidden folder next to where ``run_name`` will land, unique to this call.

    Named ``.tmp-<run name>-<pid>-<random>``: :func:`ner.files.remove_stale_staging` removes
    those of processes that are gone.
    """
    final = root / run_name
    if final.exists():
        raise FileExistsError(f"checkpoint {run_name} already exists; choose another run name")
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".tmp-{run_name}-{os.getpid()}-", dir=root))


def write_json(path: Path, data: object) -> None:
    """``data`` as indented UTF-8 JSON (what JSON cannot hold written as ``str``), through :func:`atomic_write`."""
    atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def finish(tmp: Path, run_name: str, kind: str, settings: dict, metrics: dict, log_history: list) -> Path:
    """Write the descriptive files into ``tmp``, then rename it to its final name."""
    write_json(tmp / "settings.json", settings)
    write_json(tmp / "metrics.json", metrics)
    write_json(tmp / "log_history.json", log_history)
    atomic_write(tmp / "README.md", model_card(run_name, kind, settings, metrics))
    write_json(tmp / "ner_model.json", {"kind": kind, "run_name": run_name, "created": _now()})
    final = tmp.parent / run_name
    os.replace(tmp, final)
    return final


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _fmt(result: dict | None, key: str) -> str:
    if not result:
        return "n/a"
    return f"{result['official'][key]:.4f}"


def model_card(run_name: str, kind: str, settings: dict, metrics: dict) -> str:
    """A Hugging Face model card: front matter, then what the model is, how to use it and its scores."""
    base = settings.get("base_model", "crf")
    evals = metrics.get("eval", {})
    rows = "\n".join(
        f"| {split} | {_fmt(r, 'precision')} | {_fmt(r, 'recall')} | {_fmt(r, 'f1')} |" for split, r in evals.items()
    )
    front = [
        "---",
        "language: es",
        "license: cc-by-nc-sa-4.0",
        "library_name: transformers" if kind == "transformer" else "library_name: sklearn-crfsuite",
        "pipeline_tag: token-classification",
        "tags: [ner, biomedical, clinical, spanish, ehealth-kd]",
    ]
    if kind == "transformer":
        front.append(f"base_model: {base}")
    front.append("---")
    return "\n".join(front) + f"""

# {run_name}

Named-entity recognition for Spanish health text: **Concept, Action, Predicate, Reference**
(eHealth-KD 2020, Task A). Kind: {kind}; base model: `{base}`.

## Scores (official eHealth-KD Task A metric)

| split | precision | recall | F1 |
|---|---|---|---|
{rows or "| - | - | - | - |"}

`test` is the official Task A test set (`data/testing/scenario2-taskA`). Per-type and nervaluate
figures are in `metrics.json`; the training settings in `settings.json`.

## Use

```bash
python -m ner predict --model checkpoints/{run_name} input.txt
```

Trained on the eHealth-KD 2020 corpus (CC BY-NC-SA 4.0): the model inherits its
non-commercial, share-alike terms.
"""


METRICS_BYTES = 1 << 20  # a metrics.json is a few KB: a bigger one is not read (the label goes without its F1)


@dataclass(frozen=True)
class CheckpointInfo:
    """A finished checkpoint on disk; ``f1``: the official F1 of each split it was evaluated on (``metrics.json``)."""

    path: Path
    name: str
    kind: str
    created: str
    test_f1: float | None
    dev_f1: float | None
    f1: tuple[tuple[str, float], ...] = ()

    def label(self, lang: str = SOURCE) -> str:
        """What a model list shows for it (:func:`checkpoint_label`): the F1 of ``dev``, else of its first split."""
        scores = dict(self.f1)
        split = "dev" if "dev" in scores else next(iter(scores), None)
        return checkpoint_label(self.kind, self.name, self.created,
                                None if split is None else (split, scores[split]), lang)


def checkpoint_label(kind: str, name: str, created: str, f1: tuple[str, float] | None, lang: str = SOURCE) -> str:
    """``crf · dev F1 0.842 · 2026-12-03 08:38 (crf-20261203-083819)``: kind, a split's F1, creation (UTC), run name.

    The F1 (``(split, f1)``) is left out when None, the time when ``created`` is no ISO time;
    numbers as ``lang`` writes them.
    """
    parts = [kind]
    if f1 is not None:
        parts.append(say(lang, N_("{split} F1 {f1:.3f}"), split=f1[0], f1=f1[1]))
    try:
        parts.append(datetime.fromisoformat(created).astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    except (TypeError, ValueError):
        pass
    return f"{' · '.join(parts)} ({name})"


def list_checkpoints(root: Path | None = None) -> list[CheckpointInfo]:
    """Finished checkpoints under ``root`` (those with a ``ner_model.json``), newest first; temporary folders are
    left out. Each is read once while its files keep their modification times (:func:`read_checkpoint`)."""
    root = checkpoints_dir() if root is None else root
    found = []
    for marker in root.glob("*/ner_model.json") if root.is_dir() else []:
        if marker.parent.name.startswith("."):  # a staging folder, even one about to be renamed
            continue
        info = read_checkpoint(marker.parent)
        if info is not None:
            found.append(info)
    return sorted(found, key=lambda c: (c.created, c.name), reverse=True)


def read_checkpoint(folder: Path) -> CheckpointInfo | None:
    """A checkpoint's description (``ner_model.json``) and F1s (``metrics.json``, if any); None when unreadable.

    Cached by the two files' modification times and sizes, so listing many checkpoints reads only what changed.
    """
    marker, metrics = folder / "ner_model.json", folder / "metrics.json"
    key = (str(folder), _stamp(marker), _stamp(metrics))
    if key[1] is None:
        return None
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        if not isinstance(info, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError):
        found = None
    else:
        f1 = _f1s(metrics) if key[2] is not None and key[2][1] <= METRICS_BYTES else {}
        found = CheckpointInfo(folder, folder.name, str(info.get("kind", "?")), str(info.get("created", "")),
                               f1.get("test"), f1.get("dev"), tuple(f1.items()))
    with _CACHE_LOCK:
        _CACHE[key] = found
    return found


_CACHE: LRUCache[tuple, CheckpointInfo | None] = LRUCache(4096)
_CACHE_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of a file, None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _f1s(metrics: Path) -> dict[str, float]:
    """The official F1 of each split in a ``metrics.json`` (its first 10), in its order; none if unreadable."""
    try:
        evals = json.loads(metrics.read_text(encoding="utf-8")).get("eval", {})
        return {str(s): float(r["official"]["f1"]) for s, r in list(evals.items())[:10]}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}
