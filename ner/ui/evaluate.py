"""The Evaluate tab: a model on a split → official + nervaluate tables, an error browser, a comparison.

Everything shown follows the reader's language (labels included: Concepto, Acción, ...; scores
with a decimal comma in Spanish); the ``/evaluate`` API and the data keep the canonical English
names and plain numbers. On a phone the scores table keeps its main columns only, so that it needs
no sideways scroll (as the Analyse tab's table does), and the page scrolls to the results once
they come.

"Send these sentences to a queue" puts the sentences the error filter keeps (every page) into an
annotation queue, pre-annotated by the evaluated model, so that its errors are the next items to
correct (:meth:`ner.annotation.service.AnnotationService.send_to_queue`; the official test set
is refused there).
"""

from __future__ import annotations

import html
from pathlib import Path

import gradio as gr
import pandas as pd

from ner import corpus
from ner.annotation.intake import Sent, tidy_name
from ner.checkpoints import evaluate, predict_documents
from ner.entities import Document, Entity
from ner.errors import ERRORS, MARKS, Marked, MarkedSentence, compare_rows, mark_sentence
from ner.memory import release_memory
from ner.refusals import Refusal
from ner.scoring import score
from ner.ui.annotate import NAME_KEY
from ner.ui.common import NARROW, REFUSED, endpoint, user_error, warned
from ner.ui.i18n import language, number, say, say_in, t
from ner.ui.render import MARKS_CSS, label_name, marks_legend, render_marked
from ner.ui.results import ANNOTATED, DIFFER, Pack, Results, mask_errors, pack
from ner.uploads import read_upload

SPLITS = ("dev", "test", "sample")
LICENCE = "<a href='https://creativecommons.org/licenses/by-nc-sa/4.0/'>CC BY-NC-SA 4.0</a>"
# the error filter: canonical value → its i18n key (what is shown)
ERROR_KINDS: dict[str, str] = {"any error": "eval_any", "missing": "eval_missing", "spurious": "eval_spurious",
                               "wrong type": "eval_wrong_type", "partial": "eval_partial",
                               "all sentences": "eval_all"}
_KIND_MARK = {"missing": "missing", "spurious": "spurious", "wrong type": "incorrect", "partial": "partial"}
PAGE = 20  # sentences a page of the error browser
# after a run, the results come into view when they start low on the screen (on a phone: two screens down)
SCROLL = ("() => { const e = document.getElementById('eval-results'); "
          "if (e && e.getBoundingClientRect().top > innerHeight * 0.6) e.scrollIntoView({block: 'start'}); }")
STATE_SECONDS = 15 * 60  # how long the error browser keeps a visitor's results once computed
# a phone (see ``NARROW``): the columns kept, by position in ``eval_headers`` / ``eval_compare_headers``
NARROW_SCORES = (1, 2, 3, 4)  # type, P, R, F1
NARROW_COMPARE = (0, 3, 6, 7)  # type, F1 (A), F1 (B), Δ F1 (B − A)
NARROW_WIDTHS = ["31%", "23%", "23%", "23%"]  # Gradio's own minimum widths would overflow a phone
# the error browser's own CSS (scoped to it by Gradio): panes side by side, stacked when there is no room
CSS = """
.ner-pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 22em), 1fr)); gap: 0.2em 1.2em; }
.ner-pair > div { min-width: 0; }
.ner-pair h4 { margin: 0.3em 0 0; font-size: 0.85em; font-weight: 600;
               letter-spacing: 0.04em; color: #6b7280; }
.ner-sentence { border-bottom: 1px solid #e5e7eb; padding: 0.5em 0; }
.ner-kind { display: inline-block; padding: 0 0.5em; margin-right: 0.3em; border-radius: 0.35em;
            font-size: 0.8em; background: #fde68a; color: #222; }
.ner-m-legend { font-size: 0.9em; margin-bottom: 0.4em; }
""" + MARKS_CSS


def wanted(errors: frozenset[str] | set[str], kind: str) -> bool:
    """Whether a sentence with these marks (see :mod:`ner.errors`) passes the error filter ``kind``."""
    if kind not in ERROR_KINDS:
        raise ValueError(f"unknown kind of error {kind!r} (expected one of {', '.join(ERROR_KINDS)})")
    if kind == "all sentences":
        return True
    return bool(errors) if kind == "any error" else _KIND_MARK[kind] in errors


def _title(m: Marked, side: str, text: str, request: gr.Request | None) -> str:
    """The tooltip of one marked entity: its class, and for a wrong type or a partial match the other side."""
    if m.mark not in ("incorrect", "partial") or m.other is None:
        return say(request, f"eval_title_{m.mark}")
    gold, pred = (m.entity, m.other) if side == "gold" else (m.other, m.entity)
    lang = language(request)
    if m.mark == "incorrect":
        return say(request, "eval_title_incorrect", gold=label_name(gold.label, lang),
                   predicted=label_name(pred.label, lang))
    return say(request, "eval_title_partial", gold=gold.surface(text), predicted=pred.surface(text))


def _pane(heading: str, text: str, marks: tuple[Marked, ...] | None, entities: tuple[Entity, ...],
          side: str, request: gr.Request | None, missed: tuple[Marked, ...] = ()) -> str:
    """One titled pane: ``marks`` drawn with their classes, or (``marks=None``) ``entities`` unmarked.

    ``missed`` (gold entities marked missing) are drawn faint where nothing else lies.
    """
    lang = language(request)
    if marks is None:
        items = [(e, None, label_name(e.label, lang)) for e in entities]
    else:
        items = [(m.entity, m.mark, _title(m, side, text, request)) for m in marks]
    ghosts = [(m.entity, m.mark, _title(m, "gold", text, request)) for m in missed]
    body = render_marked(text, items, lang, say(request, "eval_hidden"), ghosts)
    return f"<div class='ner-pane-{side}'><h4>{html.escape(heading)}</h4>{body}</div>"


def _missing(marked: MarkedSentence) -> tuple[Marked, ...]:
    return tuple(m for m in marked.gold if m.mark == "missing")


def _chips(errors: frozenset[str], request: gr.Request | None, prefix: str = "") -> str:
    return "".join(f"<span class='ner-kind'>{html.escape(prefix + say(request, f'eval_chip_{mark}'))}</span>"
                   for mark in ERRORS if mark in errors)


def _legend(request: gr.Request | None) -> str:
    return marks_legend({mark: say(request, f"eval_mark_{mark}") for mark in MARKS}, language(request))


def _count(total: int, request: gr.Request | None) -> str:
    return f"<p class='ner-count'><b>{html.escape(say(request, 'eval_sentences', n=total))}</b></p>"


def _chosen(kept: Pack, kind: str) -> list[int]:
    """The sentences of a pack that the filter ``kind`` keeps (for a comparison: where A and B differ)."""
    compare = kept.columns == 3
    out = []
    for i in range(len(kept)):
        mask = kept.mask(i)
        if mask & ANNOTATED and (not compare or mask & DIFFER) and wanted(mask_errors(mask), kind):
            out.append(i)
    return out


def chosen_documents(kept: Pack, kind: str) -> list[Document]:
    """The gold sentences the error browser shows for ``kind``, on every page (in a comparison: where A and B differ).

    A ``kind`` not among :data:`ERROR_KINDS` is refused (it comes from the client).
    """
    return [row[0] for _, row in kept.sentences(_chosen(kept, _kind(kind)))]


def _kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in ERROR_KINDS:
        raise Refusal("unknown kind of error {kind!r} (expected one of {kinds})", kind=str(kind)[:100],
                      kinds=", ".join(ERROR_KINDS))
    return kind


def sent_message(sent: Sent, request: gr.Request | None = None) -> str:
    """What a send did, said to the reader: how many sentences were added and already there, who suggests."""
    text = say(request, "eval_sent", queue=sent.queue, n=sent.added, already=sent.already)
    if sent.model is not None:
        text += " " + say(request, "eval_sent_model", model=sent.model)
    return text


def pages(kept: Pack, kind: str) -> int:
    """How many pages the error browser has for ``kind`` (one at least)."""
    return max(1, -(-len(_chosen(kept, kind)) // PAGE))


def browse_page(kept: Pack, kind: str, page: int = 0, request: gr.Request | None = None) -> str:
    """One page (:data:`PAGE` sentences) of the error browser: every entity marked, gold beside the prediction(s).

    A comparison (a pack of two predictions) shows the sentences where A and B disagree:
    gold, then A's and B's entities, each pane with the gold entities it missed drawn faint.
    Only the blocks of the page's sentences are unpacked.
    """
    chosen = _chosen(kept, kind)
    last = max(0, -(-len(chosen) // PAGE) - 1)
    page = min(max(0, int(page or 0)), last)
    shown = []
    for _, row in kept.sentences(chosen[page * PAGE : (page + 1) * PAGE]):
        shown.append(_pair(row, kept.names, request) if kept.columns == 3 else _single(row, request))
    out = _legend(request)
    if kept.columns == 3:
        annotated = sum(1 for i in range(len(kept)) if kept.mask(i) & ANNOTATED)
        differ = sum(1 for i in range(len(kept)) if kept.mask(i) & ANNOTATED and kept.mask(i) & DIFFER)
        out += f"<p class='ner-disagree'>{html.escape(say(request, 'eval_disagree', n=differ, total=annotated))}</p>"
    out += _count(len(chosen), request) + "".join(shown)
    if last:
        out += f"<p class='ner-page'>{html.escape(say(request, 'eval_page', page=page + 1, pages=last + 1))}</p>"
    return out


def _single(row: tuple[Document, ...], request: gr.Request | None) -> str:
    g, p = row
    marked = mark_sentence(g, p)
    return (f"<div class='ner-sentence'><small>{html.escape(g.id)}</small> {_chips(marked.errors, request)}"
            f"<div class='ner-pair'>{_pane(say(request, 'eval_gold'), g.text, marked.gold, (), 'gold', request)}"
            f"{_pane(say(request, 'eval_predicted'), g.text, marked.predicted, (), 'pred', request)}</div></div>")


def _pair(row: tuple[Document, ...], names: tuple[str, ...], request: gr.Request | None) -> str:
    g, pa, pb = row
    a, b = mark_sentence(g, pa), mark_sentence(g, pb)
    return (f"<div class='ner-sentence'><small>{html.escape(g.id)}</small> "
            f"{_chips(a.errors, request, 'A: ')}{_chips(b.errors, request, 'B: ')}<div class='ner-pair'>"
            f"{_pane(say(request, 'eval_gold'), g.text, None, g.entities, 'gold', request)}"
            f"{_pane(f'A · {names[0]}', g.text, a.predicted, (), 'a', request, _missing(a))}"
            f"{_pane(f'B · {names[1]}', g.text, b.predicted, (), 'b', request, _missing(b))}</div></div>")


def browse(gold: list[Document], pred: list[Document], kind: str, request: gr.Request | None = None,
           page: int = 0) -> str:
    """Gold and prediction side by side for the sentences with the chosen kind of error (one page)."""
    return browse_page(pack(gold, pred, names=("",), split="", credit=False), kind, page, request)


def browse_pair(gold: list[Document], pred_a: list[Document], pred_b: list[Document], kind: str,
                names: tuple[str, str], request: gr.Request | None = None, page: int = 0) -> str:
    """The sentences where models A and B disagree (one page); ``kind`` keeps those with that error in A or B."""
    return browse_page(pack(gold, pred_a, pred_b, names=names, split="", credit=False), kind, page, request)


def score_table(name: str, result: dict, request: gr.Request | None = None, narrow: bool = False) -> pd.DataFrame:
    """One model's table: the overall row then one per type, official figures and counts, nervaluate F1s.

    ``result`` is :func:`ner.scoring.score`'s; types are shown in the reader's language, scores
    with four decimals as it writes them (``0,8111`` in Spanish). A ``narrow`` screen gets the
    type, P, R and F1 only.
    """
    lang = language(request)
    parts = [(say(request, "eval_all_types"), result["official"], result["nervaluate"])]
    parts += [(label_name(label, lang), r["official"], r["nervaluate"]) for label, r in result["per_type"].items()]
    rows = [
        [name, label, *(number(off[k], lang) for k in ("precision", "recall", "f1")),
         *(off[k] for k in ("correct", "incorrect", "partial", "missing", "spurious")),
         number(nerv["strict"]["f1"], lang), number(nerv["partial"]["f1"], lang)]
        for label, off, nerv in parts
    ]
    table = pd.DataFrame(rows, columns=say(request, "eval_headers").split("|"))
    return table.iloc[:, list(NARROW_SCORES)] if narrow else table


def compare_table(a: dict, b: dict, request: gr.Request | None = None, narrow: bool = False) -> pd.DataFrame:
    """Two models side by side: official P, R, F1 of each, per type and overall, and F1(B) − F1(A).

    A ``narrow`` screen gets the type, both F1s and their difference only, under shorter headers.
    """
    lang = language(request)
    rows = []
    for label, *figures, delta in compare_rows(a, b):
        name = say(request, "eval_all_types") if label == "all" else label_name(label, lang)
        rows.append([name, *(number(f, lang) for f in figures), number(delta, lang, signed=True)])
    if narrow:
        rows = [[row[i] for i in NARROW_COMPARE] for row in rows]
        return pd.DataFrame(rows, columns=say(request, "eval_compare_narrow_headers").split("|"))
    return pd.DataFrame(rows, columns=say(request, "eval_compare_headers").split("|"))


def _credit(request: gr.Request | None) -> str:
    return f"<p class='ner-credit'><small>{say(request, 'eval_credit', licence=LICENCE)}</small></p>"


def build(ctx, admin: gr.Textbox) -> None:
    kept = ctx.eval_results = Results(ctx.config.limits.eval_cache_bytes, STATE_SECONDS)

    def run(model, split, upload, kind, other, token, narrow=False, request: gr.Request = None):
        try:
            gold = (list(read_upload([upload], ctx.config.limits, want="gold").docs) if upload
                    else corpus.load(_split(split)))
        except (ValueError, FileNotFoundError) as exc:
            raise user_error(exc, request) from exc
        predictor = ctx.predictor(model, token, request)
        other_predictor = ctx.predictor(other, token, request) if other else None
        pred = predict_documents(predictor, gold)
        shown_split = say(request, "eval_split_upload") if upload else (
            say(request, "eval_split_sample") if split == "sample" else split)
        name = Path(str(predictor.name)).name
        if other_predictor is not None:
            second = predict_documents(other_predictor, gold)
            names = (name, Path(str(other_predictor.name)).name)
            table = compare_table(score(gold, pred), score(gold, second), request, bool(narrow))
            caption = say(request, "eval_compare_narrow_label" if narrow else "eval_compare_label", split=shown_split,
                          a=name, b=names[1])
            key = kept.put(pack(gold, pred, second, names=names, split=shown_split, credit=not upload))
        else:
            table = score_table(f"{shown_split} · {name}", score(gold, pred), request, bool(narrow))
            caption = say(request, "eval_scores_narrow" if narrow else "eval_scores_caption", split=shown_split,
                          model=name)
            key = kept.put(pack(gold, pred, names=(name,), split=shown_split, credit=not upload))
        del gold, pred  # only the compact pack stays, for every session together bounded (Results)
        release_memory()
        caption = f"<p class='ner-caption'>{html.escape(caption)}</p>"
        table = gr.Dataframe(value=table, column_widths=NARROW_WIDTHS if narrow else [])
        return (table, *show(kind, key, 0, request), key, gr.Column(visible=True), caption, model,
                tidy_name(f"errors-{name}"), "")

    def show(kind, key, page, request: gr.Request = None):
        """One page of the error browser (the pack read from the results every session shares), and its buttons."""
        found = kept.get(key)
        if found is None:
            text = "" if key is None else f"<p>{html.escape(say(request, 'eval_expired'))}</p>"
            return text, 0, gr.Row(visible=False), gr.skip(), gr.skip()
        last = pages(found, kind) - 1
        page = min(max(0, int(page or 0)), last)
        out = browse_page(found, kind, page, request) + (_credit(request) if found.credit else "")
        return (out, page, gr.Row(visible=last > 0), gr.Button(interactive=page > 0),
                gr.Button(interactive=page < last))

    def turn(step: int):
        """Page ``step`` pages on (0: the first page, for a new filter)."""
        def go(kind, key, page, request: gr.Request = None):
            return show(kind, key, (page or 0) + step if step else 0, request)
        go.__name__ = go.__qualname__ = {-1: "previous_page", 0: "first_page", 1: "next_page"}[step]
        return go

    def send(kind, key, model, queue, typed, token, request: gr.Request, profile: gr.OAuthProfile | None):
        """The sentences the filter keeps, on every page, to a queue pre-annotated by the evaluated model."""
        found = kept.get(key)
        try:
            if found is None:
                raise gr.Error(say(request, "eval_expired"))
            caller = ctx.caller(request, profile, typed, token)
            sent = ctx.annotation.send_to_queue(caller, queue, chosen_documents(found, kind), model)
        except Exception as exc:  # noqa: BLE001 (warned logs what is not a refusal)
            return warned(exc, 1, request)
        return sent_message(sent, request)

    def send_errors_to_queue(model: str, split: str = "dev", kind: str = "any error", queue: str = "",
                             annotator: str = "", admin_token: str = "", request: gr.Request = None,
                             profile: gr.OAuthProfile | None = None) -> dict:
        """Evaluate a model on ``dev`` or ``sample`` and send the sentences with ``kind`` of error to a queue.

        The queue (default ``errors-<model>``) is pre-annotated by the model; the same sentences
        sent again are not added twice. The official test set is refused. Returns ``{queue,
        added, already, model}``.
        """
        try:
            caller = ctx.caller(request, profile, annotator, admin_token)
            kind = _kind(kind)  # before predicting
            gold = corpus.load(_split(split))
            predictor = ctx.predictor(model, admin_token, request)
            pred = predict_documents(predictor, gold)
            chosen = chosen_documents(pack(gold, pred, names=("",), split=split, credit=False), kind)
            name = queue or tidy_name(f"errors-{Path(str(predictor.name)).name}")
            sent = ctx.annotation.send_to_queue(caller, name, chosen, model)
        except (*REFUSED, FileNotFoundError) as exc:
            raise user_error(exc, request) from exc
        return {"queue": sent.queue, "added": sent.added, "already": sent.already, "model": sent.model}

    def evaluate_api(model: str, split: str = "test", admin_token: str = "", request: gr.Request = None) -> dict:
        """Official Task A and nervaluate scores of a model on ``dev``, ``test`` or ``sample``.

        The same as ``python -m ner evaluate``; other models than the listed ones need ``admin_token``.
        """
        try:
            docs = corpus.load(_split(split))
        except (ValueError, FileNotFoundError) as exc:
            raise user_error(exc, request) from exc
        return evaluate(ctx.predictor(model, admin_token, request), docs)

    with gr.Row():
        split = gr.Radio([("dev", "dev"), ("test", "test"), (t("eval_sample"), "sample")], value="test",
                         label=t("split"), elem_id="eval-split")
        upload = gr.File(label=t("upload_brat"), file_types=[".zip", ".ann", ".txt"], type="filepath")
        other = gr.Dropdown(label=t("compare_with"), choices=[], allow_custom_value=True, elem_id="eval-other")
    with gr.Row():
        kind = gr.Radio([(t(key), value) for value, key in ERROR_KINDS.items()], value="any error",
                        label=t("error_kind"), elem_id="eval-kind")
        button = gr.Button(t("evaluate"), variant="primary", elem_id="eval-button")
    with gr.Column(visible=False, elem_id="eval-results") as results:  # shown once filled, in the reader's language
        caption = gr.HTML(elem_id="eval-caption")
        table = gr.Dataframe(headers=say_in("en", "eval_headers").split("|"), interactive=False,
                             elem_id="eval-table", label=t("eval_scores"), show_label=False)
        with gr.Row(elem_id="eval-send", equal_height=True):
            queue = gr.Textbox(label=t("eval_queue_name"), max_lines=1, scale=3, elem_id="eval-queue-name")
            owner = gr.Textbox(label=t("ann_annotator"), placeholder="ana", max_lines=1, scale=2,
                               visible=not ctx.config.login, elem_id="eval-annotator")
            send_button = gr.Button(t("eval_send"), scale=1, min_width=200, elem_id="eval-send-button")
        gr.Markdown(t("eval_send_help"), elem_id="eval-send-help")
        sent = gr.Markdown(elem_id="eval-sent")
    errors = gr.HTML(elem_id="eval-errors", css_template=CSS)
    with gr.Row(visible=False, elem_id="eval-pages") as nav:
        previous = gr.Button(t("eval_previous"), size="sm", scale=0, min_width=170, elem_id="eval-previous")
        following = gr.Button(t("eval_next"), size="sm", scale=0, min_width=170, elem_id="eval-next")
    key = gr.State(None)  # the session's key into the results all sessions share (a bounded cache)
    page = gr.State(0)
    narrow = gr.Checkbox(value=False, visible=False)  # set by the page (NARROW): a phone

    shown = [errors, page, nav, previous, following]
    # one evaluation at a time for the whole app: each holds its gold set and predictions in memory while it runs
    evaluated = gr.State(None)  # the model box's value when the results were computed: it suggests for a queue
    saved_name = gr.BrowserState("", storage_key=NAME_KEY, secret=NAME_KEY)  # the Annotate tab's annotator name
    button.click(run, [ctx.model_box, split, upload, kind, other, admin, narrow],
                 [table, *shown, key, results, caption, evaluated, queue, sent], js=NARROW, api_visibility="private",
                 concurrency_limit=1, concurrency_id="evaluate").then(None, js=SCROLL)
    send_button.click(send, [kind, key, evaluated, queue, owner, admin], [sent], api_visibility="private",
                      concurrency_limit=1, concurrency_id="send-to-queue")
    if not ctx.config.login:  # with a login the queue is the login's
        gr.on(None, _kept_name, [saved_name], [owner], api_visibility="private", show_progress="hidden")
    kind.change(turn(0), [kind, key, page], shown, api_visibility="private")
    previous.click(turn(-1), [kind, key, page], shown, api_visibility="private")
    following.click(turn(+1), [kind, key, page], shown, api_visibility="private")
    def other_choices(request: gr.Request = None):
        return gr.Dropdown(choices=ctx.models.choices(lang=language(request)))

    other.focus(other_choices, None, [other], api_visibility="private")
    endpoint(evaluate_api, "evaluate", concurrency_limit=1, concurrency_id="evaluate")
    endpoint(send_errors_to_queue, concurrency_limit=1, concurrency_id="evaluate")


def _kept_name(saved: str | None):
    """The annotator name this browser kept (the Annotate tab's), for the queue's owner."""
    return saved.strip() if isinstance(saved, str) and saved.strip() else gr.skip()


def _split(split: str) -> str:
    if split not in SPLITS:
        raise Refusal("unknown split {split!r} (expected one of {splits})", split=split,
                      splits=", ".join(SPLITS))
    return split
