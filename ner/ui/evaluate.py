"""The Evaluate tab: a model on a split → official + nervaluate tables, an error browser, a comparison."""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr

from ner.entities import Document
from ner.files import check_upload, redact, safe_extract, scratch
from ner.settings import DEFAULT_LIMITS, Limits
from ner.tokens import check_text
from ner.ui.app import user_error
from ner.ui.i18n import t
from ner.ui.render import render
from ner.ui.train import METRIC_HEADERS, metrics_rows

SPLITS = ("dev", "test", "sample")
CREDIT = ("<p class='ner-credit'><small>Sentences from the eHealth-KD 2020 corpus (Knowledge Learning Project, "
          "IberLEF 2020), licensed <a href='https://creativecommons.org/licenses/by-nc-sa/4.0/'>CC BY-NC-SA "
          "4.0</a>.</small></p>")
ERROR_KINDS = ["any error", "missing", "spurious", "wrong type", "partial", "all sentences"]
_KIND_FIELD = {"missing": "missing", "spurious": "spurious", "wrong type": "incorrect", "partial": "partial"}
MAX_SHOWN = 60


def load_uploaded(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> list[Document]:
    """Gold documents from an uploaded BRAT ``.zip`` (one scenario.txt + .ann inside) or ``.txt`` (+ ``.ann``).

    The zip is checked and unpacked by :func:`ner.files.safe_extract` into a scratch folder
    that is gone when this returns; errors name the upload, never a server path.
    """
    from ner.brat import read_brat

    path = Path(path)
    check_upload(path, limits)
    with scratch("ner-upload-") as out:
        if path.suffix.lower() == ".zip":
            found = [p for p in sorted(safe_extract(path, out, limits, path.name))
                     if p.suffix.lower() == ".txt" and p.with_suffix(".ann").is_file()]
            if not found:
                raise ValueError(f"{path.name}: no .txt file with its .ann beside it in the archive")
            txt = found[0]
        else:
            txt = path.with_suffix(".txt")
        try:
            docs = read_brat(txt)
        except (ValueError, OSError) as exc:
            raise ValueError(redact(str(exc).replace(str(out), path.stem))) from None
    if len(docs) > limits.upload_lines:
        raise ValueError(f"{path.name}: {len(docs):,} sentences (the limit is {limits.upload_lines:,})")
    for i, doc in enumerate(docs):
        check_text(doc.text, limits.line_chars, f"{path.name}, line {i + 1}")
    return docs


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


def build(ctx, admin: gr.Textbox) -> None:
    def run(model, split, upload, kind, other, token, request: gr.Request = None):
        from ner import corpus
        from ner.checkpoints import predict_documents
        from ner.scoring import score

        try:
            gold = load_uploaded(upload, ctx.config.limits) if upload else corpus.load(_split(split))
        except (ValueError, FileNotFoundError) as exc:
            raise user_error(exc) from exc
        predictor = ctx.predictor(model, token, request)
        pred = predict_documents(predictor, gold)
        evals = {f"{split if not upload else 'upload'} · {Path(str(predictor.name)).name}": score(gold, pred)}
        if other:
            other_pred = predict_documents(ctx.predictor(other, token, request), gold)
            evals[f"… · {Path(str(other)).name}"] = score(gold, other_pred)
        credit = "" if upload else CREDIT
        return metrics_rows(evals), browse(gold, pred, kind) + credit, (gold, pred, credit)

    def refilter(kind, state):
        if not state:
            return ""
        return browse(state[0], state[1], kind) + (state[2] if len(state) > 2 else "")

    def evaluate_api(model: str, split: str = "test", admin_token: str = "", request: gr.Request = None) -> dict:
        """Official Task A and nervaluate scores of a model on ``dev``, ``test`` or ``sample``.

        The same as ``python -m ner evaluate``; other models than the listed ones need ``admin_token``.
        """
        from ner import corpus
        from ner.checkpoints import evaluate

        try:
            docs = corpus.load(_split(split))
        except (ValueError, FileNotFoundError) as exc:
            raise user_error(exc) from exc
        return evaluate(ctx.predictor(model, admin_token, request), docs)

    with gr.Row():
        split = gr.Radio(list(SPLITS), value="test", label=t("split"), elem_id="eval-split")
        upload = gr.File(label=t("upload_brat"), file_types=[".zip", ".ann", ".txt"], type="filepath")
        other = gr.Dropdown(label=t("compare_with"), choices=[], allow_custom_value=True, elem_id="eval-other")
    with gr.Row():
        kind = gr.Radio(ERROR_KINDS, value="any error", label=t("error_kind"))
        button = gr.Button(t("evaluate"), variant="primary", elem_id="eval-button")
    table = gr.Dataframe(headers=METRIC_HEADERS, interactive=False, elem_id="eval-table")
    errors = gr.HTML(elem_id="eval-errors", js_on_load=None)
    state = gr.State()

    button.click(run, [ctx.model_box, split, upload, kind, other, admin], [table, errors, state],
                 api_visibility="private")
    kind.change(refilter, [kind, state], [errors], api_visibility="private")
    other.focus(lambda: gr.Dropdown(choices=ctx.models.choices()), None, [other], api_visibility="private")
    gr.api(evaluate_api, api_name="evaluate")


def _split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    return split
