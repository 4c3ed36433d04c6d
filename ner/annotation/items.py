"""What the annotation editor shows and sends back: its value, answers and undo.

The editor's value is a JSON object: the queue's name (``queue``), the document (``doc``,
``text``, ``words`` as ``[start, end)`` offsets from :func:`ner.tokens.words`), its entities
in the one JSON shape of :func:`ner.entities.entity_to_json` (``{"label", "start", "end",
"text", "fragments", "score"}``) and the queue's progress. The editor highlights fragments separated only by
whitespace as one piece ("infarto de miocardio" is three fragments) and sends entities back
as ``{"label", "fragments"}``, read by :func:`ner.entities.entities_from_json`, which cuts
each fragment at whitespace again so the store keeps the corpus's convention.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ner.entities import LABELS, Entity, entities_from_json, entity_to_json
from ner.refusals import Refusal
from ner.scoring import correction_edits
from ner.store import Store, disagree
from ner.tokens import words

ORDERS: tuple[str, ...] = ("position", "uncertain")
ACTIONS: dict[str, str] = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}
STATES: tuple[str, ...] = ("todo", "accepted", "rejected", "skipped", "conflict")  # of an item, for one annotator
_revision = itertools.count(1)


# ---------------------------------------------------------------- editor values


def empty_value(message: str = "") -> dict[str, Any]:
    """The editor before a queue is loaded."""
    return {"rev": next(_revision), "doc": None, "text": "", "message": message, **_constants()}


def _constants() -> dict[str, Any]:
    return {"labels": list(LABELS)}


def _progress(store: Store, queue: str, annotator: str) -> dict[str, int]:
    p = store.progress(queue, annotator)
    return {"total": p.total, "done": p.done, "remaining": p.remaining, **p.by_status}


def item_value(
    store: Store,
    queue: str,
    annotator: str,
    doc_id: int | None,
    entities: Iterable[Entity] | None = None,
    suggestion=None,
    message: str = "",
    error: str = "",
) -> dict[str, Any]:
    """The editor's value for one document (``doc_id`` None: the queue is finished)."""
    value: dict[str, Any] = {
        "rev": next(_revision),
        "queue": queue,
        "annotator": annotator,
        "progress": _progress(store, queue, annotator),
        "message": message,
        "error": error,
        **_constants(),
    }
    if doc_id is None:
        return value | {"doc": None, "text": "", "finished": True}
    doc = store.document(doc_id)
    ents = list(entities if entities is not None else (suggestion.entities if suggestion else ()))
    return value | {
        "doc": doc_id,
        "name": doc.id,
        "text": doc.text,
        "words": [list(w) for w in words(doc.text)],
        "entities": [entity_to_json(e, doc.text) for e in sorted(ents)],
        "suggestion": suggestion.id if suggestion else None,
        "model": Path(suggestion.model).name if suggestion else None,
    }


@dataclass(frozen=True)
class Saved:
    """An answer just saved: its id, queue, status, entities and what was suggested for it (if known)."""

    id: int
    queue: str
    status: str
    entities: tuple[Entity, ...]
    suggested: tuple[Entity, ...] | None


def answer(
    store: Store, doc_id: int, annotator: str, action: str, raw_entities: Any, suggestion: int | None = None
) -> Saved:
    """Save an ``accept``, ``reject`` or ``skip`` (entities checked first).

    ``suggested``: the entities of the suggestion the answer corrects (the one sent, when it
    belongs to the document, else the document's newest).
    """
    if action not in ACTIONS:
        raise Refusal("unknown action {action!r} (expected one of {actions} or undo)",
                      action=action, actions=", ".join(ACTIONS))
    name = check_annotator(annotator)
    doc = store.document(doc_id)
    ents = tuple(entities_from_json(doc.text, raw_entities, f"document {doc.id}"))
    own = _own(store, doc_id, suggestion)
    answer_id = store.save_answer(doc_id, name, ACTIONS[action], ents, suggestion=own)
    shown = store.suggestion(own) if own is not None else store.latest_suggestion(doc_id)
    return Saved(answer_id, store.document_queue(doc_id), ACTIONS[action], ents,
                 shown.entities if shown is not None else None)


def _own(store: Store, doc_id: int, suggestion: int | None) -> int | None:
    """``suggestion`` when it belongs to ``doc_id`` (a stale editor may send another's)."""
    if isinstance(suggestion, bool) or not isinstance(suggestion, int):
        return None
    return suggestion if store.suggestion_document(suggestion) == doc_id else None


def undo_value(store: Store, queue: str, annotator: str) -> dict[str, Any] | None:
    """Retract the annotator's last answer in the queue; the editor back on that document, or None."""
    name = check_annotator(annotator)
    undone = store.undo_last(name, queue)
    if undone is None:
        return None
    value = item_value(store, queue, name, undone.document, entities=undone.entities)
    value["message"] = f"↩ {undone.status} answer undone: edit it and answer again"
    value["say"] = [["ann_msg_undone", {"status": undone.status}]]
    value["suggestion"] = _own(store, undone.document, undone.suggestion)
    if value["suggestion"] is not None:
        value["model"] = Path(store.suggestion(value["suggestion"]).model).name
    return value


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


def api_item(value: dict[str, Any]) -> dict[str, Any]:
    """An editor value as the API gives it: the document, its entities (the editor's shape), progress."""
    keys = ("doc", "name", "queue", "text", "suggestion", "model", "progress", "message", "credit", "preannotation")
    out = {k: value.get(k) for k in keys}
    out["entities"] = [dict(e) for e in value.get("entities") or []]
    out["finished"] = bool(value.get("finished"))
    return out


# ---------------------------------------------------------------- browsing a queue and its summary


def queue_items(store: Store, queue: str, annotator: str) -> list[dict[str, Any]]:
    """Every document of a queue in order, ``{doc, name, text, state}``, the state for ``annotator`` (:data:`STATES`).

    ``conflict``: the annotator has decided (accepted or rejected) and the annotators'
    decisions :func:`ner.store.disagree` (the review step's definition; a review does not change
    it). One query (:meth:`ner.store.Store.queue_answers`), however long the queue.
    """
    out = []
    for doc_id, doc, answers in store.queue_answers(queue):
        mine = next((a for a in answers if a.annotator == annotator), None)
        state = "todo" if mine is None else mine.status
        if mine is not None and mine.status in ("accepted", "rejected") and disagree(answers):
            state = "conflict"
        out.append({"doc": doc_id, "name": doc.id, "text": doc.text, "state": state})
    return out


def finished_summary(store: Store, queue: str, annotator: str) -> dict[str, int]:
    """What an annotator did in a queue: answers by status and the edits made to the suggestions.

    ``changed``: accepted documents whose entities differ from their suggestion; ``edits``:
    their :func:`ner.scoring.correction_edits` summed (``added``, ``removed``,
    ``relabelled``, ``boundaries``, ``total``).
    """
    p = _progress(store, queue, annotator)
    edits = {"added": 0, "removed": 0, "relabelled": 0, "boundaries": 0, "total": 0}
    changed = 0
    for a, doc in store.current_answers(annotator, "accepted", queue):
        suggested = store.suggestion(a.suggestion) if a.suggestion is not None else None
        counts = correction_edits(doc, doc.with_entities(suggested.entities if suggested is not None else ()))
        changed += counts["total"] > 0
        edits = {k: edits[k] + counts[k] for k in edits}
    return {"accepted": p.get("accepted", 0), "rejected": p.get("rejected", 0), "skipped": p.get("skipped", 0),
            "changed": changed, **edits}
