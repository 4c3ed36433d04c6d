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
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

_EVERYONE = "\0all"  # the key of the failures of all clients together (a client address never looks like it)


class Forbidden(PermissionError):
    """The caller may not do this; the message says what would allow it."""


@dataclass(frozen=True)
class Caller:
    """A request's identity: the annotator (verified by a login when ``verified``) and admin rights."""

    name: str | None = None
    admin: bool = False
    verified: bool = False


class AdminGate:
    """Checks admin tokens; remembers recent failures per client (at most ``clients`` of them)."""

    def __init__(self, token: str | None, public: bool, free: int = 3, max_lock: float = 300.0,
                 clients: int = 10_000):
        self.token = token
        self.public = public
        self.free, self.max_lock, self.clients = free, max_lock, clients
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

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
        now = time.monotonic()
        keys = ((client, self.free), (_EVERYONE, self.free * 10))  # per client, and for all clients together
        with self._lock:
            until = max(self._failures.get(key, (0, 0.0))[1] for key, _ in keys)
            if until > now:
                raise Forbidden(f"too many wrong admin tokens: try again in {math.ceil(until - now)} s")
        if hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode("utf-8", "replace")):
            with self._lock:
                self._failures.pop(client, None)
            return
        with self._lock:
            for key, free in keys:
                count = self._failures.get(key, (0, 0.0))[0] + 1
                lock = min(2.0 ** (count - free), self.max_lock) if count >= free else 0.0
                self._failures[key] = (count, now + lock)
                self._failures.move_to_end(key)
            while len(self._failures) > self.clients:
                self._failures.popitem(last=False)
        raise Forbidden("wrong admin token")
