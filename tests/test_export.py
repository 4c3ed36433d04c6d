"""Exports (BRAT, JSONL, Hugging Face dataset, CoNLL), their imports, and the scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from ner import corpus
from ner.brat import read_brat
from ner.entities import Document, Entity, Relation, entity
from ner.export import (
    Decided,
    bio_losses,
    dataset_features,
    dataset_to_docs,
    export_all,
    export_brat,
    export_conll,
    export_dataset,
    export_jsonl,
    export_summary,
    format_losses,
    from_conll,
    import_any,
    import_brat,
    import_conll,
    import_dataset,
    import_jsonl,
    predict_to_brat,
    read_decided,
    to_conll,
    to_jsonl,
)
from ner.relations.triples import triples
from ner.store import Store
from ner.tagging import TAGS, span_to_entity, tag_policy
from ner.uploads import read_upload

ROOT = Path(__file__).resolve().parent.parent
ASMA = "El asma es una enfermedad crónica de los pulmones."
CANCER = "El cáncer de mama y de pulmón se trata con cirugía."
FIEBRE = "La fiebre\u00a0alta dura\u200b dos días."
NADA = "Nada que decir aquí."


def at(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


def ent(text: str, *words: str, label: str = "Concept") -> Entity:
    """An entity with one fragment per word given."""
    return Entity(tuple(at(text, w) for w in words), label)


def doc(doc_id: str, text: str, *ents: Entity, relations: tuple[Relation, ...] = ()) -> Document:
    return Document(doc_id, text, tuple(sorted(ents)), relations)


GAPPED = ent(CANCER, "cáncer", "pulmón")  # "cáncer [de mama y de] pulmón": BIO cannot carry it
LITERAL = [
    doc(
        "d1",
        ASMA,
        ent(ASMA, "asma"),
        ent(ASMA, "enfermedad", "crónica"),
        ent(ASMA, "pulmones"),
        relations=(Relation("is-a", (("Arg1", 0), ("Arg2", 1))),),
    ),
    doc(
        "d2",
        CANCER,
        ent(CANCER, "cáncer", "de", "mama"),
        GAPPED,
        ent(CANCER, "trata", label="Action"),
        ent(CANCER, "cirugía"),
    ),
    doc(
        "d3",
        FIEBRE,
        ent(FIEBRE, "fiebre"),
        ent(FIEBRE, "dura", label="Action"),
        ent(FIEBRE, "dos", "días", label="Predicate"),
    ),
    doc("d4", NADA),
]
# what CoNLL gives back: everything but the gapped entity, without relations
LITERAL_BIO = [Document(d.id, d.text, tuple(e for e in d.entities if e != GAPPED)) for d in LITERAL]
# the dataset keeps the relations too (d1's is-a joins two entities that BIO carries)
LITERAL_HF = [replace(b, relations=d.relations) if d.id == "d1" else b for b, d in zip(LITERAL_BIO, LITERAL)]


def policy_expected(docs: list[Document]) -> list[Document]:
    """The entities the BIO tag policy keeps, as decoding would give them."""
    out = []
    for d in docs:
        spans, _ = tag_policy(d)
        out.append(Document(d.id, d.text, tuple(sorted(span_to_entity(s, d.text) for s in spans))))
    return out


@pytest.fixture(params=["literal", "sample"])
def small_docs(request) -> list[Document]:
    if request.param == "literal":
        return LITERAL
    return corpus.load("sample")


@pytest.fixture(scope="module")
def train(real_corpus) -> list[Document]:
    return corpus.load("train")


def no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


# --- BRAT -------------------------------------------------------------------------------


def test_brat_round_trip_is_exact(tmp_path, small_docs):
    export_brat(small_docs, tmp_path / "out")
    assert import_brat(tmp_path / "out") == small_docs
    assert no_temporaries(tmp_path / "out")


def test_brat_files_for_literal_documents(tmp_path):
    txt = export_brat(LITERAL, tmp_path / "out")
    assert txt.read_text(encoding="utf-8") == "\n".join([ASMA, CANCER, FIEBRE, NADA])
    ann = txt.with_suffix(".ann").read_text(encoding="utf-8").splitlines()
    s, e = len("El asma es una "), len("El asma es una enfermedad")
    assert f"T2\tConcept {s} {e};{e + 1} {e + len(' crónica')}\tenfermedad crónica" in ann
    assert "R1\tis-a Arg1:T1 Arg2:T2" in ann
    # without the ids file, ids are positional and entity-less lines unannotated, as read_brat gives them
    txt.with_suffix(".meta.jsonl").unlink()
    plain = import_brat(txt)
    assert [d.id for d in plain] == ["out/1", "out/2", "out/3", "out/4"]
    assert [d.entities for d in plain] == [d.entities for d in LITERAL]
    assert plain[3].annotated is False


def test_brat_export_refuses_what_the_scorer_would_misread(tmp_path):
    for text in (" El asma.", "", "El asma.\u2028Otra."):
        with pytest.raises(ValueError, match="official scorer"):
            export_brat([Document("x", text)], tmp_path / "out")
    assert not (tmp_path / "out" / "scenario.txt").exists()


def test_brat_round_trip_on_the_training_split(tmp_path, train):
    export_brat(train, tmp_path / "train")
    back = import_brat(tmp_path / "train")
    assert back == train
    assert sum(len(e.fragments) > 1 for d in back for e in d.entities) > 500


def official_f1(gold: Path, submit: Path, skip_b: bool = True) -> float:
    from ehealthkd.score import compute_metrics, subtaskA, subtaskB
    from ehealthkd.utils import Collection

    g, s = Collection().load(gold), Collection().load(submit)
    data = subtaskA(g, s)
    if not skip_b:
        data.update(subtaskB(g, s, data))
    return compute_metrics(data, skipA=False, skipB=skip_b)["f1"]


@pytest.mark.slow
def test_official_scorer_reads_a_store_export(tmp_path):
    with Store(tmp_path / "annotations.db") as store:
        ids = store.add_documents("demo", LITERAL)
        for d, doc_id in zip(LITERAL, ids):
            store.save_answer(doc_id, "ana", "accepted", d.entities)
        docs = store.latest_answers("ana")
    assert [d.entities for d in docs] == [d.entities for d in LITERAL]
    gold = export_brat(docs, tmp_path / "gold")
    assert official_f1(gold, gold) == 1.0
    # one entity fewer in a submission scores below 1: the scorer really reads our offsets
    fewer = [docs[0].with_entities(docs[0].entities[1:])] + docs[1:]
    assert official_f1(gold, export_brat(fewer, tmp_path / "fewer")) < 1.0
    out = subprocess.run(
        [sys.executable, "-m", "ehealthkd.score", str(gold), str(gold), "--skip-B"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "f1: 1.0" in out and "correct_A: 10" in out


def test_official_scorer_reads_a_training_export(tmp_path, train):
    ours = export_brat(train, tmp_path / "train")
    original = corpus.split_path("train")
    assert official_f1(original, ours, skip_b=False) == 1.0
    assert official_f1(ours, original, skip_b=False) == 1.0


# --- predicting a .txt file into BRAT ---------------------------------------------------


class FiebrePredictor:
    """Finds every "fiebre"; remembers what it was asked."""

    name = "fiebre"

    def __init__(self):
        self.seen: list[str] = []

    def predict(self, texts: list[str]) -> list[list[Entity]]:
        self.seen += texts
        return [[entity(t.index("fiebre"), t.index("fiebre") + len("fiebre"), "Concept", 0.9)] if "fiebre" in t else []
                for t in texts]


def test_predict_to_brat_writes_the_lines_as_given(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Tiene fiebre.\n\n  La fiebre alta  \nNada.\n", encoding="utf-8")
    predictor = FiebrePredictor()
    docs = predict_to_brat(predictor, list(read_upload([src], None, want="lines").docs), tmp_path / "out" / "pred.txt")
    assert predictor.seen == ["Tiene fiebre.", "  La fiebre alta  ", "Nada."]  # the blank line is not sent
    back = read_brat(tmp_path / "out" / "pred.txt")
    assert [d.text for d in back] == ["Tiene fiebre.", "", "  La fiebre alta  ", "Nada."]
    assert [d.entities for d in back] == [d.entities for d in docs] == [
        (entity(len("Tiene "), len("Tiene fiebre"), "Concept"),),
        (),
        (entity(len("  La "), len("  La fiebre"), "Concept"),),
        (),
    ]


# --- JSONL ------------------------------------------------------------------------------


def test_jsonl_line_for_a_literal_document():
    line = json.loads(to_jsonl([LITERAL[0]]))
    s, e = at(ASMA, "enfermedad")
    assert line["id"] == "d1" and line["text"] == ASMA
    assert line["entities"][1] == {
        "label": "Concept",
        "start": s,
        "end": e + len(" crónica"),
        "text": "enfermedad crónica",
        "fragments": [[s, e], [e + 1, e + len(" crónica")]],
        "score": None,
    }
    assert line["relations"] == [{"kind": "is-a", "args": [["Arg1", 0], ["Arg2", 1]], "star": False}]


def test_jsonl_round_trip_is_exact(tmp_path, small_docs):
    assert import_jsonl(export_jsonl(small_docs, tmp_path / "docs.jsonl")) == small_docs


def test_jsonl_round_trip_on_the_training_split(tmp_path, train):
    assert import_jsonl(export_jsonl(train, tmp_path / "train.jsonl")) == train


def test_jsonl_keeps_scores(tmp_path):
    scored = [Document("s", ASMA, (entity(*at(ASMA, "asma"), "Concept", 0.25),))]
    back = import_jsonl(export_jsonl(scored, tmp_path / "s.jsonl"))
    assert back[0].entities[0].score == 0.25


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not JSON"),
        (json.dumps({"id": "x", "text": "uno dos", "entities": [{"label": "Concept", "fragments": [[0, 2]]}]}), "word"),
        (json.dumps({"id": "x", "text": "uno dos", "entities": [{"label": "<i>", "start": 0, "end": 3}]}), "label"),
        (
            json.dumps(
                {"id": "x", "text": "uno dos", "entities": [{"label": "Concept", "start": 0, "end": 3, "text": "dos"}]}
            ),
            "differs",
        ),
        (
            json.dumps(
                {"id": "x", "text": "uno", "entities": [], "relations": [{"kind": "is-a", "args": [["Arg1", 3]]}]}
            ),
            "relation 1",
        ),
        (json.dumps({"text": "uno"}), "'id'"),
    ],
)
def test_bad_jsonl_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(to_jsonl([LITERAL[3]]) + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        import_jsonl(path)
    assert f"{path}, line 2" in str(info.value)


def test_jsonl_lines_say_who_answered_how_and_when_and_come_back(tmp_path):
    kept = doc("d1", ASMA, ent(ASMA, "asma"))
    items = [
        Decided(kept, "accept", "ana", "2026-12-04T03:55:39.250000+00:00"),
        Decided(doc("d2", NADA, ent(NADA, "Nada")), "reject", "ben", "2026-12-04T04:00:00.000000+00:00"),
        Decided(doc("d3", CANCER), "accept", "boss", "2026-12-04T04:01:00.000000+00:00", reviewer="boss"),
        doc("d4", FIEBRE),  # a plain document: no answer fields
    ]
    lines = [json.loads(line) for line in to_jsonl(items).splitlines()]
    assert list(lines[0]) == ["id", "text", "entities", "answer", "_annotator_id", "_timestamp", "created"]
    assert lines[0] | {"entities": None} == {
        "id": "d1", "text": ASMA, "entities": None, "answer": "accept", "_annotator_id": "ana",
        "_timestamp": 1796356539, "created": "2026-12-04T03:55:39.250000+00:00"}  # Prodigy's fields: Unix seconds
    assert lines[0]["entities"] == json.loads(to_jsonl([kept]))["entities"]  # the document's fields as before
    assert (lines[1]["answer"], lines[1]["_annotator_id"], len(lines[1]["entities"])) == ("reject", "ben", 1)
    assert lines[2]["reviewer"] == "boss" and "reviewer" not in lines[0]
    assert "answer" not in lines[3]
    path = export_jsonl(items, tmp_path / "c.jsonl")
    assert read_decided(path) == items
    assert import_jsonl(path) == [kept, items[2].document, items[3]]  # training reads the accepted ones only


def test_a_bad_answer_in_jsonl_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = to_jsonl([Decided(doc("d1", NADA), "accept", "ana", "2026-12-04T04:00:00+00:00")])
    for bad, message in (({"answer": "maybe"}, "unknown answer 'maybe'"), ({"created": "ayer"}, "'ayer' is not an ISO"),
                         ({"_annotator_id": None}, None)):
        line = json.loads(good) | bad
        if message is None:
            del line["_annotator_id"]
            message = "an answer without '_annotator_id'"
        path.write_text(good + json.dumps(line) + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=message) as info:
            import_jsonl(path)
        assert f"{path}, line 2" in str(info.value)


def test_export_all_keeps_rejected_documents_in_the_jsonl_only(tmp_path):
    with Store(tmp_path / "annotations.db") as store:
        one, two, three = store.add_documents("demo", [ASMA, NADA, CANCER])
        store.save_answer(one, "ana", "accepted", [ent(ASMA, "asma")])
        store.save_answer(two, "ana", "rejected", [ent(NADA, "Nada")])
        store.save_answer(three, "ana", "rejected")
        store.save_answer(three, "ben", "accepted", [ent(CANCER, "cirugía")])  # an acceptance wins over a rejection
        store.save_answer(one, "ben", "skipped")
        decided = store.latest_decisions()
        assert [(d.text, r.status, r.annotator) for d, r in decided] == [
            (ASMA, "accepted", "ana"), (NADA, "rejected", "ana"), (CANCER, "accepted", "ben")]
        assert [d for d, r in decided if r.status == "accepted"] == store.latest_answers()
        assert [d.text for d, _ in store.latest_decisions("ana")] == [ASMA, NADA, CANCER]  # ana's own rejection
        created = {d.text: r.created for d, r in decided}
    items = [Decided(d, "accept" if r.status == "accepted" else "reject", r.annotator, r.created) for d, r in decided]
    paths = export_all(items, tmp_path / "export", ["brat", "jsonl", "conll"])
    lines = [json.loads(line) for line in paths["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert [(r["text"], r["answer"], r["_annotator_id"], r["created"]) for r in lines] == [
        (ASMA, "accept", "ana", created[ASMA]), (NADA, "reject", "ana", created[NADA]),
        (CANCER, "accept", "ben", created[CANCER])]
    assert [d.text for d in import_brat(paths["brat"])] == [ASMA, CANCER]  # BRAT: the accepted ones only
    assert [d.text for d in import_conll(paths["conll"])] == [ASMA, CANCER]
    readme = (tmp_path / "export" / "README.md").read_text(encoding="utf-8")
    assert "2 documents, 2 entities" in readme and "Also 1 rejected document (" in readme


# --- Hugging Face datasets --------------------------------------------------------------


def test_dataset_features_and_round_trip(tmp_path):
    from datasets import load_from_disk

    folder = export_dataset({"train": LITERAL, "dev": LITERAL[:1]}, tmp_path / "hf")
    dd = load_from_disk(str(folder))
    assert set(dd) == {"train", "dev"}
    assert dd["train"].features["ner_tags"].feature.names == list(TAGS)
    row = dd["train"][0]
    assert row["tokens"][:3] == ["El", "asma", "es"]
    assert row["offsets"][1] == list(at(ASMA, "asma"))
    assert [TAGS[t] for t in row["ner_tags"][:6]] == ["O", "B-Concept", "O", "O", "B-Concept", "I-Concept"]
    assert row["relations"] == [{"type": "is-a", "head": list(at(ASMA, "asma")),
                                 "tail": [ASMA.index("enfermedad"), ASMA.index("crónica") + len("crónica")]}]
    back = import_dataset(folder)
    assert back["train"] == LITERAL_HF
    assert back["dev"] == LITERAL_HF[:1]


def spanned(doc: Document, kept: set | None = None) -> set[tuple[str, tuple[int, int], tuple[int, int]]]:
    """A document's relations by the character spans of their two ends (those in ``kept`` only)."""
    span = [(e.start, e.end) for e in doc.entities]
    out = {(k, span[a], span[b]) for k, a, b in triples(doc)}
    return {r for r in out if kept is None or (r[1] in kept and r[2] in kept and r[1] != r[2])}


def test_dataset_round_trip_keeps_what_bio_can_express(tmp_path, small_docs):
    back = import_dataset(export_dataset(small_docs, tmp_path / "hf"))["train"]
    assert [Document(d.id, d.text, d.entities) for d in back] == policy_expected(small_docs)
    for before, after in zip(small_docs, back):
        kept = {(s, e) for s, e, _ in tag_policy(before)[0]}
        assert spanned(after) == spanned(before, kept), before.id
    assert sum(len(d.relations) for d in back) > 0


def test_a_dataset_relation_between_untagged_spans_is_refused(tmp_path):
    from datasets import Dataset, load_from_disk

    folder = export_dataset(LITERAL[:1], tmp_path / "hf")
    rows = load_from_disk(str(folder))["train"].to_list()
    rows[0]["relations"][0]["tail"] = [0, 2]  # "El": no entity there
    with pytest.raises(ValueError, match=r"row 0 \(d1\): relation 'is-a' joins spans that are not entities"):
        dataset_to_docs(Dataset.from_list(rows, features=dataset_features()))
    rows[0]["relations"][0].update(type="cures", tail=list(at(ASMA, "pulmones")))
    with pytest.raises(ValueError, match="unknown relation 'cures'"):
        dataset_to_docs(Dataset.from_list(rows, features=dataset_features()))


def test_dataset_export_replaces_an_older_one_atomically(tmp_path):
    export_dataset(LITERAL, tmp_path / "hf")
    export_dataset(LITERAL[:2], tmp_path / "hf")
    assert len(import_dataset(tmp_path / "hf")["train"]) == 2
    assert no_temporaries(tmp_path)


# --- CoNLL ------------------------------------------------------------------------------


def test_conll_text_for_a_literal_document():
    small = doc("x1", "La gripe mata.", ent("La gripe mata.", "gripe"), ent("La gripe mata.", "mata", label="Action"))
    assert to_conll([small, doc("x2", NADA)]) == (
        "# id = x1\n# text = La gripe mata.\nLa\tO\ngripe\tB-Concept\nmata\tB-Action\n.\tO\n\n"
        "# id = x2\n# text = Nada que decir aquí.\nNada\tO\nque\tO\ndecir\tO\naquí\tO\n.\tO\n"
    )


def test_conll_round_trip_literal(tmp_path):
    assert import_conll(export_conll(LITERAL, tmp_path / "docs.conll")) == LITERAL_BIO


def test_conll_round_trip_keeps_what_bio_can_express(tmp_path, small_docs):
    assert import_conll(export_conll(small_docs, tmp_path / "docs.conll")) == policy_expected(small_docs)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# id = a\n# text = uno dos\nuno\tO\ntres\tO\n", "line 4: token 'tres'"),
        ("# id = a\n# text = uno dos\nuno\tO\ndos\tB-Disease\n", "line 4: expected 'token<TAB>tag'"),
        ("# id = a\n# text = uno dos\nuno\tO\n", "1 tokens but its text has 2 words"),
        ("uno\tO\n", "line 1: a token line before"),
        ("# id = a\nuno\tO\n", "no '# text = ' line"),
    ],
)
def test_bad_conll_names_the_line(content, message):
    with pytest.raises(ValueError, match=message):
        from_conll(content)


def test_a_failed_export_leaves_the_old_file(tmp_path):
    path = export_conll(LITERAL, tmp_path / "docs.conll")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="line break"):
        export_conll([Document("bad", "uno\ndos")], path)
    assert path.read_bytes() == before
    assert no_temporaries(tmp_path)


def test_read_brat_sanity_for_the_literal_export(tmp_path):
    # the exported .ann is plain BRAT: read_brat alone reads every entity back
    export_brat(LITERAL, tmp_path / "out")
    assert [d.entities for d in read_brat(tmp_path / "out" / "scenario.txt")] == [d.entities for d in LITERAL]


def test_export_all_writes_every_format_from_the_store(tmp_path):
    with Store(tmp_path / "annotations.db") as store:
        ids = store.add_documents("demo", LITERAL)
        for d, doc_id in zip(LITERAL, ids):
            store.save_answer(doc_id, "ana", "accepted", d.entities, relations=triples(d))
        docs = store.latest_answers()
    paths = export_all(docs, tmp_path / "export")
    assert import_brat(paths["brat"]) == LITERAL
    assert import_jsonl(paths["jsonl"]) == LITERAL
    assert import_dataset(paths["hf"])["train"] == LITERAL_HF
    assert import_conll(paths["conll"]) == LITERAL_BIO
    assert import_any(paths["jsonl"]) == LITERAL and import_any(paths["conll"]) == LITERAL_BIO
    assert import_any(paths["hf"]) == LITERAL_HF and import_any(paths["brat"]) == LITERAL
    readme = (paths["brat"].parent.parent / "README.md").read_text(encoding="utf-8")
    assert "4 documents, 10 entities, 1 relation " in readme
    assert readme.count("Relations: 1 of 1 kept") == 3  # BRAT, JSONL and the dataset
    assert "Relations: 0 of 1 kept: CoNLL has no place for them" in readme
    assert export_summary(docs)[-1] == "CoNLL: 9 of 10 entities kept (1 gapped dropped); 0 of 1 relations"
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        export_all(docs, tmp_path / "export", ["xml"])


def test_export_says_what_each_format_dropped(tmp_path):
    pain = "dolor de cabeza fuerte"
    docs = [doc("c", CANCER, GAPPED, ent(CANCER, "mama")),
            doc("p", pain, ent(pain, "dolor", "de", "cabeza"), ent(pain, "cabeza"))]  # "cabeza" inside the longer
    assert bio_losses(docs) == {"gapped": 1, "overlapping": 1}
    assert format_losses(docs, ["brat", "conll"]) == {"brat": {}, "conll": {"gapped": 1, "overlapping": 1}}
    assert export_summary(docs) == [
        "BRAT: 4 of 4 entities kept", "JSONL: 4 of 4 entities kept",
        "Hugging Face dataset: 2 of 4 entities kept (1 gapped, 1 overlapping dropped)",
        "CoNLL: 2 of 4 entities kept (1 gapped, 1 overlapping dropped)",
    ]
    export_all(docs, tmp_path / "out", ["jsonl", "conll"])
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "- **JSONL** (`corrections.jsonl`): 4 of 4 entities kept, 0 dropped." in readme
    assert "- **CoNLL** (`corrections.conll`): 2 of 4 entities kept, 2 dropped." in readme
    assert "  - 1 gapped: discontinuous" in readme and "  - 1 overlapping: overlaps a longer entity" in readme
    assert "BRAT" not in readme.split("## What each format kept")[1].split("The Hugging Face")[0]
    assert len(import_conll(tmp_path / "out" / "corrections.conll")[0].entities) == 1  # what the README says


@pytest.mark.slow
def test_cli_export_prints_the_losses(tmp_path):
    db = tmp_path / "annotations.db"
    with Store(db) as store:
        (doc_id,) = store.add_documents("demo", [CANCER])
        store.save_answer(doc_id, "ana", "accepted", [GAPPED, ent(CANCER, "mama")])
    out = subprocess.run([sys.executable, "-m", "ner", "export", str(tmp_path / "x"), "--db", str(db),
                          "--formats", "jsonl,conll"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "JSONL: 2 of 2 entities kept" in out.stdout
    assert "CoNLL: 1 of 2 entities kept (1 gapped dropped)" in out.stdout
    assert (tmp_path / "x" / "README.md").is_file()
