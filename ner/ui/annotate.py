"""The Annotate tab: correct the model's predictions into training data, one keystroke per item.

A queue (a source of the annotation store) is filled from an upload, pasted text or the
corpus, pre-annotated by the active model, and shown one document at a time in a custom
``gr.HTML`` editor (``editor.js``): select words, press 1–4; click an entity, relabel or
remove it; Enter accepts and moves on, X rejects, S skips, U undoes. Answers go to
``<data_dir>/annotations.db`` (:class:`ner.store.Store`), created on first use.
"""

from __future__ import annotations

import os
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

import gradio as gr

from ner.entities import Document
from ner.store import Store
from ner.ui.annotate_items import (
    ACTIONS,
    ORDERS,
    answer,
    api_item,
    check_annotator,
    empty_value,
    item_value,
    next_value,
    queue_order,
    undo_value,
)
from ner.ui.annotate_sources import (
    CORPUS_SOURCES,
    SAMPLE_SOURCE,
    Batch,
    add_batch,
    corpus_batch,
    corpus_choices,
    pasted_batch,
    preannotate,
    upload_batch,
)
from ner.ui.i18n import t

HERE = Path(__file__).resolve().parent
EDITOR_HTML = '<div class="ann" tabindex="0" role="application" aria-label="Annotation editor"></div>'
AGREEMENT_HEADERS = ["label", "items", "correct", "incorrect", "partial", "missing", "spurious", "P", "R", "F1"]
EXPORT_FORMATS = [("BRAT", "brat"), ("JSONL", "jsonl"), ("Hugging Face dataset", "hf"), ("CoNLL", "conll")]

_stores: dict[tuple[Path, str], Store] = {}
_stores_lock = threading.Lock()


def store_for(ctx, create: bool = True, synchronous: str = "FULL") -> Store | None:
    """The app's annotation store, ``<data_dir>/annotations.db``; opened (and created) on first use.

    With ``create=False`` a missing file gives None instead of a new database. Answers are
    written with ``FULL`` sync (they survive a power cut); model suggestions, which can be
    computed again, go through a ``NORMAL`` connection, about three times faster in bulk.
    """
    path = (Path(ctx.config.data_dir) / "annotations.db").resolve()
    with _stores_lock:
        if (path, synchronous) not in _stores:
            if not create and not path.exists():
                return None
            _stores[path, synchronous] = Store(path, synchronous=synchronous)
        return _stores[path, synchronous]


def accepted_corrections(ctx) -> list[Document]:
    """The latest accepted answer of every annotated document, as documents (for training)."""
    store = store_for(ctx, create=False)
    return [] if store is None else store.latest_answers(status="accepted")


# ---------------------------------------------------------------- the library side of the handlers


def _predictor(ctx, model: str | None, quiet: bool = False):
    """The active model, or None when there is none yet (annotation then starts from nothing)."""
    if not (model or "").strip() and ctx.models.default() is None:
        return None
    try:
        return ctx.models.get(model)
    except ValueError:
        if quiet:
            return None
        raise


def open_queue(ctx, source: str, annotator: str, order: str, model: str | None, batch: Batch | None = None,
               on_progress=None) -> dict[str, Any]:
    """Fill a queue (corpus, upload, paste, or one already stored), pre-annotate it; the editor's first item."""
    name = check_annotator(annotator)
    if (order or "position") not in ORDERS:
        raise ValueError(f"unknown order {order!r} (expected one of {', '.join(ORDERS)})")
    store = store_for(ctx)
    if batch is None and (source in CORPUS_SOURCES or source == SAMPLE_SOURCE):
        batch = corpus_batch(source)
    if batch is not None:
        ids, source = add_batch(store, batch), batch.source
    else:
        ids = store.document_ids(source or "")
        if not ids:
            raise ValueError(f"no queue named {source!r}: add texts or choose a corpus queue")
    predictor, predicted = _predictor(ctx, model), 0
    if predictor is not None:
        predicted = preannotate(store_for(ctx, synchronous="NORMAL"), ids, predictor, on_progress=on_progress)
    queue_order(store, source, order, _model_name(predictor), refresh=True)
    n = len(set(ids))
    message = f"Queue «{source}»: {n} document{'s' if n != 1 else ''}"
    if predictor is None:
        message += "; no model yet, so nothing is pre-annotated (train the instant CRF above for suggestions)"
    elif predicted:
        message += f", {predicted} pre-annotated by {Path(str(predictor.name)).name}"
    return next_value(store, source, name, order, _model_name(predictor), predictor, message=message)


def _model_name(predictor) -> str | None:
    return None if predictor is None else str(predictor.name)


def act(ctx, request: dict, annotator: str, order: str, model: str | None) -> dict[str, Any]:
    """Carry out an editor request ``{action, doc, source, suggestion, entities}``; the editor's next value."""
    if not isinstance(request, dict):
        raise ValueError("the editor sent no request")
    action, source = request.get("action"), request.get("source")
    name = check_annotator(annotator)
    store = store_for(ctx)
    if not isinstance(source, str) or not source:
        raise ValueError("load a queue first")
    if action == "undo":
        value = undo_value(store, source, name)
        if value is None:
            raise LookupError("nothing to undo in this queue")
        return value
    doc = request.get("doc")
    if isinstance(doc, bool) or not isinstance(doc, int):
        raise ValueError("no document to answer: load a queue first")
    answer(store, doc, name, action, request.get("entities"), request.get("suggestion"))
    predictor = _predictor(ctx, model, quiet=True)
    return next_value(store, source, name, order, _model_name(predictor), predictor, message=f"✓ {ACTIONS[action]}")


def _kept(value: dict | None, request: dict, message: str, key: str = "error") -> dict[str, Any]:
    """The editor's value again, with the person's edits and a message: nothing is lost on an error."""
    value = dict(value or empty_value())
    if value.get("request") != request and isinstance(request.get("entities"), list):
        value["entities"] = [{"label": e.get("label"), "spans": e.get("spans"), "score": None}
                             for e in request["entities"] if isinstance(e, dict)]
    value.pop("request", None)
    fresh = empty_value()
    return value | {"rev": fresh["rev"], "error": "", "message": ""} | {key: message}


def queue_choices(ctx) -> list[tuple[str, str]]:
    """The corpus queues, then every queue already in the store (with its size)."""
    choices = corpus_choices()
    known = {value for _, value in choices}
    store = store_for(ctx, create=False)
    for source in store.sources() if store else []:
        if source not in known:
            choices.append((f"{source} ({len(store.document_ids(source))})", source))
    return choices


def export_zip(ctx, formats: list[str] | None, source: str | None, annotator: str | None) -> Path:
    """The accepted corrections (latest answer per document) in ``formats``, zipped."""
    from ner.export import FORMATS, export_all

    store = store_for(ctx, create=False)
    docs = store.latest_answers((annotator or "").strip() or None, "accepted", source or None) if store else []
    if not docs:
        raise ValueError("no accepted corrections to export yet" + (f" in «{source}»" if source else ""))
    out = Path(tempfile.mkdtemp(prefix="ner-corrections-"))
    export_all(docs, out / "corrections", formats or FORMATS)
    archive = out / "corrections.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((out / "corrections").rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(out).as_posix())
    return archive


def agreement_table(ctx, first: str | None, second: str | None, source: str | None) -> list[list]:
    """Agreement of two annotators' accepted answers on the documents both accepted."""
    from ner.export import agreement

    if not first or not second or first == second:
        raise ValueError("choose two different annotators")
    store = store_for(ctx, create=False)
    if store is None:
        raise ValueError("nothing has been annotated yet")
    a = store.latest_answers(first, "accepted", source or None)
    b = store.latest_answers(second, "accepted", source or None)
    rows = agreement(a, b)
    if not rows or not rows[0]["items"]:
        raise ValueError(f"{first} and {second} have accepted no document in common yet")
    return [[r["label"], r["items"], r["correct"], r["incorrect"], r["partial"], r["missing"], r["spurious"],
             round(r["precision"], 3), round(r["recall"], 3), round(r["f1"], 3)] for r in rows]


# ---------------------------------------------------------------- the tab


def _read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def build(ctx, admin) -> None:
    """The Annotate tab; ``admin`` is the admin-token box that gates exports."""
    gr.Markdown(t("ann_intro"))
    with gr.Row():
        annotator = gr.Textbox(label=t("ann_annotator"), placeholder="ana", scale=2, elem_id="ann-annotator",
                               max_lines=1)
        choices = queue_choices(ctx)
        queue = gr.Dropdown(label=t("ann_queue"), choices=choices, value=choices[0][1] if choices else None,
                            scale=3, elem_id="ann-queue")
        order = gr.Radio([(t("ann_order_position"), "position"), (t("ann_order_uncertain"), "uncertain")],
                         value="position", label=t("ann_order"), scale=2, elem_id="ann-order")
        load = gr.Button(t("ann_load"), variant="primary", scale=1, elem_id="ann-load")
    with gr.Accordion(t("ann_add"), open=False, elem_id="ann-add") as add_box:
        with gr.Row():
            files = gr.File(label=t("ann_upload"), file_count="multiple", file_types=[".txt", ".ann", ".zip"],
                            type="filepath", elem_id="ann-files")
            pasted = gr.Textbox(label=t("ann_paste"), lines=5, max_lines=12, elem_id="ann-paste")
        with gr.Row():
            new_name = gr.Textbox(label=t("ann_queue_name"), placeholder="pasted", max_lines=1, scale=3,
                                  elem_id="ann-queue-name")
            add = gr.Button(t("ann_add_button"), scale=1, elem_id="ann-add-button")
    editor = gr.HTML(
        empty_value(),
        html_template=EDITOR_HTML,
        css_template=_read("editor.css"),
        js_on_load=_read("editor.js"),
        apply_default_css=False,
        elem_id="ann-editor",
    )
    with gr.Accordion(t("ann_export"), open=False, elem_id="ann-export") as export_box:
        with gr.Row():
            formats = gr.CheckboxGroup(EXPORT_FORMATS, value=[v for _, v in EXPORT_FORMATS], label=t("ann_formats"),
                                       scale=3)
            only_queue = gr.Dropdown(label=t("ann_export_queue"), choices=[("all", "")] + choices, value="", scale=2,
                                     allow_custom_value=True)
            only_annotator = gr.Textbox(label=t("ann_export_annotator"), placeholder="all", max_lines=1, scale=2)
            export = gr.Button(t("ann_export_button"), scale=1, elem_id="ann-export-button")
        archive = gr.File(label=t("ann_archive"), interactive=False, elem_id="ann-archive")
        with gr.Row():
            first = gr.Dropdown(label=t("ann_first"), choices=[], allow_custom_value=True, scale=2)
            second = gr.Dropdown(label=t("ann_second"), choices=[], allow_custom_value=True, scale=2)
            compare = gr.Button(t("ann_compare"), scale=1, elem_id="ann-compare")
        table = gr.Dataframe(headers=AGREEMENT_HEADERS, interactive=False, elem_id="ann-agreement")

    def refresh(current: str | None = None):
        found = queue_choices(ctx)
        value = current if current in {v for _, v in found} else (found[0][1] if found else None)
        return gr.Dropdown(choices=found, value=value)

    def on_load(source, name, how, model, progress=gr.Progress()):  # noqa: B008 (Gradio reads the default)
        try:
            value = open_queue(ctx, source, name, how, model,
                               on_progress=lambda done, total: progress(done / total, desc="pre-annotating"))
        except (ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc)) from exc
        return value, refresh(value.get("source"))

    def on_add(paths, text, queue_name, name, how, model, progress=gr.Progress()):  # noqa: B008
        try:
            check_annotator(name)
            batch = upload_batch(paths, queue_name) if paths else pasted_batch(text, queue_name)
            value = open_queue(ctx, batch.source, name, how, model, batch=batch,
                               on_progress=lambda done, total: progress(done / total, desc="pre-annotating"))
        except (ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc)) from exc
        return value, refresh(value.get("source")), None, "", gr.Accordion(open=False)

    def on_submit(value, name, how, model, evt: gr.EventData):
        request = getattr(evt, "_data", None) or (value or {}).get("request") or {}
        try:
            return act(ctx, request, name, how, model)
        except LookupError as exc:
            return _kept(value, request, str(exc).strip("'\""), key="message")
        except ValueError as exc:
            return _kept(value, request, str(exc))

    def on_export(token, kinds, source, name):
        ctx.check_admin(token)
        try:
            return str(export_zip(ctx, kinds, source, name))
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def on_compare(a, b, source):
        try:
            return agreement_table(ctx, a, b, source)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def annotators():
        store = store_for(ctx, create=False)
        people = store.annotators() if store else []
        return (gr.Dropdown(choices=people, value=people[0] if people else None),
                gr.Dropdown(choices=people, value=people[1] if len(people) > 1 else None),
                gr.Dropdown(choices=[("all", "")] + queue_choices(ctx)))

    load.click(on_load, [queue, annotator, order, ctx.model_box], [editor, queue], api_visibility="private")
    add.click(on_add, [files, pasted, new_name, annotator, order, ctx.model_box],
              [editor, queue, files, pasted, add_box], api_visibility="private")
    editor.submit(on_submit, [editor, annotator, order, ctx.model_box], [editor], api_visibility="private",
                  show_progress="hidden", trigger_mode="always_last")
    export.click(on_export, [admin, formats, only_queue, only_annotator], [archive], api_name="export_corrections")
    compare.click(on_compare, [first, second, only_queue], [table], api_name="annotator_agreement")
    export_box.expand(annotators, None, [first, second, only_queue], api_visibility="private")
    _register_api(ctx)
    _register_identity(annotator, queue, refresh, annotators, first, second, only_queue)


def _register_identity(annotator, queue, refresh, annotators, first, second, only_queue) -> None:
    """On page load: the annotator's name from ``?annotator=`` (or the Hugging Face login on Spaces) and fresh lists."""

    def who(request: gr.Request):
        name = (request.query_params.get("annotator") if request else None) or ""
        return (name.strip() or gr.skip(), refresh(), *annotators())

    if os.environ.get("SPACE_ID") and os.environ.get("OAUTH_CLIENT_ID"):

        def who_logged_in(request: gr.Request, profile: gr.OAuthProfile | None):
            name, *rest = who(request)
            if profile is not None and not isinstance(name, str):
                name = profile.username
            return (name, *rest)

        gr.on(None, who_logged_in, None, [annotator, queue, first, second, only_queue], api_visibility="private")
    else:
        gr.on(None, who, None, [annotator, queue, first, second, only_queue], api_visibility="private")


def _register_api(ctx) -> None:
    """Typed endpoints for scripts and ``gradio_client``: the same calls the editor makes."""

    def load_queue(source: str, annotator: str, texts: str = "", order: str = "position", model: str = "") -> dict:
        """Open a queue and pre-annotate it with the model; the first item to annotate.

        ``source``: ``scenario1-unannotated``, ``scenario4-unannotated``, ``sample``, a queue
        already stored, or a new queue name with ``texts`` (one document per line). Items
        are ``{doc, name, source, text, entities: [{label, start, end, text, fragments,
        score}], suggestion, model, progress, finished}``.
        """
        try:
            batch = pasted_batch(texts, source) if texts.strip() else None
            return api_item(open_queue(ctx, source, annotator, order, model or None, batch=batch))
        except (ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc)) from exc

    def next_item(source: str, annotator: str, order: str = "position", model: str = "") -> dict:
        """The next unanswered item of a queue for this annotator (``finished`` when none is left)."""
        try:
            name, store = check_annotator(annotator), store_for(ctx)
            predictor = _predictor(ctx, model or None, quiet=True)
            return api_item(next_value(store, source, name, order, _model_name(predictor), predictor))
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def save_answer(doc: int, annotator: str, status: str, entities: list[dict], source: str = "",
                    order: str = "position", model: str = "") -> dict:
        """Save an answer (``accept``, ``reject`` or ``skip``) with its entities; ``{answer, next}``.

        Entities: ``{label, fragments}``, ``{label, start, end}`` or ``{label, spans}``
        (character offsets, half-open); they must start and end on word boundaries.
        """
        action = {v: k for k, v in ACTIONS.items()}.get(status, status)
        try:
            store = store_for(ctx)
            answer_id = answer(store, doc, annotator, action, entities)
            source = source or _source_of(store, doc)
            predictor = _predictor(ctx, model or None, quiet=True)
            following = next_value(store, source, annotator.strip(), order, _model_name(predictor), predictor)
            return {"answer": answer_id, "next": api_item(following)}
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    def undo_answer(source: str, annotator: str) -> dict:
        """Undo the annotator's last answer in the queue; that item again, with the answer's entities."""
        try:
            value = undo_value(store_for(ctx), source, annotator)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        if value is None:
            raise gr.Error("nothing to undo in this queue")
        return api_item(value)

    def queue_progress(source: str, annotator: str) -> dict:
        """``{total, done, remaining, accepted, rejected, skipped}`` of an annotator in a queue."""
        try:
            store = store_for(ctx)
            return item_value(store, source, check_annotator(annotator), None)["progress"]
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc

    for fn in (load_queue, next_item, save_answer, undo_answer, queue_progress):
        gr.api(fn, api_name=fn.__name__)


def _source_of(store: Store, doc: int) -> str:
    row = store.conn.execute("SELECT source FROM documents WHERE id = ?", (doc,)).fetchone()
    if row is None:
        raise ValueError(f"unknown document id {doc!r}")
    return row[0]
