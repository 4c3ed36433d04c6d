"""A stand-in for the Hugging Face Hub's HTTP API, just enough for huggingface_hub 2.4 to create a dataset repo,
commit small regular (non-LFS, non-Xet) files and snapshot_download them. Not the Hub: no auth, no LFS, no Xet."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hub:
    """Repos in memory: ``repos[repo_id]`` maps a path to its bytes; ``commits`` counts commits per repo."""

    def __init__(self) -> None:
        self.repos: dict[str, dict[str, bytes]] = {}
        self.commits: dict[str, int] = {}
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, code: int, body: bytes = b"", headers: dict | None = None, head: bool = False) -> None:
                self.send_response(code)
                for k, v in (headers or {"Content-Type": "application/json"}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _json(self, data: object, code: int = 200) -> None:
                self._send(code, json.dumps(data).encode())

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    data = json.loads(self._body())
                    repo = f"{data['organization']}/{data['name']}" if data.get("organization") else data["name"]
                    with hub.lock:
                        hub.repos.setdefault(repo, {})
                        hub.commits.setdefault(repo, 0)
                    return self._json({"url": f"{hub.url}/datasets/{repo}", "name": repo})
                m = re.fullmatch(r"/api/datasets/(.+?/.+?)/preupload/.+", path)
                if m:
                    files = json.loads(self._body())["files"]
                    return self._json({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                                 for f in files]})
                m = re.fullmatch(r"/api/datasets/(.+?/.+?)/commit/.+", path)
                if m:
                    repo = m.group(1)
                    with hub.lock:
                        for line in self._body().decode().splitlines():
                            item = json.loads(line)
                            if item["key"] == "file":
                                hub.repos[repo][item["value"]["path"]] = base64.b64decode(item["value"]["content"])
                        hub.commits[repo] += 1
                    return self._json({"commitUrl": f"{hub.url}/datasets/{repo}/commit/{hub.sha(repo)}",
                                       "commitOid": hub.sha(repo)})
                self._json({"error": f"stand-in: no POST {path}"}, 404)

            def _get(self, head: bool) -> None:
                path = self.path.split("?")[0]
                m = re.fullmatch(r"/api/datasets/(.+?/.+?)/revision/.+", path)
                if m and m.group(1) in hub.repos:
                    repo = m.group(1)
                    return self._json({"id": repo, "sha": hub.sha(repo), "private": True,
                                       "siblings": [{"rfilename": p} for p in sorted(hub.repos[repo])]})
                m = re.fullmatch(r"/api/datasets/(.+?/.+?)/tree/.+", path)
                if m and m.group(1) in hub.repos:
                    files = hub.repos[m.group(1)]
                    return self._json([{"type": "file", "path": p, "size": len(b),
                                        "oid": hashlib.sha1(b).hexdigest()} for p, b in sorted(files.items())])
                m = re.fullmatch(r"/datasets/(.+?/.+?)/resolve/[^/]+/(.+)", path)
                if m and m.group(1) in hub.repos and m.group(2) in hub.repos[m.group(1)]:
                    body = hub.repos[m.group(1)][m.group(2)]
                    return self._send(200, body, {"Content-Type": "application/octet-stream",
                                                  "X-Repo-Commit": hub.sha(m.group(1)),
                                                  "ETag": f'"{hashlib.sha1(body).hexdigest()}"'}, head)
                self._send(404, b'{"error": "not found"}', {"Content-Type": "application/json",
                                                            "X-Error-Code": "EntryNotFound"}, head)

            def do_GET(self) -> None:  # noqa: N802
                self._get(False)

            def do_HEAD(self) -> None:  # noqa: N802
                self._get(True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sha(self, repo: str) -> str:
        return hashlib.sha1(f"{repo}:{self.commits[repo]}".encode()).hexdigest()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
