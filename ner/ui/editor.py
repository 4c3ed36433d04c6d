"""The annotation editor: a ``gr.HTML`` component whose answer and undo run on the server, as the caller.

Its value is an item of the annotation service (:mod:`ner.annotation.items`) plus what the
browser needs to draw it and to answer: ``strings``, its words in the reader's language
(:func:`ner.ui.i18n.editor_strings`), and ``session``: the order and model the queue was loaded
with. ``editor_pure.js`` (offsets, pieces,
selection: no DOM, tested with node) and ``editor.js`` (drawing, keys, calls) make its
``js_on_load``, which calls ``await server.answer(call)`` and ``await server.undo(call)``:
Gradio server functions, answered with the next value, or with ``{"error"}`` /
``{"message"}`` while the browser keeps the person's edits. Once a value comes back (an
answer or an undo was saved) the page triggers the editor's ``answered`` event
(``editor.answered(fn, ...)``), on which the Annotate tab refreshes its Browse list.

A value with ``review`` (:func:`ner.ui.review.review_value`, on a :func:`document_value`) puts the
editor in review mode: the same keys, the entities the annotators differ on outlined, and Save
(Enter) instead of accept/reject/skip; it sends the edited answer back as the value with the
``reviewed`` event, which the review step (:mod:`ner.ui.review`) saves with the admin token.

Who answers: a server function gets the bare HTTP request, with its cookies, so the name of
an ``NER_USERS`` login is the signed pass in the sign-in cookie (:meth:`ner.ui.common.AppContext.caller`),
as for events; a Hugging Face login's is the profile Gradio gives server functions. A name
the call sends counts only without a login.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ner.annotation.items import ACTIONS, Item
from ner.annotation.service import CORPUS_CREDIT, NotFound
from ner.entities import LABELS, Document, Entity, Relation, entity_to_json
from ner.files import redact
from ner.messages import Said
from ner.relations.triples import RELATIONS, relation_to_json, scored
from ner.tokens import words
from ner.ui.common import REFUSED, server_error
from ner.ui.i18n import editor_strings, language, refused, say, say_in
from ner.ui.render import COLORS, LOW_CONFIDENCE

HERE = Path(__file__).resolve().parent
TEMPLATE = '<div class="ann" tabindex="0" role="application" aria-label="Annotation editor"></div>'
CALLS_AT_ONCE = 4  # answers and undos worked on together (each may run the model on the next item)
WAIT_SECONDS = 30.0  # how long a call waits for its turn before "busy"
LOOK = {"labels": list(LABELS), "colors": dict(COLORS), "threshold": LOW_CONFIDENCE,  # how it draws an entity
        "relation_types": list(RELATIONS)}
_revision = itertools.count(1)  # each value the editor gets is new to it, even when equal to the last


def spoken(said: Sequence[Said], lang: str = "en") -> str:
    """The service's messages in ``lang``; a ``status`` among their values is said in that language too."""
    out = []
    for s in said:
        values = dict(s.values)
        if "status" in values:
            values["status"] = say_in(lang, f"ann_status_{values['status']}")
        out.append(say_in(lang, s.key, **values))
    return "".join(out)


def item_json(found: Item, lang: str = "en") -> dict[str, Any]:
    """An item as the API gives it: the document, its entities (their one JSON shape), the queue's progress.

    ``message``: what the service said, in ``lang``; ``credit``: the corpus licence when the text is the corpus's.
    """
    job = found.preannotation
    return {"doc": found.doc, "name": found.name or None, "queue": found.queue, "text": found.text,
            "suggestion": found.suggestion, "model": found.model, "progress": found.progress.as_dict(),
            "message": spoken(found.said, lang), "notice": spoken((found.notice,), lang) if found.notice else "",
            "credit": CORPUS_CREDIT if found.credit else "",
            "preannotation": {"done": job[0], "total": job[1]} if job else None, "retraining": found.retraining,
            **_annotations(found.text, found.entities, found.relations), "finished": found.finished}


def _annotations(text: str, entities: Sequence[Entity], relations: Sequence[Relation]) -> dict[str, list]:
    """``entities`` and ``relations`` in their one JSON shape (relations by entity index, with their scores)."""
    doc = Document("", text, tuple(entities), tuple(relations))
    return {"entities": [entity_to_json(e, text) for e in entities],
            "relations": [relation_to_json(t, p) for t, p in scored(doc)]}


def document_value(doc: int, text: str, entities: Sequence[Entity], relations: Sequence[Relation] = ()
                   ) -> dict[str, Any]:
    """A document outside any queue as the editor's value (the review step, :mod:`ner.ui.review`).

    Its words, entities, relations and the look; no progress, no suggestion. The caller adds
    what else the editor is to show (``queue``, ``name``, ``review``) and the strings
    (:meth:`Editor.worded`).
    """
    return {"rev": next(_revision), "doc": doc, "text": text, "error": "", "message": "", "annotator": "",
            "words": [list(w) for w in words(text)], **LOOK, **_annotations(text, entities, relations)}


def progress_text(progress: dict[str, int], lang: str = "en") -> str:
    """``1 / 2 done · 1 left`` in ``lang``, each count with the plural its language's rule asks for."""
    return (say_in(lang, "ann_progress_done", done=progress["done"], n=progress["total"]) + " · "
            + say_in(lang, "ann_progress_left", n=progress["remaining"]))


def summary_text(summary: dict[str, int], lang: str = "en") -> str:
    """What a finished queue's annotator did (:class:`ner.annotation.items.Summary`), every count in its plural."""
    def n(key: str, count: str) -> str:
        return say_in(lang, f"ann_sum_{key}", n=summary[count])
    edits = ", ".join(n(k, k) for k in ("added", "removed", "relabelled", "boundaries"))
    return (f"{n('accepted', 'accepted')} · {n('rejected', 'rejected')} · {n('skipped', 'skipped')}. "
            f"{n('changed', 'changed')} ({n('edits', 'total')}: {edits}).")


def editor_value(found: Item, lang: str = "en") -> dict[str, Any]:
    """An item as the editor's value (see the module docstring): the API's shape, with the words and the look."""
    out = item_json(found, lang) | {"rev": next(_revision), "annotator": found.annotator, "error": "",
                                    "words": [list(w) for w in words(found.text)], **LOOK}
    if found.retraining is not None:
        out["retraining_text"] = say_in(lang, "ann_retraining", n=found.retraining)
    out["progress_text"] = progress_text(found.progress.as_dict(), lang)
    if found.summary is not None:
        out["summary"] = found.summary.as_dict()
        out["summary_text"] = summary_text(out["summary"], lang)
    return out


def editor_js() -> str:
    """The body of the editor's ``js_on_load``: the pure part, then the page part."""
    return "\n".join((HERE / name).read_text(encoding="utf-8") for name in ("editor_pure.js", "editor.js"))


class Editor(gr.HTML):
    """The Annotate tab's editor; ``ctx`` is the app's :class:`ner.ui.app.AppContext`."""

    def __init__(self, ctx, value: dict | None = None, **kwargs):
        turns = threading.BoundedSemaphore(CALLS_AT_ONCE)

        def answer(call: dict, request: gr.Request, profile: gr.OAuthProfile | None = None) -> dict:
            """Save ``call["action"]`` (accept, reject or skip) with ``call["entities"]``; the next value."""
            if not isinstance(call, dict) or call.get("action") not in ACTIONS:
                return {"error": f"unknown action (expected one of {', '.join(ACTIONS)})"}
            return run(call, request, profile)

        def undo(call: dict, request: gr.Request, profile: gr.OAuthProfile | None = None) -> dict:
            """Undo the annotator's last answer in ``call["queue"]``; that item again."""
            if not isinstance(call, dict):
                return {"error": "the editor sent no request"}
            return run({**call, "action": "undo"}, request, profile)

        def run(call: dict, request, profile) -> dict:
            session = call.get("session") if isinstance(call.get("session"), dict) else {}
            if not turns.acquire(timeout=WAIT_SECONDS):
                return {"error": say(request, "editor_busy")}
            try:
                caller = self.caller(ctx, call, request, profile)
                value = ctx.annotation.act(caller, call, session.get("order"), session.get("model") or None)
            except NotFound as exc:  # no such queue or document
                return {"error": redact(refused(request, exc))}
            except LookupError:  # nothing to undo
                return {"message": say(request, "ann_msg_nothing_to_undo")}
            except (*REFUSED, gr.Error) as exc:
                return {"error": redact(refused(request, exc))}
            except Exception as exc:  # noqa: BLE001 (a bug of the server: logged, the edits kept)
                return {"error": str(server_error(exc, request))}
            finally:
                turns.release()
            return self.dressed(value, request, session.get("order"), session.get("model"), caller)

        super().__init__(
            value,
            html_template=TEMPLATE,
            css_template=(HERE / "editor.css").read_text(encoding="utf-8"),
            js_on_load=editor_js(),
            apply_default_css=False,
            server_functions=[answer, undo],
            **kwargs,
        )

    def caller(self, ctx, call: dict, request, profile):
        """Who is calling: :meth:`AppContext.caller` (a login's name from the request's cookie, never the call)."""
        typed = call.get("annotator")
        return ctx.caller(request, profile, typed if isinstance(typed, str) else None)

    def dressed(self, found: Item, request, order: str | None, model: str | None, caller=None) -> dict:
        """An item of the annotation service as the editor's value: with its strings and its session."""
        session: dict[str, Any] = {"order": order or "position", "model": model or ""}
        return editor_value(found, language(request)) | {"strings": editor_strings(request), "session": session}

    def worded(self, value: dict, request) -> dict:
        """``value`` (e.g. a :func:`document_value`) with the editor's words in the reader's language, as new."""
        return value | {"strings": editor_strings(request), "rev": next(_revision)}

    def empty(self, request) -> dict:
        """The editor before a queue is loaded, in the reader's language."""
        return {"rev": next(_revision), "doc": None, "text": "", "message": "", **LOOK,
                "strings": editor_strings(request)}

    def api_info(self) -> dict[str, Any]:
        return {"type": "object", "description": "the annotation editor's item (see ner/ui/editor.py)"}
