"""ner.uploads: every upload read once, with real files: lines, BRAT pairs and zips, each limit refused by name."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest

from ner.entities import entity
from ner.messages import say
from ner.refusals import Refusal
from ner.settings import DEFAULT_LIMITS, Limits
from ner.uploads import Upload, lines_to_documents, read_upload

TEXT = "El paciente tiene fiebre."
FIEBRE = f"T1\tConcept {len('El paciente tiene ')} {len('El paciente tiene fiebre')}\tfiebre\n"


def uploaded(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """A file as Gradio keeps an upload: under its own name, in a folder of its own."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def zipped(tmp_path: Path, name: str, members: dict[str, str | bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, content in members.items():
            z.writestr(member, content)
    return path


@pytest.fixture(autouse=True)
def own_tempdir(tmp_path, monkeypatch) -> Path:
    """Scratch folders go under tmp_path/scratch, so that a test sees whether any is left behind."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def refusal(paths, limits: Limits | None = DEFAULT_LIMITS, want: str = "queue") -> Refusal:
    with pytest.raises(Refusal) as caught:
        read_upload(paths, limits, want=want)
    return caught.value


# ---------------------------------------------------------------- the line reader


def test_lines_for_a_prediction_are_every_line_exactly():
    docs = lines_to_documents("Tiene fiebre.\r\n\n  Sin nada  \n", "in")
    assert [(d.id, d.text) for d in docs] == [("in/1", "Tiene fiebre."), ("in/2", ""), ("in/3", "  Sin nada  ")]
    assert not any(d.annotated or d.entities for d in docs)


def test_lines_for_a_queue_are_stripped_and_blank_ones_dropped_keeping_their_line_numbers():
    docs = lines_to_documents("uno dos\n\n  tres  \u2028cuatro\n", "q", "f.txt", strip=True)
    assert [(d.id, d.text) for d in docs] == [("q/1", "uno dos"), ("q/3", "tres"), ("q/4", "cuatro")]


def test_lines_check_their_limits_by_line():
    with pytest.raises(ValueError, match="f.txt, line 2 has 6 characters; the limit is 5"):
        lines_to_documents("uno\nsesent\n", "f", "f.txt", Limits(line_chars=5))
    with pytest.raises(ValueError, match="f.txt: more than 2 lines"):
        lines_to_documents("uno\n\ndos\ntres", "f", "f.txt", Limits(upload_lines=2))
    assert len(lines_to_documents("uno\n\ndos", "f", "f.txt", Limits(upload_lines=3))) == 3
    with pytest.raises(Refusal, match="more than 2 lines"):  # blank lines count: a file of them is no free pass
        lines_to_documents("uno\n\ndos", "f", "f.txt", Limits(upload_lines=2))
    with pytest.raises(Refusal, match="the pasted text, line 2 has 10 characters"):  # stripped first
        lines_to_documents("uno\n   la palabra   \n", "q", None, Limits(line_chars=5), strip=True)


# ---------------------------------------------------------------- plain text


def test_a_txt_for_a_prediction_keeps_blank_lines_and_is_named_as_uploaded(tmp_path):
    path = uploaded(tmp_path, "notas.txt", "Tiene fiebre.\r\n\n  Sin nada  \n")
    got = read_upload([path], Limits(), want="lines")
    assert got == Upload("notas.txt", got.docs, annotated=False) and got.stem == "notas"
    assert [(d.id, d.text) for d in got.docs] == [("notas/1", "Tiene fiebre."), ("notas/2", ""),
                                                  ("notas/3", "  Sin nada  ")]
    assert read_upload(path, Limits(), want="lines") == got  # one path alone is one file


def test_a_txt_for_a_queue_gives_each_non_blank_line_stripped(tmp_path):
    path = uploaded(tmp_path, "notas.txt", "  uno dos \n\n\ntres\n")
    got = read_upload([path], Limits(), want="queue")
    assert (got.name, got.annotated) == ("notas.txt", False)
    assert [(d.id, d.text, d.annotated) for d in got.docs] == [("notas/1", "uno dos", False),
                                                              ("notas/4", "tres", False)]


def test_a_file_without_text_is_refused_by_its_name(tmp_path):
    empty = uploaded(tmp_path, "vacío.txt", "\n  \n")
    for want in ("lines", "queue"):
        caught = refusal([empty], want=want)
        assert caught.english == "{name} has no text: a .txt file holds one document per line"
        assert str(caught) == "vacío.txt has no text: a .txt file holds one document per line"
    gold = refusal([empty, uploaded(tmp_path, "vacío.ann", "")], want="gold")
    assert gold.values == {"name": "vacío.txt"}


def test_a_txt_not_utf8_is_refused_with_its_name_and_never_a_server_path(tmp_path):
    latin1 = "La tensión arterial es alta.\n".encode("latin-1")
    for want in ("lines", "queue"):
        caught = refusal([uploaded(tmp_path, "notas.txt", latin1)], want=want)
        assert caught.values == {"name": "notas.txt", "byte": len("La tensi")}
        assert str(tmp_path) not in str(caught)
        assert say("es", caught.english, **caught.values).startswith("notas.txt no es texto UTF-8 (el byte 8 no lo es)")
    member = refusal([zipped(tmp_path, "notas.zip", {"x/notas.txt": latin1})])
    assert member.values == {"name": "notas.zip/x/notas.txt", "byte": len("La tensi")}
    ann = refusal([uploaded(tmp_path, "g.txt", TEXT), uploaded(tmp_path, "g.ann", FIEBRE.encode("utf-16"))],
                  want="gold")
    assert ann.values == {"name": "g.ann", "byte": 0} and str(tmp_path) not in str(ann)


def test_the_cli_reads_its_own_file_without_upload_limits(tmp_path):
    path = tmp_path / "grande.txt"
    path.write_text("fiebre " * 5_000 + "\n" + "tos\n" * 30, encoding="utf-8")
    docs = read_upload([path], None, want="lines").docs
    assert len(docs) == 31 and len(docs[0].text) == len("fiebre " * 5_000)
    with pytest.raises(Refusal, match="line 1 has 35,000 characters"):
        read_upload([path], Limits(line_chars=20_000), want="lines")


# ---------------------------------------------------------------- how many files, how big


def test_at_most_two_files_are_taken_refused_before_any_is_read():
    caught = refusal(["/no/such/a.txt", "/no/such/a.ann", "/no/such/b.zip"])  # none exists: none was opened
    assert caught.english.startswith("{n:,} files at once") and caught.values == {"n": 3, "limit": 2}


def test_a_prediction_reads_one_file(tmp_path):
    caught = refusal([uploaded(tmp_path, "a.txt", TEXT), uploaded(tmp_path, "b.txt", TEXT)], want="lines")
    assert caught.values == {"names": "a.txt, b.txt"}


def test_a_file_over_the_byte_limit_is_refused_by_its_size(tmp_path):
    caught = refusal([uploaded(tmp_path, "big.txt", "x" * 2048)], Limits(upload_bytes=1024), want="lines")
    assert caught.values == {"name": "big.txt", "n": 2048, "limit": 1024}


def test_nothing_uploaded_is_refused():
    assert refusal([]).english == "choose a .txt file, a .txt + .ann pair or a BRAT .zip first"
    with pytest.raises(ValueError, match="want='brat'"):
        read_upload(["x.txt"], Limits(), want="brat")


def test_a_zip_bomb_is_refused_from_its_directory_before_any_member_is_read(tmp_path, monkeypatch, own_tempdir):
    bomb = zipped(tmp_path, "bomb.zip", {"g/scenario.txt": b"0" * 2**26, "g/scenario.ann": b""})  # 64 MiB, 64 KiB
    assert bomb.stat().st_size < 2**20

    def read(*args, **kwargs):
        raise AssertionError("a member was read")

    monkeypatch.setattr(zipfile.ZipFile, "open", read)
    for want in ("queue", "gold"):
        caught = refusal([bomb], want=want)
        assert caught.values == {"name": "bomb.zip", "n": 2**26, "limit": 50 * 2**20}
        assert "bytes of text once unpacked" in str(caught)
    assert list(own_tempdir.iterdir()) == []  # the scratch folder is gone


# ---------------------------------------------------------------- BRAT pairs


def test_a_pair_with_different_stems_uploaded_apart_is_one_brat_upload(tmp_path, own_tempdir):
    txt, ann = uploaded(tmp_path, "mine.txt", TEXT + "\nLa tos.\n"), uploaded(tmp_path, "export.ann", FIEBRE)
    for paths in ([txt, ann], [ann, txt]):
        got = read_upload(paths, Limits(), want="queue")
        assert (got.name, got.stem, got.annotated) == ("mine.txt", "mine", True)
        assert [d.id for d in got.docs] == ["mine/1", "mine/2"]
        assert got.docs[0].entities == (entity(len("El paciente tiene "), len(TEXT) - 1, "Concept"),)
    assert list(own_tempdir.iterdir()) == []


def test_a_zip_of_one_pair_is_named_by_the_zip(tmp_path):
    archive = zipped(tmp_path, "gold.zip", {"g/scenario.txt": TEXT, "g/scenario.ann": FIEBRE,
                                            "__MACOSX/g/._scenario.txt": b"\x00\x05", "g/notes.pdf": b"%PDF"})
    got = read_upload([archive], Limits(), want="gold")
    assert (got.name, got.annotated, [d.id for d in got.docs]) == ("gold.zip", True, ["gold/1"])
    assert got.docs[0].entities[0].surface(TEXT) == "fiebre"


def test_an_ann_without_its_txt_is_refused(tmp_path):
    for want in ("queue", "gold"):
        caught = refusal([uploaded(tmp_path, "mine.ann", FIEBRE)], want=want)
        assert caught.english == "no .txt file among the uploads (an .ann needs its .txt beside it)"
    assert refusal([zipped(tmp_path, "only.zip", {"g/scenario.ann": FIEBRE})]).english.startswith("no .txt")


def test_a_gold_set_needs_its_ann(tmp_path):
    caught = refusal([uploaded(tmp_path, "gold.txt", TEXT)], want="gold")
    assert caught.values == {"name": "gold.txt"} and "a gold set is a BRAT pair" in str(caught)


def test_a_zip_with_two_pairs_is_refused_naming_its_members(tmp_path):
    archive = zipped(tmp_path, "dev.zip", {"a/scenario.txt": TEXT, "a/scenario.ann": FIEBRE,
                                           "b/scenario.txt": TEXT, "b/scenario.ann": FIEBRE})
    for want in ("queue", "gold"):
        caught = refusal([archive], want=want)
        assert caught.values == {"names": "dev.zip/a/scenario.txt, dev.zip/b/scenario.txt, "
                                          "dev.zip/a/scenario.ann, dev.zip/b/scenario.ann"}
    two_anns = refusal([uploaded(tmp_path, "a.txt", TEXT), zipped(tmp_path, "anns.zip", {"x.ann": "", "y.ann": ""})])
    assert two_anns.values == {"names": "a.txt, anns.zip/x.ann, anns.zip/y.ann"}


def test_invalid_brat_is_refused_naming_the_upload_and_never_a_server_path(tmp_path, own_tempdir):
    bad = f"T1\tConcept {len('El paciente tiene ')} 99\tfiebre\n"  # past the end of the text
    caught = refusal([zipped(tmp_path, "bad.zip", {"g/scenario.txt": TEXT, "g/scenario.ann": bad})], want="gold")
    assert caught.values["name"] == "bad.zip"
    assert caught.values["detail"].startswith("bad.zip/g/scenario.ann, line 1: offsets")
    loose = refusal([uploaded(tmp_path, "gold.txt", TEXT), uploaded(tmp_path, "gold.ann", bad)], want="gold")
    assert str(loose).startswith("gold.txt: not valid BRAT: gold.ann, line 1: offsets")
    assert str(tmp_path) not in str(caught) + str(loose) and list(own_tempdir.iterdir()) == []


def test_blank_lines_of_a_pair_stay_in_a_gold_set_and_leave_a_queue(tmp_path):
    text = "\n" + TEXT + "\n\n"  # line 2 holds the text
    ann = f"T1\tConcept {len('El paciente tiene ') + 1} {len(TEXT)}\tfiebre\n"
    paths = [uploaded(tmp_path, "g.txt", text), uploaded(tmp_path, "g.ann", ann)]
    gold = read_upload(paths, Limits(), want="gold").docs
    assert [(d.id, d.text, d.annotated) for d in gold] == [("g/1", "", False), ("g/2", TEXT, True), ("g/3", "", False)]
    queue = read_upload(paths, Limits(), want="queue").docs
    assert [(d.id, d.text, len(d.entities)) for d in queue] == [("g/2", TEXT, 1)]


# ---------------------------------------------------------------- the text's limits


def test_too_many_lines_are_refused_counting_the_blank_ones_for_every_use(tmp_path):
    text = "uno\n\ndos\ntres\n"  # four lines, one blank
    for want in ("lines", "queue"):
        assert str(refusal([uploaded(tmp_path, "f.txt", text)], Limits(upload_lines=3), want)) == (
            "f.txt: more than 3 lines (the limit); split the file")
        assert len(read_upload([uploaded(tmp_path, "f.txt", text)], Limits(upload_lines=4), want=want).docs) in (3, 4)
    pair = [uploaded(tmp_path, "g.txt", text), uploaded(tmp_path, "g.ann", "")]
    for want in ("gold", "queue"):
        assert refusal(pair, Limits(upload_lines=3), want).values == {"name": "g.txt", "limit": 3}
    assert len(read_upload(pair, Limits(upload_lines=4), want="queue").docs) == 3  # the blank one left out


def test_a_file_of_line_breaks_is_refused(tmp_path):
    bomb = uploaded(tmp_path, "bomb.txt", "x\n" + "\n" * 4_000_000)  # 4 MB: within the byte limit
    for want in ("lines", "queue"):
        assert "more than 20,000 lines" in str(refusal([bomb], DEFAULT_LIMITS, want))


def test_a_line_too_long_is_refused_naming_the_file_and_the_line(tmp_path):
    text = "uno\n" + "fiebre " * 10 + "\n"
    for want in ("lines", "queue"):
        caught = refusal([uploaded(tmp_path, "f.txt", text)], Limits(line_chars=20), want)
        assert caught.values == {"name": "f.txt", "line": 2, "n": len("fiebre " * 10) - (want == "queue"),
                                 "limit": 20}
    archive = zipped(tmp_path, "g.zip", {"g/scenario.txt": text, "g/scenario.ann": ""})
    caught = refusal([archive], Limits(line_chars=20), "gold")
    assert str(caught) == "g.zip/g/scenario.txt, line 2 has 70 characters; the limit is 20"


def test_a_gold_set_is_refused_over_its_character_limit(tmp_path):
    archive = zipped(tmp_path, "gold.zip", {"g/scenario.txt": ("fiebre " * 100 + "\n") * 20, "g/scenario.ann": ""})
    caught = refusal([archive], Limits(eval_chars=10_000), "gold")
    assert caught.english == "{name}: {n:,} characters of text (the limit is {limit:,})"
    assert caught.values == {"name": "gold.zip", "n": 14_000, "limit": 10_000}
    assert len(read_upload([archive], Limits(eval_chars=10_000), want="queue").docs) == 20  # a queue has no such limit


def test_the_text_of_a_pair_is_checked_before_its_ann_is_parsed(tmp_path, monkeypatch):
    import ner.uploads

    def parse(path):
        raise AssertionError("the .ann was parsed")

    monkeypatch.setattr(ner.uploads, "read_brat", parse)
    many = zipped(tmp_path, "many.zip", {"g/scenario.txt": "fiebre\n" * 2**20, "g/scenario.ann": ""})  # 7 MiB, 8 KiB
    for want in ("queue", "gold"):
        assert refusal([many], want=want).values == {"name": "many.zip/g/scenario.txt", "limit": 20_000}
    long = zipped(tmp_path, "long.zip", {"g/scenario.txt": "tos\n" + "x" * 30_000, "g/scenario.ann": ""})
    assert refusal([long], want="gold").values == {"name": "long.zip/g/scenario.txt", "line": 2, "n": 30_000,
                                                   "limit": 20_000}
