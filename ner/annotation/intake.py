"""New documents for annotation queues: from uploads, pasted text or the corpus.

An upload, pasted text or the corpus gives a :class:`NewDocuments`: the documents to add to one queue.
Plain text gives one document per non-empty line; a BRAT pair (``X.txt`` + ``X.ann``,
uploaded together or zipped) gives its lines with their entities, which become a suggestion
of the agent ``brat:<file name>``. :func:`add_to_queue` writes them to the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ner import corpus
from ner.brat import read_text
from ner.entities import Document, Entity
from ner.export import import_brat
from ner.files import check_upload, safe_extract, scratch
from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Limits
from ner.store import Store, check_entities
from ner.tokens import check_line, too_many_lines

CORPUS_QUEUES: dict[str, str] = {  # queue name -> corpus split
    "scenario1-unannotated": "scenario1",
    "scenario4-unannotated": "scenario4",
}
SAMPLE_QUEUE = "sample"


@dataclass(frozen=True)
class NewDocuments:
    """Documents to add to the queue ``queue``; ``entities`` (by document index) come from a BRAT file, agent ``agent``.

    ``named``: keep the documents' own ids as their names (corpus ids); otherwise the store
    names them ``<queue>/<position + 1>``, unique within the queue however often it grows.
    """

    queue: str
    docs: list[Document]
    agent: str | None = None
    entities: dict[int, tuple[Entity, ...]] = field(default_factory=dict)
    named: bool = False


def tidy_name(name: str) -> str:
    """A tidy queue (or file) name from a file name or a typed one: letters, digits, ``-``, ``_``, ``.``."""
    name = re.sub(r"[^\w.\-]+", "-", name).strip("-.")
    return name[:80] or "pasted"


def lines_to_docs(text: str, queue: str, where: str | None, limits: Limits = DEFAULT_LIMITS) -> list[Document]:
    """One document per non-empty line (surrounding spaces dropped); ``ValueError`` names the bad line.

    ``where``: the file's name, or None for pasted text.
    """
    docs = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        check_line(line, limits.line_chars, number, where)
        docs.append(Document(f"{queue}/{number}", line, annotated=False))
        if len(docs) > limits.upload_lines:
            raise too_many_lines(limits.upload_lines, where)
    return docs


def corpus_choices() -> list[tuple[str, str]]:
    """Dropdown choices for the corpus queues: scenarios 1 and 4 (unannotated lines), else the sample."""
    if corpus.corpus_available():
        return [
            ("eHealth-KD scenario 1 · unannotated lines", "scenario1-unannotated"),
            ("eHealth-KD scenario 4 · unannotated lines", "scenario4-unannotated"),
        ]
    return [("Sample corpus (all lines)", SAMPLE_QUEUE)]


def corpus_documents(queue: str, limit: int | None = None) -> NewDocuments:
    """The documents of a corpus queue (``scenario1-unannotated``, ``scenario4-unannotated`` or ``sample``)."""
    if queue == SAMPLE_QUEUE:
        docs = [Document(d.id, d.text, annotated=False) for d in corpus.load("sample")]
    elif queue in CORPUS_QUEUES:
        docs = [d for d in corpus.load(CORPUS_QUEUES[queue]) if not d.annotated]
    else:
        raise Refusal("unknown corpus queue {queue!r}", queue=queue)
    docs = [d for d in docs if d.text.strip()]
    return NewDocuments(queue, docs[:limit] if limit else docs, named=True)


def _brat_documents(txt: Path, queue: str, label: str, limits: Limits) -> NewDocuments:
    docs = import_brat(txt)
    keep = [d for d in docs if d.text.strip()]
    if len(keep) > limits.upload_lines:
        raise Refusal("{name}: {n:,} lines (the limit is {limit:,}); split the file", name=label,
                      n=len(keep), limit=limits.upload_lines)
    entities = {}
    for i, doc in enumerate(keep):
        check_line(doc.text, limits.line_chars, i + 1, label)
        if doc.entities:
            entities[i] = check_entities(doc.text, doc.entities, f"{label}, line {doc.id}")
    plain = [Document(d.id, d.text, annotated=False) for d in keep]
    return NewDocuments(queue, plain, f"brat:{label}", entities)


def uploaded_documents(paths: Sequence[str | Path], name: str | None = None, limits: Limits = DEFAULT_LIMITS
                       ) -> NewDocuments:
    """The documents of uploaded files: ``.txt`` lines, a ``.txt`` + ``.ann`` pair, or a ``.zip`` of either.

    Zips are unpacked (:func:`ner.files.safe_extract`) into a scratch folder that is gone
    when this returns; every limit is checked before the store sees anything.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise Refusal("choose a .txt file, a .txt + .ann pair or a BRAT .zip first")
    if len(paths) > limits.upload_files:  # before any is read or unpacked
        raise Refusal("{n:,} files at once (the limit is {limit}: a .txt and its .ann, or one .zip)",
                      n=len(paths), limit=limits.upload_files)
    with scratch("ner-annotate-") as tmp:
        files: list[Path] = []
        for n, path in enumerate(paths):
            check_upload(path, limits)
            if path.suffix.lower() == ".zip":
                files += sorted(safe_extract(path, tmp / f"zip{n}", limits, path.name))
            else:
                files.append(path)
        return _files_documents(paths, files, name, tmp, limits)


def _files_documents(paths: list[Path], files: list[Path], name: str | None, tmp: Path, limits: Limits
                     ) -> NewDocuments:
    texts = [p for p in files if p.suffix.lower() == ".txt" and not p.name.startswith(".")]
    if not texts:
        raise Refusal("no .txt file among the uploads (an .ann needs its .txt beside it)")
    if len(texts) > 1:
        raise Refusal("one text per queue: got {names}", names=", ".join(p.name for p in texts))
    txt = texts[0]
    queue = tidy_name(name or _display_stem(paths[0]))
    anns = [p for p in files if p.suffix.lower() == ".ann"]
    if anns:
        ann = anns[0]
        if ann.parent != txt.parent or ann.stem != txt.stem:  # uploaded separately: Gradio keeps the names
            pair = tmp / "pair"
            pair.mkdir()
            (pair / "scenario.txt").write_bytes(txt.read_bytes())
            (pair / "scenario.ann").write_bytes(ann.read_bytes())
            txt = pair / "scenario.txt"
        return _brat_documents(txt, queue, _display_stem(paths[0]), limits)
    text = read_text(txt)  # not UTF-8: a refusal whose path the interface cuts to the file's name (redact)
    return NewDocuments(queue, lines_to_docs(text, queue, txt.name, limits))


def _display_stem(path: Path) -> str:
    return path.stem or "upload"


def pasted_documents(text: str, name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> NewDocuments:
    """One document per non-empty line of pasted text."""
    if not isinstance(text, str):
        raise Refusal("the pasted text must be text")
    if len(text) > limits.upload_bytes:
        raise Refusal("the pasted text has {n:,} characters (the limit is {limit:,})",
                      n=len(text), limit=limits.upload_bytes)
    queue = tidy_name(name or "pasted")
    docs = lines_to_docs(text, queue, None, limits)
    if not docs:
        raise Refusal("paste some text first (one document per line)")
    return NewDocuments(queue, docs)


def add_to_queue(store: Store, new: NewDocuments) -> list[int]:
    """Add the documents to their queue in the store (idempotent) and their BRAT entities as a suggestion; the ids."""
    ids = store.add_documents(new.queue, new.docs if new.named else [d.text for d in new.docs])
    if new.agent:
        for i, ents in new.entities.items():
            if store.latest_suggestion(ids[i], new.agent) is None:
                store.add_suggestion(ids[i], new.agent, ents)
    return ids
