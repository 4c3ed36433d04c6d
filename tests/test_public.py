"""Public mode against the real server, as a hostile client would call it: plain HTTP and gradio_client.

Each test is one finding of the public-safety review (crafted models, memory, long lines,
zip bombs, forged annotations, database growth, parallel runs, leaky errors, tokens,
licence). The app runs with logins (``launch(auth=...)``), an admin token and
``public=True``; the model is the instant CRF trained on the sample corpus.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from ner.access import AdminGate, Caller, Forbidden
from ner.files import remove_stale_staging, safe_extract
from ner.settings import Limits, Settings
from tests.logins import signed_in_client, signed_in_http

TOKEN = "adm1n-t0ken"
USERS = (("ana", "pw-ana"), ("ben", "pw-ben"))
SENTENCE = "La diabetes aumenta el riesgo de enfermedad cardiovascular en los adultos."
LINES = ["El paciente presenta fiebre alta.", "La insulina reduce la glucosa en la sangre.",
         "Los niños con asma usan un inhalador."]


def crf(root: Path, name: str = "crf-sample") -> Path:
    from ner.train import TrainSettings, train

    return train(TrainSettings(base_model="crf", run_name=name, train_split="sample", dev_split="sample",
                               eval_splits=("sample",)), root=root)


def start(settings: Settings):
    from ner.ui.app import build_app, launch_kwargs

    demo = build_app(settings)
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(settings))
    return demo


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    root = tmp_path_factory.mktemp("public")
    crf(root / "checkpoints")
    settings = Settings(checkpoints=root / "checkpoints", data_dir=root / "data", admin_token=TOKEN, public=True,
                        users=USERS, train_split="sample", limits=Limits(queues_per_annotator=3, model_cache=2))
    demo = start(settings)
    demo.root = root
    yield demo
    demo.close()


def login(demo, user: str) -> Client:
    return signed_in_client(demo.local_url, user, dict(USERS)[user])


@pytest.fixture(scope="module")
def ana(public) -> Client:
    return login(public, "ana")


@pytest.fixture(scope="module")
def ben(public) -> Client:
    return login(public, "ben")


def http(demo, user: str = "ana") -> httpx.Client:
    """A plain HTTP client signed in through the Annotate tab's /sign_in."""
    return signed_in_http(demo.local_url, user, dict(USERS)[user])


def run(client: httpx.Client, api_name: str, *data):
    """``POST /gradio_api/call/<api_name>`` then the event stream: ``(ok, data or error message)``."""
    event = client.post(f"/gradio_api/call/{api_name}", content=json.dumps({"data": list(data)}),
                        headers={"content-type": "application/json"})
    event.raise_for_status()
    stream = client.get(f"/gradio_api/call/{api_name}/{event.json()['event_id']}").text
    kind = [line[len("event: "):] for line in stream.splitlines() if line.startswith("event: ")][-1]
    payload = [line[len("data: "):] for line in stream.splitlines() if line.startswith("data: ")][-1]
    return kind == "complete", json.loads(payload)


def call_handler(demo, client: httpx.Client, name: str, data: list, popups: list | None = None,
                 session: str | None = None):
    """Call a handler the way the browser does (``queue/join`` with its index): private ones too.

    ``popups`` collects the ``gr.Warning`` / ``gr.Info`` messages the handler showed; ``session``:
    the page's session (its ``gr.State`` values), a new one when not given.
    """
    index = next(i for i, fn in demo.fns.items() if fn.name == name)
    session = session or uuid.uuid4().hex
    joined = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": index, "session_hash": session,
                                                         "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "log" and popups is not None:
                popups.append(msg.get("log") or "")
            if msg.get("msg") == "process_completed":
                out = msg.get("output") or {}
                return bool(msg.get("success")), out.get("data") if msg.get("success") else out.get("error")
    raise AssertionError("the server closed the stream without an answer")


def upload(client: httpx.Client, path: Path) -> dict:
    with open(path, "rb") as fh:
        got = client.post("/gradio_api/upload", files={"files": (path.name, fh)})
    got.raise_for_status()
    return {"path": got.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def alive(demo) -> bool:
    ok, data = run(http(demo), "predict", SENTENCE, "", "")
    return ok and any(e["label"] for e in data[0])


# ---------------------------------------------------------------- 1. crafted models


def test_a_model_must_be_a_listed_checkpoint_unless_admin(public, ana, tmp_path):
    root = public.root / "checkpoints"
    (root / ".tmp-half-written-1-x").mkdir()
    broken = tmp_path / "crafted"
    shutil.copytree(root / "crf-sample", broken)
    data = bytearray((broken / "crf.model").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 16] = b"\xff" * 16
    (broken / "crf.model").write_bytes(bytes(data))
    messages = set()
    for model in ["/etc", "/no/such/folder", str(root / ".tmp-half-written-1-x"), "bert-base-cased", str(broken),
                  str(root / "crf-sample" / "..")]:
        with pytest.raises(AppError) as caught:
            ana.predict(SENTENCE, model, "", api_name="/predict")
        messages.add(str(caught.value))
    assert len(messages) == 1 and "no such model" in messages.pop()  # the same answer: nothing to probe
    assert ana.predict(SENTENCE, "crf-sample", "", api_name="/predict")  # by run name
    assert ana.predict(SENTENCE, str(root / "crf-sample"), "", api_name="/predict")  # by folder
    with pytest.raises(AppError, match="finished checkpoint"):  # even the admin loads no CRF from elsewhere
        ana.predict(SENTENCE, str(broken), TOKEN, api_name="/predict")
    with pytest.raises(AppError, match="staging"):
        ana.predict(SENTENCE, str(root / ".tmp-half-written-1-x"), TOKEN, api_name="/predict")
    assert alive(public)


def test_a_staging_folder_holding_a_whole_checkpoint_is_neither_listed_nor_loaded(public, ana):
    root = public.root / "checkpoints"
    shutil.copytree(root / "crf-sample", root / ".tmp-y")  # as in the instant before finish() renames it
    try:
        assert ".tmp-y" not in {c.name for c in public.ner_context.models.checkpoints()}
        for model in (".tmp-y", str(root / ".tmp-y")):
            with pytest.raises(AppError, match="no such model"):
                ana.predict(SENTENCE, model, "", api_name="/predict")
        with pytest.raises(AppError, match="staging"):
            ana.predict(SENTENCE, str(root / ".tmp-y"), TOKEN, api_name="/predict")
    finally:
        shutil.rmtree(root / ".tmp-y")


def test_a_corrupted_crf_in_the_checkpoints_is_refused_by_its_checksum(tmp_path):
    from ner.models import Models

    folder = crf(tmp_path, "c")
    data = bytearray((folder / "crf.model").read_bytes())
    data[100:116] = b"\x00" * 16
    (folder / "crf.model").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt"):
        Models(Settings(checkpoints=tmp_path)).get("c")


# ---------------------------------------------------------------- 2. the model cache


def test_many_spellings_of_one_model_load_it_once_and_the_cache_is_bounded(public, ana):
    path = str(public.root / "checkpoints" / "crf-sample")
    for n in range(1, 40):
        ana.predict(SENTENCE, path + "/" * n, "", api_name="/predict")
    models = public.ner_context.models
    assert models.loaded() == [str((public.root / "checkpoints" / "crf-sample").resolve())]
    for name in ("crf-b", "crf-c"):
        crf(public.root / "checkpoints", name)
        ana.predict(SENTENCE, name, "", api_name="/predict")
    assert len(models.loaded()) == 2 and models.loaded()[-1].endswith("crf-c")  # least recently used evicted


# ---------------------------------------------------------------- 3. one long line


def test_long_texts_are_refused_and_unpunctuated_ones_are_cut_into_chunks(public, ana, tmp_path):
    with pytest.raises(AppError, match="limit is 100,000"):
        ana.predict("dolor " * 200_000, "", "", api_name="/predict")
    line = tmp_path / "one-line.txt"
    line.write_text("fiebre " * 150_000, encoding="utf-8")  # 1 MB, no punctuation
    ok, error = call_handler(public, http(public), "predict_file", [upload(http(public), line), "", ""])
    assert not ok and "one-line.txt, line 1" in error and "limit is 20,000" in error
    got = ana.predict("fiebre dolor " * 7_000, "", "", api_name="/predict")  # 91 KB, one "sentence"
    assert isinstance(got, list)


def test_a_sentence_without_punctuation_reaches_the_model_in_bounded_chunks():
    from ner.tokens import CHUNK_WORDS, sentences, words

    text = "fiebre alta " * 1_000
    chunks = sentences(text, CHUNK_WORDS)
    assert len(chunks) == 10 and max(len(words(text[s:e])) for s, e in chunks) == CHUNK_WORDS
    assert sentences("Tiene fiebre. Tose mucho.", CHUNK_WORDS) == [(0, 13), (14, 25)]


def test_memory_stays_bounded_for_the_longest_text_without_punctuation(public):
    import tracemalloc

    predictor = public.ner_context.models.get("crf-sample")
    text = "fiebre dolor cabeza " * 5_000  # 100,000 characters (the limit), 15,000 words, one "sentence"
    tracemalloc.start()
    try:
        assert predictor.predict([text])[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # about 4 MB in chunks of words; 86 MB as one sentence


def test_an_upload_over_max_file_size_is_refused_by_gradio(public, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (public.ner_context.config.limits.upload_bytes + 1))
    with open(big, "rb") as fh:
        got = http(public).post("/gradio_api/upload", files={"files": (big.name, fh)})
    assert got.status_code == 413


# ---------------------------------------------------------------- 4. zip bombs and temporary folders


def bomb(path: Path, zeros: int = 2**31, name: str = "scenario.txt.pad.txt") -> Path:
    """A valid scenario.txt/.ann plus ``zeros`` bytes of zeros (about 2 MB compressed for 2 GiB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("x/scenario.txt", "El paciente tiene fiebre.")
        z.writestr("x/scenario.ann", "T1\tConcept 18 24\tfiebre\n")
        with z.open(name, "w", force_zip64=True) as fh:
            chunk = b"\0" * 2**20
            for _ in range(zeros // len(chunk)):
                fh.write(chunk)
    return path


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_written(tmp_path, monkeypatch):
    archive = bomb(tmp_path / "bomb.zip", zeros=2**28)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="bomb.zip: .* bytes of text once unpacked"):
        safe_extract(archive, out)
    assert not out.exists() or not any(out.rglob("*"))
    # a member that is not .txt/.ann is never written, however large
    archive = bomb(tmp_path / "binary.zip", zeros=2**28, name="zeros.bin")
    written = safe_extract(archive, tmp_path / "ok")
    assert sorted(p.name for p in written) == ["scenario.ann", "scenario.txt"]
    with pytest.raises(ValueError, match="binary.zip: 3 files in the archive"):
        safe_extract(archive, tmp_path / "few", Limits(zip_members=2))
    unsafe = tmp_path / "unsafe.zip"
    with zipfile.ZipFile(unsafe, "w") as z:
        z.writestr("../../escape.txt", "x")
    with pytest.raises(ValueError, match="unsafe path"):
        safe_extract(unsafe, tmp_path / "u")
    assert not (tmp_path / "escape.txt").exists()


def _scratch_folders() -> set[str]:
    import tempfile

    return {p.name for p in Path(tempfile.gettempdir()).glob("ner-*")}


def test_zips_through_evaluate_and_annotate_leave_no_folder_behind(public, tmp_path):
    before = _scratch_folders()
    archive = bomb(tmp_path / "bomb.zip", zeros=2**28)
    client = http(public)
    ok, error = call_handler(public, client, "run", ["", "test", upload(client, archive), "any error", None, "", False])
    assert not ok and "bytes of text once unpacked" in error
    popups: list[str] = []  # the Annotate tab shows refusals as a popup and changes no control
    call_handler(public, client, "on_add", [[upload(client, archive)], "", "bombed", "", "position", ""], popups)
    assert any("bytes of text once unpacked" in p for p in popups)
    assert public.ner_context.annotation.store().queue("bombed") is None
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("g/scenario.txt", "El paciente tiene fiebre.")
        z.writestr("g/scenario.ann", "T1\tConcept 18 24\tfiebre\n")
    ok, data = call_handler(public, client, "run", ["", "test", upload(client, good), "any error", None, "", False])
    assert ok and data[0]["value"]["data"][0][1] == "all"
    assert _scratch_folders() <= before  # every scratch folder is gone


def test_stale_staging_folders_are_removed_at_startup(tmp_path):
    root = tmp_path / "checkpoints"
    (root / ".tmp-crf-20260101-999999999-abc").mkdir(parents=True)  # a process that is gone
    live = root / f".tmp-crf-20260101-{__import__('os').getpid()}-def"
    live.mkdir()
    assert remove_stale_staging(root) == [".tmp-crf-20260101-999999999-abc"]
    assert live.exists()


# ---------------------------------------------------------------- 5. forged annotations


def test_nobody_reads_undoes_or_writes_another_annotators_answers(public, ana, ben):
    item = ana.predict("ana-queue", "", "\n".join(LINES), "position", "", api_name="/load_queue")
    saved = ana.predict(item["doc"], "", "accept", [], "ana-queue", api_name="/save_answer")
    assert saved["answer"] > 0
    for call in (
        lambda: ben.predict("ana-queue", "", api_name="/undo_answer"),
        lambda: ben.predict("ana-queue", "", api_name="/queue_progress"),
        lambda: ben.predict("ana-queue", "", "position", "", api_name="/next_item"),
        lambda: ben.predict(item["doc"], "", "accept", [], "ana-queue", api_name="/save_answer"),
        lambda: ben.predict("ana-queue", "", "more text", "position", "", api_name="/load_queue"),
    ):
        with pytest.raises(AppError, match="no queue named|already exists|unknown document"):
            call()
    with pytest.raises(AppError, match="logged in as ben"):
        ben.predict("ana-queue", "ana", api_name="/undo_answer")
    with pytest.raises(AppError, match="admin token"):
        ben.predict("", ["jsonl"], "", "", api_name="/export_corrections")
    with pytest.raises(AppError, match="admin token"):
        ben.predict("", "ana", "ben", "", api_name="/annotator_agreement")
    progress = ana.predict("ana-queue", "", api_name="/queue_progress")
    assert progress["done"] == 1 and progress["accepted"] == 1  # ana's answer untouched
    store = public.ner_context.annotation.store()
    assert store.annotators() == ["ana"]


def test_with_logins_a_visitor_uses_the_demo_and_annotating_asks_for_the_sign_in(public):
    visitor = Client(public.local_url, verbose=False)
    found = visitor.predict(SENTENCE, "", "", api_name="/predict")  # Analyse needs no login
    assert found and {e["label"] for e in found} <= {"Concept", "Action", "Predicate", "Reference"}
    for call in (lambda: visitor.predict("v-queue", "", "one line", "position", "", api_name="/load_queue"),
                 lambda: visitor.predict("v-queue", "mallory", "one line", "position", "", api_name="/load_queue"),
                 lambda: visitor.predict("v-queue", "ana", api_name="/queue_progress")):
        with pytest.raises(AppError, match="log in first"):
            call()
    assert "v-queue" not in {q.name for q in public.ner_context.annotation.store().queues()}


def test_public_mode_without_a_login_refuses_to_annotate(tmp_path):
    demo = start(Settings(checkpoints=tmp_path / "c", data_dir=tmp_path / "d", public=True, admin_token=None))
    try:
        client = Client(demo.local_url, verbose=False)
        with pytest.raises(AppError, match="needs a login"):
            client.predict("q", "mallory", "one line", "position", "", api_name="/load_queue")
        with pytest.raises(AppError, match="admin actions are off"):
            client.predict("", api_name="/train_crf")
    finally:
        demo.close()
    assert not (tmp_path / "d" / "annotations.db").exists()


# ---------------------------------------------------------------- 6. the database


def test_a_refused_queue_writes_nothing_and_queues_are_bounded_and_deletable(public, ana, ben):
    store = public.ner_context.annotation.store()

    def documents() -> int:
        return sum(q.size for q in store.queues(deleted=True))

    before = documents()
    texts = "\n".join(f"Línea número {i} del paciente." for i in range(2_000))
    for _ in range(3):
        with pytest.raises(AppError, match="no such model"):
            ben.predict("ben-big", "", texts, "position", "/etc", api_name="/load_queue")
    assert documents() == before
    for n in range(3):
        ben.predict(f"ben-{n}", "", LINES[0], "position", "", api_name="/load_queue")
    with pytest.raises(AppError, match="limit is 3"):
        ben.predict("ben-3", "", LINES[0], "position", "", api_name="/load_queue")
    item = ben.predict("ben-0", "", "position", "", api_name="/next_item")
    ben.predict(item["doc"], "", "accept", [], "ben-0", api_name="/save_answer")
    with pytest.raises(AppError, match="admin token"):
        ben.predict("", "ben-0", api_name="/delete_queue")
    with pytest.raises(AppError, match="(?i)choose the queue to delete"):
        ben.predict(TOKEN, "", api_name="/delete_queue")
    ben.predict(TOKEN, "ben-0", api_name="/delete_queue")
    with pytest.raises(AppError, match="no queue named"):
        ben.predict("ben-0", "", api_name="/queue_progress")
    service = public.ner_context.annotation
    assert "ben-0" not in {v for _, v in service.queue_choices(Caller("ben", verified=True))}
    store = service.store()
    assert [a.status for a in store.history(item["doc"])] == ["accepted"]  # the history keeps the answer
    assert item["text"] not in {d.text for d in service.accepted(Caller(admin=True), queue="ben-0")}


# ---------------------------------------------------------------- 7. one run at a time


def test_parallel_one_click_crfs_go_through_the_job_runner(public):
    client = http(public)
    results = []

    def click():
        results.append(run(client, "train_crf", TOKEN))

    threads = [threading.Thread(target=click) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    errors = [str(data) for ok, data in results if not ok]
    assert len(results) == 4 and any(ok for ok, _ in results)
    assert all("already going" in e for e in errors), errors
    root = public.root / "checkpoints"
    assert not list(root.glob(".tmp-crf*"))


def test_staging_folders_are_unique_and_run_names_do_not_collide(tmp_path):
    from ner.checkpoints import free_run_name, staging_dir

    assert staging_dir(tmp_path, "run") != staging_dir(tmp_path, "run")
    (tmp_path / "run").mkdir()
    assert free_run_name(tmp_path, "run") == "run-2"


# ---------------------------------------------------------------- 8. errors, tokens, licence


def test_errors_say_what_was_wrong_without_server_paths_or_library_internals(public):
    client = http(public)
    body = '{"data": ["fiebre \\ud800 alta", "", ""]}'  # a lone surrogate, valid JSON
    event = client.post("/gradio_api/call/predict", content=body, headers={"content-type": "application/json"})
    stream = client.get(f"/gradio_api/call/predict/{event.json()['event_id']}").text
    assert "event: error" in stream and "lone UTF-16 surrogate" in stream
    ok, message = run(client, "evaluate", "", "/etc/passwd", "")
    assert not ok and "unknown split" in str(message) and "/etc" not in str(message)
    ok, message = run(client, "predict", SENTENCE, str(public.root), TOKEN)
    assert not ok and str(public.root) not in str(message)


def test_wrong_admin_tokens_are_slowed_down(public):
    client = http(public, "ben")
    answers = [str(run(client, "delete_queue", f"guess-{i}", "nope")[1]) for i in range(6)]
    assert "wrong admin token" in answers[0] and "too many wrong admin tokens" in answers[-1]
    assert "too many" in str(run(client, "delete_queue", TOKEN, "nope")[1])  # locked: not even compared


def test_the_admin_gate_compares_in_constant_time_and_locks_out_per_client(monkeypatch):
    import hmac

    compared = []
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: compared.append((a, b)) or a == b)
    gate = AdminGate("tok", public=True, free=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match="wrong"):
            gate.check("bad", "1.2.3.4")
    with pytest.raises(Forbidden, match="too many"):
        gate.check("tok", "1.2.3.4")
    gate.check("tok", "5.6.7.8")  # another client is not locked out
    assert compared[-1] == (b"tok", b"tok")
    for n in range(20):  # but changing address for every guess does not buy more guesses
        with pytest.raises(Forbidden, match="wrong|too many"):
            gate.check("bad", f"10.0.0.{n}")
    with pytest.raises(Forbidden, match="too many"):
        gate.check("bad", "10.0.1.1")
    assert AdminGate(None, public=False).is_admin(None) and not AdminGate(None, public=True).is_admin("x")



def test_wrong_tokens_are_forgotten_after_a_quiet_spell_so_old_typos_never_lock_the_admin_out(monkeypatch):
    import ner.access

    clock = [1000.0]
    monkeypatch.setattr(ner.access.time, "monotonic", lambda: clock[0])
    gate = AdminGate("tok", public=True, free=2, forget=900)
    for n in range(40):  # many clients, many wrong tokens: everyone locked out for the longest lock
        clock[0] += 1
        with pytest.raises(Forbidden, match="wrong|too many"):
            gate.check("bad", f"10.0.0.{n}")
    with pytest.raises(Forbidden, match="too many"):
        gate.check("tok", "admin")
    clock[0] += 300 + 900 + 1  # the lock over, then a quiet quarter of an hour
    with pytest.raises(Forbidden, match="wrong"):  # one more typo counts as the first again
        gate.check("bad", "10.0.0.99")
    gate.check("tok", "admin")  # before, the count of all clients never went down: locked for good


def test_one_upload_is_at_most_a_txt_and_its_ann_refused_before_any_file_is_read():
    from ner.annotation.intake import uploaded_documents
    from ner.refusals import Refusal

    with pytest.raises(Refusal) as caught:  # the same zip 40 times once unpacked 2 GB before the refusal
        uploaded_documents(["/no/such/bomb.zip"] * 40)
    assert caught.value.english.startswith("{n:,} files at once") and caught.value.values == {"n": 40, "limit": 2}


def test_an_answer_keeps_repeated_entities_once_and_refuses_more_than_four_per_word():
    from ner.entities import entities_from_json
    from ner.refusals import Refusal

    text = "El paciente tiene fiebre."
    fiebre = {"label": "Concept", "start": len("El paciente tiene "), "end": len("El paciente tiene fiebre")}
    assert len(entities_from_json(text, [fiebre, fiebre, {**fiebre, "label": "Action"}])) == 2
    with pytest.raises(Refusal) as caught:  # 100,000 copies were stored before: 8.7 MB a request
        entities_from_json(text, [fiebre] * 100_000, "document 1")
    assert caught.value.english.startswith("{where}: {n:,} entities for a text of {words:,} words")
    assert caught.value.values["limit"] == 4 * 5 + 4  # 5 words: "."


def test_evaluate_refuses_an_upload_with_more_text_than_one_file_may_hold_and_forgets_results(tmp_path):
    from ner.refusals import Refusal
    from ner.ui.evaluate import STATE_SECONDS
    from ner.uploads import read_upload

    archive = tmp_path / "gold.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("g/scenario.txt", ("fiebre " * 1000 + "\n") * 20)  # 140,000 characters
        z.writestr("g/scenario.ann", "")
    with pytest.raises(Refusal) as caught:
        read_upload([archive], Limits(eval_chars=100_000), want="gold")
    assert caught.value.english == "{name}: {n:,} characters of text (the limit is {limit:,})"
    assert caught.value.values["n"] == 140_000
    assert 0 < STATE_SECONDS <= 3600


def test_corpus_text_carries_its_licence_and_credit(public, ana, real_corpus):
    item = ana.predict("scenario1-unannotated", "", "", "position", "", api_name="/load_queue")
    assert item["text"] and "CC BY-NC-SA 4.0" in item["credit"] and "eHealth-KD" in item["credit"]
    mine = ana.predict("ana-queue", "", "position", "", api_name="/next_item")
    assert not mine["credit"]
    ok, data = call_handler(public, http(public), "run", ["", "test", None, "any error", None, "", False])
    assert ok and "CC BY-NC-SA 4.0" in data[1]


def test_with_hugging_face_login_the_annotator_is_the_profile_never_the_typed_name(tmp_path, monkeypatch):
    """The identity rule behind Sign in with Hugging Face (the login itself needs a real Space)."""
    from types import SimpleNamespace

    import gradio as gr

    from ner.annotation.service import AnnotationService
    from ner.jobs import TrainingJobs
    from ner.models import Models
    from ner.ui.common import AppContext

    monkeypatch.setenv("SPACE_ID", "someone/ner")  # what a Space with hf_oauth: true sets
    monkeypatch.setenv("OAUTH_CLIENT_ID", "client-id")
    settings = Settings(checkpoints=tmp_path / "c", data_dir=tmp_path / "d")
    assert settings.public and settings.oauth and settings.login
    models = Models(settings)
    ctx = AppContext(settings, models, TrainingJobs(settings.checkpoints), AnnotationService(settings, models),
                     AdminGate(None, settings.public))
    ana = SimpleNamespace(username="ana")
    assert ctx.caller(None, ana, "") == Caller("ana", verified=True)
    assert ctx.caller(None, ana, "ana") == Caller("ana", verified=True)
    with pytest.raises(gr.Error, match="logged in as ana"):
        ctx.caller(None, ana, "ben")
    assert ctx.caller(None, None, "ben") == Caller(None, verified=False)  # logged out: no name at all
    with pytest.raises(Forbidden, match="log in first"):
        ctx.annotation.annotator(ctx.caller(None, None, "ben"))


def test_no_handler_reads_a_file_the_page_only_shows(public):
    """A File the page only shows (an export archive) is never a handler's input: a client could send
    any uploaded file as its value (an archive summarised on the server once let a 0.5 MB zip take 1 GiB)."""
    import gradio as gr

    shown_only = [b for b in public.blocks.values() if isinstance(b, gr.File) and b.interactive is False]
    assert shown_only  # the export archive, at least
    for fn in public.fns.values():
        assert not set(map(id, fn.inputs)) & set(map(id, shown_only)), fn.name
