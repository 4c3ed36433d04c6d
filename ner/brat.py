"""Read and write BRAT standoff files as eHealth-KD uses them (one sentence per line).

A ``scenario.txt`` holds one document per line; its ``scenario.ann`` gives character offsets
from the start of the whole file. Reading shifts them to each line; writing shifts them
back. A file is read whole or not at all: any bad line raises :class:`BratError` naming the
file, the line and what is wrong.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from ner.entities import Document, Entity, Relation
from ner.files import atomic_write
from ner.refusals import Refusal

_FRAGMENTS = re.compile(r"^\d+ \d+(;\d+ \d+)*$")
_REF = re.compile(r"\b([TR])(\d+)\b")


class BratError(ValueError):
    """A BRAT file that cannot be read; the message names the file and line."""


class NotUtf8(Refusal, BratError):
    """A text file that is not UTF-8 (a refusal the interface translates, :mod:`ner.refusals`)."""


@dataclass
class _Parsed:
    """What one ``.ann`` file says, with file-wide ids, before it is split into lines."""

    entities: dict[str, tuple[int, Entity, str, str]]  # id -> (.ann line, entity, surface, listed order)
    relations: list[tuple[int, str, Relation, tuple[str, ...]]]  # (ann line, id, relation, target ids)
    notes: list[tuple[int, str, tuple[str, ...]]]  # (ann line, raw line, referenced ids)


def read_text(path: str | Path) -> str:
    """The text of a ``.txt`` file, exactly (no newline translation, no stripping)."""
    path = Path(path)
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotUtf8("{path}: not UTF-8 text (byte {byte})", path=str(path), byte=exc.start) from exc


def split_lines(text: str) -> list[tuple[int, str]]:
    """Each line as ``(offset of its first character, text)``; ``\\r\\n`` and a final newline allowed."""
    if text == "":
        return []
    lines, start = [], 0
    for raw in text.split("\n"):
        lines.append((start, raw[:-1] if raw.endswith("\r") else raw))
        start += len(raw) + 1
    if text.endswith("\n"):
        lines.pop()
    return lines


def _parse_ann(ann_path: Path) -> _Parsed:
    parsed = _Parsed({}, [], [])
    relation_ids: set[str] = set()
    for number, raw in enumerate(read_text(ann_path).split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        where = f"{ann_path}, line {number}"
        cols = line.split("\t")
        ident = cols[0]
        if ident.startswith("T"):
            cols = line.split("\t", 2)  # the surface is the rest of the line, tabs included
            if len(cols) != 3:
                raise BratError(f"{where}: an entity line needs 3 tab-separated columns, got {len(cols)}: {line!r}")
            label, _, spans = cols[1].partition(" ")
            if not label or not _FRAGMENTS.match(spans):
                raise BratError(f"{where}: expected 'Label START END[;START END...]', got {cols[1]!r}")
            frags = tuple(tuple(int(x) for x in part.split(" ")) for part in spans.split(";"))
            if any(e <= s for s, e in frags):
                raise BratError(f"{where}: a fragment ends before it starts: {spans!r}")
            if ident in parsed.entities:
                raise BratError(f"{where}: entity id {ident} is used twice")
            # the surface follows the fragments as listed, which is not always text order
            listed = " ".join(f"{s}-{e}" for s, e in frags)
            parsed.entities[ident] = (number, Entity(frags, label), cols[2], listed)  # type: ignore[arg-type]
        elif ident.startswith("R") or ident == "*":
            if len(cols) < 2:
                raise BratError(f"{where}: a relation line needs a type and arguments: {line!r}")
            kind, *args = cols[1].split(" ")
            if ident == "*":
                roles = tuple(("", a) for a in args)
            else:
                roles = tuple(tuple(a.split(":", 1)) for a in args)  # type: ignore[misc]
                if any(len(r) != 2 for r in roles):
                    raise BratError(f"{where}: relation arguments must look like Arg1:T1, got {cols[1]!r}")
            if len(roles) < 2 or not kind:
                raise BratError(f"{where}: a relation needs a type and two arguments: {cols[1]!r}")
            if ident != "*" and ident in relation_ids:
                raise BratError(f"{where}: relation id {ident} is used twice")
            relation_ids.add(ident)
            targets = tuple(t for _, t in roles)
            relation = Relation(kind, tuple((r, -1) for r, _ in roles), star=ident == "*")
            parsed.relations.append((number, ident, relation, targets))
        elif ident[:1] in {"#", "A", "E", "M", "N"}:
            refs = tuple(m.group(0) for m in _REF.finditer(cols[1] if len(cols) > 1 else ""))
            parsed.notes.append((number, line, refs))
        else:
            raise BratError(f"{where}: unknown line type {ident!r}")
    return parsed


def read_brat(txt_path: str | Path) -> list[Document]:
    """Read ``X.txt`` and ``X.ann`` into one :class:`Document` per line of the text.

    Document ids are ``<folder name>/<line number from 1>``. A line that no entity of the
    ``.ann`` touches is returned with ``annotated=False`` (the official scorer skips it).
    """
    txt_path = Path(txt_path)
    ann_path = txt_path.with_suffix(".ann")
    if not txt_path.is_file():
        raise BratError(f"{txt_path}: no such text file")
    if not ann_path.is_file():
        raise BratError(f"{ann_path}: no such annotation file (every .txt needs its .ann; it may be empty)")
    text = read_text(txt_path)
    lines = split_lines(text)
    starts = [s for s, _ in lines]
    parsed = _parse_ann(ann_path)

    per_line: dict[int, list[tuple[str, Entity]]] = {}
    where_of: dict[str, int] = {}
    for ident, (number, ent, surface, listed) in parsed.entities.items():
        where = f"{ann_path}, line {number}"
        index = bisect_right(starts, ent.start) - 1
        if index < 0 or ent.end > len(text):
            raise BratError(f"{where}: offsets {ent.fragments} lie outside the text ({len(text)} characters)")
        line_start, line_text = lines[index]
        if ent.end > line_start + len(line_text):
            raise BratError(f"{where}: entity {ident} crosses the end of text line {index + 1}")
        local = ent.shifted(-line_start)
        found = " ".join(text[int(s) : int(e)] for s, e in (p.split("-") for p in listed.split(" ")))
        if found != surface:
            raise BratError(f"{where}: surface {surface!r} differs from the text at {listed}: {found!r}")
        per_line.setdefault(index, []).append((ident, local))
        where_of[ident] = index

    rel_line: dict[int, list[tuple[str, Relation, tuple[str, ...]]]] = {}
    for number, ident, relation, targets in parsed.relations:
        missing = [t for t in targets if t not in parsed.entities]
        if missing:
            raise BratError(f"{ann_path}, line {number}: relation {ident} points at unknown entity {missing[0]}")
        places = {where_of[t] for t in targets}
        if len(places) > 1:
            raise BratError(f"{ann_path}, line {number}: relation {ident} links entities of different lines")
        rel_line.setdefault(places.pop(), []).append((ident, relation, targets))
        if ident != "*":
            where_of[ident] = where_of[targets[0]]

    note_line: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
    for number, raw, refs in parsed.notes:
        known = [r for r in refs if r in where_of]
        if len(known) != len(refs) or not refs:
            raise BratError(f"{ann_path}, line {number}: note must refer to a known entity or relation: {raw!r}")
        note_line.setdefault(where_of[refs[0]], []).append((raw, refs))

    docs = []
    for index, (_, line_text) in enumerate(lines):
        ents = sorted(per_line.get(index, []), key=lambda p: p[1])
        local_id = {ident: i for i, (ident, _) in enumerate(ents)}
        relations, rel_local = [], {}
        for k, (ident, relation, targets) in enumerate(rel_line.get(index, [])):
            args = tuple((role, local_id[t]) for (role, _), t in zip(relation.args, targets, strict=True))
            relations.append(Relation(relation.kind, args, relation.star))
            if ident != "*":
                rel_local[ident] = f"R{k + 1}"
        names = {ident: f"T{i + 1}" for ident, i in local_id.items()} | rel_local
        notes = tuple(_rename_refs(raw, names) for raw, _ in note_line.get(index, []))
        docs.append(
            Document(
                id=f"{txt_path.parent.name}/{index + 1}",
                text=line_text,
                entities=tuple(e for _, e in ents),
                relations=tuple(relations),
                annotated=bool(ents),
                notes=notes,
            )
        )
    return docs


def to_brat(docs: list[Document]) -> tuple[str, str]:
    """The ``(txt, ann)`` contents for ``docs``: one line each, ids numbered across the file."""
    for doc in docs:
        _check_writable(doc)
    ann: list[str] = []
    offset, t_count, r_count = 0, 0, 0
    for doc in docs:
        names: dict[str, str] = {}
        ids = []
        for i, ent in enumerate(doc.entities):
            t_count += 1
            ids.append(f"T{t_count}")
            names[f"T{i + 1}"] = f"T{t_count}"
            spans = ";".join(f"{s + offset} {e + offset}" for s, e in ent.fragments)
            ann.append(f"T{t_count}\t{ent.label} {spans}\t{ent.surface(doc.text)}")
        for k, rel in enumerate(doc.relations):
            if rel.star:
                ann.append(f"*\t{rel.kind} " + " ".join(ids[i] for _, i in rel.args))
            else:
                r_count += 1
                names[f"R{k + 1}"] = f"R{r_count}"
                ann.append(f"R{r_count}\t{rel.kind} " + " ".join(f"{role}:{ids[i]}" for role, i in rel.args))
        for raw in doc.notes:
            ann.append(_rename_refs(raw, names))
        offset += len(doc.text) + 1
    return "\n".join(d.text for d in docs), "\n".join(ann) + ("\n" if ann else "")


def _rename_refs(raw: str, names: dict[str, str]) -> str:
    """A note line with the T/R ids of its second column renamed; its free text is left alone."""
    cols = raw.split("\t")
    if len(cols) > 1:
        cols[1] = _REF.sub(lambda m: names.get(m.group(0), m.group(0)), cols[1])
    return "\t".join(cols)


def _check_writable(doc: Document) -> None:
    """Raise ``ValueError`` for a document whose file could not be read back."""
    if "\n" in doc.text or "\r" in doc.text:
        raise ValueError(f"document {doc.id}: text has a line break; BRAT scenarios hold one line per document")
    for ent in doc.entities:
        if ent.end > len(doc.text):
            raise ValueError(f"document {doc.id}: entity {ent.fragments} ends past its {len(doc.text)} characters")
    for rel in doc.relations:
        if any(not 0 <= i < len(doc.entities) for _, i in rel.args):
            raise ValueError(f"document {doc.id}: relation {rel.kind} points at a missing entity {rel.args}")


def write_brat(docs: list[Document], txt_path: str | Path) -> Path:
    """Write ``docs`` to ``X.txt`` + ``X.ann`` atomically (each file through :func:`ner.files.atomic_write`)."""
    txt_path = Path(txt_path)
    txt_path.parent.mkdir(parents=True, exist_ok=True)
    txt, ann = to_brat(docs)
    for path, content in ((txt_path.with_suffix(".ann"), ann), (txt_path, txt)):
        atomic_write(path, content)
    return txt_path


def scenario_path(path: str | Path) -> Path:
    """``scenario.txt`` inside a folder, or the ``.txt`` path itself."""
    path = Path(path)
    return path / "scenario.txt" if path.is_dir() else path.with_suffix(".txt")
