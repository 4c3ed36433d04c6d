"""The annotation store: history, the current answer, undo, validation, concurrency, crashes."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest

from ner.access import Passes
from ner.entities import Document, Entity, entities_from_json, entity, entity_to_json
from ner.relations.triples import triples
from ner.store import SCHEMA_VERSION, Store, default_path

APPEND_ONLY = (sqlite3.IntegrityError, psycopg.errors.RaiseException)  # the triggers' refusal, on either database

ROOT = Path(__file__).resolve().parent.parent
ASMA = "El asma es una enfermedad crónica de los pulmones."
GRIPE = "La vacuna reduce el riesgo de gripe."
NADA = "Nada que decir aquí."


def at(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def ent(text: str, word: str, label: str = "Concept", score: float | None = None) -> Entity:
    return entity(*at(text, word), label, score)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path):
    """Where a store lives: a SQLite file, or a fresh database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "annotations.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(target):
    with Store(target) as s:
        yield s


@pytest.fixture
def ids(store):
    return store.add_documents("demo", [ASMA, GRIPE, NADA])


# --- documents --------------------------------------------------------------------------


def test_default_path_follows_ner_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NER_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_path() == tmp_path / "elsewhere" / "annotations.db"
    with Store() as s:
        assert s.path.is_file()
    monkeypatch.setenv("NER_DATA_DIR", "relative")  # a relative setting: against the working directory
    monkeypatch.chdir(tmp_path)
    assert default_path() == tmp_path / "relative" / "annotations.db"
    monkeypatch.delenv("NER_DATA_DIR")  # the default: the project's data/, whatever the working directory
    assert default_path() == ROOT / "data" / "annotations.db"


def test_database_settings(tmp_path):
    store = Store(tmp_path / "annotations.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000


def test_add_documents_is_idempotent_on_queue_and_text(store):
    first = store.add_documents("demo", [ASMA, GRIPE])
    again = store.add_documents("demo", [GRIPE, NADA, ASMA])
    assert again == [first[1], first[1] + 1, first[0]]
    assert store.document_ids("demo") == [first[0], first[1], first[1] + 1]
    other = store.add_documents("other", [ASMA])
    assert other[0] not in first
    assert store.queue_names() == ["demo", "other"]


def test_documents_keep_their_own_ids_as_names(store):
    (doc_id,) = store.add_documents("train", [Document("training/7", ASMA, (ent(ASMA, "asma"),))])
    (text_id,) = store.add_documents("train", [GRIPE])
    assert store.document(doc_id) == Document("training/7", ASMA, annotated=False)
    assert store.document(text_id).id == "train/2"


# --- answers, history, undo -------------------------------------------------------------


def test_latest_answer_wins_and_history_keeps_everything(store, ids):
    first = [ent(ASMA, "asma")]
    second = [ent(ASMA, "asma"), ent(ASMA, "pulmones")]
    a1 = store.save_answer(ids[0], "ana", "accepted", first)
    a2 = store.save_answer(ids[0], "ana", "accepted", second)
    assert store.latest_answers("ana") == [Document("demo/1", ASMA, tuple(second))]
    hist = store.history(ids[0])
    assert [(h.id, h.status, h.previous) for h in hist] == [(a1, "accepted", None), (a2, "accepted", a1)]
    assert hist[0].entities == tuple(first)
    assert store.current_answer(ids[0], "ana").id == a2


def test_status_filters_and_scores_are_dropped_from_answers(store, ids):
    store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma", score=0.8)])
    store.save_answer(ids[1], "ana", "rejected", [ent(GRIPE, "gripe")])
    store.save_answer(ids[2], "ana", "skipped")
    assert [d.text for d in store.latest_answers("ana")] == [ASMA]
    assert [d.text for d in store.latest_answers("ana", status="rejected")] == [GRIPE]
    assert [d.text for d in store.latest_answers("ana", status=None)] == [ASMA, GRIPE, NADA]
    assert store.latest_answers("ana")[0].entities[0].score is None
    assert store.latest_answers("bob") == []


def test_undo_steps_back_through_the_answers_like_a_stack(store, ids):
    a1 = store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma")])
    a2 = store.save_answer(ids[0], "ana", "rejected", [])
    store.save_answer(ids[0], "bob", "accepted", [ent(ASMA, "pulmones")])
    assert store.undo(ids[0], "ana").id == a2
    assert store.current_answer(ids[0], "ana").id == a1
    assert store.undo(ids[0], "ana").id == a1
    assert store.current_answer(ids[0], "ana") is None
    assert store.undo(ids[0], "ana") is None  # nothing left: no row written
    assert store.current_answer(ids[0], "bob").entities == (ent(ASMA, "pulmones"),)  # others untouched
    history = store.history(ids[0], "ana")
    assert [h.status for h in history] == ["accepted", "rejected", "undone", "undone"]
    assert [h.undoes for h in history[2:]] == [a2, a1]


def test_saving_after_an_undo_then_undoing_returns_to_the_answer_before(store, ids):
    a1 = store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma")])
    store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "pulmones")])
    store.undo(ids[0], "ana")
    a3 = store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "enfermedad")])
    assert store.history(ids[0])[-1].previous == a1
    assert store.undo(ids[0], "ana").id == a3
    assert store.current_answer(ids[0], "ana").id == a1
    assert store.latest_answers("ana")[0].entities == (ent(ASMA, "asma"),)


def test_undo_last_walks_back_in_time_across_documents(store, ids):
    x1 = store.save_answer(ids[0], "ana", "accepted", [])
    x2 = store.save_answer(ids[1], "ana", "accepted", [])
    x3 = store.save_answer(ids[0], "ana", "rejected", [])
    store.save_answer(ids[2], "bob", "accepted", [])
    assert [store.undo_last("ana").id for _ in range(3)] == [x3, x2, x1]
    assert store.undo_last("ana") is None
    assert store.latest_answers("ana", status=None) == []
    assert store.undo_last("bob", queue="nowhere") is None
    assert store.latest_answers("bob") != []


def test_latest_answers_across_annotators_takes_the_newest_with_that_status(store, ids):
    store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma")])
    store.save_answer(ids[0], "bob", "accepted", [ent(ASMA, "pulmones")])
    store.save_answer(ids[1], "bob", "accepted", [ent(GRIPE, "gripe")])
    store.save_answer(ids[1], "ana", "rejected", [])
    docs = store.latest_answers()
    assert [(d.text, d.entities) for d in docs] == [
        (ASMA, (ent(ASMA, "pulmones"),)),
        (GRIPE, (ent(GRIPE, "gripe"),)),
    ]
    assert store.annotators() == ["ana", "bob"]


def test_progress_and_next_items(store, ids):
    assert store.progress("demo", "ana").remaining == 3
    store.save_answer(ids[1], "ana", "skipped")
    store.save_answer(ids[0], "ana", "accepted", [])
    progress = store.progress("demo", "ana")
    assert (progress.total, progress.done, progress.remaining) == (3, 2, 1)
    assert progress.by_status == {"accepted": 1, "rejected": 0, "skipped": 1}
    assert [it.id for it in store.next_items("demo", "ana")] == [ids[2]]
    assert [it.id for it in store.next_items("demo", "bob")] == ids
    store.undo(ids[0], "ana")
    assert [it.id for it in store.next_items("demo", "ana")] == [ids[0], ids[2]]
    assert store.progress("demo", "ana").done == 1


def test_next_items_orders_by_uncertainty_of_the_latest_suggestion(store, ids):
    store.add_suggestion(ids[0], "m", [ent(ASMA, "asma", score=0.4)])  # replaced below
    s1 = store.add_suggestion(ids[0], "m", [ent(ASMA, "asma", score=0.99)])
    store.add_suggestion(ids[1], "m", [ent(GRIPE, "gripe", score=0.9), ent(GRIPE, "reduce", "Action", 0.6)])
    store.add_suggestion(ids[2], "m", [], confidence=0.8)
    items = store.next_items("demo", "ana", order="uncertain")
    assert [it.id for it in items] == [ids[1], ids[2], ids[0]]  # uncertainty 0.4, 0.2, 0.01
    assert items[2].suggestion.id == s1
    assert items[0].to_document().entities[1].score == 0.9
    assert [it.id for it in store.next_items("demo", "ana", order=[ids[2]], limit=2)] == [ids[2], ids[0]]
    with pytest.raises(ValueError, match="unknown order"):
        store.next_items("demo", "ana", order="random")


def test_answers_cannot_be_updated_or_deleted(store, ids):
    answer = store.save_answer(ids[0], "ana", "accepted", [])
    for sql in ("UPDATE answers SET status = 'rejected' WHERE id = ?", "DELETE FROM answers WHERE id = ?"):
        with pytest.raises(APPEND_ONLY, match="append-only"):
            store.conn.execute(sql, (answer,))
    assert [h.status for h in store.history(ids[0])] == ["accepted"]


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entity(0, 2, "Disease"), "unknown label 'Disease'"),
        (entity(0, 2, "<b>x</b>"), "unknown label '<b>x</b>'"),
        (entity(0, 2, "concept"), "unknown label 'concept'"),
        (entity(len(ASMA) - 1, len(ASMA) + 5, "Concept"), "ends outside the text"),
        (entity(len("El a"), len("El asma"), "Concept"), "word boundaries"),
        (entity(len("El "), len("El as"), "Concept"), "word boundaries"),
        (entity(len("El"), len("El asma"), "Concept"), "word boundaries"),  # starts on a space
        (Entity(((3, 7), (5, 10)), "Concept"), "word boundaries|overlap"),
        ({"label": "Concept", "fragments": [[3, 7]]}, "expected an Entity, got dict"),
    ],
)
def test_bad_entities_are_refused_and_nothing_is_written(store, ids, bad, message):
    with pytest.raises(ValueError, match=message):
        store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma"), bad])
    assert store.history(ids[0]) == []
    with pytest.raises(ValueError, match=message):
        store.add_suggestion(ids[0], "m", [bad])


def test_error_messages_name_the_document_and_entity(store, ids):
    with pytest.raises(ValueError, match=rf"answer for document {ids[0]}: entity 2 \(Concept\)"):
        store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma"), entity(3, 5, "Concept")])


def test_json_entities_are_read_by_the_codec_then_saved(store, ids):
    store.save_answer(ids[0], "ana", "accepted", entities_from_json(ASMA, [{"label": "Concept", "start": 3, "end": 7}]))
    reduce = entities_from_json(GRIPE, [{"label": "Action", "fragments": [list(at(GRIPE, "reduce"))]}])
    store.save_answer(ids[1], "ana", "accepted", reduce)
    assert [d.entities for d in store.latest_answers("ana")] == [
        (ent(ASMA, "asma"),),
        (ent(GRIPE, "reduce", "Action"),),
    ]


def test_entity_columns_hold_the_json_shape(store, ids):
    store.add_suggestion(ids[0], "m", [ent(ASMA, "asma", score=0.8)])
    store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma", score=0.8)])
    column = store.conn.execute("SELECT entities FROM suggestions").fetchone()[0]
    assert json.loads(column) == [entity_to_json(ent(ASMA, "asma", score=0.8), ASMA)]
    column = store.conn.execute("SELECT entities FROM answers").fetchone()[0]
    assert json.loads(column) == [{"label": "Concept", "start": 3, "end": 7, "text": "asma", "fragments": [[3, 7]],
                                   "score": None}]  # answers keep no score


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, i: s.save_answer(i, "ana", "done", []), "unknown status 'done'"),
        (lambda s, i: s.save_answer(i, "ana", "undone", []), "unknown status 'undone'"),
        (lambda s, i: s.save_answer(i, " ", "accepted", []), "annotator"),
        (lambda s, i: s.save_answer(9999, "ana", "accepted", []), "unknown document id 9999"),
        (lambda s, i: s.add_suggestion(i, "m", [], confidence=1.5), "confidence"),
        (lambda s, i: s.latest_answers(status="maybe"), "unknown status"),
        (lambda s, i: s.add_documents("", ["x"]), "queue must be a non-empty name"),
        (lambda s, i: s.add_documents("demo", ["x", "  "]), "demo, item 2: the text is empty"),
    ],
)
def test_bad_calls_raise_value_error(store, ids, call, message):
    with pytest.raises(ValueError, match=message):
        call(store, ids[0])


def test_suggestions_are_separate_from_answers(store, ids):
    sid = store.add_suggestion(ids[0], "tiny-roberta", [ent(ASMA, "asma", score=0.7)], confidence=0.9)
    latest = store.latest_suggestion(ids[0])
    assert (latest.id, latest.model, latest.confidence) == (sid, "tiny-roberta", 0.9)
    assert latest.entities[0].score == 0.7
    assert store.latest_answers(status=None) == []
    store.save_answer(ids[0], "ana", "accepted", latest.entities, suggestion=sid)
    assert store.history(ids[0])[0].suggestion == sid
    with pytest.raises(ValueError, match="not a suggestion for document"):
        store.save_answer(ids[1], "ana", "accepted", [], suggestion=sid)


# --- concurrency ------------------------------------------------------------------------

THREADS, PROCESSES, SAVES = 4, 4, 100


def _save_many(store: Store, doc_ids: list[int], annotator: str) -> None:
    for k in range(SAVES):
        store.save_answer(doc_ids[k % len(doc_ids)], annotator, "accepted", [])


def _process_main(path: str, doc_ids: list[int], annotator: str) -> None:
    with Store(path) as store:
        _save_many(store, doc_ids, annotator)


def test_threads_and_processes_saving_at_once_lose_nothing(target):
    path = target
    shared = Store(path)
    doc_ids = shared.add_documents("demo", [ASMA, GRIPE, NADA])
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_main, args=(str(path), doc_ids, f"proc{i}")) for i in range(PROCESSES)]
    # one process inherits the parent's Store object: it must open its own connection
    procs.append(ctx.Process(target=_save_many, args=(shared, doc_ids, "inherited")))
    threads = [threading.Thread(target=_save_many, args=(shared, doc_ids, f"thread{i}")) for i in range(THREADS)]
    for worker in procs + threads:
        worker.start()
    for worker in procs + threads:
        worker.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    with Store(path) as fresh:
        counts = dict(fresh.conn.execute("SELECT annotator, COUNT(*) FROM answers GROUP BY annotator").fetchall())
        assert counts == {name: SAVES for name in [f"proc{i}" for i in range(PROCESSES)] + ["inherited"]} | {
            f"thread{i}": SAVES for i in range(THREADS)
        }
        # each row's previous is the same annotator's row before it: no save read a stale current answer
        rows = fresh.conn.execute("SELECT id, document, annotator, previous FROM answers ORDER BY id").fetchall()
        last: dict[tuple[int, str], int] = {}
        for row in rows:
            assert row["previous"] == last.get((row["document"], row["annotator"]))
            last[(row["document"], row["annotator"])] = row["id"]
        assert fresh.integrity_check() == "ok"
    shared.close()


CHILD = """
import sys
from ner.entities import entity
from ner.store import Store
store = Store(sys.argv[1])
doc_id = store.add_documents("crash", ["Una frase cualquiera con palabras."])[0]
for k in range(100000):
    answer = store.save_answer(doc_id, "child", "accepted", [entity(4, 9, "Concept")])
    print(answer, flush=True)
"""


@pytest.mark.slow
def test_a_killed_process_leaves_every_committed_save(tmp_path):
    path = tmp_path / "annotations.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ | {}
    )
    flagged = [int(proc.stdout.readline()) for _ in range(300)]
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    flagged += [int(line) for line in rest.split("\n") if line.strip().isdigit()]
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = [r[0] for r in conn.execute("SELECT id FROM answers ORDER BY id")]
        assert set(flagged) <= set(stored)
        assert len(stored) - len(flagged) <= 1  # at most the save that committed before its id was printed
        for (raw,) in conn.execute("SELECT entities FROM answers"):
            assert json.loads(raw) == [
                {"label": "Concept", "start": 4, "end": 9, "text": "frase", "fragments": [[4, 9]], "score": None}
            ]
    finally:
        conn.close()
    with Store(path) as again:  # and the store carries on
        assert again.current_answer(1, "child").id == stored[-1]
        again.save_answer(1, "child", "rejected", [])


# --- schema versions ----------------------------------------------------------------------

# The file as schema version 1 wrote it: no queues table.
SCHEMA_V1 = """
CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL,
    position INTEGER NOT NULL, created TEXT NOT NULL, UNIQUE (source, text));
CREATE INDEX documents_source ON documents (source, position);
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document INTEGER NOT NULL REFERENCES documents (id),
    model TEXT NOT NULL, entities TEXT NOT NULL, confidence REAL, created TEXT NOT NULL);
CREATE INDEX suggestions_document ON suggestions (document, model, id);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document INTEGER NOT NULL REFERENCES documents (id),
    annotator TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected', 'skipped', 'undone')),
    entities TEXT NOT NULL, suggestion INTEGER REFERENCES suggestions (id),
    previous INTEGER REFERENCES answers (id), undoes INTEGER REFERENCES answers (id),
    created TEXT NOT NULL, CHECK ((status = 'undone') = (undoes IS NOT NULL)));
CREATE INDEX answers_document ON answers (document, annotator, id);
CREATE INDEX answers_annotator ON answers (annotator, id);
CREATE TRIGGER answers_no_update BEFORE UPDATE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only: save a new answer or undo'); END;
CREATE TRIGGER answers_no_delete BEFORE DELETE ON answers
BEGIN SELECT RAISE(ABORT, 'answers are append-only: save a new answer or undo'); END;
INSERT INTO documents VALUES (1, 'demo', 'demo/1', 'El asma es una enfermedad.', 0, '2024-01-02T00:00:00+00:00');
INSERT INTO documents VALUES (2, 'demo', 'demo/2', 'Nada que decir.', 1, '2024-01-03T00:00:00+00:00');
INSERT INTO documents VALUES (3, 'otra', 'otra/1', 'La gripe.', 0, '2024-02-01T00:00:00+00:00');
INSERT INTO answers VALUES (1, 1, 'ana', 'accepted', '[{"label": "Concept", "fragments": [[3, 7]]}]',
    NULL, NULL, NULL, '2024-03-01T00:00:00+00:00');
PRAGMA user_version = 1;
"""


def test_a_version_1_file_is_migrated_and_keeps_everything(tmp_path):
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_V1)
    conn.close()
    with Store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        # every queue name of a v1 file becomes a shared queue, dated by its first document
        assert [(q.name, q.owner, q.created, q.deleted, q.size) for q in s.queues()] == [
            ("demo", None, "2024-01-02T00:00:00+00:00", None, 2),
            ("otra", None, "2024-02-01T00:00:00+00:00", None, 1),
        ]
        assert s.current_answer(1, "ana").entities == (entity(len("El "), len("El asma"), "Concept"),)
        assert s.progress("demo", "ana").done == 1
        s.create_queue("nueva", "ana")  # and the v2 tables work
        assert s.queue("nueva").owner == "ana"
    with Store(path) as again:  # opening a v2 file migrates nothing twice
        assert [q.name for q in again.queues()] == ["demo", "nueva", "otra"]


def test_a_file_from_newer_code_is_refused(tmp_path):
    path = tmp_path / "v9.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 9")
    conn.close()
    with pytest.raises(ValueError, match="schema version 9 is newer than this code"):
        Store(path)


def test_a_version_2_file_gets_the_reviews_table_and_keeps_everything(tmp_path):
    path = tmp_path / "v2.db"
    with Store(path) as s:  # a v2 file: this code's schema without the reviews table
        (doc,) = s.add_documents("demo", [ASMA])
        s.save_answer(doc, "ana", "accepted", [ent(ASMA, "asma")])
        s.conn.execute("DROP TABLE reviews")
        s.conn.execute("PRAGMA user_version = 2")
    with Store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.current_answer(doc, "ana").entities == (ent(ASMA, "asma"),)
        s.save_review(doc, "admin", "accepted", [ent(ASMA, "pulmones")])
        assert s.latest_answers()[0].entities == (ent(ASMA, "pulmones"),)
        with pytest.raises(APPEND_ONLY, match="append-only"):
            s.conn.execute("DELETE FROM reviews")


# A file of schema version 3: queues and reviews, no relations anywhere.
SCHEMA_V3 = SCHEMA_V1.replace("PRAGMA user_version = 1;", """
CREATE TABLE queues (name TEXT PRIMARY KEY, owner TEXT, created TEXT NOT NULL, deleted TEXT);
INSERT INTO queues VALUES ('demo', NULL, '2024-01-02T00:00:00+00:00', NULL);
INSERT INTO queues VALUES ('otra', NULL, '2024-02-01T00:00:00+00:00', NULL);
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT, document INTEGER NOT NULL REFERENCES documents (id),
    reviewer TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('accepted', 'rejected')),
    entities TEXT NOT NULL, chosen TEXT, created TEXT NOT NULL);
INSERT INTO reviews VALUES (1, 1, 'admin', 'accepted', '[{"label": "Concept", "fragments": [[3, 7]]}]', 'ana',
    '2024-03-02T00:00:00+00:00');
PRAGMA user_version = 3;
""")


def test_a_version_3_file_gets_relations_beside_its_entities_and_keeps_every_answer(tmp_path):
    path = tmp_path / "v3.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_V3)
    conn.close()
    with Store(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        old = s.current_answer(1, "ana")
        assert old.entities == (entity(len("El "), len("El asma"), "Concept"),) and old.relations == ()
        assert s.current_review(1).relations == () and s.integrity_check() == "ok"
        asma, enfermedad = entity(len("El "), len("El asma"), "Concept"), entity(len("El asma es una "),
                                                                                 len("El asma es una enfermedad"),
                                                                                 "Concept")
        # given in another order than the store keeps them: the relation is renumbered with them
        s.save_answer(1, "ben", "accepted", [enfermedad, asma], relations=[("is-a", 1, 0)])
        kept = s.current_answer(1, "ben")
        assert kept.entities == (asma, enfermedad) and triples(Document("", "", kept.entities, kept.relations)) == [
            ("is-a", 0, 1)]
        with pytest.raises(APPEND_ONLY, match="append-only"):
            s.conn.execute("UPDATE answers SET relations = '[]'")
    with Store(path) as again:
        assert [h.id for h in again.history(1)] == [1, 2]  # nothing migrated twice


def test_relations_are_checked_and_stored_with_an_answer_a_suggestion_and_a_review(store, ids):
    asma = ent(ASMA, "asma")
    pulmones = ent(ASMA, "pulmones")
    with pytest.raises(ValueError, match="no such pair"):
        store.save_answer(ids[0], "ana", "accepted", [asma], relations=[("is-a", 0, 1)])
    with pytest.raises(ValueError, match="unknown relation"):
        store.save_answer(ids[0], "ana", "accepted", [asma, pulmones], relations=[("cures", 0, 1)])
    assert store.history(ids[0]) == []  # refused whole
    sid = store.add_suggestion(ids[0], "m", [pulmones, asma], relations={("part-of", 1, 0): 0.7})
    found = store.suggestion(sid)
    assert [(r.kind, r.args, r.score) for r in found.relations] == [("part-of", (("Arg1", 0), ("Arg2", 1)), 0.7)]
    store.save_review(ids[0], "admin", "accepted", [asma, pulmones], relations=[("same-as", 1, 0)])
    (doc,) = [d for d in store.latest_answers() if d.text == ASMA]
    assert triples(doc) == [("same-as", 1, 0)] and doc.relations[0].star


# --- reviews ----------------------------------------------------------------------------


def test_conflicts_are_disagreeing_current_answers(store, ids):
    asma, gripe, nada = ids
    store.save_answer(asma, "ana", "accepted", [ent(ASMA, "asma")])
    store.save_answer(asma, "ben", "accepted", [ent(ASMA, "asma"), ent(ASMA, "pulmones")])
    store.save_answer(gripe, "ana", "accepted", [ent(GRIPE, "gripe")])
    store.save_answer(gripe, "ben", "rejected")
    store.save_answer(nada, "ana", "rejected")
    store.save_answer(nada, "ben", "rejected", [])  # two rejections agree
    store.save_answer(nada, "eva", "skipped")  # a skip is no opinion
    found = store.conflicts()
    assert [(c.document, [(a.annotator, a.status) for a in c.answers]) for c in found] == [
        (asma, [("ana", "accepted"), ("ben", "accepted")]),
        (gripe, [("ana", "accepted"), ("ben", "rejected")]),
    ]
    assert found[0].queue == "demo" and found[0].text == ASMA and found[0].open
    store.save_answer(asma, "ben", "accepted", [ent(ASMA, "asma")])  # ben comes round: they agree now
    assert [c.document for c in store.conflicts()] == [gripe]


def test_a_review_settles_a_conflict_until_an_answer_changes(store, ids):
    asma = ids[0]
    store.save_answer(asma, "ana", "accepted", [ent(ASMA, "asma")])
    store.save_answer(asma, "ben", "accepted", [ent(ASMA, "pulmones")])
    assert store.latest_answers()[0].entities == (ent(ASMA, "pulmones"),)  # latest answer wins, unreviewed
    first = store.save_review(asma, "boss", "accepted", [ent(ASMA, "asma")], chosen="ana")
    assert store.conflicts() == [] and [c.document for c in store.conflicts(open_only=False)] == [asma]
    assert store.latest_answers()[0].entities == (ent(ASMA, "asma"),)  # the review wins
    assert store.latest_answers("ben")[0].entities == (ent(ASMA, "pulmones"),)  # one annotator: their own
    merged = [ent(ASMA, "asma"), ent(ASMA, "pulmones", "Reference")]
    second = store.save_review(asma, "boss", "accepted", merged)
    assert [(r.id, r.reviewer, r.chosen) for r in store.reviews(asma)] == [
        (first, "boss", "ana"), (second, "boss", None)]
    assert store.current_review(asma).entities == tuple(sorted(merged))
    assert store.latest_answers()[0].entities == tuple(sorted(merged))
    store.save_answer(asma, "ana", "accepted", [ent(ASMA, "enfermedad")])  # a later answer reopens it
    assert [c.document for c in store.conflicts()] == [asma]
    assert store.latest_answers()[0].entities == tuple(sorted(merged))  # the review still counts
    store.save_review(asma, "boss", "rejected", [ent(ASMA, "asma")])  # rejected: its entities are not kept
    assert store.latest_answers() == [] and store.latest_answers(status="rejected")[0].entities == ()
    with pytest.raises(APPEND_ONLY, match="append-only"):
        store.conn.execute("UPDATE reviews SET reviewer = 'x'")


def test_bad_reviews_are_refused(store, ids):
    with pytest.raises(ValueError, match="unknown review status 'skipped'"):
        store.save_review(ids[0], "boss", "skipped")
    with pytest.raises(ValueError, match="reviewer must be a non-empty name"):
        store.save_review(ids[0], " ", "accepted")
    with pytest.raises(ValueError, match="review of document"):
        store.save_review(ids[0], "boss", "accepted", [entity(0, len(ASMA) + 5, "Concept")])
    assert store.reviews(ids[0]) == []


def test_queue_answers_reads_a_whole_queue_in_one_query(store, ids):
    from ner.annotation.items import QueueItem, queue_items

    asma, gripe, nada = ids
    tos, fiebre = store.add_documents("demo", ["La tos seca dura semanas.", "La fiebre baja sola."])
    store.add_documents("other", [ASMA])  # another queue's answers stay out
    store.save_answer(store.document_ids("other")[0], "ana", "rejected")
    store.save_answer(asma, "ana", "accepted", [ent(ASMA, "asma")])
    store.save_answer(asma, "ben", "accepted", [ent(ASMA, "asma")])  # they agree
    store.save_answer(gripe, "ana", "accepted", [ent(GRIPE, "gripe")])
    store.save_answer(gripe, "ben", "rejected")  # a conflict...
    store.save_review(gripe, "boss", "accepted", [ent(GRIPE, "gripe")], chosen="ana")  # ...reviewed
    store.save_answer(nada, "ana", "rejected")
    store.save_answer(nada, "ben", "accepted", [])  # a conflict, open
    store.save_answer(tos, "ana", "skipped")
    store.save_answer(tos, "ben", "accepted", [ent("La tos seca dura semanas.", "tos")])
    store.save_answer(fiebre, "ana", "accepted")
    store.undo(fiebre, "ana")  # undone: to do again
    store.save_answer(fiebre, "ben", "rejected")
    store.save_answer(fiebre, "ben", "skipped")  # the newest counts

    statements: list[str] = []
    real = store.conn

    class Counting:  # the connection, counting the statements sent through it (on either database)
        def execute(self, sql, *params):
            statements.append(sql)
            return real.execute(sql, *params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "conn", property(lambda self: Counting()))
        found = store.queue_answers("demo")
        listed = queue_items(store, "demo", "ana")
    assert len(statements) == 3  # queue_answers: one; queue_items: two (answers, reviews), however many documents
    assert [(doc, d.text, [(a.annotator, a.status) for a in answers]) for doc, d, answers in found] == [
        (asma, ASMA, [("ana", "accepted"), ("ben", "accepted")]),
        (gripe, GRIPE, [("ana", "accepted"), ("ben", "rejected")]),
        (nada, NADA, [("ana", "rejected"), ("ben", "accepted")]),
        (tos, "La tos seca dura semanas.", [("ana", "skipped"), ("ben", "accepted")]),
        (fiebre, "La fiebre baja sola.", [("ben", "skipped")]),
    ]
    assert found[0][1].id == "demo/1" and found[0][2][0].entities == (ent(ASMA, "asma"),)
    # the same answers as the per-document reads
    assert {a.id for _, _, answers in found for a in answers} == {
        a.id for a, _ in store.current_answers(queue="demo")}
    assert listed[3] == QueueItem(tos, "demo/4", "La tos seca dura semanas.", "skipped")
    assert (listed[1].state, listed[1].kept_by, listed[1].kept_own) == ("reviewed", "ana", True)
    states = {who: [it.state for it in queue_items(store, "demo", who)] for who in ("ana", "ben", "eva")}
    assert states == {
        "ana": ["accepted", "reviewed", "conflict", "skipped", "todo"],
        "ben": ["accepted", "reviewed", "conflict", "accepted", "skipped"],
        "eva": ["todo"] * 5,
    }
    assert store.queue_answers("empty") == []


# --- what processes and replicas share -------------------------------------------------------


def test_every_store_on_one_database_gets_the_same_secret_and_another_name_another(target):
    with Store(target) as first, Store(target) as second:
        key = first.secret("annotator-pass")
        assert len(key) == 32 and second.secret("annotator-pass") == key
        assert second.secret("other") != key
        pass_ = Passes(lambda: first.secret("annotator-pass")).issue("ana")  # a replica signs, another verifies
        assert Passes(lambda: second.secret("annotator-pass")).name(pass_) == "ana"
        assert Passes(lambda: second.secret("other")).name(pass_) is None


def _hold(target, name, ready, release) -> None:
    with Store(target) as s, s.exclusive(name) as held:
        assert held
        ready.set()
        release.wait(30)


def test_a_lock_is_held_by_one_process_at_a_time_and_freed_when_its_holder_dies(target):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(target, "training", ready, release))
    holder.start()
    assert ready.wait(30)
    with Store(target) as s:
        with s.exclusive("training") as held:
            assert not held  # another process has it
        with s.exclusive("another") as held:
            assert held
        os.kill(holder.pid, signal.SIGKILL)  # dies holding it
        holder.join(30)
        for _ in range(100):  # the server notices the dead connection at once, but give it a moment
            with s.exclusive("training") as held:
                if held:
                    break
            __import__("time").sleep(0.1)
        assert held


def test_a_postgresql_database_from_newer_code_is_refused(pg_url):
    with Store(pg_url) as s:
        s.conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    with pytest.raises(ValueError, match="schema version 9 is newer than this code"):
        Store(pg_url)


def test_postgresql_refuses_to_truncate_the_history(pg_url):
    with Store(pg_url) as s:
        s.save_answer(s.add_documents("demo", [ASMA])[0], "ana", "accepted")
        for table in ("answers", "reviews"):
            with pytest.raises(APPEND_ONLY, match="append-only"):
                s.conn.execute(f"TRUNCATE {table} CASCADE")
        assert len(s.history(1)) == 1


@pytest.mark.slow
def test_a_process_killed_while_saving_to_postgresql_leaves_every_acknowledged_save(pg_url):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, pg_url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    flagged = [int(proc.stdout.readline()) for _ in range(300)]
    os.kill(proc.pid, signal.SIGKILL)
    rest, _ = proc.communicate(timeout=30)
    flagged += [int(line) for line in rest.split("\n") if line.strip().isdigit()]
    with Store(pg_url) as again:
        stored = [r[0] for r in again.conn.execute("SELECT id FROM answers ORDER BY id")]
        assert set(flagged) <= set(stored) and len(stored) - len(flagged) <= 1
        assert again.integrity_check() == "ok"
        assert again.current_answer(1, "child").id == stored[-1]
        again.save_answer(1, "child", "rejected", [])  # and the store carries on
