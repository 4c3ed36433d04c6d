"""The CRF baseline: hand-written word features and a linear-chain CRF (crfsuite).

Trains on the whole training split in seconds on one CPU core. Labels come from
:func:`ner.tagging.doc_to_bio`; predictions go back through
:func:`ner.tagging.bio_to_entities`, so the tag policy is the transformers' one. A saved
model is a folder with ``crf.model`` (the crfsuite file) and ``crf.json`` (settings,
labels, ``{"kind": "crf"}``).
"""

from __future__ import annotations

import hashlib
import json
import struct
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pycrfsuite

from ner.entities import Document, Entity
from ner.files import atomic_write
from ner.tagging import bio_to_entities, doc_to_bio
from ner.tokens import CHUNK_WORDS
from ner.tokens import sentences as sentence_spans
from ner.tokens import words as text_words

MODEL_FILE = "crf.model"
INFO_FILE = "crf.json"


@dataclass(frozen=True)
class CrfSettings:
    """Training settings; ``window`` is how many neighbouring words on each side give features.

    ``c1``/``c2`` are the L1/L2 regularisation coefficients of L-BFGS training; ``affixes`` is
    the longest prefix and suffix (in characters) used as a feature. The defaults were chosen
    on the dev split and 4-fold cross-validation of the training split (official F1), with
    the ±2 window fixed.
    """

    c1: float = 0.1
    c2: float = 0.2
    max_iterations: int = 150
    window: int = 2
    affixes: int = 5
    min_freq: int = 1
    all_transitions: bool = True


def shape(word: str) -> str:
    """The word's shape with runs collapsed: ``"VIH-1"`` is ``"X-d"``, ``"Insulina"`` is ``"Xx"``."""
    out: list[str] = []
    for ch in word:
        c = "X" if ch.isupper() else "x" if ch.isalpha() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(ch)[0] in "PS" for ch in word)


def unaccented(word: str) -> str:
    """``word`` without combining marks: ``"inflamación"`` is ``"inflamacion"``, ``"ñ"`` is ``"n"``."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if not unicodedata.combining(ch))


def _neighbour_features(word: str, prefix: str, near: bool) -> dict[str, str | float]:
    """The features of a neighbouring word, names prefixed by its position (``-1:``).

    A ``near`` (adjacent) word also gives its 2- to 4-letter suffixes and 3-letter prefix;
    a farther one only its 3-letter suffix.
    """
    low = word.lower()
    feats: dict[str, str | float] = {
        f"{prefix}lower": low,
        f"{prefix}shape": shape(word),
        f"{prefix}title": float(word.istitle()),
        f"{prefix}upper": float(word.isupper()),
    }
    if near:
        for n in (2, 3, 4):
            feats[f"{prefix}suffix{n}"] = low[-n:]
        feats[f"{prefix}prefix3"] = low[:3]
    else:
        feats[f"{prefix}suffix3"] = low[-3:]
    return feats


def word_features(text: str, words: list[tuple[int, int]], i: int, window: int = 2, affixes: int = 5) -> dict:
    """The features of word ``i`` of ``words`` (half-open character spans into ``text``).

    Features of the word itself: lower form, the same without accents (``norm``), its first
    five letters (``stem``, words over five letters), prefixes and suffixes of 1 to
    ``affixes`` letters, shape, length (capped at 8), digit / upper / title / punctuation
    flags, whether a space precedes it. For each neighbour up to ``window`` words away, the
    features of :func:`_neighbour_features` under a ``-2:``, ``+1:``... prefix; the lower
    forms of the word and each adjacent one as bigrams; ``BOS`` / ``EOS`` at the edges.
    """
    start, end = words[i]
    word = text[start:end]
    low = word.lower()
    feats: dict[str, str | float] = {
        "bias": 1.0,
        "lower": low,
        "norm": unaccented(low),
        "shape": shape(word),
        "len": str(min(len(word), 8)),
        "digit": float(word.isdigit()),
        "upper": float(word.isupper()),
        "title": float(word.istitle()),
        "punct": float(_is_punct(word)),
        "spaced": float(start == 0 or text[start - 1].isspace()),
    }
    if len(low) > 5:
        feats["stem"] = low[:5]
    for n in range(1, affixes + 1):
        if len(word) >= n:
            feats[f"prefix{n}"] = low[:n]
            feats[f"suffix{n}"] = low[-n:]
    for k in range(1, window + 1):
        for j, sign in ((i - k, "-"), (i + k, "+")):
            if 0 <= j < len(words):
                feats.update(_neighbour_features(text[words[j][0] : words[j][1]], f"{sign}{k}:", k == 1))
    if i == 0:
        feats["BOS"] = 1.0
    if i == len(words) - 1:
        feats["EOS"] = 1.0
    if 0 < i:
        feats["-1:+0:lower"] = f"{text[words[i - 1][0] : words[i - 1][1]].lower()}|{low}"
    if i < len(words) - 1:
        feats["+0:+1:lower"] = f"{low}|{text[words[i + 1][0] : words[i + 1][1]].lower()}"
    return feats


def sentence_features(text: str, words: list[tuple[int, int]], settings: CrfSettings) -> list[dict]:
    """The features of every word of one sentence."""
    return [word_features(text, words, i, settings.window, settings.affixes) for i in range(len(words))]


class _Trainer(pycrfsuite.Trainer):
    """A quiet trainer that reports each L-BFGS iteration to ``progress``.

    crfsuite calls back from C, where a Python exception cannot stop it: the first
    exception ``progress`` raises is kept, later iterations are not reported, and
    :func:`train_crf` raises it once crfsuite returns.
    """

    def __init__(self, total: int, progress: Callable[[int, int], None] | None):
        super().__init__(algorithm="lbfgs", verbose=True)  # verbose: crfsuite only calls on_* hooks then
        self.total = total
        self.progress = progress
        self.error: BaseException | None = None

    def on_iteration(self, log, info) -> None:
        if self.progress is None or self.error is not None:
            return
        try:
            self.progress(min(int(info.get("num", 0)), self.total), self.total)
        except BaseException as exc:  # noqa: BLE001 - re-raised by train_crf
            self.error = exc

    def _quiet(self, *args) -> None:
        """Print nothing (the default hooks print crfsuite's log)."""

    on_start = on_featgen_progress = on_featgen_end = on_prepared = _quiet
    on_prepare_error = on_optimization_end = on_end = _quiet


def train_crf(
    docs: list[Document],
    settings: CrfSettings = CrfSettings(),
    progress: Callable[[int, int], None] | None = None,
) -> CrfModel:
    """A CRF trained on the annotated documents of ``docs``.

    ``progress(done, total)`` is called after each optimisation iteration and once at the
    end with ``done == total`` (training may converge before ``max_iterations``). An
    exception raised by ``progress`` (a cancellation) stops the reports and is raised
    again when crfsuite returns: crfsuite cannot be interrupted, so that takes the rest
    of the run (seconds). Raises ``ValueError`` when no document is annotated.
    """
    trainer = _Trainer(settings.max_iterations, progress)
    sequences = 0
    for doc in docs:
        if not doc.annotated:
            continue
        words, tags = doc_to_bio(doc)
        if words:
            trainer.append(sentence_features(doc.text, words, settings), tags)
            sequences += 1
    if not sequences:
        raise ValueError(f"no annotated document with words among the {len(docs)} given: nothing to train on")
    trainer.set_params(
        {
            "c1": settings.c1,
            "c2": settings.c2,
            "max_iterations": settings.max_iterations,
            "feature.minfreq": settings.min_freq,
            "feature.possible_transitions": settings.all_transitions,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / MODEL_FILE
        try:
            trainer.train(str(path))
        except pycrfsuite.CRFSuiteError as exc:
            raise ValueError(f"crfsuite cannot train on these {len(docs)} documents: {exc}") from exc
        if trainer.error is not None:
            raise trainer.error
        if not path.is_file() or path.stat().st_size == 0:
            raise ValueError(f"crfsuite wrote no model for these {len(docs)} documents")
        data = path.read_bytes()
    if progress is not None:
        progress(settings.max_iterations, settings.max_iterations)
    return CrfModel(data, settings)


class CrfModel:
    """A trained CRF; :meth:`predict` takes texts of any length and finds their entities.

    ``data`` is the crfsuite model file's bytes. Its header is checked, but crfsuite trusts
    the rest: :meth:`load` also compares the file with the checksum saved next to it.
    One model may be shared between threads (tagging takes a lock).
    """

    def __init__(self, data: bytes, settings: CrfSettings = CrfSettings(), name: str = "crf"):
        self.data = data
        self.settings = settings
        self.name = name
        problem = model_problem(data)
        if problem:
            raise ValueError(f"{name}: not a crfsuite model ({problem})")
        self.tagger = pycrfsuite.Tagger()
        try:
            self.tagger.open_inmemory(data)
        except (ValueError, OSError) as exc:
            raise ValueError(f"{name}: not a crfsuite model ({exc})") from exc
        self.labels: list[str] = list(self.tagger.labels())
        self._lock = threading.Lock()

    def predict(self, texts: list[str]) -> list[list[Entity]]:
        """The entities of each text, offsets into that text, each with a score in (0, 1].

        Texts are split into sentences (:func:`ner.tokens.sentences`); an entity's score is
        the mean marginal probability of its words' chosen tags.
        """
        out = []
        for text in texts:
            found: list[Entity] = []
            for s, e in sentence_spans(text, CHUNK_WORDS):
                words = [(s + a, s + b) for a, b in text_words(text[s:e])]
                found.extend(self._tag(text, words))
            out.append(sorted(found))
        return out

    def _tag(self, text: str, words: list[tuple[int, int]]) -> list[Entity]:
        if not words:
            return []
        features = sentence_features(text, words, self.settings)
        with self._lock:  # the tagger keeps the last sequence for marginal()
            tags = self.tagger.tag(features)
            probs = [self.tagger.marginal(tag, i) for i, tag in enumerate(tags)]
        first = {s: i for i, (s, _) in enumerate(words)}
        last = {e: i for i, (_, e) in enumerate(words)}
        scored = []
        for ent in bio_to_entities(text, words, tags):
            a, b = first[ent.start], last[ent.end]
            mean = sum(probs[a : b + 1]) / (b - a + 1)
            scored.append(Entity(ent.fragments, ent.label, round(min(max(mean, 1e-6), 1.0), 4)))
        return scored

    def save(self, folder: Path) -> None:
        """Write ``crf.model`` and ``crf.json`` into the existing ``folder`` (each written whole, then renamed)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"cannot save the CRF: folder {folder} does not exist")
        info = {
            "kind": "crf",
            "settings": asdict(self.settings),
            "labels": self.labels,
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }
        atomic_write(folder / MODEL_FILE, self.data)
        atomic_write(folder / INFO_FILE, json.dumps(info, indent=2) + "\n")

    @classmethod
    def load(cls, folder: Path) -> CrfModel:
        """The CRF saved in ``folder``; ``FileNotFoundError`` / ``ValueError`` naming it when missing or broken."""
        folder = Path(folder)
        model_path, info_path = folder / MODEL_FILE, folder / INFO_FILE
        for path in (model_path, info_path):
            if not path.is_file():
                raise FileNotFoundError(f"{folder} holds no CRF: {path.name} is missing")
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            if not isinstance(info, dict) or info.get("kind") != "crf":
                raise ValueError('no {"kind": "crf"} in it')
            known = {f.name for f in fields(CrfSettings)}
            settings = CrfSettings(**{k: v for k, v in dict(info.get("settings") or {}).items() if k in known})
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{info_path} is not a CRF description: {exc}") from exc
        data = model_path.read_bytes()
        if "sha256" in info and hashlib.sha256(data).hexdigest() != info["sha256"]:
            raise ValueError(f"{model_path} is corrupt: its checksum differs from the one in {info_path.name}")
        try:
            return cls(data, settings, name=str(folder))
        except ValueError as exc:
            raise ValueError(f"{model_path} is not a crfsuite model (corrupt or truncated)") from exc


_HEADER = struct.Struct("<4s11I")  # magic, size, type, version, 3 counts, 5 offsets


def model_problem(data: bytes) -> str | None:
    """What is wrong with the header of a crfsuite model file, or None.

    crfsuite reads a truncated or mislabelled file out of bounds (and crashes the
    process), so the header is checked before crfsuite sees the bytes.
    """
    if len(data) < _HEADER.size:
        return f"{len(data)} bytes, shorter than a header"
    magic, size, _type, _version, _features, labels, _attrs, *offsets = _HEADER.unpack_from(data)
    if magic != b"lCRF":
        return "no lCRF magic number"
    if size != len(data):
        return f"the header says {size} bytes, the file has {len(data)} (truncated?)"
    if labels == 0 or any(not _HEADER.size <= off < size for off in offsets):
        return "its header points outside the file"
    return None

