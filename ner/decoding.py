"""BIO tags from per-word label probabilities: argmax, or Viterbi under the BIO constraints.

The constraints: an ``I-X`` tag follows only ``B-X`` or ``I-X`` (never ``O``, another type,
or the start of the sentence). Argmax can break them ("O I-Concept"); the tag-to-span
reader then repairs the stray ``I-`` into a new span. Viterbi instead picks the most
probable sequence of tags that obeys them (the product of the chosen probabilities, as
sums of logs), so a stray ``I-`` never happens.
"""

from __future__ import annotations

import numpy as np

DECODERS: tuple[str, ...] = ("viterbi", "argmax")
_FLOOR = 1e-12  # log(0) guard: a probability of 0 still ranks below every positive one


def allowed_transitions(tags: list[str] | tuple[str, ...]) -> np.ndarray:
    """``allowed[a, b]``: may tag ``b`` follow tag ``a``? (BIO: ``I-X`` only after ``B-X``/``I-X``)."""
    n = len(tags)
    allowed = np.ones((n, n), dtype=bool)
    for b, tag in enumerate(tags):
        if tag.startswith("I-"):
            kind = tag[2:]
            allowed[:, b] = [t in (f"B-{kind}", f"I-{kind}") for t in tags]
    return allowed


def allowed_starts(tags: list[str] | tuple[str, ...]) -> np.ndarray:
    """Tags a sentence may start with: all but ``I-``."""
    return np.array([not t.startswith("I-") for t in tags])


def viterbi(probs: np.ndarray, tags: list[str] | tuple[str, ...]) -> list[int]:
    """The most probable tag index sequence for ``probs`` (words × tags) that obeys BIO."""
    n_words = probs.shape[0]
    if n_words == 0:
        return []
    logp = np.log(np.maximum(probs.astype(np.float64), _FLOOR))
    trans = np.where(allowed_transitions(tags), 0.0, -np.inf)
    score = np.where(allowed_starts(tags), logp[0], -np.inf)
    back = np.zeros((n_words, len(tags)), dtype=np.int64)
    for i in range(1, n_words):
        total = score[:, None] + trans  # previous tag × next tag
        back[i] = total.argmax(axis=0)
        score = total.max(axis=0) + logp[i]
    path = [int(score.argmax())]
    for i in range(n_words - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def decode(probs: np.ndarray, tags: list[str] | tuple[str, ...], how: str = "viterbi") -> list[int]:
    """Tag indices per word by ``how`` (one of :data:`DECODERS`)."""
    if how == "argmax":
        return [int(i) for i in probs.argmax(axis=1)]
    if how == "viterbi":
        return viterbi(probs, tags)
    raise ValueError(f"unknown decoder {how!r} (expected one of {', '.join(DECODERS)})")
