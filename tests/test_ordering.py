import pytest

from ner.entities import entity
from ner.ordering import order, uncertain_first, uncertainty


def test_uncertainty_is_one_minus_the_least_confident_entity():
    ents = [entity(0, 2, "Concept", 0.9), entity(3, 5, "Action", 0.6), entity(6, 8, "Concept", None)]
    assert uncertainty(ents) == pytest.approx(0.4)


def test_uncertainty_without_entities_uses_the_fallback_or_is_unknown():
    assert uncertainty([], fallback=0.75) == pytest.approx(0.25)
    assert uncertainty([entity(0, 2, "Concept")], fallback=0.9) == pytest.approx(0.1)  # no score: fallback
    assert uncertainty(None) is None
    assert uncertainty([]) is None


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")])
def test_scores_outside_zero_one_are_refused(bad):
    with pytest.raises(ValueError, match="probability"):
        uncertainty([entity(0, 2, "Concept", bad)])
    with pytest.raises(ValueError, match="fallback"):
        uncertainty([], fallback=bad)


def test_uncertain_first_puts_unknown_last_and_keeps_ties_in_order():
    assert uncertain_first([0.1, None, 0.5, 0.1, None, 0.5]) == [2, 5, 0, 3, 1, 4]


def test_order_as_given_copies_the_items():
    items = ["a", "b", "c"]
    assert order(items) == items
    assert order(items) is not items


def test_order_most_uncertain_first():
    items = ["sure", "nothing-found", "doubtful", "no-info", "also-sure"]
    predictions = [
        [entity(0, 2, "Concept", 0.95)],
        [],
        [entity(0, 2, "Concept", 0.99), entity(3, 5, "Action", 0.55)],
        None,
        [entity(0, 2, "Concept", 0.95)],
    ]
    fallbacks = [None, 0.7, None, None, None]
    assert order(items, "uncertain", predictions, fallbacks) == [
        "doubtful",
        "nothing-found",
        "sure",
        "also-sure",
        "no-info",
    ]


def test_order_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown strategy 'random'"):
        order(["a"], "random")
    with pytest.raises(ValueError, match="one prediction per item"):
        order(["a", "b"], "uncertain", [[]])
    with pytest.raises(ValueError, match="item 1"):
        order(["a", "b"], "uncertain", [[], [entity(0, 1, "Concept", 2.0)]])
