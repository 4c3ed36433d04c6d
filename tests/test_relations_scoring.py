"""Task B and scenario 1 scores: literal cases, then agreement with the organisers' scorer on perturbed predictions."""

from __future__ import annotations

import random
import re
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from ner import corpus
from ner.brat import read_brat, write_brat
from ner.entities import LABELS, Document, entity
from ner.relations.scoring import entity_map, match_relations, relation_agreement, relation_edits, score_relations
from ner.relations.triples import RELATIONS, triples, with_triples

TEXT = "El asma causa tos y la tos es un síntoma."
ASMA = entity(len("El "), len("El asma"), "Concept")
CAUSA = entity(len("El asma "), len("El asma causa"), "Action")
TOS = entity(len("El asma causa "), len("El asma causa tos"), "Concept")
TOS2 = entity(len("El asma causa tos y la "), len("El asma causa tos y la tos"), "Concept")
SINTOMA = entity(len(TEXT) - len("síntoma."), len(TEXT) - 1, "Concept")
ENTS = (ASMA, CAUSA, TOS, TOS2, SINTOMA)


def doc(*rels, ents=ENTS) -> Document:
    return with_triples(Document("s", TEXT, tuple(ents)), rels)


GOLD = doc(("subject", 1, 0), ("target", 1, 2), ("same-as", 2, 3), ("is-a", 3, 4))


def test_relations_read_as_triples_and_written_back_once():
    assert triples(GOLD) == [("subject", 1, 0), ("target", 1, 2), ("same-as", 2, 3), ("is-a", 3, 4)]
    twice = doc(("is-a", 3, 4), ("is-a", 3, 4), ("same-as", 2, 3), ("same-as", 3, 2))
    assert triples(twice) == [("is-a", 3, 4), ("same-as", 2, 3)]
    assert GOLD.relations[2].star and not GOLD.relations[0].star
    with pytest.raises(ValueError, match="unknown relation"):
        doc(("cures", 0, 1))
    with pytest.raises(ValueError, match="no such pair"):
        doc(("is-a", 0, 9))


def test_gold_against_itself_is_perfect_and_nothing_scores_zero():
    assert score_relations([GOLD], [GOLD])["official"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "correct": 4,
                                                           "missing": 0, "spurious": 0}
    empty = score_relations([GOLD], [doc()])["official"]
    assert (empty["f1"], empty["missing"], empty["spurious"]) == (0.0, 4, 0)


def test_same_as_counts_either_way_round_and_classes_stand_for_each_other():
    m = match_relations(GOLD, doc(("same-as", 3, 2), ("is-a", 2, 4), ("subject", 0, 1)))
    # same-as reversed: correct; is-a from tos (2) instead of tos (3): correct through the same-as class;
    # subject reversed: spurious, and the gold subject missing
    assert [p for _, p in m.correct] == [("same-as", 3, 2), ("is-a", 2, 4)]
    assert m.spurious == (("subject", 0, 1),) and ("subject", 1, 0) in m.missing


def test_an_entity_with_the_wrong_label_maps_nowhere_and_a_partial_one_maps():
    pred = (ASMA, replace(CAUSA, label="Predicate"), entity(TOS.start, TOS2.end, "Concept"), TOS2, SINTOMA)
    assert entity_map(GOLD, Document("s", TEXT, pred)) == {0: 0, 2: 2, 3: 3, 4: 4}
    m = match_relations(GOLD, doc(("subject", 1, 0), ("is-a", 2, 4), ents=pred))
    assert m.spurious == (("subject", 1, 0),) and [p for _, p in m.correct] == [("is-a", 2, 4)]


def test_relation_agreement_per_type_takes_the_first_annotator_as_gold():
    ben = replace(doc(("subject", 1, 0), ("target", 1, 3), ("same-as", 3, 2)), id="s")  # same-as either way round
    other = Document("t", "Nada.")
    rows = {r["label"]: r for r in relation_agreement([GOLD, other], [ben, other])}
    assert list(rows) == ["relations", "is-a", "same-as", "subject", "target"]
    assert {r["task"] for r in rows.values()} == {"relations"} and rows["relations"]["items"] == 2
    # target 1 → 3 reaches tos through its same-as class: right, as the official scorer counts it
    assert (rows["relations"]["correct"], rows["relations"]["missing"], rows["relations"]["spurious"]) == (3, 1, 0)
    assert rows["is-a"]["recall"] == 0 and rows["is-a"]["missing"] == 1 and rows["subject"]["f1"] == 1
    swapped = {r["label"]: r for r in relation_agreement([ben], [GOLD])}
    assert swapped["is-a"]["spurious"] == 1 and swapped["relations"]["precision"] == rows["relations"]["recall"]
    assert relation_agreement([Document("s", TEXT, ENTS)], [Document("s", TEXT, ENTS)]) == []  # nobody related



def test_relation_edits_count_what_a_person_adds_removes_and_relabels():
    assert relation_edits(GOLD, GOLD)["total"] == 0
    assert relation_edits(GOLD, doc()) == {"added": 4, "removed": 0, "relabelled": 0, "total": 4}
    # subject became in-context (one relabel), is-a is missing, a causes between asma and tos is extra
    shown = doc(("in-context", 1, 0), ("target", 1, 2), ("same-as", 2, 3), ("causes", 0, 2))
    assert relation_edits(GOLD, shown) == {"added": 1, "removed": 1, "relabelled": 1, "total": 3}
    # the suggestion's entities differ (no síntoma): the relation to it has to be added
    fewer = doc(("subject", 1, 0), ("target", 1, 2), ("same-as", 2, 3), ents=ENTS[:4])
    assert relation_edits(GOLD, fewer) == {"added": 1, "removed": 0, "relabelled": 0, "total": 1}



def test_scenario_one_adds_the_entity_counts_and_gives_each_part():
    pred = doc(("target", 1, 2), ents=(ASMA, CAUSA, TOS, TOS2))  # síntoma missing, 3 relations missing
    result = score_relations([GOLD], [pred], with_entities=True)
    assert result["entities"]["missing"] == 1 and result["relations"]["correct"] == 1
    o = result["official"]
    assert (o["correct"], o["missing"], o["spurious"]) == (4 + 1, 1 + 3, 0)
    assert o["recall"] == pytest.approx(5 / 9) and o["precision"] == 1.0
    assert set(result["per_type"]) == {"subject", "target", "same-as", "is-a"}
    assert result["per_type"]["target"]["f1"] == 1.0


# ---------------------------------------------------------------- agreement with the official scorer

WORD = re.compile(r"\S+")


def perturb(docs: list[Document], seed: int, entities: bool) -> list[Document]:
    """Predictions made from gold: relations dropped, relabelled, reversed, moved within a same-as class,
    added at random and repeated; with ``entities``, entities dropped, relabelled, widened and added too."""
    rng = random.Random(seed)
    out = []
    for d in docs:
        rels = triples(d)
        ents: list = list(d.entities)
        keep = list(range(len(ents)))
        if entities:
            for i, e in enumerate(ents):
                r = rng.random()
                if r < 0.15:
                    keep[i] = -1
                elif r < 0.25:
                    ents[i] = replace(e, label=rng.choice([x for x in LABELS if x != e.label]))
                elif r < 0.35:
                    words = [m.span() for m in WORD.finditer(d.text) if m.start() >= e.end]
                    if words:
                        ents[i] = entity(e.start, words[0][1], e.label)
            words = [m.span() for m in WORD.finditer(d.text)]
            ents += [entity(*rng.choice(words), rng.choice(LABELS)) for _ in range(rng.randint(0, 2))]
        index = {i: i for i in range(len(ents)) if i >= len(keep) or keep[i] >= 0}
        same = {a: b for k, a, b in rels if k == "same-as"} | {b: a for k, a, b in rels if k == "same-as"}
        found = []
        for kind, a, b in rels:
            r = rng.random()
            if r < 0.2:
                continue
            if r < 0.3:
                kind = rng.choice([k for k in RELATIONS if k != kind])
            elif r < 0.4:
                a, b = b, a
            elif r < 0.55 and a in same:
                a = same[a]
            found.append((kind, a, b))
            if rng.random() < 0.05:
                found.append((kind, a, b))
        pool = sorted(index)
        if len(pool) > 1:
            for _ in range(rng.randint(0, 2)):
                a, b = rng.sample(pool, 2)
                found.append((rng.choice(RELATIONS), a, b))
        ok = [(k, a, b) for k, a, b in found if a in index and b in index and a != b]
        kept = [e for i, e in enumerate(ents) if i in index]
        renumber = {old: new for new, old in enumerate(sorted(index))}
        out.append(with_triples(replace(d, entities=tuple(kept), relations=(), notes=()),
                                [(k, renumber[a], renumber[b]) for k, a, b in ok]))
    return out


def official(gold_txt: Path, pred_txt: Path, entities: bool) -> tuple[Counter, dict]:
    from ehealthkd.score import compute_metrics, subtaskA, subtaskB
    from ehealthkd.utils import Collection

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gold, submit = Collection().load(gold_txt), Collection().load(pred_txt)
    data = subtaskA(gold, submit)
    data.update(subtaskB(gold, submit, data))
    counts = Counter({k: len(v) for k, v in data.items()})
    return counts, compute_metrics(data, skipA=not entities)


@pytest.mark.parametrize(("split", "entities"), [("scenario3", False), ("scenario1", True), ("dev", True)])
def test_agrees_with_the_official_scorer(real_corpus, tmp_path, split, entities):
    gold = corpus.load(split)
    gold_txt = corpus.split_path(split)
    results = []
    for seed in range(4):
        pred_txt = write_brat(perturb(gold, seed, entities), tmp_path / f"{seed}" / "scenario.txt")
        pred = read_brat(pred_txt)  # as a user's files are scored
        theirs, metrics = official(gold_txt, pred_txt, entities)
        ours = score_relations(gold, pred, with_entities=entities)
        b = ours["relations"] if entities else ours["official"]
        assert (b["correct"], b["missing"], b["spurious"]) == (theirs["correct_B"], theirs["missing_B"],
                                                              theirs["spurious_B"]), seed
        if entities:
            a = ours["entities"]
            assert [a[k] for k in ("correct", "incorrect", "partial", "missing", "spurious")] == [
                theirs[f"{k}_A"] for k in ("correct", "incorrect", "partial", "missing", "spurious")]
        for k in ("precision", "recall", "f1"):
            assert ours["official"][k] == pytest.approx(metrics[k], abs=1e-9), (seed, k)
        results.append(b)
    # the perturbations reach every case, so the comparison means something
    assert all(r["correct"] and r["missing"] and r["spurious"] for r in results)
    assert score_relations(gold, gold, with_entities=entities)["official"]["f1"] == 1.0
