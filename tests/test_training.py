"""Train → checkpoint → load → predict → score, with tiny models built in the test."""

import json
import subprocess
import sys
import threading

import pytest
import torch

from ner import corpus
from ner.checkpoints import list_checkpoints, predict_documents
from ner.predict import CheckpointError, TransformerPredictor, load_predictor
from ner.scoring import score
from ner.tagging import TAGS
from ner.train import TrainingCancelled, TrainSettings, train

SAMPLE = {"train_split": "sample", "dev_split": "sample", "eval_splits": ("sample",)}


def tiny_settings(base, **kw):
    defaults = {"epochs": 2, "learning_rate": 1e-3, "batch_size": 8, "max_length": 32, "patience": 0}
    return TrainSettings(base_model=str(base), **(defaults | SAMPLE | kw))


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory):
    root = tmp_path_factory.mktemp("ck")
    events = []
    folder = train(tiny_settings(tiny_base, run_name="tiny"), on_progress=events.append, root=root)
    return folder, events


def test_a_run_writes_a_complete_self_describing_checkpoint(trained):
    folder, events = trained
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "settings.json", "metrics.json",
            "log_history.json", "README.md", "ner_model.json"} <= names
    config = json.loads((folder / "config.json").read_text())
    assert [config["id2label"][str(i)] for i in range(len(TAGS))] == list(TAGS)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["eval"]["sample"]["official"]["f1"] >= 0 and metrics["best_epoch"] in (1.0, 2.0)
    assert "nervaluate" in metrics["eval"]["sample"] and metrics["device"] == "cpu"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp")]
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlanguage: es") and "pipeline_tag: token-classification" in card


def test_progress_reports_steps_loss_eta_and_dev_f1(trained):
    _, events = trained
    assert events[-1].step == events[-1].total_steps > 0
    assert any(e.loss is not None for e in events) and any(e.eta_seconds is not None for e in events)
    assert [e.epoch for e in events if e.evaluated] == [1.0, 2.0]


def test_the_checkpoint_loads_predicts_and_scores_like_training_said(trained):
    folder, _ = trained
    predictor = load_predictor(folder)
    docs = corpus.load("sample")
    result = score(docs, predict_documents(predictor, docs))
    metrics = json.loads((folder / "metrics.json").read_text())
    assert result["official"] == metrics["eval"]["sample"]["official"]
    assert list_checkpoints(folder.parent)[0].name == "tiny"


@pytest.mark.parametrize("text", ["", "   \n\t", "<script>alert(1)</script> fiebre", "中文 β-amiloide \u200b ñ",
                                  "\u00a0\u00a0", "x" * 3000])
def test_odd_input_predicts_without_crashing(trained, text):
    predictor = load_predictor(trained[0])
    (entities,) = predictor.predict([text])
    assert all(0 <= e.start < e.end <= len(text) and 0 <= e.score <= 1 for e in entities)


def always_concept(folder, tmp_path):
    """A copy of the checkpoint whose head says B-Concept for every token."""
    model = TransformerPredictor(folder).model
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-5.0)
        model.classifier.bias[TAGS.index("B-Concept")] = 5.0
    out = tmp_path / "always"
    model.save_pretrained(out)
    TransformerPredictor(folder).tokenizer.save_pretrained(out)
    return out


def test_a_sentence_longer_than_the_model_maximum_gets_entities_at_its_end(trained, tmp_path):
    predictor = load_predictor(always_concept(trained[0], tmp_path))
    assert predictor.max_length <= 64
    text = " ".join(["fiebre"] * 150) + " final"
    (entities,) = predictor.predict([text])
    assert len(entities) == 151  # one per word: nothing was truncated
    assert entities[-1].surface(text) == "final" and entities[-1].end == len(text)


def test_cancel_leaves_no_checkpoint(tiny_base, tmp_path):
    cancel = threading.Event()
    with pytest.raises(TrainingCancelled):
        train(tiny_settings(tiny_base, epochs=5), on_progress=lambda p: cancel.set(), cancel=cancel, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_crash_leaves_no_checkpoint(tmp_path):
    base = tmp_path / "base"  # a config.json, so the check before the run passes; no weights, so the run fails
    base.mkdir()
    (base / "config.json").write_text('{"model_type": "roberta"}')
    root = tmp_path / "checkpoints"
    with pytest.raises(CheckpointError, match="cannot load base model"):
        train(TrainSettings(base_model=str(base), **SAMPLE), root=root)
    assert list(root.iterdir()) == []


def test_missing_and_corrupt_checkpoints_give_clear_errors(trained, tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        load_predictor(tmp_path / "nothing-here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load_predictor(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (broken / name).write_bytes((trained[0] / name).read_bytes())
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(CheckpointError, match="broken"):
        load_predictor(broken)


def test_a_base_model_without_an_ner_head_is_refused_for_prediction(tiny_base):
    with pytest.raises(CheckpointError, match="no NER head"):
        load_predictor(tiny_base)


def test_int8_quantises_linear_layers_and_keeps_predictions_close(trained):
    folder = trained[0]
    fp32, int8 = load_predictor(folder), load_predictor(folder, int8=True, device="cpu")
    modules = list(int8.model.modules())
    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in modules)
    assert not any(type(m) is torch.nn.Linear for m in modules)
    docs = corpus.load("sample")
    f32 = score(docs, predict_documents(fp32, docs))["official"]["f1"]
    i8 = score(docs, predict_documents(int8, docs))["official"]["f1"]
    assert abs(f32 - i8) < 0.1 and int8.name.endswith("(int8)")
    with pytest.raises(ValueError, match="CPU"):
        load_predictor(folder, int8=True, device="meta")


@pytest.mark.slow
def test_cli_int8_refuses_a_crf(tmp_path):
    crf = train(TrainSettings(base_model="crf", run_name="c", **(SAMPLE | {"eval_splits": ()})), root=tmp_path)
    run = subprocess.run([sys.executable, "-m", "ner", "evaluate", "--model", str(crf), "--split", "sample", "--int8"],
                         capture_output=True, text=True, env=_env(tmp_path))
    assert run.returncode == 2 and "nothing to quantise" in run.stderr


@pytest.mark.slow
def test_cli_train_predict_evaluate_round_trip(tiny_base, tmp_path):
    env_cmd = [sys.executable, "-m", "ner"]
    run = subprocess.run(env_cmd + ["train", "--base-model", "crf", "--run-name", "cli-crf", "--train-split", "sample",
                                    "--dev-split", "sample", "--eval-splits", "sample"],
                         capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    model = tmp_path / "checkpoints" / "cli-crf"
    assert "official F1" in run.stdout and model.is_dir()
    src = tmp_path / "in.txt"
    src.write_text("La diabetes aumenta el riesgo de infarto.\nEl paciente tiene fiebre.", encoding="utf-8")
    run = subprocess.run(env_cmd + ["predict", "--model", str(model), str(src)], capture_output=True, text=True,
                         env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    docs = __import__("ner.brat", fromlist=["read_brat"]).read_brat(tmp_path / "in.pred.txt")
    assert [d.text for d in docs] == src.read_text(encoding="utf-8").split("\n") and any(d.entities for d in docs)
    run = subprocess.run(env_cmd + ["evaluate", "--model", str(model), "--split", "sample", "--json"],
                         capture_output=True, text=True, env=_env(tmp_path))
    assert json.loads(run.stdout)["official"]["f1"] > 0.5
    run = subprocess.run(env_cmd + ["evaluate", "--model", str(tmp_path / "nope"), "--split", "sample"],
                         capture_output=True, text=True, env=_env(tmp_path))
    assert run.returncode == 2 and "does not exist" in run.stderr


def _env(tmp_path):
    import os

    return os.environ | {"NER_CHECKPOINTS_DIR": str(tmp_path / "checkpoints"),
                         "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parent.parent)}


def test_the_app_loads_transformers_as_int8_when_ner_int8_is_set(trained, tmp_path, monkeypatch):
    from ner.models import Models
    from ner.settings import Settings

    crf = train(TrainSettings(base_model="crf", run_name="c", **(SAMPLE | {"eval_splits": ()})), root=tmp_path)
    monkeypatch.setenv("NER_INT8", "1")
    models = Models(Settings(checkpoints=tmp_path))
    assert models.get(str(trained[0]), admin=True).name.endswith("(int8)")
    assert models.get(str(crf)).predict(["La diabetes aumenta el riesgo."])[0]
    monkeypatch.setenv("NER_INT8", "")
    assert not Models(Settings(checkpoints=tmp_path)).get(str(trained[0]), admin=True).name.endswith("(int8)")


@pytest.mark.parametrize("setting", ["fp32", "bf16"])
def test_the_app_predicts_in_the_precision_ner_precision_asks(trained, tmp_path, monkeypatch, setting):
    from ner.models import Models
    from ner.settings import Settings

    monkeypatch.setenv("NER_PRECISION", setting)
    assert Models(Settings(checkpoints=tmp_path)).get(str(trained[0]), admin=True).inner.precision == setting
    monkeypatch.setenv("NER_PRECISION", "fp8")
    with pytest.raises(ValueError, match="fp8"):
        Settings()


@pytest.mark.slow
def test_cli_exports_corrections_shows_agreement_and_trains_on_them(tmp_path):
    from ner.brat import read_brat
    from ner.entities import Entity
    from ner.store import Store

    db = tmp_path / "annotations.db"
    with Store(db) as store:
        ids = store.add_documents("pasted", ["La fiebre alta preocupa.", "El paciente tose."])
        store.save_answer(ids[0], "eva", "accepted", [Entity(((3, 9),), "Concept")])
        store.save_answer(ids[0], "ana", "accepted", [Entity(((3, 9),), "Action")])
        store.save_answer(ids[1], "eva", "rejected")
    cli = [sys.executable, "-m", "ner"]
    out = tmp_path / "export"
    run = subprocess.run(cli + ["export", str(out), "--db", str(db), "--annotator", "eva", "--formats", "brat,jsonl"],
                         capture_output=True, text=True, env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    (doc,) = read_brat(out / "brat" / "scenario.txt")
    assert doc.text == "La fiebre alta preocupa." and [e.label for e in doc.entities] == ["Concept"]
    assert (out / "corrections.jsonl").is_file() and not (out / "hf").exists()
    run = subprocess.run(cli + ["agreement", "eva", "ana", "--db", str(db), "--json"], capture_output=True, text=True,
                         env=_env(tmp_path))
    rows = {r["label"]: r for r in json.loads(run.stdout)}
    assert rows["overall"]["items"] == 1 and rows["overall"]["f1"] == 0.0
    run = subprocess.run(cli + ["train", "--base-model", "crf", "--run-name", "c", "--train-split", "sample",
                                "--dev-split", "sample", "--eval-splits", "sample", "--corrections", "--db", str(db)],
                         capture_output=True, text=True, env=_env(tmp_path))
    assert run.returncode == 0 and "+ 1 accepted corrections" in run.stdout, run.stderr
    run = subprocess.run(cli + ["train", "--base-model", "crf", "--run-name", "j", "--train-split", "sample",
                                "--dev-split", "sample", "--eval-splits", "sample", "--max-train-docs", "0",
                                "--extra", str(out / "corrections.jsonl")], capture_output=True, text=True,
                         env=_env(tmp_path))
    assert run.returncode == 0, run.stderr
    settings = json.loads((tmp_path / "checkpoints" / "j" / "metrics.json").read_text())
    assert settings["train_documents"] == 1 and settings["extra_documents"] == 1
    run = subprocess.run(cli + ["export", str(out), "--db", str(tmp_path / "none.db")], capture_output=True,
                         text=True, env=_env(tmp_path))
    assert run.returncode == 2 and "no annotation database" in run.stderr


def test_without_a_dev_split_the_last_epoch_is_kept(tiny_base, tmp_path):
    settings = tiny_settings(tiny_base, run_name="no-dev", dev_split=None, epochs=2)
    folder = train(settings, root=tmp_path)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["best_epoch"] == 2.0 and metrics["best_dev_f1_during_training"] is None
    assert not any("eval_official_f1" in h for h in json.loads((folder / "log_history.json").read_text()))
    with pytest.raises(ValueError, match="patience"):
        train(tiny_settings(tiny_base, run_name="no-dev-2", dev_split=None, patience=2), root=tmp_path)


def test_bf16_on_the_cpu_is_asked_for_not_automatic(tiny_base, tmp_path):
    from ner.train.transformer import _precision

    assert _precision(tiny_settings(tiny_base), cuda=False) == {}  # auto: fp32 on a CPU
    assert _precision(tiny_settings(tiny_base, precision="bf16"), cuda=False) == {"bf16": True}
    folder = train(tiny_settings(tiny_base, run_name="cpu-bf16", precision="bf16", epochs=1), root=tmp_path)
    assert json.loads((folder / "settings.json").read_text())["precision_used"] == "bf16"
    assert load_predictor(folder).predict(["El asma causa tos."])[0] is not None


def test_recipe_knobs_decay_rates_by_layer_and_unfreeze_the_embeddings_on_time(tiny_base, tmp_path):
    from transformers import AutoModelForTokenClassification

    from ner.train.transformer import _optimizer

    model = AutoModelForTokenClassification.from_pretrained(tiny_base, num_labels=len(TAGS))
    layers = model.config.num_hidden_layers
    optimizer = _optimizer(model, tiny_settings(tiny_base, layer_decay=0.5))
    rate = {id(p): g["lr"] for g in optimizer.param_groups for p in g["params"]}
    assert rate[id(model.classifier.weight)] == pytest.approx(1e-3)
    assert rate[id(model.get_input_embeddings().weight)] == pytest.approx(1e-3 * 0.5 ** (layers + 1))
    assert len(rate) == len(list(model.parameters()))  # frozen weights too, so that they can be unfrozen

    def embeddings(folder):
        return AutoModelForTokenClassification.from_pretrained(folder).get_input_embeddings().weight.detach()

    knobs = {"freeze_embeddings": True, "epochs": 2, "label_smoothing": 0.1, "group_by_length": True,
             "layer_decay": 0.9, "dev_split": None}  # the last epoch kept
    frozen = train(tiny_settings(tiny_base, run_name="frozen", **knobs), root=tmp_path)
    thawed = train(tiny_settings(tiny_base, run_name="thawed", unfreeze_embeddings_at=2, **knobs), root=tmp_path)
    assert torch.equal(embeddings(frozen), embeddings(tiny_base))
    assert not torch.equal(embeddings(thawed), embeddings(tiny_base))
    assert json.loads((thawed / "settings.json").read_text())["unfreeze_embeddings_at"] == 2


def test_length_grouped_training_still_scores_dev_windows_in_their_order(tiny_base, tmp_path):
    from transformers import AutoModelForTokenClassification, TrainingArguments

    from ner.train.transformer import _Trainer

    rows = [{"input_ids": [0] * n, "labels": [0] * n} for n in (3, 9, 1, 7, 5, 2, 8, 4)]
    args = TrainingArguments(output_dir=str(tmp_path), train_sampling_strategy="group_by_length",
                             per_device_eval_batch_size=2, report_to="none", use_cpu=True)
    model = AutoModelForTokenClassification.from_pretrained(tiny_base, num_labels=len(TAGS))
    trainer = _Trainer(model=model, args=args, eval_dataset=rows)
    assert list(trainer._get_eval_sampler(rows)) == list(range(len(rows)))  # compute_metrics matches by position


# ---------------------------------------------------------------- the check of a base model before a run


class HubStandIn:
    """A local HTTP server answering the Hub's ``/api/models/<id>`` with what ``answers[id]`` says: (status, error
    code header, JSON body). huggingface_hub reads it as it reads the Hub (``endpoint=``)."""

    def __init__(self, answers: dict[str, tuple[int, str | None, dict]]):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                repo = self.path.split("?")[0].removeprefix("/api/models/")
                status, code, body = answers.get(repo, (404, "RepoNotFound", {"error": "Repository not found"}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if code:
                    self.send_header("X-Error-Code", code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def problem(base, task="entities", **kw) -> str:
    from ner.hub import BaseModelProblem, check_base_model

    with pytest.raises(BaseModelProblem) as caught:
        check_base_model(str(base), task, **kw)
    return str(caught.value)


def test_the_check_before_a_run_says_what_is_wrong_with_a_local_base_model(tiny_base, tmp_path):
    from ner.hub import check_base_model

    for fine in ("crf", " CRF ", str(tiny_base)):
        check_base_model(fine)
    check_base_model(str(tiny_base), "relations")
    assert problem(tmp_path / "gone") == f"base model folder {tmp_path / 'gone'} does not exist"
    (tmp_path / "empty").mkdir()
    assert "has no config.json: it is not a transformers model folder" in problem(tmp_path / "empty")
    speech = tmp_path / "speech"
    speech.mkdir()
    (speech / "config.json").write_text('{"model_type": "whisper"}')
    assert "(whisper) cannot classify tokens" in problem(speech) and "train the CRF instead" in problem(speech)
    check_base_model(str(speech), "relations")  # a relation model only needs an encoder
    (speech / "config.json").write_text("{not json")
    assert "its config.json is unreadable" in problem(speech)
    assert "is neither a folder here nor a Hugging Face Hub id" in problem("not an id!")


def test_offline_the_default_base_model_is_refused_before_anything_starts(tmp_path):
    """HF_HUB_OFFLINE=1 (tests/conftest.py): the pre-filled base model, not in the cache, is said to be offline by
    the check, by train() (nothing left behind) and by ``python -m ner train``, which names the CRF's command."""
    from ner.hub import BaseModelProblem
    from ner.train import DEFAULT_BASE_MODEL

    offline = (f"base model {DEFAULT_BASE_MODEL}: offline (HF_HUB_OFFLINE is set), the Hugging Face Hub cannot be "
               "reached and the model is not in the local cache")
    assert problem(DEFAULT_BASE_MODEL).startswith(offline)
    with pytest.raises(BaseModelProblem, match=r"offline \(HF_HUB_OFFLINE is set\)"):
        train(TrainSettings(**SAMPLE), root=tmp_path / "checkpoints")
    assert not (tmp_path / "checkpoints").exists()
    run = subprocess.run([sys.executable, "-m", "ner", "train", "--train-split", "sample"], capture_output=True,
                         text=True, env=_env(tmp_path))
    assert run.returncode == 2 and run.stderr.startswith(f"error: {offline}"), run.stderr
    assert "python -m ner train --base-model crf" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "checkpoints").exists()


def test_the_hubs_answers_become_plain_reasons(monkeypatch):
    """What huggingface_hub raises for each answer of a (local) Hub, said as the user needs it."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    hub = HubStandIn({
        "someone/roberta": (200, None, {"id": "someone/roberta", "config": {"model_type": "roberta"}}),
        "someone/speech": (200, None, {"id": "someone/speech", "config": {"model_type": "whisper"}}),
        "someone/weights": (200, None, {"id": "someone/weights"}),
        "someone/gated": (403, "GatedRepo", {"error": "gated"}),
        "someone/down": (500, None, {"error": "down"}),
    })
    try:
        from ner.hub import check_base_model

        check_base_model("someone/roberta", endpoint=hub.url)
        assert "(whisper) cannot classify tokens" in problem("someone/speech", endpoint=hub.url)
        assert "has no config.json: it is not a transformers model" in problem("someone/weights", endpoint=hub.url)
        assert problem("someone/nothing", endpoint=hub.url).startswith(
            "base model someone/nothing: no such model on the Hugging Face Hub, and no such folder here")
        assert "is gated on the Hugging Face Hub: accept its terms" in problem("someone/gated", endpoint=hub.url)
        assert "the Hugging Face Hub answered HTTP 500" in problem("someone/down", endpoint=hub.url)
        url = hub.url
    finally:
        hub.close()
    gone = problem("someone/roberta", endpoint=url, timeout=2)  # nothing listens there any more
    assert gone.startswith("base model someone/roberta: the Hugging Face Hub cannot be reached (") and \
        "not in the local cache" in gone


# ---------------------------------------------------------------- a checkpoint's label in the model lists


def test_a_checkpoint_label_shows_kind_f1_and_time_before_its_name():
    from ner.checkpoints import checkpoint_label

    name, created = "crf-20261203-083819", "2026-12-03T08:38:19+00:00"
    assert checkpoint_label("crf", name, created, ("dev", 0.8421)) == \
        "crf · dev F1 0.842 · 2026-12-03 08:38 (crf-20261203-083819)"
    assert checkpoint_label("crf", name, created, ("dev", 0.8421), "es") == \
        "crf · F1 en dev 0,842 · 2026-12-03 08:38 (crf-20261203-083819)"
    assert checkpoint_label("transformer", name, "2026-12-03T09:38:19+01:00", None) == \
        "transformer · 2026-12-03 08:38 (crf-20261203-083819)"  # said in UTC
    assert checkpoint_label("crf", name, "", ("sample", 0.5)) == "crf · sample F1 0.500 (crf-20261203-083819)"


def fake_checkpoint(root, name, metrics=None, created="2026-12-03T08:38:19+00:00"):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "ner_model.json").write_text(json.dumps({"kind": "crf", "run_name": name, "created": created}))
    if metrics is not None:
        (folder / "metrics.json").write_text(metrics)
    return folder


def f1_metrics(dev: float, test: float = 0.5) -> str:
    return json.dumps({"eval": {"dev": {"official": {"f1": dev}}, "test": {"official": {"f1": test}}}})


def test_listing_labels_checkpoints_and_reads_a_metrics_file_again_only_when_it_changed(tmp_path):
    import os

    from ner.checkpoints import METRICS_BYTES

    folder = fake_checkpoint(tmp_path, "crf-a", f1_metrics(0.8421))
    fake_checkpoint(tmp_path, "crf-none", created="2026-12-02T08:00:00+00:00")  # no metrics.json: no F1
    fake_checkpoint(tmp_path, "crf-huge", " " * METRICS_BYTES + f1_metrics(0.9), "2026-12-01T08:00:00+00:00")
    labels = [c.label() for c in list_checkpoints(tmp_path)]
    assert labels == ["crf · dev F1 0.842 · 2026-12-03 08:38 (crf-a)", "crf · 2026-12-02 08:00 (crf-none)",
                      "crf · 2026-12-01 08:00 (crf-huge)"]
    metrics = folder / "metrics.json"
    stamp = metrics.stat()
    metrics.write_text(f1_metrics(0.1234))  # the same size; its old time put back: the cached label stays
    os.utime(metrics, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert list_checkpoints(tmp_path)[0].label().startswith("crf · dev F1 0.842")
    os.utime(metrics, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))  # changed: read again
    (first,) = [c for c in list_checkpoints(tmp_path) if c.name == "crf-a"]
    assert first.label().startswith("crf · dev F1 0.123") and (first.dev_f1, first.test_f1) == (0.1234, 0.5)


def test_the_model_lists_label_checkpoints_and_keep_their_folders_as_values(tmp_path):
    from ner.models import Models
    from ner.settings import Settings

    folder = fake_checkpoint(tmp_path, "crf-20261203-083819", f1_metrics(0.8421))
    assert Models(Settings(checkpoints=tmp_path)).choices() == [
        ("crf · dev F1 0.842 · 2026-12-03 08:38 (crf-20261203-083819)", str(folder))]
    assert Models(Settings(checkpoints=tmp_path)).choices(lang="es")[0][0].startswith("crf · F1 en dev 0,842 · ")
