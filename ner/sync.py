"""Hub sync: the annotation store mirrored to a private Hub dataset, and restored from it at start-up.

Layout of the mirror folder (``<data dir>/hub-sync``, pushed as is): ``<table>/<first-id>.jsonl`` for
the append-only tables (documents, suggestions, answers, reviews), one JSON object a line in id order;
each dump writes a new file with the rows above the last dumped id and never rewrites an old one, so a
push uploads only the new files. ``queues.jsonl`` (queues are renamed, deleted) is rewritten whole.
``meta`` (it holds :meth:`ner.store.Store.secret` keys) is never written.

For the SQLite store only: PostgreSQL commits concurrent ids out of order (a dump could skip an id
committed late) and is durable already. A crash loses at most what was saved since the last push.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from ner.files import atomic_write
from ner.store import Store

APPEND_ONLY: tuple[str, ...] = ("documents", "suggestions", "answers", "reviews")


class HistoryMismatch(ValueError):
    """The store holds a history that the Hub snapshot does not continue."""


def _last_id(folder: Path) -> int:
    """The highest id written under ``folder`` (its files' last lines), 0 when none."""
    last = 0
    for path in folder.glob("*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines()
        if lines:
            last = max(last, json.loads(lines[-1])["id"])
    return last


def read_mirror(folder: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Every row in a mirror folder, per table, the append-only ones in id order; ``ValueError`` naming a
    file whose ids repeat."""
    folder = Path(folder)
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in APPEND_ONLY:
        rows: list[dict[str, Any]] = []
        for path in sorted((folder / table).glob("*.jsonl")):
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        rows.sort(key=lambda r: r["id"])
        ids = [r["id"] for r in rows]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{folder / table}: an id appears in two dump files")
        tables[table] = rows
    queues = folder / "queues.jsonl"
    tables["queues"] = ([json.loads(line) for line in queues.read_text(encoding="utf-8").splitlines() if line]
                        if queues.exists() else [])
    return tables


class Mirror:
    """Dumps a store's new rows into a mirror folder (see the module docstring); thread-safe."""

    def __init__(self, store: Store, folder: str | Path) -> None:
        if store.url is not None:
            raise ValueError("Hub sync mirrors the SQLite store only: PostgreSQL (NER_DATABASE_URL) is durable "
                             "already; unset NER_HUB_SYNC or NER_DATABASE_URL")
        self.store = store
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.dumped = {table: _last_id(self.folder / table) for table in APPEND_ONLY}

    def dump(self) -> dict[str, int]:
        """Write the rows saved since the last dump; the highest id dumped per table."""
        with self._lock:
            for table in APPEND_ONLY:
                rows = self.store.rows_after(table, self.dumped[table])
                if not rows:
                    continue
                (self.folder / table).mkdir(exist_ok=True)
                text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
                atomic_write(self.folder / table / f"{rows[0]['id']:012d}.jsonl", text)
                self.dumped[table] = rows[-1]["id"]
            queues = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                             for r in self.store.rows_after("queues"))
            path = self.folder / "queues.jsonl"
            if not path.exists() or path.read_text(encoding="utf-8") != queues:
                atomic_write(path, queues)
            return dict(self.dumped)


def restore(store: Store, folder: str | Path) -> int:
    """Fill an empty ``store`` from a mirror folder, with the rows' own ids; the answers restored.

    A store that holds rows already is left as is when the snapshot is a prefix of its history (a restart
    with the disk kept) and refused with :class:`HistoryMismatch` otherwise."""
    tables = read_mirror(folder)
    held = {table: store.rows_after(table) for table in APPEND_ONLY}
    if any(held.values()):
        for table in APPEND_ONLY:
            if held[table][:len(tables[table])] != tables[table]:
                raise HistoryMismatch(f"{store!r} holds a {table} history that the Hub snapshot in {folder} "
                                      "does not match: move the database away or point NER_HUB_SYNC elsewhere")
        return 0
    store.restore_rows(tables)
    return len(tables["answers"])


class HubSync:
    """The mirror plus a :class:`huggingface_hub.CommitScheduler` that pushes it every ``minutes``.

    Status for the UI: :attr:`last_push` (epoch seconds or None), :attr:`error` (the last push's failure),
    :meth:`unpushed` (answers saved and not on the Hub yet)."""

    def __init__(self, store: Store, repo_id: str, folder: str | Path, minutes: float = 5,
                 token: str | None = None, endpoint: str | None = None) -> None:
        from huggingface_hub import CommitScheduler, HfApi, snapshot_download

        self.mirror = Mirror(store, folder)
        self.repo_id = repo_id
        self.last_push: float | None = None
        self.error: str | None = None
        self.pushed = dict(self.mirror.dumped)
        api = HfApi(endpoint=endpoint, token=token)
        api.create_repo(repo_id, repo_type="dataset", private=True, exist_ok=True)
        if not any(self.store_counts()):
            snapshot_download(repo_id, repo_type="dataset", local_dir=self.mirror.folder, token=token,
                              endpoint=endpoint)
        restore(store, self.mirror.folder)
        self.mirror.dumped = {table: max(self.mirror.dumped[table], _last_id(self.mirror.folder / table))
                              for table in APPEND_ONLY}
        self.pushed = dict(self.mirror.dumped)
        sync = self

        class _Scheduler(CommitScheduler):
            def push_to_hub(self):  # type: ignore[no-untyped-def]
                dumped = sync.mirror.dump()
                try:
                    info = super().push_to_hub()
                except Exception as exc:
                    sync.error = f"{type(exc).__name__}: {exc}"
                    raise
                sync.pushed, sync.last_push, sync.error = dumped, time.time(), None
                return info

        self.scheduler = _Scheduler(repo_id=repo_id, repo_type="dataset", folder_path=self.mirror.folder,
                                    every=minutes, private=True, token=token,
                                    hf_api=api,
                                    ignore_patterns=[".cache/**", ".*.tmp"])

    def store_counts(self) -> list[int]:
        return [self.mirror.store.count_after(table) for table in APPEND_ONLY]

    def unpushed(self) -> int:
        """Answers saved since the last successful push."""
        return self.mirror.store.count_after("answers", self.pushed["answers"])

    def push_now(self) -> None:
        """Push now and wait (the scheduler's final push at shutdown does the same)."""
        self.scheduler.trigger().result()

    def stop(self, push: bool = True) -> None:
        """A last push (unless ``push`` is False, as a kill would), then no more; waits for a push in flight."""
        try:
            if push:
                self.push_now()
        finally:
            self.scheduler.stop()
            self.scheduler.api.run_as_future(lambda: None).result()  # one worker: runs after any push queued
