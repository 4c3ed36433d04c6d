"""Export corrected documents (BRAT, JSONL, a Hugging Face dataset, CoNLL BIO) and read them back.

Also here: :func:`predict_to_brat` (a model's entities for each line of a ``.txt`` file, as
BRAT: ``python -m ner predict`` and the app's file upload; the lines are read by
:func:`ner.uploads.read_upload`). Pushing to the Hub is :mod:`ner.hub`; agreement between
two annotators, a score, is :func:`ner.scoring.agreement`.

Every write goes through a temporary file or folder and a rename: a reader never sees a
half-written export. What each format keeps:

- **BRAT** (``scenario.txt`` + ``scenario.ann``, what the official scorer reads): entities
  exactly, multi-fragment included, relations and notes. BRAT has no document ids, so
  ``scenario.meta.jsonl`` (one ``{"id", "annotated"}`` per line) travels beside it;
  :func:`import_brat` uses it when its line count matches.
- **JSONL**: one object per document, ``{"id", "text", "entities": [...]}`` with entities in
  the shape of :func:`ner.entities.entity_to_json` (``{"label", "start", "end", "text",
  "fragments", "score"}``), plus ``relations``/``notes``/``annotated`` when they say
  something. Exact round trip for fragments without whitespace inside (the reader cuts a
  fragment at whitespace, the corpus's convention: one development-set entity, "B 6",
  comes back as two fragments). A :class:`Decided` document also says who decided it,
  how and when, in Prodigy's words: ``answer`` (``accept`` or ``reject``), ``_annotator_id``,
  ``_timestamp`` (Unix seconds), plus ``created`` (ISO 8601 UTC) and ``reviewer`` when an
  admin's review decided it; an export of the annotations holds the rejected documents too
  (with the entities their answer held), and :func:`import_jsonl` reads back only the
  accepted ones (what training wants). BRAT, the dataset and CoNLL hold the accepted
  documents only.
- **Hugging Face dataset** (``DatasetDict.save_to_disk``): ``id``, ``text``, ``tokens``,
  ``offsets`` (``[start, end)`` of each token), ``ner_tags`` (``ClassLabel`` over
  :data:`ner.tagging.TAGS`) and ``relations`` (``{"type", "head", "tail"}``, ``head`` and
  ``tail`` the ``[start, end)`` characters of the two entities). Entities go through the BIO
  tag policy of :mod:`ner.tagging` (gapped and overlapped entities are lost, and the
  relations of a lost entity with them; contiguous multi-fragment ones come back).
- **CoNLL**: ``# id = ...`` and ``# text = ...`` per document, then ``token<TAB>tag`` lines,
  a blank line between documents. Same policy as the dataset; relations are dropped.

:func:`export_all` also writes ``README.md`` into the export folder: per format, how many
entities it had to drop and why (:func:`format_losses`); :func:`export_summary` says the same
in one line per format, for the CLI and the app.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ner.brat import read_brat, scenario_path, write_brat
from ner.entities import Document, Relation, entities_from_json, entity_to_json
from ner.files import atomic_write, replace_dir
from ner.relations.triples import triples, with_triples
from ner.tagging import TAGS, bio_to_entities, doc_to_bio, tag_policy
from ner.tokens import words

if TYPE_CHECKING:
    from ner.predict import Predictor

META_SUFFIX = ".meta.jsonl"

# ---------------------------------------------------------------- BRAT


def scorer_problem(doc: Document) -> str | None:
    """Why the official scorer would misread ``doc`` in a BRAT file, or None.

    ``ehealthkd.score`` strips every line and drops empty ones before it computes offsets,
    and it splits lines the way ``str.splitlines`` does.
    """
    if not doc.text:
        return "the text is empty"
    if doc.text != doc.text.strip():
        return "the text starts or ends with whitespace"
    if len(doc.text.splitlines()) != 1:
        return "the text holds a line break"
    return None


def export_brat(docs: Iterable[Document], folder: str | Path, check_scorer: bool = True) -> Path:
    """Write ``folder/scenario.txt``, ``.ann`` and ``.meta.jsonl``; the ``.txt`` path.

    With ``check_scorer``, a document the official scorer would misread raises ``ValueError``.
    """
    docs = list(docs)
    if check_scorer:
        for doc in docs:
            problem = scorer_problem(doc)
            if problem:
                raise ValueError(f"document {doc.id}: {problem}; the official scorer would misalign its offsets")
    txt = Path(folder) / "scenario.txt"
    txt.parent.mkdir(parents=True, exist_ok=True)
    meta = "".join(json.dumps({"id": d.id, "annotated": d.annotated}, ensure_ascii=False) + "\n" for d in docs)
    atomic_write(txt.with_suffix(META_SUFFIX), meta.encode("utf-8"))
    return write_brat(docs, txt)


def import_brat(path: str | Path) -> list[Document]:
    """Documents from a BRAT folder or ``.txt``; ids and ``annotated`` from the ``.meta.jsonl`` when present."""
    txt = scenario_path(path)
    docs = read_brat(txt)
    meta_path = txt.with_suffix(META_SUFFIX)
    if not meta_path.is_file():
        return docs
    meta = [json.loads(line) for line in meta_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(meta) != len(docs):
        return docs  # not this text's companion: keep positional ids
    return [
        Document(m["id"], d.text, d.entities, d.relations, bool(m.get("annotated", True)), d.notes)
        for d, m in zip(docs, meta)
    ]


# ---------------------------------------------------------------- predicting a .txt file into BRAT


def predict_to_brat(predictor: Predictor, docs: list[Document], txt_path: str | Path, relations=None
                    ) -> list[Document]:
    """The documents with the predictor's entities (and ``relations``' relations), written as BRAT to ``txt_path``.

    Blank documents get no entity and are not sent to the predictor; each line of the
    output is a document's text as given, so the lines that :func:`ner.uploads.read_upload`
    reads (``want="lines"``) line up with the input file (what the official scorer needs).
    ``relations``: a relation model (:mod:`ner.relations.models`); its relations are written as
    ``R`` and ``*`` lines. Both files (``.txt`` and ``.ann``) are written atomically.
    """
    todo = [i for i, d in enumerate(docs) if d.text.strip()]
    predicted = list(docs)
    for i, ents in zip(todo, predictor.predict([docs[i].text for i in todo])):
        predicted[i] = docs[i].with_entities(ents)
    if relations is not None:
        related = relations.predict([predicted[i] for i in todo])
        for i, doc in zip(todo, related):
            predicted[i] = doc
    write_brat(predicted, txt_path)
    return predicted


# ---------------------------------------------------------------- JSONL

ANSWERS: tuple[str, ...] = ("accept", "reject")  # Prodigy's words for the store's accepted and rejected


@dataclass(frozen=True)
class Decided:
    """A document as a person decided it: the JSONL line's document plus who, how and when.

    ``answer``: ``accept`` or ``reject``; ``annotator``: whose answer it is (for a review that
    took an annotator's answer, that annotator; for a merged one, the reviewer); ``created``:
    ISO 8601 with a UTC offset, as the store writes it; ``reviewer``: the admin whose review
    decided the document (None: no review).
    """

    document: Document
    answer: str
    annotator: str
    created: str
    reviewer: str | None = None

    def __post_init__(self) -> None:
        if self.answer not in ANSWERS:
            raise ValueError(f"document {self.document.id}: unknown answer {self.answer!r} (expected accept or reject)")
        try:
            datetime.fromisoformat(self.created)
        except (TypeError, ValueError):
            raise ValueError(f"document {self.document.id}: {self.created!r} is not an ISO 8601 time") from None


def doc_to_json(doc: Document) -> dict[str, Any]:
    """The JSONL object of one document."""
    out: dict[str, Any] = {
        "id": doc.id,
        "text": doc.text,
        "entities": [entity_to_json(e, doc.text) for e in doc.entities],
    }
    if doc.relations:
        out["relations"] = [{"kind": r.kind, "args": [list(a) for a in r.args], "star": r.star} for r in doc.relations]
    if doc.notes:
        out["notes"] = list(doc.notes)
    if not doc.annotated:
        out["annotated"] = False
    return out


def decided_to_json(item: Document | Decided) -> dict[str, Any]:
    """The JSONL object of a document (:func:`doc_to_json`), with a :class:`Decided`'s fields after it."""
    if isinstance(item, Document):
        return doc_to_json(item)
    out = doc_to_json(item.document) | {
        "answer": item.answer,
        "_annotator_id": item.annotator,
        "_timestamp": int(datetime.fromisoformat(item.created).timestamp()),
        "created": item.created,
    }
    if item.reviewer is not None:
        out["reviewer"] = item.reviewer
    return out


def doc_from_json(data: Mapping[str, Any], where: str = "document") -> Document:
    """A document from its JSONL object; ``ValueError`` names what is wrong.

    Entities keep their listed order (relations point at them by index) and are read and
    checked by :func:`ner.entities.entities_from_json`.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str) or not isinstance(data.get("text"), str):
        raise ValueError(f"{where}: expected an object with string 'id' and 'text'")
    text = data["text"]
    ents = entities_from_json(text, data.get("entities", []), where)
    relations = []
    for i, r in enumerate(data.get("relations", [])):
        try:
            args = tuple((str(role), int(index)) for role, index in r["args"])
            if any(not 0 <= index < len(ents) for _, index in args):
                raise IndexError
            relations.append(Relation(str(r["kind"]), args, bool(r.get("star", False))))
        except (KeyError, TypeError, ValueError, IndexError):
            raise ValueError(f"{where}, relation {i + 1}: expected kind and args [[role, entity index], ...]") from None
    return Document(
        data["id"], text, tuple(ents), tuple(relations), bool(data.get("annotated", True)), tuple(data.get("notes", ()))
    )


def decided_from_json(data: Mapping[str, Any], where: str = "document") -> Document | Decided:
    """A JSONL object back: a :class:`Decided` when it has an ``answer``, else a plain document."""
    doc = doc_from_json(data, where)
    if "answer" not in data:
        return doc
    try:
        return Decided(doc, data["answer"], str(data["_annotator_id"]), str(data["created"]), data.get("reviewer"))
    except KeyError as exc:
        raise ValueError(f"{where}: an answer without {exc.args[0]!r}") from None
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def to_jsonl(docs: Iterable[Document | Decided]) -> str:
    """One JSON object per line (:func:`decided_to_json`)."""
    return "".join(json.dumps(decided_to_json(d), ensure_ascii=False) + "\n" for d in docs)


def export_jsonl(docs: Iterable[Document | Decided], path: str | Path) -> Path:
    """Write ``docs`` as JSONL, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, to_jsonl(docs).encode("utf-8"))
    return path


def read_decided(path: str | Path) -> list[Document | Decided]:
    """Every line of a JSONL file, rejected ones included (:func:`decided_from_json`); errors name file and line."""
    path = Path(path)
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not JSON ({exc.msg})") from None
        out.append(decided_from_json(data, where))
    return out


def accepted_documents(items: Iterable[Document | Decided]) -> list[Document]:
    """The documents of ``items`` that are not rejected: plain documents and accepted answers."""
    return [d if isinstance(d, Document) else d.document for d in items if isinstance(d, Document) or
            d.answer == "accept"]


def import_jsonl(path: str | Path) -> list[Document]:
    """The accepted documents of a JSONL file (a line with ``"answer": "reject"`` is left out); errors name the
    file and line."""
    return accepted_documents(read_decided(path))


# ---------------------------------------------------------------- Hugging Face datasets


def dataset_features() -> Any:
    """The features of an exported dataset."""
    from datasets import ClassLabel, Features, List, Value

    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "tokens": List(Value("string")),
            "offsets": List(List(Value("int32"), length=2)),
            "ner_tags": List(ClassLabel(names=list(TAGS))),
            "relations": List({"type": Value("string"), "head": List(Value("int32"), length=2),
                               "tail": List(Value("int32"), length=2)}),
        }
    )


def bio_relations(doc: Document) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """The relations BIO tags can carry: ``(type, head span, tail span)``, both ends kept by the tag policy."""
    kept = set(tag_policy(doc)[0])
    span = {i: (e.start, e.end) for i, e in enumerate(doc.entities) if (e.start, e.end, e.label) in kept}
    return [(k, span[a], span[b]) for k, a, b in triples(doc) if a in span and b in span and span[a] != span[b]]


def to_dataset(docs: Iterable[Document]) -> Any:
    """A ``datasets.Dataset`` of words, BIO tags (the :mod:`ner.tagging` policy) and the relations between them."""
    from datasets import Dataset

    rows: dict[str, list] = {"id": [], "text": [], "tokens": [], "offsets": [], "ner_tags": [], "relations": []}
    for doc in docs:
        spans, tags = doc_to_bio(doc)
        rows["id"].append(doc.id)
        rows["text"].append(doc.text)
        rows["tokens"].append([doc.text[s:e] for s, e in spans])
        rows["offsets"].append([[s, e] for s, e in spans])
        rows["ner_tags"].append([TAGS.index(t) for t in tags])
        rows["relations"].append([{"type": k, "head": list(h), "tail": list(t)} for k, h, t in bio_relations(doc)])
    return Dataset.from_dict(rows, features=dataset_features())


def _dataset_relations(row: Mapping[str, Any], doc: Document, where: str) -> Document:
    """``doc`` with its dataset row's relations, found by the character spans of the entities its tags decode to."""
    index = {(e.start, e.end): i for i, e in enumerate(doc.entities)}
    found = []
    for rel in row.get("relations") or ():
        try:
            found.append((str(rel["type"]), index[tuple(rel["head"])], index[tuple(rel["tail"])]))
        except (KeyError, TypeError):
            raise ValueError(f"{where}: relation {rel.get('type')!r} joins spans that are not entities") from None
    try:
        return with_triples(doc, found)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def dataset_to_docs(dataset: Any, where: str = "dataset") -> list[Document]:
    """Documents from a dataset with ``id``, ``text``, ``offsets`` and ``ner_tags`` (ids or tag names)."""
    names = dataset.features["ner_tags"].feature.names
    docs = []
    for i, row in enumerate(dataset):
        spans = [(int(s), int(e)) for s, e in row["offsets"]]
        tags = [names[t] if isinstance(t, int) else t for t in row["ner_tags"]]
        if "tokens" in row and [row["text"][s:e] for s, e in spans] != list(row["tokens"]):
            raise ValueError(f"{where}, row {i} ({row['id']}): tokens do not match the text at their offsets")
        doc = Document(row["id"], row["text"], tuple(sorted(bio_to_entities(row["text"], spans, tags))))
        docs.append(_dataset_relations(row, doc, f"{where}, row {i} ({row['id']})"))
    return docs


def export_dataset(splits: Mapping[str, Iterable[Document]] | Iterable[Document], folder: str | Path) -> Path:
    """Save a ``DatasetDict`` (a plain list of documents becomes split ``train``) to ``folder``, atomically.

    The dataset is written to a temporary folder beside ``folder`` and renamed into place; an
    older export at ``folder`` is replaced.
    """
    from datasets import DatasetDict

    if not isinstance(splits, Mapping):
        splits = {"train": splits}
    dd = DatasetDict({name: to_dataset(docs) for name, docs in splits.items()})
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        dd.save_to_disk(str(tmp))
        replace_dir(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def import_dataset(folder: str | Path) -> dict[str, list[Document]]:
    """Documents per split from a folder written by :func:`export_dataset`."""
    from datasets import load_from_disk

    loaded = load_from_disk(str(folder))
    if hasattr(loaded, "items"):
        return {name: dataset_to_docs(ds, f"{folder}, split {name}") for name, ds in loaded.items()}
    return {"train": dataset_to_docs(loaded, str(folder))}


# ---------------------------------------------------------------- CoNLL


def to_conll(docs: Iterable[Document]) -> str:
    """``# id``/``# text`` comments and ``token<TAB>tag`` lines per document, blank line between."""
    blocks = []
    for doc in docs:
        for what, value in (("id", doc.id), ("text", doc.text)):
            if "\n" in value or "\r" in value:
                raise ValueError(f"document {doc.id!r}: its {what} holds a line break, which CoNLL cannot carry")
        spans, tags = doc_to_bio(doc)
        lines = [f"# id = {doc.id}", f"# text = {doc.text}"]
        lines += [f"{doc.text[s:e]}\t{tag}" for (s, e), tag in zip(spans, tags)]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def export_conll(docs: Iterable[Document], path: str | Path) -> Path:
    """Write ``docs`` as CoNLL BIO, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, to_conll(docs).encode("utf-8"))
    return path


def from_conll(content: str, where: str = "conll") -> list[Document]:
    """Documents from CoNLL text; tokens must be the words of ``# text`` (errors name the line)."""
    docs: list[Document] = []
    current: dict[str, Any] | None = None

    def finish() -> None:
        nonlocal current
        if current is None:
            return
        if current["text"] is None:
            raise ValueError(f"{where}, line {current['line']}: document {current['id']!r} has no '# text = ' line")
        text, spans = current["text"], words(current["text"])
        tokens = current["tokens"]
        if len(tokens) != len(spans):
            raise ValueError(
                f"{where}, line {current['line']}: document {current['id']!r} has {len(tokens)} tokens "
                f"but its text has {len(spans)} words"
            )
        for (number, token, _), (s, e) in zip(tokens, spans):
            if token != text[s:e]:
                raise ValueError(f"{where}, line {number}: token {token!r} differs from the text's word {text[s:e]!r}")
        ents = bio_to_entities(text, spans, [t for _, _, t in tokens])
        docs.append(Document(current["id"], text, tuple(sorted(ents))))
        current = None

    for number, line in enumerate(content.split("\n"), start=1):
        line = line.removesuffix("\r")
        if line.startswith("# id = "):
            finish()
            current = {"id": line[len("# id = ") :], "text": None, "tokens": [], "line": number}
        elif line.startswith("# text = "):
            if current is None or current["text"] is not None or current["tokens"]:
                raise ValueError(f"{where}, line {number}: '# text = ' must follow a '# id = ' line")
            current["text"] = line[len("# text = ") :]
        elif line.startswith("#"):
            continue
        elif not line.strip():
            finish()
        else:
            if current is None:
                raise ValueError(f"{where}, line {number}: a token line before any '# id = ' line")
            token, tab, tag = line.partition("\t")
            if not tab or tag not in TAGS:
                raise ValueError(f"{where}, line {number}: expected 'token<TAB>tag' with a tag in {', '.join(TAGS)}")
            current["tokens"].append((number, token, tag))
    finish()
    return docs


def import_conll(path: str | Path) -> list[Document]:
    """Documents from a CoNLL file written by :func:`export_conll`."""
    path = Path(path)
    return from_conll(path.read_text(encoding="utf-8"), str(path))


# ---------------------------------------------------------------- all at once

FORMATS: tuple[str, ...] = ("brat", "jsonl", "hf", "conll")


FORMAT_NAMES: dict[str, str] = {"brat": "BRAT", "jsonl": "JSONL", "hf": "Hugging Face dataset", "conll": "CoNLL"}
_BIO_FORMATS = ("hf", "conll")  # words and BIO tags: the tag policy of ner.tagging applies
_WHY = {
    "gapped": "discontinuous: something other than whitespace lies between two fragments, BIO tags cannot say it",
    "overlapping": "overlaps a longer entity: a word carries one BIO tag, the longer entity keeps it",
}


def bio_losses(docs: Iterable[Document]) -> Counter[str]:
    """Entities the BIO tag policy (:func:`ner.tagging.tag_policy`) drops, by reason: ``gapped``, ``overlapping``."""
    lost: Counter[str] = Counter()
    for doc in docs:
        for ent in tag_policy(doc)[1]:
            lost["gapped" if ent.is_gapped(doc.text) else "overlapping"] += 1
    return lost


def format_losses(docs: Iterable[Document], formats: Iterable[str] = FORMATS) -> dict[str, Counter[str]]:
    """Per format, the entities it drops by reason: BRAT and JSONL none, the dataset and CoNLL :func:`bio_losses`."""
    docs = list(docs)
    bio = bio_losses(docs)
    return {f: Counter(bio) if f in _BIO_FORMATS else Counter() for f in formats}


def relations_kept(docs: Iterable[Document], fmt: str) -> int:
    """How many relations a format keeps: BRAT and JSONL all, the dataset those between kept entities, CoNLL none."""
    if fmt == "conll":
        return 0
    return sum(len(bio_relations(d) if fmt == "hf" else triples(d)) for d in docs)


def export_summary(docs: Iterable[Document], formats: Iterable[str] = FORMATS) -> list[str]:
    """One line per format: how many of the entities it keeps, and how many it drops and why."""
    docs = list(docs)
    total = sum(len(d.entities) for d in docs)
    relations = sum(len(triples(d)) for d in docs)
    lines = []
    for fmt, lost in format_losses(docs, formats).items():
        dropped = sum(lost.values())
        line = f"{FORMAT_NAMES[fmt]}: {total - dropped} of {total} entities kept"
        if dropped:
            line += " (" + ", ".join(f"{n} {why}" for why, n in sorted(lost.items())) + " dropped)"
        if relations:
            line += f"; {relations_kept(docs, fmt)} of {relations} relations"
        lines.append(line)
    return lines


def export_readme(docs: Iterable[Document], formats: Iterable[str] = FORMATS, rejected: int = 0) -> str:
    """The export's ``README.md``: what each file is and what each format had to drop, and why.

    ``docs``: the accepted documents; ``rejected``: how many rejected ones the JSONL holds besides.
    """
    docs, formats = list(docs), list(formats)
    total = sum(len(d.entities) for d in docs)
    relations = sum(len(triples(d)) for d in docs)
    files = {"brat": "`brat/scenario.txt`, `.ann`, `.meta.jsonl`", "jsonl": "`corrections.jsonl`",
             "hf": "`hf/` (`datasets.load_from_disk`)", "conll": "`corrections.conll`"}
    out = ["# Accepted corrections", "",
           f"{len(docs)} documents, {total} entities"
           + (f", {relations} relation{'s' * (relations != 1)}" if relations else "")
           + " (a reviewed document carries its review's entities and relations).", "",
           "## What each format kept", ""]
    for fmt, lost in format_losses(docs, formats).items():
        dropped = sum(lost.values())
        out.append(f"- **{FORMAT_NAMES[fmt]}** ({files[fmt]}): {total - dropped} of {total} entities kept, "
                   f"{dropped} dropped.")
        if fmt not in _BIO_FORMATS:
            out.append("  Everything is kept: discontinuous (multi-fragment) and overlapping entities included.")
        for why, n in sorted(lost.items()):
            out.append(f"  - {n} {why}: {_WHY[why]}.")
        if relations:
            kept = relations_kept(docs, fmt)
            out.append(f"  - Relations: {kept} of {relations} kept" + {
                "hf": " (`relations` column: type, head and tail character spans; a relation with a dropped "
                      "entity goes with it).",
                "conll": ": CoNLL has no place for them; use BRAT, JSONL or the dataset."}.get(fmt, "."))
        if fmt == "jsonl":
            out.append(f"  - Also {rejected} rejected document{'s' * (rejected != 1)} (`\"answer\": \"reject\"`); "
                       "each line says who answered (`_annotator_id`), how (`answer`) and when (`_timestamp`, "
                       "`created`), and `reviewer` when a review decided it. The other formats hold the accepted "
                       "documents only.")
    if any(f in _BIO_FORMATS for f in formats):
        out += ["", "The Hugging Face dataset and CoNLL are words with BIO tags. A multi-fragment entity whose "
                "fragments are separated only by whitespace is kept (one span, cut back into fragments at "
                "whitespace on reading); a truly gapped one and the shorter of two overlapping ones are dropped. "
                "Use BRAT or JSONL for everything."]
    return "\n".join(out) + "\n"


def export_all(docs: Iterable[Document | Decided], folder: str | Path, formats: Iterable[str] = FORMATS
               ) -> dict[str, Path]:
    """Write ``docs`` in each of ``formats`` under ``folder``; the path written per format.

    Layout: ``brat/scenario.txt`` (+ ``.ann``, ``.meta.jsonl``), ``corrections.jsonl``,
    ``hf/`` (a ``DatasetDict`` with split ``train``) and ``corrections.conll``, and
    ``README.md`` (:func:`export_readme`: what each format dropped). The JSONL holds every
    item of ``docs``, a :class:`Decided` one with who, how and when, rejected ones
    included; the other formats the accepted documents (:func:`accepted_documents`).
    """
    items, folder = list(docs), Path(folder)
    accepted = accepted_documents(items)
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format {unknown[0]!r} (expected some of {', '.join(FORMATS)})")
    writers = {
        "brat": lambda: export_brat(accepted, folder / "brat"),
        "jsonl": lambda: export_jsonl(items, folder / "corrections.jsonl"),
        "hf": lambda: export_dataset(accepted, folder / "hf"),
        "conll": lambda: export_conll(accepted, folder / "corrections.conll"),
    }
    paths = {name: writers[name]() for name in formats}
    folder.mkdir(parents=True, exist_ok=True)
    readme = export_readme(accepted, formats, len(items) - len(accepted))
    atomic_write(folder / "README.md", readme.encode("utf-8"))
    return paths


def import_any(path: str | Path) -> list[Document]:
    """Documents from any export: ``.jsonl``, ``.conll``, a saved ``DatasetDict`` (all splits), or BRAT."""
    path = Path(path)
    if path.is_file() and path.suffix == ".jsonl":
        return import_jsonl(path)
    if path.is_file() and path.suffix == ".conll":
        return import_conll(path)
    if (path / "dataset_dict.json").is_file() or (path / "dataset_info.json").is_file():
        return [doc for docs in import_dataset(path).values() for doc in docs]
    return import_brat(path)
