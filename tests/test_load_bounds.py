"""One client inside every documented limit cannot take the server's CPU, memory or disk: the real server.

Three ways a probe found (bench/hostile.py has them as attacks 12–14 with their figures):

1. live suggestions: a big queue, then accepts as fast as the API allows, each version
   re-suggesting every unanswered item;
2. Evaluate: each fresh session kept its gold set and predictions in memory for 15 minutes;
3. a queue load of the largest text the line limits allow, pre-annotated inside the request.

The app runs as a public Space does (logins, admin token, ``public=True``), with the instant
CRF, and with the limits made small so that each test takes seconds; the bounds asserted are
generous margins, and each fails on the code before the fix.
"""

from __future__ import annotations

import gc
import sqlite3
import uuid
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from ner.settings import Limits, Settings
from tests.logins import signed_in_client

TOKEN = "adm1n-t0ken"
USERS = (("ana", "pw-ana"), ("ben", "pw-ben"), ("eva", "pw-eva"))
LIMITS = Limits(queue_load_chars=150_000, annotator_chars_per_hour=250_000, preannotate_now_chars=4_000,
                eval_chars=400_000, eval_cache_bytes=2 * 2**20)


def line(i: int) -> str:
    return f"Caso {i}: el paciente presenta fiebre alta y dolor de cabeza desde hace {i % 9 + 2} días."


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.test_public import crf, start

    root = tmp_path_factory.mktemp("bounds")
    crf(root / "checkpoints")
    settings = Settings(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token=TOKEN, public=True,
                        users=USERS, train_split="sample", live_every=2, live_queue_seconds=3600, limits=LIMITS)
    demo = start(settings)
    demo.root = root
    yield demo
    demo.close()


def login(demo, user: str) -> Client:
    return signed_in_client(demo.local_url, user, dict(USERS)[user])


def rows(demo, sql: str, *args) -> int:
    with sqlite3.connect(demo.root / "data" / "annotations.db") as db:
        return db.execute(sql, args).fetchone()[0]


def suggestions(demo, queue: str) -> int:
    return rows(demo, "SELECT COUNT(*) FROM suggestions s JOIN documents d ON d.id = s.document WHERE d.source = ?",
                queue)


def rss_mib() -> float:
    for row in Path("/proc/self/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    raise AssertionError("no VmRSS")


# ---------------------------------------------------------------- 1. live suggestions


def test_accepting_as_fast_as_possible_writes_only_what_is_shown_and_retrains_at_most_as_allowed(server):
    ctx = server.ner_context
    ana = login(server, "ana")
    n = 400
    item = ana.predict(queue="sink", annotator="", texts="\n".join(line(i) for i in range(n)), api_name="/load_queue")
    assert ctx.annotation.preannotator.wait(60)
    assert suggestions(server, "sink") == n  # each document once, by the CRF
    served = 1
    for _ in range(30):  # empty answers as fast as the API allows: nothing to learn from
        item = ana.predict(item["doc"], "", "accept", [], "sink", api_name="/save_answer")["next"]
        served += 1
    assert ctx.annotation.live.wait("sink", timeout=60) is None  # no version trained on empty answers
    for _ in range(10):  # corrections: one version is due every 2, the queue may have one an hour
        first = item["text"].index("paciente")
        item = ana.predict(item["doc"], "", "accept", [{"label": "Concept", "start": first,
                                                        "end": first + len("paciente")}], "sink",
                           api_name="/save_answer")["next"]
        served += 1
    version = ctx.annotation.live.wait("sink", timeout=60)
    assert version is not None and version.version == 1
    for _ in range(5):
        item = ana.predict(item["doc"], "", "accept", [], "sink", api_name="/save_answer")["next"]
        served += 1
    assert item["model"].endswith("+live1")
    # the version suggested only the items it served: rows grow with what annotators see, not with the queue
    assert suggestions(server, "sink") - n <= served


# ---------------------------------------------------------------- 2. Evaluate results


def gold_zip(folder: Path, copies: int) -> Path:
    """A BRAT gold set of ``copies`` × the project's sample, zipped (about 2.5 KB of text a copy)."""
    from ner import corpus
    from ner.brat import write_brat

    sample = corpus.load("sample")
    docs = [d.__class__(f"{k}-{d.id}", d.text, d.entities, annotated=d.annotated)
            for k in range(copies) for d in sample]
    write_brat(docs, folder / "scenario.txt")
    archive = folder / "gold.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(folder / "scenario.txt", "gold/scenario.txt")
        z.write(folder / "scenario.ann", "gold/scenario.ann")
    return archive


def test_evaluate_results_of_many_sessions_stay_within_one_bound_for_all(server, tmp_path):
    from tests.test_public import call_handler, http, upload

    ctx = server.ner_context
    archive = gold_zip(tmp_path, 140)  # ~350 KB of text, ~20,000 entities
    client = http(server)
    file = upload(client, archive)
    data = ["", "test", file, "any error", None, "", False]
    ok, out = call_handler(server, client, "run", data)  # warm: the model and the first pack
    assert ok and "ner-sentence" in out[1], out
    gc.collect()
    before = rss_mib()
    for _ in range(8):  # fresh sessions, each keeping its results
        ok, out = call_handler(server, http(server), "run", data)
        assert ok
    gc.collect()
    grown = rss_mib() - before
    assert ctx.eval_results.bytes <= LIMITS.eval_cache_bytes
    assert grown < 40, f"server memory grew by {grown:.0f} MiB over 8 sessions"


def test_the_error_browser_pages_through_the_kept_results_and_says_when_they_are_gone(server, tmp_path):
    from tests.test_public import call_handler, http, upload

    client, page = http(server), uuid.uuid4().hex  # one page: its session keeps the key to its results
    file = upload(client, gold_zip(tmp_path, 20))
    ok, out = call_handler(server, client, "run", ["", "test", file, "all sentences", None, "", False],
                           session=page)
    assert ok
    first = out[1]
    assert "Page 1 of" in first and first.count("class='ner-sentence'") == 20
    ok, out = call_handler(server, client, "next_page", ["all sentences", None, None], session=page)
    assert ok and "Page 2 of" in out[0] and out[0] != first
    ok, out = call_handler(server, client, "previous_page", ["all sentences", None, None], session=page)
    assert ok and out[0] == first
    server.ner_context.eval_results._cache.clear()  # what a full cache or 15 minutes do
    ok, out = call_handler(server, client, "next_page", ["all sentences", None, None], session=page)
    assert ok and "no longer kept" in out[0]


# ---------------------------------------------------------------- 3. queue loads


def test_one_queue_load_is_bounded_and_pre_annotated_in_the_background(server):
    ctx = server.ner_context
    ben = login(server, "ben")
    texts = [line(i) for i in range(1500)]  # ~120 KB: inside the 150 KB a load may hold
    item = ben.predict(queue="big", annotator="", texts="\n".join(texts), api_name="/load_queue")
    # the request pre-annotated the first items only (4 KB), the rest went to the background
    assert "in the background" in item["message"] and item["entities"]
    assert ctx.annotation.preannotator.wait(120)
    assert suggestions(server, "big") == len(texts)  # every document once: none twice, none left
    assert ben.predict("big", "", api_name="/queue_progress")["preannotating"] == 0
    too_much = "\n".join(line(i) + " Otra línea más." for i in range(2500))  # ~190 KB in one load
    before = rows(server, "SELECT COUNT(*) FROM documents")
    with pytest.raises(AppError, match="characters of text at once"):
        ben.predict(queue="huge", annotator="", texts=too_much, api_name="/load_queue")
    assert rows(server, "SELECT COUNT(*) FROM documents") == before  # refused before anything was written


def test_what_one_annotator_loads_in_an_hour_is_bounded(server):
    eva, ben = login(server, "eva"), login(server, "ben")
    part = "\n".join(line(i) + " Serie uno." for i in range(1200))  # ~115 KB; 250 KB an hour are allowed
    eva.predict(queue="hour-1", annotator="", texts=part, api_name="/load_queue")
    eva.predict(queue="hour-1", annotator="", texts=part, api_name="/load_queue")  # the same lines: nothing added
    eva.predict(queue="hour-2", annotator="", texts=part.replace("uno", "dos"), api_name="/load_queue")
    before = rows(server, "SELECT COUNT(*) FROM documents")
    with pytest.raises(AppError, match="in the last hour"):
        eva.predict(queue="hour-3", annotator="", texts=part.replace("uno", "tres"), api_name="/load_queue")
    assert rows(server, "SELECT COUNT(*) FROM documents") == before
    ben.predict(queue="ben-hour", annotator="", texts=part.replace("uno", "tres"), api_name="/load_queue")
