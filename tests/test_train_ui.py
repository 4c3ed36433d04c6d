"""The Train tab's check of the base model, through the real running Gradio server's API, in English and Spanish."""

from __future__ import annotations

import pytest
from gradio_client import Client

from ner.train import DEFAULT_BASE_MODEL
from ner.ui.app import AppConfig, build_app, launch_kwargs


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    demo = build_app(AppConfig(checkpoints=tmp_path_factory.mktemp("checkpoints"),
                               data_dir=tmp_path_factory.mktemp("data"), admin_token=None, train_split="sample"))
    demo.queue().launch(prevent_thread_lock=True, quiet=True, **launch_kwargs())
    yield demo
    demo.close()


def test_offline_the_train_endpoint_says_so_in_the_callers_language_and_starts_nothing(app):
    """HF_HUB_OFFLINE=1 (tests/conftest.py): the pre-filled base model is not in the cache."""
    english = Client(app.local_url, verbose=False)
    with pytest.raises(Exception, match=r"offline \(HF_HUB_OFFLINE is set\), the Hugging Face Hub cannot be reached"
                                        r".*train the CRF instead \(base model crf\)"):
        english.predict("", DEFAULT_BASE_MODEL, 1, "5e-5", 8, 64, 0, False, False, api_name="/train")
    spanish = Client(app.local_url, verbose=False, headers={"Accept-Language": "es-ES,es;q=0.9"})
    with pytest.raises(Exception, match=r"sin conexión \(HF_HUB_OFFLINE está activado\), no se puede llegar al "
                                        r"Hugging Face Hub.*entrene el CRF en su lugar"):
        spanish.predict("", DEFAULT_BASE_MODEL, 1, "5e-5", 8, 64, 0, False, False, api_name="/train")
    folder = app.ner_context.config.checkpoints
    with pytest.raises(Exception, match=f"base model folder {folder.name} has no config.json") as caught:
        english.predict("", str(folder), 1, "5e-5", 8, 64, 0, False, False, api_name="/train")
    assert str(folder.parent) not in str(caught.value)  # a folder is named by its last part: no server path
    status = english.predict(api_name="/training_status")
    assert status["status"] == "idle" and app.ner_context.models.checkpoints() == []
