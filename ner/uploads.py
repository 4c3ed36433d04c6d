"""What a client uploaded, read once: the lines of a text file, or a BRAT pair with its annotations.

:func:`read_upload` is the one reader of uploads, for every use; ``want`` says which:

- ``"lines"``: the Analyse tab's ``.txt`` and ``python -m ner predict``. One text file; every
  line as written, blank ones too, so that the BRAT predicted for it lines up with the file.
- ``"queue"``: a new queue of the Annotate tab. A ``.txt``, a ``.txt`` + ``.ann``, or a ``.zip``
  of either; a plain text gives each non-blank line stripped, a BRAT pair each non-blank line
  as written (its offsets stay true) with its entities, relations and notes.
- ``"gold"``: a gold set of the Evaluate tab. A ``.txt`` + ``.ann`` or a ``.zip`` of one pair;
  every line, with its entities; a line no entity touches is ``annotated=False`` (the
  official scorer skips it).

The limits of :class:`ner.settings.Limits`, checked here and nowhere else, each before
anything bigger is read, in this order:

1. ``upload_files``: how many files at once, before any is opened (all uses);
2. ``upload_bytes``: each file's size, from the file system (all uses);
3. ``zip_members`` and ``zip_bytes``: a zip's directory, before any member is written
   (:func:`ner.files.safe_extract`, into a scratch folder that is gone when this returns;
   ``queue`` and ``gold``);
4. the text: UTF-8, not blank, at most ``upload_lines`` lines, each at most ``line_chars``
   characters, and for ``gold`` at most ``eval_chars`` characters (its results stay in memory
   for the error browser); a BRAT pair's text is checked on its own, before the ``.ann`` is
   parsed. Every line counts, blank ones too (a file of line breaks would otherwise cost a
   document, or a scan, each within the byte limits: 4 million blank lines took 1.3 GB).

``limits=None`` bounds nothing (``python -m ner predict`` reads its owner's own file); a zip
is still unpacked within :data:`ner.settings.DEFAULT_LIMITS`. A BRAT pair is one ``.txt`` and
one ``.ann`` whatever their names: Gradio keeps each uploaded file's own name, each in a
folder of its own, so the two files of a pair come apart and may have different stems.
Refusals name what the client sent (a zip's member as ``archive.zip/member``), never a
server path. A queue's own bounds (documents, characters an hour) are the annotation service's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ner.brat import NotUtf8, read_brat, split_lines
from ner.entities import Document
from ner.files import check_upload, redact, safe_extract, scratch
from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Limits
from ner.tokens import check_line, too_many_lines

WANTS: tuple[str, ...] = ("lines", "queue", "gold")


@dataclass(frozen=True)
class Upload:
    """What one upload holds.

    ``name``: the name the client gave it (the ``.zip``'s, else the text's), never a server
    path. ``docs``: its documents, ids ``<stem>/<line of the file, from 1>``. ``annotated``:
    it was a BRAT pair, whose entities, relations and notes the documents carry (a plain
    text's documents carry none and are ``annotated=False``).
    """

    name: str
    docs: tuple[Document, ...]
    annotated: bool = False

    @property
    def stem(self) -> str:
        """The name without its extension: ``notas`` for ``notas.txt`` (``upload`` when nothing is left)."""
        return _stem(self.name)


@dataclass(frozen=True)
class _File:
    """One file of an upload: where it lies here, its name as the client knows it, and the upload it came in."""

    path: Path
    name: str  # its own name, or archive.zip/member for a zip's member
    upload: str  # the uploaded file's name (the archive's, for a member)


def lines_to_documents(text: str, stem: str, where: str | None = None, limits: Limits | None = None, *,
                       strip: bool = False) -> list[Document]:
    """One document per line of ``text``, ids ``stem/<line from 1>``, ``annotated=False``.

    ``strip=False`` (a prediction's input): every line exactly as written, blank ones too,
    cut at ``\\n`` only (``\\r\\n`` and a final newline allowed: :func:`ner.brat.split_lines`),
    so that what is written for it lines up with the file. ``strip=True`` (a queue's
    documents): the lines as :meth:`str.splitlines` cuts them (so that no document holds a
    line break of any kind), stripped, blank ones dropped.

    With ``limits``: a line longer than ``limits.line_chars`` (as kept) or more than
    ``limits.upload_lines`` lines (blank ones too) raise a :class:`ner.refusals.Refusal`
    naming ``where`` (a file's name; None: the pasted text) and the line.
    """
    if limits is not None and text.count("\n") + (not text.endswith("\n")) > limits.upload_lines:  # before a cut
        raise too_many_lines(limits.upload_lines, where)
    lines = text.splitlines() if strip else [line for _, line in split_lines(text)]
    if limits is not None and len(lines) > limits.upload_lines:
        raise too_many_lines(limits.upload_lines, where)
    docs = []
    for number, line in enumerate(lines, start=1):
        kept = line.strip() if strip else line
        if strip and not kept:
            continue
        if limits is not None:
            check_line(kept, limits.line_chars, number, where)
        docs.append(Document(f"{stem}/{number}", kept, annotated=False))
    return docs


def read_upload(paths: str | Path | Sequence[str | Path], limits: Limits | None, *, want: str) -> Upload:
    """The documents of the files a client uploaded together, every limit checked (see the module's docstring).

    ``paths``: the uploaded files (one path alone is one file). ``want``: ``"lines"``,
    ``"queue"`` or ``"gold"``. A refusal (a ``ValueError``) names the upload, never a server
    path; zips are unpacked into a scratch folder that is gone when this returns.
    """
    if want not in WANTS:
        raise ValueError(f"want={want!r}: expected one of {', '.join(WANTS)}")
    files = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not files:
        raise Refusal("choose a .txt file, a .txt + .ann pair or a BRAT .zip first")
    if limits is not None:
        if len(files) > limits.upload_files:  # before any is read or unpacked
            raise Refusal("{n:,} files at once (the limit is {limit}: a .txt and its .ann, or one .zip)",
                          n=len(files), limit=limits.upload_files)
        for path in files:
            check_upload(path, limits)
    if want == "lines":
        if len(files) > 1:
            raise _one_text(p.name for p in files)
        return _text_upload(_File(files[0], files[0].name, files[0].name), limits, strip=False)
    with scratch("ner-upload-") as tmp:
        txt, ann = _pair(_unpacked(files, tmp, limits or DEFAULT_LIMITS))
        if ann is not None:
            return _brat_upload(txt, ann, tmp, limits, every_line=want == "gold")
        if want == "gold":
            raise Refusal("{name}: no .ann file with the .txt: a gold set is a BRAT pair (a .txt and its .ann, "
                          "or a .zip of both)", name=txt.name)
        return _text_upload(txt, limits, strip=True)


def _unpacked(paths: list[Path], tmp: Path, limits: Limits) -> list[_File]:
    """The uploaded files, a zip replaced by its ``.txt`` and ``.ann`` members (unpacked under ``tmp``)."""
    files = []
    for n, path in enumerate(paths):
        if path.suffix.lower() == ".zip":
            out = tmp / f"zip{n}"
            for member in sorted(safe_extract(path, out, limits, path.name)):
                files.append(_File(member, f"{path.name}/{member.relative_to(out).as_posix()}", path.name))
        else:
            files.append(_File(path, path.name, path.name))
    return files


def _pair(files: list[_File]) -> tuple[_File, _File | None]:
    """The one ``.txt`` among ``files`` and its ``.ann`` (None without one); hidden files (``._x.txt``) left out."""
    shown = [f for f in files if not Path(f.name).name.startswith(".")]
    texts = [f for f in shown if f.path.suffix.lower() == ".txt"]
    anns = [f for f in shown if f.path.suffix.lower() == ".ann"]
    if not texts:
        raise Refusal("no .txt file among the uploads (an .ann needs its .txt beside it)")
    if len(texts) > 1 or len(anns) > 1:
        raise _one_text(f.name for f in texts + anns)
    return texts[0], anns[0] if anns else None


def _text_upload(txt: _File, limits: Limits | None, strip: bool) -> Upload:
    """A plain text's lines (:func:`lines_to_documents`), its limits checked as they are read."""
    text = _decoded(txt)
    return Upload(txt.upload, tuple(lines_to_documents(text, _stem(txt.upload), txt.name, limits, strip=strip)))


def _brat_upload(txt: _File, ann: _File, tmp: Path, limits: Limits | None, every_line: bool) -> Upload:
    """A BRAT pair's lines with their annotations: every line (``every_line``, a gold set) or the non-blank ones.

    The text's limits are checked on the text alone, before the ``.ann`` is parsed and a
    document made for each line.
    """
    text = _decoded(txt)
    if limits is not None:
        _check_brat_text(text, txt.name, txt.upload, limits, every_line)
    path = txt.path
    if ann.path != path.with_suffix(".ann"):  # uploaded apart (each in its own folder), or named apart
        pair = tmp / "pair"
        pair.mkdir()
        shutil.copyfile(txt.path, pair / "scenario.txt")
        shutil.copyfile(ann.path, pair / "scenario.ann")
        path = pair / "scenario.txt"
    shown = {str(path): txt.name, str(path.with_suffix(".ann")): ann.name}
    try:
        read = read_brat(path)
    except NotUtf8 as exc:
        raise _not_utf8(shown.get(exc.values["path"], ann.name), exc.values["byte"]) from None
    except (ValueError, OSError) as exc:  # a BratError, or an entity that ner.entities refuses
        detail = str(exc)
        for server, name in shown.items():
            detail = detail.replace(server, name)
        raise Refusal("{name}: not valid BRAT: {detail}", name=txt.upload, detail=redact(detail)) from None
    stem = _stem(txt.upload)
    docs = (replace(d, id=f"{stem}/{n}") for n, d in enumerate(read, start=1) if every_line or d.text.strip())
    return Upload(txt.upload, tuple(docs), annotated=True)


def _check_brat_text(text: str, where: str, upload: str, limits: Limits, every_line: bool) -> None:
    """The limits on the text of a BRAT pair: its lines (every one, or the non-blank ones), their length, its size.

    ``eval_chars`` (the characters of every line, line breaks left out) applies to a gold set
    (``every_line``) only.
    """
    lines = text.count("\n") + (not text.endswith("\n"))  # as ner.brat.split_lines cuts them, blank ones too
    if lines > limits.upload_lines:
        raise too_many_lines(limits.upload_lines, where)
    kept = [(n, line) for n, (_, line) in enumerate(split_lines(text), start=1) if every_line or line.strip()]
    chars = sum(len(line) for _, line in kept)
    if every_line and chars > limits.eval_chars:  # its results stay in memory for the error browser
        raise Refusal("{name}: {n:,} characters of text (the limit is {limit:,})", name=upload, n=chars,
                      limit=limits.eval_chars)
    for n, line in kept:
        check_line(line, limits.line_chars, n, where)


def _decoded(txt: _File) -> str:
    """The text of a ``.txt``; refused, by its name, when it is not UTF-8 or holds no text."""
    try:
        text = txt.path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(txt.name, exc.start) from None
    if not text.strip():  # before a document is made for each (blank) line
        raise _no_text(txt.name)
    return text


def _stem(name: str) -> str:
    return Path(name).stem or "upload"


def _not_utf8(name: str, byte: int) -> Refusal:
    return Refusal("{name} is not UTF-8 text (byte {byte} is not): save it as UTF-8 and upload it again",
                   name=name, byte=byte)


def _no_text(name: str) -> Refusal:
    return Refusal("{name} has no text: a .txt file holds one document per line", name=name)


def _one_text(names: Iterable[str]) -> Refusal:
    return Refusal("one .txt and at most one .ann at a time: got {names}", names=", ".join(names))
