"""Words with character offsets, and sentences.

A word is a run of letters and digits (any script: Greek, CJK, accents) or one other
visible character: "10%" is ``10`` ``%``, "11:00" is ``11`` ``:`` ``00``, "VIH/SIDA" is
``VIH`` ``/`` ``SIDA``. Spaces of every kind separate words, including the non-breaking
and zero-width spaces found in the corpus, and are never part of one. Every entity
boundary in every split of eHealth-KD 2020 falls on a boundary of these words.
"""

from __future__ import annotations

import re

from ner.refusals import Invalid, Refusal

CHUNK_WORDS = 200  # the longest run of words a model sees at once (see sentences)
_SURROGATE = re.compile("[\ud800-\udfff]")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
WORD = re.compile(rf"[^\W_]+|[^\s{_INVISIBLE}]")
# a sentence ends after . ! ? (or …) followed by space and an upper-case letter, digit or opening mark
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'»)\]]*\s+(?=[¿¡\"'«(\[]?[A-ZÁÉÍÓÚÑÜ0-9])")


def words(text: str) -> list[tuple[int, int]]:
    """The words of ``text`` as half-open ``(start, end)`` character offsets."""
    return [m.span() for m in WORD.finditer(text)]


def sentences(text: str, max_words: int | None = None) -> list[tuple[int, int]]:
    """Sentence and line spans of free text, without surrounding whitespace; empty ones dropped.

    With ``max_words``, a longer sentence (a line with no sentence punctuation) is cut into
    chunks of at most that many words, so what a model sees stays bounded for any input.
    """
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for cut in _SENTENCE_END.finditer(line.group()):
            spans.append((start, line.start() + cut.start()))
            start = line.start() + cut.end()
        spans.append((start, line.end()))
    out = []
    for s, e in spans:
        piece = text[s:e]
        s2 = s + len(piece) - len(piece.lstrip())
        e2 = e - (len(piece) - len(piece.rstrip()))
        found = words(text[s2:e2])
        if max_words is not None and len(found) > max_words:
            for i in range(0, len(found), max_words):
                chunk = found[i : i + max_words]
                out.append((s2 + chunk[0][0], s2 + chunk[-1][1]))
        elif found:
            out.append((s2, e2))
    return out


def check_text(text: object, limit: int, where: str = "the text") -> str:
    """``text`` when it is a string of at most ``limit`` characters of valid Unicode; else ``ValueError``."""
    if not isinstance(text, str):
        raise Invalid(f"{where}: expected text, got {type(text).__name__}")
    if len(text) > limit:
        raise Invalid(f"{where} has {len(text):,} characters; the limit is {limit:,}")
    bad = _SURROGATE.search(text)
    if bad:
        raise Invalid(f"{where}: invalid character at position {bad.start()} (a lone UTF-16 surrogate)")
    return text


def check_line(line: object, limit: int, number: int, source: str | None = None) -> str:
    """:func:`check_text` for line ``number`` (from 1) of the file named ``source`` (None: the pasted text).

    A line longer than ``limit`` is a :class:`ner.refusals.Refusal` naming the file and the line.
    """
    if isinstance(line, str) and len(line) > limit:
        if source is None:
            raise Refusal("the pasted text, line {line} has {n:,} characters; the limit "
                          "is {limit:,}", line=number, n=len(line), limit=limit)
        raise Refusal("{name}, line {line} has {n:,} characters; the limit is {limit:,}",
                      name=source, line=number, n=len(line), limit=limit)
    return check_text(line, limit, f"{source or 'the pasted text'}, line {number}")


def too_many_lines(limit: int, source: str | None = None) -> Refusal:
    """The refusal of a file named ``source`` (None: the pasted text) with more than ``limit`` lines."""
    if source is None:
        return Refusal("the pasted text: more than {limit:,} lines (the limit); split "
                       "the file", limit=limit)
    return Refusal("{name}: more than {limit:,} lines (the limit); split the file", name=source,
                   limit=limit)
