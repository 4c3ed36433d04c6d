"""Who is calling and what they may do: the admin token (constant-time, throttled) and the caller.

A :class:`Caller` is made by the web layer from what the *server* knows (the login, the
token) and handed to the services, which decide. Wrong admin tokens from one client are
slowed down: after ``free`` failures, each new one locks that client out for twice as long
(up to ``max_lock`` seconds), during which no token from it is even compared. The same
holds for all clients together after ten times as many failures, so that changing one's
address (or a forged ``X-Forwarded-For``) does not buy more guesses.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from itsdangerous import BadData, URLSafeTimedSerializer

from ner.refusals import Keyed

_EVERYONE = "\0all"  # the key of the failures of all clients together (a client address never looks like it)


class Forbidden(Keyed, PermissionError):
    """The caller may not do this; the message says what would allow it (English and its values: ner.refusals)."""


@dataclass(frozen=True)
class Caller:
    """A request's identity: the annotator (verified by a login when ``verified``) and admin rights."""

    name: str | None = None
    admin: bool = False
    verified: bool = False


class Throttle:
    """Slows down wrong secrets: remembers recent failures per client (at most ``clients`` of them) and for
    all clients together, each count forgotten ``forget`` seconds after its last lock ended."""

    def __init__(self, free: int = 3, max_lock: float = 300.0, clients: int = 10_000, forget: float = 900.0):
        self.free, self.max_lock, self.clients = free, max_lock, clients
        self.forget = forget  # seconds without a wrong secret after which a count starts again at zero
        self._failures: LRUCache[str, tuple[int, float]] = LRUCache(clients + 1)  # + the count of all clients
        self._lock = threading.Lock()

    def _keys(self, client: str) -> tuple[tuple[str, int], ...]:
        return (client, self.free), (_EVERYONE, self.free * 10)  # per client, and for all clients together

    def wait(self, client: str) -> float:
        """Seconds ``client`` (or every client) is still locked out for; 0 when it may try."""
        now = time.monotonic()
        with self._lock:
            until = max(self._failures.get(key, (0, 0.0))[1] for key, _ in self._keys(client))
        return max(0.0, until - now)

    def passed(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, free in self._keys(client):
                count, until = self._failures.get(key, (0, 0.0))
                count = 1 if now - until > self.forget else count + 1  # old typos are forgotten
                lock = min(2.0 ** (count - free), self.max_lock) if count >= free else 0.0
                self._failures[key] = (count, now + lock)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two strings (any characters)."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


class AdminGate:
    """Checks admin tokens, wrong ones slowed down by a :class:`Throttle` (its arguments: ``free``, ...)."""

    def __init__(self, token: str | None, public: bool, free: int = 3, max_lock: float = 300.0,
                 clients: int = 10_000, forget: float = 900.0):
        self.token = token
        self.public = public
        self.throttle = Throttle(free, max_lock, clients, forget)

    @property
    def open(self) -> bool:
        """No token configured on a private deployment: everyone is admin."""
        return self.token is None and not self.public

    def is_admin(self, token: str | None, client: str = "") -> bool:
        """Whether ``token`` grants admin rights; a wrong one counts against ``client``."""
        try:
            self.check(token, client)
        except Forbidden:
            return False
        return True

    def check(self, token: str | None, client: str = "") -> None:
        """``Forbidden`` unless ``token`` is the admin token (or the deployment has none and is private)."""
        if self.open:
            return
        if self.token is None:
            raise Forbidden("admin actions are off on this public deployment (it has no NER_ADMIN_TOKEN)")
        given = token if isinstance(token, str) else ""
        if not given:
            raise Forbidden("this needs the admin token (NER_ADMIN_TOKEN) of this deployment")
        if locked := self.throttle.wait(client):
            raise Forbidden("too many wrong admin tokens: try again in {seconds} s", seconds=math.ceil(locked))
        if same_secret(given, self.token):
            self.throttle.passed(client)
            return
        self.throttle.failed(client)
        raise Forbidden("wrong admin token")


class Logins:
    """The ``NER_USERS`` logins: ``check(name, password, client)`` is the name, or ``Forbidden``.

    Wrong passwords are slowed down by a :class:`Throttle`, as admin tokens are; an unknown name
    costs the same comparison as a known one, so that timing does not tell names apart.
    """

    def __init__(self, users: tuple[tuple[str, str], ...], throttle: Throttle | None = None):
        self.users = dict(users)
        self.throttle = throttle or Throttle()

    def check(self, name: str | None, password: str | None, client: str = "") -> str:
        name = name.strip() if isinstance(name, str) else ""
        given = password if isinstance(password, str) else ""
        if not name or not given:
            raise Forbidden("type your name and password to sign in")
        if locked := self.throttle.wait(client):
            raise Forbidden("too many wrong passwords: try again in {seconds} s", seconds=math.ceil(locked))
        expected = self.users.get(name)
        if same_secret(given, expected if expected is not None else secrets.token_hex(16)) and expected is not None:
            self.throttle.passed(client)
            return name
        self.throttle.failed(client)
        raise Forbidden("wrong name or password")


class Passes:
    """Signed, timed annotator names: ``issue(name)`` gives a pass, ``name(pass)`` the name, or None unless it
    verifies and is younger than ``max_age`` seconds (itsdangerous' timed serializer, HMAC-SHA1 over the name and time).

    Gradio gives a component's server functions no login name, so the editor carries the name
    that an event verified as a pass signed with ``key`` (see ner.ui.editor): the app's is kept in
    its database (:meth:`ner.store.Store.secret`), so every replica on the database verifies every
    pass, and a pass outlives a restart but not ``max_age``.
    """

    def __init__(self, key: bytes | Callable[[], bytes] | None = None, max_age: float = 12 * 3600):
        self._key = key or secrets.token_bytes(32)  # a function: the key is read at the first use (a database's)
        self._made: URLSafeTimedSerializer | None = None
        self.max_age = max_age

    @property
    def _serializer(self) -> URLSafeTimedSerializer:
        if self._made is None:
            key = self._key() if callable(self._key) else self._key
            self._made = URLSafeTimedSerializer(key, salt="ner-annotator-pass")
        return self._made

    def issue(self, name: str) -> str:
        return self._serializer.dumps(name)

    def name(self, token: Any) -> str | None:
        if not isinstance(token, str) or len(token) > 1000:
            return None
        try:
            name = self._serializer.loads(token, max_age=int(self.max_age))
        except BadData:
            return None
        return name if isinstance(name, str) else None
