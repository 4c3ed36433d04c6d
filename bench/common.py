"""What the benchmarks share: the machine, the models they time, and where results go.

Models are built once into ``bench/out/models/`` (git-ignored) and reused:

* ``roberta-base-random``: RoBERTa-base size (12 layers, hidden 768, vocabulary 50,265,
  514 positions) with random weights and our BIO head, plus a byte-level BPE tokenizer
  trained on the corpus's training text. Speed does not depend on the weights.
* ``e5-small-ner``: the offline encoder (multilingual-e5-small, a BertModel with an XLM-R
  tokenizer, built by ``../shared/tools/offline_encoder.py``) with a fresh BIO head.

Results are small JSON and markdown files under ``bench/results/``: numbers only, never
corpus text.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
MODELS_DIR = OUT_DIR / "models"
RESULTS_DIR = BENCH_DIR / "results"
ENCODER_TOOL = PROJECT_DIR.parent / "shared" / "tools" / "offline_encoder.py"
DEFAULT_CORPUS = PROJECT_DIR.parent / "shared" / "data" / "ehealthkd-2020"
DEFAULT_ENCODER_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ner-offline" / "multilingual-e5-small"
)  # where offline_encoder.py caches its folder
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def setup_environment() -> None:
    """Offline hub, the shared corpus unless told otherwise, quiet tokenizers; importable ``ner``."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if not os.environ.get("NER_CORPUS_DIR") and DEFAULT_CORPUS.is_dir():
        os.environ["NER_CORPUS_DIR"] = str(DEFAULT_CORPUS)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))


def set_threads(n: int | None = None) -> int:
    """Torch intra-op threads = the cores this process may use (or ``n``); returns the number."""
    import torch

    n = n or len(os.sched_getaffinity(0))
    torch.set_num_threads(n)
    return n


def machine() -> dict:
    """CPU model, cores, memory and library versions of this machine."""
    import tokenizers
    import torch
    import transformers

    cpu = "unknown"
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    mem_gib = None
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "simd": sorted(f for f in flags if f in {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni"}),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
    }


def machine_line(m: dict) -> str:
    return (
        f"{m['cpu']}, {m['cores']} cores ({', '.join(m['simd']) or 'no AVX2'}), {m['memory_gib']} GiB; "
        f"Python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), "
        f"transformers {m['transformers']}, tokenizers {m['tokenizers']}"
    )


def texts_of(split: str) -> list[str]:
    """The sentence texts of a corpus split (annotated documents only)."""
    from ner import corpus

    return [d.text for d in corpus.load(split) if d.annotated]


def training_split() -> str:
    """``train`` when the real corpus is on disk, else the project's ``sample``."""
    from ner.corpus import corpus_available

    return "train" if corpus_available() else "sample"


def build_roberta_base(
    folder: Path | None = None, vocab_size: int = 50_265, head: bool = True, tiny: bool = False
) -> Path:
    """A RoBERTa-base-size model with random weights and a BPE tokenizer trained on the training text.

    The tokenizer's own vocabulary is what the training text yields (fewer than ``vocab_size``
    entries: 800 sentences do not hold 50k merges); the embedding matrix has ``vocab_size``
    rows, as the real model has. ``head=True`` saves a token-classification model whose
    ``id2label`` are our TAGS (what :class:`ner.predict.TransformerPredictor` accepts).
    ``tiny=True``: 2 layers of width 64 (to test a benchmark script in seconds).
    """
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaForTokenClassification, RobertaTokenizer

    from ner.tagging import TAGS

    name = "roberta-tiny-random" if tiny else "roberta-base-random"
    folder = folder or MODELS_DIR / (name if head else f"{name}-nohead")
    marker = folder / "bench-model.json"
    if marker.is_file() and (folder / "model.safetensors").is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    # min_frequency=1: on the test text this gives 1.39 pieces per word, as the XLM-R tokenizer
    # of the offline encoder does (1.40); min_frequency=2 would give 1.53
    bpe.train_from_iterator(texts_of(training_split()), vocab_size=vocab_size, min_frequency=1, special_tokens=SPECIALS)
    bpe.save_model(str(folder))
    tokenizer = RobertaTokenizer(
        vocab=str(folder / "vocab.json"), merges=str(folder / "merges.txt"), add_prefix_space=True,
        model_max_length=512,
    )
    tokenizer.save_pretrained(folder)
    config = RobertaConfig(
        vocab_size=max(vocab_size, len(tokenizer)),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        num_labels=len(TAGS),
        id2label=dict(enumerate(TAGS)),
        label2id={t: i for i, t in enumerate(TAGS)},
        **({"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
           if tiny else {}),
    )
    import torch

    torch.manual_seed(0)
    if head:
        RobertaForTokenClassification(config).save_pretrained(folder)
    else:
        from transformers import RobertaModel

        RobertaModel(config).save_pretrained(folder)
    marker.write_text(json.dumps({"tokenizer_vocab": len(tokenizer), "model_vocab": config.vocab_size}) + "\n")
    return folder


def offline_encoder() -> Path | None:
    """The offline encoder's folder (built and cached by the shared tool), or None where it cannot be built."""
    if not ENCODER_TOOL.is_file():
        return None
    try:
        done = subprocess.run([sys.executable, str(ENCODER_TOOL)], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not Path(lines[-1]).is_dir():
        return None
    return Path(lines[-1])


def build_encoder_ner(folder: Path | None = None) -> Path | None:
    """The offline encoder as ``BertForTokenClassification`` with our TAGS (fresh head), or None."""
    folder = folder or MODELS_DIR / "e5-small-ner"
    if (folder / "bench-model.json").is_file():
        return folder
    base = offline_encoder()
    if base is None:
        return None
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from ner.tagging import TAGS

    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(
        str(base), num_labels=len(TAGS), id2label=dict(enumerate(TAGS)), label2id={t: i for i, t in enumerate(TAGS)}
    )
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(str(base)).save_pretrained(folder)
    (folder / "bench-model.json").write_text(json.dumps({"base": str(base)}) + "\n")
    return folder


def md_table(headers: list[str], rows: list[list]) -> str:
    """A markdown table; floats keep what the caller formatted."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(name: str, markdown: str, data: dict, folder: Path | None = None) -> tuple[Path, Path]:
    """``<name>.md`` and ``<name>.json`` under ``folder`` (default bench/results), each written then renamed."""
    folder = folder or RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"{name}.md", folder / f"{name}.json")
    for path, content in zip(paths, (markdown + "\n", json.dumps(data, indent=2, default=str) + "\n")):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, path)
    return paths


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation, as numpy computes it."""
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q))


def _busy_jiffies() -> int:
    """All CPUs' busy time since boot (user, nice, system, irq, softirq, steal), in clock ticks."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq + steal


class OtherLoad:
    """How many cores other processes kept busy while this one ran (benchmarks on a shared machine).

    ``stop()`` returns a dict: wall seconds, this process's (and its children's) CPU seconds,
    and ``other_cores``: the machine's busy CPU-seconds minus ours, per wall second. Above
    ~0.3 the timings are disturbed; the benchmarks record it next to their figures.
    """

    def __init__(self) -> None:
        self.tick = os.sysconf("SC_CLK_TCK")
        self.t0 = time.perf_counter()
        self.busy0 = _busy_jiffies()
        self.own0 = self._own()

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def stop(self) -> dict:
        wall = time.perf_counter() - self.t0
        busy = (_busy_jiffies() - self.busy0) / self.tick
        own = self._own() - self.own0
        return {"wall_seconds": round(wall, 1), "own_cpu_seconds": round(own, 1),
                "other_cores": round(max(busy - own, 0.0) / wall, 2) if wall > 0 else 0.0}


def wait_for_quiet(max_wait: float = 180.0, threshold: float = 0.3, window: float = 3.0) -> dict:
    """Wait (at most ``max_wait`` seconds) until other processes keep fewer than ``threshold`` cores busy.

    Call it while this process is idle: it samples the machine's busy CPU over ``window``
    seconds. Returns the seconds waited and the last reading (in cores).
    """
    t0 = time.monotonic()
    tick = os.sysconf("SC_CLK_TCK")
    while True:
        b0 = _busy_jiffies()
        time.sleep(window)
        busy = (_busy_jiffies() - b0) / tick / window
        if busy < threshold or time.monotonic() - t0 >= max_wait:
            return {"waited_seconds": round(time.monotonic() - t0, 1), "other_cores": round(busy, 2),
                    "quiet": busy < threshold}


def build_finetuned_encoder(epochs: int = 3, learning_rate: float = 1e-4) -> Path | None:
    """The offline encoder fine-tuned on the training split through ``ner.train.train`` (cached), or None.

    Word embeddings frozen (the fast CPU path): ~5 minutes on 2 cores. Used where random
    weights would mislead: agreement between decoders, and the effect of int8 on F1.
    """
    name = "e5-finetuned"
    if (MODELS_DIR / name / "ner_model.json").is_file():
        return MODELS_DIR / name
    base = offline_encoder()
    if base is None:
        return None
    from ner.train import TrainSettings, train

    settings = TrainSettings(
        base_model=str(base), run_name=name, epochs=epochs, learning_rate=learning_rate, batch_size=16,
        max_length=128, freeze_embeddings=True, use_cpu=True, patience=0, eval_splits=("test",),
    )
    return train(settings, root=MODELS_DIR)
