"""What the annotation editor shows and sends back: its value, entities both ways, answers and undo.

The editor's value is a JSON object: the document (``doc``, ``text``, ``words`` as
``[start, end)`` offsets from :func:`ner.tokens.words`), its entities as
``{"label", "spans": [[start, end], ...], "score"}`` and the queue's progress. A *span* is
what a person sees as one highlighted piece: the corpus's fragments joined where only
whitespace separates them ("infarto de miocardio" is three fragments and one span). The
way back cuts each span at whitespace again (:func:`ner.tagging.fragments_of`), so the
store keeps the corpus's convention.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ner.entities import LABELS, Entity
from ner.store import Store, check_entities, entity_to_dict
from ner.tagging import fragments_of
from ner.tokens import words
from ner.ui.render import COLORS, LOW_CONFIDENCE

ORDERS: tuple[str, ...] = ("position", "uncertain")
ACTIONS: dict[str, str] = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}
_SPACE_ONLY = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]*")
_revision = itertools.count(1)


# ---------------------------------------------------------------- entities, both ways


def fragments_to_spans(text: str, fragments: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Fragments joined where only whitespace lies between them: what the editor highlights."""
    spans: list[list[int]] = []
    for s, e in sorted(fragments):
        if spans and _SPACE_ONLY.fullmatch(text[spans[-1][1] : s]):
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    return spans


def entity_to_editor(text: str, ent: Entity) -> dict[str, Any]:
    """``{"label", "spans", "score"}`` of one entity."""
    return {"label": ent.label, "spans": fragments_to_spans(text, ent.fragments), "score": ent.score}


def entities_from_editor(text: str, raw: Any, where: str = "answer") -> tuple[Entity, ...]:
    """Entities from the editor (``spans``) or the API (``fragments`` or ``start``/``end``), checked.

    Each span is cut at whitespace into the corpus's fragments. ``ValueError`` names the bad
    entity: an unknown label, a span that is not a pair of integers, leaves the text, or
    does not start and end on word boundaries.
    """
    if not isinstance(raw, list):
        raise ValueError(f"{where}: entities must be a list, got {type(raw).__name__}")
    out = []
    for i, data in enumerate(raw):
        here = f"{where}: entity {i + 1}"
        if not isinstance(data, Mapping):
            raise ValueError(f"{here}: expected an object with label and spans, got {data!r}")
        label = data.get("label")
        if label not in LABELS:
            raise ValueError(f"{here}: unknown label {label!r} (expected one of {', '.join(LABELS)})")
        spans = data.get("spans") or data.get("fragments")
        if spans is None and "start" in data and "end" in data:
            spans = [[data["start"], data["end"]]]
        if not isinstance(spans, list) or not spans:
            raise ValueError(f"{here} ({label}): no spans")
        frags: list[tuple[int, int]] = []
        for span in spans:
            if (
                not isinstance(span, (list, tuple))
                or len(span) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in span)
            ):
                raise ValueError(f"{here} ({label}): a span must be [start, end] integers, got {span!r}")
            s, e = span
            if not 0 <= s < e:
                raise ValueError(f"{here} ({label}): span ({s}, {e}) is empty or negative")
            if e > len(text):
                raise ValueError(f"{here} ({label}): span ({s}, {e}) ends outside the text ({len(text)} characters)")
            pieces = fragments_of(s, e, text)
            if not pieces:
                raise ValueError(f"{here} ({label}): span ({s}, {e}) holds only whitespace")
            frags += pieces
        out.append(Entity(tuple(frags), label))
    return check_entities(text, out, where)


# ---------------------------------------------------------------- editor values


def empty_value(message: str = "") -> dict[str, Any]:
    """The editor before a queue is loaded."""
    return {"rev": next(_revision), "doc": None, "text": "", "message": message, **_constants()}


def _constants() -> dict[str, Any]:
    return {"labels": list(LABELS), "colors": dict(COLORS), "threshold": LOW_CONFIDENCE}


def _progress(store: Store, source: str, annotator: str) -> dict[str, int]:
    p = store.progress(source, annotator)
    return {"total": p.total, "done": p.done, "remaining": p.remaining, **p.by_status}


def item_value(
    store: Store,
    source: str,
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
        "source": source,
        "annotator": annotator,
        "progress": _progress(store, source, annotator),
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
        "entities": [entity_to_editor(doc.text, e) for e in sorted(ents)],
        "suggestion": suggestion.id if suggestion else None,
        "model": Path(suggestion.model).name if suggestion else None,
    }


def answer(
    store: Store, doc_id: int, annotator: str, action: str, raw_entities: Any, suggestion: int | None = None
) -> int:
    """Save an ``accept``, ``reject`` or ``skip`` (entities checked first); the answer id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (expected one of {', '.join(ACTIONS)} or undo)")
    name = check_annotator(annotator)
    doc = store.document(doc_id)
    ents = entities_from_editor(doc.text, raw_entities, f"document {doc.id}")
    return store.save_answer(doc_id, name, ACTIONS[action], ents, suggestion=_own(store, doc_id, suggestion))


def _own(store: Store, doc_id: int, suggestion: int | None) -> int | None:
    """``suggestion`` when it belongs to ``doc_id`` (a stale editor may send another's)."""
    if isinstance(suggestion, bool) or not isinstance(suggestion, int):
        return None
    return suggestion if store.suggestion_document(suggestion) == doc_id else None


def undo_value(store: Store, source: str, annotator: str) -> dict[str, Any] | None:
    """Retract the annotator's last answer in the queue; the editor back on that document, or None."""
    name = check_annotator(annotator)
    undone = store.undo_last(name, source)
    if undone is None:
        return None
    value = item_value(store, source, name, undone.document, entities=undone.entities)
    value["message"] = f"↩ {undone.status} answer undone: edit it and answer again"
    value["suggestion"] = _own(store, undone.document, undone.suggestion)
    if value["suggestion"] is not None:
        value["model"] = Path(store.suggestion(value["suggestion"]).model).name
    return value


def check_annotator(annotator: str | None) -> str:
    """The annotator's name, stripped; ``ValueError`` when empty."""
    name = (annotator or "").strip()
    if not name:
        raise ValueError("type your name in 'Annotator' first: answers are saved per annotator")
    if len(name) > 100:
        raise ValueError("the annotator name is longer than 100 characters")
    if any(unicodedata.category(c) in {"Cc", "Cs"} for c in name):
        raise ValueError("the annotator name holds control or invalid characters")
    return name


def api_item(value: dict[str, Any]) -> dict[str, Any]:
    """An editor value as the API gives it: entities with start, end, text and fragments."""
    keys = ("doc", "name", "source", "text", "suggestion", "model", "progress", "message", "credit")
    out = {k: value.get(k) for k in keys}
    text = value.get("text") or ""
    out["entities"] = [
        entity_to_dict(Entity(fragments_of_spans(text, e["spans"]), e["label"], e.get("score")), text)
        for e in value.get("entities") or []
    ]
    out["finished"] = bool(value.get("finished"))
    return out


def fragments_of_spans(text: str, spans: Iterable[Iterable[int]]) -> tuple[tuple[int, int], ...]:
    """The corpus fragments of editor spans."""
    return tuple(f for s, e in spans for f in fragments_of(s, e, text))
