"""AHP weights and consistency, worked by hand (docs/methodology.md §7.7)."""

import pytest

from stakeholders.ahp import geometric_mean, matrix_from_judgments, to_scale, weigh


def test_equal_judgments_give_equal_weights_and_perfect_consistency():
    result = weigh(["a", "b", "c"], matrix_from_judgments(["a", "b", "c"], {}))
    assert result.weights == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)
    assert result.consistent


def test_a_consistent_matrix_recovers_its_weights():
    # a is twice b, b is twice c: the weights are 4:2:1 and lambda_max is exactly n.
    items = ["a", "b", "c"]
    result = weigh(items, matrix_from_judgments(items, {("a", "b"): 2, ("b", "c"): 2, ("a", "c"): 4}))
    assert result.weights == pytest.approx({"a": 4 / 7, "b": 2 / 7, "c": 1 / 7})
    assert result.lambda_max == pytest.approx(3.0)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_contradictory_judgments_are_flagged_above_the_threshold():
    # a > b, b > c, but c > a, strongly: a cycle.
    items = ["a", "b", "c"]
    result = weigh(items, matrix_from_judgments(items, {("a", "b"): 5, ("b", "c"): 5, ("c", "a"): 5}))
    assert result.consistency_ratio > 0.10
    assert not result.consistent


def test_the_consistency_ratio_by_hand_for_a_small_inconsistency():
    # a/b = 2, b/c = 3, a/c = 4 (a consistent matrix would need 6).
    items = ["a", "b", "c"]
    result = weigh(items, matrix_from_judgments(items, {("a", "b"): 2, ("b", "c"): 3, ("a", "c"): 4}))
    ci = (result.lambda_max - 3) / 2
    assert result.consistency_index == pytest.approx(ci)
    assert result.consistency_ratio == pytest.approx(ci / 0.58)
    assert 0 < result.consistency_ratio < 0.10


def test_two_people_combine_by_geometric_mean_keeping_reciprocity():
    items = ["a", "b"]
    one = matrix_from_judgments(items, {("a", "b"): 4})
    other = matrix_from_judgments(items, {("a", "b"): 1})
    combined = geometric_mean([one, other])
    assert combined[0][1] == pytest.approx(2.0)
    assert combined[1][0] == pytest.approx(0.5)


def test_judgments_outside_the_scale_are_refused():
    with pytest.raises(ValueError, match="between 1/9 and 9"):
        matrix_from_judgments(["a", "b"], {("a", "b"): 12})
    with pytest.raises(ValueError, match="unknown"):
        matrix_from_judgments(["a", "b"], {("a", "z"): 2})


def test_weights_map_onto_the_one_to_five_scale():
    assert to_scale({"a": 4 / 7, "b": 2 / 7, "c": 1 / 7}) == {"a": 5, "b": 2, "c": 1}
