"""``build_app()``: the Gradio interface, one module per tab; no model is loaded until one is used."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from ner import corpus
from ner.access import AdminGate
from ner.annotation.service import AnnotationService
from ner.download import LICENCE_NOTICE
from ner.download import download as fetch
from ner.files import redact, remove_stale_staging
from ner.gpu import TRAIN_SECONDS, gpu
from ner.jobs import Busy, TrainingJobs
from ner.messages import LOCALES
from ner.models import Models
from ner.settings import Settings
from ner.train import TrainSettings
from ner.train import train as run_training
from ner.ui import analyse, annotate, evaluate, train
from ner.ui.common import AppContext, bound
from ner.ui.i18n import I18N, language, say, say_in, t

AppConfig = Settings  # the app's configuration is the settings object (ner/settings.py)


CSS = """
.ner-legend { margin: 0.25em 0 0.5em; }
.ner-chip { display: inline-block; padding: 0.15em 0.6em; margin-right: 0.4em; border-radius: 0.35em;
            font-size: 0.85em; font-weight: 600; color: #222; }
.ner-bar { background: #e5e7eb; border-radius: 6px; height: 14px; overflow: hidden; }
.ner-bar > div { background: #f97316; height: 100%; transition: width 0.4s; }
.ner-side { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
.ner-side h4 { margin: 0.2em 0; }
.ner-sentence { border-bottom: 1px solid #e5e7eb; padding: 0.4em 0; }
/* an entity that wraps onto the next line (a phone) keeps its rounded ends and padding on both lines */
.entities mark { box-decoration-break: clone; -webkit-box-decoration-break: clone; }
/* a phone: the four tabs fit in one row in English and Spanish, so Gradio shows no "More tabs" button
   (it measures the buttons of its hidden copy of the row, which this reaches too) */
@media (max-width: 500px) {
  #ner-tabs .tab-container button { padding: 0 var(--size-2); }
}
/* the Annotate tab's intro names keys and Ctrl+click, or taps on a touch screen with no mouse */
.ann-intro-touch { display: none; }
@media (hover: none) and (pointer: coarse) {
  .ann-intro-keys { display: none; }
  .ann-intro-touch { display: block; }
}
@media (max-width: 370px) {  /* down to a 320 px screen */
  #ner-tabs .tab-container button { padding: 0 var(--size-1); font-size: 13px; }
}
"""


def build_app(config: Settings | None = None) -> gr.Blocks:
    """The whole interface; models load on first use, not here. Stale staging folders are removed."""
    config = config or Settings()
    remove_stale_staging(config.checkpoints)
    models = Models(config)
    service = AnnotationService(config, models)
    service.start_sync()  # NER_HUB_SYNC: an empty store is restored from the Hub before any request
    jobs = TrainingJobs(config.checkpoints, gpu(TRAIN_SECONDS)(run_training),
                        lock=lambda: service.store().exclusive("training"))  # one run across replicas
    ctx = AppContext(config, models, jobs, service, AdminGate(config.admin_token, config.public))
    with gr.Blocks(title="Spanish biomedical NER", delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# Spanish biomedical NER · NER biomédico en español")
        gr.Markdown(t("subtitle"))
        with gr.Row():
            ctx.model_box = gr.Dropdown(
                label=t("model"), choices=[], value=None, allow_custom_value=True, scale=5, elem_id="model-box"
            )
            refresh = gr.Button(t("refresh"), scale=1, size="sm")
        with gr.Row(visible=False, elem_id="no-model") as no_model:
            no_model_text = gr.Markdown(t("no_model"), elem_id="no-model-text")
            crf_button = gr.Button(t("train_crf"), variant="primary", elem_id="train-crf")
            download_button = gr.Button(t("download"), elem_id="download-corpus", visible=False)
        with gr.Row():
            admin = gr.Textbox(label=t("admin_token"), type="password", visible=bool(config.admin_token), scale=1,
                               elem_id="admin-token")
            notice = gr.Markdown(elem_id="notice")
            if config.oauth:
                gr.LoginButton(scale=0)
        with gr.Tabs(elem_id="ner-tabs"):
            with gr.Tab(t("tab_analyse"), id="analyse"):
                analyse.build(ctx, admin)
            with gr.Tab(t("tab_train"), id="train"):
                train.build(ctx, admin)
            with gr.Tab(t("tab_evaluate"), id="evaluate"):
                evaluate.build(ctx, admin)
            with gr.Tab(t("tab_annotate"), id="annotate"):
                annotate.build(ctx, admin)

        def refresh_models(current: str | None = None, request: gr.Request = None):
            """The model box's choices (labelled in the reader's language), and the no-model banner (with
            "Download" only while the corpus is missing)."""
            choices = ctx.models.choices(lang=language(request))
            values = [v for _, v in choices]
            value = current if current and (current in values or not values) else ctx.models.default()
            missing = not corpus.corpus_available()
            return (gr.Dropdown(choices=choices, value=value), gr.Row(visible=not choices),
                    gr.Markdown(t("no_model_corpus") if missing else t("no_model")), gr.Button(visible=missing))

        def quick_crf(token: str | None, request: gr.Request = None):
            ctx.check_admin(token, request)
            settings = TrainSettings(base_model="crf", **corpus.default_splits(config.train_split))
            try:
                jobs.start(settings)  # the Train tab's runner: one run at a time
            except Busy as exc:
                raise gr.Error(say(request, "busy")) from exc
            state = jobs.wait()
            if state.status != "done" or state.result is None:
                raise gr.Error(say(request, "train_failed", error=redact(state.error or state.status)))
            choices, row, text, button = refresh_models(str(state.result), request)
            return choices, row, text, button, say(request, "crf_trained", split=settings.train_split,
                                                   name=state.result.name)

        def download(token: str | None, request: gr.Request = None):
            ctx.check_admin(token, request)
            try:
                folder, notice_text = _download_result(fetch())
            except Exception as exc:  # offline, checksum: say it, keep the app up
                raise gr.Error(redact(say(request, "download_failed", error=exc))) from exc
            _, _, text, button = refresh_models(request=request)
            return say(request, "corpus_in", folder=redact(folder), notice=notice_text), text, button

        banner = [ctx.model_box, no_model, no_model_text, download_button]
        demo.load(refresh_models, [ctx.model_box], banner, api_visibility="private")
        refresh.click(refresh_models, [ctx.model_box], banner, api_visibility="private")
        bound(crf_button.click, quick_crf, [admin], [*banner, notice], "train_crf", quiet=False)
        bound(download_button.click, download, [admin], [notice, no_model_text, download_button], "download_corpus",
              quiet=False)
    demo.ner_context = ctx  # tests reach the shared state through this
    return demo


def _download_result(result) -> tuple[str, str]:
    """``ner.download.download`` returns a folder, or ``(folder, licence notice)``."""
    if isinstance(result, tuple):
        return str(result[0]), str(result[1])
    return str(result), LICENCE_NOTICE


TOAST_KINDS = ("warning", "error", "info", "success")  # Gradio's toasts, titled by kind


def page_head() -> str:
    """The ``<script>`` for ``launch(head=...)``: ``<html lang>`` and the popups' titles in the reader's language.

    Gradio titles a toast with its kind in English and ignores ``gr.Warning(title=...)``; the
    script (``ner/ui/page.js``) retitles each one from the catalog (``toast_warning``, ...).
    """
    titles = {lang: {kind: say_in(lang, f"toast_{kind}") for kind in TOAST_KINDS} for lang in LOCALES}
    script = (Path(__file__).with_name("page.js").read_text(encoding="utf-8")
              .replace("__TITLES__", json.dumps(titles, ensure_ascii=False).replace("</", "<\\/")))
    return f"<script>\n{script}</script>"


def launch_kwargs(config: Settings | None = None) -> dict:
    """What ``launch()`` needs besides host and port: translations, theme, CSS and the upload limit.

    No ``auth=``: with ``NER_USERS`` the visitors use the demo tabs, and annotating asks for the
    Annotate tab's sign-in (:meth:`ner.ui.common.AppContext.sign_in`).

    Only ``gr.Error`` messages reach the client (``show_error=False``): an unexpected
    exception says "Error", never a library's internals. Gradio keeps the state of at most
    ``Limits.sessions`` sessions (the oldest dropped), not its default 10,000.
    """
    config = config or Settings()
    kwargs = {"i18n": I18N, "css": CSS, "head": page_head(), "theme": gr.themes.Soft(primary_hue="orange"),
              "show_error": False,
              "max_file_size": config.limits.upload_bytes, "state_session_capacity": config.limits.sessions}
    return kwargs


__all__ = ["AppConfig", "AppContext", "build_app", "launch_kwargs"]
