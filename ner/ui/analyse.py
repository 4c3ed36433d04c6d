"""The Analyse tab: text in, highlighted entities and a table out; a .txt file in, BRAT out.

The results sit beside the text on a wide screen and right under it on a phone; the .txt
upload waits in a closed accordion below them. Labels and confidences are shown in the
browser's language (Concepto, 97 %); the API keeps the canonical English labels and raw scores.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import gradio as gr
import pandas as pd

from ner.annotation.intake import tidy_name
from ner.entities import LABELS, Document, Entity, entity_to_json
from ner.export import predict_to_brat
from ner.files import scratch
from ner.models import NoModelYet
from ner.relations.triples import scored
from ner.tokens import check_text
from ner.ui.arcs import arcs_html, relations_table
from ner.ui.common import NARROW, endpoint, model_error, quietly, user_error, warned
from ner.ui.i18n import language, say, say_in, t
from ner.ui.render import label_name, legend, percent, render
from ner.uploads import read_upload

NO_RELATIONS = "—"  # the relation box's "no relation model" choice
EXAMPLES = [
    "La hipertensión arterial aumenta el riesgo de sufrir un infarto de miocardio.",
    "Los antibióticos no curan las infecciones causadas por virus, como la gripe.",
    "El médico puede recomendar una dieta baja en sal si los riñones no filtran bien la sangre.",
    "La vacuna contra el sarampión se administra a los niños a partir de los 12 meses.",
]
WIDTHS = ["38%", "26%", "18%", "18%"]
NARROW_WIDTHS = ["38%", "30%", "32%"]  # a phone: no "Characters" column, so the table needs no sideways scroll

# Ctrl+Enter (⌘+Enter on a Mac) in the text box analyses; Gradio's own shortcut for a multi-line box is Shift+Enter.
CTRL_ENTER = """
if (!window.nerCtrlEnter) {
  window.nerCtrlEnter = true;
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
    if (!(event.target instanceof Element) || !event.target.closest('#analyse-text')) return;
    event.preventDefault();
    document.querySelector('#analyse-button')?.click();
  }, true);
}
"""
# After an analysis, bring the results into view when they start low on the screen (a phone).
SHOW_RESULTS = """() => {
  const info = document.querySelector('#analyse-info');
  if (info && info.getBoundingClientRect().top > window.innerHeight * 0.5) {
    info.scrollIntoView({block: 'start'});
  }
}"""


def table_rows(text: str, entities: list[Entity], lang: str = "en", narrow: bool = False) -> list[list[str]]:
    """The table as shown: surface text, label in ``lang``, characters ``start–end`` (half-open; one range per
    piece of a truly gapped entity; not on a ``narrow`` screen), confidence in %.

    ``table_rows("La gripe", [Entity(((3, 8),), "Concept", 0.97)])`` is ``[["gripe", "Concept", "3–8", "97%"]]``.
    """
    rows = []
    for ent in entities:
        pieces = ent.fragments if ent.is_gapped(text) else ((ent.start, ent.end),)
        where = [] if narrow else [", ".join(f"{s}–{e}" for s, e in pieces)]
        confidence = "" if ent.score is None else percent(ent.score, lang)
        rows.append([ent.surface(text), label_name(ent.label, lang), *where, confidence])
    return rows


def headers_in(lang: str) -> list[str]:
    """The Entities table's headers in ``lang``: text, label, characters, confidence."""
    return say_in(lang, "analyse_headers").split("|")


def entity_table(text: str, entities: list[Entity], lang: str = "en", narrow: bool = False) -> gr.Dataframe:
    """The Entities table: rows and headers in ``lang``, three columns on a narrow screen, hidden when empty."""
    headers = [h for i, h in enumerate(headers_in(lang)) if not (narrow and i == 2)]
    rows = pd.DataFrame(table_rows(text, entities, lang, narrow), columns=headers)
    return gr.Dataframe(value=rows, visible=bool(entities), column_widths=NARROW_WIDTHS if narrow else WIDTHS)


def build(ctx, admin: gr.Textbox) -> None:
    limits = ctx.config.limits

    def check(text: str | None, request: gr.Request | None = None) -> str:
        text = text or ""
        if isinstance(text, str) and len(text) > limits.text_chars:
            raise gr.Error(say(request, "text_too_long", n=len(text), limit=limits.text_chars))
        try:
            return check_text(text, limits.text_chars)
        except ValueError as exc:
            raise user_error(exc, request) from exc

    def predict_api(text: str, model: str = "", admin_token: str = "", request: gr.Request = None) -> list[dict]:
        """Entities of a Spanish health text: a list of {label, start, end, text, fragments, score}.

        ``model``: a listed checkpoint (folder or run name); empty for the app's newest one.
        Other folders and hub ids need ``admin_token``.
        """
        text = check(text, request)
        predictor = ctx.predictor(model, admin_token, request)
        return [entity_to_json(e, text) for e in predictor.predict([text])[0]]

    def relations_of(text: str, entities: list[Entity], model: str, token: str, request) -> Document | None:
        """The sentence with the relation model's relations between ``entities`` (None: no relation model chosen)."""
        if not (model or "").strip():
            return None
        try:
            relations = ctx.models.relations(model, admin=ctx.is_admin(token, request))
        except ValueError as exc:
            raise model_error(exc, request) from exc
        return relations.predict([Document("text", text, tuple(entities))])[0]

    def predict_relations_api(text: str, model: str = "", relations: str = "", admin_token: str = "",
                              request: gr.Request = None) -> dict:
        """Entities and the relations between them: ``{entities: [...], relations: [{type, from, to, score}]}``.

        ``from`` and ``to`` are indexes into ``entities``; ``relations``: a listed relation
        checkpoint, empty for the app's newest one. Other models need ``admin_token``.
        """
        text = check(text, request)
        entities = ctx.predictor(model, admin_token, request).predict([text])[0]
        doc = relations_of(text, entities, relations or ctx.models.default("relations") or "", admin_token, request)
        if doc is None:
            raise model_error(NoModelYet("no relation model yet: train one (--task relations)"), request)
        return {"entities": [entity_to_json(e, text) for e in doc.entities],
                "relations": [{"type": k, "from": a, "to": b, "score": p} for (k, a, b), p in scored(doc)]}

    def analyse(text: str, model: str, token: str, relations: str = "", narrow: bool = False,
                request: gr.Request = None):
        text = check(text, request)
        if not text.strip():
            raise gr.Error(say(request, "text_empty"))
        predictor = ctx.predictor(model, token, request)
        t0 = time.perf_counter()
        entities = predictor.predict([text])[0]
        related = relations_of(text, entities, relations, token, request)
        ms = (time.perf_counter() - t0) * 1000
        lang = language(request)
        html = legend(language=lang) + render(text, entities, language=lang)
        if related is not None:
            entities = list(related.entities)
            names = {label: label_name(label, lang) for label in LABELS}
            html += arcs_html(related, names) + relations_table(related, say_in(lang, "relations_headers").split("|"),
                                                               lang)
        info = say(request, "analysed", n=len(entities), ms=ms, model=Path(str(predictor.name)).name)
        return html, entity_table(text, entities, lang, bool(narrow)), info

    def predict_file(file: str | None, model: str, token: str, request: gr.Request = None):
        """A generator: the BRAT zip's scratch folder goes once Gradio has copied the zip out."""
        if not file:
            raise gr.Error(say(request, "no_file"))
        try:  # every limit checked, errors named by the file's own name (Gradio keeps it), never a server path
            upload = read_upload([file], limits, want="lines")
        except ValueError as exc:
            raise user_error(exc, request) from exc
        docs, name, stem = list(upload.docs), upload.name, tidy_name(upload.stem)
        predictor = ctx.predictor(model, token, request)
        with scratch("ner-brat-") as out:
            predicted = predict_to_brat(predictor, docs, out / stem / "scenario.txt")
            archive = out / f"{stem}-predictions.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                for part in ("scenario.txt", "scenario.ann"):
                    z.write(out / stem / part, f"{stem}/{part}")
            found = say(request, "file_done", name=name, n=len(docs)) + say(
                request, "file_entities", n=sum(len(d.entities) for d in predicted))
            yield gr.File(value=str(archive), visible=True), found

    def predict_file_quietly(file: str | None, model: str, token: str, request: gr.Request = None):
        try:
            yield from predict_file(file, model, token, request)
        except gr.Error as exc:
            yield warned(exc, 2, request)

    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=300):
            text = gr.Textbox(label=t("text"), info=t("text_info"), lines=4, max_lines=20, elem_id="analyse-text",
                              value=EXAMPLES[0])
            relation_box = gr.Dropdown(label=t("relations_model"), choices=[(NO_RELATIONS, "")], value="",
                                       allow_custom_value=True, elem_id="analyse-relations")
            button = gr.Button(t("analyse"), variant="primary", elem_id="analyse-button")
            gr.Examples(EXAMPLES, inputs=[text], label=t("examples"))
        with gr.Column(scale=1, min_width=300, elem_id="analyse-results"):
            info = gr.Markdown(elem_id="analyse-info")
            shown = gr.HTML(elem_id="analyse-html", js_on_load=CTRL_ENTER)
            table = gr.Dataframe(headers=headers_in("en"), label=t("entities"), interactive=False, wrap=True,
                                 visible=False, elem_id="analyse-table", column_widths=WIDTHS)
            narrow = gr.Checkbox(value=False, visible=False)
    with gr.Accordion(t("file_accordion"), open=False, elem_id="analyse-file"):
        upload = gr.File(label=t("upload_txt"), file_types=[".txt"], type="filepath", elem_id="analyse-upload")
        found = gr.Markdown(elem_id="analyse-file-info")
        brat = gr.File(label=t("brat_zip"), interactive=False, visible=False, elem_id="analyse-brat")

    results = [shown, table, info]
    inputs = [text, ctx.model_box, admin, relation_box, narrow]
    analyse_quietly = quietly(analyse, 3)  # the button: a refusal is a popup that marks no output
    button.click(analyse_quietly, inputs, results, js=NARROW, api_visibility="private").then(None, js=SHOW_RESULTS)
    text.submit(analyse_quietly, inputs, results, js=NARROW, api_visibility="private").then(None, js=SHOW_RESULTS)
    upload.upload(predict_file_quietly, [upload, ctx.model_box, admin], [brat, found], api_visibility="private")
    endpoint(analyse, "analyse", inputs, results)  # for scripts: refusals are errors
    endpoint(predict_file, "predict_file", [upload, ctx.model_box, admin], [brat, found])
    upload.clear(lambda: (gr.File(value=None, visible=False), ""), None, [brat, found], api_visibility="private")
    endpoint(predict_api, "predict")
    endpoint(predict_relations_api, "predict_relations")

    def relation_choices(request: gr.Request = None):
        """The relation models to choose from, the newest chosen (none while there is none)."""
        found = ctx.models.choices("relations", language(request))
        return gr.Dropdown(choices=[(NO_RELATIONS, ""), *found], value=found[0][1] if found else "")

    gr.on(None, relation_choices, None, [relation_box], api_visibility="private")
    relation_box.focus(relation_choices, None, [relation_box], api_visibility="private")
