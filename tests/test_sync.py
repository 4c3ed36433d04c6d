"""Hub sync's mirror and restore (ner/sync.py) against real SQLite stores and real files.

The upload through huggingface_hub is not tested here: the Hub cannot be reached from this machine.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from ner.entities import Entity
from ner.export import to_jsonl
from ner.store import Store
from ner.sync import HistoryMismatch, Mirror, read_mirror, restore


def _fill(store: Store) -> list[int]:
    """Two queues, a suggestion, answers with an undo, a review; the document ids."""
    store.create_queue("q", None)
    ids = store.add_documents("q", ["El paciente tiene fiebre.", "Dolor de cabeza."])
    sug = store.add_suggestion(ids[0], "crf", [Entity(((len("El "), len("El paciente")),), "Concept", 0.75)], 0.5)
    store.save_answer(ids[0], "ana", "accepted", [Entity(((len("El "), len("El paciente")),), "Concept")], sug)
    store.save_answer(ids[1], "ana", "accepted", [Entity(((0, len("Dolor")),), "Concept")])
    store.undo(ids[1], "ana")
    store.save_answer(ids[0], "bea", "rejected")
    store.save_review(ids[0], "rev", "accepted", [Entity(((len("El "), len("El paciente")),), "Action")])
    return ids


def _export(store: Store, leave_out: tuple[int, ...] = ()) -> str:
    """The queue's current answers (but ``leave_out``'s ids) as the project's JSONL export, annotator by annotator."""
    docs = []
    for _doc_id, doc, answers in store.queue_answers("q"):
        docs += [replace(doc, entities=a.entities, id=f"{doc.id}:{a.annotator}") for a in answers
                 if a.id not in leave_out]
    return to_jsonl(docs)


def _state(store: Store, ids: list[int]) -> tuple:
    return (tuple(tuple(store.history(i)) for i in ids), tuple(tuple(store.reviews(i)) for i in ids),
            tuple(store.current_answer(i, "ana") for i in ids), store.queues())


def test_dump_writes_new_rows_in_new_files_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    _fill(store)
    mirror = Mirror(store, tmp_path / "hub-sync")
    mirror.dump()
    first = (tmp_path / "hub-sync/answers/000000000001.jsonl").read_bytes()
    assert [json.loads(line)["id"] for line in first.splitlines()] == [1, 2, 3, 4]
    assert not list((tmp_path / "hub-sync").glob("meta*"))
    doc = store.add_documents("q", ["Otra frase."])[0]
    store.save_answer(doc, "ana", "skipped")
    assert mirror.dump()["answers"] == 5
    assert (tmp_path / "hub-sync/answers/000000000001.jsonl").read_bytes() == first  # never rewritten
    assert [json.loads(line)["id"] for line in
            (tmp_path / "hub-sync/answers/000000000005.jsonl").read_text().splitlines()] == [5]
    mirror.dump()  # nothing new: no new file
    assert len(list((tmp_path / "hub-sync/answers").iterdir())) == 2
    # a new Mirror on the same folder continues after the ids already written
    assert Mirror(store, tmp_path / "hub-sync").dumped["answers"] == 5


def test_restore_into_an_empty_store_gives_the_same_exports_and_undo_state(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    ids = _fill(store)
    Mirror(store, tmp_path / "hub-sync").dump()
    fresh = Store(tmp_path / "empty/b.db")
    assert restore(fresh, tmp_path / "hub-sync") == 4
    assert _export(fresh).encode() == _export(store).encode()
    assert _state(fresh, ids) == _state(store, ids)
    assert fresh.current_answer(ids[1], "ana") is None  # the undo survives
    # new rows after a restore take ids after the restored ones
    assert fresh.save_answer(ids[1], "ana", "skipped") == 5
    assert fresh.secret("passes") != store.secret("passes")  # meta is not mirrored


def test_restore_keeps_a_store_that_continues_the_snapshot_and_refuses_another(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    ids = _fill(store)
    Mirror(store, tmp_path / "hub-sync").dump()
    store.save_answer(ids[1], "bea", "skipped")
    assert restore(store, tmp_path / "hub-sync") == 0  # its own history plus more: left as is
    assert len(store.rows_after("answers")) == 5
    other = Store(tmp_path / "c.db")
    other.create_queue("q", None)
    other.add_documents("q", ["Una frase distinta."])
    with pytest.raises(HistoryMismatch, match="documents history"):
        restore(other, tmp_path / "hub-sync")


def test_read_mirror_refuses_an_id_in_two_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "a.db")
    _fill(store)
    Mirror(store, tmp_path / "m").dump()
    (tmp_path / "m/answers/000000000003.jsonl").write_text(
        (tmp_path / "m/answers/000000000001.jsonl").read_text().splitlines()[2] + "\n")
    with pytest.raises(ValueError, match="two dump files"):
        read_mirror(tmp_path / "m")


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch):
    """The stand-in for the Hub's HTTP API (tests/hub_standin.py), with huggingface_hub allowed online."""
    import huggingface_hub.constants

    from tests.hub_standin import Hub

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    server = Hub()
    yield server
    server.close()


def test_push_through_commit_scheduler_then_restart_with_an_empty_disk(tmp_path: Path, hub) -> None:
    """Against the stand-in, not the Hub: the upload is huggingface_hub's real CommitScheduler code."""
    from ner.sync import HubSync

    store = Store(tmp_path / "one/annotations.db")
    ids = _fill(store)
    sync = HubSync(store, "me/notes", tmp_path / "one/hub-sync", minutes=60, endpoint=hub.url)
    assert sync.unpushed() == 4
    sync.push_now()
    assert sync.last_push is not None and sync.error is None and sync.unpushed() == 0
    assert "answers/000000000001.jsonl" in hub.repos["me/notes"] and "queues.jsonl" in hub.repos["me/notes"]
    late = store.save_answer(ids[1], "bea", "skipped")  # saved, never pushed: the crash window
    assert sync.unpushed() == 1
    sync.stop(push=False)  # a kill: no final push
    fresh = Store(tmp_path / "two/annotations.db")
    again = HubSync(fresh, "me/notes", tmp_path / "two/hub-sync", minutes=60, endpoint=hub.url)
    assert [r["id"] for r in fresh.rows_after("answers")] == [1, 2, 3, 4]  # lost: only the unpushed answer
    assert late == 5
    assert '"Concept"' in _export(fresh) and _export(fresh).encode() == _export(store, leave_out=(late,)).encode()
    assert _export(fresh) != _export(store)
    assert again.unpushed() == 0
    again.stop(push=False)



def test_the_app_restores_an_empty_data_folder_at_start_up(tmp_path: Path, hub, monkeypatch) -> None:
    """build_app's start-up path (NER_HUB_SYNC set), against the stand-in with HF_ENDPOINT's constant pointed at it."""
    import huggingface_hub.constants

    from ner.settings import Settings
    from ner.ui.annotate import sync_line
    from ner.ui.app import build_app

    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", hub.url)  # what HF_ENDPOINT sets at import
    monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                        hub.url + "/{repo_id}/resolve/{revision}/{filename}")
    first = Settings(data_dir=tmp_path / "one", hub_sync="me/app", database_url=None)
    store = Store(first.data_dir / "annotations.db")
    ids = _fill(store)
    demo = build_app(first)
    sync = HubSyncOf(demo)
    sync.push_now()
    sync.stop(push=False)
    demo2 = build_app(Settings(data_dir=tmp_path / "two", hub_sync="me/app", database_url=None))
    fresh = Store(tmp_path / "two/annotations.db")
    assert _export(fresh).encode() == _export(store).encode() and _state(fresh, ids) == _state(store, ids)
    HubSyncOf(demo2).stop(push=False)
    assert sync_line({"last_push": 1000.0, "unpushed": 3, "error": None}, 1000.0 + 125) == \
        "Saved to the Hub 2 min ago · 3 answers not pushed yet"
    assert sync_line({"last_push": None, "unpushed": 0, "error": None}, 0).startswith("Not saved to the Hub yet")
    assert sync_line(None, 0) == ""


def HubSyncOf(demo):  # noqa: N802
    """The HubSync the app started (found through the sync threads' owner: the service kept by the app)."""
    import gc

    from ner.sync import HubSync

    found = [o for o in gc.get_objects() if isinstance(o, HubSync) and not o.scheduler._CommitScheduler__stopped]
    assert len(found) == 1
    return found[0]
