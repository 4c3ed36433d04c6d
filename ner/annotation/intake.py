"""New documents for annotation queues: from uploads, pasted text or the corpus.

An upload, pasted text or the corpus gives a :class:`NewDocuments`: the documents to add to one queue.
Plain text gives one document per non-empty line; a BRAT pair (a ``.txt`` + its ``.ann``,
uploaded together or zipped) gives its lines with their entities, which become a suggestion
of the agent ``brat:<file name>``. Uploads are read, and their limits checked, by
:func:`ner.uploads.read_upload`; pasted text shares its line reader. The Evaluate tab's
sentences (:func:`evaluation_documents`) keep their ids; a sentence of an official test set
is never one of them (:func:`official_test_sentences`). :func:`add_to_queue` writes them to
the store.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ner import corpus
from ner.entities import Document, Entity, check_entities
from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Limits, corpus_dir
from ner.store import Store
from ner.uploads import Upload, lines_to_documents, read_upload

CORPUS_QUEUES: dict[str, str] = {  # queue name -> corpus split
    "scenario1-unannotated": "scenario1",
    "scenario4-unannotated": "scenario4",
}
SAMPLE_QUEUE = "sample"
TEST_SETS = ("test", "scenario1", "scenario3", "scenario4")  # the official eHealth-KD 2020 test sets (annotated lines)


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


def upload_to_documents(upload: Upload, name: str | None = None) -> NewDocuments:
    """The new documents of a queue from an upload read with ``want="queue"`` (:func:`ner.uploads.read_upload`).

    The queue is ``name`` tidied, else the upload's stem; documents are plain
    (``annotated=False``) with ids ``<queue>/<line of the file>``. A BRAT upload's entities,
    checked as the store checks an answer, become the suggestion of the agent ``brat:<stem>``.
    """
    queue = tidy_name(name or upload.stem)
    docs, entities = [], {}
    for i, doc in enumerate(upload.docs):
        line = doc.id.rpartition("/")[2]  # read_upload's ids: <stem>/<line>
        docs.append(Document(f"{queue}/{line}", doc.text, annotated=False))
        if doc.entities:
            entities[i] = check_entities(doc.text, doc.entities, f"{upload.name}, line {line}")
    return NewDocuments(queue, docs, f"brat:{upload.stem}" if upload.annotated else None, entities)


def uploaded_documents(paths: Sequence[str | Path], name: str | None = None, limits: Limits = DEFAULT_LIMITS
                       ) -> NewDocuments:
    """The documents of uploaded files for a new queue: ``.txt`` lines, a ``.txt`` + ``.ann`` pair, or a ``.zip``.

    :func:`ner.uploads.read_upload` (``want="queue"``) reads them, every limit checked
    before the store sees anything; :func:`upload_to_documents` makes them a queue's.
    """
    return upload_to_documents(read_upload(paths, limits, want="queue"), name)


def pasted_documents(text: str, name: str | None = None, limits: Limits = DEFAULT_LIMITS) -> NewDocuments:
    """One document per non-empty line of pasted text."""
    if not isinstance(text, str):
        raise Refusal("the pasted text must be text")
    if len(text) > limits.upload_bytes:
        raise Refusal("the pasted text has {n:,} characters (the limit is {limit:,})",
                      n=len(text), limit=limits.upload_bytes)
    queue = tidy_name(name or "pasted")
    docs = lines_to_documents(text, queue, None, limits, strip=True)
    if not docs:
        raise Refusal("paste some text first (one document per line)")
    return NewDocuments(queue, docs)


@dataclass(frozen=True)
class Sent:
    """What sending sentences to a queue did: ``added`` new documents, ``already`` there before, and the suggestions.

    ``model``: the name of the model that suggests (None: no model yet); ``preannotated`` documents got its
    suggestions at once, ``later`` are left to the background.
    """

    queue: str
    added: int
    already: int
    model: str | None = None
    preannotated: int = 0
    later: int = 0


def evaluation_documents(queue: str, docs: Sequence[Document]) -> NewDocuments:
    """Evaluation sentences for the queue ``queue`` (a typed name, tidied): plain texts named by their ids, each once.

    Their gold entities are not kept: the queue's suggestions are a model's, and the
    annotator corrects those.
    """
    if not isinstance(queue, str) or not queue.strip():
        raise Refusal("name the queue to send the sentences to")
    unique: dict[str, Document] = {}
    for doc in docs:
        if doc.text.strip():
            unique.setdefault(doc.text, Document(doc.id, doc.text, annotated=False))
    return NewDocuments(tidy_name(queue[:200]), list(unique.values()), named=True)


def official_test_sentences(docs: Sequence[Document]) -> list[Document]:
    """Those of ``docs`` whose text is an annotated sentence of an official test set (:data:`TEST_SETS`).

    None when the corpus is not on disk.
    """
    known = _test_texts(str(corpus_dir()))
    return [d for d in docs if d.text in known]


@functools.lru_cache(maxsize=2)
def _test_texts(where: str) -> frozenset[str]:
    """The annotated texts of the test sets of the corpus in ``where`` (read once per corpus folder)."""
    texts: set[str] = set()
    for split in TEST_SETS:
        try:
            texts.update(d.text for d in corpus.load(split) if d.annotated)
        except FileNotFoundError:
            continue
    return frozenset(texts)


def add_to_queue(store: Store, new: NewDocuments) -> list[int]:
    """Add the documents to their queue in the store (idempotent) and their BRAT entities as a suggestion; the ids."""
    ids = store.add_documents(new.queue, new.docs if new.named else [d.text for d in new.docs])
    if new.agent:
        for i, ents in new.entities.items():
            if store.latest_suggestion(ids[i], new.agent) is None:
                store.add_suggestion(ids[i], new.agent, ents)
    return ids
