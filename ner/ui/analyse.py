"""The Analyse tab: text in, highlighted entities and a table out; a .txt file in, BRAT out."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import gradio as gr

from ner.entities import entity_to_json
from ner.files import check_upload, scratch
from ner.tokens import check_text
from ner.ui.app import user_error
from ner.ui.i18n import say, t
from ner.ui.render import entity_rows, legend, render

EXAMPLES = [
    "La hipertensión arterial aumenta el riesgo de sufrir un infarto de miocardio.",
    "Los antibióticos no curan las infecciones causadas por virus, como la gripe.",
    "El médico puede recomendar una dieta baja en sal si los riñones no filtran bien la sangre.",
    "La vacuna contra el sarampión se administra a los niños a partir de los 12 meses.",
]
HEADERS = ["text", "label", "start", "end", "confidence"]


def build(ctx, admin: gr.Textbox) -> None:
    limits = ctx.config.limits

    def check(text: str | None) -> str:
        try:
            return check_text(text or "", limits.text_chars)
        except ValueError as exc:
            raise user_error(f"{exc}. Longer texts: upload them as a .txt file.") from exc

    def predict_api(text: str, model: str = "", admin_token: str = "", request: gr.Request = None) -> list[dict]:
        """Entities of a Spanish health text: a list of {label, start, end, text, fragments, score}.

        ``model``: a listed checkpoint (folder or run name); empty for the app's newest one.
        Other folders and hub ids need ``admin_token``.
        """
        text = check(text)
        predictor = ctx.predictor(model, admin_token, request)
        return [entity_to_json(e, text) for e in predictor.predict([text])[0]]

    def analyse(text: str, model: str, token: str, request: gr.Request = None):
        text = check(text)
        predictor = ctx.predictor(model, token, request)
        t0 = time.perf_counter()
        entities = predictor.predict([text])[0]
        ms = (time.perf_counter() - t0) * 1000
        html = legend() + render(text, entities)
        info = say(request, "analysed", n=len(entities), ms=ms, model=Path(str(predictor.name)).name)
        return html, entity_rows(text, entities), info

    def predict_file(file: str | None, model: str, token: str, request: gr.Request = None):
        """A generator: the BRAT zip's scratch folder goes once Gradio has copied the zip out."""
        if not file:
            raise gr.Error("Choose a .txt file first.")
        from ner.annotation.sources import source_name
        from ner.export import predict_to_brat, read_lines

        stem = source_name(Path(file).stem)
        try:
            check_upload(Path(file), limits)
            docs = read_lines(file, limits)
        except ValueError as exc:
            raise user_error(exc) from exc
        predictor = ctx.predictor(model, token, request)
        with scratch("ner-brat-") as out:
            predict_to_brat(predictor, docs, out / stem / "scenario.txt")
            archive = out / f"{stem}-predictions.zip"
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                for name in ("scenario.txt", "scenario.ann"):
                    z.write(out / stem / name, f"{stem}/{name}")
            yield str(archive)

    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label=t("text"), lines=5, max_lines=20, elem_id="analyse-text", value=EXAMPLES[0])
            button = gr.Button(t("analyse"), variant="primary", elem_id="analyse-button")
            gr.Examples(EXAMPLES, inputs=[text], label=t("examples"))
        with gr.Column(scale=2):
            upload = gr.File(label=t("upload_txt"), file_types=[".txt"], type="filepath")
            brat = gr.File(label=t("brat_zip"), interactive=False)
    info = gr.Markdown(elem_id="analyse-info")
    shown = gr.HTML(elem_id="analyse-html", js_on_load=None)
    table = gr.Dataframe(headers=HEADERS, label=t("entities"), interactive=False, elem_id="analyse-table")

    button.click(analyse, [text, ctx.model_box, admin], [shown, table, info], api_name="analyse")
    text.submit(analyse, [text, ctx.model_box, admin], [shown, table, info], api_visibility="private")
    upload.upload(predict_file, [upload, ctx.model_box, admin], [brat], api_name="predict_file")
    gr.api(predict_api, api_name="predict")
