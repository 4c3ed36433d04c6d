"""What the annotation service returns, as typed records: an item to annotate, a queue's progress and summary.

An :class:`Item` is one document of a queue for one annotator, with the entities to show
(the annotator's answer, else the model's suggestion), the queue's :class:`Progress` and what
the service has to say (:class:`ner.messages.Said`: keys of the catalog with their values).
The interface turns it into the editor's value or the API's JSON (:mod:`ner.ui.editor`,
:mod:`ner.ui.annotate`); nothing here knows about colours or languages.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ner.entities import Entity, Relation, entities_from_json
from ner.messages import Said
from ner.refusals import Refusal
from ner.relations.triples import relations_from_json
from ner.scoring import EDITS, correction_edits
from ner.store import REVIEW_STATUSES, Conflict, Store, disagree

ORDERS: tuple[str, ...] = ("position", "uncertain")
ACTIONS: dict[str, str] = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}
# of an item, for one annotator
STATES: tuple[str, ...] = ("todo", "accepted", "rejected", "skipped", "conflict", "reviewed")


@dataclass(frozen=True)
class Progress:
    """How far an annotator is through a queue (``done`` counts skips too), and the documents the background
    pre-annotation has still to reach."""

    total: int
    done: int
    remaining: int
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    preannotating: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    """What an annotator did in a finished queue: answers by status, accepted suggestions changed, and the edits."""

    accepted: int
    rejected: int
    skipped: int
    changed: int
    added: int
    removed: int
    relabelled: int
    boundaries: int
    total: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Item:
    """One document of a queue to annotate (``doc`` None: the queue is finished, ``summary`` says how it went).

    ``entities`` and ``relations``: what to show (the annotator's answer when revising, else the suggestion);
    ``suggestion`` and ``model``: the suggestion shown and the model that made it;
    ``credit``: corpus text, which carries its licence wherever it is shown;
    ``preannotation``: ``(done, total)`` of the queue's background pre-annotation while it runs;
    ``retraining``: while a live version of the queue's model is being trained, the accepted
    answers it learns from (0 while they are read), else None;
    ``notice``: said once to an annotator when a new live version suggests their items.
    """

    queue: str
    annotator: str
    progress: Progress
    doc: int | None = None
    name: str = ""
    text: str = ""
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()  # between ``entities`` (their indexes)
    suggestion: int | None = None
    model: str | None = None
    summary: Summary | None = None
    said: tuple[Said, ...] = ()
    credit: bool = False
    preannotation: tuple[int, int] | None = None
    retraining: int | None = None
    notice: Said | None = None

    @property
    def finished(self) -> bool:
        return self.doc is None

    def saying(self, *said: Said) -> Item:
        """The same item with these messages instead of its own."""
        return replace(self, said=said)


@dataclass(frozen=True)
class QueueItem:
    """A line of the queue's browse list: a document and its state for the annotator (:data:`STATES`).

    For a ``reviewed`` item, what the review kept: ``kept_status`` (accepted or rejected),
    ``kept_by`` (the annotator whose answer it took; None: an answer the reviewer merged) and
    ``kept_own`` (it took this annotator's own answer).
    """

    doc: int
    name: str
    text: str
    state: str
    kept_status: str | None = None
    kept_by: str | None = None
    kept_own: bool = False


@dataclass(frozen=True)
class Saved:
    """An answer just saved: its id, queue, status, entities and what was suggested for it (if known)."""

    id: int
    queue: str
    status: str
    entities: tuple[Entity, ...]
    suggested: tuple[Entity, ...] | None


@dataclass(frozen=True)
class Answered:
    """An answer saved by status (``save``): its id and the item that comes next."""

    answer: int
    next: Item


def progress(store: Store, queue: str, annotator: str, preannotating: int = 0) -> Progress:
    """The annotator's progress through the queue."""
    p = store.progress(queue, annotator)
    return Progress(p.total, p.done, p.remaining, preannotating=preannotating,
                    **{k: p.by_status.get(k, 0) for k in ("accepted", "rejected", "skipped")})


def item(store: Store, queue: str, annotator: str, doc_id: int | None, answer=None, suggestion=None,
         said: tuple[Said, ...] = ()) -> Item:
    """The item of one document for an annotator (``doc_id`` None: the queue's finished item, with its summary).

    What it shows: ``answer``'s entities and relations (a store record: the annotator's own),
    else the suggestion's (if any). Records keep their entities sorted, their relations by those indexes.
    """
    p = progress(store, queue, annotator)
    if doc_id is None:
        return Item(queue, annotator, p, summary=finished_summary(store, queue, annotator), said=said)
    doc = store.document(doc_id)
    shown = answer if answer is not None else suggestion
    return Item(queue, annotator, p, doc_id, doc.id, doc.text, tuple(shown.entities) if shown else (),
                tuple(shown.relations) if shown else (), suggestion.id if suggestion else None,
                Path(suggestion.model).name if suggestion else None, said=said)


def answer(
    store: Store, doc_id: int, annotator: str, action: str, raw_entities: Any, suggestion: int | None = None,
    raw_relations: Any = None,
) -> Saved:
    """Save an ``accept``, ``reject`` or ``skip`` (entities and relations checked first).

    ``raw_relations``: ``[{"type", "from", "to"}]``, indexes into ``raw_entities`` as sent
    (an entity sent twice is kept once: a relation of either is one of the kept one).
    ``suggested``: the entities of the suggestion the answer corrects (the one sent, when it
    belongs to the document, else the document's newest).
    """
    if action not in ACTIONS:
        raise Refusal("unknown action {action!r} (expected one of {actions} or undo)",
                      action=action, actions=", ".join(ACTIONS))
    name = check_annotator(annotator)
    doc = store.document(doc_id)
    where = f"document {doc.id}"
    ents = tuple(entities_from_json(doc.text, raw_entities, where))
    sent = relations_from_json(raw_relations, len(raw_entities) if isinstance(raw_entities, list | tuple) else 0,
                               f"{where}: relations")
    rels = []
    if sent:
        kept = {(e.label, e.fragments): k for k, e in enumerate(ents)}
        place = [kept[(e.label, e.fragments)] for e in (entities_from_json(doc.text, [r], where)[0]
                                                        for r in raw_entities)]
        rels = [(kind, place[a], place[b]) for kind, a, b in sent if place[a] != place[b]]
    own = _own(store, doc_id, suggestion)
    answer_id = store.save_answer(doc_id, name, ACTIONS[action], ents, suggestion=own, relations=rels)
    shown = store.suggestion(own) if own is not None else store.latest_suggestion(doc_id)
    return Saved(answer_id, store.document_queue(doc_id), ACTIONS[action], ents,
                 shown.entities if shown is not None else None)


def _own(store: Store, doc_id: int, suggestion: int | None) -> int | None:
    """``suggestion`` when it belongs to ``doc_id`` (a stale editor may send another's)."""
    if isinstance(suggestion, bool) or not isinstance(suggestion, int):
        return None
    return suggestion if store.suggestion_document(suggestion) == doc_id else None


def undo_item(store: Store, queue: str, annotator: str) -> Item | None:
    """Retract the annotator's last answer in the queue; the item of that document again, or None."""
    name = check_annotator(annotator)
    undone = store.undo_last(name, queue)
    if undone is None:
        return None
    own = _own(store, undone.document, undone.suggestion)
    return item(store, queue, name, undone.document, answer=undone,
                suggestion=store.suggestion(own) if own is not None else None,
                said=(Said("ann_msg_undone", {"status": undone.status}),))


def check_annotator(annotator: str | None) -> str:
    """The annotator's name, stripped; ``ValueError`` when empty."""
    name = (annotator or "").strip()
    if not name:
        raise Refusal("type your name in 'Annotator' first: answers are saved per annotator")
    if len(name) > 100:
        raise Refusal("the annotator name is longer than {limit} characters", limit=100)
    if any(unicodedata.category(c) in {"Cc", "Cs"} for c in name):
        raise Refusal("the annotator name holds control or invalid characters")
    return name


# ---------------------------------------------------------------- browsing a queue and its summary


def queue_items(store: Store, queue: str, annotator: str) -> list[QueueItem]:
    """Every document of a queue in order, with its state for ``annotator`` (:data:`STATES`).

    ``conflict``: the annotator has decided (accepted or rejected) and the annotators'
    decisions :func:`ner.store.disagree` (the review step's definition); ``reviewed``: the
    same, settled by a review newer than every decision (:attr:`ner.store.Conflict.open` is
    false), with what the review kept. Two queries (:meth:`ner.store.Store.queue_answers`,
    :meth:`ner.store.Store.current_reviews`), however long the queue.
    """
    reviews = store.current_reviews(queue)
    out = []
    for doc_id, doc, answers in store.queue_answers(queue):
        mine = next((a for a in answers if a.annotator == annotator), None)
        state = "todo" if mine is None else mine.status
        item = QueueItem(doc_id, doc.id, doc.text, state)
        if mine is not None and mine.status in REVIEW_STATUSES and disagree(answers):
            decided = tuple(a for a in answers if a.status in REVIEW_STATUSES)
            review = reviews.get(doc_id)
            if review is not None and not Conflict(doc_id, queue, doc.id, doc.text, decided, review).open:
                item = replace(item, state="reviewed", kept_status=review.status, kept_by=review.chosen,
                               kept_own=review.chosen == annotator)
            else:
                item = replace(item, state="conflict")
        out.append(item)
    return out


def finished_summary(store: Store, queue: str, annotator: str) -> Summary:
    """What an annotator did in a queue: answers by status and the edits made to the suggestions.

    ``changed``: accepted documents whose entities differ from their suggestion; the edits are
    their :func:`ner.scoring.correction_edits` summed.
    """
    p = progress(store, queue, annotator)
    edits = dict.fromkeys((*EDITS, "total"), 0)
    changed = 0
    for a, doc in store.current_answers(annotator, "accepted", queue):
        suggested = store.suggestion(a.suggestion) if a.suggestion is not None else None
        counts = correction_edits(doc, doc.with_entities(suggested.entities if suggested is not None else ()))
        changed += counts["total"] > 0
        edits = {k: edits[k] + counts[k] for k in edits}
    return Summary(p.accepted, p.rejected, p.skipped, changed, **edits)
