"""The instant relation baseline: logistic regression over hand-written pair features (scikit-learn), seconds to train.

Every ordered pair of a sentence's entities is classified into a relation kind or ``none``
(:mod:`ner.relations.pairs`); the most probable class wins. A saved model is a folder with
``relations.npz`` (the weights, read with ``allow_pickle=False``: loading runs no code) and
``relations.json`` (``{"kind": "relations-baseline"}``, classes, feature names, settings and the
weights' checksum).
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from ner.entities import Document
from ner.files import atomic_write
from ner.relations.pairs import NONE, candidates, decide, pair_features, pair_labels
from ner.relations.triples import with_triples
from ner.tokens import words

WEIGHTS_FILE = "relations.npz"
INFO_FILE = "relations.json"
KIND = "relations-baseline"


@dataclass(frozen=True)
class BaselineSettings:
    """``c``: the inverse L2 regularisation of the logistic regression; ``min_count``: rarer features are dropped.

    The defaults were chosen on the development split (official Task B F1, gold entities given):
    ``c`` among 0.5, 1, 2, 4 (0.508, 0.509, 0.502, 0.501 with argmax), then ``threshold`` among
    0.2 … 0.5 (0.516 … 0.497; 0.35 gave 0.521).
    """

    c: float = 1.0
    min_count: int = 1
    max_iterations: int = 400
    threshold: float = 0.35  # a pair is related when its likeliest kind is at least this probable


class PairClassifier:
    """A trained baseline: ``weights`` (features × classes) and ``bias`` over :func:`pair_features`."""

    def __init__(self, classes: Sequence[str], features: Sequence[str], weights: np.ndarray, bias: np.ndarray,
                 settings: BaselineSettings = BaselineSettings(), name: str = "relations-baseline"):
        if weights.shape != (len(features), len(classes)) or bias.shape != (len(classes),):
            raise ValueError(f"{name}: weights of shape {weights.shape} do not fit {len(features)} features and "
                             f"{len(classes)} classes")
        self.classes, self.settings, self.name = tuple(classes), settings, name
        self.index = {f: k for k, f in enumerate(features)}
        self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)

    def probabilities(self, doc: Document) -> dict[tuple[int, int], np.ndarray]:
        """Each candidate pair's class probabilities (in :attr:`classes` order)."""
        pairs = candidates(doc)
        if not pairs:
            return {}
        spans = words(doc.text)
        rows = [[self.index[f] for f in pair_features(doc, i, j, spans) if f in self.index] for i, j in pairs]
        logits = np.stack([self.weights[r].sum(axis=0) for r in rows]) + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return dict(zip(pairs, p))

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with the relations this model finds between their entities (their own are replaced)."""
        return [with_triples(doc, decide(self.classes, self.probabilities(doc), self.settings.threshold))  # type: ignore[arg-type]
                for doc in docs]

    def save(self, folder: Path) -> None:
        """Write ``relations.npz`` and ``relations.json`` into the existing ``folder`` (each whole, then renamed)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, weights=self.weights, bias=self.bias)
        data = buf.getvalue()
        features = sorted(self.index, key=self.index.__getitem__)
        info = {"kind": KIND, "classes": list(self.classes), "features": features, "settings": asdict(self.settings),
                "sha256": hashlib.sha256(data).hexdigest()}
        atomic_write(Path(folder) / WEIGHTS_FILE, data)
        atomic_write(Path(folder) / INFO_FILE, json.dumps(info, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> PairClassifier:
        """The baseline saved in ``folder``; ``FileNotFoundError`` / ``ValueError`` naming what is missing or broken."""
        folder = Path(folder)
        for name in (WEIGHTS_FILE, INFO_FILE):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder} holds no relation baseline: {name} is missing")
        info = json.loads((folder / INFO_FILE).read_text(encoding="utf-8"))
        if not isinstance(info, dict) or info.get("kind") != KIND:
            raise ValueError(f"{folder / INFO_FILE}: not a relation baseline")
        data = (folder / WEIGHTS_FILE).read_bytes()
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            raise ValueError(f"{folder / WEIGHTS_FILE} is corrupt: its checksum differs from the one in {INFO_FILE}")
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            weights, bias = arrays["weights"], arrays["bias"]
        known = {f.name for f in fields(BaselineSettings)}
        settings = BaselineSettings(**{k: v for k, v in dict(info.get("settings") or {}).items() if k in known})
        return cls(info["classes"], info["features"], weights, bias, settings, name=str(folder))


def training_pairs(docs: Sequence[Document]) -> tuple[list[dict[str, float]], list[str]]:
    """Every candidate pair of the annotated documents: its features and its gold class."""
    feats, labels = [], []
    for doc in docs:
        if not doc.annotated:
            continue
        gold, spans = pair_labels(doc), words(doc.text)
        for i, j in candidates(doc):
            feats.append(pair_features(doc, i, j, spans))
            labels.append(gold.get((i, j), NONE))
    return feats, labels


def train_baseline(docs: Sequence[Document], settings: BaselineSettings = BaselineSettings()) -> PairClassifier:
    """Fit the baseline on the documents' gold relations (their entities are the gold ones)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    feats, labels = training_pairs(docs)
    if len(set(labels)) < 2:
        raise ValueError("the training documents hold no relation to learn from")
    if settings.min_count > 1:
        counts: dict[str, int] = {}
        for f in feats:
            for name in f:
                counts[name] = counts.get(name, 0) + 1
        feats = [{k: v for k, v in f.items() if counts[k] >= settings.min_count} for f in feats]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(feats)
    model = LogisticRegression(C=settings.c, max_iter=settings.max_iterations)
    model.fit(x, labels)
    coef = model.coef_.T if len(model.classes_) > 2 else np.hstack([-model.coef_.T, model.coef_.T]) / 2
    bias = model.intercept_ if len(model.classes_) > 2 else np.array([-model.intercept_[0], model.intercept_[0]]) / 2
    return PairClassifier(list(model.classes_), list(vectorizer.get_feature_names_out()), coef, bias, settings)
