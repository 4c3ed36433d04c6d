"""``build_app()``: the Gradio interface, one module per tab, nothing loaded at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from ner.checkpoints import checkpoints_dir
from ner.jobs import TrainingJobs
from ner.ui.i18n import I18N, say, t
from ner.ui.models import Models
from ner.ui.render import COLORS


@dataclass(frozen=True)
class AppConfig:
    """Where the app keeps things and who may train, delete or export.

    ``admin_token`` (``$NER_ADMIN_TOKEN``): when set, training, downloading and exporting
    ask for it; leave it unset on a private machine.
    """

    checkpoints: Path = field(default_factory=checkpoints_dir)
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("NER_DATA_DIR", "data")))
    admin_token: str | None = field(default_factory=lambda: os.environ.get("NER_ADMIN_TOKEN") or None)
    train_split: str | None = None  # None: the corpus's train split when it is there, else the sample

    def splits(self) -> dict:
        """Train/dev/eval split settings for runs started from the app."""
        from ner import corpus

        split = self.train_split or ("train" if corpus.corpus_available() else "sample")
        if split == "train":
            return {"train_split": "train", "dev_split": "dev", "eval_splits": ("dev", "test")}
        return {"train_split": split, "dev_split": split, "eval_splits": (split,)}


@dataclass
class AppContext:
    """What the tabs share: the config, the models, the training jobs and the model chooser."""

    config: AppConfig
    models: Models
    jobs: TrainingJobs
    model_box: gr.Dropdown | None = None

    def check_admin(self, token: str | None) -> None:
        """Raise a visible error when an admin token is configured and ``token`` is not it."""
        if self.config.admin_token and (token or "") != self.config.admin_token:
            raise gr.Error("This needs the admin token (NER_ADMIN_TOKEN) of this deployment.")


CSS = """
.ner-legend { margin: 0.25em 0 0.5em; }
.ner-chip { display: inline-block; padding: 0.15em 0.6em; margin-right: 0.4em; border-radius: 0.35em;
            font-size: 0.85em; font-weight: 600; color: #222; }
.ner-bar { background: #e5e7eb; border-radius: 6px; height: 14px; overflow: hidden; }
.ner-bar > div { background: #f97316; height: 100%; transition: width 0.4s; }
.ner-side { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
.ner-side h4 { margin: 0.2em 0; }
.ner-sentence { border-bottom: 1px solid #e5e7eb; padding: 0.4em 0; }
"""


def build_app(config: AppConfig | None = None) -> gr.Blocks:
    """The whole interface; models load on first use, not here."""
    from ner.ui import analyse, annotate, evaluate, train

    config = config or AppConfig()
    from ner.training import train as run_training
    from ner.ui.zerogpu import TRAIN_SECONDS, gpu

    jobs = TrainingJobs(config.checkpoints, gpu(TRAIN_SECONDS)(run_training))
    ctx = AppContext(config, Models(config.checkpoints), jobs)
    with gr.Blocks(title="Spanish biomedical NER") as demo:
        gr.Markdown("# Spanish biomedical NER · NER biomédico en español")
        gr.Markdown(t("subtitle"))
        with gr.Row():
            ctx.model_box = gr.Dropdown(
                label=t("model"), choices=[], value=None, allow_custom_value=True, scale=5, elem_id="model-box"
            )
            refresh = gr.Button(t("refresh"), scale=1, size="sm")
        with gr.Row(visible=False, elem_id="no-model") as no_model:
            gr.Markdown(t("no_model"))
            crf_button = gr.Button(t("train_crf"), variant="primary", elem_id="train-crf")
            download_button = gr.Button(t("download"), elem_id="download-corpus")
        with gr.Row():
            admin = gr.Textbox(label=t("admin_token"), type="password", visible=bool(config.admin_token), scale=1)
            notice = gr.Markdown(elem_id="notice")
        with gr.Tabs():
            with gr.Tab(t("tab_analyse"), id="analyse"):
                analyse.build(ctx)
            with gr.Tab(t("tab_train"), id="train"):
                train.build(ctx, admin)
            with gr.Tab(t("tab_evaluate"), id="evaluate"):
                evaluate.build(ctx)
            with gr.Tab(t("tab_annotate"), id="annotate"):
                annotate.build(ctx, admin)

        def refresh_models(current: str | None = None):
            choices = ctx.models.choices()
            values = [v for _, v in choices]
            value = current if current and (current in values or not values) else ctx.models.default()
            return gr.Dropdown(choices=choices, value=value), gr.Row(visible=not choices)

        def quick_crf(token: str | None, request: gr.Request = None):
            ctx.check_admin(token)
            from ner.training import TrainSettings
            from ner.training import train as run_training

            settings = TrainSettings(base_model="crf", **config.splits())
            folder = run_training(settings, root=config.checkpoints)
            choices, row = refresh_models(str(folder))
            return choices, row, say(request, "crf_trained", split=settings.train_split, name=folder.name)

        def download(token: str | None, request: gr.Request = None):
            ctx.check_admin(token)
            from ner.download import download as fetch

            try:
                folder, notice_text = _download_result(fetch())
            except Exception as exc:  # offline, checksum: say it, keep the app up
                raise gr.Error(f"Download failed: {exc}") from exc
            return say(request, "corpus_in", folder=folder, notice=notice_text)

        demo.load(refresh_models, [ctx.model_box], [ctx.model_box, no_model], api_visibility="private")
        refresh.click(refresh_models, [ctx.model_box], [ctx.model_box, no_model], api_visibility="private")
        crf_button.click(quick_crf, [admin], [ctx.model_box, no_model, notice], api_name="train_crf")
        download_button.click(download, [admin], [notice], api_name="download_corpus")
    demo.ner_context = ctx  # tests reach the shared state through this
    return demo


def _download_result(result) -> tuple[str, str]:
    """``ner.download.download`` returns a folder, or ``(folder, licence notice)``."""
    if isinstance(result, tuple):
        return str(result[0]), str(result[1])
    from ner.download import LICENCE_NOTICE

    return str(result), LICENCE_NOTICE


def launch_kwargs() -> dict:
    """What ``launch()`` needs besides host and port: translations, theme, CSS."""
    return {"i18n": I18N, "css": CSS, "theme": gr.themes.Soft(primary_hue="orange"), "show_error": True}


__all__ = ["AppConfig", "AppContext", "COLORS", "build_app", "launch_kwargs"]
