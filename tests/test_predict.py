"""Prediction precision and decoding: bf16 on CPUs that have it, the same entities as fp32, and the fallbacks."""

import subprocess
import sys

import pytest
import torch

from ner import corpus
from ner.checkpoints import predict_documents
from ner.predict import TransformerPredictor, cpu_has_fast_bf16, load_predictor, resolve_precision
from ner.train import TrainSettings, train

SAMPLE = {"train_split": "sample", "dev_split": "sample", "eval_splits": ()}


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory):
    """A tiny model trained until its predictions are confident (bf16 rounding must not flip them)."""
    settings = TrainSettings(base_model=str(tiny_base), run_name="tiny-confident", epochs=12, learning_rate=3e-3,
                             batch_size=8, max_length=32, patience=0, **SAMPLE)
    return train(settings, root=tmp_path_factory.mktemp("ck"))


def entity_sets(predictor, docs):
    return [{(e.fragments, e.label) for e in d.entities} for d in predict_documents(predictor, docs)]


def test_auto_is_bf16_where_the_cpu_has_amx_or_avx512_bf16(monkeypatch):
    expected = "bf16" if cpu_has_fast_bf16() else "fp32"
    assert resolve_precision("auto", "cpu") == expected
    assert resolve_precision("auto", "cuda") == "fp32"  # a GPU keeps the checkpoint's precision
    assert resolve_precision("bf16", "cpu", int8=True) == "fp32"  # int8 runs its own kernels
    for amx, avx512_bf16, want in ((False, True, "bf16"), (True, False, "bf16"), (False, False, "fp32")):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda v=avx512_bf16: v)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda v=amx: v)
        assert resolve_precision("auto", "cpu") == want, (amx, avx512_bf16)
    with pytest.raises(ValueError, match="fp8"):
        resolve_precision("fp8", "cpu")


class Clock:
    """A fake clock whose bf16 passes take ``bf16`` seconds and fp32 ones ``fp32`` (order: 2 fp32, then 2 bf16)."""

    def __init__(self, fp32: float, bf16: float):
        self.steps, self.now, self.reads = [fp32, fp32, bf16, bf16], 0.0, 0

    def __call__(self) -> float:
        if self.reads % 2:  # the end of a timed pass
            self.now += self.steps[self.reads // 2]
        self.reads += 1
        return self.now


@pytest.mark.parametrize("fp32, bf16, kept", [(1.0, 0.5, "bf16"), (0.5, 1.0, "fp32")])
def test_auto_keeps_bf16_only_where_a_first_batch_runs_faster(trained, monkeypatch, fp32, bf16, kept):
    import ner.predict as predict

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    monkeypatch.setattr(predict, "_BF16_MEASURED", {})
    clock = Clock(fp32, bf16)
    real = predict.bf16_pays_off
    monkeypatch.setattr(predict, "bf16_pays_off", lambda model, device: real(model, device, timer=clock))
    assert TransformerPredictor(trained, device="cpu").precision == kept
    assert clock.reads == 8  # both precisions, twice each: a real forward pass was timed
    assert TransformerPredictor(trained, device="cpu").precision == kept and clock.reads == 8  # once a process
    assert TransformerPredictor(trained, device="cpu", precision="bf16").precision == "bf16"  # asked for: kept
    assert TransformerPredictor(trained, device="cpu", precision="fp32").precision == "fp32"


def test_bf16_finds_the_same_entities_as_fp32_on_the_sample_corpus(trained):
    docs = corpus.load("sample")
    fp32 = load_predictor(trained, precision="fp32", device="cpu")
    bf16 = load_predictor(trained, precision="bf16", device="cpu")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    found = entity_sets(fp32, docs)
    assert sum(map(len, found)) > 20  # a model that finds things, so the comparison means something
    assert entity_sets(bf16, docs) == found


def test_the_default_predictor_falls_back_to_fp32_without_native_bf16(trained, monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    predictor = TransformerPredictor(trained, device="cpu")
    assert predictor.precision == "fp32" and predictor.predict(["El asma causa tos."])


def test_viterbi_never_starts_an_entity_with_i_and_argmax_is_still_there(trained):
    docs = corpus.load("sample")
    for decoder in ("viterbi", "argmax"):
        predictor = TransformerPredictor(trained, device="cpu", decoder=decoder)
        assert predictor.decoder == decoder and entity_sets(predictor, docs)
    with pytest.raises(ValueError, match="beam"):
        TransformerPredictor(trained, device="cpu", decoder="beam")


@pytest.mark.slow
def test_cli_precision_flag_and_setting(trained, tmp_path):
    lines = tmp_path / "in.txt"
    lines.write_text("El asma causa tos.\nLa insulina reduce la glucosa.\n", encoding="utf-8")
    outs = []
    for flag in ("fp32", "bf16"):
        run = subprocess.run([sys.executable, "-m", "ner", "predict", str(lines), "--model", str(trained),
                              "--precision", flag, "--output", str(tmp_path / f"{flag}.txt")],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        outs.append((tmp_path / f"{flag}.ann").read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    bad = subprocess.run([sys.executable, "-m", "ner", "predict", str(lines), "--model", str(trained),
                          "--precision", "fp8"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "fp8" in bad.stderr


def test_close_calls_are_rows_where_two_labels_come_within_the_margin():
    import numpy as np

    from ner.predict import _close_calls

    p = np.array([[[0.50, 0.48, 0.02], [0.9, 0.05, 0.05]],   # row 0: token 0 is a close call
                  [[0.70, 0.20, 0.10], [0.49, 0.50, 0.01]],   # row 1: token 1 is, but it is padding
                  [[0.34, 0.33, 0.33], [0.90, 0.05, 0.05]]])  # row 2: close
    mask = np.array([[1, 1], [1, 0], [1, 1]])
    assert list(_close_calls(p, mask, 0.03)) == [0, 2]
    assert list(_close_calls(p, mask, 0.005)) == []


def test_small_batches_run_in_fp32_and_large_ones_recheck_close_calls_in_fp32(trained):
    import torch

    from ner.predict import BF16_MIN_ROWS

    bf16 = TransformerPredictor(trained, device="cpu", precision="bf16")
    fp32 = TransformerPredictor(trained, device="cpu", precision="fp32")
    ids = torch.tensor([[0, 100, 101, 102, 2]] * BF16_MIN_ROWS)
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        small = bf16._probabilities(ids[:2], mask[:2])
        assert (small == fp32._probabilities(ids[:2], mask[:2])).all()  # under BF16_MIN_ROWS rows: fp32 itself
        large, exact = bf16._probabilities(ids, mask), fp32._probabilities(ids, mask)
    assert (large.argmax(-1) == exact.argmax(-1)).all()
