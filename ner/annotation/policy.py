"""Who may do what with annotations: the one place the service asks.

A :class:`ner.access.Caller` comes from the web layer (a login the server verified, or the
name typed on a private machine). On a *private* deployment (no login, not public) everyone
sees every queue; with a login or in public mode (``private``), a queue an annotator made is
theirs alone (the corpus queues, with no owner, are everyone's) and nobody reads, undoes or
writes another annotator's answers; the admin may do everything, and alone may list the
annotators, read the collected answers, export, compare, review, delete and update models.
"""

from __future__ import annotations

from ner.access import Caller, Forbidden
from ner.annotation.items import check_annotator
from ner.messages import N_


def annotator(caller: Caller, private: bool, login: bool) -> str:
    """The caller's annotator name; ``Forbidden`` when this deployment needs a login and there is none."""
    if private and not caller.verified:
        if login:
            raise Forbidden("log in first: answers are saved under your login")
        raise Forbidden("annotating needs a login on this public deployment (NER_USERS or Sign in with Hugging Face)")
    return check_annotator(caller.name)


def may_see(caller: Caller, owner: str | None, private: bool) -> bool:
    """May the caller open a queue made by ``owner`` (None: a shared queue)?"""
    return not private or owner is None or caller.admin or owner == caller.name


def may_take_name(caller: Caller, owner: str | None, private: bool, name: str) -> bool:
    """May the caller add documents to an existing queue made by ``owner``?"""
    return not private or owner == name or caller.admin


def require_admin(caller: Caller, refusal: str) -> None:
    """``Forbidden(refusal)`` unless the caller has admin rights; ``refusal``: an English template marked ``N_``."""
    if not caller.admin:
        raise Forbidden(refusal)


DELETE = N_("deleting a queue needs the admin token")
ANNOTATORS = N_("the list of annotators needs the admin token")
ANSWERS = N_("reading the collected answers needs the admin token")
AGREEMENT = N_("agreement between annotators needs the admin token")
REVIEW = N_("reviewing conflicts needs the admin token")
UPDATE = N_("updating the model needs the admin token")
