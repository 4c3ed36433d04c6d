"""The Annotate tab's review step, its model update and its export summary (admin token).

- **Review conflicts**: the documents whose annotators' current answers disagree (two
  accepted answers with other entities or relations, or accepted against rejected), every
  answer side by side (displaCy, :func:`ner.ui.render.render`, its relations as arcs and a
  table); the reviewer takes one answer as it is or saves an edited, merged one as JSON. Reviews are append-only records
  (:meth:`ner.store.Store.save_review`); exports and training use them from then on.
- **Update the model with my corrections**: a transformer that suggests for a queue is
  fine-tuned on the queue's accepted (reviewed) answers through the Train tab's job runner
  (:meth:`ner.annotation.service.AnnotationService.update_model`). A CRF needs none: it
  updates itself as answers are accepted.
- **Export summary**: after an export, what each format had to drop (read from the
  archive's ``README.md``, :func:`ner.export.export_readme`).

Each handler turns a request into a :class:`ner.access.Caller` and calls the service. What is
shown is in the reader's language (statuses, label names); the merged-answer JSON keeps the
canonical English labels.
"""

from __future__ import annotations

import html
import json
import zipfile
from pathlib import Path

import gradio as gr

from ner.entities import LABELS, Document, Entity, Relation
from ner.relations.triples import triples
from ner.store import Conflict
from ner.ui.arcs import arcs_html, relations_table
from ner.ui.common import REFUSED, bound, quietly, user_error
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
        sides = gr.HTML(elem_id="ann-review-sides")
        with gr.Row():
            pick = gr.Radio(label=t("rev_pick"), choices=[], scale=3, elem_id="ann-review-pick")
            accept = gr.Button(t("rev_accept"), variant="primary", scale=1, elem_id="ann-review-accept")
        merged = gr.Textbox(label=t("rev_merged"), lines=6, max_lines=20, elem_id="ann-review-json")
        save = gr.Button(t("rev_save"), elem_id="ann-review-save")
        message = gr.Markdown(elem_id="ann-review-message")
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

    def on_find(token, queue_name, request: gr.Request):
        return found(token, queue_name, request)

    def on_item(token, queue_name, doc, request: gr.Request):
        if doc is None:
            return "", gr.Radio(choices=[], value=None), ""
        try:
            conflicts = service.conflicts(ctx.caller(request, token=token), queue_name or None, open_only=False)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        conflict = next((c for c in conflicts if c.document == doc), None)
        if conflict is None:
            return "", gr.Radio(choices=[], value=None), ""
        first = next((a for a in conflict.answers if a.status == "accepted"), conflict.answers[0])
        names = [a.annotator for a in conflict.answers]
        return (sides_html(conflict, language(request)), gr.Radio(choices=names, value=first.annotator),
                entities_json(conflict.text, first.entities, first.relations))

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
        return settle(token, queue_name, doc, None, entities, request)

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
    items.change(quietly(on_item, 3), [admin, queue, items], [sides, pick, merged], api_visibility="private")
