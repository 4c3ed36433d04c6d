"""Files on disk, safely: whole-or-nothing writes and folder swaps, bounded zip extraction, scratch folders.

Every file the app writes for keeps goes through :func:`atomic_write` (a temporary file
beside it, synced, then renamed over it) and every finished folder through
:func:`replace_dir` (renamed into place, an older one swapped out and removed only after):
a reader, a crash or a full disk never leaves a half-written file or folder.

Every archive the app receives goes through :func:`safe_extract`: its directory is checked
first (member count, uncompressed size, paths that would leave the folder), then only the
``.txt`` and ``.ann`` members are written, each read with a hard cap in case the directory
lies. Every temporary folder is a :func:`scratch` folder, removed when its ``with`` ends.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Limits

EXTRACTED = (".txt", ".ann")
_CHUNK = 1 << 16


def atomic_write(path: str | Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all.

    The bytes go to a new temporary file ``.<name>.<random>.tmp`` in the same folder (created
    with the permissions a plain ``open`` would give), are flushed and synced, then the file
    is renamed over ``path``. On any error the temporary file is removed and ``path`` keeps
    what it held before. The folder must exist.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def replace_dir(new: str | Path, target: str | Path) -> None:
    """Put the finished folder ``new`` at ``target`` with renames; an existing ``target`` is replaced.

    Absent ``target``: one rename. Present (a folder or a file): it is first renamed aside into a
    hidden ``.<name>.old-*`` folder beside it, ``new`` is renamed in, and only then is the old
    one deleted; when renaming ``new`` in fails, the old one is put back and the error raised
    (``new`` is then left where it was, for the caller to remove). Make ``new`` beside
    ``target``: a rename does not cross file systems.
    """
    new, target = Path(new), Path(target)
    if not target.exists() and not target.is_symlink():
        os.replace(new, target)
        _sync_folder(target.parent)
        return
    aside = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
    old = aside / "previous"
    try:
        os.replace(target, old)
    except BaseException:
        aside.rmdir()
        raise
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)  # should this fail too, the old folder stays in `aside`, not deleted
        aside.rmdir()
        raise
    _sync_folder(target.parent)
    shutil.rmtree(aside, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def scratch(prefix: str = "ner-") -> Iterator[Path]:
    """A fresh temporary folder, removed with everything in it when the block ends (error or not)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def safe_extract(archive: Path, out: Path, limits: Limits = DEFAULT_LIMITS, name: str | None = None) -> list[Path]:
    """The ``.txt``/``.ann`` members of a zip, written under ``out``; other members are ignored.

    ``ValueError`` (naming the archive by ``name``, never by its server path) when it is not a
    zip, holds more than ``limits.zip_members`` files, more than ``limits.zip_bytes``
    uncompressed bytes of text, or a path that leaves ``out``.
    """
    name = name or Path(archive).name
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refusal("{name}: not a zip archive", name=name) from exc
    with z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        if len(infos) > limits.zip_members:
            raise Refusal("{name}: {n:,} files in the archive (the limit is {limit:,})", name=name,
                          n=len(infos), limit=limits.zip_members)
        wanted = [i for i in infos if i.filename.lower().endswith(EXTRACTED)]
        total = sum(i.file_size for i in wanted)
        if total > limits.zip_bytes:
            raise Refusal("{name}: {n:,} bytes of text once unpacked (the limit is {limit:,})",
                          name=name, n=total, limit=limits.zip_bytes)
        written, budget = [], limits.zip_bytes
        for info in wanted:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise Refusal("{name}: unsafe path {path!r} in the archive", name=name,
                              path=info.filename)
            target = out.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with z.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:  # the directory understated the size
                            raise Refusal("{name}: more than {limit:,} bytes of text once "
                                          "unpacked", name=name, limit=limits.zip_bytes)
                        dst.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise Refusal("{name}: member {path!r} cannot be read (corrupt archive)", name=name,
                              path=info.filename) from exc
            written.append(target)
    return written


def check_upload(path: Path, limits: Limits = DEFAULT_LIMITS, name: str | None = None) -> None:
    """``ValueError`` when an uploaded file is larger than ``limits.upload_bytes``."""
    size = Path(path).stat().st_size
    if size > limits.upload_bytes:
        raise Refusal("{name}: {n:,} bytes (the limit is {limit:,})",
                      name=name or Path(path).name, n=size, limit=limits.upload_bytes)


_STAGING = re.compile(r"^\.tmp-.+-(\d+)-[^-]+$")


def remove_stale_staging(root: Path) -> list[str]:
    """Remove the staging folders (``.tmp-<run>-<pid>-<random>``) of processes that are gone; their names.

    A folder of this process or of a process that still runs is kept; one whose name holds
    no process id (an older layout) is removed.
    """
    removed = []
    for folder in root.glob(".tmp-*") if root.is_dir() else []:
        match = _STAGING.match(folder.name)
        if match and (int(match.group(1)) == os.getpid() or _alive(int(match.group(1)))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_ABSOLUTE = re.compile(r"(?<![\w.~/])(?:/[^\s/'\"`:,;()\[\]]+)+/?")


def redact(message: str) -> str:
    """A message with every absolute path cut to its last part: errors never show server paths."""
    return _ABSOLUTE.sub(lambda m: Path(m.group().rstrip("/")).name or "…", message)
