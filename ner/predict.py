"""Entities in any text, from a checkpoint folder or a hub id, with character offsets and scores."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Protocol

import numpy as np

from ner.alignment import encode, word_probabilities
from ner.crf import CrfModel
from ner.decoding import DECODERS, decode
from ner.entities import Entity
from ner.refusals import Refusal
from ner.tagging import bio_to_spans, span_to_entity
from ner.tokens import CHUNK_WORDS
from ner.tokens import sentences as sentence_spans
from ner.tokens import words as text_words

logger = logging.getLogger(__name__)


class Predictor(Protocol):
    """What the CLI, the app and the benchmarks need from a model."""

    name: str

    def predict(self, texts: list[str]) -> list[list[Entity]]: ...


class CheckpointError(Refusal):
    """A checkpoint folder or hub id that cannot be loaded; the message says which and why (a template and values)."""


def split_for_model(texts: list[str]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """Every sentence of every text as ``(text index, sentence start, word spans in the text)``."""
    items = []
    for t, text in enumerate(texts):
        for s, e in sentence_spans(text, CHUNK_WORDS):
            items.append((t, s, [(s + a, s + b) for a, b in text_words(text[s:e])]))
    return items


PRECISIONS: tuple[str, ...] = ("auto", "bf16", "fp32")


def cpu_has_fast_bf16() -> bool:
    """Does this CPU multiply bf16 in hardware: Intel AMX, or AVX-512 BF16 (e.g. AMD Zen 4)?

    Both were measured faster than fp32 with bf16 autocast (``bench/speed.py``: AMX; AVX-512
    BF16 on a 2-core AMD EPYC, 1.9x, in issue 19). ``auto`` still measures once per process
    that bf16 runs faster on the model (:func:`bf16_pays_off`) before it uses it.
    """
    import torch

    return any(bool(getattr(torch.cpu, name, lambda: False)())
               for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported"))


_BF16_MEASURED: dict[str, bool] = {}  # per process: the first model's answer stands for the others
BF16_CHECK_SHAPE = (16, 64)  # rows x tokens of the timing batch: large enough for bf16 to pay off (BF16_MIN_ROWS)


def bf16_pays_off(model, device: str = "cpu", timer=None) -> bool:
    """Does a bf16-autocast forward pass of ``model`` run faster than fp32 here? Measured once per process.

    A batch of :data:`BF16_CHECK_SHAPE` random tokens, each precision run twice (a warm-up, then
    timed); a CPU that emulates bf16 says no, and ``auto`` stays fp32 there. ``timer``: a
    clock for the tests (``time.perf_counter`` by default).
    """
    import torch

    if device in _BF16_MEASURED:
        return _BF16_MEASURED[device]
    clock = timer or time.perf_counter
    rows, width = BF16_CHECK_SHAPE
    vocab = int(getattr(model.config, "vocab_size", 1000))
    ids = torch.randint(5, max(6, vocab), (rows, width), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)

    def timed(bf16: bool) -> float:
        best = float("inf")
        for _ in range(2):
            t0 = clock()
            with torch.inference_mode(), torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
                model(input_ids=ids.to(device), attention_mask=mask.to(device))
            best = min(best, clock() - t0)
        return best

    fp32, bf16 = timed(False), timed(True)
    _BF16_MEASURED[device] = bf16 < fp32
    logger.info("bf16 check on %s: fp32 %.3f s, bf16 %.3f s per batch: %s", device, fp32, bf16,
                "bf16" if bf16 < fp32 else "fp32")
    return _BF16_MEASURED[device]


def resolve_precision(precision: str, device: str, int8: bool = False) -> str:
    """``bf16`` or ``fp32`` for a prediction run: ``auto`` is bf16 on a CPU with bf16 hardware, else fp32.

    (:class:`TransformerPredictor` then keeps ``auto``'s bf16 only if :func:`bf16_pays_off`.)

    On a GPU ``auto`` stays fp32 (the checkpoint's own precision); int8 runs its own kernels.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r} (expected one of {', '.join(PRECISIONS)})")
    if int8 or precision == "fp32":
        return "fp32"
    if precision == "bf16":
        return "bf16"
    return "bf16" if device == "cpu" and cpu_has_fast_bf16() else "fp32"


def tags_to_entities(
    text: str, words: list[tuple[int, int]], probs: np.ndarray, tags: list[str], decoder: str = "viterbi"
) -> list[Entity]:
    """Entities from word probabilities: decoded tags (:mod:`ner.decoding`), spans, score = mean
    probability of the chosen tags."""
    chosen = decode(probs, tags, decoder)
    labels = [tags[i] for i in chosen]
    best = probs[np.arange(len(chosen)), chosen] if chosen else np.empty(0)
    out = []
    starts = {s: i for i, (s, _) in enumerate(words)}
    ends = {e: i for i, (_, e) in enumerate(words)}
    for span in bio_to_spans(words, labels):
        a, b = starts[span[0]], ends[span[1]]
        out.append(span_to_entity(span, text, round(float(best[a : b + 1].mean()), 4)))
    return out


BF16_MIN_ROWS = 8  # smaller batches run in fp32: bf16 autocast only pays off on larger matrices (bench/speed.py)
BF16_RECHECK_MARGIN = 0.03  # a bf16 row with a closer call between two labels is computed again in fp32


class TransformerPredictor:
    """A token-classification checkpoint loaded once; :meth:`predict` takes texts of any length.

    ``precision``: ``auto`` (bf16 autocast on a CPU with AMX or AVX-512 BF16 where a first
    timed batch shows it faster, fp32 elsewhere), ``bf16``
    or ``fp32``; ``decoder``: ``viterbi`` (BIO-constrained) or ``argmax``.
    """

    def __init__(
        self, model: str | Path, device: str | None = None, batch_size: int = 32, max_length: int = 512,
        int8: bool = False, precision: str = "auto", decoder: str = "viterbi",
    ):
        import torch
        from transformers import AutoModelForTokenClassification

        self.name = str(model)
        self.tokenizer = load_tokenizer(model)
        try:
            self.model = AutoModelForTokenClassification.from_pretrained(str(model))
        except Exception as exc:  # OSError, ValueError, safetensors' own errors for truncated weights, ...
            raise CheckpointError("cannot load a token-classification model from {model}: {error}", model=model,
                                  error=str(exc)) from exc
        id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        self.tags = [id2label[i] for i in range(len(id2label))]
        if not any(t.startswith(("B-", "I-")) for t in self.tags) or self.tags[0] != "O":
            raise CheckpointError("{model} has no NER head of BIO labels with 'O' first (labels: {labels}...); "
                                  "fine-tune it first with `python -m ner train --base-model ...`", model=model,
                                  labels=self.tags[:6])
        if decoder not in DECODERS:
            raise ValueError(f"unknown decoder {decoder!r} (expected one of {', '.join(DECODERS)})")
        self.decoder = decoder
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = resolve_precision(precision, str(torch.device(self.device).type), int8)
        self.model.to(self.device).eval()
        if precision == "auto" and self.precision == "bf16" and not bf16_pays_off(self.model, self.device):
            self.precision = "fp32"
        if int8:
            if self.device != "cpu":
                raise ValueError("int8 prediction is for the CPU; on a GPU the model runs in its own precision")
            self.model = quantize_int8(self.model)
            self.name += " (int8)"
        limit = getattr(self.model.config, "max_position_embeddings", 514) - 2
        self.max_length = min(max_length, limit, self.tokenizer.model_max_length)
        self.batch_size = batch_size

    def predict(self, texts: list[str]) -> list[list[Entity]]:
        """Entities per text, sorted, with offsets into that text and a confidence in [0, 1]."""
        import torch

        items = split_for_model(texts)
        word_lists = [[texts[t][a:b] for a, b in ws] for t, _, ws in items]
        windows = encode(self.tokenizer, word_lists, self.max_length)
        order = sorted(range(len(windows)), key=lambda k: len(windows[k].input_ids))
        probs: list[np.ndarray] = [np.empty(0)] * len(windows)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                batch = order[i : i + self.batch_size]
                width = max(len(windows[k].input_ids) for k in batch)
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, k in enumerate(batch):
                    n = len(windows[k].input_ids)
                    ids[row, :n] = torch.tensor(windows[k].input_ids)
                    mask[row, :n] = 1
                p = self._probabilities(ids, mask)
                for row, k in enumerate(batch):
                    probs[k] = p[row]
        per_word = word_probabilities(windows, probs, [len(ws) for _, _, ws in items], len(self.tags))
        out: list[list[Entity]] = [[] for _ in texts]
        for (t, _, ws), wp in zip(items, per_word):
            out[t].extend(tags_to_entities(texts[t], ws, wp, self.tags, self.decoder))
        return [sorted(ents) for ents in out]

    def _probabilities(self, ids, mask) -> np.ndarray:
        """Label probabilities of a padded batch, ``(rows, tokens, labels)``.

        In bf16 (a batch of at least :data:`BF16_MIN_ROWS` rows), rows where two labels come
        within :data:`BF16_RECHECK_MARGIN` of each other are computed again in fp32, so that
        bf16 rounding does not flip a close call: the entities stay those of fp32.
        """
        import torch

        def run(rows_ids, rows_mask, bf16: bool) -> np.ndarray:
            with torch.autocast(torch.device(self.device).type, dtype=torch.bfloat16, enabled=bf16):
                logits = self.model(input_ids=rows_ids.to(self.device), attention_mask=rows_mask.to(self.device)).logits
            return torch.softmax(logits.float(), dim=-1).cpu().numpy()

        bf16 = self.precision == "bf16" and len(ids) >= BF16_MIN_ROWS
        p = run(ids, mask, bf16)
        if bf16:
            again = _close_calls(p, mask.numpy(), BF16_RECHECK_MARGIN)
            if len(again):
                width = int(mask[again].sum(dim=1).max())
                p[again, :width] = run(ids[again, :width], mask[again, :width], False)
        return p


def _close_calls(p: np.ndarray, mask: np.ndarray, margin: float) -> np.ndarray:
    """Rows where some token's two likeliest labels are within ``margin`` of each other."""
    top2 = np.sort(p, axis=-1)[..., -2:]
    close = (top2[..., 1] - top2[..., 0] < margin) & mask.astype(bool)
    return np.flatnonzero(close.any(axis=1))


def quantize_int8(model):
    """``model`` with every ``nn.Linear`` dynamically quantised to int8 (weights int8 per output channel,
    activations per batch).

    About 2-3x faster on a CPU, for an official F1 about 0.02 lower (``bench/speed.py --finetuned``).
    It uses ``torch.ao.quantization.quantize_dynamic``, which torch deprecates in favour of
    torchao but still ships in the releases ``requirements.txt`` allows; its deprecation
    warnings are silenced.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


def load_tokenizer(model: str | Path):
    """A fast tokenizer for ``model``; byte-level BPE ones need ``add_prefix_space`` for word input."""
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(model), add_prefix_space=True)
    except (OSError, ValueError) as exc:
        raise CheckpointError("cannot load a tokenizer from {model}: {error}", model=model, error=str(exc)) from exc
    if not tok.is_fast:
        raise CheckpointError("{model}: a fast tokenizer is needed (word ids and offsets)", model=model)
    return tok


def model_kind(model: str | Path) -> str:
    """``crf`` or ``transformer`` for a checkpoint folder; hub ids are transformers."""
    folder = Path(model)
    if folder.is_dir():
        info = folder / "ner_model.json"
        if info.is_file():
            try:
                return json.loads(info.read_text(encoding="utf-8"))["kind"]
            except (ValueError, KeyError) as exc:
                raise CheckpointError("{path}: unreadable ({error})", path=info,
                                      error=str(exc)) from exc
        if (folder / "crf.json").is_file():
            return "crf"
        if not (folder / "config.json").is_file():
            raise CheckpointError("{folder} is not a checkpoint: no ner_model.json, config.json "
                                  "or crf.json in it", folder=folder)
    elif any(c in str(model) for c in ("./", "\\")) or str(model).startswith(("/", ".", "~")):
        raise CheckpointError("checkpoint folder {model} does not exist", model=model)
    return "transformer"


def load_predictor(model: str | Path, **kwargs) -> Predictor:
    """A CRF or transformer predictor for a checkpoint folder or hub id (a relation model is refused: it finds none)."""
    kind = model_kind(model)
    if kind.startswith("relations"):
        raise CheckpointError("{model} is a relation model: it relates entities an entity model found; choose an "
                              "entity model", model=Path(str(model)).name)
    if kind == "crf":
        try:
            return CrfModel.load(Path(model))
        except (OSError, ValueError) as exc:
            raise CheckpointError("cannot load the CRF in {model}: {error}", model=model,
                                  error=str(exc)) from exc
    return TransformerPredictor(model, **kwargs)


def timed_predict(predictor: Predictor, text: str) -> tuple[list[Entity], float]:
    """Entities of one text and the milliseconds it took."""
    t0 = time.perf_counter()
    ents = predictor.predict([text])[0]
    return ents, (time.perf_counter() - t0) * 1000
