"""Several processes: training under torchrun / accelerate launch (gloo on the CPU), and sharded prediction.

These run the README's commands for real, with two CPU processes and a tiny model.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ner.brat import read_text
from ner.cli import shard_bounds
from ner.predict import load_predictor

BIN = Path(sys.executable).parent
TRAIN = ["-m", "ner", "train", "--epochs", "1", "--train-split", "sample", "--dev-split", "sample",
         "--eval-splits", "sample", "--max-length", "32", "--batch-size", "4", "--patience", "0", "--use-cpu"]


pytestmark = pytest.mark.slow  # each test starts processes


def launch(launcher: list[str], args: list[str], checkpoints: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"NER_CHECKPOINTS_DIR": str(checkpoints), "OMP_NUM_THREADS": "1"}
    return subprocess.run(launcher + args, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize("launcher", [
    [str(BIN / "torchrun"), "--nproc_per_node", "2"],
    [str(BIN / "accelerate"), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
     "--mixed_precision", "no", "--dynamo_backend", "no"],
], ids=["torchrun", "accelerate"])
def test_two_processes_train_one_checkpoint_that_loads_and_predicts(launcher, tiny_base, tmp_path):
    run = launch(launcher, TRAIN + ["--base-model", str(tiny_base), "--run-name", "two"], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    assert [p.name for p in tmp_path.iterdir()] == ["two"]  # one checkpoint, no staging folder left
    assert run.stdout.count("checkpoint: ") == 1  # only the main process reports
    metrics = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert metrics["processes"] == 2 and "sample" in metrics["eval"]
    assert isinstance(load_predictor(tmp_path / "two").predict(["El asma causa tos."])[0], list)


def test_shards_split_like_accelerate():
    assert [shard_bounds(10, k, 3) for k in range(3)] == [(0, 4), (4, 7), (7, 10)]
    assert [shard_bounds(1, k, 2) for k in range(2)] == [(0, 1), (1, 1)]
    with pytest.raises(ValueError, match="3 of 2"):
        shard_bounds(4, 2, 2)


def test_two_processes_predict_a_file_into_parts_that_cover_every_line(crf_checkpoint, tmp_path):
    lines = [f"El paciente {n} presenta fiebre y tos." for n in range(7)]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "pred.txt"
    out.parent.mkdir()
    run = launch([str(BIN / "torchrun"), "--nproc_per_node", "2"],
                 ["-m", "ner", "predict", str(source), "--model", str(crf_checkpoint), "--output", str(out)], tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    parts = sorted(out.parent.glob("*.txt"))
    assert [p.name for p in parts] == ["pred.part1of2.txt", "pred.part2of2.txt"]
    assert [line for p in parts for line in read_text(p).splitlines()] == lines
    by_hand = subprocess.run([sys.executable, "-m", "ner", "predict", str(source), "--model", str(crf_checkpoint),
                              "--shard", "2/2", "--output", str(tmp_path / "hand.txt")], capture_output=True, text=True)
    assert by_hand.returncode == 0, by_hand.stderr
    assert (tmp_path / "hand.part2of2.ann").read_text() == (out.parent / "pred.part2of2.ann").read_text()
    bad = subprocess.run([sys.executable, "-m", "ner", "predict", str(source), "--model", str(crf_checkpoint),
                          "--shard", "3/2"], capture_output=True, text=True)
    assert bad.returncode == 2 and "K/N" in bad.stderr


@pytest.fixture(scope="module")
def crf_checkpoint(tmp_path_factory):
    from ner.train import TrainSettings, train

    root = tmp_path_factory.mktemp("crf")
    folder = train(TrainSettings(base_model="crf", run_name="crf", train_split="sample", eval_splits=()), root=root)
    yield folder
    shutil.rmtree(root, ignore_errors=True)
