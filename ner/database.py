"""The store's two databases: SQLite (a file, the default) and PostgreSQL (``NER_DATABASE_URL``).

:class:`ner.store.Store` writes its SQL once, in SQLite's dialect (``?`` and ``:name``
parameters, ``INSERT OR IGNORE``), and talks to a connection with SQLite's interface:
``execute(sql, params)`` returning a cursor with ``fetchone``, ``fetchall``, iteration,
``rowcount`` and ``lastrowid``, rows readable by index and by column name. For PostgreSQL,
:class:`PgConnection` gives that interface over psycopg 3: it rewrites the parameters to
psycopg's (``%s``, ``%(name)s``; literal ``%`` doubled), ``INSERT OR IGNORE`` to ``ON CONFLICT
DO NOTHING``, and adds ``RETURNING id`` to an insert into a table with an ``id`` so that
``lastrowid`` holds it. Parameters are bound on the client (psycopg's ``ClientCursor``, as
psycopg 2 did), so ``:x IS NULL`` needs no type.

Transactions keep SQLite's guarantee: one writer at a time. SQLite's ``BEGIN IMMEDIATE``
becomes ``BEGIN`` plus a transaction-level advisory lock (:data:`WRITE_LOCK`), taken before
any read, so that what a write transaction reads stays true until it commits, across every
process and replica on the database. Reads take a ``REPEATABLE READ`` snapshot.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WRITE_LOCK = 0x6E6572  # pg_advisory_xact_lock key of the store's write transactions ("ner")
_ID_TABLES = ("documents", "suggestions", "answers", "reviews")

PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id BIGSERIAL PRIMARY KEY,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    position INTEGER NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (source, text)
);
CREATE INDEX IF NOT EXISTS documents_source ON documents (source, position);
CREATE TABLE IF NOT EXISTS suggestions (
    id BIGSERIAL PRIMARY KEY,
    document BIGINT NOT NULL REFERENCES documents (id),
    model TEXT NOT NULL,
    entities TEXT NOT NULL,
    confidence DOUBLE PRECISION,
    created TEXT NOT NULL,
    relations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS suggestions_document ON suggestions (document, model, id);
CREATE TABLE IF NOT EXISTS answers (
    id BIGSERIAL PRIMARY KEY,
    document BIGINT NOT NULL REFERENCES documents (id),
    annotator TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'skipped', 'undone')),
    entities TEXT NOT NULL,
    suggestion BIGINT REFERENCES suggestions (id),
    previous BIGINT REFERENCES answers (id),
    undoes BIGINT REFERENCES answers (id),
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
    id BIGSERIAL PRIMARY KEY,
    document BIGINT NOT NULL REFERENCES documents (id),
    reviewer TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    entities TEXT NOT NULL,
    chosen TEXT,
    created TEXT NOT NULL,
    relations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS reviews_document ON reviews (document, id);
CREATE OR REPLACE FUNCTION ner_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% are append-only: %', TG_TABLE_NAME, TG_ARGV[0]; END $$;
CREATE OR REPLACE TRIGGER answers_append_only BEFORE UPDATE OR DELETE ON answers
FOR EACH ROW EXECUTE FUNCTION ner_append_only('save a new answer or undo');
CREATE OR REPLACE TRIGGER answers_no_truncate BEFORE TRUNCATE ON answers
FOR EACH STATEMENT EXECUTE FUNCTION ner_append_only('save a new answer or undo');
CREATE OR REPLACE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
FOR EACH ROW EXECUTE FUNCTION ner_append_only('save a new review');
CREATE OR REPLACE TRIGGER reviews_no_truncate BEFORE TRUNCATE ON reviews
FOR EACH STATEMENT EXECUTE FUNCTION ner_append_only('save a new review')
"""


def is_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL database (``postgresql://`` or ``postgres://``) rather than a file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def pg_statements() -> list[str]:
    """:data:`PG_SCHEMA` cut into statements (a function body's ``;`` sits between ``$$``)."""
    out, buf = [], ""
    for piece in PG_SCHEMA.split(";"):
        buf += piece + ";"
        if buf.count("$$") % 2 == 0:
            if buf.strip(" \n;"):
                out.append(buf.strip().rstrip(";"))
            buf = ""
    return out


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def translate(sql: str, params: Sequence | dict) -> str:
    """SQLite's parameters and ``INSERT OR IGNORE`` in psycopg's and PostgreSQL's words."""
    if params:  # psycopg reads ``%`` only when there are parameters
        sql = sql.replace("%", "%%")
        sql = _NAMED.sub(r"%(\1)s", sql) if isinstance(params, dict) else sql.replace("?", "%s")
    if sql.lstrip().upper().startswith("INSERT OR IGNORE"):
        sql = re.sub(r"(?i)INSERT OR IGNORE", "INSERT", sql, count=1) + " ON CONFLICT DO NOTHING"
    return sql


class Row(tuple):
    """A result row read by index or by column name, as ``sqlite3.Row`` is."""

    names: dict[str, int]

    def __new__(cls, names: dict[str, int], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row.names = names
        return row

    def __getitem__(self, key):  # type: ignore[override]
        return super().__getitem__(self.names[key] if isinstance(key, str) else key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor):
    names: dict[str, int] = {}
    for i, column in enumerate(cursor.description or ()):
        names.setdefault(column.name, i)  # ``a.*`` beside ``d.id AS d_id``: the first of a name wins, as in SQLite
    return lambda values: Row(names, values)


class PgCursor:
    """A finished statement's rows, ``rowcount`` and ``lastrowid`` (the id an insert returned)."""

    def __init__(self, cursor, returned_id: bool) -> None:
        self.cursor, self.rowcount, self.lastrowid = cursor, cursor.rowcount, None
        if returned_id:
            row = cursor.fetchone()
            self.lastrowid = None if row is None else row[0]

    def fetchone(self):
        return self.cursor.fetchone() if self.cursor.description else None

    def fetchall(self) -> list:
        return self.cursor.fetchall() if self.cursor.description else []

    def __iter__(self) -> Iterator:
        return iter(self.fetchall())


class PgConnection:
    """One psycopg 3 connection (autocommit: transactions are the store's ``BEGIN`` and ``COMMIT``)."""

    def __init__(self, url: str, timeout: float) -> None:
        import psycopg

        self.raw = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor,
                                   connect_timeout=max(1, int(timeout)))
        self.raw.row_factory = _row_factory
        self.raw.execute(f"SET lock_timeout = {int(timeout * 1000)}")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence | dict = ()) -> PgCursor:
        head = sql.lstrip().upper()
        if head == "BEGIN IMMEDIATE":
            self.raw.execute("BEGIN")
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            return PgCursor(self.raw.cursor(), False)
        if head == "BEGIN":
            self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            return PgCursor(self.raw.cursor(), False)
        returned_id = head.startswith("INSERT INTO") and head.split()[2].split("(")[0].lower() in _ID_TABLES
        text = translate(sql, params) + (" RETURNING id" if returned_id else "")
        cursor = self.raw.cursor()
        cursor.execute(text, params if params else None)
        return PgCursor(cursor, returned_id)

    def close(self) -> None:
        self.raw.close()


def redacted(url: str) -> str:
    """A database URL without its password, to show or log."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


@contextmanager
def throwaway_server(port: int) -> Iterator[str]:
    """A PostgreSQL server of its own, from Debian's binaries, for tests and benchmarks: started in a new folder
    (as the ``postgres`` user when run as root), removed on exit. Yields the URL of its ``postgres`` database.
    ``FileNotFoundError`` when PostgreSQL is not installed (``apt-get install postgresql``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise FileNotFoundError("PostgreSQL is not installed (apt-get install postgresql)")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="ner-pg-"))  # under /tmp: the postgres user must be able to enter it
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    try:
        subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "ner", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                        f"-p {port} -k {folder} -c listen_addresses=localhost -c max_connections=200", "start"],
                       check=True, capture_output=True)
        yield f"postgresql://ner@localhost:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str) -> str:
    """A new, empty database on ``server`` (a URL whose user may create databases); its URL."""
    import psycopg

    name = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name
