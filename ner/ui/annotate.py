"""The Annotate tab: the editor and its controls; every decision is the annotation service's.

A queue is filled from an upload, pasted text or the corpus, pre-annotated by the active
model, and shown one document at a time in the :class:`ner.ui.editor.Editor`: select words,
press 1–4; click an entity, relabel or remove it; Enter accepts and moves on, X rejects,
S skips, U undoes (the editor's own server functions save those). The handlers below turn
a Gradio request into a :class:`ner.access.Caller` and call
:class:`ner.annotation.service.AnnotationService`. The annotator's name is kept in the
browser (``gr.BrowserState``) and comes back on the next visit, unless there is a login.
"""

from __future__ import annotations

import time
from pathlib import Path

import gradio as gr
import pandas as pd

from ner.access import Forbidden
from ner.annotation.intake import corpus_choices, pasted_documents, uploaded_documents
from ner.annotation.items import QueueItem
from ner.files import scratch
from ner.ui import review  # the review step, the model update, the export summary
from ner.ui.common import LOGIN_COOKIE, REFUSED, endpoint, quietly, user_error, warned
from ner.ui.editor import Editor, item_json
from ner.ui.i18n import language, number, say, say_in, t
from ner.ui.render import label_name

NAME_KEY = "ner-annotator"  # where the browser keeps the annotator's name (not a secret: the key is fixed)
AGREEMENT_HEADERS = ["label", "items", "accept_vs_reject", "correct", "incorrect", "partial", "missing", "spurious",
                     "P", "R", "F1", "kappa"]
FIGURES = ("precision", "recall", "f1", "kappa")
EXPORT_FORMATS = [("BRAT", "brat"), ("JSONL", "jsonl"), ("Hugging Face dataset", "hf"), ("CoNLL", "conll")]


def sync_line(status: dict | None, now: float, request: gr.Request | None = None) -> str:
    """The export box's Hub sync line: when the last push happened and how many answers wait for the next one."""
    if status is None:
        return ""
    if status["error"]:
        return say(request, "ann_sync_failed", error=status["error"][:200], unpushed=status["unpushed"])
    if status["last_push"] is None:
        return say(request, "ann_sync_never", unpushed=status["unpushed"])
    return say(request, "ann_sync_pushed", minutes=int(max(0, now - status["last_push"]) // 60),
               unpushed=status["unpushed"])


def item_choices(items: list[QueueItem], request=None) -> list[tuple[str, int]]:
    """The Browse dropdown's choices: ``state · name · text`` (the text cut at 80 characters), by document id.

    A reviewed item says what the review kept: ``reviewed: ben's answer kept (rejected)``.
    """
    def short(text: str) -> str:
        return text if len(text) <= 80 else text[:79] + "…"
    return [(f"{item_state(it, request)} · {it.name} · {short(it.text)}", it.doc) for it in items]


def item_state(it: QueueItem, request=None) -> str:
    """An item's state as its annotator reads it; for a reviewed one, whose answer the review kept."""
    state = say(request, "ann_status_" + it.state)
    if it.state != "reviewed":
        return state
    status = say(request, f"ann_status_{it.kept_status}")
    if it.kept_own:
        kept = say(request, "ann_kept_own", status=status)
    elif it.kept_by:
        kept = say(request, "ann_kept_other", name=it.kept_by, status=status)
    else:
        kept = say(request, "ann_kept_merged", status=status)
    return f"{state}: {kept}"


def agreement_rows(rows: list[dict]) -> list[list]:
    """The agreement table's rows (:data:`AGREEMENT_HEADERS`); P, R, F1 and kappa say n/a where they are undefined.

    ``accept_vs_reject``: the items one annotator accepted and the other rejected.
    """
    return [[r["label"], r["items"], r["accept_vs_reject"], r["correct"], r["incorrect"], r["partial"], r["missing"],
             r["spurious"], *(("n/a" if r[k] is None else round(r[k], 3)) for k in FIGURES)] for r in rows]


def agreement_table(rows: list[list], lang: str = "en") -> pd.DataFrame:
    """The agreement table as the page shows it: headers, labels, P, R and F1 in ``lang`` (``0,667``, ``n/d``).

    ``rows`` are :func:`agreement_rows`'; the ``/annotator_agreement`` API returns those as they are.
    """
    totals = {"overall": say_in(lang, "agree_overall"), "relations": say_in(lang, "agree_relations")}
    unavailable = say_in(lang, "not_available")
    counts = len(AGREEMENT_HEADERS) - len(FIGURES)
    shown = [[totals.get(r[0]) or label_name(r[0], lang), *r[1:counts],
              *(unavailable if x == "n/a" else number(x, lang, 3) for x in r[counts:])] for r in rows]
    return pd.DataFrame(shown, columns=say_in(lang, "agree_headers").split("|"))


def cookie_js(clear: bool = False) -> str:
    """The page's side of a sign-in: the pass written to (or removed from) :data:`LOGIN_COOKIE`.

    Over HTTPS (a Space, shown in an iframe) the cookie is ``SameSite=None; Secure; Partitioned``;
    over plain HTTP (a local run) ``SameSite=Lax``. It lives as long as the pass (12 hours).
    """
    value = "" if clear else "${p}"
    age = 0 if clear else 12 * 3600
    return ("(p) => { const s = location.protocol === 'https:' ? '; Secure; SameSite=None; Partitioned' : "
            f"'; SameSite=Lax'; if ({'true' if clear else 'p'}) document.cookie = "
            f"`{LOGIN_COOKIE}={value}; path=/; max-age={age}` + s; return []; }}")


def build(ctx, admin) -> None:
    """The Annotate tab; ``admin`` is the admin-token box that gates exports."""
    gr.Markdown(t("ann_intro"), elem_classes="ann-intro-keys")
    gr.Markdown(t("ann_intro_touch"), elem_classes="ann-intro-touch")
    signing = _sign_in_row() if ctx.config.users else None
    with gr.Row():
        annotator = gr.Textbox(label=t("ann_annotator"), placeholder="ana", scale=2, elem_id="ann-annotator",
                               max_lines=1)
        choices = corpus_choices()
        queue = gr.Dropdown(label=t("ann_queue"), choices=choices, value=choices[0][1] if choices else None,
                            scale=3, elem_id="ann-queue")
        order = gr.Radio([(t("ann_order_position"), "position"), (t("ann_order_uncertain"), "uncertain")],
                         value="position", label=t("ann_order"), scale=2, elem_id="ann-order")
        load = gr.Button(t("ann_load"), variant="primary", scale=1, elem_id="ann-load")
    with gr.Accordion(t("ann_add"), open=False, elem_id="ann-add") as add_box:
        with gr.Row():
            files = gr.File(label=t("ann_upload"), file_count="multiple", file_types=[".txt", ".ann", ".zip"],
                            type="filepath", elem_id="ann-files")
            pasted = gr.Textbox(label=t("ann_paste"), lines=5, max_lines=12, elem_id="ann-paste")
        with gr.Row():
            new_name = gr.Textbox(label=t("ann_queue_name"), placeholder="pasted", max_lines=1, scale=3,
                                  elem_id="ann-queue-name")
            add = gr.Button(t("ann_add_button"), scale=1, elem_id="ann-add-button")
    saved_name = gr.BrowserState("", storage_key=NAME_KEY, secret=NAME_KEY)
    with gr.Accordion(t("ann_browse"), open=False, elem_id="ann-browse") as browse_box:
        with gr.Row():
            search = gr.Textbox(label=t("ann_search"), max_lines=1, scale=1, elem_id="ann-search")
            items = gr.Dropdown(label=t("ann_items"), choices=[], scale=3, elem_id="ann-items")
    browse_open = gr.State(False)  # the Browse list is refreshed after each answer only while it is open
    editor = Editor(ctx, elem_id="ann-editor")
    with gr.Accordion(t("ann_export"), open=False, elem_id="ann-export") as export_box:
        with gr.Row():
            formats = gr.CheckboxGroup(EXPORT_FORMATS, value=[v for _, v in EXPORT_FORMATS], label=t("ann_formats"),
                                       scale=3)
            only_queue = gr.Dropdown(label=t("ann_export_queue"), choices=[("all", "")] + choices, value="", scale=2,
                                     allow_custom_value=True)
            only_annotator = gr.Textbox(label=t("ann_export_annotator"), placeholder="all", max_lines=1, scale=2)
            export = gr.Button(t("ann_export_button"), scale=1, elem_id="ann-export-button")
        archive = gr.File(label=t("ann_archive"), interactive=False, elem_id="ann-archive")
        summary = gr.Markdown(elem_id="ann-export-summary")  # what each format kept (review.export_summary)
        hub_sync = gr.Markdown(elem_id="ann-hub-sync", visible=ctx.annotation.sync_status() is not None)
        with gr.Row():
            first = gr.Dropdown(label=t("ann_first"), choices=[], allow_custom_value=True, scale=2)
            second = gr.Dropdown(label=t("ann_second"), choices=[], allow_custom_value=True, scale=2)
            compare = gr.Button(t("ann_compare"), scale=1, elem_id="ann-compare")
        table = gr.Dataframe(headers=AGREEMENT_HEADERS, interactive=False, elem_id="ann-agreement",
                             visible=False)  # shown by Compare, with headers in the reader's language
        with gr.Row():
            delete = gr.Button(t("ann_delete"), variant="stop", size="sm", scale=1, elem_id="ann-delete")
            deleted = gr.Markdown(elem_id="ann-deleted")

    service = ctx.annotation

    def refresh(current: str | None = None, caller=None):
        found = service.queue_choices(caller or ctx.caller(None))
        value = current if current in {v for _, v in found} else (found[0][1] if found else None)
        return gr.Dropdown(choices=found, value=value)

    def on_load(queue_name, name, how, model, request: gr.Request, profile: gr.OAuthProfile | None,
                progress=gr.Progress()):  # noqa: B008 (Gradio reads the default)
        caller = ctx.caller(request, profile, name)
        try:
            value = service.open_queue(caller, queue_name, how, model,
                                       on_progress=lambda done, total: progress(done / total, desc="pre-annotating"))
        except Exception as exc:  # noqa: BLE001 (warned logs what is not a refusal)
            return warned(exc, 2, request)
        return editor.dressed(value, request, how, model, caller), refresh(value.queue, caller)

    def on_add(paths, text, queue_name, name, how, model, request: gr.Request, profile: gr.OAuthProfile | None,
               progress=gr.Progress()):  # noqa: B008
        caller = ctx.caller(request, profile, name)
        try:
            service.annotator(caller)
            limits = service.limits
            new = uploaded_documents(paths, queue_name, limits) if paths else pasted_documents(text, queue_name, limits)
            value = service.open_queue(caller, new.queue, how, model, new=new,
                                       on_progress=lambda done, total: progress(done / total, desc="pre-annotating"))
        except Exception as exc:  # noqa: BLE001 (warned logs what is not a refusal)
            return warned(exc, 5, request)
        return (editor.dressed(value, request, how, model, caller), refresh(value.queue, caller), None, "",
                gr.Accordion(open=False))

    def on_browse(queue_name, text, name, request: gr.Request, profile: gr.OAuthProfile | None, quiet=False):
        """The Browse list of the queue chosen above, filtered by ``text``."""
        try:
            found = service.items(ctx.caller(request, profile, name), queue_name, text or "")
        except Exception as exc:  # noqa: BLE001 (warned logs what is not a refusal)
            return gr.skip() if quiet else warned(exc, 1, request)
        if not found and (text or "").strip() and not quiet:  # said once, on the search itself
            gr.Info(say(request, "ann_browse_none"))
        return gr.Dropdown(choices=item_choices(found, request), value=None)

    def relist(queue_name, text, name, request: gr.Request, profile: gr.OAuthProfile | None):
        """The Browse list again after a Load or Add (their refusal was said already)."""
        return on_browse(queue_name, text, name, request, profile, quiet=True)

    def relist_open(is_open, queue_name, text, name, request: gr.Request, profile: gr.OAuthProfile | None):
        """The Browse list again after an answer or an undo, if it is open (closed: no query, no update)."""
        return on_browse(queue_name, text, name, request, profile, quiet=True) if is_open else gr.skip()

    def on_open(doc, queue_name, name, how, model, request: gr.Request, profile: gr.OAuthProfile | None):
        """The editor on the item chosen in Browse."""
        if doc is None:
            return gr.skip()
        caller = ctx.caller(request, profile, name)
        try:
            value = service.open_item(caller, queue_name, doc, model)
        except Exception as exc:  # noqa: BLE001 (warned logs what is not a refusal)
            return warned(exc, 1, request)
        return editor.dressed(value, request, how, model, caller)

    def on_export(token, kinds, queue_name, name, request: gr.Request):
        """A generator: its scratch folder is removed once Gradio has copied the archive out."""
        caller = ctx.caller(request, token=token)
        with scratch("ner-export-") as out:
            try:
                archive = service.export(caller, out, kinds, queue_name, name)
            except REFUSED as exc:
                raise user_error(exc, request) from exc
            yield str(archive)

    def on_compare(token, a, b, queue_name, request: gr.Request):
        try:
            return agreement_rows(service.agreement(ctx.caller(request, token=token), a, b, queue_name))
        except REFUSED as exc:
            raise user_error(exc, request) from exc

    def on_delete(token, queue_name, request: gr.Request):
        caller = ctx.caller(request, token=token)
        if not queue_name:
            raise gr.Error(say(request, "ann_delete_which"))
        try:
            service.delete_queue(caller, queue_name)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        return say(request, "ann_deleted", queue=queue_name)

    def quiet_export(token, kinds, queue_name, name, request: gr.Request):
        """The archive and what each format kept, read from the archive just written (never a client's path)."""
        try:
            for archive in on_export(token, kinds, queue_name, name, request):
                yield archive, review.export_summary(Path(archive), request)
        except gr.Error as exc:
            yield warned(exc, 2, request)

    def quiet_compare(token, a, b, queue_name, request: gr.Request):
        try:
            rows = on_compare(token, a, b, queue_name, request)
            return gr.Dataframe(value=agreement_table(rows, language(request)), visible=True)
        except gr.Error as exc:
            return warned(exc, 1, request)

    def after_delete(current, request: gr.Request, profile: gr.OAuthProfile | None):
        return refresh(current, ctx.caller(request, profile))

    def relisted(request: gr.Request, profile: gr.OAuthProfile | None):
        """The queues again as the list opens (one sent from the Evaluate tab meanwhile); the choice is left alone."""
        return gr.Dropdown(choices=service.queue_choices(ctx.caller(request, profile)))

    def annotators(token, request: gr.Request):
        caller = ctx.caller(request, token=token)
        try:
            people = service.annotators(caller)
        except Forbidden:
            people = []
        return (gr.Dropdown(choices=people, value=people[0] if people else None),
                gr.Dropdown(choices=people, value=people[1] if len(people) > 1 else None),
                gr.Dropdown(choices=[("all", "")] + service.queue_choices(caller)))

    load.click(on_load, [queue, annotator, order, ctx.model_box], [editor, queue], api_visibility="private").then(
        relist, [queue, search, annotator], [items], api_visibility="private", show_progress="hidden")
    add.click(on_add, [files, pasted, new_name, annotator, order, ctx.model_box],
              [editor, queue, files, pasted, add_box], api_visibility="private").then(
        relist, [queue, search, annotator], [items], api_visibility="private", show_progress="hidden")
    if not ctx.config.login:  # with a login the name is the login's, nothing to keep
        annotator.change(_keep_name, [annotator, saved_name], [saved_name], api_visibility="private",
                         show_progress="hidden")
    # the page shows refusals as popups only; the API endpoints (no trigger) raise them to the client
    compare.click(quiet_compare, [admin, first, second, only_queue], [table], api_visibility="private")
    delete.click(quietly(on_delete), [admin, only_queue], [deleted], api_visibility="private").success(
        after_delete, [queue], [queue], api_visibility="private")
    endpoint(on_export, "export_corrections", [admin, formats, only_queue, only_annotator], [archive])
    endpoint(on_compare, "annotator_agreement", [admin, first, second, only_queue], [table])
    endpoint(on_delete, "delete_queue", [admin, only_queue], [deleted])
    queue.focus(relisted, None, [queue], api_visibility="private", show_progress="hidden")
    browsed = [queue, search, annotator]
    browse_box.expand(on_browse, browsed, [items], api_visibility="private", show_progress="hidden")
    browse_box.expand(_opened, None, [browse_open], api_visibility="private", show_progress="hidden", queue=False)
    browse_box.collapse(_closed, None, [browse_open], api_visibility="private", show_progress="hidden", queue=False)
    editor.answered(relist_open, [browse_open, *browsed], [items], api_visibility="private", show_progress="hidden",
                    trigger_mode="always_last")
    search.submit(on_browse, browsed, [items], api_visibility="private", show_progress="hidden")
    items.input(on_open, [items, queue, annotator, order, ctx.model_box], [editor], api_visibility="private")
    def on_sync(request: gr.Request):
        return sync_line(service.sync_status(), time.time(), request)

    export_box.expand(on_sync, None, [hub_sync], api_visibility="private")
    export_box.expand(annotators, [admin], [first, second, only_queue], api_visibility="private")
    review.build(ctx, admin, queue)
    export.click(quiet_export, [admin, formats, only_queue, only_annotator], [archive, summary],
                 api_visibility="private")
    _register_api(ctx)
    _register_identity(ctx, annotator, saved_name, queue, editor, refresh, signing)


def _opened() -> bool:
    return True


def _closed() -> bool:
    return False


def _keep_name(name: str | None, saved: str | None):
    """What the browser keeps of the Annotator box (nothing new: no write)."""
    name = (name or "").strip()
    return name if name and name != saved else gr.skip()


def _sign_in_row() -> dict:
    """The ``NER_USERS`` sign-in: name, password and button; once signed in, who and "Sign out"."""
    with gr.Row(elem_id="ann-sign-in", equal_height=True) as row:
        gr.Markdown(t("login_message"), elem_id="ann-sign-in-text")
        name = gr.Textbox(label=t("sign_in_name"), max_lines=1, scale=1, elem_id="sign-in-name")
        password = gr.Textbox(label=t("sign_in_password"), type="password", max_lines=1, scale=1,
                              elem_id="sign-in-password")
        button = gr.Button(t("sign_in"), variant="primary", scale=0, elem_id="sign-in-button")
    with gr.Row(elem_id="ann-signed-in", visible=False, equal_height=True) as signed:
        who = gr.Markdown(elem_id="ann-signed-in-as")
        out = gr.Button(t("sign_out"), size="sm", scale=0, elem_id="sign-out-button")
    pass_box = gr.Textbox(visible=False)  # the new pass, on its way to the page's cookie
    return {"row": row, "name": name, "password": password, "button": button, "signed": signed, "who": who,
            "out": out, "pass": pass_box}


def _register_identity(ctx, annotator, saved_name, queue, editor, refresh, signing: dict | None) -> None:
    """On page load: the annotator's name, the queues this person may open, the editor in their language.

    The name is the login's when there is one (and can't be edited); else ``?annotator=``, else
    the one this browser kept. With ``NER_USERS`` the tab offers a sign-in (``signing``, from
    :func:`_sign_in_row`); the other tabs need none.
    """

    def signed_in(name: str | None, request) -> tuple:
        """The sign-in and signed-in rows for ``name`` (None: not signed in)."""
        if signing is None:
            return ()
        return (gr.Row(visible=not name), gr.Row(visible=bool(name)),
                say(request, "signed_in_as", name=name) if name else "")

    def who(saved: str | None, request: gr.Request, profile: gr.OAuthProfile | None):
        caller = ctx.caller(request, profile)
        if ctx.config.login:
            name = gr.Textbox(value=caller.name or "", interactive=False)
        else:
            typed = (request.query_params.get("annotator") if request else None) or saved or ""
            name = typed.strip() if isinstance(typed, str) and typed.strip() else gr.skip()
        return name, refresh(None, caller), editor.empty(request), *signed_in(caller.name, request)

    shown = [signing["row"], signing["signed"], signing["who"]] if signing else []
    gr.on(None, who, [saved_name], [annotator, queue, editor, *shown], api_visibility="private")
    if signing is None:
        return

    def sign_in(name: str | None, password: str | None, request: gr.Request):
        """The pass of a login, for scripts (``/sign_in``): send it as the ``ner-pass`` cookie."""
        return ctx.sign_in(name, password, request)[1]

    def on_sign_in(name: str | None, password: str | None, request: gr.Request):
        try:
            _, pass_ = ctx.sign_in(name, password, request)
        except gr.Error as exc:
            return warned(exc, 2, request)
        return pass_, ""

    def after(request: gr.Request, profile: gr.OAuthProfile | None):
        """The tab once the cookie is written or removed: the name, the queues, the rows."""
        caller = ctx.caller(request, profile)
        return (gr.Textbox(value=caller.name or "", interactive=False), refresh(None, caller), editor.empty(request),
                *signed_in(caller.name, request))

    endpoint(sign_in, "sign_in", [signing["name"], signing["password"]], [signing["pass"]])
    filled = [annotator, queue, editor, *shown]
    for trigger in (signing["button"].click, signing["password"].submit):
        trigger(on_sign_in, [signing["name"], signing["password"]], [signing["pass"], signing["password"]],
                api_visibility="private").then(None, [signing["pass"]], None, js=cookie_js()).then(
            after, None, filled, api_visibility="private")
    signing["out"].click(None, None, None, js=cookie_js(clear=True)).then(after, None, filled,
                                                                          api_visibility="private")


def _register_api(ctx) -> None:
    """Typed endpoints for scripts and ``gradio_client``: the same calls the editor makes.

    With a login, ``annotator`` may be left empty: the server uses the logged-in name (and
    refuses another one).
    """
    service = ctx.annotation

    def load_queue(queue: str, annotator: str = "", texts: str = "", order: str = "position", model: str = "",
                   request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        """Open a queue and pre-annotate it with the model; the first item to annotate.

        ``queue``: ``scenario1-unannotated``, ``scenario4-unannotated``, ``sample``, a queue
        already stored, or a new queue name with ``texts`` (one document per line). Items
        are ``{doc, name, queue, text, entities: [{label, start, end, text, fragments,
        score}], suggestion, model, progress, finished, credit}``.
        """
        caller = ctx.caller(request, profile, annotator)
        try:
            service.annotator(caller)
            new = pasted_documents(texts, queue, service.limits) if isinstance(texts, str) and texts.strip() else None
            return item_json(service.open_queue(caller, queue, order, model or None, new=new))
        except REFUSED as exc:
            raise user_error(exc, request) from exc

    def next_item(queue: str, annotator: str = "", order: str = "position", model: str = "",
                  request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        """The next unanswered item of a queue for this annotator (``finished`` when none is left)."""
        try:
            return item_json(service.next_item(ctx.caller(request, profile, annotator), queue, order, model or None))
        except REFUSED as exc:
            raise user_error(exc, request) from exc

    def save_answer(doc: int, annotator: str, status: str, entities: list[dict], queue: str = "",
                    order: str = "position", model: str = "", relations: list[dict] | None = None,
                    request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        """Save an answer (``accept``, ``reject`` or ``skip``) with its entities; ``{answer, next}``.

        Entities: ``{label, fragments}``, ``{label, start, end}`` or ``{label, spans}``
        (character offsets, half-open); they must start and end on word boundaries.
        ``relations``: ``{type, from, to}`` with ``from``/``to`` indexes into ``entities``
        (types: is-a, same-as, part-of, has-property, causes, entails, in-time, in-place,
        in-context, subject, target, domain, arg). ``next`` comes from ``queue`` (empty: the
        document's own queue), in ``order``; items carry their ``relations`` the same way.
        """
        try:
            out = service.save(ctx.caller(request, profile, annotator), doc, status, entities, queue, order,
                               model or None, relations)
            return {"answer": out.answer, "next": item_json(out.next)}
        except REFUSED as exc:
            raise user_error(exc, request) from exc

    def undo_answer(queue: str, annotator: str = "", request: gr.Request = None,
                    profile: gr.OAuthProfile | None = None) -> dict:
        """Undo the annotator's last answer in the queue; that item again, with the answer's entities."""
        try:
            value = service.undo(ctx.caller(request, profile, annotator), queue)
        except REFUSED as exc:
            raise user_error(exc, request) from exc
        if value is None:
            raise gr.Error(say(request, "ann_msg_nothing_to_undo"))
        return item_json(value)

    def queue_progress(queue: str, annotator: str = "", request: gr.Request = None,
                       profile: gr.OAuthProfile | None = None) -> dict:
        """``{total, done, remaining, accepted, rejected, skipped, preannotating}`` of an annotator in a queue."""
        try:
            return service.progress(ctx.caller(request, profile, annotator), queue).as_dict()
        except REFUSED as exc:
            raise user_error(exc, request) from exc

    for fn in (load_queue, next_item, save_answer, undo_answer, queue_progress):
        endpoint(fn)
