"""BIO decoding: argmax against Viterbi under the BIO constraints, on literal probabilities."""

import numpy as np
import pytest

from ner.decoding import allowed_starts, allowed_transitions, decode, viterbi

TAGS = ("O", "B-Concept", "I-Concept", "B-Action", "I-Action")


def probs(*rows: dict[str, float]) -> np.ndarray:
    """One row per word; tags not named share what is left of 1."""
    out = np.zeros((len(rows), len(TAGS)))
    for i, row in enumerate(rows):
        rest = (1 - sum(row.values())) / (len(TAGS) - len(row))
        out[i] = [row.get(t, rest) for t in TAGS]
    return out


def tags_of(path: list[int]) -> list[str]:
    return [TAGS[i] for i in path]


def test_i_follows_only_its_own_b_or_i():
    allowed = allowed_transitions(TAGS)
    i_concept = TAGS.index("I-Concept")
    assert [TAGS[a] for a in np.flatnonzero(allowed[:, i_concept])] == ["B-Concept", "I-Concept"]
    assert allowed[TAGS.index("I-Action"), TAGS.index("B-Concept")] and allowed[0, 0]
    assert list(allowed_starts(TAGS)) == [True, True, False, True, False]


def test_argmax_breaks_the_constraints_where_viterbi_does_not():
    # "O I-Concept": argmax starts an entity with I-; the best legal path is B-Concept I-Concept
    p = probs({"O": 0.5, "B-Concept": 0.4}, {"I-Concept": 0.9})
    assert tags_of(decode(p, TAGS, "argmax")) == ["O", "I-Concept"]
    assert tags_of(decode(p, TAGS, "viterbi")) == ["B-Concept", "I-Concept"]


def test_viterbi_takes_the_most_probable_legal_path_not_a_local_repair():
    # second word: I-Action is likeliest but cannot follow B-Concept; O (0.3) beats I-Concept (0.2)
    p = probs({"B-Concept": 0.9}, {"I-Action": 0.45, "O": 0.3, "I-Concept": 0.2})
    assert tags_of(viterbi(p, TAGS)) == ["B-Concept", "O"]


def test_viterbi_equals_argmax_when_argmax_is_legal():
    p = probs({"B-Action": 0.7}, {"I-Action": 0.6}, {"O": 0.8}, {"B-Concept": 0.9})
    assert viterbi(p, TAGS) == decode(p, TAGS, "argmax")


def test_a_first_word_tagged_i_starts_no_sentence():
    p = probs({"I-Concept": 0.97})
    assert tags_of(viterbi(p, TAGS)) != ["I-Concept"]


def test_zero_probabilities_and_no_words():
    p = np.zeros((2, len(TAGS)))
    p[0, TAGS.index("B-Concept")] = 1.0
    p[1, TAGS.index("I-Concept")] = 1.0
    assert tags_of(viterbi(p, TAGS)) == ["B-Concept", "I-Concept"]
    assert viterbi(np.zeros((0, len(TAGS))), TAGS) == []


def test_an_unknown_decoder_is_refused():
    with pytest.raises(ValueError, match="beam"):
        decode(probs({"O": 1.0}), TAGS, "beam")
