"""Word labels to a fast tokenizer's sub-words and back, in windows: nothing is truncated.

A sentence is given as its words. Each word's first sub-word carries the word's label; its
other pieces and the special tokens get ``-100`` (ignored by the loss). A sentence whose
pieces do not fit ``max_length`` is cut into overlapping windows of whole words; every
word is *owned* by the window where it sits farthest from an edge, and only the owner
labels it (in training) or predicts it (in inference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IGNORE = -100


@dataclass(frozen=True)
class Window:
    """One model input: ``input_ids``, and for each token the word it is the first piece of."""

    sentence: int  # index of the sentence in the batch given to :func:`encode`
    input_ids: tuple[int, ...]
    first_piece_of: tuple[int, ...]  # word index for an owned word's first piece, else -1


def plan_windows(pieces: list[int], budget: int, stride: int) -> list[tuple[int, int]]:
    """Word ranges ``[a, b)`` whose piece counts fit ``budget``, overlapping by about ``stride`` pieces.

    A single word longer than the budget gets a window of its own (its extra pieces are cut;
    its first piece, which carries its label, stays).
    """
    if budget < 1:
        raise ValueError(f"max_length leaves no room for tokens (budget {budget})")
    n = len(pieces)
    if sum(pieces) <= budget:
        return [(0, n)]
    windows: list[tuple[int, int]] = []
    a = 0
    while True:
        b, used = a, 0
        while b < n and used + pieces[b] <= budget:
            used += pieces[b]
            b += 1
        b = max(b, a + 1)
        windows.append((a, b))
        if b >= n:
            return windows
        back, nxt = 0, b
        while nxt - 1 > a and back + pieces[nxt - 1] <= stride:
            nxt -= 1
            back += pieces[nxt]
        a = nxt


def owners(windows: list[tuple[int, int]], n_words: int) -> list[int]:
    """For each word, the index of the window where it is farthest from an edge."""
    best = [-1] * n_words
    depth = [-1] * n_words
    for k, (a, b) in enumerate(windows):
        for i in range(a, b):
            d = min(i - a, b - 1 - i)
            if d > depth[i]:
                best[i], depth[i] = k, d
    return best


def encode(tokenizer, sentences: list[list[str]], max_length: int, stride: int | None = None) -> list[Window]:
    """Windows for sentences given as word strings, with specials added by the tokenizer."""
    stride = max_length // 4 if stride is None else stride
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    out: list[Window] = []
    if not any(sentences):
        return out
    nonempty = [i for i, ws in enumerate(sentences) if ws]
    whole = tokenizer([sentences[i] for i in nonempty], is_split_into_words=True, verbose=False)
    for row, i in enumerate(nonempty):
        word_ids = whole.word_ids(row)
        if len(word_ids) <= max_length:  # the common case: one window, already encoded
            first = _first_pieces(word_ids, 0, [0] * len(sentences[i]), 0)
            out.append(Window(i, tuple(whole["input_ids"][row]), first))
            continue
        pieces = [0] * len(sentences[i])
        for w in word_ids:
            if w is not None:
                pieces[w] += 1
        windows = plan_windows(pieces, budget, stride)
        own = owners(windows, len(pieces))
        for k, (a, b) in enumerate(windows):
            enc = tokenizer(sentences[i][a:b], is_split_into_words=True, truncation=True, max_length=max_length)
            out.append(Window(i, tuple(enc["input_ids"]), _first_pieces(enc.word_ids(), a, own, k)))
    return out


def _first_pieces(word_ids: list[int | None], offset: int, own: list[int], k: int) -> tuple[int, ...]:
    """For each token, the (sentence) word index if it is that word's first piece and window ``k`` owns it."""
    seen: set[int] = set()
    first = []
    for w in word_ids:
        first.append(offset + w if w is not None and w not in seen and own[offset + w] == k else -1)
        if w is not None:
            seen.add(w)
    return tuple(first)


def window_labels(window: Window, word_labels: list[int]) -> list[int]:
    """Token labels for training: the word's label on its first owned piece, ``-100`` elsewhere."""
    return [word_labels[w] if w >= 0 else IGNORE for w in window.first_piece_of]


def word_probabilities(
    windows: list[Window], probs: list[np.ndarray], n_words: list[int], n_labels: int
) -> list[np.ndarray]:
    """Per sentence, a ``(words, labels)`` array of probabilities gathered from the windows.

    ``probs[k]`` holds window ``k``'s per-token label probabilities. A word with no piece
    (the tokenizer produced nothing for it) gets probability 1 for label 0 (``O``).
    """
    out = []
    for n in n_words:
        arr = np.zeros((n, n_labels), dtype=np.float32)
        arr[:, 0] = 1.0
        out.append(arr)
    for window, p in zip(windows, probs):
        for t, w in enumerate(window.first_piece_of):
            if w >= 0:
                out[window.sentence][w] = p[t]
    return out
