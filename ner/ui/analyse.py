"""The Analyse tab: text in, highlighted entities and a table out; a .txt file in, BRAT out."""

from __future__ import annotations

import tempfile
import time
import zipfile
from pathlib import Path

import gradio as gr

from ner.entities import Entity
from ner.ui.i18n import say, t
from ner.ui.render import entity_rows, legend, render

EXAMPLES = [
    "La hipertensión arterial aumenta el riesgo de sufrir un infarto de miocardio.",
    "Los antibióticos no curan las infecciones causadas por virus, como la gripe.",
    "El médico puede recomendar una dieta baja en sal si los riñones no filtran bien la sangre.",
    "La vacuna contra el sarampión se administra a los niños a partir de los 12 meses.",
]
MAX_CHARS = 100_000
HEADERS = ["text", "label", "start", "end", "confidence"]


def entities_json(text: str, entities: list[Entity]) -> list[dict]:
    """Entities as plain JSON objects (offsets are half-open character offsets into ``text``)."""
    return [
        {
            "text": e.surface(text),
            "label": e.label,
            "start": e.start,
            "end": e.end,
            "fragments": [list(f) for f in e.fragments],
            "score": e.score,
        }
        for e in entities
    ]


def check_text(text: str | None) -> str:
    text = text or ""
    if len(text) > MAX_CHARS:
        raise gr.Error(f"The text has {len(text):,} characters; the limit is {MAX_CHARS:,}. Upload it as a .txt file.")
    return text


def build(ctx) -> None:
    def predict_api(text: str, model: str = "") -> list[dict]:
        """Entities of a Spanish health text: a list of {text, label, start, end, fragments, score}.

        ``model``: checkpoint folder or hub id; empty for the app's newest checkpoint.
        """
        text = check_text(text)
        predictor = _predictor(ctx, model)
        return entities_json(text, predictor.predict([text])[0])

    def analyse(text: str, model: str, request: gr.Request = None):
        text = check_text(text)
        predictor = _predictor(ctx, model)
        t0 = time.perf_counter()
        entities = predictor.predict([text])[0]
        ms = (time.perf_counter() - t0) * 1000
        html = legend() + render(text, entities)
        info = say(request, "analysed", n=len(entities), ms=ms, model=Path(str(predictor.name)).name)
        return html, entity_rows(text, entities), info

    def predict_file(file: str | None, model: str):
        if not file:
            raise gr.Error("Choose a .txt file first.")
        from ner.brat import read_text, split_lines, write_brat
        from ner.checkpoints import predict_documents
        from ner.entities import Document

        try:
            text = read_text(file)
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        stem = Path(file).stem
        docs = [Document(f"{stem}/{i + 1}", line) for i, (_, line) in enumerate(split_lines(text))]
        predicted = predict_documents(_predictor(ctx, model), docs)
        out = Path(tempfile.mkdtemp(prefix="ner-brat-"))
        write_brat(predicted, out / stem / "scenario.txt")
        archive = out / f"{stem}-predictions.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for name in ("scenario.txt", "scenario.ann"):
                z.write(out / stem / name, f"{stem}/{name}")
        return str(archive)

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

    button.click(analyse, [text, ctx.model_box], [shown, table, info], api_name="analyse")
    text.submit(analyse, [text, ctx.model_box], [shown, table, info], api_visibility="private")
    upload.upload(predict_file, [upload, ctx.model_box], [brat], api_name="predict_file")
    gr.api(predict_api, api_name="predict")


def _predictor(ctx, model: str | None):
    try:
        return ctx.models.get(model)
    except ValueError as exc:  # no model, bad checkpoint, hub unreachable: say so in the page
        raise gr.Error(str(exc)) from exc
