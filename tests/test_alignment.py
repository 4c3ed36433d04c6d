import numpy as np

from ner.alignment import IGNORE, Window, encode, owners, plan_windows, window_labels, word_probabilities
from ner.predict import load_tokenizer


def test_plan_windows_fits_budget_and_overlaps():
    pieces = [1, 2, 1, 1, 3, 1, 1, 2]
    windows = plan_windows(pieces, budget=5, stride=2)
    assert windows[0][0] == 0 and windows[-1][1] == len(pieces)
    for a, b in windows:
        assert sum(pieces[a:b]) <= 5 or b - a == 1
    for (a1, b1), (a2, _b2) in zip(windows, windows[1:]):
        assert a1 < a2 <= b1  # progress, no gap
    assert plan_windows([1, 1], budget=5, stride=2) == [(0, 2)]


def test_a_word_longer_than_the_budget_gets_its_own_window():
    assert plan_windows([1, 9, 1], budget=4, stride=1) == [(0, 1), (1, 2), (2, 3)]


def test_each_word_is_owned_by_its_most_central_window():
    assert owners([(0, 4), (2, 6)], 6) == [0, 0, 0, 1, 1, 1]


def test_window_labels_put_the_label_on_the_first_piece_only():
    w = Window(0, (0, 11, 12, 13, 2), (-1, 0, -1, 1, -1))
    assert window_labels(w, [5, 7]) == [IGNORE, 5, IGNORE, 7, IGNORE]


def test_word_probabilities_default_to_o_for_words_without_pieces():
    w = Window(0, (0, 11, 2), (-1, 1, -1))
    probs = word_probabilities([w], [np.array([[1, 0], [0.2, 0.8], [1, 0]], dtype=np.float32)], [2], 2)
    assert np.allclose(probs[0], [[1.0, 0.0], [0.2, 0.8]])


def test_encode_windows_a_long_sentence_and_labels_every_word_once(tiny_base):
    tok = load_tokenizer(tiny_base)
    long_sentence = ["El", "paciente", "tiene", "fiebre", "alta", "10", "%"] * 20
    windows = encode(tok, [long_sentence, [], ["dolor"]], max_length=32)
    first = [w for w in windows if w.sentence == 0]
    assert len(first) > 1 and all(len(w.input_ids) <= 32 for w in windows)
    owned = sorted(i for w in first for i in w.first_piece_of if i >= 0)
    assert owned == list(range(len(long_sentence)))
    assert [w.sentence for w in windows if w.sentence != 0] == [2]
    assert encode(tok, [[], []], max_length=32) == []
