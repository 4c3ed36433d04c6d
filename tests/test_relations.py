"""Relation models: candidate pairs and features (literals), the baseline and the (tiny, real) transformer."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ner import corpus
from ner.entities import Document, entity
from ner.relations.baseline import BaselineSettings, PairClassifier, train_baseline
from ner.relations.models import load_relation_model, relation_kind
from ner.relations.pairs import NONE, candidates, decide, pair_features, pair_labels
from ner.relations.scoring import score_relations
from ner.relations.triples import triples, with_triples

TEXT = "El asma causa tos seca."
ASMA = entity(len("El "), len("El asma"), "Concept")
CAUSA = entity(len("El asma "), len("El asma causa"), "Action")
TOS = entity(len("El asma causa "), len("El asma causa tos seca"), "Concept")
DOC = with_triples(Document("s", TEXT, (ASMA, CAUSA, TOS)), [("subject", 1, 0), ("target", 1, 2), ("same-as", 0, 2)])


def test_every_ordered_pair_is_a_candidate_and_same_as_labels_both_orders():
    assert candidates(DOC) == [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)]
    assert pair_labels(DOC) == {(1, 0): "subject", (1, 2): "target", (0, 2): "same-as", (2, 0): "same-as"}
    assert candidates(Document("s", TEXT, (ASMA,))) == []


def test_a_pair_is_related_when_its_likeliest_kind_reaches_the_threshold():
    classes = (NONE, "is-a", "same-as")
    probs = {(0, 1): [0.5, 0.4, 0.1], (1, 0): [0.9, 0.05, 0.05], (0, 2): [0.3, 0.1, 0.6]}
    assert decide(classes, probs, 0.35) == {("is-a", 0, 1): 0.4, ("same-as", 0, 2): 0.6}
    assert decide(classes, probs, 0.5) == {("same-as", 0, 2): 0.6}
    kept = with_triples(Document("s", TEXT, (ASMA, CAUSA, TOS)), decide(classes, probs, 0.35))
    assert [r.score for r in kept.relations] == [0.4, 0.6]  # kept beside each relation, not written to BRAT


def test_pair_features_say_labels_order_distance_and_the_words_between():
    f = pair_features(DOC, 1, 2)
    assert {"a=Action", "b=Concept", "ab=Action|Concept", "order=ab", "adjacent", "b.head=seca", "b.first=tos",
            "a.head=causa"} <= set(f)
    g = pair_features(DOC, 2, 0)
    assert {"order=ba", "between=causa", "dist=1", "entities.between=1", "labels.between=Action"} <= set(g)


def test_the_baseline_learns_from_the_sample_and_reads_back_the_same(tmp_path):
    sample = corpus.load("sample")
    model = train_baseline(sample, BaselineSettings(threshold=0.3))
    found = model.predict(sample)
    assert score_relations(sample, found)["official"]["f1"] > 0.5  # its own training data
    assert all(d.entities == s.entities for d, s in zip(found, sample))
    model.save(tmp_path)
    assert relation_kind(tmp_path) == "relations-baseline"
    again = load_relation_model(tmp_path)
    assert [triples(d) for d in again.predict(sample)] == [triples(d) for d in found]
    raw = bytearray((tmp_path / "relations.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (tmp_path / "relations.npz").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="checksum"):
        PairClassifier.load(tmp_path)


def test_the_baseline_refuses_documents_without_relations():
    with pytest.raises(ValueError, match="no relation"):
        train_baseline([Document("s", TEXT, (ASMA, CAUSA))])
    with pytest.raises(ValueError, match="do not fit"):
        PairClassifier(["none", "is-a"], ["f"], np.zeros((2, 2)), np.zeros(2))


def test_no_relation_model_in_a_folder_is_said(tmp_path):
    assert relation_kind(tmp_path) is None
    with pytest.raises(ValueError, match="no relation model"):
        load_relation_model(tmp_path)


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory):
    from ner.relations.transformer import RelationSettings, train_relation_model

    out = tmp_path_factory.mktemp("relations-tiny")
    epochs = []
    sample = corpus.load("sample")
    metrics = train_relation_model(tiny_base, sample, sample, out, RelationSettings(epochs=2, batch_size=8),
                                   on_epoch=lambda e, f1, t: epochs.append((e, f1, t)))
    return out, metrics, epochs


def test_the_transformer_trains_with_the_trainer_and_keeps_its_best_epoch(trained):
    out, metrics, epochs = trained
    assert [e for e, _, _ in epochs] == [1, 2] and metrics["best_epoch"] in (1, 2)
    assert metrics["best_dev_f1"] == max(f for _, f, _ in epochs)
    assert {p.name for p in Path(out).iterdir()} >= {"relations.json", "head.safetensors", "config.json"}
    assert not (Path(out) / ".trainer").exists()
    assert relation_kind(out) == "relations-transformer"


def test_the_transformer_reads_back_and_predicts_the_same(trained):
    from ner.relations.transformer import RelationPredictor

    out, _, _ = trained
    sample = corpus.load("sample")
    first = RelationPredictor.load(out, device="cpu")
    again = load_relation_model(out, device="cpu")
    a, b = first.probabilities(sample[:5]), again.probabilities(sample[:5])
    assert all(np.allclose(a[k][pair], b[k][pair], atol=1e-5) for k in range(5) for pair in a[k])
    assert [len(p) for p in a] == [len(candidates(d)) for d in sample[:5]]
    assert all(abs(float(v.sum()) - 1) < 1e-4 for p in a for v in p.values())


def test_an_entity_beyond_the_model_s_length_relates_to_nothing(trained):
    from ner.relations.transformer import RelationPredictor

    out, _, _ = trained
    model = RelationPredictor.load(out, device="cpu")
    model.max_length = 8
    long = " ".join(["palabra"] * 30) + " asma tos"
    start = len(long) - len("asma tos")
    doc = Document("x", long, (entity(0, len("palabra"), "Concept"), entity(start, start + 4, "Concept"),
                               entity(start + 5, start + 8, "Concept")))
    probs = model.probabilities([doc])[0]
    assert all(probs[pair][0] == 1.0 for pair in probs if 1 in pair or 2 in pair)


@pytest.mark.slow
def test_the_cli_trains_evaluates_and_predicts_relations(tmp_path, real_corpus):
    import json
    import os
    import subprocess
    import sys

    env = os.environ | {"NER_CHECKPOINTS_DIR": str(tmp_path / "ck")}
    cli = [sys.executable, "-m", "ner"]

    def run(*args: str) -> str:
        done = subprocess.run([*cli, *args], capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent)
        assert done.returncode == 0, done.stderr
        return done.stdout

    small = ("--dev-split", "sample", "--eval-splits", "sample")  # the scores that matter are those of evaluate
    run("train", "--base-model", "crf", "--run-name", "ents", "--train-split", "sample", *small)
    run("train", "--task", "relations", "--base-model", "crf", "--run-name", "rels", "--entity-model",
        str(tmp_path / "ck" / "ents"), *small)
    task_b = json.loads(run("evaluate", "--model", "rels", "--split", "scenario3", "--json"))  # a run name will do
    assert set(task_b) == {"sentences", "official", "per_type"} and 0.3 < task_b["official"]["f1"] < 1
    both = json.loads(run("evaluate", "--model", "rels", "--split", "scenario1", "--json"))
    assert {"entities", "relations"} <= set(both) and both["entities"]["correct"] > 0
    (tmp_path / "in.txt").write_text("La diabetes aumenta el riesgo de infarto.\nEl asma causa tos seca.\n")
    said = run("predict", "--model", "ents", "--relations", "rels", str(tmp_path / "in.txt"))
    ann = (tmp_path / "in.pred.ann").read_text()
    assert "relations in 2 lines" in said and re.search(r"^R\d+\t[\w-]+ Arg1:T\d+ Arg2:T\d+$", ann, re.M)
    refused = subprocess.run([*cli, "predict", "--model", "rels", str(tmp_path / "in.txt")], capture_output=True,
                             text=True, env=env, cwd=Path(__file__).parent.parent)
    assert refused.returncode == 2 and "is a relation model" in refused.stderr


@pytest.mark.slow
def test_corrections_and_extra_files_train_the_relation_model_on_their_relations(tmp_path):
    import os
    import subprocess
    import sys

    from ner.export import export_jsonl
    from ner.store import Store

    with Store(tmp_path / "a.db") as store:  # a person's corrected answer, relations and all
        (doc_id,) = store.add_documents("q", [Document("s", TEXT)])
        store.save_answer(doc_id, "ana", "accepted", DOC.entities, relations=triples(DOC))
    export_jsonl([DOC], tmp_path / "extra.jsonl")
    env = os.environ | {"NER_CHECKPOINTS_DIR": str(tmp_path / "ck")}
    plain = Document("s", TEXT, DOC.entities)
    for name, source in (("corr", ["--corrections", "--db", str(tmp_path / "a.db")]),
                         ("extra", ["--extra", str(tmp_path / "extra.jsonl")])):
        done = subprocess.run([sys.executable, "-m", "ner", "train", "--task", "relations", "--base-model", "crf",
                               "--max-train-docs", "0", "--eval-splits", "", "--run-name", name, *source],
                              capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent, timeout=300)
        assert done.returncode == 0, done.stderr
        # nothing but that one document to learn from: its relations are what the model learnt
        (found,) = load_relation_model(tmp_path / "ck" / name).predict([plain])
        assert sorted(triples(found)) == sorted(triples(DOC)), name
