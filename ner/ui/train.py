"""The Train tab: settings, start/cancel, a live view (progress, curves, GPU), the final metrics."""

from __future__ import annotations

import json

import gradio as gr
import pandas as pd

from ner.files import redact
from ner.gpu import describe_gpus
from ner.jobs import Busy, JobState
from ner.train import DEFAULT_BASE_MODEL, TrainSettings
from ner.ui.i18n import say, t

METRIC_HEADERS = ["split", "type", "P", "R", "F1", "correct", "incorrect", "partial", "missing", "spurious",
                  "strict F1", "partial F1"]


def metrics_rows(evals: dict) -> list[list]:
    """Rows of the metrics table: per split, the overall line then one per type."""
    rows = []
    for split, result in evals.items():
        parts = [("all", result["official"], result["nervaluate"])]
        parts += [(label, r["official"], r["nervaluate"]) for label, r in result.get("per_type", {}).items()]
        for label, off, nerv in parts:
            rows.append([
                split, label, round(off["precision"], 4), round(off["recall"], 4), round(off["f1"], 4),
                off.get("correct"), off.get("incorrect"), off.get("partial"), off.get("missing"), off.get("spurious"),
                round(nerv["strict"]["f1"], 4), round(nerv["partial"]["f1"], 4),
            ])
    return rows


def curves(state: JobState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loss and dev-F1 points as float columns: an empty object-typed frame would turn the plots' axes nominal."""
    losses = pd.DataFrame(state.losses, columns=["step", "loss"]).astype(float)
    return losses, pd.DataFrame(state.dev_f1, columns=["epoch", "dev_f1"]).astype(float)


def progress_html(state: JobState) -> str:
    """A progress bar with step, epoch, elapsed time and ETA."""
    p = state.progress
    if state.status == "idle":
        return ""
    if p is None:
        return f"<div><b>{state.status}</b>: loading the model and the data…</div>"
    share = p.step / p.total_steps if p.total_steps else 0.0
    eta = f", ETA {p.eta_seconds:.0f} s" if p.eta_seconds is not None and state.status == "running" else ""
    loss = f" · loss {p.loss:.4f}" if p.loss is not None else ""
    f1 = f" · dev F1 {p.dev_f1:.4f}" if p.dev_f1 is not None else ""
    return (
        f"<div class='ner-bar'><div style='width:{share:.1%}'></div></div>"
        f"<div><b>{state.status}</b> · step {p.step}/{p.total_steps} · epoch {p.epoch:.2f} · "
        f"{p.elapsed_seconds:.0f} s{eta}{loss}{f1}</div>"
    )


def status_text(state: JobState, request: gr.Request | None = None) -> str:
    if state.status == "done" and state.result:
        return say(request, "train_done", name=state.result.name)
    if state.status == "failed":
        return say(request, "train_failed", error=redact(state.error or ""))
    if state.status == "cancelled":
        return say(request, "train_cancelled")
    if state.status == "cancelling":
        return say(request, "cancelling")
    return "\n".join(f"- {m}" for m in state.messages[-5:])


def build(ctx, admin: gr.Textbox) -> None:
    jobs = ctx.jobs

    def start(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, request: gr.Request = None):
        ctx.check_admin(token, request)
        if not (base or "").strip():
            raise gr.Error("Enter a base model: a hub id, a local folder, or crf.")
        settings = TrainSettings(
            base_model=base.strip(), epochs=int(epochs), learning_rate=float(lr), batch_size=int(batch),
            max_length=int(max_length), patience=int(patience), freeze_embeddings=bool(freeze),
            **ctx.config.splits(),
        )
        extra = ctx.annotation.accepted(ctx.caller(request, token=token)) if corrections else None
        try:
            jobs.start(settings, extra)
        except Busy as exc:
            raise gr.Error(str(exc)) from exc
        return gr.Timer(active=True), f"Started `{settings.base_model}`" + (
            f" with {len(extra)} corrections" if extra else "")

    def cancel(token, request: gr.Request = None):
        ctx.check_admin(token, request)
        return say(request, "cancelling") if jobs.cancel() else say(request, "nothing_training")

    def poll(current_model, request: gr.Request = None):
        st = jobs.state
        losses, f1 = curves(st)
        gpus = st.progress.gpus if st.progress and st.progress.gpus else None
        gpu = describe_gpus(list(gpus) if gpus else None)
        finished = st.status in {"done", "failed", "cancelled"}
        rows = []
        model_update = gr.Dropdown()
        if st.status == "done" and st.result:
            metrics = json.loads((st.result / "metrics.json").read_text(encoding="utf-8"))
            rows = metrics_rows(metrics["eval"])
            model_update = gr.Dropdown(choices=ctx.models.choices(), value=str(st.result))
        return (progress_html(st), losses, f1, gpu, status_text(st, request), rows, gr.Timer(active=not finished),
                model_update)

    with gr.Row():
        with gr.Column():
            base = gr.Textbox(label=t("base_model"), value=DEFAULT_BASE_MODEL, elem_id="train-base")
            with gr.Row():
                epochs = gr.Number(label=t("epochs"), value=10, precision=0, minimum=1, elem_id="train-epochs")
                lr = gr.Number(label=t("learning_rate"), value=5e-5, elem_id="train-lr")
                batch = gr.Number(label=t("batch_size"), value=16, precision=0, minimum=1)
            with gr.Row():
                max_length = gr.Number(label=t("max_length"), value=256, precision=0, minimum=16)
                patience = gr.Number(label=t("patience"), value=3, precision=0, minimum=0)
            freeze = gr.Checkbox(label=t("freeze"), value=False)
            corrections = gr.Checkbox(label=t("include_corrections"), value=False, elem_id="train-corrections")
            with gr.Row():
                start_btn = gr.Button(t("start"), variant="primary", elem_id="train-start")
                cancel_btn = gr.Button(t("cancel"), variant="stop", elem_id="train-cancel")
        with gr.Column():
            gpu = gr.Markdown(value=describe_gpus, elem_id="train-gpu")
            progress = gr.HTML(elem_id="train-progress", js_on_load=None)
            status = gr.Markdown(elem_id="train-status")
    with gr.Row():
        loss_plot = gr.LinePlot(x="step", y="loss", label=t("loss"), height=220)
        f1_plot = gr.LinePlot(x="epoch", y="dev_f1", label=t("dev_f1"), height=220, y_lim=[0, 1])
    table = gr.Dataframe(headers=METRIC_HEADERS, label="Metrics (official Task A + nervaluate)", interactive=False,
                         elem_id="train-metrics")
    timer = gr.Timer(1.0, active=False)

    start_btn.click(
        start, [admin, base, epochs, lr, batch, max_length, patience, freeze, corrections], [timer, status],
        api_name="train",
    )
    cancel_btn.click(cancel, [admin], [status], api_name="cancel_training")
    outputs = [progress, loss_plot, f1_plot, gpu, status, table, timer, ctx.model_box]
    timer.tick(poll, [ctx.model_box], outputs, api_visibility="private", show_progress="hidden")

    def training_status() -> dict:
        """The current or last training run: status, step, total steps, dev F1 per epoch, result, error."""
        return _state_json(jobs.state)

    gr.api(training_status, api_name="training_status")


def _state_json(state: JobState) -> dict:
    """The training state as JSON for API clients."""
    p = state.progress
    return {
        "status": state.status,
        "step": p.step if p else 0,
        "total_steps": p.total_steps if p else 0,
        "dev_f1": state.dev_f1,
        "result": state.result.name if state.result else None,
        "error": redact(state.error) if state.error else None,
    }
