"""Download the eHealth-KD 2020 corpus from the organisers' repository, pinned and verified.

The files come from ``github.com/knowledge-learning/ehealthkd-2020`` at one commit, as raw
file URLs: ``<base>/<commit>/data/<path>``. Every file is checked against :data:`MANIFEST`
(size and SHA-256). The download goes to a temporary folder next to the destination and is
renamed into place (:func:`ner.files.replace_dir`) only when every file verified: the
destination is complete or absent, never half-written. The destination is the folder that
holds the organisers' ``data/`` tree, :func:`ner.settings.corpus_dir` by default.

The corpus is not ours: it is licensed CC BY-NC-SA 4.0 (see :data:`LICENCE_NOTICE`).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ner import settings
from ner.files import replace_dir

REPOSITORY = "https://github.com/knowledge-learning/ehealthkd-2020"
COMMIT = "7cafdaee87fd10245ff604a9d141a1f5dd91c5d5"
BASE_URL = "https://raw.githubusercontent.com/knowledge-learning/ehealthkd-2020"
URL_ENV = "NER_CORPUS_URL"
TIMEOUT_S = 30.0

# path under data/ -> (sha256, size in bytes), measured on the release at COMMIT
MANIFEST: dict[str, tuple[str, int]] = {
    "README.md": ("9fbbeab92ff0b6faba19fe82578580d33360834d45801702615e681736e45f76", 383),
    "development/README.md": ("5b8f7ccf595d8b4499a987ff430489dc5cbf35ea633f7a05c48a0ec5b2309e81", 281),
    "development/main/scenario.ann": ("9a47927d13260a10e067d82ebca59d2a43982c7338babb01004c02329611dfb3", 85446),
    "development/main/scenario.txt": ("184b5e9a9e69512d5332c81f22d8765ae1e26632e0f5dc089af6e101c9b04149", 19060),
    "development/transfer/scenario.ann": ("5295257af78db2be486ea344b33939e17862e68ccf573df5f72f8ea095f0dbe3", 86412),
    "development/transfer/scenario.txt": ("41da52dea0c4b0088192b7bfdc160eb188569e0e8edf0c3300726627e57bcf73", 18173),
    "testing/README.md": ("7dc959334c9279647ff8696cd901886769213419cc322cca94fd7c5b075e92b9", 1951),
    "testing/scenario1-main/scenario.ann": ("b3011085f10dcf9be479f3d750929a0bbc80d00120c8f47462ddaeb01f70b115", 38277),
    "testing/scenario1-main/scenario.txt": ("1bc275f7545c30cf9726c879d0d2b4d878f42c3f448af01b06be95e46c7098e2", 499787),
    "testing/scenario2-taskA/scenario.ann": ("42fe1d786c4a3b05636d5d65e53ee062eddb8d69a97268607b5e06d12fd2cc7f", 34343),
    "testing/scenario2-taskA/scenario.txt": ("cf8272d39d1f4d01f50b8b5d6dc16389551894547b2fc3125c93c5f378ff53ee", 8249),
    "testing/scenario3-taskB/scenario.ann": ("37102084c1bde2b5eaebc55361b4df7fd0f012495b56f664aa0ad52292a38f00", 36437),
    "testing/scenario3-taskB/scenario.txt": ("63b6e7ff05445b1fde9c8d9b3bb346a1d9e037858550b4d509fb10d702f682e6", 8685),
    "testing/scenario4-transfer/scenario.ann": (
        "ae12e60beb35bfaee1841747c87ee2fb5f14b542ea7579ea8ef57a43f7d71531",
        87144,
    ),
    "testing/scenario4-transfer/scenario.txt": (
        "7f721fdfdcd8c311e3a6e7b561036e20bea3f4e3299130d577f954fe9a819839",
        253355,
    ),
    "training/scenario.ann": ("b4e26cd473cf54bc7e4ad2d5b98896dbeb9b7f4bb5adc426ee2014ce4fce0b88", 343367),
    "training/scenario.txt": ("247d41d7c5152d5afb3670e55ccf632d7665f772f42fbd95331b8e65efadaa4e", 72905),
}

LICENCE_NOTICE = f"""\
The eHealth-KD 2020 corpus is copyright (c) 2020 Knowledge Learning Project, the
organisers of the eHealth-KD challenge at IberLEF 2020 ({REPOSITORY}).
It is distributed under the Creative Commons Attribution-NonCommercial-ShareAlike 4.0
licence (CC BY-NC-SA 4.0, https://creativecommons.org/licenses/by-nc-sa/4.0/):
  - non-commercial use only;
  - credit the organisers;
  - share anything derived from the corpus under the same licence.
The organisers ask users to accept these terms through the form linked from the
repository's README. This project does not redistribute the corpus; it downloads it."""

Progress = Callable[[int, int], None]


class DownloadError(ValueError):
    """The corpus could not be downloaded or verified; the message names the file or URL."""


def release_url(base_url: str | None = None) -> str:
    """``<base>/<commit>``: ``base_url``, else ``$NER_CORPUS_URL``, else GitHub's raw file host."""
    base = (base_url or settings.corpus_url() or BASE_URL).rstrip("/")
    return f"{base}/{COMMIT}"


def file_url(path: str, base_url: str | None = None) -> str:
    """The URL of ``data/<path>`` at the pinned commit (see :func:`release_url`)."""
    return f"{release_url(base_url)}/data/{urllib.parse.quote(path)}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, hex."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: str | Path) -> list[str]:
    """What differs between ``folder`` and the pinned release (empty when it verifies).

    ``folder`` holds ``data/``; files that are not in the manifest are ignored.
    """
    folder = Path(folder)
    problems = []
    for path, (expected, size) in MANIFEST.items():
        local = folder / "data" / path
        if not local.is_file():
            problems.append(f"data/{path} is missing")
        elif local.stat().st_size != size:
            problems.append(f"data/{path} has {local.stat().st_size} bytes, expected {size}")
        elif (got := sha256_of(local)) != expected:
            problems.append(f"data/{path} has sha256 {got}, expected {expected}")
    return problems


def _fetch(url: str, target: Path, path: str, timeout: float) -> None:
    """Stream ``url`` into ``target``; raise :class:`DownloadError` unless it matches the manifest."""
    expected, size = MANIFEST[path]
    digest, length = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            while block := response.read(1 << 16):
                length += len(block)
                if length > size:
                    break  # longer than the release's file: no need to read the rest
                digest.update(block)
                out.write(block)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"data/{path}: {url} answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise DownloadError(f"data/{path}: no answer from {url} within {timeout:g} s; are you offline?") from exc
        host = urllib.parse.urlsplit(url).netloc or url
        raise DownloadError(
            f"cannot reach {host} to download the corpus ({exc.reason}). Are you offline? "
            f"Set {URL_ENV} to a mirror, or NER_CORPUS_DIR to a copy already on disk."
        ) from exc
    except TimeoutError as exc:
        raise DownloadError(f"data/{path}: no answer from {url} within {timeout:g} s; are you offline?") from exc
    except OSError as exc:
        raise DownloadError(f"data/{path}: download from {url} failed: {exc}") from exc
    if length != size:
        raise DownloadError(f"data/{path}: expected {size} bytes from {url}, got {'more' if length > size else length}")
    if (got := digest.hexdigest()) != expected:
        raise DownloadError(f"data/{path}: checksum mismatch from {url}: expected sha256 {expected}, got {got}")


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def download(
    dest: str | Path | None = None,
    base_url: str | None = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
    echo: Callable[[str], None] | None = print,
    timeout: float = TIMEOUT_S,
) -> Path:
    """Download and verify the pinned corpus into ``dest``; return ``dest``.

    ``dest`` (default :func:`ner.settings.corpus_dir`) receives ``data/...`` as in the
    organisers' repository. ``base_url`` (default ``$NER_CORPUS_URL``, else GitHub's raw
    file host) is the part before ``/<commit>/data/<path>``. ``progress(done, total)`` is
    called with the number of files fetched; ``echo`` receives the licence notice and
    what happened (``None`` for silence). When ``dest`` already verifies nothing is
    fetched; when it exists and differs a :class:`DownloadError` is raised unless
    ``force``, which replaces it. On any error ``dest`` is left as it was and the
    temporary folder is removed.
    """
    dest = Path(dest) if dest is not None else settings.corpus_dir()
    say = echo or (lambda _message: None)
    say(LICENCE_NOTICE)
    total = len(MANIFEST)
    replace = dest.exists() and not _is_empty_dir(dest)
    if replace:
        if not dest.is_dir():
            raise DownloadError(f"{dest} exists and is not a folder; move it away or choose another destination")
        problems = verify(dest)
        if not problems:
            say(f"{dest} already holds the eHealth-KD 2020 corpus (commit {COMMIT[:7]}), verified; nothing to do.")
            if progress:
                progress(total, total)
            return dest
        if not force:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise DownloadError(
                f"{dest} exists but differs from the pinned release: {problems[0]}{more}. "
                "Use --force (force=True) to replace it, or choose another destination."
            )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.download-"))
    try:
        say(f"downloading {total} files from {release_url(base_url)}/data/ ...")
        if progress:
            progress(0, total)
        for done, path in enumerate(sorted(MANIFEST), start=1):
            target = tmp / "data" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            _fetch(file_url(path, base_url), target, path, timeout)
            if progress:
                progress(done, total)
        replace_dir(tmp, dest)  # an older copy is swapped out, and removed only once this one is in
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"the eHealth-KD 2020 corpus is in {dest} ({total} files verified).")
    return dest

