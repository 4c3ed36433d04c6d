"""BRAT standoff files: literal examples, round trips on every split, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from ner import corpus
from ner.brat import BratError, read_brat, split_lines, to_brat, write_brat
from ner.entities import Document, Entity, Relation, entity

LINE1 = "El paciente tiene fiebre alta."
LINE2 = "La gripe causa tos y dolor de cabeza."


def make(tmp_path: Path, txt: str | bytes, ann: str | bytes | None, folder: str = "demo") -> Path:
    """Write ``scenario.txt`` (+ ``.ann`` unless None) byte for byte; return the .txt path."""
    path = tmp_path / folder / "scenario.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(txt.encode("utf-8") if isinstance(txt, str) else txt)
    if ann is not None:
        path.with_suffix(".ann").write_bytes(ann.encode("utf-8") if isinstance(ann, str) else ann)
    return path


def at(line: str, word: str, base: int = 0) -> tuple[int, int]:
    """File offsets of the first ``word`` in ``line``, which starts at ``base``."""
    start = base + line.index(word)
    return start, start + len(word)


# --- literal examples -------------------------------------------------------------------


def test_one_line_with_literal_offsets(tmp_path):
    start = len("El paciente tiene ")
    ann = f"T1\tConcept {start} {start + len('fiebre')}\tfiebre\n"
    ann += f"T2\tAction {len('El paciente ')} {len('El paciente tiene')}\ttiene\n"
    docs = read_brat(make(tmp_path, LINE1, ann))
    assert docs == [
        Document(
            id="demo/1",
            text=LINE1,
            entities=(entity(len("El paciente "), len("El paciente tiene"), "Action"), entity(18, 24, "Concept")),
        )
    ]
    assert docs[0].entities[1].surface(LINE1) == "fiebre"


def test_offsets_shift_per_line(tmp_path):
    base2 = len(LINE1) + 1  # the second line starts after the first and its "\n"
    s, e = at(LINE2, "gripe", base2)
    ann = f"T1\tConcept {s} {e}\tgripe\nT2\tConcept 18 24\tfiebre\n"
    docs = read_brat(make(tmp_path, LINE1 + "\n" + LINE2, ann))
    assert [d.id for d in docs] == ["demo/1", "demo/2"]
    assert docs[0].entities == (entity(18, 24, "Concept"),)
    assert docs[1].entities == (entity(len("La "), len("La gripe"), "Concept"),)


def test_multi_fragment_entity_stored_per_word(tmp_path):
    start = len(LINE1) + 1 + len("La gripe causa tos y ")
    dolor, de, cabeza = (start, start + 5), (start + 6, start + 8), (start + len("dolor de "), start + 15)
    frags = [dolor, de, cabeza]
    spans = ";".join(f"{s} {e}" for s, e in frags)
    docs = read_brat(make(tmp_path, LINE1 + "\n" + LINE2, f"T1\tConcept {spans}\tdolor de cabeza\n"))
    ent = docs[1].entities[0]
    assert ent.fragments == ((21, 26), (27, 29), (30, 36))
    assert ent.surface(LINE2) == "dolor de cabeza"
    assert not ent.is_gapped(LINE2)
    assert docs[0].annotated is False and docs[1].annotated is True


def test_fragments_out_of_text_order_are_accepted(tmp_path):
    # the surface follows the listed order; the entity keeps its fragments sorted
    text = "cáncer de mama y de pulmón"
    ann = f"T1\tConcept {len('cáncer de mama y de ')} {len(text)};0 {len('cáncer')}\tpulmón cáncer\n"
    docs = read_brat(make(tmp_path, text, ann))
    assert docs[0].entities == (Entity(((0, 6), (20, 26)), "Concept"),)
    assert docs[0].entities[0].is_gapped(text)


def test_overlapping_entities_are_kept(tmp_path):
    text = "dolor de cabeza tensional"
    ann = "T1\tConcept 0 5;6 8;9 15;16 25\tdolor de cabeza tensional\nT2\tConcept 0 5;6 8;9 15\tdolor de cabeza\n"
    docs = read_brat(make(tmp_path, text, ann))
    assert [e.surface(text) for e in docs[0].entities] == ["dolor de cabeza", "dolor de cabeza tensional"]


def test_relations_and_same_as_are_kept_and_written_back(tmp_path):
    text = LINE1 + "\n" + LINE2
    base2 = len(LINE1) + 1
    g, c, t = at(LINE2, "gripe", base2), at(LINE2, "causa", base2), at(LINE2, "tos", base2)
    ann = (
        "T1\tConcept 18 24\tfiebre\n"
        f"T2\tConcept {g[0]} {g[1]}\tgripe\n"
        f"T3\tAction {c[0]} {c[1]}\tcausa\n"
        f"T4\tConcept {t[0]} {t[1]}\ttos\n"
        "R0\tsubject Arg1:T3 Arg2:T2\n"
        "R1\ttarget Arg1:T3 Arg2:T4\n"
        "*\tsame-as T2 T4\n"
    )
    docs = read_brat(make(tmp_path, text, ann))
    assert docs[0].relations == ()
    # per-document entity indexes: gripe 0, causa 1, tos 2
    assert docs[1].relations == (
        Relation("subject", (("Arg1", 1), ("Arg2", 0))),
        Relation("target", (("Arg1", 1), ("Arg2", 2))),
        Relation("same-as", (("", 0), ("", 2)), star=True),
    )
    _, written = to_brat(docs)
    assert "R1\tsubject Arg1:T3 Arg2:T2\n" in written
    assert "R2\ttarget Arg1:T3 Arg2:T4\n" in written
    assert "*\tsame-as T2 T4\n" in written


def test_notes_and_attributes_are_kept_and_written_back(tmp_path):
    text = LINE1 + "\n" + LINE2
    g = at(LINE2, "gripe", len(LINE1) + 1)
    ann = (
        "T1\tConcept 18 24\tfiebre\n"
        f"T2\tConcept {g[0]} {g[1]}\tgripe\n"
        "#1\tAnnotatorNotes T2\tcompare T1 and R7 (free text is left alone)\n"
        "A1\tUncertain T2\n"
    )
    docs = read_brat(make(tmp_path, text, ann))
    assert docs[0].notes == ()
    assert docs[1].notes == ("#1\tAnnotatorNotes T1\tcompare T1 and R7 (free text is left alone)", "A1\tUncertain T1")
    out = write_brat(docs, tmp_path / "out" / "scenario.txt")
    written = out.with_suffix(".ann").read_text(encoding="utf-8")
    assert "#1\tAnnotatorNotes T2\tcompare T1 and R7 (free text is left alone)\n" in written
    assert "A1\tUncertain T2\n" in written
    assert read_brat(out)[1].notes == docs[1].notes


def test_surface_may_hold_a_tab(tmp_path):
    text = "a\tb c"
    docs = read_brat(make(tmp_path, text, "T1\tConcept 0 3\ta\tb\n"))
    assert docs[0].entities[0].surface(text) == "a\tb"


def test_unannotated_lines_are_marked(tmp_path):
    text = "\n".join([LINE1, "Una línea sin anotar.", LINE2])
    base3 = len(LINE1) + 1 + len("Una línea sin anotar.") + 1
    g = at(LINE2, "gripe", base3)
    docs = read_brat(make(tmp_path, text, f"T1\tConcept 18 24\tfiebre\nT2\tConcept {g[0]} {g[1]}\tgripe\n"))
    assert [d.annotated for d in docs] == [True, False, True]
    assert docs[1].entities == ()


def test_crlf_text_reads_like_lf(tmp_path):
    lf = LINE1 + "\n" + LINE2
    crlf = LINE1 + "\r\n" + LINE2
    g_lf, g_crlf = at(LINE2, "gripe", len(LINE1) + 1), at(LINE2, "gripe", len(LINE1) + 2)
    ann_lf = f"T1\tConcept 18 24\tfiebre\nT2\tConcept {g_lf[0]} {g_lf[1]}\tgripe\n"
    ann_crlf = f"T1\tConcept 18 24\tfiebre\r\nT2\tConcept {g_crlf[0]} {g_crlf[1]}\tgripe\r\n"
    from_crlf = read_brat(make(tmp_path, crlf, ann_crlf, "same"))
    from_lf = read_brat(make(tmp_path / "lf", lf, ann_lf, "same"))
    assert from_crlf == from_lf
    assert from_crlf[0].text == LINE1  # no "\r" left in the text


def test_split_lines_literals():
    assert split_lines("") == []
    assert split_lines("ab\ncd") == [(0, "ab"), (3, "cd")]
    assert split_lines("ab\r\ncd\r\n") == [(0, "ab"), (4, "cd")]
    assert split_lines("ab\n\ncd") == [(0, "ab"), (3, ""), (4, "cd")]


def test_empty_files_give_no_document(tmp_path):
    assert read_brat(make(tmp_path, "", "")) == []


def test_text_without_annotations(tmp_path):
    docs = read_brat(make(tmp_path, LINE1, ""))
    assert len(docs) == 1 and docs[0].annotated is False


def test_missing_ann_is_an_error(tmp_path):
    path = make(tmp_path, LINE1, None)
    with pytest.raises(BratError, match="no such annotation file") as info:
        read_brat(path)
    assert str(path.with_suffix(".ann")) in str(info.value)


def test_missing_txt_is_an_error(tmp_path):
    with pytest.raises(BratError, match="no such text file"):
        read_brat(tmp_path / "nowhere" / "scenario.txt")


def test_non_utf8_text_is_an_error(tmp_path):
    path = make(tmp_path, "fiebre café".encode("latin-1"), "")
    with pytest.raises(BratError, match="not UTF-8") as info:
        read_brat(path)
    assert str(path) in str(info.value)


# --- bad input: each error names the file and the .ann line, and nothing is returned ------

GOOD = "T1\tConcept 18 24\tfiebre\n"  # line 1 of every bad .ann below: errors come after good lines
BASE2 = len(LINE1) + 1
SPAN_LINE = f"{LINE1.index('alta.')} {BASE2 + LINE2.index('gripe') + len('gripe')}"


@pytest.mark.parametrize(
    ("bad_lines", "message", "line"),
    [
        ("T2\tConcept 0 2", "needs 3 tab-separated columns, got 2", 2),
        ("T2 Concept 0 2 El", "needs 3 tab-separated columns, got 1", 2),
        ("T2\tConcept 0 x\tEl", "expected 'Label START END", 2),
        ("T2\tConcept 0 2;\tEl", "expected 'Label START END", 2),
        ("T2\t0 2\tEl", "expected 'Label START END", 2),
        ("T2\tConcept 5 2\tEl", "ends before it starts", 2),
        ("X2\tsomething T1", "unknown line type 'X2'", 2),
        ("T1\tConcept 0 2\tEl", "entity id T1 is used twice", 2),
        (f"T2\tConcept 0 {len(LINE1 + chr(10) + LINE2) + 1}\tEl", "outside the text", 2),
        (f"T2\tConcept {BASE2 + len(LINE2) + 5} {BASE2 + len(LINE2) + 9}\tnada", "outside the text", 2),
        (f"T2\tConcept {SPAN_LINE}\talta.", "crosses the end of text line 1", 2),
        ("T2\tConcept 0 2\tLa", "surface 'La' differs from the text", 2),
        ("T2\tConcept 0 2;3 11\tpaciente El", "differs from the text", 2),
        ("R1\tcauses Arg1:T1", "a relation needs a type and two arguments", 2),
        ("R1\tcauses Arg1:T1 T1", "must look like Arg1:T1", 2),
        ("R1\tcauses Arg1:T1 Arg2:T9", "points at unknown entity T9", 2),
        ("R1\tcauses Arg1:T1 Arg2:T1\nR1\tcauses Arg1:T1 Arg2:T1", "relation id R1 is used twice", 3),
        ("R1\tcauses Arg1:T1 Arg2:T1\nR2\tcauses Arg1:T1 Arg2:R1", "points at unknown entity R1", 3),
        ("*\tsame-as T1", "a relation needs a type and two arguments", 2),
        ("#1\tAnnotatorNotes T7\tnota", "note must refer to a known entity or relation", 2),
        ("A1\tUncertain", "note must refer to a known entity or relation", 2),
    ],
)
def test_bad_ann_lines(tmp_path, bad_lines, message, line):
    path = make(tmp_path, LINE1 + "\n" + LINE2, GOOD + bad_lines + "\n")
    with pytest.raises(BratError) as info:
        read_brat(path)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{path.with_suffix('.ann')}, line {line}: ")


def test_relation_across_lines_is_an_error(tmp_path):
    g = at(LINE2, "gripe", BASE2)
    ann = GOOD + f"T2\tConcept {g[0]} {g[1]}\tgripe\nR1\tcauses Arg1:T2 Arg2:T1\n"
    with pytest.raises(BratError, match=r"scenario\.ann, line 3: relation R1 links entities of different lines"):
        read_brat(make(tmp_path, LINE1 + "\n" + LINE2, ann))


def test_error_on_last_line_gives_no_partial_result(tmp_path):
    g = at(LINE2, "gripe", BASE2)
    ann = GOOD + f"T2\tConcept {g[0]} {g[1]}\tgripe\nT3\tConcept 0 2\tmal\n"
    with pytest.raises(BratError, match="line 3"):
        read_brat(make(tmp_path, LINE1 + "\n" + LINE2, ann))


# --- writing ------------------------------------------------------------------------------


def test_to_brat_literal():
    docs = [
        Document("a/1", "El paciente tiene fiebre.", (entity(len("El "), len("El paciente"), "Concept"),)),
        Document("a/2", "Tos seca.", (Entity(((0, 3), (4, 8)), "Concept"),)),
    ]
    txt, ann = to_brat(docs)
    start2 = len("El paciente tiene fiebre.\n")
    assert txt == "El paciente tiene fiebre.\nTos seca."
    assert ann == f"T1\tConcept 3 11\tpaciente\nT2\tConcept {start2} {start2 + 3};{start2 + 4} {start2 + 8}\tTos seca\n"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (Document("x/1", "dos\nlíneas"), "line break"),
        (Document("x/1", "corto", (entity(0, 9, "Concept"),)), "past its 5 characters"),
        (
            Document("x/1", "uno dos", (entity(0, 3, "Concept"),), (Relation("is-a", (("Arg1", 0), ("Arg2", 4))),)),
            "missing entity",
        ),
    ],
)
def test_write_refuses_what_cannot_be_read_back(tmp_path, doc, message):
    with pytest.raises(ValueError, match=message):
        write_brat([doc], tmp_path / "out" / "scenario.txt")
    assert not (tmp_path / "out" / "scenario.txt").exists()
    assert not (tmp_path / "out" / "scenario.ann").exists()


def test_write_leaves_no_temporary_file(tmp_path):
    out = write_brat([Document("a/1", LINE1, (entity(18, 24, "Concept"),))], tmp_path / "out" / "scenario.txt")
    assert sorted(p.name for p in out.parent.iterdir()) == ["scenario.ann", "scenario.txt"]


# --- round trips: read -> write -> read on every real split and on the sample -------------


def _round_trip(txt_path: Path, tmp_path: Path) -> None:
    docs = read_brat(txt_path)
    out = write_brat(docs, tmp_path / txt_path.parent.name / "scenario.txt")
    assert out.read_bytes() == txt_path.read_bytes()  # the text is written back byte for byte
    again = read_brat(out)
    assert again == docs  # entities, relations, notes, annotated flags, ids


@pytest.mark.parametrize("split", sorted(corpus.SPLITS))
def test_round_trip_real_split(real_corpus, tmp_path, split):
    _round_trip(corpus.split_path(split), tmp_path)


def test_round_trip_sample(tmp_path):
    _round_trip(corpus.split_path("sample"), tmp_path)


def test_scenario1_marks_unannotated_lines(real_corpus):
    docs = corpus.load("scenario1")
    assert len(docs) == 5000
    assert sum(d.annotated for d in docs) == 100
    assert all(d.entities == () for d in docs if not d.annotated)
