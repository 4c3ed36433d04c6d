"""The transformer relation model: one encoder pass a sentence, a pair head over its entities' word states.

Each entity is the mean of its sub-word states plus an embedding of its label; a pair
``i → j`` is classified from both entities, their product, the mean of the sub-words between
them, the sentence's first state and their distance, into a relation kind or ``none``
(:mod:`ner.relations.pairs`). One forward pass serves every pair of a sentence, so training
costs what the entity model costs, whatever the number of pairs. Trained with
``transformers.Trainer``; the epoch kept is the one with the best official Task B F1 on the
development split (gold entities given), and the decision threshold is chosen there too.

A saved model is a folder: the encoder and tokenizer (``save_pretrained``), ``head.safetensors``
and ``relations.json`` (``{"kind": "relations-transformer"}``, classes, threshold, settings).
A sentence longer than ``max_length`` sub-words is cut: pairs with an entity beyond the cut are ``none``.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoModel, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments, set_seed

from ner.entities import LABELS, Document
from ner.files import atomic_write
from ner.relations.pairs import NONE, candidates, decide, pair_labels
from ner.relations.scoring import score_relations
from ner.relations.triples import RELATIONS, with_triples
from ner.tokens import words

KIND = "relations-transformer"
INFO_FILE = "relations.json"
HEAD_FILE = "head.safetensors"
CLASSES: tuple[str, ...] = (NONE, *RELATIONS)
DISTANCES = 8  # sub-word distance buckets: 0, 1, 2, 3-4, 5-8, 9-16, 17-32, more


@dataclass(frozen=True)
class RelationSettings:
    """How the relation model is trained; ``thresholds``: those tried on dev for the decision."""

    epochs: int = 10
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    batch_size: int = 16
    max_length: int = 256
    freeze_embeddings: bool = True
    hidden: int = 384
    dropout: float = 0.1
    seed: int = 42
    thresholds: tuple[float, ...] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)


class PairHead(nn.Module):
    """Pair scores from an encoder's states (see the module docstring); ``forward`` returns ``loss`` and ``logits``."""

    def __init__(self, encoder: nn.Module, hidden: int, dropout: float, classes: int = len(CLASSES)):
        super().__init__()
        self.encoder = encoder
        size = encoder.config.hidden_size
        self.label = nn.Embedding(len(LABELS), 32)
        self.distance = nn.Embedding(DISTANCES, 32)
        self.mlp = nn.Sequential(nn.Linear(5 * size + 3 * 32, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, classes))

    def forward(self, input_ids, attention_mask, entity_mask, entity_label, entity_span, pairs, pair_labels=None):
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # B T H
        counts = entity_mask.sum(-1, keepdim=True).clamp(min=1)
        ents = entity_mask @ states / counts  # B E H
        b, p = pairs.shape[:2]
        safe = pairs.clamp(min=0)
        rows = torch.arange(b, device=states.device)[:, None].expand(b, p)
        ei, ej = ents[rows, safe[..., 0]], ents[rows, safe[..., 1]]  # B P H
        si, sj = entity_span[rows, safe[..., 0]], entity_span[rows, safe[..., 1]]  # B P 2 (first, last)
        lo = torch.minimum(si[..., 1], sj[..., 1])
        hi = torch.maximum(si[..., 0], sj[..., 0])
        pos = torch.arange(states.shape[1], device=states.device)
        between = ((pos > lo[..., None]) & (pos < hi[..., None])).to(states.dtype) * attention_mask[:, None, :]
        mid = between @ states / between.sum(-1, keepdim=True).clamp(min=1)
        gap = (hi - lo).clamp(min=0)
        bucket = torch.bucketize(gap, torch.tensor([1, 2, 3, 5, 9, 17, 33], device=gap.device))
        li, lj = entity_label[rows, safe[..., 0]], entity_label[rows, safe[..., 1]]
        first = states[:, :1].expand(b, p, -1)
        x = torch.cat([ei, ej, ei * ej, mid, first, self.label(li), self.label(lj), self.distance(bucket)], -1)
        logits = self.mlp(x)
        out = {"logits": logits}
        if pair_labels is not None:
            out["loss"] = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), pair_labels.reshape(-1),
                                                      ignore_index=-100)
        return out


def encode_sentence(tokenizer, doc: Document, max_length: int) -> dict | None:
    """The model's input for one sentence: sub-word ids, each entity's sub-words and label, the candidate pairs.

    None when the sentence has fewer than two entities. Entities beyond the cut get no sub-word.
    """
    pairs = candidates(doc)
    if not pairs:
        return None
    spans = words(doc.text)
    enc = tokenizer([doc.text[s:e] for s, e in spans], is_split_into_words=True, truncation=True,
                    max_length=max_length)
    word_ids = enc.word_ids()
    tokens: list[list[int]] = []
    for ent in doc.entities:
        inside = {k for k, (s, e) in enumerate(spans) if any(fs <= s and e <= fe for fs, fe in ent.fragments)}
        tokens.append([t for t, w in enumerate(word_ids) if w is not None and w in inside])
    return {"input_ids": enc["input_ids"], "tokens": tokens, "labels": [LABELS.index(e.label) for e in doc.entities],
            "pairs": pairs}


def collate(rows: Sequence[dict], pad_id: int) -> dict:
    """A batch: sub-word ids padded, entity masks (B, E, T), spans, labels and pairs padded (pairs with -1)."""
    b = len(rows)
    t = max(len(r["input_ids"]) for r in rows)
    e = max(len(r["tokens"]) for r in rows)
    p = max(len(r["pairs"]) for r in rows)
    ids = torch.full((b, t), pad_id, dtype=torch.long)
    mask = torch.zeros((b, t), dtype=torch.long)
    ent_mask = torch.zeros((b, e, t))
    ent_label = torch.zeros((b, e), dtype=torch.long)
    ent_span = torch.zeros((b, e, 2), dtype=torch.long)
    pairs = torch.full((b, p, 2), -1, dtype=torch.long)
    labels = torch.full((b, p), -100, dtype=torch.long)
    for k, r in enumerate(rows):
        ids[k, : len(r["input_ids"])] = torch.tensor(r["input_ids"])
        mask[k, : len(r["input_ids"])] = 1
        for n, toks in enumerate(r["tokens"]):
            if toks:
                ent_mask[k, n, toks] = 1.0
                ent_span[k, n] = torch.tensor([min(toks), max(toks)])
        ent_label[k, : len(r["labels"])] = torch.tensor(r["labels"])
        pairs[k, : len(r["pairs"])] = torch.tensor(r["pairs"])
        if "pair_labels" in r:
            labels[k, : len(r["pair_labels"])] = torch.tensor(r["pair_labels"])
    batch = {"input_ids": ids, "attention_mask": mask, "entity_mask": ent_mask, "entity_label": ent_label,
             "entity_span": ent_span, "pairs": pairs}
    if any("pair_labels" in r for r in rows):
        batch["pair_labels"] = labels
    return batch


class RelationPredictor:
    """A trained relation model: :meth:`predict` fills the relations of documents from their entities."""

    def __init__(self, model: PairHead, tokenizer, threshold: float, max_length: int, name: str = "relations",
                 device: str | None = None, batch_size: int = 32):
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model, self.tokenizer = model.to(self.device).eval(), tokenizer
        self.threshold, self.max_length, self.name, self.batch_size = threshold, max_length, name, batch_size

    def probabilities(self, docs: Sequence[Document]) -> list[dict[tuple[int, int], np.ndarray]]:
        """Each document's pair probabilities (``CLASSES`` order); a pair an entity of which was cut is ``none``."""
        rows = [encode_sentence(self.tokenizer, d, self.max_length) for d in docs]
        out: list[dict] = [{} for _ in docs]
        order = sorted((k for k, r in enumerate(rows) if r is not None), key=lambda k: len(rows[k]["input_ids"]))
        for n in range(0, len(order), self.batch_size):
            chunk = order[n : n + self.batch_size]
            batch = {k: v.to(self.device) for k, v in collate([rows[k] for k in chunk], self._pad()).items()}
            with torch.inference_mode():
                probs = torch.softmax(self.model(**batch)["logits"].float(), -1).cpu().numpy()
            for row, k in enumerate(chunk):
                cut = {i for i, toks in enumerate(rows[k]["tokens"]) if not toks}
                for q, (i, j) in enumerate(rows[k]["pairs"]):
                    p = probs[row, q]
                    if i in cut or j in cut:
                        p = np.eye(len(CLASSES), dtype=p.dtype)[0]
                    out[k][(i, j)] = p
        return out

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with the relations this model finds between their entities (their own are replaced)."""
        return [with_triples(d, decide(CLASSES, p, self.threshold)) for d, p in zip(docs, self.probabilities(docs))]

    def _pad(self) -> int:
        return self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0

    def save(self, folder: Path, settings: RelationSettings, metrics: dict | None = None) -> None:
        """The encoder and tokenizer, ``head.safetensors`` and ``relations.json`` into the existing ``folder``."""
        from safetensors.torch import save_file

        folder = Path(folder)
        self.model.encoder.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        head = {k: v.detach().cpu().contiguous() for k, v in self.model.state_dict().items()
                if not k.startswith("encoder.")}
        save_file(head, str(folder / HEAD_FILE))
        info = {"kind": KIND, "classes": list(CLASSES), "threshold": self.threshold, "max_length": self.max_length,
                "settings": asdict(settings), "metrics": metrics or {}}
        atomic_write(folder / INFO_FILE, json.dumps(info, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path, device: str | None = None) -> RelationPredictor:
        """The relation model saved in ``folder`` (weights read with safetensors: loading runs no code)."""
        from safetensors.torch import load_file

        folder = Path(folder)
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        if info.get("kind") != KIND or tuple(info.get("classes", ())) != CLASSES:
            raise ValueError(f"{folder / INFO_FILE}: not a relation model of this version")
        settings = RelationSettings(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in info["settings"].items() if k in RelationSettings.__annotations__})
        model = PairHead(AutoModel.from_pretrained(folder), settings.hidden, settings.dropout)
        missing, unexpected = model.load_state_dict(load_file(str(folder / HEAD_FILE)), strict=False)
        if unexpected or any(not k.startswith("encoder.") for k in missing):
            raise ValueError(f"{folder / HEAD_FILE}: its weights do not fit the relation head")
        return cls(model, AutoTokenizer.from_pretrained(folder), float(info["threshold"]), int(info["max_length"]),
                   name=str(folder), device=device)


def training_rows(tokenizer, docs: Sequence[Document], max_length: int) -> list[dict]:
    """One row a sentence with two or more entities: its input and every candidate pair's gold class."""
    rows = []
    for doc in docs:
        row = encode_sentence(tokenizer, doc, max_length) if doc.annotated else None
        if row is None:
            continue
        gold = pair_labels(doc)
        row["pair_labels"] = [CLASSES.index(gold.get(pair, NONE)) for pair in row["pairs"]]
        rows.append(row)
    return rows


def best_threshold(predictor: RelationPredictor, docs: Sequence[Document], thresholds: Sequence[float]
                   ) -> tuple[float, float]:
    """The decision threshold with the best official Task B F1 on ``docs`` (gold entities), and that F1."""
    probs = predictor.probabilities(docs)
    best = (thresholds[0], -1.0)
    for t in thresholds:
        found = [with_triples(d, decide(CLASSES, p, t)) for d, p in zip(docs, probs)]
        f1 = score_relations(list(docs), found)["official"]["f1"]
        if f1 > best[1]:
            best = (t, f1)
    return best


class _BestEpoch(TrainerCallback):
    """After each epoch: the dev Task B F1 (threshold chosen there), the best state kept in memory, progress."""

    def __init__(self, predictor: RelationPredictor, dev: Sequence[Document], settings: RelationSettings,
                 on_epoch: Callable[[int, float, float], None] | None, cancel: threading.Event | None):
        self.predictor, self.dev, self.settings, self.on_epoch, self.cancel = predictor, dev, settings, on_epoch, cancel
        self.best: tuple[float, float, int, dict] | None = None  # f1, threshold, epoch, head and encoder state
        self.history: list[dict] = []

    def on_step_end(self, args, state, control, **kwargs):
        if self.cancel is not None and self.cancel.is_set():
            control.should_training_stop = True

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if not self.dev:
            return
        model.eval()
        threshold, f1 = best_threshold(self.predictor, self.dev, self.settings.thresholds)
        model.train()
        epoch = round(state.epoch or 0)
        self.history.append({"epoch": epoch, "dev_f1": f1, "threshold": threshold})
        if self.best is None or f1 > self.best[0]:
            state_dict = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            self.best = (f1, threshold, epoch, state_dict)
        if self.on_epoch is not None:
            self.on_epoch(epoch, f1, threshold)


def train_relation_model(base_model: str | Path, train_docs: Sequence[Document], dev_docs: Sequence[Document],
                         out: Path, settings: RelationSettings = RelationSettings(),
                         on_epoch: Callable[[int, float, float], None] | None = None,
                         cancel: threading.Event | None = None, use_cpu: bool = False) -> dict:
    """Fine-tune ``base_model`` with the pair head on the gold relations of ``train_docs``; save it into ``out``.

    The epoch and threshold with the best dev Task B F1 are kept (without dev documents: the
    last epoch and the middle threshold). Returns the training metrics.
    """
    set_seed(settings.seed)
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    encoder = AutoModel.from_pretrained(base_model)
    if settings.freeze_embeddings:
        encoder.get_input_embeddings().weight.requires_grad_(False)
    limit = getattr(encoder.config, "max_position_embeddings", 514) - 2
    max_length = min(settings.max_length, limit)
    model = PairHead(encoder, settings.hidden, settings.dropout)
    rows = training_rows(tokenizer, train_docs, max_length)
    if not rows:
        raise ValueError("the training documents hold no sentence with two entities to learn relations from")
    cuda = torch.cuda.is_available() and not use_cpu
    predictor = RelationPredictor(model, tokenizer, settings.thresholds[len(settings.thresholds) // 2], max_length,
                                  device="cuda" if cuda else "cpu")
    dev = [d for d in dev_docs if d.annotated]
    best = _BestEpoch(predictor, dev, settings, on_epoch, cancel)
    head = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.") and p.requires_grad]
    optimizer = torch.optim.AdamW([{"params": body, "lr": settings.learning_rate},
                                   {"params": head, "lr": settings.head_learning_rate}], weight_decay=0.01)
    steps = max(1, -(-len(rows) // settings.batch_size)) * settings.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps))
    args = TrainingArguments(output_dir=str(out / ".trainer"), num_train_epochs=settings.epochs,
                             per_device_train_batch_size=settings.batch_size, save_strategy="no",
                             eval_strategy="no", logging_steps=max(1, len(rows) // settings.batch_size // 4),
                             seed=settings.seed, report_to="none", disable_tqdm=True, use_cpu=not cuda,
                             dataloader_num_workers=0, remove_unused_columns=False,
                             bf16=cuda and torch.cuda.is_bf16_supported())
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=lambda b: collate(b, pad),
                      optimizers=(optimizer, scheduler), callbacks=[best])
    result = trainer.train()
    shutil.rmtree(out / ".trainer", ignore_errors=True)
    if cancel is not None and cancel.is_set():
        raise InterruptedError("training cancelled")
    if best.best is not None:
        f1, threshold, epoch, state_dict = best.best
        model.load_state_dict(state_dict)
        predictor.threshold = threshold
    else:
        f1, epoch = None, settings.epochs
    predictor.model = model.eval()
    metrics = {"best_epoch": epoch, "best_dev_f1": f1, "threshold": predictor.threshold, "epochs": best.history,
               "train_seconds": round(time.perf_counter() - t0, 1), "train_sentences": len(rows),
               "train_samples_per_second": result.metrics.get("train_samples_per_second"),
               "device": "cuda" if cuda else "cpu"}
    predictor.save(out, settings, metrics)
    return metrics
