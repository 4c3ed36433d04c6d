"""Hostile clients against the real app server: does it refuse, stay up, keep its memory, disk and answers?

    python bench/hostile.py            # all attacks, full counts (~6-8 min here)
    python bench/hostile.py --quick    # smaller counts (~3 min); results go to bench/out/

The benchmark trains the instant CRF on the sample into a scratch root, then starts the app
exactly as a public deployment runs it (``Settings(public=True, admin_token=..., users=...)``,
``NER_USERS`` sign-in, queue with 4 workers) in a subprocess on 127.0.0.1, with ``TMPDIR`` and
``GRADIO_TEMP_DIR`` inside the root so that what it leaves on disk can be measured. A thread
samples the server's RSS every 0.1 s. Every HTTP client signs in first (``/sign_in``, its pass
sent as the ``ner-pass`` cookie) and then uses Gradio's API (``/gradio_api/call/<name>`` + event
stream, ``/gradio_api/run/<name>``) or,
for the events the page uses but the API hides (``api_visibility="private"``), what the
browser sends: ``POST /gradio_api/queue/join`` with the event's ``fn_index``.

Each attack reports whether it was refused or the server survived (it still answers
``/predict`` afterwards), the error text the client saw (shortened), the server's peak RSS
during the attack and its RSS after, what was left on disk in temp / data / checkpoints,
and answers lost. An attack fails when the server dies, memory grows without bound, an
answer acknowledged to a client is lost, or a message shows a server path, a traceback or a
raw OS error; the server log is also searched for exceptions other than ``gr.Error``.

1. crafted model names; 2. memory by model strings; 3. one long line; 4. zip bomb;
5. forged annotations; 6. database growth by refused requests; 7. parallel one-click CRF;
8. admin-token guessing; 9. load test; 10. parallel saves; 11. ``kill -9`` during saves
and during a CRF training, then a restart on the same folders.

Output: ``bench/results/hostile.md``, ``hostile.json`` (``--quick``: ``bench/out/hostile_quick.*``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    OUT_DIR,
    PROJECT_DIR,
    machine,
    machine_line,
    md_table,
    percentile,
    setup_environment,
    write_results,
)

ADMIN = "bench-admin"
USERS = (("ana", "pw-ana"), ("ben", "pw-ben"), ("eva", "pw-eva"))
SENTENCE = "La hipertensión arterial aumenta el riesgo de sufrir un infarto de miocardio."
MIB = 2**20
SERVER = """
from pathlib import Path
from ner.settings import Settings
from ner.ui.app import build_app, launch_kwargs
ROOT = Path({root!r})
s = Settings(checkpoints=ROOT / 'checkpoints', data_dir=ROOT / 'data', admin_token={admin!r}, public=True,
             users={users!r}, train_split='sample')
demo = build_app(s)
demo.queue(default_concurrency_limit=4).launch(server_port={port}, prevent_thread_lock=False, quiet=True,
                                               **launch_kwargs(s))
"""
# what a message must never show: a traceback, a raw OS error, a library's files, a server path
LEAK = re.compile(r"Traceback|\[Errno|File exists|site-packages|File \""
                  r"|(?<![\w.])/(?:tmp|work|home|root|usr|var|proc)/")


@dataclass(frozen=True)
class Sizes:
    """How hard each attack pushes; ``--quick`` uses the small ones."""

    leak_calls: int = 800
    bomb_bytes: int = 2 * 2**30
    max_file: bool = True  # a .txt at the upload limit (10 MB of 20,000-character lines) through /predict_file
    pasted_lines: int = 20_000
    load_calls: int = 2000
    load_threads: int = 100
    load_seconds: float = 120.0
    saves: int = 50
    kill_lines: int = 300
    guesses: int = 20
    live_seconds: float = 150.0  # each of the two phases of the live-suggestion sink (empty answers, corrections)
    eval_sessions: int = 12
    eval_copies: int = 410  # the sample, two sentences a line, repeated: 2 MiB, the most a gold set may hold


QUICK = Sizes(leak_calls=200, bomb_bytes=256 * MIB, max_file=False, pasted_lines=2000, load_calls=200,
              load_threads=20, load_seconds=60.0, saves=10, kill_lines=100, live_seconds=30.0, eval_sessions=4,
              eval_copies=100)


# ---------------------------------------------------------------- measuring the server


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (``/proc/<pid>/stat``), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Rss:
    """Samples a process's RSS every 0.1 s in a thread: the peak since :meth:`reset`, and the last value."""

    def __init__(self, pid: int | None = None):
        self.pid, self.peak, self.last = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.1):
            self.sample()

    def sample(self) -> None:
        import psutil

        try:
            rss = psutil.Process(self.pid).memory_info().rss if self.pid else 0
        except psutil.Error:
            return
        self.last, self.peak = rss, max(self.peak, rss)

    def watch(self, pid: int) -> None:
        self.pid, self.last, self.peak = pid, 0, 0
        self.sample()

    def reset(self) -> None:
        self.peak = 0
        self.sample()

    def stop(self) -> None:
        self._stop.set()


def folder_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder`` (0 when it is not there)."""
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app in a subprocess on 127.0.0.1; its log appended to ``root/server.log``."""

    def __init__(self, root: Path, rss: Rss):
        self.root, self.rss = root, rss
        self.log = root / "server.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.start_seconds: list[float] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        tmp = self.root / "tmp"
        (tmp / "gradio").mkdir(parents=True, exist_ok=True)
        return dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH=str(PROJECT_DIR),
                    TMPDIR=str(tmp), GRADIO_TEMP_DIR=str(tmp / "gradio"), PYTHONUNBUFFERED="1")

    def start(self, timeout: float = 120.0) -> None:
        import httpx

        self.port = free_port()
        code = SERVER.format(root=str(self.root), admin=ADMIN, users=USERS, port=self.port)
        t0 = time.monotonic()
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_DIR, env=self.env(),
                                         stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(self.url + "/", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not answer within {timeout:.0f} s")
        self.start_seconds.append(round(time.monotonic() - t0, 1))
        self.rss.watch(self.proc.pid)

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


def unexpected_exceptions(log: str) -> list[str]:
    """The last exception of each traceback in a server log, leaving out ``gr.Error`` (a visible refusal).

    A traceback that ends with "The above exception was the direct cause…" is the cause of the
    next one and is skipped; of the others, the first line that is not a frame is the exception.
    """
    found = []
    for block in log.split("Traceback (most recent call last):")[1:]:
        if re.search(r"(direct cause of the following exception|another exception occurred):\s*$", block):
            continue
        lines = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith((" ", "\t"))]
        if lines and not lines[0].startswith("gradio.exceptions.Error"):
            found.append(lines[0][:200])
    return found


# ---------------------------------------------------------------- a client


def parse_events(stream: str) -> tuple[bool, object]:
    """``(True, data)`` or ``(False, message)`` from a ``/call/`` event stream."""
    outcome: tuple[bool, object] = (False, "no answer in the event stream")
    for block in stream.split("\n\n"):
        event = re.search(r"^event: (\w+)", block, re.M)
        data = re.search(r"^data: (.*)$", block, re.M)
        if not event or not data:
            continue
        payload = json.loads(data.group(1)) if data.group(1) not in ("", "null") else None
        if event.group(1) == "complete":
            outcome = (True, payload)
        elif event.group(1) == "error":
            message = payload.get("error") if isinstance(payload, dict) else None
            outcome = (False, message or "Error (no message: an unexpected exception)")
    return outcome


class Session:
    """One logged-in HTTP client (``user=None``: not logged in)."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None, timeout: float = 180.0,
                 headers: dict | None = None, cookies=None):
        import httpx

        self.http = httpx.Client(base_url=url, timeout=timeout, headers=headers, cookies=cookies)
        self.user = user
        self._fns: dict[str, tuple[int, int | None]] | None = None
        if user:  # the Annotate tab's sign-in; its pass goes in the cookie the page sets
            ok, pass_ = self.call("sign_in", user, password)
            if not ok:
                raise RuntimeError(f"sign in as {user}: {pass_}")
            self.http.cookies.set("ner-pass", str(pass_))

    def call(self, api: str, *data) -> tuple[bool, object]:
        """Gradio's two-request recipe: ``POST /gradio_api/call/<api>``, then the event stream."""
        answer = self.http.post(f"/gradio_api/call/{api}", json={"data": list(data)})
        if answer.status_code != 200:
            return False, f"HTTP {answer.status_code}: {answer.text[:200]}"
        event = answer.json()["event_id"]
        ok, value = parse_events(self.http.get(f"/gradio_api/call/{api}/{event}").text)
        return ok, value[0] if ok and isinstance(value, list) and len(value) == 1 else value

    def run(self, api: str, *data) -> tuple[bool, object]:
        """One request: ``POST /gradio_api/run/<api>``."""
        answer = self.http.post(f"/gradio_api/run/{api}", json={"data": list(data)})
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        if answer.status_code == 200:
            return True, body.get("data", [None])[0]
        return False, body.get("error") or f"HTTP {answer.status_code}: {answer.text[:200]}"

    def upload(self, path: Path) -> tuple[int, object]:
        """``POST /gradio_api/upload``: the status and the server's path of the file (or its refusal)."""
        with open(path, "rb") as f:
            answer = self.http.post("/gradio_api/upload", files={"files": (path.name, f, "application/octet-stream")})
        return answer.status_code, answer.json()[0] if answer.status_code == 200 else answer.text[:200]

    def browser(self, fn_name: str, data: list) -> tuple[bool, object]:
        """What the page sends for an event, API or not: ``/gradio_api/queue/join`` with its ``fn_index``."""
        if self._fns is None:
            config = self.http.get("/config").json()
            self._fns = {d["api_name"]: (d["id"], (d.get("targets") or [[None]])[0][0])
                         for d in config["dependencies"] if d.get("api_name")}
        fn, trigger = self._fns[fn_name]
        session = uuid.uuid4().hex[:11]
        body = {"data": data, "fn_index": fn, "session_hash": session, "event_data": None, "trigger_id": trigger}
        joined = self.http.post("/gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return False, f"HTTP {joined.status_code}: {joined.text[:200]}"
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as events:
            for line in events.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    out = msg.get("output") or {}
                    if msg.get("success"):
                        return True, out.get("data")
                    return False, out.get("error") or "Error (no message: an unexpected exception)"
        return False, "the event stream ended without an answer"

    def close(self) -> None:
        self.http.close()


def file_data(path: str, name: str) -> dict:
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def short(message: object, n: int = 110) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- the run


@dataclass
class Result:
    """One attack: what happened, what the client saw, what it cost the server."""

    n: str
    attack: str
    outcome: str = ""
    ok: bool = True
    seen: list[str] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    rss_after_mib: float = 0.0
    disk_delta: dict = field(default_factory=dict)
    log_bytes: int = 0  # what the server wrote to its log (stdout + stderr) during the attack
    lost: int | None = None
    alive: bool = True
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the server's CPU time during the attack
    problems: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    note: bool = False  # not a failure, but worth reading
    root: ClassVar[str] = ""  # the scratch root: a message naming it shows a server path

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)

    def saw(self, message: object) -> None:
        text = short(message)
        if text not in self.seen:
            self.seen.append(text)
        if LEAK.search(str(message)) or (self.root and self.root in str(message)):
            self.fail(f"message shows internals: {short(message, 200)}")


class Bench:
    """The scratch root, the server, sessions by user, and the results so far."""

    def __init__(self, root: Path, sizes: Sizes):
        self.root, self.sizes = root, sizes
        self.checkpoints, self.data, self.tmp = root / "checkpoints", root / "data", root / "tmp"
        self.client_dir = root / "client"  # the attacker's files: not measured
        self.client_dir.mkdir(parents=True, exist_ok=True)
        self.rss = Rss()
        self.server = Server(root, self.rss)
        self.ck = ""
        self._sessions: dict[str, Session] = {}
        self.results: list[Result] = []
        Result.root = str(root)

    def session(self, user: str = "ana") -> Session:
        if user not in self._sessions:
            self._sessions[user] = Session(self.server.url, user, dict(USERS)[user])
        return self._sessions[user]

    def forget_sessions(self) -> None:
        for s in self._sessions.values():
            s.close()
        self._sessions = {}

    def disk(self) -> dict:
        return {"temp": folder_bytes(self.tmp), "data": folder_bytes(self.data),
                "checkpoints": folder_bytes(self.checkpoints)}

    def alive(self) -> bool:
        try:
            s = Session(self.server.url, "eva", "pw-eva", timeout=60)
            ok, value = s.call("predict", SENTENCE, self.ck, "")
            s.close()
        except Exception:  # noqa: BLE001 (a dead server fails in many ways)
            return False
        return ok and isinstance(value, list)

    def attack(self, n: str, name: str, fn: Callable[[Bench, Result], None]) -> Result:
        print(f"[{n}] {name} …", flush=True)
        res = Result(n, name)
        before, offset, t0 = self.disk(), self.server.log_size(), time.monotonic()
        pid, cpu = self.server.proc.pid, cpu_seconds(self.server.proc.pid)
        self.rss.reset()
        try:
            fn(self, res)
        except Exception as exc:  # noqa: BLE001 (a failed attack is a result, not a crash of the benchmark)
            res.fail(f"the benchmark's client failed: {type(exc).__name__}: {short(exc, 200)}")
        res.seconds = round(time.monotonic() - t0, 1)
        if self.server.proc.pid == pid:  # not restarted by the attack
            res.cpu_seconds = round(cpu_seconds(pid) - cpu, 1)
        res.alive = self.alive()
        if not res.alive:
            res.fail("the server no longer answers /predict")
        res.peak_rss_mib, res.rss_after_mib = round(self.rss.peak / MIB, 1), round(self.rss.last / MIB, 1)
        after = self.disk()
        res.disk_delta = {k: after[k] - before[k] for k in after}
        res.data["disk_after"] = after
        log = self.server.log_since(offset) if self.server.log.exists() else ""
        res.log_bytes = len(log.encode())
        res.data["tracebacks_in_log"] = log.count("Traceback (most recent call last)")
        for exc in unexpected_exceptions(log):
            res.fail(f"server log: unexpected exception {exc}")
        self.results.append(res)
        print(f"    {'ok' if res.ok else 'FAIL'}: {res.outcome} ({res.seconds} s)", flush=True)
        for p in res.problems[:5]:
            print(f"    ! {p}", flush=True)
        return res


def train_crf(root: Path) -> Path:
    from ner.train import TrainSettings, train

    settings = TrainSettings(base_model="crf", run_name="crf-sample", train_split="sample", dev_split="sample",
                             eval_splits=("sample",))
    return train(settings, root=root)


# ---------------------------------------------------------------- 1. crafted model names


def crafted_models(b: Bench, res: Result) -> None:
    staging = b.checkpoints / ".tmp-x"  # what a CRF run's staging folder holds before finish(): the model files
    staging.mkdir()
    for name in ("crf.model", "crf.json"):
        shutil.copy2(Path(b.ck) / name, staging / name)
    renaming = b.checkpoints / ".tmp-y"  # … and in the instant before its rename (or after a failed one): all of it
    shutil.copytree(b.ck, renaming)
    corrupt = b.tmp / "crf-corrupt"
    shutil.copytree(b.ck, corrupt)
    model = corrupt / "crf.model"
    raw = bytearray(model.read_bytes())
    for i in range(len(raw) // 3, len(raw) // 3 + 64):
        raw[i] ^= 0xFF
    model.write_bytes(bytes(raw))
    listed = b.checkpoints / "crf-corrupt"  # the same corrupt copy among the listed checkpoints
    shutil.copytree(corrupt, listed)
    tries = {"/etc": "/etc", ".tmp-x staging (model files)": str(staging),
             ".tmp-y staging (complete, before the rename)": str(renaming), "hub id": "bert-base-cased",
             "corrupt CRF in TMPDIR": str(corrupt), "corrupt CRF listed": str(listed)}
    refused, total = 0, 0
    try:
        for label, model_name in tries.items():
            for token in ("", ADMIN):
                ok, value = b.session("ana").call("predict", SENTENCE, model_name, token)
                total += 1
                refused += not ok
                res.data[f"{label}{' (admin)' if token else ''}"] = short(value, 300)
                if ok:
                    res.fail(f"model {label!r}{' with the admin token' if token else ''} was loaded")
                else:
                    res.saw(value)
    finally:
        for folder in (staging, renaming, corrupt, listed):
            shutil.rmtree(folder, ignore_errors=True)
    res.outcome = f"refused {refused}/{total} (each without and with the admin token)"


# ---------------------------------------------------------------- 2. memory by model strings


def model_strings(b: Bench, res: Result) -> None:
    s, n = b.session("ana"), b.sizes.leak_calls
    for _ in range(20):
        s.run("predict", SENTENCE, b.ck, "")
    time.sleep(0.5)
    phases = {"same string": lambda i: b.ck, "path + i slashes": lambda i: b.ck + "/" * i,
              "refused names": lambda i: f"no-such-model-{uuid.uuid4().hex}-{i}"}
    growth, failed = {}, Counter()
    for phase, name in phases.items():
        start = b.rss.last
        for i in range(1, n + 1):
            ok, value = s.run("predict", SENTENCE, name(i), "")
            if ok != (phase != "refused names"):
                failed[phase] += 1
                res.saw(value)
            if phase == "refused names" and i == 1:
                res.saw(value)
        time.sleep(0.5)
        growth[phase] = round((b.rss.last - start) / MIB, 1)
    res.data.update(calls_per_phase=n, rss_growth_mib=growth, unexpected_answers=dict(failed))
    res.outcome = (f"{n} calls each: RSS +{growth['same string']} MiB (same string), "
                   f"+{growth['path + i slashes']} MiB (1..{n} slashes), "
                   f"+{growth['refused names']} MiB (refused names)")
    if failed:
        res.fail(f"unexpected answers: {dict(failed)}")
    if growth["path + i slashes"] > 16 or growth["refused names"] > 16:
        res.fail("RSS grew by more than 16 MiB")


# ---------------------------------------------------------------- 3. one long line


def long_line(b: Bench, res: Result) -> None:
    s = b.session("ana")
    words = ("paciente fiebre dolor cabeza tos " * 40_000)
    line = words[:1_000_000]
    for api in ("predict", "analyse"):
        ok, value = s.call(api, line, b.ck, "")
        res.data[f"{api} 1 MB"] = short(value, 300)
        res.saw(value)
        if ok or "limit" not in str(value):
            res.fail(f"/{api} with a 1 MB line was not refused by the text limit")
    t0 = time.perf_counter()
    ok, value = s.call("predict", words[:99_999].strip(), b.ck, "")
    res.data["predict 100k-char line (under the limit) s"] = round(time.perf_counter() - t0, 2)
    if not ok:
        res.fail(f"a 99,999-character line (under the limit) failed: {short(value)}")
    path = b.client_dir / "long.txt"
    path.write_text(line + "\n", encoding="utf-8")
    status, uploaded = s.upload(path)
    ok, value = s.call("predict_file", file_data(uploaded, path.name), b.ck, "") if status == 200 else (False, uploaded)
    res.data["predict_file 1 MB line"] = short(value, 300)
    res.saw(value)
    if ok or "limit" not in str(value):
        res.fail("/predict_file with a 1 MB line was not refused by the line limit")
    if b.sizes.max_file:
        max_upload(b, res, words)
    res.outcome = "1 MB line refused by /predict, /analyse (text limit) and /predict_file (line limit)"
    if "predict_file at the upload limit" in res.data:
        r = res.data["predict_file at the upload limit"]
        res.outcome += (f"; a {r['mb']} MB file at the limits took {r['seconds']} s, /predict meanwhile "
                        f"p50 {r['predict_p50_ms']} ms")


def max_upload(b: Bench, res: Result, words: str) -> None:
    """The largest .txt the limits allow (10 MB of 20,000-character lines): how long it holds a worker."""
    line = words[:20_000].strip()
    path = b.client_dir / "max.txt"
    lines = (10 * MIB - 4096) // (len(line) + 1)
    path.write_text((line + "\n") * lines, encoding="utf-8")
    s = b.session("ana")
    status, uploaded = s.upload(path)
    if status != 200:
        res.fail(f"a file under the upload limit was refused: {short(uploaded)}")
        return
    out: dict = {}

    def big() -> None:
        t0 = time.perf_counter()
        out["ok"], out["value"] = Session(b.server.url, "ben", "pw-ben", timeout=300).call(
            "predict_file", file_data(uploaded, path.name), b.ck, "")
        out["seconds"] = round(time.perf_counter() - t0, 1)

    thread = threading.Thread(target=big)
    thread.start()
    time.sleep(3)
    latencies = []
    while thread.is_alive() and len(latencies) < 20:
        t0 = time.perf_counter()
        s.call("predict", SENTENCE, b.ck, "")
        latencies.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.5)
    thread.join(320)
    res.data["predict_file at the upload limit"] = {
        "mb": round(path.stat().st_size / 1e6, 1), "lines": lines, "ok": out.get("ok"),
        "seconds": out.get("seconds"), "predict_p50_ms": round(percentile(latencies, 50)) if latencies else None,
        "predict_calls_meanwhile": len(latencies)}
    if not out.get("ok"):
        res.fail(f"a file within the limits failed: {short(out.get('value'))}")


# ---------------------------------------------------------------- 4. zip bomb


def make_bomb(folder: Path, size: int) -> dict[str, Path]:
    """A valid BRAT pair plus ``size`` bytes of zeros as ``zeros.txt``, and the same with ``zeros.bin``.

    The deflated zeros are written once; the second zip is a copy with the member renamed in
    its two headers (same length, so every offset stays right).
    """
    txt = folder / "bomb-txt.zip"
    if not txt.exists() or _bomb_size(txt) != size:
        with zipfile.ZipFile(txt, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("scenario.txt", "El paciente tiene fiebre.\n")
            z.writestr("scenario.ann", "T1\tConcept 18 24\tfiebre\n")
            chunk = bytes(MIB)
            with z.open("zeros.txt", "w", force_zip64=True) as f:
                for _ in range(size // MIB):
                    f.write(chunk)
    raw = txt.read_bytes()
    if raw.count(b"zeros.txt") != 2:
        raise RuntimeError("cannot rename the zip member")
    binary = folder / "bomb-bin.zip"
    binary.write_bytes(raw.replace(b"zeros.txt", b"zeros.bin"))
    return {"zeros.txt": txt, "zeros.bin": binary}


def _bomb_size(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.startswith("zeros"))


def zip_bomb(b: Bench, res: Result) -> None:
    cache = OUT_DIR / "hostile"
    cache.mkdir(parents=True, exist_ok=True)
    bombs = make_bomb(cache, b.sizes.bomb_bytes)
    s = b.session("ana")
    big = b.client_dir / "eleven.txt"
    big.write_bytes(b"fiebre\n" * (11 * MIB // 7))
    status, value = s.upload(big)
    res.data["upload 11 MiB .txt"] = f"HTTP {status}: {short(value)}"
    if status == 200:
        res.fail("Gradio accepted an 11 MiB upload (max_file_size is 10 MiB)")
    else:
        res.saw(value)
    outcomes = []
    for member, path in bombs.items():
        status, uploaded = s.upload(path)
        res.data[f"upload {path.name} ({path.stat().st_size / MIB:.1f} MiB)"] = f"HTTP {status}"
        if status != 200:
            res.saw(uploaded)
            continue
        fd = file_data(uploaded, path.name)
        for event, data in (("on_add", [[fd], "", "", "", "position", b.ck]),
                            ("run", [b.ck, "test", fd, "any error", None, ""])):
            ok, value = s.browser(event, data)
            where = "Annotate upload" if event == "on_add" else "Evaluate upload"
            res.data[f"{where}, {member}"] = "accepted" if ok else short(value, 300)
            if not ok:
                res.saw(value)
            expected = member == "zeros.bin"  # the zeros are not text: ignored, the BRAT pair is read
            if ok != expected:
                res.fail(f"{where} with a 2 GiB {member}: {'accepted' if ok else short(value)}")
            outcomes.append(f"{member}→{where.split()[0]}: {'accepted' if ok else 'refused'}")
    in_process(b, res, bombs)
    res.outcome = ("upload of 11 MiB refused by Gradio (413); bomb zips "
                   f"({bombs['zeros.txt'].stat().st_size / MIB:.1f} MiB) pass the upload limit and reach the private "
                   f"events through /queue/join: {', '.join(outcomes)}")


def in_process(b: Bench, res: Result, bombs: dict[str, Path]) -> None:
    """The same zips straight into ``uploaded_documents`` and ``read_upload(want="gold")``, in this process."""
    from ner.annotation.intake import uploaded_documents
    from ner.settings import DEFAULT_LIMITS
    from ner.uploads import read_upload

    scratch = b.root / "inprocess-tmp"
    scratch.mkdir(exist_ok=True)
    own = Rss(os.getpid())
    own.sample()
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        for member, path in bombs.items():
            for name, fn in (("uploaded_documents", lambda p: len(uploaded_documents([p]).docs)),
                             ("read_upload gold", lambda p: len(read_upload([p], DEFAULT_LIMITS, want="gold").docs))):
                own.reset()
                start, t0 = own.last, time.perf_counter()
                try:
                    outcome = f"{fn(path)} document(s)"
                except ValueError as exc:
                    outcome = short(exc, 200)
                res.data[f"in-process {name}, {member}"] = {
                    "outcome": outcome, "seconds": round(time.perf_counter() - t0, 2),
                    "rss_rise_mib": round((own.peak - start) / MIB, 1), "left_in_tmp_bytes": folder_bytes(scratch)}
    finally:
        tempfile.tempdir = saved
        own.stop()


# ---------------------------------------------------------------- 5. forged annotations


def forged(b: Bench, res: Result) -> None:
    ana, ben = b.session("ana"), b.session("ben")
    texts = "\n".join(f"El paciente {i} tiene fiebre y tos." for i in range(5))
    ok, item = ana.call("load_queue", "ana-private", "", texts, "position", b.ck)
    if not ok:
        raise RuntimeError(f"ana could not load her queue: {item}")
    doc = item["doc"]
    ok, saved = ana.call("save_answer", doc, "", "accept", [], "ana-private", "position", b.ck)
    if not ok:
        raise RuntimeError(f"ana could not save: {saved}")
    ok, mine = ben.call("load_queue", "ben-own", "", texts, "position", b.ck)
    tries = {
        "undo ana's queue": ("undo_answer", "ana-private", ""),
        "progress of ana's queue": ("queue_progress", "ana-private", ""),
        "next item of ana's queue": ("next_item", "ana-private", "", "position", b.ck),
        "open ana's queue": ("load_queue", "ana-private", "", "", "position", b.ck),
        "append to ana's queue": ("load_queue", "ana-private", "", "Texto añadido por ben.", "position", b.ck),
        "save on ana's document": ("save_answer", doc, "", "reject", [], "ana-private", "position", b.ck),
        "annotator='ana' (save)": ("save_answer", mine["doc"] if ok else doc, "ana", "accept", [], "ben-own",
                                   "position", b.ck),
        "annotator='ana' (undo)": ("undo_answer", "ana-private", "ana"),
        "annotator='ana' (progress)": ("queue_progress", "ben-own", "ana"),
        "export without token": ("export_corrections", "", ["brat"], "", ""),
        "agreement without token": ("annotator_agreement", "", "ana", "ben", ""),
        "delete ana's queue without token": ("delete_queue", "", "ana-private"),
    }
    refused = 0
    for label, (api, *data) in tries.items():
        ok, value = ben.call(api, *data)
        res.data[label] = short(value, 200)
        refused += not ok
        if ok:
            res.fail(f"ben could {label}")
        else:
            res.saw(value)
    ok, value = Session(b.server.url).call("load_queue", "visitor", "ana", SENTENCE, "position", "")
    res.data["no login: /load_queue as ana"] = short(value, 200)
    refused += not ok
    if ok:
        res.fail("/load_queue answered without a login")
    else:
        res.saw(value)
    ok, progress = ana.call("queue_progress", "ana-private", "")
    res.lost = 0 if ok and progress.get("done") == 1 else 1
    if res.lost:
        res.fail(f"ana's answer is no longer there: {short(progress)}")
    res.outcome = f"refused {refused}/{len(tries) + 1}; ana's queue intact"


# ---------------------------------------------------------------- 6. database growth by refused requests


def db_state(db: Path) -> dict:
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    if not db.exists():
        return {"bytes": size, "documents": 0, "queues": 0}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        docs = c.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        queues = c.execute("SELECT COUNT(*) FROM queues").fetchone()[0]
    return {"bytes": size, "documents": docs, "queues": queues}


def db_growth(b: Bench, res: Result) -> None:
    db = b.data / "annotations.db"
    s = b.session("ben")
    before = db_state(db)
    n = b.sizes.pasted_lines
    texts = "\n".join(f"Frase número {i} con fiebre, tos y dolor de cabeza." for i in range(n))
    tries = [("model not allowed", "/etc", "position")] * 3 + [("unknown order", b.ck, "bogus")]
    refused = 0
    for i, (label, model, order) in enumerate(tries):
        ok, value = s.call("load_queue", f"bloat-{i}", "", texts, order, model)
        refused += not ok
        res.saw(value)
        if ok:
            res.fail(f"load_queue with a {label} was accepted")
    after = db_state(db)
    res.data.update(before=before, after=after, lines_per_request=n, text_bytes=len(texts.encode()))
    res.outcome = (f"refused {refused}/{len(tries)} × {n:,} lines; DB {before['bytes']:,} → {after['bytes']:,} bytes, "
                   f"documents {before['documents']} → {after['documents']}")
    if after["documents"] != before["documents"] or after["queues"] != before["queues"]:
        res.fail("refused requests wrote documents or queues")


# ---------------------------------------------------------------- 7. parallel one-click CRF


def parallel_crf(b: Bench, res: Result) -> None:
    users = ["ana", "ben", "eva", "ana"]
    sessions = [Session(b.server.url, u, dict(USERS)[u]) for u in users]
    before = {p.name for p in b.checkpoints.iterdir()}
    barrier = threading.Barrier(len(sessions))

    def go(s: Session) -> tuple[bool, object]:
        barrier.wait()
        return s.call("train_crf", ADMIN)

    with ThreadPoolExecutor(len(sessions)) as pool:
        answers = list(pool.map(go, sessions))
    kinds = Counter()
    for ok, value in answers:
        if ok:
            kinds["trained"] += 1
        elif "already going" in str(value):
            kinds["already going"] += 1
            res.saw(value)
        else:
            kinds["other error"] += 1
            res.saw(value)
    new = sorted({p.name for p in b.checkpoints.iterdir()} - before)
    res.data.update(answers=dict(kinds), new_folders=new)
    res.outcome = (f"{kinds['trained']} trained, {kinds['already going']} 'already going', "
                   f"{kinds['other error']} other; new folders: {', '.join(new) or 'none'}")
    if kinds["other error"] or not kinds["trained"]:
        res.fail("a CRF click failed otherwise than 'already going'")
    if any(name.startswith(".tmp-") for name in new):
        res.fail("a staging folder was left")


# ---------------------------------------------------------------- 8. admin-token guessing


def guessing(b: Bench, res: Result) -> None:
    n = b.sizes.guesses
    kinds = classify_guesses(Session(b.server.url, "ben", "pw-ben"), n, lambda i: None)
    res.data["one client"] = kinds
    res.data["lockout cleared after s"] = wait_for_admin(b)
    locked_later = kinds["sequence"][n // 2:].count("too many")
    if locked_later < n // 2 - 1:
        res.fail(f"only {locked_later} of the last {n - n // 2} wrong tokens met the lockout")
    first = kinds["sequence"].index("too many") + 1 if "too many" in kinds["sequence"] else "-"
    for message in kinds["messages"]:
        res.saw(message)
    res.outcome = (f"{kinds['counts'].get('too many', 0)}/{n} answered 'too many wrong admin tokens' (from guess "
                   f"{first}); the right token works again {res.data['lockout cleared after s']} s later")


def guessing_forwarded(b: Bench, res: Result) -> None:
    """The same guesses, each with another ``X-Forwarded-For``: uvicorn trusts it from 127.0.0.1 (its default)."""
    n = b.sizes.guesses
    kinds = classify_guesses(Session(b.server.url, "ben", "pw-ben"), n, lambda i: f"203.0.113.{i + 1}")
    res.data["X-Forwarded-For rotated (from 127.0.0.1)"] = kinds
    res.data["lockout cleared after s"] = wait_for_admin(b)
    for message in kinds["messages"]:
        res.saw(message)
    locked = kinds["counts"].get("too many", 0)
    res.outcome = f"{locked}/{n} locked out"
    if locked < n // 2:
        res.note = True
        res.outcome += (": the lockout is keyed by the client address, which uvicorn takes from X-Forwarded-For "
                        "when the peer is in FORWARDED_ALLOW_IPS (default 127.0.0.1)")


def classify_guesses(s: Session, n: int, forwarded: Callable[[int], str | None]) -> dict:
    sequence, seen = [], []
    for i in range(n):
        ip = forwarded(i)
        s.http.headers.pop("X-Forwarded-For", None)
        if ip:
            s.http.headers["X-Forwarded-For"] = ip
        ok, value = s.call("export_corrections", f"guess-{uuid.uuid4().hex[:8]}", ["brat"], "", "")
        text = str(value)
        sequence.append("accepted" if ok else "too many" if "too many" in text else
                        "wrong" if "wrong admin token" in text else "other")
        if short(value) not in seen:
            seen.append(short(value))
    return {"counts": dict(Counter(sequence)), "sequence": sequence, "messages": seen}


def wait_for_admin(b: Bench, limit: float = 330.0) -> float | None:
    """Seconds until the right token is accepted again from 127.0.0.1 (the lockout is over)."""
    s, t0 = b.session("ana"), time.monotonic()
    while time.monotonic() - t0 < limit:
        ok, value = s.call("export_corrections", ADMIN, ["brat"], "", "")
        if ok or "too many" not in str(value):
            return round(time.monotonic() - t0, 1)
        time.sleep(0.5)
    return None


# ---------------------------------------------------------------- 9. load test


def load_test(b: Bench, res: Result) -> None:
    n, threads, limit = b.sizes.load_calls, b.sizes.load_threads, b.sizes.load_seconds
    cookies = b.session("ana").http.cookies
    lock, counter = threading.Lock(), iter(range(n))
    done: dict[str, list[float]] = {"run": [], "call": []}
    errors: Counter = Counter()
    deadline = time.monotonic() + limit

    def worker(k: int) -> None:
        way = "run" if k % 2 == 0 else "call"
        s = Session(b.server.url, cookies=cookies, timeout=limit)
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    break
            t0 = time.perf_counter()
            try:
                ok, value = getattr(s, way)("predict", SENTENCE, b.ck, "")
            except Exception as exc:  # noqa: BLE001 (timeouts, refused connections: counted)
                ok, value = False, f"{type(exc).__name__}"
            with lock:
                if ok:
                    done[way].append((time.perf_counter() - t0) * 1000)
                else:
                    errors[short(value, 80)] += 1
        s.close()

    t0 = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    wall = time.monotonic() - t0
    all_ms = done["run"] + done["call"]
    stats = {way: {"ok": len(ms), "p50_ms": round(percentile(ms, 50)) if ms else None,
                   "p95_ms": round(percentile(ms, 95)) if ms else None} for way, ms in done.items()}
    res.data.update(requested=n, threads=threads, seconds=round(wall, 1), by_way=stats, errors=dict(errors),
                    per_second=round(len(all_ms) / wall, 1))
    p50, p95 = (round(percentile(all_ms, q)) for q in (50, 95)) if all_ms else (None, None)
    res.outcome = (f"{len(all_ms)}/{n} ok, {sum(errors.values())} errors in {wall:.0f} s "
                   f"({len(all_ms) / wall:.0f}/s) from {threads} threads; p50 {p50} ms, p95 {p95} ms")
    for message in errors:
        res.saw(message)
    if errors:
        res.fail(f"{sum(errors.values())} requests failed")


# ---------------------------------------------------------------- 10. parallel saves


def save_chain(s: Session, queue: str, texts: str, model: str, count: int, stop: threading.Event | None = None,
               acked: list | None = None) -> list[tuple[int, int]]:
    """Load a queue, then accept its items one after the other; the ``(doc, answer id)`` acknowledged."""
    ok, item = s.call("load_queue", queue, "", texts, "position", model)
    if not ok:
        raise RuntimeError(f"{s.user}: load_queue failed: {item}")
    acked = [] if acked is None else acked
    while len(acked) < count and not item.get("finished") and not (stop and stop.is_set()):
        entities = [{"label": e["label"], "fragments": e["fragments"]} for e in item["entities"]]
        try:
            ok, out = s.call("save_answer", item["doc"], "", "accept", entities, queue, "position", model)
        except Exception:  # noqa: BLE001 (the server was killed)
            break
        if not ok:
            break
        acked.append((item["doc"], out["answer"]))
        item = out["next"]
    return acked


def missing_answers(db: Path, user: str, acked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    from ner.store import Store

    with Store(db) as store:
        return [(doc, aid) for doc, aid in acked if (cur := store.current_answer(doc, user)) is None or cur.id != aid]


def parallel_saves(b: Bench, res: Result) -> None:
    n = b.sizes.saves
    people = [u for u, _ in USERS]

    def annotate(user: str) -> list[tuple[int, int]]:
        texts = "\n".join(f"{user}: el paciente {i} presenta fiebre, tos y dolor de cabeza." for i in range(n))
        return save_chain(Session(b.server.url, user, dict(USERS)[user]), f"par-{user}", texts, b.ck, n)

    with ThreadPoolExecutor(len(people)) as pool:
        acked = dict(zip(people, pool.map(annotate, people)))
    from ner.store import Store

    with Store(b.data / "annotations.db") as store:
        stored = {u: store.progress(f"par-{u}", u).done for u in people}
    missing = {u: len(missing_answers(b.data / "annotations.db", u, acked[u])) for u in people}
    res.lost = sum(missing.values()) + sum(max(0, n - len(a)) for a in acked.values())
    res.data.update(acknowledged={u: len(a) for u, a in acked.items()}, stored=stored, missing=missing)
    res.outcome = (f"{sum(len(a) for a in acked.values())} acknowledged, {sum(stored.values())} stored "
                   f"(of {n * len(people)}): {', '.join(f'{u} {stored[u]}' for u in people)}")
    if res.lost or sum(stored.values()) != n * len(people):
        res.fail("answers lost")


# ---------------------------------------------------------------- 11. kill -9


def kill_during_saves(b: Bench, res: Result) -> None:
    from ner.store import Store

    n, stop = b.sizes.kill_lines, threading.Event()
    acked: dict[str, list] = {"ana": [], "ben": []}

    def annotate(user: str) -> None:
        texts = "\n".join(f"{user}: caso {i}, el paciente tiene fiebre y tos." for i in range(n))
        save_chain(Session(b.server.url, user, dict(USERS)[user]), f"kill-{user}", texts, b.ck, n, stop, acked[user])

    threads = [threading.Thread(target=annotate, args=(u,)) for u in acked]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    while sum(len(a) for a in acked.values()) < 10 and time.monotonic() - t0 < 60:
        time.sleep(0.05)
    time.sleep(0.5)
    b.server.kill9()
    at_kill = {u: len(a) for u, a in acked.items()}
    stop.set()
    for t in threads:
        t.join(60)
    b.forget_sessions()
    b.server.start()
    db = b.data / "annotations.db"
    with Store(db) as store:
        integrity = store.integrity_check()
    missing = {u: missing_answers(db, u, a) for u, a in acked.items()}
    res.lost = sum(len(m) for m in missing.values())
    res.data["saves"] = {"acknowledged": {u: len(a) for u, a in acked.items()}, "acknowledged_at_kill": at_kill,
                         "integrity_check": integrity, "missing": {u: m[:10] for u, m in missing.items()}}
    if integrity != "ok":
        res.fail(f"integrity_check after the kill: {short(integrity)}")
    if res.lost:
        res.fail(f"{res.lost} acknowledged answers missing after the kill")
    crf = kill_during_training(b, res)
    res.outcome = (f"saves: killed after {sum(at_kill.values())} acknowledged, integrity {integrity}, "
                   f"{res.lost} lost; CRF: {crf['staging_at_kill']} staging folder(s) at the kill, "
                   f"{crf['staging_after_restart']} after the restart")


def kill_during_training(b: Bench, res: Result) -> dict:
    staging = lambda: sorted(p.name for p in b.checkpoints.glob(".tmp-*"))  # noqa: E731
    s = b.session("ana")
    thread = threading.Thread(target=lambda: _quiet(s.call, "train_crf", ADMIN), daemon=True)
    t0 = time.monotonic()
    thread.start()
    time.sleep(0.5)
    while not staging() and time.monotonic() - t0 < 5:
        time.sleep(0.01)
    at_kill = staging()
    b.server.kill9()
    waited = round(time.monotonic() - t0, 2)
    thread.join(10)
    b.forget_sessions()
    b.server.start()
    after = staging()
    out = {"killed_after_s": waited, "staging_at_kill": len(at_kill), "staging_after_restart": len(after),
           "left": after}
    res.data["crf"] = out
    if after:
        res.fail(f"staging folders left after the restart: {after}")
    return out


def _quiet(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:  # noqa: BLE001 (the server is killed under it)
        pass


# ---------------------------------------------------------------- 12. live suggestions as a sink


def suggestion_rows(db: Path, queue: str) -> dict:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as c:
        rows = c.execute("""SELECT s.model, COUNT(*) FROM suggestions s JOIN documents d ON d.id = s.document
                            WHERE d.source = ? GROUP BY s.model""", (queue,)).fetchall()
    return dict(rows)


def accept_for(s: Session, item: dict, queue: str, model: str, seconds: float, correct: bool) -> tuple[dict, int]:
    """Accept items as fast as the API allows for ``seconds``: empty answers, or one Concept each (a correction)."""
    deadline, n = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and not item.get("finished"):
        words = re.search(r"\w{4,}", item["text"])
        entities = [{"label": "Concept", "start": words.start(), "end": words.end()}] if correct and words else []
        ok, out = s.run("save_answer", item["doc"], "", "accept", entities, queue, "position", model)
        if not ok:
            raise RuntimeError(f"save_answer refused: {short(out)}")
        item, n = out["next"], n + 1
    return item, n


def live_sink(b: Bench, res: Result) -> None:
    db, s, queue = b.data / "annotations.db", b.session("ana"), "live-sink"
    # the biggest paste one load may hold: 20,000 lines (Limits.upload_lines) in 2 MiB (queue_load_chars)
    lines = [f"Paciente {n:05d}: presenta fiebre alta, tos seca, dolor de cabeza y cansancio desde hace días."
             for n in range(20_000)]
    before_db = db_state(db)
    t0 = time.monotonic()
    ok, item = s.call("load_queue", queue, "", "\n".join(lines), "position", b.ck)
    if not ok:
        raise RuntimeError(f"load_queue failed: {short(item)}")
    load_s = round(time.monotonic() - t0, 1)
    pid = b.server.proc.pid
    phases = {}
    for phase, correct in (("empty answers", False), ("corrections", True)):
        rows_before, cpu, rss = suggestion_rows(db, queue), cpu_seconds(pid), b.rss.last
        t0 = time.monotonic()
        item, accepts = accept_for(s, item, queue, b.ck, b.sizes.live_seconds, correct)
        time.sleep(2)
        rows_after = suggestion_rows(db, queue)
        live = {m: c for m, c in rows_after.items() if "+live" in m}
        phases[phase] = {"accepts": accepts, "seconds": round(time.monotonic() - t0, 1),
                         "cpu_s": round(cpu_seconds(pid) - cpu, 1), "rss_before_mib": round(rss / MIB),
                         "rss_after_mib": round(b.rss.last / MIB),
                         "new_suggestion_rows": sum(rows_after.values()) - sum(rows_before.values()),
                         "live_versions": len(live), "live_rows": sum(live.values())}
    after_db = db_state(db)
    res.data.update(lines=len(lines), text_bytes=sum(map(len, lines)), load_s=load_s, phases=phases,
                    db_before=before_db, db_after=after_db)
    e, c = phases["empty answers"], phases["corrections"]
    res.outcome = (f"{len(lines):,}-line queue (2 MiB) loaded in {load_s} s; {e['accepts']} empty accepts in "
                   f"{e['seconds']:.0f} s: {e['live_versions']} live versions, +{e['new_suggestion_rows']} rows, "
                   f"{e['cpu_s']} s CPU; {c['accepts']} corrections in {c['seconds']:.0f} s: {c['live_versions']} "
                   f"versions, +{c['new_suggestion_rows']} rows, {c['cpu_s']} s CPU; DB "
                   f"{mib(after_db['bytes'] - before_db['bytes'])}; "
                   f"RSS {e['rss_before_mib']} → {c['rss_after_mib']} MiB")
    if e["live_versions"]:
        res.fail("empty answers trained a live version")
    if c["new_suggestion_rows"] > c["accepts"] + e["accepts"] + 10:
        res.fail("a live version wrote more suggestions than the items it served")


# ---------------------------------------------------------------- 13. Evaluate results held per session


def evaluate_sessions(b: Bench, res: Result) -> None:
    from ner import corpus
    from ner.brat import write_brat
    from ner.entities import Document

    folder = b.client_dir / "gold"
    folder.mkdir(exist_ok=True)
    sample = corpus.load("sample")  # two sample sentences a line: 2 MiB of text in fewer than 20,000 lines
    pairs = [(a, b) for a, b in zip(sample, sample[1:] + sample[:1])]
    docs = [Document(f"{k}-{a.id}", f"{a.text} {b.text}", (*a.entities, *(e.shifted(len(a.text) + 1)
                                                                          for e in b.entities)))
            for k in range(b.sizes.eval_copies) for a, b in pairs]
    write_brat(docs, folder / "scenario.txt")
    archive = b.client_dir / "gold.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("scenario.txt", "scenario.ann"):
            z.write(folder / name, f"gold/{name}")
    chars = sum(len(d.text) for d in docs)
    pid, rss0 = b.server.proc.pid, b.rss.last
    per = []
    for _ in range(b.sizes.eval_sessions):
        s = Session(b.server.url, "eva", "pw-eva")  # a fresh page: a new session each time
        status, path = s.upload(archive)
        if status != 200:
            raise RuntimeError(f"upload refused: {path}")
        cpu, t0 = cpu_seconds(pid), time.monotonic()
        ok, out = s.browser("run", ["", "test", file_data(path, "gold.zip"), "any error", None, "", False])
        if not ok:
            raise RuntimeError(f"evaluate failed: {short(out)}")
        per.append({"seconds": round(time.monotonic() - t0, 1), "cpu_s": round(cpu_seconds(pid) - cpu, 1),
                    "rss_mib": round(b.rss.last / MIB)})
        s.close()
    res.data.update(chars=chars, sessions=per, rss_start_mib=round(rss0 / MIB))
    growth = per[-1]["rss_mib"] - per[0]["rss_mib"]
    res.outcome = (f"{len(per)} fresh sessions × {chars / MIB:.1f} MiB of gold text: RSS {round(rss0 / MIB)} → "
                   f"{per[0]['rss_mib']} after the first → {per[-1]['rss_mib']} MiB after the last "
                   f"({growth:+d} MiB over {len(per) - 1} more); {sum(p['cpu_s'] for p in per) / len(per):.1f} s "
                   f"CPU each")
    if growth > 30 * (len(per) - 1) ** 0.5 + 60:
        res.fail(f"server memory grew by {growth} MiB over {len(per) - 1} sessions")


# ---------------------------------------------------------------- 14. a big queue load


def big_load(b: Bench, res: Result) -> None:
    db, s, pid = b.data / "annotations.db", b.session("ben"), b.server.proc.pid
    piece = " ".join(f"palabra{i} fiebre tos" for i in range(1200))[:20_000]  # 20,000 characters, no full stop

    def lines(n: int, tag: str) -> str:
        return "\n".join(f"{tag}{k} {piece}"[:20_000] for k in range(n))

    out = {}
    for label, queue, text in (("10 MB (500 lines of 20,000 characters)", "big-10mb", lines(500, "a")),
                               ("2 MiB (104 such lines)", "big-2mib", lines(104, "b")),
                               ("2 MiB more in the same hour", "big-2mib-b", lines(104, "c")),
                               ("a third 2 MiB in the same hour", "big-2mib-c", lines(104, "d"))):
        cpu, t0, before = cpu_seconds(pid), time.monotonic(), db_state(db)
        ok, value = s.call("load_queue", queue, "", text, "position", b.ck)
        took = round(time.monotonic() - t0, 1)
        cpu_request = round(cpu_seconds(pid) - cpu, 1)
        background = None
        if ok:  # follow the background pre-annotation, while /predict keeps answering
            t1, latencies = time.monotonic(), []
            while time.monotonic() - t1 < 600:
                t2 = time.perf_counter()
                b.session("eva").run("predict", SENTENCE, b.ck, "")
                latencies.append((time.perf_counter() - t2) * 1000)
                done, progress = s.call("queue_progress", queue, "")
                if done and not progress.get("preannotating"):
                    break
                time.sleep(0.5)
            background = {"seconds": round(time.monotonic() - t1, 1),
                          "predict_p50_ms": round(percentile(latencies, 50)),
                          "cpu_s": round(cpu_seconds(pid) - cpu - cpu_request, 1)}
        else:
            res.saw(value)
        out[label] = {"accepted": ok, "request_s": took, "request_cpu_s": cpu_request, "background": background,
                      "db_growth": db_state(db)["bytes"] - before["bytes"]}
    res.data.update(loads=out)
    res.outcome = "; ".join(
        f"{k}: " + (f"accepted, request {v['request_s']} s, background {v['background']['seconds']} s "
                    f"({v['background']['cpu_s']} s CPU, /predict p50 {v['background']['predict_p50_ms']} ms "
                    f"meanwhile), DB {mib(v['db_growth'])}" if v["accepted"] else f"refused in {v['request_s']} s")
        for k, v in out.items())
    wanted = [False, True, True, False]
    if [v["accepted"] for v in out.values()] != wanted:
        res.fail("expected: 10 MB refused, two 2 MiB loads accepted, the third in the hour refused")
    if any(v["request_s"] > 20 for v in out.values()):
        res.fail("a queue load held its request for more than 20 s")


# ---------------------------------------------------------------- the report


ATTACKS: list[tuple[str, str, Callable[[Bench, Result], None]]] = [
    ("1", "crafted model: /etc, .tmp- staging, hub id, corrupt CRF", crafted_models),
    ("2", "memory by model string: checkpoint + 1..N slashes", model_strings),
    ("3", "one long line: 1 MB to /predict, /analyse, /predict_file", long_line),
    ("4", "zip bomb: BRAT pair + 2 GiB of zeros", zip_bomb),
    ("5", "forged annotations: ben on ana's queue, no token", forged),
    ("6", "DB growth by refused /load_queue", db_growth),
    ("7", "4 parallel one-click CRF trainings", parallel_crf),
    ("8", "admin-token guessing: 20 wrong tokens from one client", guessing),
    ("8b", "admin-token guessing with a new X-Forwarded-For each time", guessing_forwarded),
    ("9", "load test: /predict from many threads", load_test),
    ("10", "parallel saves: 3 annotators", parallel_saves),
    ("11", "kill -9 during saves and during a CRF training", kill_during_saves),
    ("12", "live suggestions as a sink: a 2 MiB queue, then accepts as fast as the API allows", live_sink),
    ("13", "Evaluate: a 2 MiB gold set in many fresh sessions", evaluate_sessions),
    ("14", "big queue loads: 10 MB, then 2 MiB three times in an hour", big_load),
]


def mib(n: int) -> str:
    if abs(n) < 1024:
        return f"{n:+d} B" if n else "0"
    if abs(n) < MIB:
        return f"{n / 1024:+.0f} KiB"
    return f"{n / MIB:+.1f} MiB"


def details(b: Bench) -> list[str]:
    """A few figures from the JSON worth a line under the table."""
    found = {r.n: r.data for r in b.results}
    out = []
    if "9" in found and "by_way" in found["9"]:
        run, call = found["9"]["by_way"]["run"], found["9"]["by_way"]["call"]
        out.append(f"- Load test by way in: `/gradio_api/run/predict` (one request, outside the queue) {run['ok']} "
                   f"answers, p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms; `/gradio_api/call/predict` (the queue, "
                   f"4 workers) {call['ok']} answers, p50 {call['p50_ms']} ms, p95 {call['p95_ms']} ms.")
    big = found.get("3", {}).get("predict_file at the upload limit")
    if big:
        out.append(f"- The largest .txt the limits allow ({big['mb']} MB, {big['lines']} lines of 20,000 characters) "
                   f"held one worker {big['seconds']} s through `/predict_file`; {big['predict_calls_meanwhile']} "
                   f"`/predict` calls meanwhile, p50 {big['predict_p50_ms']} ms.")
    rows = [(k, v) for k, v in found.get("4", {}).items() if k.startswith("in-process")]
    if rows:
        out.append("- Zip bombs in-process: " + "; ".join(
            f"{k[len('in-process '):]}: {short(v['outcome'], 60)} ({v['seconds']} s, RSS +{v['rss_rise_mib']} MiB, "
            f"{v['left_in_tmp_bytes']} B left)" for k, v in rows) + ".")
    if "2" in found:
        out.append(f"- Memory by model string, RSS growth per phase of {found['2']['calls_per_phase']} calls "
                   f"(MiB): {found['2']['rss_growth_mib']}.")
    return out


def report(b: Bench, args, wall: float) -> str:
    rows = [[r.n, r.attack, r.outcome, "; ".join(r.seen[:3]) or "-", r.peak_rss_mib, r.rss_after_mib,
             " / ".join(mib(r.disk_delta.get(k, 0)) for k in ("temp", "data", "checkpoints")),
             f"{mib(r.log_bytes)} ({r.data.get('tracebacks_in_log', 0)} tracebacks)",
             "-" if r.lost is None else r.lost, "**FAIL**" if not r.ok else "note" if r.note else "ok"]
            for r in b.results]
    table = md_table(["#", "attack", "what happened", "what the client saw (shortened)", "peak RSS MiB",
                      "RSS after MiB", "left on disk: temp / data / checkpoints", "server log", "answers lost",
                      "verdict"], rows)
    failures = [f"- **{r.n}. {r.attack}**: " + "; ".join(r.problems) for r in b.results if not r.ok]
    notes = [f"- **{r.n}. {r.attack}**: {r.outcome}" for r in b.results if r.ok and r.note]
    command = "python bench/hostile.py" + (" --quick" if args.quick else "")
    command += " --only " + " ".join(args.only) if args.only else ""
    verdict = "**Failures**\n\n" + "\n".join(failures) if failures else "All attacks refused or survived."
    if notes:
        verdict += "\n\n**Notes**\n\n" + "\n".join(notes)
    if details(b):
        verdict += "\n\n**Details**\n\n" + "\n".join(details(b))
    text = (f"{table}\n\n{verdict}\n\n"
            + f"Server: the app as a public deployment (admin token, 3 logins, queue of 4 workers) on 127.0.0.1, "
            f"started in {', '.join(map(str, b.server.start_seconds))} s; RSS sampled every 0.1 s. "
            f"Disk: bytes added during the attack under the server's TMPDIR/GRADIO_TEMP_DIR, data dir, checkpoints. "
            f"Whole run {wall / 60:.1f} min. {machine_line(machine())}\nCommand: `{command}`")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (for a test); results in bench/out/")
    parser.add_argument("--only", nargs="*", help="attack numbers to run (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch root (its path is printed)")
    args = parser.parse_args()
    setup_environment()
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    t0 = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="hostile-"))
    b = Bench(root, QUICK if args.quick else Sizes())
    print(f"scratch root: {root}", flush=True)
    try:
        b.ck = str(train_crf(b.checkpoints))
        b.server.start()
        for n, name, fn in ATTACKS:
            if not args.only or n in args.only:
                b.attack(n, name, fn)
    finally:
        b.server.stop()
        b.rss.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    text = report(b, args, time.monotonic() - t0)
    print(text)
    data = {"machine": machine(), "quick": args.quick, "sizes": asdict(b.sizes),
            "server_start_s": b.server.start_seconds, "results": [asdict(r) for r in b.results]}
    name = "hostile" + ("_quick" if args.quick else "") + ("_" + "-".join(args.only) if args.only else "")
    write_results(name, text, data, OUT_DIR if args.quick else None)  # --only: a file of its own, the full run kept
    return 0 if all(r.ok for r in b.results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
