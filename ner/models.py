"""The models the app may use, resolved and loaded once: finished checkpoints, ``NER_MODEL``, or (admin) any.

A client names a model by its checkpoint folder, its run name, or the configured default.
Anything else (another folder, a hub id) is a download or a disk probe, so it needs the
admin: :meth:`Models.resolve` says no to everyone else, with the same message whether the
thing exists or not. Temporary and staging folders are never loaded, and a CRF (whose
native loader trusts its file) only from a finished checkpoint of this app whose file
matches the checksum its trainer wrote. Loaded models sit in a small LRU cache keyed by
the resolved model, so many spellings of one path cost one load; each is held in a
:class:`GpuPredictor`, whose ``predict`` asks ZeroGPU for a GPU on a Space.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from ner.checkpoints import CheckpointInfo, list_checkpoints
from ner.entities import Document, Entity
from ner.gpu import PREDICT_SECONDS, gpu
from ner.messages import N_
from ner.predict import CheckpointError, Predictor, load_predictor, model_kind
from ner.refusals import Invalid
from ner.relations.models import KINDS as RELATION_KINDS
from ner.relations.models import RelationModel, load_relation_model
from ner.settings import Settings, gradio_temp_dir

ENTITY_KINDS: tuple[str, ...] = ("crf", "transformer")


class NoModelYet(Invalid):
    """No model was chosen and there is none to default to: no checkpoint, no ``NER_MODEL``."""


class ModelNotAllowed(Invalid):
    """A model this caller may not load (not a listed checkpoint, and no admin token).

    ``available``: the listed checkpoints' names (the message is the same whatever was asked).
    """

    def __init__(self, message: str, available: tuple[str, ...] = ()):
        super().__init__(message)
        self.available = available


class NoSuchCheckpoint(CheckpointError):
    """A name that is neither a listed checkpoint, nor a folder, nor a hub id (``owner/name``): a typo.

    ``model``: the name as given; ``available``: the listed checkpoints' names.
    """

    def __init__(self, model: str, available: tuple[str, ...]):
        shown = ", ".join(available[:10]) or "none yet"
        super().__init__(N_("no such checkpoint: {model}. Available: {names} (a model on the Hugging Face Hub is "
                            "written owner/name)"), model=model, names=shown)
        self.model = model
        self.available = available


@dataclass(frozen=True)
class GpuPredictor:
    """A loaded predictor whose :meth:`predict` runs under ZeroGPU's ``spaces.GPU`` (unchanged off Spaces).

    The loaded predictor is left as it was: the decorated call lives in this wrapper, made
    once by :meth:`wrap`, so ZeroGPU sees one function per model.
    """

    inner: Predictor
    run: Callable[[list[str]], list[list[Entity]]]  # inner.predict, decorated

    @classmethod
    def wrap(cls, inner: Predictor, seconds: int | None = None) -> GpuPredictor:
        """``inner`` with its ``predict`` decorated by :func:`ner.gpu.gpu` (``PREDICT_SECONDS`` by default)."""
        return cls(inner, gpu(PREDICT_SECONDS if seconds is None else seconds)(inner.predict))

    @property
    def name(self) -> str:
        return self.inner.name

    def predict(self, texts: list[str]) -> list[list[Entity]]:
        """Entities per text (see the inner predictor), on a ZeroGPU GPU when there is one."""
        return self.run(texts)


@dataclass(frozen=True)
class GpuRelations:
    """A loaded relation model whose :meth:`predict` runs under ZeroGPU's ``spaces.GPU`` (unchanged off Spaces)."""

    inner: RelationModel
    run: Callable[[Sequence[Document]], list[Document]]

    @property
    def name(self) -> str:
        return self.inner.name

    def predict(self, docs: Sequence[Document]) -> list[Document]:
        """The documents with the relations between their entities (see the inner model)."""
        return self.run(docs)


class Models:
    """Lists, resolves and loads the models; at most ``settings.limits.model_cache`` stay loaded."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.checkpoints
        # GpuPredictor by checkpoint, GpuRelations under "relations:" + checkpoint
        self._cache: LRUCache[str, Any] = LRUCache(max(1, settings.limits.model_cache))
        self._lock = threading.Lock()

    def checkpoints(self) -> list[CheckpointInfo]:
        return list_checkpoints(self.root)

    def choices(self, task: str = "entities", lang: str = "en") -> list[tuple[str, str]]:
        """Dropdown choices ``(label, value)`` of the models of ``task`` (``entities`` or ``relations``).

        Entities: ``NER_MODEL`` first when set, then the entity checkpoints, newest first;
        relations: the relation checkpoints, newest first. A checkpoint's label (in ``lang``:
        :func:`ner.checkpoints.checkpoint_label`) shows its kind, dev F1 and time; its value is its folder.
        """
        pinned = self.settings.default_model if task == "entities" else None
        kinds = ENTITY_KINDS if task == "entities" else RELATION_KINDS
        listed = [(c.label(lang), str(c.path)) for c in self.checkpoints() if c.kind in kinds]
        return ([(pinned, pinned)] if pinned else []) + listed

    def default(self, task: str = "entities") -> str | None:
        """``NER_MODEL`` (e.g. a fine-tuned model on the Hub), else the newest checkpoint of ``task``, else None."""
        choices = self.choices(task)
        return choices[0][1] if choices else None

    def relations(self, model: str | None, admin: bool = False):
        """The loaded relation model for ``model`` (see :meth:`resolve`; empty: the newest relation checkpoint).

        Its ``predict(documents)`` runs under ZeroGPU on a Space, like an entity model's.
        :class:`NoModelYet` when there is no relation model; ``CheckpointError`` for an entity model.
        """
        key = self.resolve(model or self.default("relations") or "", admin, task="relations")
        if model_kind(key) not in RELATION_KINDS:
            raise CheckpointError("{model} is an entity model: choose a relation model", model=Path(key).name)
        with self._lock:
            found = self._cache.get("relations:" + key)
            if found is None:
                inner = load_relation_model(key)
                found = self._cache["relations:" + key] = GpuRelations(inner, gpu(PREDICT_SECONDS)(inner.predict))
            return found

    def resolve(self, model: str | None, admin: bool = False, task: str = "entities") -> str:
        """The canonical name of the model to load: a checkpoint's resolved folder, ``NER_MODEL``, or (admin) any.

        :class:`NoModelYet` when there is no model yet; :class:`ModelNotAllowed` for a model the
        caller may not load; :class:`NoSuchCheckpoint` (admin) for a name that is no checkpoint,
        no folder and no ``owner/name`` hub id (a typo, not a download); :class:`~ner.predict.CheckpointError`
        for a temporary or staging folder, or a CRF outside the checkpoints.
        """
        model = (model or "").strip() if isinstance(model, str) else ""
        if not model:
            model = self.default(task) or ""
            if not model:
                raise NoModelYet("no model yet: train one (the instant CRF takes seconds)")
        if model == self.settings.default_model:
            return model
        listed = {c.name: c.path for c in self.checkpoints()}  # staging folders are never listed
        found = _resolved(model)
        if model in listed:
            return str(listed[model])
        if found is not None and found.parent == self.root and found.name in listed:
            return str(found)
        available = tuple(listed)
        if not admin:
            names = ", ".join(available[:10]) or "none yet"
            raise ModelNotAllowed(f"no such model: no such checkpoint here. Available: {names} "
                                  "(other folders and hub ids need the admin token)", available)
        if found is not None and not found.exists() and _looks_like_a_checkpoint(model, found, self.root):
            raise NoSuchCheckpoint(model, available)
        if found is not None and found.exists():
            if _is_temporary(found):
                raise CheckpointError("temporary and staging folders are never loaded")
            if model_kind(found) == "crf":
                raise CheckpointError("a CRF loads only from a finished checkpoint of this app")
            return str(found)
        if model_kind(model) == "crf":
            raise CheckpointError("a CRF loads only from a finished checkpoint of this app")
        return model  # a hub id (downloaded by transformers)

    def get(self, model: str | None, admin: bool = False) -> GpuPredictor:
        """The loaded predictor for ``model`` (see :meth:`resolve`); the newest checkpoint when empty."""
        key = self.resolve(model, admin)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                return found
            if model_kind(key) == "crf":
                _check_crf(Path(key))
            predictor = GpuPredictor.wrap(load_predictor(key, **self._options(key)))
            self._cache[key] = predictor
            return predictor

    def loaded(self) -> list[str]:
        """The resolved names of the models in memory."""
        with self._lock:
            return list(self._cache)

    def _options(self, model: str) -> dict:
        """``NER_PRECISION`` for transformers, and ``NER_INT8=1`` (a CPU-only deployment, e.g. a free Space):
        transformers run quantised to int8."""
        import torch

        if model_kind(model) != "transformer":
            return {}
        if self.settings.int8 and not torch.cuda.is_available():
            return {"int8": True, "device": "cpu"}
        return {"precision": self.settings.precision}


def _resolved(model: str) -> Path | None:
    if "\x00" in model:
        return None
    try:
        return Path(model).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _looks_like_a_checkpoint(model: str, found: Path, root: Path) -> bool:
    """A missing name meant as a checkpoint, not a hub id: a bare name, or a path in the checkpoints folder or
    written as a path (``/``, ``./``, ``~``)."""
    return ("/" not in model and "\\" not in model) or found.parent == root.resolve() \
        or model.startswith(("/", ".", "~"))


def _is_temporary(folder: Path) -> bool:
    """A staging folder, an upload in Gradio's cache, or one of this app's scratch folders."""
    temp = Path(tempfile.gettempdir()).resolve()
    uploads = gradio_temp_dir()
    scratch = folder.is_relative_to(temp) and len(folder.relative_to(temp).parts) > 0 \
        and folder.relative_to(temp).parts[0].startswith("ner-")
    return scratch or folder.is_relative_to(uploads) or any(part.startswith(".tmp-") for part in folder.parts)


def _check_crf(folder: Path) -> None:
    """A CRF checkpoint must carry the checksum its trainer wrote (``CrfModel.load`` then compares it)."""
    try:
        info = json.loads((folder / "crf.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError("checkpoint {name}: its CRF description is unreadable", name=folder.name) from exc
    if not isinstance(info, dict) or not isinstance(info.get("sha256"), str):
        raise CheckpointError("checkpoint {name}: its CRF has no checksum, so it is not loaded", name=folder.name)
