"""The Evaluate tab: a model on a split → official + nervaluate tables, an error browser, a comparison."""

from __future__ import annotations

import html
import tempfile
import zipfile
from pathlib import Path

import gradio as gr

from ner.entities import Document
from ner.ui.i18n import t
from ner.ui.render import render
from ner.ui.train import METRIC_HEADERS, metrics_rows

ERROR_KINDS = ["any error", "missing", "spurious", "wrong type", "partial", "all sentences"]
_KIND_FIELD = {"missing": "missing", "spurious": "spurious", "wrong type": "incorrect", "partial": "partial"}
MAX_SHOWN = 60


def load_uploaded(path: str) -> list[Document]:
    """Gold documents from an uploaded BRAT ``.zip`` (one scenario.txt + .ann inside) or ``.ann``/``.txt``."""
    from ner.brat import read_brat

    path = Path(path)
    if path.suffix.lower() != ".zip":
        return read_brat(path.with_suffix(".txt"))
    out = Path(tempfile.mkdtemp(prefix="ner-upload-"))
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            target = (out / member).resolve()
            if not str(target).startswith(str(out.resolve())):
                raise ValueError(f"{path.name}: unsafe path {member!r} in the archive")
        z.extractall(out)
    found = sorted(out.rglob("*.txt"))
    found = [p for p in found if p.with_suffix(".ann").is_file()]
    if not found:
        raise ValueError(f"{path.name}: no .txt file with its .ann beside it in the archive")
    return read_brat(found[0])


def error_kinds(gold: Document, pred: Document) -> set[str]:
    """Which kinds of error a sentence has (``missing``, ``spurious``, ``wrong type``, ``partial``)."""
    from ner.scoring import match_document

    m = match_document(gold, pred)
    return {kind for kind, name in _KIND_FIELD.items() if getattr(m, name)}


def browse(gold: list[Document], pred: list[Document], kind: str) -> str:
    """Gold and prediction side by side for the sentences with the chosen kind of error."""
    shown, total = [], 0
    for g, p in zip(gold, pred):
        if not g.annotated:
            continue
        kinds = error_kinds(g, p)
        wanted = kind == "all sentences" or (kinds if kind == "any error" else kind in kinds)
        if not wanted:
            continue
        total += 1
        if len(shown) < MAX_SHOWN:
            tags = " ".join(f"<span class='ner-chip' style='background:#fde68a'>{k}</span>" for k in sorted(kinds))
            shown.append(
                f"<div class='ner-sentence'><small>{html.escape(g.id)}</small> {tags}<div class='ner-side'>"
                f"<div><h4>gold</h4>{render(g.text, list(g.entities))}</div>"
                f"<div><h4>predicted</h4>{render(g.text, list(p.entities))}</div></div></div>"
            )
    more = f"<p>… and {total - len(shown)} more.</p>" if total > len(shown) else ""
    return f"<p><b>{total}</b> sentences.</p>" + "".join(shown) + more


def build(ctx) -> None:
    def run(model, split, upload, kind, other):
        from ner import corpus
        from ner.checkpoints import predict_documents
        from ner.scoring import score

        try:
            gold = load_uploaded(upload) if upload else corpus.load(split)
            predictor = ctx.models.get(model)
            pred = predict_documents(predictor, gold)
            evals = {f"{split if not upload else 'upload'} · {Path(str(predictor.name)).name}": score(gold, pred)}
            if other:
                other_pred = predict_documents(ctx.models.get(other), gold)
                evals[f"… · {Path(str(other)).name}"] = score(gold, other_pred)
        except (ValueError, FileNotFoundError, zipfile.BadZipFile) as exc:
            raise gr.Error(str(exc)) from exc
        return metrics_rows(evals), browse(gold, pred, kind), (gold, pred)

    def refilter(kind, state):
        if not state:
            return ""
        return browse(state[0], state[1], kind)

    def evaluate_api(model: str, split: str = "test") -> dict:
        """Official Task A and nervaluate scores of a model on a split (the same as `python -m ner evaluate`)."""
        from ner import corpus
        from ner.checkpoints import evaluate

        try:
            return evaluate(ctx.models.get(model), corpus.load(split))
        except (ValueError, FileNotFoundError) as exc:
            raise gr.Error(str(exc)) from exc

    with gr.Row():
        split = gr.Radio(["dev", "test", "sample"], value="test", label=t("split"), elem_id="eval-split")
        upload = gr.File(label=t("upload_brat"), file_types=[".zip", ".ann", ".txt"], type="filepath")
        other = gr.Dropdown(label=t("compare_with"), choices=[], allow_custom_value=True, elem_id="eval-other")
    with gr.Row():
        kind = gr.Radio(ERROR_KINDS, value="any error", label=t("error_kind"))
        button = gr.Button(t("evaluate"), variant="primary", elem_id="eval-button")
    table = gr.Dataframe(headers=METRIC_HEADERS, interactive=False, elem_id="eval-table")
    errors = gr.HTML(elem_id="eval-errors", js_on_load=None)
    state = gr.State()

    button.click(run, [ctx.model_box, split, upload, kind, other], [table, errors, state], api_visibility="private")
    kind.change(refilter, [kind, state], [errors], api_visibility="private")
    other.focus(lambda: gr.Dropdown(choices=ctx.models.choices()), None, [other], api_visibility="private")
    gr.api(evaluate_api, api_name="evaluate")
