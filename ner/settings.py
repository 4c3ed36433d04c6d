"""The app's settings, read from the environment in one place: folders, access, limits.

Every environment variable the library reads is read here and nowhere else: each ``NER_*``
setting, ``SPACE_ID``, ``OAUTH_CLIENT_ID``, ``HF_TOKEN`` and ``GRADIO_TEMP_DIR``. The functions
(:func:`corpus_dir`, :func:`data_dir`, :func:`checkpoints_dir`, :func:`corpus_url`, ...) read
the environment when called; :class:`Settings` reads it once, when it is built.

Folders follow one rule: a relative path in a variable is resolved against the working
directory; the defaults (``data/ehealthkd-2020``, ``data``, ``checkpoints``) against the
project folder (the one that holds ``app.py``), whatever the working directory.

Public mode (``NER_PUBLIC=1``, on by default when ``SPACE_ID`` is set, i.e. on a Hugging
Face Space) assumes a hostile client: models are chosen from the finished checkpoints
only, annotating needs a login, and every admin action needs ``NER_ADMIN_TOKEN`` (without
one, nobody can train, export or read other annotators' answers).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one request may ask for; each refusal names the limit it hit.

    One more bound lives with the words it counts: a sentence longer than
    :data:`ner.tokens.CHUNK_WORDS` words is cut into chunks before any model sees it.
    """

    text_chars: int = 100_000  # one text typed or sent to /predict or /analyse
    line_chars: int = 20_000  # one line of an uploaded or pasted file
    upload_bytes: int = 10 * 2**20  # one uploaded file (also Gradio's max_file_size)
    upload_lines: int = 20_000  # lines of one uploaded or pasted text
    upload_files: int = 2  # files sent at once to make a queue (a .txt and its .ann, or one .zip)
    zip_bytes: int = 50 * 2**20  # the uncompressed .txt/.ann members of one zip, read from its directory
    zip_members: int = 200  # files in one zip
    eval_chars: int = 2 * 2**20  # text of one gold set uploaded to Evaluate (kept 15 min for its error browser)
    queue_documents: int = 20_000  # documents in one annotation queue
    queues_per_annotator: int = 20  # queues one annotator may create
    queue_load_chars: int = 2 * 2**20  # text of the new documents of one queue load (pasted or uploaded)
    annotator_chars_per_hour: int = 4 * 2**20  # text one annotator may add to their queues in an hour
    preannotate_now_chars: int = 20_000  # pre-annotated in the request; the rest of a queue in the background
    preannotation_jobs: int = 4  # queues waiting for background pre-annotation, app-wide (one runs at a time)
    eval_cache_bytes: int = 64 * 2**20  # Evaluate results kept for every session together (compressed)
    live_rank_chars: int = 200_000  # text a live version ranks by uncertainty (the next unanswered items)
    model_cache: int = 2  # models kept loaded (least recently used evicted)
    sessions: int = 200  # browser sessions whose state Gradio keeps (launch's state_session_capacity)


DEFAULT_LIMITS = Limits()


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or not value.strip() else value.strip().lower() in _TRUE


def parse_users(value: str | None) -> tuple[tuple[str, str], ...]:
    """``NER_USERS``: ``name:password`` pairs separated by commas, or ``@file`` with one pair per line."""
    if not value or not value.strip():
        return ()
    value = value.strip()
    if value.startswith("@"):
        value = Path(value[1:]).read_text(encoding="utf-8").replace("\n", ",")
    users = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, password = item.partition(":")
        if not sep or not name.strip() or not password:
            raise ValueError("NER_USERS: expected name:password pairs separated by commas")
        users.append((name.strip(), password))
    return tuple(users)


def _number(name: str, default: int) -> int:
    """``$name`` as a whole number of at least 0, else ``default``; ``ValueError`` naming the variable."""
    value = _text(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None
    if number < 0:
        raise ValueError(f"{name}={value!r} must be 0 or more")
    return number


def _folder(name: str, default: str) -> Path:
    """``$name`` resolved against the working directory, else ``default`` against the project folder."""
    value = (os.environ.get(name) or "").strip()
    return Path(value).expanduser().resolve() if value else (PROJECT_DIR / default).resolve()


def _text(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


def corpus_dir() -> Path:
    """The folder holding the organisers' ``data/`` tree: ``$NER_CORPUS_DIR`` or ``<project>/data/ehealthkd-2020``."""
    return _folder("NER_CORPUS_DIR", "data/ehealthkd-2020")


def data_dir() -> Path:
    """The folder of the annotation database: ``$NER_DATA_DIR`` or ``<project>/data``."""
    return _folder("NER_DATA_DIR", "data")


def database_url() -> str | None:
    """``$NER_DATABASE_URL`` (``postgresql://user:password@host/db``): the annotation store on PostgreSQL;
    unset: the SQLite file ``annotations.db`` in :func:`data_dir`."""
    return _text("NER_DATABASE_URL")


def checkpoints_dir() -> Path:
    """Where checkpoints live: ``$NER_CHECKPOINTS_DIR`` or ``<project>/checkpoints``."""
    return _folder("NER_CHECKPOINTS_DIR", "checkpoints")


def corpus_url() -> str | None:
    """``$NER_CORPUS_URL``: a mirror of GitHub's raw file host for the corpus download; None when unset."""
    return _text("NER_CORPUS_URL")


def hub_repo() -> str | None:
    """``$NER_HUB_REPO``: the Hub dataset repository an export is pushed to; None when unset."""
    return _text("NER_HUB_REPO")


def hub_sync() -> str | None:
    """``$NER_HUB_SYNC`` (``user/dataset``): the private Hub dataset the annotation store is mirrored to and
    restored from (:mod:`ner.sync`); None when unset; ``ValueError`` for a value that is not a repo id."""
    value = _text("NER_HUB_SYNC")
    if value is not None and not re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", value):
        raise ValueError(f"NER_HUB_SYNC={value!r} is not a Hub repo id (expected user/dataset)")
    return value


def hub_sync_minutes() -> int:
    """``$NER_HUB_SYNC_MINUTES`` (default 5, at least 1): how often Hub sync pushes; a crash loses at most this."""
    minutes = _number("NER_HUB_SYNC_MINUTES", 5)
    if minutes < 1:
        raise ValueError(f"NER_HUB_SYNC_MINUTES={minutes} must be 1 or more")
    return minutes


def hf_token() -> str | None:
    """``$HF_TOKEN``: the Hugging Face token for pushing to the Hub; None when unset."""
    return _text("HF_TOKEN")


def gradio_temp_dir() -> Path:
    """Where Gradio keeps uploads: ``$GRADIO_TEMP_DIR`` or ``<system temp>/gradio``, resolved."""
    value = _text("GRADIO_TEMP_DIR")
    return Path(value).expanduser().resolve() if value else (Path(tempfile.gettempdir()) / "gradio").resolve()


def world_size() -> int:
    """``$WORLD_SIZE``: how many processes a launcher (``torchrun``, ``accelerate launch``) started; 1 alone."""
    value = _text("WORLD_SIZE")
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        raise ValueError(f"WORLD_SIZE={value!r} is not a number of processes") from None


def process_rank() -> int:
    """``$RANK``: this process's rank among those a launcher started (0: the main one, and when alone)."""
    value = _text("RANK")
    return int(value) if value and value.isdigit() else 0


def precision() -> str:
    """``$NER_PRECISION``: prediction precision on the CPU, ``auto`` (bf16 where native), ``bf16`` or ``fp32``."""
    return _text("NER_PRECISION") or "auto"


@dataclass(frozen=True)
class Settings:
    """Where the app keeps things, who may do what, and the limits; defaults read from the environment.

    - ``checkpoints`` (:func:`checkpoints_dir`), ``data_dir`` (:func:`data_dir`); a relative
      path given here is resolved against the working directory.
    - ``database_url`` (``NER_DATABASE_URL``, :func:`database_url`): the annotation store on
      PostgreSQL, shared by every replica of the app; None: SQLite in ``data_dir``.
    - ``admin_token`` (``NER_ADMIN_TOKEN``): training, downloading, exporting, agreement and
      deleting queues ask for it. Unset on a private machine: everyone is admin there; unset
      in public mode: nobody is.
    - ``public`` (``NER_PUBLIC``; default on when ``SPACE_ID`` is set).
    - ``users`` (``NER_USERS``): ``name:password`` logins, the Annotate tab's sign-in (the other tabs need none).
    - ``oauth``: Sign in with Hugging Face (on a Space with ``hf_oauth: true``, which sets ``OAUTH_CLIENT_ID``).
    - ``default_model`` (``NER_MODEL``): a model offered first, besides the checkpoints.
    - ``int8`` (``NER_INT8``): transformers quantised to int8 on a CPU.
    - ``precision`` (``NER_PRECISION``): ``auto`` (bf16 on a CPU with AMX), ``bf16`` or ``fp32``.
    - ``live_every`` (``NER_LIVE_EVERY``): a queue suggested by a CRF gets a retrained version
      after this many accepted answers that correct its suggestions (0: never);
      ``live_queue_seconds`` (``NER_LIVE_QUEUE_SECONDS``): at least this long between two
      versions of one queue; ``live_per_hour`` (``NER_LIVE_PER_HOUR``): retrainings per hour,
      app-wide (each is seconds of one CPU core).
    - ``hub_sync`` (``NER_HUB_SYNC``), ``hub_sync_minutes`` (``NER_HUB_SYNC_MINUTES``): see :mod:`ner.sync`.
    """

    checkpoints: Path = field(default_factory=checkpoints_dir)
    data_dir: Path = field(default_factory=data_dir)
    database_url: str | None = field(default_factory=database_url)
    admin_token: str | None = field(default_factory=lambda: os.environ.get("NER_ADMIN_TOKEN") or None)
    public: bool = field(default_factory=lambda: _flag("NER_PUBLIC", bool(os.environ.get("SPACE_ID"))))
    users: tuple[tuple[str, str], ...] = field(default_factory=lambda: parse_users(os.environ.get("NER_USERS")))
    oauth: bool = field(default_factory=lambda: bool(os.environ.get("SPACE_ID") and os.environ.get("OAUTH_CLIENT_ID")))
    default_model: str | None = field(default_factory=lambda: os.environ.get("NER_MODEL") or None)
    int8: bool = field(default_factory=lambda: _flag("NER_INT8"))
    precision: str = field(default_factory=precision)
    live_every: int = field(default_factory=lambda: _number("NER_LIVE_EVERY", 10))
    live_queue_seconds: float = field(default_factory=lambda: _number("NER_LIVE_QUEUE_SECONDS", 60))
    live_per_hour: int = field(default_factory=lambda: _number("NER_LIVE_PER_HOUR", 30))
    hub_sync: str | None = field(default_factory=hub_sync)
    hub_sync_minutes: int = field(default_factory=hub_sync_minutes)
    limits: Limits = field(default_factory=lambda: Limits(model_cache=int(os.environ.get("NER_MODEL_CACHE") or 2)))
    train_split: str | None = None  # None: the corpus's train split when it is there, else the sample

    def __post_init__(self) -> None:
        if self.precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"NER_PRECISION={self.precision!r}: expected auto, bf16 or fp32")
        if self.hub_sync and self.database_url:
            raise ValueError("NER_HUB_SYNC is for the SQLite store: PostgreSQL (NER_DATABASE_URL) is durable already "
                             "and its ids may commit out of order; unset one of them")
        object.__setattr__(self, "checkpoints", Path(self.checkpoints).resolve())
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())

    @classmethod
    def from_env(cls) -> Settings:
        """Every setting read from the environment now (what ``Settings()`` does; the name says so)."""
        return cls()

    @property
    def login(self) -> bool:
        """Annotators are identified by the server (a login), not by a name the client sends."""
        return bool(self.users) or self.oauth
