import json
import time

import pytest

from ner.corpus import load
from ner.crf import CrfModel, CrfSettings, model_problem, shape, train_crf, unaccented, word_features
from ner.entities import LABELS, Document, entity
from ner.tokens import words

TEXT = "El VIH-1 causa sida."
VIH = len("El ")


# --- features ---------------------------------------------------------------------------


def test_shape_collapses_runs_of_the_same_class():
    assert shape("VIH-1") == "X-d"
    assert shape("Insulina") == "Xx"
    assert shape("11:00") == "d:d"
    assert shape("αβγ") == "x"


def test_unaccented_drops_combining_marks():
    assert unaccented("inflamación") == "inflamacion"
    assert unaccented("niño ÜBER") == "nino UBER"


def test_word_features_of_a_middle_word():
    ws = words(TEXT)
    assert ws[1] == (VIH, VIH + len("VIH"))
    f = word_features(TEXT, ws, 1)
    assert f["lower"] == "vih" and f["shape"] == "X" and f["upper"] == 1.0 and f["title"] == 0.0
    assert f["prefix1"] == "v" and f["suffix3"] == "vih" and "prefix4" not in f  # a 3-letter word
    assert f["digit"] == 0.0 and f["punct"] == 0.0 and f["spaced"] == 1.0
    assert f["-1:lower"] == "el" and f["+1:lower"] == "-" and f["+2:lower"] == "1"
    assert "-2:lower" not in f and "BOS" not in f and "EOS" not in f
    assert f["-1:+0:lower"] == "el|vih" and f["+0:+1:lower"] == "vih|-"
    assert f["+2:suffix3"] == "1" and "+2:prefix3" not in f and f["+1:prefix3"] == "-"  # near words say more
    assert "stem" not in f  # too short


def test_word_features_of_a_long_accented_word():
    text = "La inflamación crónica"
    f = word_features(text, words(text), 1)
    assert f["lower"] == "inflamación" and f["norm"] == "inflamacion" and f["stem"] == "infla"
    assert f["suffix5"] == "ación" and f["prefix5"] == "infla" and f["len"] == "8"
    assert f["+1:suffix4"] == "nica" and f["+1:prefix3"] == "cró" and f["-1:title"] == 1.0


def test_word_features_of_digits_punctuation_and_edges():
    ws = words(TEXT)
    one = word_features(TEXT, ws, 3)
    assert one["lower"] == "1" and one["digit"] == 1.0 and one["spaced"] == 0.0  # "-1" is glued
    assert word_features(TEXT, ws, 2)["punct"] == 1.0
    first, last = word_features(TEXT, ws, 0), word_features(TEXT, ws, len(ws) - 1)
    assert first["BOS"] == 1.0 and "EOS" not in first and first["title"] == 1.0
    assert last["EOS"] == 1.0 and last["lower"] == "." and last["punct"] == 1.0
    alone = word_features("Fiebre", [(0, len("Fiebre"))], 0)
    assert alone["BOS"] == alone["EOS"] == 1.0


def test_window_and_affixes_settings_bound_the_features():
    f = word_features(TEXT, words(TEXT), 1, window=1, affixes=2)
    assert "+1:lower" in f and "+2:lower" not in f
    assert "suffix2" in f and "suffix3" not in f


# --- training and prediction on a small corpus --------------------------------------------

SMALL = [
    ("El paciente presenta fiebre alta.", [("paciente", "Concept"), ("presenta", "Action"), ("fiebre", "Concept"),
                                           ("alta", "Predicate")]),
    ("La insulina reduce la glucosa.", [("insulina", "Concept"), ("reduce", "Action"), ("glucosa", "Concept")]),
    ("Esta enfermedad afecta a los niños.", [("Esta", "Reference"), ("enfermedad", "Concept"),
                                             ("afecta", "Action"), ("niños", "Concept")]),
    ("El asma causa tos.", [("asma", "Concept"), ("causa", "Action"), ("tos", "Concept")]),
]


def small_docs() -> list[Document]:
    """A few documents written here, each entity found by its surface."""
    docs = []
    for n, (text, ents) in enumerate(SMALL):
        found = [entity(text.index(s), text.index(s) + len(s), label) for s, label in ents]
        docs.append(Document(f"d{n}", text, tuple(found)))
    return docs


def training_docs() -> list[Document]:
    """The sample corpus committed in data/sample (written for the project): it must load."""
    docs = load("sample")
    assert sum(bool(d.entities) for d in docs) >= 5, "data/sample holds too few annotated documents"
    return docs


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return training_docs()


@pytest.fixture(scope="module")
def model(docs) -> CrfModel:
    return train_crf(docs, CrfSettings(max_iterations=60))


def exact_f1(gold: list[Document], pred: list[list]) -> float:
    """Micro F1 of (fragments, label) pairs."""
    tp = fp = fn = 0
    for doc, ents in zip(gold, pred):
        g = {(e.fragments, e.label) for e in doc.entities}
        p = {(e.fragments, e.label) for e in ents}
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    return 2 * tp / max(2 * tp + fp + fn, 1)


def test_predictions_align_to_words_and_have_scores(model, docs):
    pred = model.predict([d.text for d in docs])
    assert len(pred) == len(docs) and any(pred)
    for doc, ents in zip(docs, pred):
        bounds = words(doc.text)
        starts, ends = {s for s, _ in bounds}, {e for _, e in bounds}
        for ent in ents:
            assert ent.label in LABELS
            assert 0 < ent.score <= 1
            assert all(s in starts and e in ends for s, e in ent.fragments)
    assert exact_f1(docs, pred) > 0.8  # it learned its own training data
    assert "O" in model.labels
    assert model.name == "crf"


def test_offsets_are_relative_to_the_whole_text(model):
    sentence = SMALL[0][0]
    alone = model.predict([sentence])[0]
    prefix = "Nota previa.\n\n  "
    later = [e for e in model.predict([prefix + sentence])[0] if e.start >= len(prefix)]
    assert alone and [e.shifted(len(prefix)) for e in alone] == later


def test_progress_reports_iterations_up_to_the_total():
    calls = []
    train_crf(small_docs(), CrfSettings(max_iterations=20), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (20, 20)
    assert len(calls) >= 2 and all(t == 20 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_an_exception_in_progress_stops_training():
    def stop(done: int, total: int) -> None:
        raise KeyboardInterrupt("cancelled")

    with pytest.raises(KeyboardInterrupt, match="cancelled"):
        train_crf(small_docs(), CrfSettings(max_iterations=20), progress=stop)


def test_training_without_annotated_documents_fails_clearly():
    unannotated = [Document("u", "El asma causa tos.", annotated=False), Document("e", "  ")]
    with pytest.raises(ValueError, match="no annotated document"):
        train_crf(unannotated)


def test_unannotated_documents_are_skipped():
    docs = small_docs() + [Document("u", "La fiebre reduce el asma.", annotated=False)]
    assert train_crf(docs, CrfSettings(max_iterations=30)).labels


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t \u00a0 ",
        "\u200b\u200b",
        "<p>El <b>paciente</b> presenta fiebre.</p><script>alert(1)</script>",
        "Ω αβγ 中文 🙂 \u0301e\u200bx \ufeff ½ ",
        "El asma causa tos. " * 400,
        "." * 50,
    ],
)
def test_odd_input_does_not_crash(model, text):
    (ents,) = model.predict([text])
    for ent in ents:
        assert 0 <= ent.start < ent.end <= len(text) and text[ent.start : ent.end].strip()
        assert 0 < ent.score <= 1


def test_predict_of_no_text_is_empty(model):
    assert model.predict([]) == []
    assert model.predict(["", " "]) == [[], []]


# --- saving and loading --------------------------------------------------------------------


def test_save_then_load_predicts_the_same(model, docs, tmp_path):
    model.save(tmp_path)
    info = json.loads((tmp_path / "crf.json").read_text(encoding="utf-8"))
    assert info["kind"] == "crf" and info["labels"] == model.labels
    assert info["settings"]["max_iterations"] == 60
    loaded = CrfModel.load(tmp_path)
    assert loaded.name == str(tmp_path) and loaded.settings == model.settings
    texts = [d.text for d in docs]
    before, after = model.predict(texts), loaded.predict(texts)
    assert after == before
    assert [[e.score for e in ents] for ents in after] == [[e.score for e in ents] for ents in before]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crf.json", "crf.model"]  # no temporary left


def test_save_needs_an_existing_folder(model, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        model.save(tmp_path / "missing")


@pytest.mark.parametrize("name", ["crf.model", "crf.json"])
def test_load_names_the_folder_when_a_file_is_missing(model, tmp_path, name):
    model.save(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(FileNotFoundError, match=name) as err:
        CrfModel.load(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_load_rejects_a_truncated_model(model, tmp_path):
    model.save(tmp_path)
    data = (tmp_path / "crf.model").read_bytes()
    (tmp_path / "crf.model").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="crf.model") as err:
        CrfModel.load(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_load_rejects_a_model_whose_bytes_changed(model, tmp_path):
    model.save(tmp_path)
    data = bytearray((tmp_path / "crf.model").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "crf.model").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        CrfModel.load(tmp_path)


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"kind": "transformer"}', '{"kind": "crf", "settings": 3}'])
def test_load_rejects_a_broken_description(model, tmp_path, content):
    model.save(tmp_path)
    (tmp_path / "crf.json").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="crf.json"):
        CrfModel.load(tmp_path)


def test_model_problem_checks_the_header(model):
    assert model_problem(model.data) is None
    assert "shorter" in model_problem(b"lCRF")
    assert "magic" in model_problem(b"x" * len(model.data))
    assert "truncated" in model_problem(model.data[:-1])
    with pytest.raises(ValueError, match="not a crfsuite model"):
        CrfModel(b"\0" * 100)


# --- the real corpus -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_model(real_corpus) -> tuple[CrfModel, float]:
    t0 = time.perf_counter()
    model = train_crf(load("train"))
    return model, time.perf_counter() - t0


def test_real_corpus_trains_fast_and_finds_test_entities(real_model):
    model, seconds = real_model
    test = load("test")
    pred = model.predict([d.text for d in test])
    f1 = exact_f1(test, pred)
    print(f"CRF: trained in {seconds:.1f} s, exact-match F1 on test {f1:.3f}")
    assert seconds < 60
    assert f1 >= 0.72


def test_real_corpus_official_f1_on_test(real_model):
    import ner.scoring as scoring
    model, _ = real_model
    test = load("test")
    pred = model.predict([d.text for d in test])
    result = scoring.score(test, [d.with_entities(ents) for d, ents in zip(test, pred)])
    print(f"CRF: official F1 on test {result['official']['f1']:.4f}")
    assert result["official"]["f1"] >= 0.77


def test_threads_sharing_a_model_get_the_same_predictions(model, docs):
    from concurrent.futures import ThreadPoolExecutor

    texts = [d.text for d in docs]
    expected = model.predict(texts)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: model.predict(texts), range(8)))
    assert all(r == expected for r in results)
