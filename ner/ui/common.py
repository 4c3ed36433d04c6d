"""What the tabs share: the app's context (typed) and how a refusal reaches the page.

The tabs import this module, never :mod:`ner.ui.app` (which builds the app from the tabs).
Handlers catch :data:`REFUSED`, the caller's mistakes (the project's refusals, said in the
reader's language, and input that breaks a rule); anything else is a bug of the server: it is
logged with its traceback and the page says only that something went wrong.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import gradio as gr

from ner.access import AdminGate, Caller, Forbidden, Logins, Passes
from ner.annotation.service import AnnotationService
from ner.files import redact
from ner.jobs import TrainingJobs
from ner.models import ModelNotAllowed, Models, NoModelYet, NoSuchCheckpoint
from ner.refusals import USER_ERRORS
from ner.settings import Settings
from ner.ui.i18n import refused, say
from ner.ui.results import Results

log = logging.getLogger(__name__)
REFUSED: tuple[type[BaseException], ...] = USER_ERRORS  # the caller's mistakes, shown to them
# The page tells the server whether the screen is narrow (a phone), so that the table can drop a column.
NARROW = "(...inputs) => [...inputs.slice(0, -1), window.innerWidth <= 500]"
LOGIN_COOKIE = "ner-pass"  # the signed pass of an NER_USERS login (ner.access.Passes), set by the page


@dataclass
class AppContext:
    """What the tabs share: the settings, the models, the training jobs, the annotation service, the admin gate."""

    config: Settings
    models: Models
    jobs: TrainingJobs
    annotation: AnnotationService
    gate: AdminGate
    model_box: gr.Dropdown | None = None
    eval_results: Results | None = None  # the Evaluate tab's results of every session
    passes: Passes | None = None  # the signed names of NER_USERS logins; made from the database's secret

    def __post_init__(self) -> None:
        if self.passes is None:  # every replica on the database verifies every pass
            self.passes = Passes(lambda: self.annotation.store().secret("annotator-pass"))
        self.logins = Logins(self.config.users)

    def sign_in(self, name: str | None, password: str | None, request: gr.Request | None = None) -> tuple[str, str]:
        """``(name, pass)`` of an ``NER_USERS`` login; a visible error for a wrong one (slowed down)."""
        try:
            who = self.logins.check(name, password, _client(request))
        except Forbidden as exc:
            raise user_error(exc, request) from exc
        assert self.passes is not None
        return who, self.passes.issue(who)

    def check_admin(self, token: str | None, request: gr.Request | None = None) -> None:
        """Raise a visible error unless ``token`` grants admin rights (see :class:`ner.access.AdminGate`)."""
        try:
            self.gate.check(token, _client(request))
        except Forbidden as exc:
            raise user_error(exc, request) from exc

    def is_admin(self, token: str | None, request: gr.Request | None = None) -> bool:
        """Admin rights: none without a token; a wrong token is an error (and counts against the client)."""
        if self.gate.open:
            return True
        if not token:
            return False
        self.check_admin(token, request)
        return True

    def caller(self, request: gr.Request | None, profile=None, typed: str | None = None,
               token: str | None = None) -> Caller:
        """Who is calling, from what the server knows: the login, else the typed name.

        The login is the signed pass in the request's :data:`LOGIN_COOKIE` (``NER_USERS``, see
        :meth:`sign_in`) or the Hugging Face profile. With a login the name sent by the client is
        never trusted: a different one is refused. ``request`` is an event's or a server
        function's (a bare HTTP request).
        """
        admin = self.is_admin(token, request)
        if not self.config.login:
            return Caller(typed, admin=admin)
        if self.config.users:
            assert self.passes is not None
            name = self.passes.name(login_pass(request))
        else:
            name = getattr(profile, "username", None)
        typed = (typed or "").strip() if isinstance(typed, str) else ""
        if name and typed and typed != name:
            raise gr.Error(say(request, "logged_in_as", name=name))
        return Caller(name, admin=admin, verified=bool(name))

    def predictor(self, model: str | None, token: str | None = None, request: gr.Request | None = None):
        """The chosen model, loaded (a model the caller may not load is a visible error)."""
        try:
            return self.models.get(model, admin=self.is_admin(token, request))
        except ValueError as exc:  # no model, not allowed, bad checkpoint, hub unreachable
            raise model_error(exc, request) from exc


def warned(exc: BaseException, outputs: int = 1, request: gr.Request | None = None):
    """A refused request as a popup only: ``gr.Warning`` and no output changed (``gr.Error`` would mark them all).

    The buttons' handlers use it; the API endpoints raise, so that scripts get an error. A
    library refusal is said in the request's language (:func:`ner.ui.i18n.refused`); any other
    exception is the server's: logged, and said as such (:func:`server_error`).
    """
    text = refused(request, exc) if isinstance(exc, (*REFUSED, gr.Error)) else str(server_error(exc, request))
    gr.Warning(redact(text))
    return gr.skip() if outputs == 1 else tuple(gr.skip() for _ in range(outputs))


def server_error(exc: BaseException, request: gr.Request | None = None) -> gr.Error:
    """An unexpected exception: logged with its traceback; the page is told only that something went wrong."""
    log.error("unexpected error in a handler", exc_info=exc)
    return gr.Error(say(request, "server_error"))


def quietly(fn, outputs: int = 1):
    """``fn`` for a button: its refusal (``gr.Error``) becomes a popup that changes none of its ``outputs``.

    The API endpoint keeps ``fn`` itself, so that scripts get the error. ``functools.wraps`` keeps
    the signature Gradio reads to pass ``request``.
    """

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error as exc:  # said in the reader's language already
            return warned(exc, outputs)

    run.__name__ = run.__qualname__ = f"{fn.__name__}_quietly"  # its endpoint's name: not the API's own
    return run


def endpoint(fn, name: str | None = None, inputs=None, outputs=None, **kwargs) -> None:
    """Make ``fn`` the public API endpoint ``/<name>`` (default: its own name): the one way the app makes one.

    Without ``inputs`` it is a typed function of plain values (``gr.api``: its signature and
    docstring are the API's). With the page's ``inputs`` and ``outputs`` (an HTML rendering, a
    file to download) it is bound to those components with no trigger, so a script calls exactly
    what the page calls. Either way a refusal reaches the script as an error.
    """
    name = name or fn.__name__
    if inputs is None:
        gr.api(fn, api_name=name, **kwargs)
    else:
        gr.on([], fn, inputs, outputs, api_name=name, **kwargs)


def bound(trigger, fn, inputs, outputs, name: str, quiet: bool = True, **kwargs) -> None:
    """A button (``trigger``: e.g. ``button.click``) runs ``fn``, and ``fn`` is also the API endpoint ``/<name>``.

    ``quiet``: the button's refusals are popups that change none of its outputs (:func:`quietly`);
    otherwise they show as errors on them. The page's own event stays out of the API.
    """
    n = len(outputs) if isinstance(outputs, list | tuple) else 1
    trigger(quietly(fn, n) if quiet else fn, inputs, outputs, api_visibility="private", **kwargs)
    endpoint(fn, name, inputs, outputs, **{k: v for k, v in kwargs.items() if k.startswith("concurrency")})


def user_error(exc: BaseException | str, request: gr.Request | None = None) -> gr.Error:
    """A visible error saying what was wrong with the input, in the request's language, never a server path."""
    return gr.Error(redact(exc if isinstance(exc, str) else refused(request, exc)))


def model_error(exc: BaseException, request: gr.Request | None = None) -> gr.Error:
    """A visible error for a model that cannot be used, in the request's language; a typo lists the checkpoints."""
    if isinstance(exc, NoModelYet):
        return gr.Error(say(request, "no_model_yet"))
    names = ", ".join(getattr(exc, "available", ())[:10]) or say(request, "none_yet")
    if isinstance(exc, NoSuchCheckpoint):
        return gr.Error(say(request, "no_such_checkpoint", model=redact(exc.model), names=names))
    if isinstance(exc, ModelNotAllowed):
        return gr.Error(say(request, "model_not_allowed", names=names))
    return user_error(exc, request)


def login_pass(request) -> str | None:
    """The pass in a request's :data:`LOGIN_COOKIE`, if any (an event's ``gr.Request`` or a bare HTTP request)."""
    try:
        value = dict(getattr(request, "cookies", None) or {}).get(LOGIN_COOKIE)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, str) else None


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")
