"""The annotation store: documents, model suggestions and human answers in one SQLite file.

The file is ``annotations.db`` in :func:`ner.settings.data_dir` (``NER_DATA_DIR``, default
``data`` in the project folder) unless a path is given. It runs in WAL mode with a busy
timeout and foreign keys on; every write is one ``BEGIN IMMEDIATE`` transaction, so threads
and processes may save at once and a process killed mid-save leaves the file readable with
every committed save in it. Each thread (and each process after a fork) gets its own
connection.

Every document belongs to a *queue*: a named list of documents that annotators work
through. The column ``source`` holds the queue name (its name since schema 1: renaming a
column needs a migration); everywhere in Python it is called ``queue``.

Tables (Argilla v2 style: what a model proposes and what a person answers are different
records):

- ``documents``: ``id``, ``source`` (the queue name), ``name`` (the document's own id, e.g.
  ``training/12``), ``text``, ``position`` (order within the queue, from 0), ``created``.
  ``(source, text)`` is unique: adding the same text to the same queue again is a no-op.
- ``suggestions``: ``id``, ``document``, ``model``, ``entities`` (JSON, with scores,
  as :func:`ner.entities.entity_to_json` writes them),
  ``confidence`` (optional whole-item confidence, the queue's fallback), ``created``.
- ``queues`` (schema 2): ``name`` (as in ``documents.source``), ``owner`` (the annotator
  who made it; NULL: shared, e.g. the corpus queues), ``created``, ``deleted`` (when an
  admin removed it from the lists: its documents and answers stay, as the history promises).
- ``answers``: **append-only** (triggers refuse ``UPDATE`` and ``DELETE``). ``id``
  (increasing: the order of events), ``document``, ``annotator``, ``status``
  (``accepted``, ``rejected``, ``skipped`` or ``undone``), ``entities`` (JSON, no scores),
  ``suggestion`` (the suggestion corrected, if any), ``previous`` (the answer that was
  current for this document and annotator just before this row was written), ``undoes``
  (on ``undone`` rows: the answer retracted), ``created`` (UTC, ISO 8601).

- ``reviews`` (schema 3): **append-only** like ``answers``. An admin's decision on a document
  whose annotators disagree: ``id``, ``document``, ``reviewer``, ``status`` (``accepted`` or
  ``rejected``), ``entities`` (JSON, no scores), ``chosen`` (the annotator whose answer was
  taken as it was; NULL: an edited, merged answer), ``created``. The newest review of a
  document is the one that counts: it wins over every annotator's answer in
  :meth:`Store.latest_answers` without an annotator (what exports and training read).
- ``relations`` (schema 4), a column of ``suggestions``, ``answers`` and ``reviews``: the
  relations between the row's entities, JSON ``[{"type", "from", "to", "score"}]``, ``from``
  and ``to`` indexes into the row's entities as stored (sorted); a score on suggestions only.
  Rows written before schema 4 hold ``[]``.
- ``meta`` (schema 5): ``key``, ``value``: what every process on the database shares, e.g. the
  key that signs annotator passes (:meth:`Store.secret`); on PostgreSQL also ``schema_version``.

The same schema runs on PostgreSQL (``NER_DATABASE_URL``, see :mod:`ner.database`), where
triggers refuse ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on ``answers`` and ``reviews``.

Undo: nothing is updated or deleted. :meth:`Store.undo` appends an ``undone`` row that
retracts the current answer; the answer that was current before it (its ``previous``)
becomes current again. The current answer of a (document, annotator) is therefore read
from its newest row alone: that row itself, or, for an ``undone`` row, the ``previous`` of
the answer it retracts (none: the document is unanswered again). Undo twice steps back
twice, like an editor's undo stack; saving after an undo starts a new branch. The full
history stays readable with :meth:`Store.history`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ner import database, ordering
from ner.entities import Document, Entity, Relation, check_entities, entity_to_json
from ner.refusals import Invalid
from ner.relations.triples import Triple, relation_to_json, to_relation, triples, with_triples
from ner.relations.triples import scored as _scored
from ner.settings import data_dir, database_url

STATUSES: tuple[str, ...] = ("accepted", "rejected", "skipped")
UNDONE = "undone"
SCHEMA_VERSION = 5
REVIEW_STATUSES: tuple[str, ...] = ("accepted", "rejected")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    position INTEGER NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (source, text)
);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source, position);
CREATE TABLE IF NOT EXISTS suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document INTEGER NOT NULL REFERENCES documents (id),
    model TEXT NOT NULL,
    entities TEXT NOT NULL,
    confidence REAL,
    created TEXT NOT NULL,
    relations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS suggestions_document ON suggestions (document, model, id);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document INTEGER NOT NULL REFERENCES documents (id),
    annotator TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'skipped', 'undone')),
    entities TEXT NOT NULL,
    suggestion INTEGER REFERENCES suggestions (id),
    previous INTEGER REFERENCES answers (id),
    undoes INTEGER REFERENCES answers (id),
    created TEXT NOT NULL,
    relations TEXT NOT NULL DEFAULT '[]',
    CHECK ((status = 'undone') = (undoes IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS answers_document ON answers (document, annotator, id);
CREATE INDEX IF NOT EXISTS answers_annotator ON answers (annotator, id);
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY,
    owner TEXT,
    created TEXT NOT NULL,
    deleted TEXT
);
CREATE INDEX IF NOT EXISTS queues_owner ON queues (owner);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document INTEGER NOT NULL REFERENCES documents (id),
    reviewer TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    entities TEXT NOT NULL,
    chosen TEXT,
    created TEXT NOT NULL,
    relations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS reviews_document ON reviews (document, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: save a new review'); END;
CREATE TRIGGER IF NOT EXISTS reviews_no_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: save a new review'); END;
CREATE TRIGGER IF NOT EXISTS answers_no_update BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only: save a new answer or undo'); END;
CREATE TRIGGER IF NOT EXISTS answers_no_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only: save a new answer or undo'); END;
"""

# The current answer id of each (document, annotator): see the module docstring.
_CURRENT = """
SELECT h.document AS document, h.annotator AS annotator,
       CASE WHEN h.status = 'undone' THEN x.previous ELSE h.id END AS id
FROM (SELECT MAX(id) AS id FROM answers WHERE (:annotator IS NULL OR annotator = :annotator)
      GROUP BY document, annotator) AS last
JOIN answers AS h ON h.id = last.id
LEFT JOIN answers AS x ON x.id = h.undoes
"""


def _statements(script: str) -> list[str]:
    """The statements of a schema script, cut where SQLite says one is complete (triggers hold ``;``)."""
    out, buf = [], ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf)
            buf = ""
    return out


def _parts(ids: Sequence[int], size: int = 500) -> Iterator[list[int]]:
    """``ids`` in lists of at most ``size`` (SQLite bounds the parameters of one statement)."""
    ids = list(ids)
    for n in range(0, len(ids), size):
        yield ids[n : n + size]


def default_path() -> Path:
    """Where the store lives unless told otherwise: ``<data folder>/annotations.db``."""
    return data_dir() / "annotations.db"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------- entities as JSON


def _entities_to_column(entities: Iterable[Entity], text: str) -> str:
    """The ``entities`` column: a list of :func:`ner.entities.entity_to_json` objects."""
    return json.dumps([entity_to_json(e, text) for e in entities], ensure_ascii=False, separators=(",", ":"))


def _entities_from_column(raw: str) -> tuple[Entity, ...]:
    """The entities of an ``entities`` column, sorted.

    They were checked against their document when written, so only ``label``,
    ``fragments`` and ``score`` are read (older rows hold nothing else).
    """
    return tuple(sorted(Entity(tuple(map(tuple, d["fragments"])), d["label"], d.get("score")) for d in json.loads(raw)))


def _columns(text: str, entities: Iterable[Entity], relations, where: str, scores: bool = True
             ) -> tuple[tuple[Entity, ...], str, str]:
    """The entities checked and sorted, and the ``entities`` and ``relations`` columns of a row.

    ``relations``: triples over ``entities`` as given (or a mapping of them to a model's
    probability), renumbered here to follow the sorted entities; a ``relations`` column is
    ``[{"type", "from", "to", "score"}]``. ``ValueError`` names what is wrong (an entity by
    its place in ``entities``).
    """
    given = list(entities)
    ents = check_entities(text, given, where)  # sorted, as the store keeps them
    if not scores:
        ents = tuple(Entity(e.fragments, e.label) for e in ents)
    probability = relations if isinstance(relations, Mapping) else {}
    order = sorted(range(len(given)), key=lambda i: given[i])
    new = {old: k for k, old in enumerate(order)}
    renumbered: dict[Triple, float | None] = {}
    for kind, a, b in relations or ():
        if a not in new or b not in new:
            raise Invalid(f"{where}: relation {kind} {a} → {b}: no such pair of entities")
        renumbered[(kind, new[a], new[b])] = probability.get((kind, a, b)) if scores else None
    kept = with_triples(Document(where, text, ents), renumbered)
    return ents, _entities_to_column(ents, text), json.dumps([relation_to_json(t, p) for t, p in _scored(kept)],
                                                             separators=(",", ":"))


def _relations_from_column(raw: str) -> tuple[Relation, ...]:
    """The relations of a ``relations`` column, as a document holds them."""
    return tuple(to_relation((d["type"], d["from"], d["to"]), d.get("score")) for d in json.loads(raw or "[]"))


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Suggestion:
    """What a model proposed for a document; entities carry their scores."""

    id: int
    document: int
    model: str
    entities: tuple[Entity, ...]
    confidence: float | None
    created: str
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Answer:
    """One row of the answer history (``status`` may be ``undone``: see the module docstring)."""

    id: int
    document: int
    annotator: str
    status: str
    entities: tuple[Entity, ...]
    created: str
    suggestion: int | None = None
    previous: int | None = None
    undoes: int | None = None
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Review:
    """An admin's decision on a document in conflict; ``chosen``: whose answer was taken (None: merged)."""

    id: int
    document: int
    reviewer: str
    status: str
    entities: tuple[Entity, ...]
    created: str
    chosen: str | None = None
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """A document whose annotators' current answers disagree, with the newest review (if any).

    ``answers``: each annotator's current ``accepted`` or ``rejected`` answer, by annotator.
    ``open``: not reviewed yet, or an answer changed after the newest review.
    """

    document: int
    queue: str
    name: str
    text: str
    answers: tuple[Answer, ...]
    review: Review | None = None

    @property
    def open(self) -> bool:
        return self.review is None or any(a.created > self.review.created for a in self.answers)


def disagree(answers: Iterable[Answer]) -> bool:
    """Do two or more answers differ: another status, or accepted with other entities or relations (rejections
    agree)?"""
    decided = [a for a in answers if a.status in REVIEW_STATUSES]
    keys = {(a.status, (frozenset(a.entities), frozenset(triples(Document("", "", a.entities, a.relations))))
             if a.status == "accepted" else None) for a in decided}
    return len(decided) >= 2 and len(keys) > 1


@dataclass(frozen=True)
class Item:
    """A document to annotate, with the latest model suggestion (if any)."""

    id: int
    queue: str
    name: str
    text: str
    position: int
    suggestion: Suggestion | None = None

    def to_document(self) -> Document:
        """The document with the suggested entities (scores kept)."""
        ents = self.suggestion.entities if self.suggestion else ()
        return Document(self.name, self.text, tuple(sorted(ents)), annotated=self.suggestion is not None)


@dataclass(frozen=True)
class Queue:
    """A queue's record: who made it, when, whether an admin deleted it, its size (documents)."""

    name: str
    owner: str | None
    created: str
    deleted: str | None
    size: int


@dataclass(frozen=True)
class QueueProgress:
    """How far an annotator is through a queue: ``done`` counts any current answer, skips included."""

    total: int
    done: int
    remaining: int
    by_status: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- the store


class Store:
    """An annotation database (see the module docstring for the schema and the undo design).

    ``synchronous`` is SQLite's setting: ``FULL`` (default) survives power loss as well as
    process crashes; ``NORMAL`` survives process crashes only and is faster.
    """

    def __init__(self, path: str | Path | None = None, *, timeout: float = 30.0, synchronous: str = "FULL") -> None:
        target = path if path is not None else (database_url() or default_path())
        self.url: str | None = str(target) if database.is_url(target) else None  # PostgreSQL, else a file
        self.path: Path | None = Path(target) if self.url is None else None
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise Invalid(f"synchronous must be OFF, NORMAL, FULL or EXTRA, got {synchronous!r}")
        self.timeout = timeout
        self.synchronous = synchronous.upper()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list = []
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._init_schema()

    def __repr__(self) -> str:
        return f"Store({database.redacted(self.url) if self.url else str(self.path)!r})"

    # -- connections

    def _connect(self) -> sqlite3.Connection:
        if self.url is not None:
            return database.PgConnection(self.url, self.timeout)  # type: ignore[return-value]  # same interface
        assert self.path is not None
        conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._connect()
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close the connections this process opened (threads reconnect on their next call)."""
        with self._lock:
            conns, self._connections = self._connections, []
        for conn in conns:
            try:
                conn.close()
            except (sqlite3.ProgrammingError, OSError):
                pass  # made in another thread that is gone: sqlite frees it with the object
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``) so reads inside it stay true."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several queries see one snapshot."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    def _init_schema(self) -> None:
        if self.url is not None:
            with self._write() as c:  # the write lock: replicas starting at once create the schema once
                if c.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
                    row = c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                    if row is not None and int(row[0]) > SCHEMA_VERSION:
                        raise Invalid(f"the database's schema version {row[0]} is newer than this code "
                                      f"({SCHEMA_VERSION})")
                for statement in database.pg_statements():
                    c.execute(statement)
                c.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))
            return
        for attempt in range(50):  # a first WAL switch can be refused while another process creates the file
            try:
                conn = self.conn
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                with self._write() as c:
                    version = c.execute("PRAGMA user_version").fetchone()[0]
                    if version > SCHEMA_VERSION:
                        raise Invalid(
                            f"{self.path}: schema version {version} is newer than this code ({SCHEMA_VERSION})"
                        )
                    for statement in _statements(_SCHEMA):
                        c.execute(statement)
                    if version < 2:  # v1 had no queues table: every queue name becomes a shared queue
                        c.execute(
                            """INSERT OR IGNORE INTO queues (name, owner, created)
                               SELECT source, NULL, MIN(created) FROM documents GROUP BY source"""
                        )
                    # v2 -> v3: only the reviews table is new (made above); nothing to copy; v4 -> v5: only meta
                    for table in ("suggestions", "answers", "reviews"):  # v3 -> v4: relations beside entities
                        columns = {r[1] for r in c.execute(f"PRAGMA table_info({table})")}
                        if "relations" not in columns:
                            c.execute(f"ALTER TABLE {table} ADD COLUMN relations TEXT NOT NULL DEFAULT '[]'")
                    c.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.05)

    # -- what processes and replicas share

    def secret(self, name: str) -> bytes:
        """A random 32-byte key kept in the database under ``name``, made by whichever process asks first:
        every process and replica on the database signs with the same key."""
        key = f"secret:{name}"
        with self._write() as c:
            c.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, secrets.token_hex(32)))
            return bytes.fromhex(c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Hold the lock ``name`` across processes and replicas while the block runs; yields False (and holds
        nothing) when another holder has it. PostgreSQL: a session advisory lock on a connection of its own
        (a crashed holder's lock goes with its connection); SQLite: ``flock`` on a file beside the database."""
        if self.url is not None:
            conn = database.PgConnection(self.url, self.timeout)
            try:
                key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")
                yield bool(conn.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()[0])
            finally:
                conn.close()
            return
        assert self.path is not None
        with open(self.path.with_name(f"{self.path.name}.{hashlib.sha256(name.encode()).hexdigest()[:12]}.lock"),
                  "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- documents

    def add_documents(self, queue: str, docs: Iterable[str | Document]) -> list[int]:
        """Add texts or documents to ``queue``; their ids, in input order.

        Idempotent: a text already in the queue keeps its id and position. A document's own
        id becomes its ``name``; a plain text is named ``<queue>/<position + 1>``. Entities of
        a :class:`Document` are not stored (suggest or answer them).
        """
        if not isinstance(queue, str) or not queue.strip():
            raise Invalid(f"queue must be a non-empty name, got {queue!r}")
        items = [(d.text, d.id) if isinstance(d, Document) else (d, None) for d in docs]
        for i, (text, _) in enumerate(items):
            if not isinstance(text, str):
                raise Invalid(f"{queue}, item {i + 1}: expected text or a Document, got {type(text).__name__}")
            if not text.strip():
                raise Invalid(f"{queue}, item {i + 1}: the text is empty")
        ids = []
        with self._write() as c:
            c.execute("INSERT OR IGNORE INTO queues (name, owner, created) VALUES (?, NULL, ?)", (queue, _now()))
            position = c.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM documents WHERE source = ?", (queue,))
            position = position.fetchone()[0]
            for text, name in items:
                row = c.execute("SELECT id FROM documents WHERE source = ? AND text = ?", (queue, text)).fetchone()
                if row is None:
                    cur = c.execute(
                        "INSERT INTO documents (source, name, text, position, created) VALUES (?, ?, ?, ?, ?)",
                        (queue, name or f"{queue}/{position + 1}", text, position, _now()),
                    )
                    ids.append(int(cur.lastrowid))  # type: ignore[arg-type]
                    position += 1
                else:
                    ids.append(int(row["id"]))
        return ids

    def _doc_row(self, c: sqlite3.Connection, doc_id: int) -> sqlite3.Row:
        row = c.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise Invalid(f"unknown document id {doc_id!r}")
        return row

    def document(self, doc_id: int) -> Document:
        """A stored document, without entities; its ``id`` is the document's name."""
        row = self._doc_row(self.conn, doc_id)
        return Document(row["name"], row["text"], annotated=False)

    def queue_names(self) -> list[str]:
        """The names of the queues that hold documents (deleted ones too), sorted."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT source FROM documents ORDER BY source")]

    def document_queue(self, doc_id: int) -> str:
        """The queue a document belongs to; ``ValueError`` for an unknown id."""
        return self._doc_row(self.conn, doc_id)["source"]

    # -- queues

    def create_queue(self, name: str, owner: str | None) -> None:
        """Register a queue and its owner (None: shared); an existing one keeps its owner and is listed again."""
        if not isinstance(name, str) or not name.strip():
            raise Invalid(f"a queue needs a non-empty name, got {name!r}")
        with self._write() as c:
            c.execute("INSERT OR IGNORE INTO queues (name, owner, created) VALUES (?, ?, ?)", (name, owner, _now()))
            c.execute("UPDATE queues SET deleted = NULL WHERE name = ? AND deleted IS NOT NULL", (name,))

    def queue(self, name: str) -> Queue | None:
        """A queue's record (None when there is none of that name)."""
        row = self.conn.execute(
            """SELECT q.*, (SELECT COUNT(*) FROM documents AS d WHERE d.source = q.name) AS size
               FROM queues AS q WHERE q.name = ?""", (name,)).fetchone()
        return None if row is None else Queue(row["name"], row["owner"], row["created"], row["deleted"], row["size"])

    def queues(self, deleted: bool = False) -> list[Queue]:
        """Every queue (the deleted ones too when ``deleted``), by name, with its size."""
        rows = self.conn.execute(
            """SELECT q.*, (SELECT COUNT(*) FROM documents AS d WHERE d.source = q.name) AS size
               FROM queues AS q WHERE (? OR q.deleted IS NULL) ORDER BY q.name""", (deleted,))
        return [Queue(r["name"], r["owner"], r["created"], r["deleted"], r["size"]) for r in rows]

    def delete_queue(self, name: str) -> bool:
        """Take a queue off the lists (documents and answers stay in the history); False when unknown."""
        with self._write() as c:
            cur = c.execute("UPDATE queues SET deleted = ? WHERE name = ? AND deleted IS NULL", (_now(), name))
            return cur.rowcount > 0

    def suggestion_document(self, suggestion: int) -> int | None:
        """The document a suggestion belongs to (None when there is no such suggestion)."""
        row = self.conn.execute("SELECT document FROM suggestions WHERE id = ?", (suggestion,)).fetchone()
        return None if row is None else row[0]

    def suggestion(self, suggestion: int) -> Suggestion | None:
        row = self.conn.execute("SELECT * FROM suggestions WHERE id = ?", (suggestion,)).fetchone()
        return None if row is None else self._suggestion(row)

    def document_ids(self, queue: str) -> list[int]:
        """The ids of a queue's documents, in position order."""
        rows = self.conn.execute("SELECT id FROM documents WHERE source = ? ORDER BY position", (queue,))
        return [r[0] for r in rows]

    def texts(self, ids: Sequence[int]) -> list[str]:
        """The texts of documents, in the order of ``ids``; ``ValueError`` for an unknown id."""
        found: dict[int, str] = {}
        with self._read() as c:
            for part in _parts(ids):
                marks = ",".join("?" * len(part))
                found.update(c.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", part).fetchall())
        missing = [i for i in ids if i not in found]
        if missing:
            raise Invalid(f"unknown document id {missing[0]!r}")
        return [found[i] for i in ids]

    def answered_ids(self, queue: str, annotator: str) -> set[int]:
        """The ids of a queue's documents the annotator has a current answer for (any status): one query."""
        rows = self.conn.execute(
            f"""SELECT cur.document FROM ({_CURRENT}) AS cur JOIN documents AS d ON d.id = cur.document
                WHERE cur.id IS NOT NULL AND d.source = :queue""",
            {"queue": queue, "annotator": annotator},
        )
        return {r[0] for r in rows}

    def unanswered_ids(self, queue: str) -> list[int]:
        """The ids of a queue's documents that nobody has a current answer for, in position order."""
        rows = self.conn.execute(
            f"""SELECT d.id FROM documents AS d WHERE d.source = :queue AND d.id NOT IN
                (SELECT cur.document FROM ({_CURRENT}) AS cur WHERE cur.id IS NOT NULL) ORDER BY d.position""",
            {"queue": queue, "annotator": None},
        )
        return [r[0] for r in rows]

    def chars_added(self, owner: str, since: str) -> int:
        """Characters of the documents added since ``since`` (ISO 8601, UTC) to the queues ``owner`` made."""
        row = self.conn.execute(
            """SELECT COALESCE(SUM(LENGTH(d.text)), 0) FROM documents AS d JOIN queues AS q ON q.name = d.source
               WHERE q.owner = ? AND d.created > ?""", (owner, since)).fetchone()
        return int(row[0])

    # -- suggestions

    def add_suggestion(
        self, doc_id: int, model: str, entities: Iterable[Entity], confidence: float | None = None, relations=()
    ) -> int:
        """Store a model's entities (with scores) for a document, and relations between them; the suggestion id.

        ``confidence`` is an optional whole-item confidence in [0, 1] (for instance the mean
        over tokens of the highest tag probability), used to rank items with no entity.
        ``relations``: triples over ``entities`` as given, or a mapping of them to their scores.
        """
        if not isinstance(model, str) or not model.strip():
            raise Invalid(f"model must be a non-empty name, got {model!r}")
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            raise Invalid(f"confidence must lie in [0, 1], got {confidence!r}")
        with self._write() as c:
            text = self._doc_row(c, doc_id)["text"]
            _, ents, rels = _columns(text, entities, relations, f"suggestion for document {doc_id}")
            cur = c.execute(
                """INSERT INTO suggestions (document, model, entities, confidence, created, relations)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (doc_id, model, ents, confidence, _now(), rels),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def add_suggestions(self, model: str, found: Iterable[tuple]) -> list[int]:
        """Store a model's entities for several documents in one transaction; the suggestion ids.

        ``found``: ``(document id, entities)`` or ``(document id, entities, relations)``, checked
        like :meth:`add_suggestion`'s.
        """
        if not isinstance(model, str) or not model.strip():
            raise Invalid(f"model must be a non-empty name, got {model!r}")
        found = [(row[0], list(row[1]), row[2] if len(row) > 2 else ()) for row in found]
        out = []
        with self._write() as c:
            for doc_id, entities, relations in found:
                text = self._doc_row(c, doc_id)["text"]
                _, ents, rels = _columns(text, entities, relations, f"suggestion for document {doc_id}")
                cur = c.execute(
                    """INSERT INTO suggestions (document, model, entities, confidence, created, relations)
                       VALUES (?, ?, ?, ?, ?, ?)""",
                    (doc_id, model, ents, None, _now(), rels),
                )
                out.append(int(cur.lastrowid))  # type: ignore[arg-type]
        return out

    def unsuggested(self, ids: Sequence[int], model: str) -> list[int]:
        """Those of ``ids`` (in their order) with no suggestion of ``model`` and none from an uploaded BRAT file.

        A BRAT file's entities (agent ``brat:<file>``) are what the uploader meant: a model
        does not suggest over them.
        """
        done: set[int] = set()
        with self._read() as c:
            for part in _parts(ids):
                marks = ",".join("?" * len(part))
                rows = c.execute(
                    f"""SELECT DISTINCT document FROM suggestions WHERE document IN ({marks})
                        AND (model = ? OR model LIKE 'brat:%')""", (*part, model)).fetchall()
                done.update(r[0] for r in rows)
        return [i for i in ids if i not in done]

    @staticmethod
    def _suggestion(row: sqlite3.Row) -> Suggestion:
        return Suggestion(
            row["id"],
            row["document"],
            row["model"],
            _entities_from_column(row["entities"]),
            row["confidence"],
            row["created"],
            _relations_from_column(row["relations"]),
        )

    def latest_suggestion(self, doc_id: int, model: str | None = None) -> Suggestion | None:
        """The newest suggestion for a document (of ``model`` when given)."""
        row = self.conn.execute(
            "SELECT * FROM suggestions WHERE document = ? AND (? IS NULL OR model = ?) ORDER BY id DESC LIMIT 1",
            (doc_id, model, model),
        ).fetchone()
        return None if row is None else self._suggestion(row)

    # -- answers

    @staticmethod
    def _answer(row: sqlite3.Row) -> Answer:
        return Answer(
            id=row["id"],
            document=row["document"],
            annotator=row["annotator"],
            status=row["status"],
            entities=_entities_from_column(row["entities"]),
            created=row["created"],
            suggestion=row["suggestion"],
            previous=row["previous"],
            undoes=row["undoes"],
            relations=_relations_from_column(row["relations"]),
        )

    def _current_id(self, c: sqlite3.Connection, doc_id: int, annotator: str) -> int | None:
        row = c.execute(
            """SELECT CASE WHEN h.status = 'undone' THEN x.previous ELSE h.id END
               FROM answers AS h LEFT JOIN answers AS x ON x.id = h.undoes
               WHERE h.document = ? AND h.annotator = ? ORDER BY h.id DESC LIMIT 1""",
            (doc_id, annotator),
        ).fetchone()
        return None if row is None else row[0]

    def save_answer(
        self,
        doc_id: int,
        annotator: str,
        status: str,
        entities: Iterable[Entity] = (),
        suggestion: int | None = None,
        relations: Iterable[Triple] = (),
    ) -> int:
        """Append an annotator's answer for a document (one transaction); the answer id.

        ``status`` is ``accepted``, ``rejected`` or ``skipped``. Entities are checked with
        :func:`ner.entities.check_entities` (``ValueError`` names the bad one; entities sent as
        JSON go through :func:`ner.entities.entities_from_json` first) and stored without scores;
        ``relations`` are triples over ``entities`` as given, stored renumbered with them.
        """
        if not isinstance(annotator, str) or not annotator.strip():
            raise Invalid(f"annotator must be a non-empty name, got {annotator!r}")
        if status not in STATUSES:
            raise Invalid(
                f"unknown status {status!r} (expected one of {', '.join(STATUSES)}; use undo() to retract)"
            )
        entities, relations = list(entities), list(relations)
        with self._write() as c:
            text = self._doc_row(c, doc_id)["text"]
            _, ents, rels = _columns(text, entities, relations, f"answer for document {doc_id}", scores=False)
            if suggestion is not None:
                row = c.execute("SELECT document FROM suggestions WHERE id = ?", (suggestion,)).fetchone()
                if row is None or row[0] != doc_id:
                    raise Invalid(f"suggestion {suggestion!r} is not a suggestion for document {doc_id}")
            cur = c.execute(
                """INSERT INTO answers (document, annotator, status, entities, suggestion, previous, created, relations)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                (doc_id, annotator, status, ents, suggestion, self._current_id(c, doc_id, annotator), _now(), rels),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def _undo(self, c: sqlite3.Connection, doc_id: int, annotator: str) -> Answer | None:
        current = self._current_id(c, doc_id, annotator)
        if current is None:
            return None
        row = c.execute("SELECT * FROM answers WHERE id = ?", (current,)).fetchone()
        c.execute(
            """INSERT INTO answers (document, annotator, status, entities, previous, undoes, created)
               VALUES (?, ?, 'undone', '[]', ?, ?, ?)""",
            (doc_id, annotator, current, current, _now()),
        )
        return self._answer(row)

    def undo(self, doc_id: int, annotator: str) -> Answer | None:
        """Retract the annotator's current answer for a document; the retracted answer, or None if there was none."""
        with self._write() as c:
            self._doc_row(c, doc_id)
            return self._undo(c, doc_id, annotator)

    def undo_last(self, annotator: str, queue: str | None = None) -> Answer | None:
        """Retract the annotator's most recent answer that is still current (in ``queue`` when given).

        Repeated calls walk back through the annotator's answers, newest first.
        """
        with self._write() as c:
            row = c.execute(
                f"""SELECT cur.document FROM ({_CURRENT}) AS cur JOIN documents AS d ON d.id = cur.document
                    WHERE cur.id IS NOT NULL AND (:queue IS NULL OR d.source = :queue)
                    ORDER BY cur.id DESC LIMIT 1""",
                {"annotator": annotator, "queue": queue},
            ).fetchone()
            return None if row is None else self._undo(c, row[0], annotator)

    def history(self, doc_id: int, annotator: str | None = None) -> list[Answer]:
        """Every answer row of a document (of one annotator when given), oldest first, undos included."""
        rows = self.conn.execute(
            "SELECT * FROM answers WHERE document = ? AND (? IS NULL OR annotator = ?) ORDER BY id",
            (doc_id, annotator, annotator),
        )
        return [self._answer(r) for r in rows]

    def current_answer(self, doc_id: int, annotator: str) -> Answer | None:
        """The annotator's answer for a document that counts now (None: unanswered or all undone)."""
        with self._read() as c:
            current = self._current_id(c, doc_id, annotator)
            if current is None:
                return None
            return self._answer(c.execute("SELECT * FROM answers WHERE id = ?", (current,)).fetchone())

    def _current_rows(
        self, annotator: str | None = None, status: str | None = None, queue: str | None = None
    ) -> list[tuple[Answer, sqlite3.Row]]:
        """Current answers with their document rows, in (queue, position, annotator) order."""
        rows = self.conn.execute(
            f"""SELECT a.*, d.source AS d_source, d.name AS d_name, d.text AS d_text, d.position AS d_position
                FROM ({_CURRENT}) AS cur JOIN answers AS a ON a.id = cur.id JOIN documents AS d ON d.id = a.document
                LEFT JOIN queues AS q ON q.name = d.source
                WHERE (:status IS NULL OR a.status = :status) AND (:queue IS NULL OR d.source = :queue)
                  AND q.deleted IS NULL
                ORDER BY d.source, d.position, a.annotator""",
            {"annotator": annotator, "status": status, "queue": queue},
        ).fetchall()
        return [(self._answer(r), r) for r in rows]

    def accepted_count(self, queue: str) -> int:
        """Documents of a queue with a current accepted answer (any annotator): one cheap query."""
        row = self.conn.execute(
            f"""SELECT COUNT(DISTINCT a.document) FROM ({_CURRENT}) AS cur JOIN answers AS a ON a.id = cur.id
                JOIN documents AS d ON d.id = a.document WHERE a.status = 'accepted' AND d.source = :queue""",
            {"annotator": None, "queue": queue},
        ).fetchone()
        return int(row[0])

    def current_answers(
        self, annotator: str | None = None, status: str | None = None, queue: str | None = None
    ) -> list[tuple[Answer, Document]]:
        """Current answers (deleted queues left out) with their documents (name as ``id``), in queue order."""
        return [(a, Document(r["d_name"], r["d_text"], a.entities, a.relations))
                for a, r in self._current_rows(annotator, status, queue)]

    def queue_answers(self, queue: str) -> list[tuple[int, Document, tuple[Answer, ...]]]:
        """Every document of a queue in position order, ``(id, document, answers)``: one query.

        ``answers``: each annotator's current answer for it (see the module docstring), by
        annotator; the document's ``id`` is its name. Reviews are not read: they settle a
        conflict for exports, an annotator's own answer stays theirs.
        """
        rows = self.conn.execute(
            """WITH last AS (SELECT MAX(h.id) AS id FROM answers AS h JOIN documents AS d ON d.id = h.document
                             WHERE d.source = :queue GROUP BY h.document, h.annotator),
                    cur AS (SELECT CASE WHEN h.status = 'undone' THEN x.previous ELSE h.id END AS id
                            FROM last JOIN answers AS h ON h.id = last.id LEFT JOIN answers AS x ON x.id = h.undoes)
               SELECT d.id AS d_id, d.name AS d_name, d.text AS d_text, a.*
               FROM documents AS d LEFT JOIN answers AS a ON a.document = d.id AND a.id IN (SELECT id FROM cur)
               WHERE d.source = :queue ORDER BY d.position, a.annotator""",
            {"queue": queue},
        ).fetchall()
        out: list[tuple[int, Document, tuple[Answer, ...]]] = []
        for r in rows:
            if not out or out[-1][0] != r["d_id"]:
                out.append((r["d_id"], Document(r["d_name"], r["d_text"], annotated=False), ()))
            if r["id"] is not None:
                doc_id, doc, answers = out[-1]
                out[-1] = (doc_id, doc, (*answers, self._answer(r)))
        return out

    def latest_answers(
        self, annotator: str | None = None, status: str | None = "accepted", queue: str | None = None
    ) -> list[Document]:
        """Documents with the entities of their current answer: what exports use (deleted queues left out).

        With an ``annotator``: that person's current answer per document, if its status is
        ``status`` (None: any status). Without: per document, the newest review when there
        is one (its entities, if its status is ``status``), else the most recent of all
        annotators' current answers that have ``status``. Documents come in (queue,
        position) order; each ``id`` is the document's name.
        """
        if status is not None and status not in STATUSES:
            raise Invalid(f"unknown status {status!r} (expected one of {', '.join(STATUSES)} or None)")
        chosen: dict[int, tuple[Answer, sqlite3.Row]] = {}
        for answer, row in self._current_rows(annotator, status, queue):
            if answer.document not in chosen or answer.id > chosen[answer.document][0].id:
                chosen[answer.document] = (answer, row)
        found = {doc: (row["d_source"], row["d_position"],
                       Document(row["d_name"], row["d_text"], answer.entities, answer.relations))
                 for doc, (answer, row) in chosen.items()}
        if annotator is None:  # a review wins over everyone's answers
            for review, row in self._current_reviews(queue):
                found.pop(review.document, None)
                if status is None or review.status == status:
                    doc = Document(row["d_name"], row["d_text"], review.entities, review.relations)
                    found[review.document] = (row["d_source"], row["d_position"], doc)
        return [doc for _, _, doc in sorted(found.values(), key=lambda p: p[:2])]

    def latest_decisions(self, annotator: str | None = None, queue: str | None = None
                         ) -> list[tuple[Document, Answer | Review]]:
        """Per document, the accepted or rejected decision that counts, with the answer or review it comes from.

        What the JSONL export writes. The accepted documents are exactly
        :meth:`latest_answers`' (``status="accepted"``); then the rejected ones: with an
        ``annotator``, that person's current rejections; without, the documents whose newest
        review rejects them, or that nobody accepted and somebody rejected (the newest
        rejection). A rejected document keeps the entities its answer held. Skipped documents
        are left out. In (queue, position) order; each document's ``id`` is its name.
        """
        newest: dict[str, dict[int, tuple[Answer, sqlite3.Row]]] = {"accepted": {}, "rejected": {}}
        for answer, row in self._current_rows(annotator, None, queue):
            chosen = newest.get(answer.status)
            if chosen is not None and (answer.document not in chosen or answer.id > chosen[answer.document][0].id):
                chosen[answer.document] = (answer, row)
        found: dict[int, tuple[Any, Any, Document, Answer | Review]] = {}
        for status in ("rejected", "accepted"):  # an acceptance wins over a rejection
            for doc, (answer, row) in newest[status].items():
                found[doc] = (row["d_source"], row["d_position"],
                              Document(row["d_name"], row["d_text"], answer.entities, answer.relations), answer)
        if annotator is None:  # a review wins over everyone's answers
            for review, row in self._current_reviews(queue):
                reviewed = Document(row["d_name"], row["d_text"], review.entities, review.relations)
                found[review.document] = (row["d_source"], row["d_position"], reviewed, review)
        return [(d, record) for _, _, d, record in sorted(found.values(), key=lambda p: p[:2])]

    # -- reviews

    @staticmethod
    def _review(row: sqlite3.Row) -> Review:
        return Review(row["id"], row["document"], row["reviewer"], row["status"],
                      _entities_from_column(row["entities"]), row["created"], row["chosen"],
                      _relations_from_column(row["relations"]))

    def save_review(self, doc_id: int, reviewer: str, status: str, entities: Iterable[Entity] = (),
                    chosen: str | None = None, relations: Iterable[Triple] = ()) -> int:
        """Append a reviewer's decision for a document (``accepted`` with entities, or ``rejected``); its id.

        Entities (and ``relations`` between them) are checked like an answer's and stored without
        scores; ``chosen`` names the annotator whose answer was taken (None: an edited, merged answer).
        """
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise Invalid(f"reviewer must be a non-empty name, got {reviewer!r}")
        if status not in REVIEW_STATUSES:
            raise Invalid(f"unknown review status {status!r} (expected one of {', '.join(REVIEW_STATUSES)})")
        entities = list(entities) if status == "accepted" else []
        relations = list(relations) if status == "accepted" else []
        with self._write() as c:
            text = self._doc_row(c, doc_id)["text"]
            _, ents, rels = _columns(text, entities, relations, f"review of document {doc_id}", scores=False)
            cur = c.execute(
                """INSERT INTO reviews (document, reviewer, status, entities, chosen, created, relations)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (doc_id, reviewer, status, ents, chosen, _now(), rels),
            )
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def reviews(self, doc_id: int) -> list[Review]:
        """Every review of a document, oldest first; the last one counts."""
        rows = self.conn.execute("SELECT * FROM reviews WHERE document = ? ORDER BY id", (doc_id,))
        return [self._review(r) for r in rows]

    def current_review(self, doc_id: int) -> Review | None:
        """The newest review of a document (None: never reviewed)."""
        found = self.reviews(doc_id)
        return found[-1] if found else None

    def _current_reviews(self, queue: str | None = None) -> list[tuple[Review, sqlite3.Row]]:
        """The newest review of each document (of ``queue`` when given; deleted queues left out)."""
        rows = self.conn.execute(
            """SELECT r.*, d.source AS d_source, d.name AS d_name, d.text AS d_text, d.position AS d_position
               FROM reviews AS r JOIN (SELECT MAX(id) AS id FROM reviews GROUP BY document) AS m ON m.id = r.id
               JOIN documents AS d ON d.id = r.document LEFT JOIN queues AS q ON q.name = d.source
               WHERE (:queue IS NULL OR d.source = :queue) AND q.deleted IS NULL""",
            {"queue": queue},
        ).fetchall()
        return [(self._review(r), r) for r in rows]

    def current_reviews(self, queue: str | None = None) -> dict[int, Review]:
        """The newest review of each reviewed document (of ``queue`` when given), by document id: one query."""
        return {review.document: review for review, _ in self._current_reviews(queue)}

    def conflicts(self, queue: str | None = None, open_only: bool = True) -> list[Conflict]:
        """Documents whose annotators' current accepted/rejected answers :func:`disagree`, in queue order.

        With ``open_only`` (default) those reviewed since their last answer are left out.
        """
        by_doc: dict[int, list[tuple[Answer, sqlite3.Row]]] = {}
        for answer, row in self._current_rows(None, None, queue):
            if answer.status in REVIEW_STATUSES:
                by_doc.setdefault(answer.document, []).append((answer, row))
        reviews = {review.document: review for review, _ in self._current_reviews(queue)}
        out = []
        for doc, pairs in by_doc.items():  # already in (queue, position, annotator) order
            answers = tuple(a for a, _ in pairs)
            if not disagree(answers):
                continue
            row = pairs[0][1]
            conflict = Conflict(doc, row["d_source"], row["d_name"], row["d_text"], answers, reviews.get(doc))
            if conflict.open or not open_only:
                out.append(conflict)
        return out

    def annotators(self) -> list[str]:
        """Everyone who has answered something, sorted."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT annotator FROM answers ORDER BY annotator")]

    # -- the queue

    def next_items(
        self,
        queue: str,
        annotator: str,
        limit: int | None = None,
        order: str | Sequence[int] = "position",
        model: str | None = None,
    ) -> list[Item]:
        """The documents of ``queue`` the annotator has no current answer for, in ``order``.

        ``order`` is ``position`` (as added), ``uncertain`` (most uncertain latest suggestion
        first, see :func:`ner.ordering.uncertainty`; items without a suggestion last), or a
        sequence of document ids (those first, in that order; the others after, by position).
        Each item carries the latest suggestion (of ``model`` when given).
        """
        with self._read() as c:
            docs = c.execute(
                f"""SELECT d.* FROM documents AS d WHERE d.source = :queue AND d.id NOT IN
                    (SELECT cur.document FROM ({_CURRENT}) AS cur WHERE cur.id IS NOT NULL)
                    ORDER BY d.position""",
                {"queue": queue, "annotator": annotator},
            ).fetchall()
            sugg = c.execute(
                """SELECT s.* FROM suggestions AS s JOIN
                   (SELECT MAX(s2.id) AS id FROM suggestions AS s2 JOIN documents AS d ON d.id = s2.document
                    WHERE d.source = :queue AND (:model IS NULL OR s2.model = :model) GROUP BY s2.document) AS m
                   ON s.id = m.id""",
                {"queue": queue, "model": model},
            ).fetchall()
        by_doc = {r["document"]: self._suggestion(r) for r in sugg}
        items = [Item(r["id"], r["source"], r["name"], r["text"], r["position"], by_doc.get(r["id"])) for r in docs]
        if order == "position":
            pass
        elif order == "uncertain":
            items = ordering.order(
                items,
                "uncertain",
                predictions=[it.suggestion.entities if it.suggestion else None for it in items],
                fallbacks=[it.suggestion.confidence if it.suggestion else None for it in items],
            )
        elif isinstance(order, str):
            raise Invalid(f"unknown order {order!r} (expected 'position', 'uncertain' or a list of document ids)")
        else:
            rank = {doc_id: i for i, doc_id in enumerate(order)}
            items = sorted(items, key=lambda it: (rank.get(it.id, len(rank)), it.position))
        return items if limit is None else items[:limit]

    def progress(self, queue: str, annotator: str) -> QueueProgress:
        """How many of ``queue``'s documents the annotator has answered (skips count) and how many remain."""
        with self._read() as c:
            total = c.execute("SELECT COUNT(*) FROM documents WHERE source = ?", (queue,)).fetchone()[0]
            rows = c.execute(
                f"""SELECT a.status, COUNT(*) FROM ({_CURRENT}) AS cur JOIN answers AS a ON a.id = cur.id
                    JOIN documents AS d ON d.id = a.document WHERE d.source = :queue GROUP BY a.status""",
                {"queue": queue, "annotator": annotator},
            ).fetchall()
        by_status = {status: 0 for status in STATUSES} | {r[0]: r[1] for r in rows}
        done = sum(by_status.values())
        return QueueProgress(total=total, done=done, remaining=total - done, by_status=by_status)

    def integrity_check(self) -> str:
        """``ok`` when the database is sound: SQLite's ``PRAGMA integrity_check``; on PostgreSQL (whose pages
        the server checks) the history's links: every undo retracts an answer of its own document and annotator."""
        if self.url is None:
            return self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        bad = self.conn.execute(
            """SELECT COUNT(*) FROM answers AS u JOIN answers AS a ON a.id = u.undoes
               WHERE a.document <> u.document OR a.annotator <> u.annotator OR a.id >= u.id""").fetchone()[0]
        return "ok" if bad == 0 else f"{bad} undo rows retract another document's or annotator's answer"

    # -- Hub sync (ner.sync): the synced tables' rows, read after an id and restored with their ids

    SYNCED: dict[str, tuple[str, ...]] = {  # the tables ner.sync mirrors; never ``meta`` (secrets)
        "documents": ("id", "source", "name", "text", "position", "created"),
        "suggestions": ("id", "document", "model", "entities", "confidence", "created", "relations"),
        "answers": ("id", "document", "annotator", "status", "entities", "suggestion", "previous", "undoes",
                    "created", "relations"),
        "reviews": ("id", "document", "reviewer", "status", "entities", "chosen", "created", "relations"),
        "queues": ("name", "owner", "created", "deleted"),
    }

    def _synced(self, table: str) -> tuple[str, ...]:
        if table not in self.SYNCED:
            raise Invalid(f"not a synced table: {table!r} (expected one of {', '.join(self.SYNCED)})")
        return self.SYNCED[table]

    def rows_after(self, table: str, after: int = 0) -> list[dict]:
        """The rows of ``table`` with id above ``after``, in id order (``queues``, which has no id: all rows)."""
        cols = self._synced(table)
        args: tuple[int, ...] = ()
        if table == "queues":
            sql = f"SELECT {', '.join(cols)} FROM queues ORDER BY name"
        else:
            sql, args = f"SELECT {', '.join(cols)} FROM {table} WHERE id > ? ORDER BY id", (after,)
        with self._read() as c:
            return [dict(zip(cols, row)) for row in c.execute(sql, args).fetchall()]

    def count_after(self, table: str, after: int = 0) -> int:
        """How many rows of ``table`` have an id above ``after``."""
        self._synced(table)
        return self.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE id > ?", (after,)).fetchone()[0]

    def restore_rows(self, tables: dict[str, list[dict]]) -> None:
        """Insert rows with their own ids, table by table in :attr:`SYNCED` order, in one write transaction."""
        with self._write() as c:
            for table, cols in self.SYNCED.items():
                rows = sorted(tables.get(table, ()), key=lambda r: r["id"]) if table != "queues" else \
                    tables.get(table, [])
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                for row in rows:
                    c.execute(sql, tuple(row[col] for col in cols))
                if self.url is not None and table != "queues" and rows:
                    c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT MAX(id) FROM {table}))")
