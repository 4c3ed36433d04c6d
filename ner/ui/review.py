"""The Annotate tab's review step, its model update and its export summary (admin token).

- **Review conflicts**: the documents whose annotators' current answers disagree (two
  accepted answers with other entities or relations, or accepted against rejected). The
  reviewer edits one answer (the one chosen to start from) in the Annotate editor itself
  (:class:`ner.ui.editor.Editor`, in review mode: :func:`review_value`), where the entities the
  annotators differ on are marked (:func:`disputed`) and those only in another answer are a click
  away; Enter saves it. Below, every answer side by side (displaCy,
  :func:`ner.ui.render.render`, its relations as arcs and a table), and for scripts and power
  users the answer as JSON. One answer can also be taken as it is. Reviews are append-only
  records (:meth:`ner.store.Store.save_review`); exports and training use them from then on.
- **Update the model with my corrections**: a transformer that suggests for a queue is
  fine-tuned on the queue's accepted (reviewed) answers through the Train tab's job runner
  (:meth:`ner.annotation.service.AnnotationService.update_model`). A CRF needs none: it
  updates itself as answers are accepted.
- **Export summary**: after an export, what each format had to drop (read from the
  archive's ``README.md``, :func:`ner.export.export_readme`).

Each handler turns a request into a :class:`ner.access.Caller` and calls the service. What is
shown is in the reader's language (statuses, label names); what is saved has the canonical
English labels (the JSON box takes the names as shown too: :func:`canonical_labels`).
"""

from __future__ import annotations

import html
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ner import messages
from ner.entities import LABELS, Document, Entity, Fragment, Relation
from ner.relations.triples import triples
from ner.store import Answer, Conflict
from ner.ui.arcs import arcs_html, relations_table
from ner.ui.common import REFUSED, bound, quietly, server_error, user_error
from ner.ui.editor import Editor, document_value
from ner.ui.i18n import known, language, say, say_in, t
from ner.ui.render import label_name, render


def _status(status: str, lang: str) -> str:
    """An answer's status as shown: ``accepted`` is «aceptada» in Spanish (unknown ones as they are)."""
    return say_in(lang, f"ann_status_{status}") if known(f"ann_status_{status}") else status


def entities_json(text: str, entities: tuple[Entity, ...] | list[Entity], relations: tuple[Relation, ...] = ()) -> str:
    """An answer as the JSON the merged-answer box takes: ``{"entities": [...], "relations": [...]}``.

    Each entity is ``{label, start, end, text}`` (``fragments`` when gapped); each relation
    ``{type, from, to}``, ``from`` and ``to`` indexes into ``entities``.
    """
    out = []
    for e in entities:
        item: dict = {"label": e.label}
        if len(e.fragments) == 1:
            item |= {"start": e.start, "end": e.end}
        else:
            item["fragments"] = [list(f) for f in e.fragments]
        item["text"] = e.surface(text)
        out.append(item)
    rels = [{"type": k, "from": a, "to": b} for k, a, b in triples(Document("", text, tuple(entities), relations))]
    return json.dumps({"entities": out, "relations": rels}, ensure_ascii=False, indent=1)


def conflict_label(conflict: Conflict, lang: str = "en") -> str:
    """The conflict's line in the list: ``<queue> · <name>: ana (accepted) / ben (rejected)``, in ``lang``."""
    who = " / ".join(f"{a.annotator} ({_status(a.status, lang)})" for a in conflict.answers)
    reviewed = say_in(lang, "rev_reviewed_before") if conflict.review is not None else ""
    return f"{conflict.queue} · {conflict.name}: {who}{reviewed}"


Span = tuple[Fragment, ...]  # an entity's fragments: where it is, whatever its label


def disputed(answers: Sequence[Answer]) -> dict[Span, dict[str, tuple[str, ...]]]:
    """The spans the accepted answers differ on, in text order, each with the labels every accepted annotator gave it.

    A span is an entity's fragments; an annotator with no entity on exactly those fragments
    gave it ``()``. A span is left out when every accepted answer labels it the same way.
    Rejections are left out: an acceptance against a rejection is one disagreement about the
    whole document, said apart, not entity by entity::

        ana: Concept «asma», Concept «pulmones»;  ben: Action «asma»
        -> {asma: {ana: (Concept,), ben: (Action,)}, pulmones: {ana: (Concept,), ben: ()}}
    """
    accepted = [a for a in answers if a.status == "accepted"]
    given: dict[Span, dict[str, list[str]]] = {}
    for a in accepted:
        for e in a.entities:
            given.setdefault(e.fragments, {}).setdefault(a.annotator, []).append(e.label)
    out = {}
    for span in sorted(given):
        labels = {a.annotator: tuple(sorted(given[span].get(a.annotator, ()))) for a in accepted}
        if len(set(labels.values())) > 1:
            out[span] = labels
    return out


def offered(answers: Sequence[Answer], start: Answer) -> list[tuple[Entity, list[str]]]:
    """The entities of the other accepted answers that ``start`` lacks (all of them when it is a rejection).

    In text order, each with the annotators who gave it; an entity is its fragments and label.
    """
    mine = set(start.entities) if start.status == "accepted" else set()
    others: dict[Entity, list[str]] = {}
    for a in answers:
        for e in a.entities if a.status == "accepted" and a.annotator != start.annotator else ():
            if e not in mine and a.annotator not in others.setdefault(e, []):
                others[e].append(a.annotator)
    return sorted(others.items(), key=lambda found: (found[0].fragments, found[0].label))


def span_key(fragments: Sequence[Sequence[int]]) -> str:
    """A span as the editor looks it up: ``"3-7;10-12"`` (fragments sorted; editor.js writes the same)."""
    return ";".join(f"{s}-{e}" for s, e in sorted((int(s), int(e)) for s, e in fragments))


def review_value(conflict: Conflict, who: str | None, lang: str = "en") -> dict[str, Any]:
    """The review editor's value: ``who``'s answer to start from, what the annotators differ on, in ``lang``.

    ``review``: ``start`` (whose answer), ``head`` (said above the text), ``notes`` (who rejected
    the document), ``disputed`` (:func:`span_key` -> what each annotator gave there, for the
    marked entities' tooltips) and ``missing`` (the entities of the other answers that ``who``'s
    lacks: ``{label, fragments, text, who}``, each a click away). ``who`` unknown: the first
    accepted answer.
    """
    answer = next((a for a in conflict.answers if a.annotator == who), None) or next(
        (a for a in conflict.answers if a.status == "accepted"), conflict.answers[0])
    kept = answer.status == "accepted"
    value = document_value(conflict.document, conflict.text, answer.entities if kept else (),
                           answer.relations if kept else ())
    nothing = say_in(lang, "rev_no_entity")
    spans = disputed(conflict.answers)
    missing = [{"label": e.label, "fragments": [list(f) for f in e.fragments], "text": e.surface(conflict.text),
                "who": ", ".join(names)} for e, names in offered(conflict.answers, answer)]
    value |= {"queue": conflict.queue, "name": conflict.name, "review": {
        "start": answer.annotator,
        "head": say_in(lang, "rev_editor_from", who=answer.annotator, status=_status(answer.status, lang)),
        "notes": [say_in(lang, "rev_editor_rejected", who=a.annotator) for a in conflict.answers
                  if a.status == "rejected"],
        "disputed": {span_key(span): " · ".join(
            f"{name}: {' + '.join(label_name(x, lang) for x in given) or nothing}" for name, given in labels.items())
            for span, labels in spans.items()},
        "missing": missing}}
    return value


def canonical_labels(merged: Any) -> Any:
    """The JSON box's answer with each label as the data names it: «Concepto» (as shown in Spanish) is ``Concept``.

    Labels are matched without regard to case, in every language the page speaks; anything
    else is left for the service to check (text that is not JSON comes back as it is).
    """
    if isinstance(merged, str):
        try:
            merged = json.loads(merged)
        except json.JSONDecodeError:
            return merged
    names = {label_name(label, lang).casefold(): label for label in LABELS for lang in messages.LOCALES}
    found = merged.get("entities") if isinstance(merged, dict) else merged
    for e in found if isinstance(found, list) else ():
        if isinstance(e, dict) and isinstance(e.get("label"), str):
            e["label"] = names.get(e["label"].strip().casefold(), e["label"])
    return merged


def sides_html(conflict: Conflict, lang: str = "en") -> str:
    """Every answer of a conflict side by side, entities highlighted; the newest review below, if any.

    Statuses and label names are shown in ``lang`` (Concepto, aceptada in Spanish).
    """
    cells = []
    for a in conflict.answers:
        head = f"{html.escape(a.annotator)} · {html.escape(_status(a.status, lang))}"
        if a.status == "accepted":
            n = len(a.entities)
            head += " · " + say_in(lang, "rev_entities", n=n)
            body = render(conflict.text, list(a.entities), language=lang)
            if a.relations:
                head += " · " + say_in(lang, "rev_relations", n=len(triples(Document("", "", a.entities, a.relations))))
                doc = Document(conflict.name, conflict.text, a.entities, a.relations)
                body += arcs_html(doc, {label: label_name(label, lang) for label in LABELS}) + relations_table(
                    doc, say_in(lang, "relations_headers").split("|"), lang)
        else:
            body = f"<div class='entities' style='opacity: 0.6'>{html.escape(conflict.text)}</div>"
        cells.append(f"<div class='ner-review-side' data-annotator='{html.escape(a.annotator, quote=True)}' "
                     f"style='flex: 1 1 20em; min-width: 16em; border: 1px solid #d1d5db; border-radius: 0.5em; "
                     f"padding: 0.5em'><div><b>{head}</b></div>{body}</div>")
    out = f"<div class='ner-review-sides' style='display: flex; gap: 1em; flex-wrap: wrap'>{''.join(cells)}</div>"
    if conflict.review is not None:
        r = conflict.review
        chosen = say_in(lang, "rev_answer_of", who=r.chosen) if r.chosen else say_in(lang, "rev_merged_answer")
        last = say_in(lang, "rev_last", reviewer=r.reviewer, chosen=chosen, status=_status(r.status, lang),
                    when=r.created[:19])
        out += f"<div class='ner-review-last'><small>{html.escape(last)}</small></div>"
    return out


def export_summary(archive: Path, request: gr.Request | None = None) -> str:
    """The per-format lines of the ``README.md`` in an export archive the server has just written.

    Never called with a path a client sent: an archive from elsewhere could unpack a huge
    README (a zip bomb); even so no more than 64 KiB of it is read.
    """
    try:
        with zipfile.ZipFile(archive) as z, z.open("corrections/README.md") as f:
            readme = f.read(2**16).decode("utf-8", errors="replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    lines = [line for line in readme.splitlines() if line.startswith(("- **", "  - "))]
    return say(request, "rev_export_kept") + "\n\n" + "\n".join(lines)


def build(ctx, admin, queue) -> None:
    """The review accordion and the model-update button; ``queue`` is the Annotate tab's queue box."""
    service = ctx.annotation
    with gr.Accordion(t("rev_title"), open=False, elem_id="ann-review"):
        gr.Markdown(t("rev_intro"))
        with gr.Row():
            find = gr.Button(t("rev_find"), scale=1, elem_id="ann-review-find")
            items = gr.Dropdown(label=t("rev_item"), choices=[], scale=3, elem_id="ann-review-item")
        with gr.Row(elem_id="ann-review-start"):
            pick = gr.Radio(label=t("rev_pick"), choices=[], scale=3, elem_id="ann-review-pick")
            accept = gr.Button(t("rev_accept"), scale=0, min_width=260, elem_id="ann-review-accept")
        editor = Editor(ctx, elem_id="ann-review-editor")  # review mode: its value has ``review``
        message = gr.Markdown(elem_id="ann-review-message")
        sides = gr.HTML(elem_id="ann-review-sides")
        merged = gr.Textbox(label=t("rev_merged"), lines=3, max_lines=8, elem_id="ann-review-json")
        save = gr.Button(t("rev_save"), size="sm", elem_id="ann-review-save")
    with gr.Row():
        update = gr.Button(t("rev_update"), size="sm", scale=1, elem_id="ann-update-model")
        updated = gr.Markdown(elem_id="ann-update-message")

    def found(token, queue_name, request: gr.Request, keep=None):
        try:
            conflicts = service.conflicts(ctx.caller(request, token=token), queue_name or None)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        choices = [(conflict_label(c, language(request)), c.document) for c in conflicts]
        ids = [c.document for c in conflicts]
        value = keep if keep in ids else (ids[0] if ids else None)
        note = "" if ids else (say(request, "rev_none_in", queue=queue_name) if queue_name else
                               say(request, "rev_none"))
        return gr.Dropdown(choices=choices, value=value), note

    def conflict_of(token, queue_name, doc, request) -> Conflict | None:
        try:
            conflicts = service.conflicts(ctx.caller(request, token=token), queue_name or None, open_only=False)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        return next((c for c in conflicts if c.document == doc), None)

    def empty(request) -> dict:
        return editor.worded({**editor.empty(request), "review": {}}, request)

    def on_find(token, queue_name, request: gr.Request):
        return found(token, queue_name, request)

    def on_item(token, queue_name, doc, request: gr.Request):
        conflict = None if doc is None else conflict_of(token, queue_name, doc, request)
        if conflict is None:
            return "", gr.Radio(choices=[], value=None), "", empty(request)
        first = next((a for a in conflict.answers if a.status == "accepted"), conflict.answers[0])
        names = [a.annotator for a in conflict.answers]
        return (sides_html(conflict, language(request)), gr.Radio(choices=names, value=first.annotator),
                *started(conflict, first.annotator, request))

    def started(conflict: Conflict, who: str, request) -> tuple[str, dict]:
        """The JSON box and the editor, both on ``who``'s answer."""
        answer = next(a for a in conflict.answers if a.annotator == who)
        kept = answer.status == "accepted"
        box = entities_json(conflict.text, answer.entities if kept else (), answer.relations if kept else ())
        return box, editor.worded(review_value(conflict, who, language(request)), request)

    def on_start(token, queue_name, doc, who, request: gr.Request):
        """The editor again, starting from the answer chosen in «Start from»."""
        conflict = None if doc is None else conflict_of(token, queue_name, doc, request)
        if conflict is None or who not in {a.annotator for a in conflict.answers}:
            return gr.skip(), gr.skip()
        return started(conflict, who, request)

    def settle(token, queue_name, doc, who, entities, request: gr.Request):
        caller = ctx.caller(request, token=token)
        try:
            service.review(caller, doc, pick=who, entities=entities)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        done = say(request, "rev_kept", who=who) if who else say(request, "rev_saved")
        listed, note = found(token, queue_name, request)
        return listed, (done + (" " + note if note else ""))

    def on_accept(token, queue_name, doc, who, request: gr.Request):
        if not who:
            raise gr.Error(say(request, "rev_choose"))
        return settle(token, queue_name, doc, who, None, request)

    def on_save(token, queue_name, doc, entities, request: gr.Request):
        return settle(token, queue_name, doc, None, canonical_labels(entities), request)

    def on_reviewed(token, queue_name, value, request: gr.Request):
        """The editor's Save (Enter): its answer as the review; unchanged, the answer it started from, as it is.

        A refusal shows in the editor, with the edits kept; the list moves on to the next conflict.
        """
        if not isinstance(value, dict) or not isinstance(value.get("review"), dict):
            return gr.skip(), gr.skip(), gr.skip()
        start = value["review"].get("start")
        who = start if value.get("unchanged") is True and isinstance(start, str) else None
        answer = None if who else {"entities": value.get("entities"), "relations": value.get("relations")}
        try:
            listed, said = settle(token, queue_name, value.get("doc"), who, answer, request)
        except gr.Error as exc:
            return gr.skip(), gr.skip(), editor.worded({**value, "error": exc.message}, request)
        except Exception as exc:  # noqa: BLE001 (a bug of the server: logged, the edits kept)
            return gr.skip(), gr.skip(), editor.worded({**value, "error": str(server_error(exc, request))}, request)
        return listed, said, empty(request)

    def on_update(token, queue_name, model, request: gr.Request):
        try:
            settings, n = service.update_model(ctx.caller(request, token=token), ctx.jobs, queue_name, model)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        return say(request, "rev_started", base=settings.base_model, n=n, queue=queue_name, epochs=settings.epochs)

    # the buttons show a refusal as a popup only (no control marked); the API endpoints raise it
    for button, fn, inputs, outputs, api_name in (
        (find, on_find, [admin, queue], [items, message], "review_conflicts"),
        (accept, on_accept, [admin, queue, items, pick], [items, message], "review_accept"),
        (save, on_save, [admin, queue, items, merged], [items, message], "review_merge"),
        (update, on_update, [admin, queue, ctx.model_box], [updated], "update_model"),
    ):
        bound(button.click, fn, inputs, outputs, api_name)
    items.change(quietly(on_item, 4), [admin, queue, items], [sides, pick, merged, editor], api_visibility="private")
    pick.input(quietly(on_start, 2), [admin, queue, items, pick], [merged, editor], api_visibility="private")
    editor.reviewed(on_reviewed, [admin, queue, editor], [items, message, editor], api_visibility="private",
                    trigger_mode="once")
