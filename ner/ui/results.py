"""What the Evaluate tab keeps between a run and its error browser: compact, and bounded for all sessions together.

A run's gold and predicted sentences are packed (pickled and compressed, :data:`BLOCK`
sentences a block) with one small mask a sentence that says which kinds of error it holds,
so that the error browser filters without unpacking and unpacks only the page it shows. The
packs of every session live in one :class:`Results`: at most ``max_bytes`` of them together
(least recently used dropped first) and each for at most ``ttl`` seconds; a session holds
only the key of its pack. Pickle is safe here: the server reads back only what it wrote.
"""

from __future__ import annotations

import itertools
import pickle
import secrets
import threading
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cachetools import TTLCache

from ner.entities import LABELS, Document, Entity
from ner.errors import ERRORS, mark_sentence, same_entities

BLOCK = 64  # sentences packed together
DIFFER = 1 << len(ERRORS)  # in a comparison's masks: models A and B found different entities
ANNOTATED = DIFFER << 1  # the gold sentence is annotated (the official scorer skips the others)


def error_mask(errors: frozenset[str] | set[str]) -> int:
    """One bit per kind of error of :data:`ner.errors.ERRORS`."""
    return sum(1 << i for i, kind in enumerate(ERRORS) if kind in errors)


def mask_errors(mask: int) -> frozenset[str]:
    """The kinds of error of a mask (:func:`error_mask` read back)."""
    return frozenset(kind for i, kind in enumerate(ERRORS) if mask & (1 << i))


@dataclass(frozen=True)
class Pack:
    """One run, packed: its names, split and credit, a mask per sentence, the sentences in compressed blocks.

    ``columns``: how many documents a sentence has (gold + one or two predictions).
    """

    names: tuple[str, ...]
    split: str
    credit: bool
    masks: bytes  # two bytes a sentence, little-endian
    data: bytes  # the compressed blocks one after the other: one allocation, which pins no other memory
    ends: tuple[int, ...]  # where each block ends in ``data``
    columns: int

    @property
    def size(self) -> int:
        return len(self.masks) + len(self.data) + 8 * len(self.ends) + 200

    @property
    def blocks(self) -> int:
        return len(self.ends)

    def _block(self, b: int) -> list:
        start = self.ends[b - 1] if b else 0
        return pickle.loads(zlib.decompress(self.data[start : self.ends[b]]))

    def __len__(self) -> int:
        return len(self.masks) // 2

    def mask(self, i: int) -> int:
        return int.from_bytes(self.masks[2 * i : 2 * i + 2], "little")

    def sentences(self, indexes: Sequence[int]) -> Iterator[tuple[int, tuple[Document, ...]]]:
        """``(index, (gold, prediction[, other prediction]))`` for each index, unpacking only their blocks.

        The documents come back as packed: ids, texts, labels and fragments (no scores, relations or notes).
        """
        cache: dict[int, list] = {}
        for i in indexes:
            b = i // BLOCK
            if b not in cache:
                cache[b] = self._block(b)
            doc_id, text, annotated, *sides = cache[b][i % BLOCK]
            yield i, tuple(Document(doc_id, text, _entities(side), annotated=annotated) for side in sides)


def _flat(doc: Document) -> tuple[tuple[int, ...], ...]:
    """A document's entities as plain integers: ``(label index, start, end, start, end, ...)`` each."""
    return tuple((LABELS.index(e.label), *(x for f in e.fragments for x in f)) for e in doc.entities)


def _entities(flat: tuple[tuple[int, ...], ...]) -> tuple[Entity, ...]:
    return tuple(Entity(tuple(zip(e[1::2], e[2::2])), LABELS[e[0]]) for e in flat)


def pack(gold: Sequence[Document], *predictions: Sequence[Document], names: tuple[str, ...], split: str,
         credit: bool) -> Pack:
    """Pack a run: ``gold`` and one prediction (a model) or two (a comparison), aligned sentence by sentence."""
    masks = bytearray()
    rows = []
    for g, *preds in zip(gold, *predictions):
        marked = [mark_sentence(g, p) for p in preds]
        mask = error_mask(frozenset().union(*(m.errors for m in marked))) | (ANNOTATED if g.annotated else 0)
        if len(preds) == 2 and _differ(preds[0], preds[1]):
            mask |= DIFFER
        masks += mask.to_bytes(2, "little")
        rows.append((g.id, g.text, g.annotated, _flat(g), *(_flat(p) for p in preds)))
    blocks = [zlib.compress(pickle.dumps(rows[n : n + BLOCK], protocol=5), 6) for n in range(0, len(rows), BLOCK)]
    ends = tuple(itertools.accumulate(len(b) for b in blocks))
    return Pack(names, split, credit, bytes(masks), b"".join(blocks), ends, 1 + len(predictions))


def _differ(a: Document, b: Document) -> bool:
    return not same_entities(a, b)


class Results:
    """Every session's packs: at most ``max_bytes`` together, each for ``ttl`` seconds; thread-safe."""

    def __init__(self, max_bytes: int, ttl: float):
        self._cache: TTLCache[str, Pack] = TTLCache(maxsize=max_bytes, ttl=ttl, getsizeof=lambda p: p.size)
        self._lock = threading.Lock()

    def put(self, value: Pack) -> str | None:
        """Keep a pack (dropping the least recently used ones if need be); its key, or None if it is too big alone."""
        key = secrets.token_urlsafe(16)
        with self._lock:
            try:
                self._cache[key] = value
            except ValueError:  # larger than max_bytes on its own
                return None
        return key

    def get(self, key: object) -> Pack | None:
        """The pack of ``key`` (None when unknown, expired or dropped)."""
        if not isinstance(key, str):
            return None
        with self._lock:
            return self._cache.get(key)

    @property
    def bytes(self) -> int:
        """What the packs kept now hold together."""
        with self._lock:
            self._cache.expire()
            return int(self._cache.currsize)

    def __len__(self) -> int:
        with self._lock:
            self._cache.expire()
            return len(self._cache)
