"""Pre-annotation: in the request up to a budget, the rest by one background worker; a real store, a fake model."""

from __future__ import annotations

import threading

from ner.annotation.preannotation import Preannotator, first_part, preannotate
from ner.entities import Entity
from ner.store import Store


class Model:
    """Tags the first word of every text as a Concept; ``gate`` (when set) holds each call until opened."""

    def __init__(self, name: str = "fake", gate: threading.Event | None = None, fail: bool = False):
        self.name, self.gate, self.fail, self.calls = name, gate, fail, []

    def predict(self, texts: list[str]) -> list[list[Entity]]:
        if self.gate is not None:
            self.gate.wait(10)
        if self.fail:
            raise RuntimeError("broken model")
        self.calls.append(list(texts))
        return [[Entity(((0, t.index(" ")),), "Concept", 0.9), Entity(((0, 1),), "Concept")] for t in texts]


def queue(store: Store, name: str, n: int) -> list[int]:
    return store.add_documents(name, [f"Texto {name} número {i} sobre la fiebre." for i in range(n)])


def test_first_part_takes_the_first_texts_within_a_budget_and_at_least_one():
    assert first_part(["abc", "de", "fgh"], 5) == 2
    assert first_part(["abcdef", "g"], 3) == 1
    assert first_part(["a", "b"], 10) == 2 and first_part([], 10) == 0


def test_preannotate_stops_at_its_budget_and_never_predicts_a_document_twice(tmp_path):
    store, model = Store(tmp_path / "a.db"), Model()
    ids = queue(store, "q", 100)
    length = len(store.texts([ids[0]])[0])
    went = preannotate(store, ids, model, batch_size=8, chars=length * 10)
    assert went == 16 and sum(map(len, model.calls)) == 16  # two batches of 8: the budget is reached in the second
    assert preannotate(store, ids, model, batch_size=8) == 100
    assert sum(map(len, model.calls)) == 100  # the first 16 were not predicted again
    suggested = [store.latest_suggestion(i) for i in ids]
    assert all(s.model == "fake" and len(s.entities) == 1 for s in suggested)  # off word boundaries: dropped


def test_a_brat_upload_is_never_suggested_over(tmp_path):
    store, model = Store(tmp_path / "b.db"), Model()
    ids = queue(store, "q", 3)
    store.add_suggestion(ids[1], "brat:gold", [])
    preannotate(store, ids, model)
    assert store.latest_suggestion(ids[1]).model == "brat:gold" and store.unsuggested(ids, "fake") == []


def test_the_background_works_through_queues_one_at_a_time_with_a_bounded_backlog(tmp_path):
    store, gate = Store(tmp_path / "c.db"), threading.Event()
    done: list[str] = []
    worker = Preannotator(lambda: store, max_jobs=2, on_done=done.append)
    slow = Model(gate=gate)
    first = worker.submit("q1", queue(store, "q1", 40), slow)
    assert worker.submit("q1", [], slow) is first  # the same queue and model: the same job
    assert worker.submit("q2", queue(store, "q2", 5), slow) is not None
    assert worker.submit("q3", queue(store, "q3", 5), slow) is None  # two wait already
    assert worker.job("q1").total == 40 and worker.job("q3") is None
    gate.set()
    assert worker.wait(30)
    assert done == ["q1", "q2"] and worker.job("q1") is None
    assert len(store.unsuggested(store.document_ids("q1"), "fake")) == 0


def test_a_cancelled_job_stops_and_a_broken_model_leaves_the_worker_alive(tmp_path):
    store, gate = Store(tmp_path / "d.db"), threading.Event()
    worker = Preannotator(lambda: store, max_jobs=4)
    job = worker.submit("gone", queue(store, "gone", 200), Model(gate=gate))
    worker.submit("broken", queue(store, "broken", 3), Model("bad", fail=True))
    worker.submit("fine", queue(store, "fine", 3), Model("good"))
    worker.cancel("gone")
    gate.set()
    assert worker.wait(30)
    assert job.done < 200 and len(store.unsuggested(store.document_ids("gone"), "fake")) > 100
    assert store.unsuggested(store.document_ids("fine"), "good") == []
