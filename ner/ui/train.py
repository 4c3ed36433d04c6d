"""The Train tab: settings, start/cancel, a live view (progress, curves, GPU), the final metrics.

With the base model ``crf`` only what applies to the CRF is shown: no epochs, learning rate,
curves or GPU; its progress counts L-BFGS iterations. Everything is in the browser's language.

Before a run starts the base model is checked (:func:`ner.hub.check_base_model`): offline, no
such model, no ``config.json`` are said plainly, beside a "Train the CRF instead" button. The
tab follows the job runner, whoever started the run (this tab, the one-click CRF, the API): a
timer polls it, every second during a run and every few seconds between runs, and redraws
what changed since the page last looked.
"""

from __future__ import annotations

import json
import math
import re

import gradio as gr
import pandas as pd

from ner import corpus
from ner.files import redact
from ner.gpu import GpuReading, read_gpus
from ner.hub import BaseModelProblem, check_base_model
from ner.jobs import Busy, JobState
from ner.train import DEFAULT_BASE_MODEL, TrainSettings
from ner.train.settings import TASKS
from ner.ui.common import bound, endpoint, user_error
from ner.ui.i18n import known, language, number, refused, say, say_in, t
from ner.ui.render import label_name


def is_crf(base_model: str | None) -> bool:
    """Does ``base_model`` name the CRF baseline (``crf``, any case, as :func:`ner.train.train` reads it)?"""
    return (base_model or "").strip().lower() == "crf"


def metrics_rows(evals: dict, lang: str = "en") -> list[list]:
    """Rows of the metrics table: per split, the overall line then one per type (labels shown in ``lang``).

    Scores are shown with four decimals as ``lang`` writes them (``0,8111`` in Spanish), counts as they are.
    A relation model's splits (Task B: ``per_type`` by relation type, no nervaluate) show "—"
    where a figure does not apply.
    """
    rows = []

    def cell(value) -> str:
        return "—" if value is None else value

    for split, result in evals.items():
        parts = [(say_in(lang, "eval_all_types"), result["official"], result.get("nervaluate"))]
        parts += [(label_name(label, lang), r.get("official", r), r.get("nervaluate"))
                  for label, r in result.get("per_type", {}).items()]
        for label, off, nerv in parts:
            rows.append([
                split, label, *(number(off[k], lang) for k in ("precision", "recall", "f1")),
                *(cell(off.get(k)) for k in ("correct", "incorrect", "partial", "missing", "spurious")),
                *(("—", "—") if nerv is None else (number(nerv["strict"]["f1"], lang),
                                                   number(nerv["partial"]["f1"], lang))),
            ])
    return rows


def metric_headers(lang: str = "en") -> list[str]:
    """The metrics table's headers in ``lang``: the same as the Evaluate tab's scores table."""
    return say_in(lang, "eval_headers").split("|")


def curves(state: JobState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loss and dev-F1 points as float columns: an empty object-typed frame would turn the plots' axes nominal."""
    losses = pd.DataFrame(state.losses, columns=["step", "loss"]).astype(float)
    return losses, pd.DataFrame(state.dev_f1, columns=["epoch", "dev_f1"]).astype(float)


def progress_html(state: JobState, request: gr.Request | None = None) -> str:
    """A progress bar and one line: CRF iterations, or a transformer's step, epoch, elapsed time and ETA."""
    p = state.progress
    if state.status == "idle":
        return ""
    status = say(request, f"status_{state.status}") if known(f"status_{state.status}") else state.status
    if p is None:
        return f"<div><b>{status}</b>: {say(request, 'loading')}</div>"
    share = p.step / p.total_steps if p.total_steps else 0.0
    lang = language(request)
    if state.settings is not None and is_crf(state.settings.base_model):
        seconds = number(p.elapsed_seconds, lang, 1)  # a CRF takes seconds: tenths matter
        line = say(request, "crf_progress", step=p.step, total=p.total_steps, seconds=seconds)
    else:
        line = say(request, "step_progress", step=p.step, total=p.total_steps, epoch=number(p.epoch, lang, 2),
                   seconds=number(p.elapsed_seconds, lang, 0))
        if p.eta_seconds is not None and state.status == "running":
            line += say(request, "eta", eta=number(p.eta_seconds, lang, 0))
        line += say(request, "loss_part", loss=number(p.loss, lang)) if p.loss is not None else ""
        line += say(request, "f1_part", f1=number(p.dev_f1, lang)) if p.dev_f1 is not None else ""
    return f"<div class='ner-bar'><div style='width:{share:.1%}'></div></div><div><b>{status}</b> · {line}</div>"


def corrections_line(extra_documents: int, request: gr.Request | None = None) -> str:
    """How many collected corrections a finished run trained on (``metrics["extra_documents"]``)."""
    return say(request, "corrections", n=extra_documents) if extra_documents else say(request, "corrections_0")


def status_text(state: JobState, request: gr.Request | None = None, metrics: dict | None = None) -> str:
    """The run's outcome; while it runs, the dev F1 of each epoch so far (a transformer)."""
    if state.status == "done" and state.result:
        done = say(request, "train_done", name=state.result.name)
        extra = (metrics or {}).get("extra_documents")
        return done if extra is None else f"{done} {corrections_line(int(extra), request)}"
    if state.status == "failed":
        return say(request, "train_failed", error=redact(state.error or ""))
    if state.status == "cancelled":
        return say(request, "train_cancelled")
    if state.status == "cancelling":
        return say(request, "cancelling")
    lang = language(request)
    return "\n".join(f"- {say(request, 'epoch_f1', epoch=number(e, lang, 0), f1=number(f1, lang))}"
                     for e, f1 in state.dev_f1[-5:])


def gpu_text(readings: list[GpuReading] | tuple[GpuReading, ...] | None, request: gr.Request | None = None) -> str:
    """One line per GPU, or the sentence that says training runs on the CPU, in the request's language."""
    if not readings:
        return say(request, "no_gpu")
    lang = language(request)
    return "\n\n".join(say(request, "gpu", index=r.index, name=r.name, used=number(r.memory_used_mib, lang, 0),
                            total=number(r.memory_total_mib, lang, 0), busy=r.utilization_percent) for r in readings)


DEFAULT_LEARNING_RATE = "5e-5"  # shown as written: a number box would show 0.00005, with an English decimal point


def learning_rate(value: str | float | None) -> float | None:
    """The learning rate typed in the Train tab: ``5e-5``, ``0.00005`` or ``0,00005``; None unless positive and finite.

    ``5·10⁻⁵`` and ``5×10^-5`` are read too (how Spanish texts write it).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number_ = float(value)
    else:
        text = str(value or "").strip().replace(" ", "").replace(",", ".")
        text = re.sub(r"[·×x*]10\^?", "e", text)
        text = text.translate(_SUPERSCRIPTS)
        try:
            number_ = float(text)
        except ValueError:
            return None
    return number_ if math.isfinite(number_) and number_ > 0 else None


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")

RUN_POLL_SECONDS = 1.0  # during a run
IDLE_POLL_SECONDS = 5.0  # between runs: a run started elsewhere (the one-click CRF, the API) is noticed this late


def state_key(state: JobState) -> str:
    """Which run, in which status: a page redraws a run that is not going only when this changed since it looked."""
    return f"{state.started}:{state.status}"


def build(ctx, admin: gr.Textbox) -> None:
    jobs = ctx.jobs

    def begin(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, task, request):
        """Check the input and the base model (:class:`BaseModelProblem`), then start the run."""
        ctx.check_admin(token, request)
        if not (base or "").strip():
            raise gr.Error(say(request, "base_missing"))
        if task not in TASKS:
            raise gr.Error(say(request, "task_unknown", task=redact(str(task)[:40])))
        rate = learning_rate(lr)
        if rate is None:
            raise gr.Error(say(request, "lr_bad", value=redact(str(lr)[:40])))
        settings = TrainSettings(
            base_model=base.strip(), epochs=int(epochs), learning_rate=rate, batch_size=int(batch),
            max_length=int(max_length), patience=int(patience), freeze_embeddings=bool(freeze), task=task,
            # a relation model names the entity model it is meant to follow: the app's newest
            entity_model=ctx.models.default("entities") if task == "relations" else None,
            **corpus.default_splits(ctx.config.train_split),
        )
        check_base_model(settings.base_model, task)  # offline, no such model: said now, not seconds into the run
        extra = ctx.annotation.accepted(ctx.caller(request, token=token)) if corrections else None
        try:
            jobs.start(settings, extra)
        except Busy as exc:
            raise gr.Error(say(request, "busy")) from exc
        if not corrections:
            started = say(request, "train_started", base=settings.base_model)
        elif extra:
            started = say(request, "train_started_with", base=settings.base_model, n=len(extra))
        else:
            started = say(request, "train_started_none", base=settings.base_model)
        return gr.Timer(value=RUN_POLL_SECONDS, active=True), started

    def start(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, task: str = "entities",
              request: gr.Request = None):
        """The ``/train`` endpoint: a base model that cannot be trained from is an error, as any refusal."""
        try:
            return begin(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, task, request)
        except BaseModelProblem as exc:
            raise user_error(exc, request) from exc

    def start_page(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, task,
                   request: gr.Request = None):
        """The Start button: a base model that cannot be trained from is said beside "Train the CRF instead"."""
        try:
            timer, started = begin(token, base, epochs, lr, batch, max_length, patience, freeze, corrections, task,
                                   request)
        except BaseModelProblem as exc:
            said = redact(refused(request, exc))
            return gr.skip(), "", gr.Column(visible=True), said[:1].upper() + said[1:]
        return timer, started, gr.Column(visible=False), ""

    def crf_instead(token, epochs, lr, batch, max_length, patience, freeze, corrections, task,
                    request: gr.Request = None):
        """The "Train the CRF instead" button: the base model becomes ``crf`` and the run starts."""
        timer, started = start(token, "crf", epochs, lr, batch, max_length, patience, freeze, corrections, task,
                               request)
        return "crf", timer, started, gr.Column(visible=False)

    def cancel(token, request: gr.Request = None):
        ctx.check_admin(token, request)
        return say(request, "cancelling") if jobs.cancel() else say(request, "nothing_training")

    def poll(seen: str | None, request: gr.Request = None):
        """Redraw from the job runner: every tick during a run, once when a run ended or began since ``seen``."""
        st = jobs.state
        key = state_key(st)
        going = st.status in {"running", "cancelling"}
        if not going and key == seen:
            return (*(gr.skip() for _ in range(8)), seen)
        losses, f1 = curves(st)
        gpus = st.progress.gpus if st.progress and st.progress.gpus else None
        table_update = gr.Dataframe()
        model_update = gr.Dropdown()
        metrics = None
        if st.status == "done" and st.result:
            metrics = json.loads((st.result / "metrics.json").read_text(encoding="utf-8"))
            lang = language(request)
            table_update = gr.Dataframe(value=pd.DataFrame(metrics_rows(metrics["eval"], lang),
                                                           columns=metric_headers(lang)), visible=True)
            model_update = gr.Dropdown(choices=ctx.models.choices(lang=lang), value=str(st.result))
        timer_update = gr.Timer(value=RUN_POLL_SECONDS if going else IDLE_POLL_SECONDS, active=True)
        return (progress_html(st, request), losses, f1, gpu_text(gpus or read_gpus(), request),
                status_text(st, request, metrics), table_update, timer_update, model_update, key)

    def switch(base: str):
        """Show the transformer's settings, curves and GPU for a transformer, the CRF's note for the CRF; a new base
        model hides the last one's problem."""
        crf = is_crf(base)
        return (gr.Column(visible=not crf), gr.Row(visible=not crf), gr.Markdown(visible=not crf),
                gr.Markdown(visible=crf), gr.Column(visible=False))

    def show_gpus(request: gr.Request = None) -> str:
        return gpu_text(read_gpus(), request)

    with gr.Row():
        with gr.Column():
            base = gr.Textbox(label=t("base_model"), value=DEFAULT_BASE_MODEL, elem_id="train-base")
            task = gr.Radio([(t("task_entities"), "entities"), (t("task_relations"), "relations")], value="entities",
                            label=t("task"), elem_id="train-task")
            crf_note = gr.Markdown(t("crf_note"), visible=False, elem_id="train-crf-note")
            with gr.Column(elem_id="train-transformer") as transformer_settings:
                with gr.Row():
                    epochs = gr.Number(label=t("epochs"), value=10, precision=0, minimum=1, elem_id="train-epochs")
                    lr = gr.Textbox(label=t("learning_rate"), value=DEFAULT_LEARNING_RATE, max_lines=1,
                                    elem_id="train-lr")
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
            with gr.Column(visible=False, variant="panel", elem_id="train-problem") as problem:  # beside Start
                problem_text = gr.Markdown(elem_id="train-problem-text")
                crf_btn = gr.Button(t("train_crf_instead"), variant="primary", elem_id="train-crf-instead")
            gpu = gr.Markdown(value=show_gpus, elem_id="train-gpu")  # read on each page load
            progress = gr.HTML(elem_id="train-progress", js_on_load=None)
            status = gr.Markdown(elem_id="train-status")
    with gr.Row(elem_id="train-curves") as curve_row:
        loss_plot = gr.LinePlot(x="step", y="loss", label=t("loss"), height=220)
        f1_plot = gr.LinePlot(x="epoch", y="dev_f1", label=t("dev_f1"), height=220, y_lim=[0, 1])
    table = gr.Dataframe(headers=metric_headers("en"), label=t("metrics"), interactive=False, visible=False,
                         elem_id="train-metrics")
    timer = gr.Timer(IDLE_POLL_SECONDS, active=True)
    seen = gr.State(lambda: state_key(jobs.state))  # at page load: a run that ended before is not redrawn

    base.change(switch, [base], [transformer_settings, curve_row, gpu, crf_note, problem], api_visibility="private",
                show_progress="hidden", queue=False)
    knobs = [epochs, lr, batch, max_length, patience, freeze, corrections, task]
    start_btn.click(start_page, [admin, base, *knobs], [timer, status, problem, problem_text],
                    api_visibility="private")
    endpoint(start, "train", [admin, base, *knobs], [timer, status])
    crf_btn.click(crf_instead, [admin, *knobs], [base, timer, status, problem], api_visibility="private")
    bound(cancel_btn.click, cancel, [admin], [status], "cancel_training", quiet=False)
    outputs = [progress, loss_plot, f1_plot, gpu, status, table, timer, ctx.model_box, seen]
    timer.tick(poll, [seen], outputs, api_visibility="private", show_progress="hidden")

    def training_status() -> dict:
        """The current or last training run: status, step, total steps, dev F1 per epoch, result, error."""
        return _state_json(jobs.state)

    endpoint(training_status)


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
