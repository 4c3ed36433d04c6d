"""Scoring: literal examples of each official category, nervaluate's spans, and agreement with the official scorer;
agreement between two annotators."""

from __future__ import annotations

import json
import random
import re
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from ner import corpus
from ner.brat import write_brat
from ner.entities import LABELS, Document, Entity, entity
from ner.export import export_brat
from ner.scoring import (
    DocumentMatch,
    agreement,
    correction_edits,
    format_table,
    match_document,
    nervaluate_scores,
    official_fragments,
    official_per_label,
    official_score,
    score,
)
from ner.store import Store

TEXT = "El paciente presenta artritis reumatoide y fiebre alta desde ayer."
OTHER = "La tos seca dura una semana."

PACIENTE = entity(len("El "), len("El paciente"), "Concept")
PRESENTA = entity(len("El paciente "), len("El paciente presenta"), "Action")
ARTRITIS = Entity(((len("El paciente presenta "), len("El paciente presenta artritis")),
                   (len("El paciente presenta artritis "), len("El paciente presenta artritis reumatoide"))), "Concept")
FIEBRE_ALTA = entity(len("El paciente presenta artritis reumatoide y "),
                     len("El paciente presenta artritis reumatoide y fiebre alta"), "Concept")
FIEBRE = entity(FIEBRE_ALTA.start, FIEBRE_ALTA.start + len("fiebre"), "Concept")
AYER = entity(len(TEXT) - len("ayer."), len(TEXT) - len("."), "Concept")


def doc(text: str, *ents: Entity, annotated: bool = True) -> Document:
    """A document with ``ents`` kept in the given order."""
    return Document(id="t/1", text=text, entities=tuple(ents), annotated=annotated)


# --- official fragments and matching -----------------------------------------------------


def test_a_lone_fragment_is_cut_at_spaces_like_the_official_loader():
    start = FIEBRE_ALTA.start
    assert official_fragments(FIEBRE_ALTA, TEXT) == ((start, start + len("fiebre")),
                                                     (start + len("fiebre "), start + len("fiebre alta")))
    assert official_fragments(ARTRITIS, TEXT) == ARTRITIS.fragments
    assert official_fragments(entity(0, len("a  b"), "Concept"), "a  b") == ((0, 1), (2, 2), (3, 4))


def test_one_span_prediction_equals_gold_fragments():
    merged = entity(ARTRITIS.start, ARTRITIS.end, "Concept")
    m = match_document(doc(TEXT, ARTRITIS), doc(TEXT, merged))
    assert m == DocumentMatch(correct=((ARTRITIS, merged),))


def test_gold_against_itself_is_perfect():
    gold = [doc(TEXT, PACIENTE, PRESENTA, ARTRITIS, FIEBRE_ALTA), doc(OTHER, entity(3, 6, "Concept"))]
    result = score(gold, gold)
    assert result["official"] == {"correct": 5, "incorrect": 0, "partial": 0, "missing": 0, "spurious": 0,
                                       "incorrect_pred": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert all(result["nervaluate"][s]["f1"] == 1.0 for s in ("strict", "exact", "partial", "ent_type"))
    assert result["sentences"] == 2


def test_each_category_once():
    relabelled = replace(PRESENTA, label="Predicate")
    y = len("El paciente presenta artritis reumatoide ")
    spurious = entity(y, y + len("y"), "Predicate")
    gold = doc(TEXT, PACIENTE, PRESENTA, FIEBRE_ALTA, AYER)
    pred = doc(TEXT, PACIENTE, relabelled, FIEBRE, spurious)
    m = match_document(gold, pred)
    assert m == DocumentMatch(
        correct=((PACIENTE, PACIENTE),), incorrect=((PRESENTA, relabelled),), partial=((FIEBRE_ALTA, FIEBRE),),
        missing=(AYER,), spurious=(spurious,),
    )
    s = official_score([gold], [pred])
    assert (s.correct, s.incorrect, s.partial, s.missing, s.spurious) == (1, 1, 1, 1, 1)
    assert s.precision == pytest.approx((1 + 0.5) / 4) and s.recall == pytest.approx((1 + 0.5) / 4)
    assert s.f1 == pytest.approx(0.375)


def test_partial_needs_the_same_label():
    action = replace(FIEBRE, label="Action")
    m = match_document(doc(TEXT, FIEBRE_ALTA), doc(TEXT, action))
    assert m == DocumentMatch(missing=(FIEBRE_ALTA,), spurious=(action,))


def test_partial_is_greedy_and_takes_the_first_remaining_gold():
    alta = entity(FIEBRE_ALTA.end - len("alta"), FIEBRE_ALTA.end, "Concept")
    m = match_document(doc(TEXT, FIEBRE, FIEBRE_ALTA), doc(TEXT, alta, FIEBRE_ALTA))
    # FIEBRE_ALTA is correct first; then "alta" overlaps no remaining gold ("fiebre" ends before it)
    assert m == DocumentMatch(correct=((FIEBRE_ALTA, FIEBRE_ALTA),), missing=(FIEBRE,), spurious=(alta,))
    both = entity(FIEBRE.start, FIEBRE_ALTA.end + len(" desde"), "Concept")
    m = match_document(doc(TEXT, FIEBRE, FIEBRE_ALTA), doc(TEXT, both))
    assert m == DocumentMatch(partial=((FIEBRE, both),), missing=(FIEBRE_ALTA,))


def test_the_first_gold_with_the_same_fragments_decides():
    action = replace(PRESENTA, label="Action")
    concept = replace(PRESENTA, label="Concept")
    m = match_document(doc(TEXT, action, concept), doc(TEXT, concept))
    assert m == DocumentMatch(incorrect=((action, concept),), missing=(concept,))
    m = match_document(doc(TEXT, concept, action), doc(TEXT, concept))
    assert m == DocumentMatch(correct=((concept, concept),), missing=(action,))


def test_where_the_official_scorer_fails_an_assertion_both_are_correct(tmp_path):
    action, concept = replace(PRESENTA, label="Action"), replace(PRESENTA, label="Concept")
    gold, pred = [doc(TEXT, action, concept)], [doc(TEXT, concept, action)]
    # "Concept" first meets gold "Action" (no match), "Action" takes it; then "Concept" meets
    # gold "Concept" in the incorrect step, where the official scorer asserts the labels differ
    assert match_document(gold[0], pred[0]) == DocumentMatch(correct=((action, action), (concept, concept)))
    official_gold = official_load(write_brat(gold, tmp_path / "gold" / "scenario.txt"))
    with pytest.raises(AssertionError):
        official_result(official_gold, write_brat(pred, tmp_path / "pred" / "scenario.txt"))


def test_unannotated_and_empty_gold_sentences_are_skipped():
    gold = [doc(TEXT, PACIENTE), doc(OTHER, annotated=False), doc(OTHER)]
    pred = [doc(TEXT, PACIENTE), doc(OTHER, entity(3, 6, "Concept")), doc(OTHER, entity(3, 6, "Concept"))]
    result = score(gold, pred)
    assert result["sentences"] == 1
    assert result["official"]["spurious"] == 0 and result["official"]["f1"] == 1.0
    assert result["nervaluate"]["strict"]["spurious"] == 0


def test_nothing_to_score_gives_zeros():
    result = score([], [])
    assert result["sentences"] == 0 and result["official"]["f1"] == 0.0
    assert result["nervaluate"]["strict"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "correct": 0,
                                              "incorrect": 0, "partial": 0, "missing": 0, "spurious": 0}


def test_per_label_incorrect_counts_in_gold_recall_and_predicted_precision():
    as_action = replace(PACIENTE, label="Action")
    per = official_per_label([doc(TEXT, PACIENTE, PRESENTA)], [doc(TEXT, as_action, PRESENTA)])
    assert (per["Concept"].incorrect, per["Concept"].incorrect_pred) == (1, 0)
    assert (per["Action"].incorrect, per["Action"].incorrect_pred) == (0, 1)
    assert per["Concept"].recall == 0.0 and per["Concept"].precision == 0.0  # no Concept predicted at all
    assert per["Action"].recall == 1.0 and per["Action"].precision == pytest.approx(1 / 2)
    assert per["Predicate"].f1 == 0.0 and set(per) == set(LABELS)


def test_unknown_predicted_label_is_spurious_and_listed():
    odd = replace(PACIENTE, label="Drug")
    result = score([doc(TEXT, PACIENTE)], [doc(TEXT, odd)])
    assert result["official"]["incorrect"] == 1
    assert result["per_type"]["Drug"]["official"]["incorrect_pred"] == 1
    assert result["nervaluate"]["ent_type"]["incorrect"] == 1  # not dropped by nervaluate's tag filter


# --- alignment ---------------------------------------------------------------------------------


def test_a_different_text_names_the_line():
    gold = [doc(TEXT), doc(OTHER, entity(3, 6, "Concept")), doc(TEXT)]
    pred = [doc(TEXT), doc(OTHER.replace("seca", "SECA")), doc(TEXT)]
    with pytest.raises(ValueError, match=r"line 2\b.*seca.*SECA"):
        score(gold, pred)


def test_a_different_length_names_the_first_missing_line():
    with pytest.raises(ValueError, match=r"line 3\b.*gold has 3 lines, the prediction 2"):
        official_score([doc(TEXT), doc(OTHER), doc(TEXT)], [doc(TEXT), doc(OTHER)])


# --- nervaluate --------------------------------------------------------------------------------


def test_nervaluate_adjacent_entities_do_not_overlap():
    text = "VIH/SIDA"
    gold, pred = doc(text, entity(0, len("VIH"), "Concept")), doc(text, entity(len("VIH"), len(text), "Concept"))
    partial = nervaluate_scores([gold], [pred])["overall"]["partial"]
    assert (partial["partial"], partial["missing"], partial["spurious"]) == (0, 1, 1)


def test_nervaluate_takes_a_multi_fragment_entity_whole():
    merged = entity(ARTRITIS.start, ARTRITIS.end, "Concept")
    strict = nervaluate_scores([doc(TEXT, ARTRITIS)], [doc(TEXT, merged)])["overall"]["strict"]
    assert strict["correct"] == 1 and strict["f1"] == 1.0
    shorter = entity(ARTRITIS.start, ARTRITIS.end - 1, "Concept")
    per = nervaluate_scores([doc(TEXT, ARTRITIS)], [doc(TEXT, shorter)])["per_type"]["Concept"]
    assert per["strict"]["incorrect"] == 1 and per["partial"]["partial"] == 1


def test_score_is_json_ready_and_the_table_shows_it():
    gold, pred = [doc(TEXT, PACIENTE, FIEBRE_ALTA)], [doc(TEXT, PACIENTE, FIEBRE)]
    result = score(gold, pred)
    assert json.loads(json.dumps(result)) == result
    assert set(result["per_type"]["Concept"]["nervaluate"]) == {"strict", "exact", "partial", "ent_type"}
    table = format_table(result)
    assert "1 sentences" in table
    assert re.search(r"^all\s+0\.7500\s+0\.7500\s+0\.7500\s+1\s+0\s+0\s+1\s+0\s+0$", table, re.M)
    assert re.search(r"^strict\s+0\.5000\s+0\.5000\s+0\.5000", table, re.M)


# --- agreement with the official scorer (ehealthkd package) -----------------------------------

WORD = re.compile(r"\S+")


def moved_boundary(e: Entity, text: str, rng: random.Random) -> Entity:
    """``e`` as one span, one boundary moved by a word (out or in)."""
    words = [m.span() for m in WORD.finditer(text)]
    options = []
    nxt = [w for w in words if w[0] >= e.end]
    prv = [w for w in words if w[1] <= e.start]
    inner = text.rfind(" ", e.start, e.end)
    if nxt:
        options.append((e.start, nxt[0][1]))
    if prv:
        options.append((prv[-1][0], e.end))
    if inner > e.start:
        options.append((e.start, inner))
        options.append((text.find(" ", e.start, e.end) + 1, e.end))
    if not options:
        return e
    return entity(*rng.choice(options), e.label)


def perturb(docs: list[Document], kind: str, seed: int) -> list[Document]:
    """A prediction made from gold ``docs``; entity order is kept as built (not re-sorted)."""
    rng = random.Random(seed)
    kinds = ["drop", "relabel", "shift", "merge", "spurious", "shuffle"] if kind == "mixed" else [kind]
    out = []
    for d in docs:
        ents = list(d.entities)
        for k in kinds:
            if k == "drop":
                ents = [e for e in ents if rng.random() > 0.3]
            elif k == "relabel":
                ents = [replace(e, label=rng.choice([x for x in LABELS if x != e.label])) if rng.random() < 0.3 else e
                        for e in ents]
            elif k == "shift":
                ents = [moved_boundary(e, d.text, rng) if rng.random() < 0.4 else e for e in ents]
            elif k == "merge":
                ents = [entity(e.start, e.end, e.label) if len(e.fragments) > 1 else e for e in ents]
            elif k == "spurious":
                words = [m.span() for m in WORD.finditer(d.text)]
                ents += [entity(*rng.choice(words), rng.choice(LABELS)) for _ in range(rng.randint(0, 2))]
            elif k == "shuffle":
                ents += [replace(e, label=rng.choice(LABELS)) for e in ents if rng.random() < 0.2]  # same spans twice
                rng.shuffle(ents)
            elif k == "empty":
                ents = []
        out.append(replace(d, entities=tuple(ents), relations=(), notes=()))
    return out


def official_load(txt: Path):
    """A BRAT file read by the official scorer's loader."""
    from ehealthkd.utils import Collection

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Collection().load(txt)


def official_result(gold, pred_txt: Path) -> tuple[dict, dict]:
    """The official scorer's Task A matches and metrics, in process (``gold`` already loaded)."""
    from ehealthkd.score import compute_metrics, subtaskA

    submit = official_load(pred_txt)
    data = subtaskA(gold, submit)
    index = {id(s): i for c in (gold, submit) for i, s in enumerate(c.sentences)}

    def key(k):
        return index[id(k.sentence)], tuple(k.spans), k.label

    pairs = {kind: Counter(key(g) + key(p)[1:] for p, g in data[f"{kind}_A"].items())
             for kind in ("correct", "incorrect", "partial")}
    singles = {kind: Counter(key(k) for k in data[f"{kind}_A"]) for kind in ("missing", "spurious")}
    return pairs | singles, compute_metrics(data, skipB=True)


def our_matches(gold: list[Document], pred: list[Document]) -> dict:
    """Our matches in the shape of :func:`official_result`'s."""
    found: dict[str, Counter] = {kind: Counter() for kind in ("correct", "incorrect", "partial", "missing", "spurious")}
    for i, (g, p) in enumerate(zip(gold, pred)):
        if not (g.annotated and g.entities):
            continue
        m = match_document(g, p)

        def key(e: Entity, text: str = g.text, i: int = i) -> tuple:
            return i, official_fragments(e, text), e.label

        for kind in ("correct", "incorrect", "partial"):
            found[kind].update(key(ge) + key(pe)[1:] for ge, pe in getattr(m, kind))
        found["missing"].update(key(e) for e in m.missing)
        found["spurious"].update(key(e) for e in m.spurious)
    return found


def assert_agrees(official_gold, gold: list[Document], pred: list[Document], tmp_path: Path, name: str) -> dict:
    """Write ``pred``, run the official scorer, and compare matches, counts and figures with ours."""
    pred_txt = write_brat(pred, tmp_path / name / "scenario.txt")
    theirs, metrics = official_result(official_gold, pred_txt)
    ours = official_score(gold, pred).as_dict()
    assert our_matches(gold, pred) == theirs, name
    assert {k: ours[k] for k in theirs} == {k: sum(v.values()) for k, v in theirs.items()}, name
    for k in ("precision", "recall", "f1"):
        assert ours[k] == pytest.approx(metrics[k], abs=1e-4), (name, k)
    return ours


@pytest.mark.parametrize("split", ["test", "dev"])
def test_agrees_with_the_official_scorer(real_corpus, tmp_path, split):
    gold = corpus.load(split)
    # a gold with some lines left unannotated, which both scorers must skip
    holes = [replace(d, entities=(), relations=(), notes=(), annotated=False) if i % 9 == 4 else d
             for i, d in enumerate(gold)]
    cases = [(gold, "gold"), (holes, "holes")]
    results = {}
    for gold_docs, gold_name in cases:
        official_gold = official_load(write_brat(gold_docs, tmp_path / f"gold-{gold_name}" / "scenario.txt"))
        kinds = ["drop", "relabel", "shift", "merge", "spurious", "shuffle", "empty", "mixed"]
        for seed, kind in enumerate(kinds if gold_name == "gold" else ["mixed"]):
            name = f"{gold_name}-{kind}"
            results[name] = assert_agrees(official_gold, gold_docs, perturb(gold, kind, seed), tmp_path, name)
    # the perturbations reach every category, so the comparison means something
    assert results["gold-mixed"]["partial"] > 0 and results["gold-mixed"]["incorrect"] > 0
    spaced = sum(all(d.text[a[1]:b[0]] == " " for a, b in zip(e.fragments, e.fragments[1:]))
                 for d in gold for e in d.entities)  # fragments one space apart: merging them changes nothing
    merge = results["gold-merge"]
    assert merge["correct"] == spaced and merge["correct"] + merge["partial"] == sum(len(d.entities) for d in gold)
    assert results["gold-empty"]["f1"] == 0.0 and results["holes-mixed"]["spurious"] > 0
    # and once against the organisers' own gold file
    assert_agrees(official_load(corpus.split_path(split)), gold, perturb(gold, "mixed", 99), tmp_path, "original")


# --- the edits a correction takes ------------------------------------------------------------


def test_correction_edits_count_each_kind_once():
    gold = doc(TEXT, PACIENTE, PRESENTA, ARTRITIS, FIEBRE_ALTA)
    suggestion = doc(TEXT, replace(PRESENTA, label="Concept"), ARTRITIS, FIEBRE, AYER)
    # paciente added, presenta relabelled, fiebre -> fiebre alta moved, ayer removed
    assert correction_edits(gold, suggestion) == {"added": 1, "removed": 1, "relabelled": 1, "boundaries": 1,
                                                  "total": 4}
    assert correction_edits(gold, gold)["total"] == 0
    assert correction_edits(gold, doc(TEXT)) == {"added": 4, "removed": 0, "relabelled": 0, "boundaries": 0,
                                                 "total": 4}


# --- agreement between two annotators (A as gold, B as the prediction) ------------------

ASMA = "El asma es una enfermedad crónica de los pulmones."
CANCER = "El cáncer de mama y de pulmón se trata con cirugía."
FIEBRE_ES = "La fiebre\u00a0alta dura\u200b dos días."
NADA = "Nada que decir aquí."


def ent(text: str, *words: str, label: str = "Concept") -> Entity:
    """An entity with one fragment per word given (each word's first occurrence in ``text``)."""
    return Entity(tuple((text.index(w), text.index(w) + len(w)) for w in words), label)


def said(doc_id: str, text: str, *ents: Entity) -> Document:
    """An annotator's document: ``ents`` on ``text`` under the id ``doc_id``."""
    return Document(doc_id, text, tuple(sorted(ents)))


AGREED = [
    said("d1", ASMA, ent(ASMA, "asma"), ent(ASMA, "enfermedad", "crónica"),
         ent(ASMA, "pulmones")),
    said("d2", CANCER, ent(CANCER, "cáncer", "de", "mama"), ent(CANCER, "cáncer", "pulmón"),
         ent(CANCER, "trata", label="Action"), ent(CANCER, "cirugía")),
    said("d3", FIEBRE_ES, ent(FIEBRE_ES, "fiebre"), ent(FIEBRE_ES, "dura", label="Action"),
         ent(FIEBRE_ES, "dos", "días", label="Predicate")),
    said("d4", NADA),
]


def test_agreement_with_oneself_is_full_and_unused_labels_are_none():
    rows = {r["label"]: r for r in agreement(AGREED, AGREED)}
    assert list(rows) == ["overall", "Concept", "Action", "Predicate", "Reference"]
    assert rows["overall"]["items"] == 4
    assert all(rows[label]["f1"] == 1.0 for label in ("overall", "Concept", "Action", "Predicate"))
    assert [rows["Reference"][k] for k in ("precision", "recall", "f1")] == [None, None, None]  # neither used it


def test_agreement_counts_like_the_official_scorer(tmp_path):
    a = [
        said("d1", ASMA, ent(ASMA, "asma"), ent(ASMA, "enfermedad", "crónica"), ent(ASMA, "pulmones")),
        said("d2", NADA),
        said("only-a", FIEBRE_ES, ent(FIEBRE_ES, "fiebre")),
    ]
    b = [
        # asma: correct; enfermedad: partial; pulmones: incorrect label; es: spurious
        said(
            "d1",
            ASMA,
            ent(ASMA, "asma"),
            ent(ASMA, "enfermedad"),
            ent(ASMA, "pulmones", label="Action"),
            ent(ASMA, "es", label="Action"),
        ),
        said("d2", NADA),
    ]
    rows = {r["label"]: r for r in agreement(a, b)}
    overall = rows["overall"]
    assert overall["items"] == 2
    # the organisers' scorer (ehealthkd), run on the same two documents written as BRAT
    from ehealthkd.score import subtaskA
    from ehealthkd.utils import Collection

    gold, submit = export_brat(a[:2], tmp_path / "a"), export_brat(b, tmp_path / "b")
    official = subtaskA(Collection().load(gold), Collection().load(submit))
    kinds = ("correct", "incorrect", "partial", "missing", "spurious")
    assert [overall[k] for k in kinds] == [len(official[f"{k}_A"]) for k in kinds] == [1, 1, 1, 0, 1]
    assert overall["recall"] == pytest.approx(1.5 / 3)
    assert overall["precision"] == pytest.approx(1.5 / 4)
    assert overall["f1"] == pytest.approx(2 * 0.5 * 0.375 / 0.875)
    # per label as the official per-label score counts: "pulmones" is a Concept B called Action
    concept, action = rows["Concept"], rows["Action"]
    assert [concept[k] for k in ("correct", "incorrect", "partial", "missing", "spurious", "incorrect_pred")] == [
        1, 1, 1, 0, 0, 0]
    assert [action[k] for k in ("correct", "incorrect", "partial", "missing", "spurious", "incorrect_pred")] == [
        0, 0, 0, 0, 1, 1]
    assert concept["recall"] == pytest.approx(1.5 / 3) and concept["precision"] == pytest.approx(1.5 / 2)
    assert (action["precision"], action["recall"], action["f1"]) == (0.0, 0.0, 0.0)
    assert rows["Predicate"]["f1"] is None and rows["Reference"]["f1"] is None  # neither used them
    swapped = {r["label"]: r for r in agreement(b, a)}["overall"]
    assert (swapped["precision"], swapped["recall"]) == (overall["recall"], overall["precision"])


ARTRITIS_TEXT = "Tiene artritis reumatoide."


def test_agreement_compares_a_span_with_its_pieces_as_the_official_scorer_does():
    # A wrote the corpus's two fragments, B one span over both words: the official scorer
    # cuts B's span at the space, so this is correct (a plain overlap test said partial)
    a = [said("d", ARTRITIS_TEXT, ent(ARTRITIS_TEXT, "artritis", "reumatoide"))]
    b = [said("d", ARTRITIS_TEXT, entity(len("Tiene "), len("Tiene artritis reumatoide"), "Concept"))]
    overall = agreement(a, b)[0]
    assert (overall["correct"], overall["partial"], overall["f1"]) == (1, 0, 1.0)


def test_agreement_takes_the_first_gold_entity_with_the_same_fragments():
    # A gave "artritis" two labels; B's Concept meets A's Action first (entities sort by label),
    # which the official rules count as incorrect, leaving A's Concept missing
    a = [said("d", ARTRITIS_TEXT, ent(ARTRITIS_TEXT, "artritis"), ent(ARTRITIS_TEXT, "artritis", label="Action"))]
    b = [said("d", ARTRITIS_TEXT, ent(ARTRITIS_TEXT, "artritis"))]
    overall = agreement(a, b)[0]
    assert [overall[k] for k in ("correct", "incorrect", "missing", "spurious")] == [0, 1, 1, 0]


def test_agreement_without_any_entity_is_none_not_full():
    rows = agreement([said("d", NADA)], [said("d", NADA)])
    assert rows[0]["items"] == 1 and all(r["f1"] is None and r["precision"] is None for r in rows)


def test_agreement_counts_what_b_found_where_a_found_nothing():
    overall = agreement([said("d", ASMA)], [said("d", ASMA, ent(ASMA, "asma"))])[0]
    assert (overall["spurious"], overall["precision"], overall["f1"]) == (1, 0.0, 0.0)


def test_agreement_refuses_different_texts_under_one_id():
    with pytest.raises(ValueError, match="d1"):
        agreement([said("d1", ASMA)], [said("d1", NADA)])


def test_agreement_counts_an_item_one_accepted_and_the_other_rejected():
    a = [said("d1", ASMA, ent(ASMA, "asma")), said("d2", NADA, ent(NADA, "Nada")), said("d3", CANCER)]
    b = [said("d1", ASMA, ent(ASMA, "asma")), said("d2", NADA, ent(NADA, "Nada")),
         said("d3", CANCER, ent(CANCER, "cáncer"))]
    # A rejected d2 (its answer still held an entity: a rejection keeps none) and d3; B accepted all three
    rows = {r["label"]: r for r in agreement(a, b, rejected_a={"d2", "d3"})}
    overall = rows["overall"]
    assert (overall["items"], overall["accept_vs_reject"]) == (3, 2)
    assert (overall["correct"], overall["missing"], overall["spurious"]) == (1, 0, 2)
    assert overall["precision"] == pytest.approx(1 / 3) and overall["recall"] == 1.0
    accepted_alike = {r["label"]: r for r in agreement(a, b)}["overall"]
    assert accepted_alike["accept_vs_reject"] == 0 and accepted_alike["kappa"] > overall["kappa"]
    # both rejected: they agree, whatever entities the answers held
    both = agreement(a[1:2], b[1:2], rejected_a={"d2"}, rejected_b={"d2"})[0]
    assert (both["items"], both["accept_vs_reject"], both["spurious"], both["missing"]) == (1, 0, 0, 0)


def test_agreement_gives_cohens_kappa_over_words_beside_the_f1():
    # ASMA has 10 words; A marks asma and pulmones, B asma only: p_o = 9/10, p_e = (8·9 + 2·1) / 100
    a = [said("d1", ASMA, ent(ASMA, "asma"), ent(ASMA, "pulmones"))]
    b = [said("d1", ASMA, ent(ASMA, "asma"))]
    rows = {r["label"]: r for r in agreement(a, b)}
    expected = (9 / 10 - 74 / 100) / (1 - 74 / 100)
    assert rows["overall"]["kappa"] == pytest.approx(expected) and rows["overall"]["f1"] == pytest.approx(2 / 3)
    assert rows["Concept"]["kappa"] == pytest.approx(expected)
    assert rows["Action"]["kappa"] is None  # neither used it, like its F1
    assert {r["label"]: r["kappa"] for r in agreement(AGREED, AGREED)}["overall"] == 1.0


def test_store_answers_to_agreement(tmp_path):
    with Store(tmp_path / "annotations.db") as store:
        ids = store.add_documents("demo", [ASMA, NADA])
        store.save_answer(ids[0], "ana", "accepted", [ent(ASMA, "asma")])
        store.save_answer(ids[0], "bob", "accepted", [ent(ASMA, "asma"), ent(ASMA, "pulmones")])
        store.save_answer(ids[1], "ana", "accepted", [])
        rows = agreement(store.latest_answers("ana"), store.latest_answers("bob"))
    assert rows[0]["items"] == 1
    assert (rows[0]["correct"], rows[0]["spurious"]) == (1, 1)
