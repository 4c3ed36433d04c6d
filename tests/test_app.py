"""The app through its HTTP API, against the real running Gradio server."""

import json
import subprocess
import sys
import time

import pytest
from gradio_client import Client

from ner.checkpoints import list_checkpoints
from ner.entities import entity_to_json
from ner.predict import load_predictor
from ner.train import TrainSettings, train
from ner.ui.app import AppConfig, build_app, launch_kwargs

SENTENCE = "La diabetes aumenta el riesgo de enfermedad cardiovascular en los adultos."
SAMPLE = {"train_split": "sample", "dev_split": "sample", "eval_splits": ("sample",)}


@pytest.fixture(scope="module")
def crf_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkpoints")
    train(TrainSettings(base_model="crf", run_name="crf-sample", **SAMPLE), root=root)
    return root


def launch(config):
    demo = build_app(config)
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    return demo, Client(demo.local_url, verbose=False)


@pytest.fixture(scope="module")
def app(crf_root, tmp_path_factory):
    demo, client = launch(AppConfig(checkpoints=crf_root, data_dir=tmp_path_factory.mktemp("data"),
                                    admin_token=None, train_split="sample"))
    yield demo, client
    demo.close()


def test_predict_endpoint_returns_the_predictor_entities(app, crf_root):
    _, client = app
    got = client.predict(SENTENCE, "", api_name="/predict")
    expected = [entity_to_json(e, SENTENCE) for e in load_predictor(crf_root / "crf-sample").predict([SENTENCE])[0]]
    assert got == json.loads(json.dumps(expected))
    assert got and all(SENTENCE[e["start"]:e["end"]].startswith(e["text"].split(" ")[0]) for e in got)


def test_analyse_escapes_html_in_the_text(app):
    _, client = app
    html, table, info = client.predict("<img src=x onerror=alert(1)> la diabetes", "", "", api_name="/analyse")
    assert "<img" not in html and "&lt;img" in html
    assert "entities" in info


@pytest.mark.slow
def test_evaluate_endpoint_agrees_with_the_cli(app, crf_root):
    _, client = app
    model = str(crf_root / "crf-sample")
    api = client.predict(model, "sample", api_name="/evaluate")
    cli = subprocess.run(
        [sys.executable, "-m", "ner", "evaluate", "--model", model, "--split", "sample", "--json"],
        capture_output=True, text=True, check=True,
    )
    assert api["official"] == json.loads(cli.stdout)["official"]
    assert 0 < api["official"]["f1"] <= 1


def test_a_tiny_model_trains_through_the_train_endpoint(app, tiny_base, crf_root):
    demo, client = app
    before = {c.name for c in list_checkpoints(crf_root)}
    client.predict("", str(tiny_base), 2, 1e-3, 8, 64, 0, False, False, api_name="/train")
    with pytest.raises(Exception, match="already going"):
        client.predict("", str(tiny_base), 1, 1e-3, 8, 64, 0, False, False, api_name="/train")
    status = {}
    for _ in range(240):
        status = client.predict(api_name="/training_status")
        if status["status"] not in {"running", "cancelling"}:
            break
        time.sleep(0.5)
    assert status["status"] == "done", status
    assert status["total_steps"] > 0 and len(status["dev_f1"]) == 2
    after = {c.name for c in list_checkpoints(crf_root)}
    assert len(after - before) == 1
    new = crf_root / (after - before).pop()
    metrics = json.loads((new / "metrics.json").read_text())
    assert "sample" in metrics["eval"] and (new / "README.md").read_text().startswith("---")


def test_the_train_endpoint_trains_a_relation_model_and_its_table_shows(app, crf_root):
    from ner.predict import model_kind
    from ner.ui.train import metrics_rows

    _, client = app
    with pytest.raises(Exception, match="not in the list of choices"):  # Gradio checks the radio first
        client.predict("", "crf", 1, 1e-3, 8, 64, 0, False, False, "both", api_name="/train")
    before = {c.name for c in list_checkpoints(crf_root)}
    client.predict("", "crf", 1, 1e-3, 8, 64, 0, False, False, "relations", api_name="/train")
    for _ in range(240):
        status = client.predict(api_name="/training_status")
        if status["status"] not in {"running", "cancelling"}:
            break
        time.sleep(0.5)
    assert status["status"] == "done", status
    (new,) = {c.name for c in list_checkpoints(crf_root)} - before
    assert model_kind(str(crf_root / new)) == "relations-baseline"
    settings = json.loads((crf_root / new / "settings.json").read_text())
    assert settings["task"] == "relations" and settings["entity_model"]  # the app's newest entity model
    rows = metrics_rows(json.loads((crf_root / new / "metrics.json").read_text())["eval"])
    assert rows and rows[0][1] == "all" and rows[0][-2:] == ["—", "—"]  # Task B: no nervaluate
    assert {r[1] for r in rows} & {"target", "subject", "is-a"}


def test_a_failing_run_reports_its_error_and_the_app_stays_up(app, tmp_path):
    _, client = app
    with pytest.raises(Exception, match="learning rate must be a positive number.*«cinco»"):
        client.predict("", "crf", 1, "cinco", 8, 64, 0, False, False, api_name="/train")
    with pytest.raises(Exception, match="base model folder model does not exist"):  # checked before the run
        client.predict("", "/no/such/model", 1, 1e-3, 8, 64, 0, False, False, api_name="/train")
    broken = tmp_path / "no-such-weights"  # a config.json passes the check; the run then fails
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "roberta"}')
    client.predict("", str(broken), 1, 1e-3, 8, 64, 0, False, False, api_name="/train")
    for _ in range(60):
        status = client.predict(api_name="/training_status")
        if status["status"] != "running":
            break
        time.sleep(0.25)
    assert status["status"] == "failed" and "cannot load" in status["error"]
    assert str(tmp_path) not in status["error"]  # errors never show server paths
    assert client.predict(SENTENCE, "", api_name="/predict")  # still serving


def test_training_needs_the_admin_token_when_one_is_configured(crf_root, tmp_path):
    demo, client = launch(AppConfig(checkpoints=crf_root, data_dir=tmp_path, admin_token="s3cret",
                                    train_split="sample"))
    try:
        with pytest.raises(Exception, match="admin token"):
            client.predict("wrong", api_name="/train_crf")
        assert client.predict(SENTENCE, "", api_name="/predict") is not None  # analysing needs no token
    finally:
        demo.close()


def test_without_a_model_the_app_says_so(tmp_path):
    demo, client = launch(AppConfig(checkpoints=tmp_path / "none", data_dir=tmp_path, train_split="sample"))
    try:
        with pytest.raises(Exception, match="no model yet"):
            client.predict(SENTENCE, "", api_name="/predict")
        *_, notice = client.predict("", api_name="/train_crf")  # the one-click CRF
        assert "CRF trained" in notice and list_checkpoints(tmp_path / "none")
        assert client.predict(SENTENCE, "", api_name="/predict")
    finally:
        demo.close()


def test_training_curves_stay_quantitative_before_the_first_point():
    """An empty object-typed frame made Gradio's plots nominal for good (axes out of order)."""
    import gradio as gr

    from ner.jobs import JobState
    from ner.ui.train import curves

    plot = gr.LinePlot(x="step", y="loss")
    empty_loss, empty_f1 = curves(JobState())
    assert plot.postprocess(empty_loss).datatypes == {"step": "quantitative", "loss": "quantitative"}
    assert list(empty_f1.dtypes) == [float, float]
    state = JobState(losses=[(3, 2.15), (6, 2.1)], dev_f1=[(1.0, 0.2)])
    assert curves(state)[0].values.tolist() == [[3.0, 2.15], [6.0, 2.1]]


def test_run_time_messages_follow_the_browser_language():
    from types import SimpleNamespace

    from ner.ui.i18n import I18N, say

    spanish = SimpleNamespace(headers={"accept-language": "es-ES,es;q=0.9,en;q=0.8"})
    english = SimpleNamespace(headers={"accept-language": "en-GB,en;q=0.9"})
    assert say(spanish, "analysed", n=2, ms=3.2, model="crf") == "2 entidades · 3 ms · `crf`"
    assert say(english, "analysed", n=2, ms=3.2, model="crf") == "2 entities · 3 ms · `crf`"
    assert say(spanish, "analysed", n=1, ms=3.2, model="crf") == "1 entidad · 3 ms · `crf`"  # a plural from the catalog
    assert say(english, "analysed", n=1, ms=3.2, model="crf") == "1 entity · 3 ms · `crf`"
    assert say(None, "cancelling") == "Cancelling at the next step…"
    # Gradio's translations are the catalog's keys, in both languages
    assert I18N.translations["en"]["tab_train"] == "Train" and I18N.translations["es"]["tab_train"] == "Entrenar"
    assert I18N.translations["en"].keys() == I18N.translations["es"].keys()


def test_a_mistyped_checkpoint_lists_the_checkpoints_instead_of_trying_the_hub(app, crf_root):
    _, client = app
    for typo in ("crf-sampel", str(crf_root / "crf-sampel")):  # a run name, and a folder in the checkpoints
        with pytest.raises(Exception, match="no such checkpoint") as caught:
            client.predict(SENTENCE, typo, api_name="/predict")
        message = str(caught.value)
        assert "“crf-sampel”" in message and "Available: " in message and "crf-sample" in message
        assert "huggingface" not in message and str(crf_root) not in message


def test_the_analyse_table_shows_labels_and_confidences_as_the_legend_does():
    from ner.entities import Entity
    from ner.ui.analyse import table_rows
    from ner.ui.render import legend, render

    text = "La gripe y el dolor de cabeza"
    flu = Entity(((len("La "), len("La gripe")),), "Concept", 0.974)
    ache = Entity(((len("La gripe y el "), len("La gripe y el dolor")), (len("La gripe y el dolor de "), len(text))),
                  "Action", 0.5)
    assert table_rows(text, [flu, ache]) == [["gripe", "Concept", "3–8", "97%"],
                                             ["dolor cabeza", "Action", "14–19, 23–29", "50%"]]
    assert table_rows(text, [flu], "es", narrow=True) == [["gripe", "Concepto", "97 %"]]
    assert "= confidence &lt; 60%" in legend() and "= confianza &lt; 60 %" in legend(language="es")
    assert ">Acción?<" in render(text, [ache], language="es").replace("\n", "").replace(" ", "")


def test_the_crf_progress_counts_iterations_and_the_final_status_counts_corrections(tmp_path):
    from types import SimpleNamespace

    from ner.jobs import JobState
    from ner.train import TrainProgress
    from ner.ui.train import progress_html, status_text

    spanish = SimpleNamespace(headers={"accept-language": "es-ES"})
    crf = JobState(status="running", settings=TrainSettings(base_model="crf"),
                   progress=TrainProgress(120, 150, 0.0, 3.04))
    assert "CRF: iteration 120 of 150 · 3.0 s" in progress_html(crf)
    assert "CRF: iteración 120 de 150 · 3,0 s" in progress_html(crf, spanish)
    assert "epoch" not in progress_html(crf) and "step" not in progress_html(crf)
    roberta = JobState(status="running", settings=TrainSettings(), progress=TrainProgress(12, 40, 0.3, 5.0))
    assert "step 12/40 · epoch 0.30" in progress_html(roberta)
    done = JobState(status="done", result=tmp_path / "crf-x")
    assert status_text(done, metrics={"extra_documents": 3}).endswith("3 corrections were included in training.")
    assert status_text(done, metrics={"extra_documents": 1}).endswith("1 correction was included in training.")
    assert status_text(done, spanish, {"extra_documents": 0}).endswith("No se incluyó ninguna corrección.")
