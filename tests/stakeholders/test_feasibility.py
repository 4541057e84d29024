"""The minimal infeasible sets, the relaxations ranked by what they give up (docs/methodology.md
§7.13), and the profiles conditioned on the problem with their loader's refusals (§7.12).

Plain pytest functions: no Django, no database.
"""

import copy
import itertools
import random

import pytest
import yaml

from domain.approaches import (
    APPROACHES_PATH,
    TASK_FAMILIES,
    Problem,
    load_approaches,
    problem_from_answers,
    profiles_for,
)
from domain.feasibility import give_up, level_give_up, minimal_infeasible_sets, relaxation_options


def masks_of(*rows: str) -> list[int]:
    """Masks written as strings, approach 0 first: "101" is met by approaches 0 and 2."""
    return [sum(1 << i for i, c in enumerate(row) if c == "1") for row in rows]


# --------------------------------------------------------------------------------------------
# Minimal infeasible sets


def test_a_must_have_nobody_meets_is_a_set_alone_and_never_part_of_a_larger_one():
    sets, capped = minimal_infeasible_sets(masks_of("000", "110", "011"), 3, max_size=3)
    # 0 alone; 1 and 2 share approach 1, so together they are feasible.
    assert (sets, capped) == ([(0,)], False)


def test_pairs_and_a_triple_whose_pairs_are_all_feasible():
    # Three must-haves, each pair met by one approach, the three together by none.
    sets, _ = minimal_infeasible_sets(masks_of("110", "101", "011"), 3, max_size=3)
    assert sets == [(0, 1, 2)]
    sets, _ = minimal_infeasible_sets(masks_of("100", "010", "001", "111"), 3, max_size=3)
    assert sets == [(0, 1), (0, 2), (1, 2)]


def test_no_set_is_a_superset_of_another_and_each_is_minimal_against_brute_force():
    rng = random.Random(20)
    for _ in range(200):
        n_approaches, n_musts = rng.randint(1, 6), rng.randint(1, 7)
        masks = [rng.getrandbits(n_approaches) for _ in range(n_musts)]
        full = (1 << n_approaches) - 1

        def infeasible(combo):
            acc = full
            for k in combo:
                acc &= masks[k]
            return acc == 0

        expected = sorted(
            (
                combo
                for size in range(1, 4)
                for combo in itertools.combinations(range(n_musts), size)
                if infeasible(combo) and not any(infeasible(sub) for sub in itertools.combinations(combo, size - 1))
            ),
            key=lambda c: (len(c), c),
        )
        found, _ = minimal_infeasible_sets(masks, n_approaches, max_size=3)
        assert found == expected, masks


def test_the_list_is_capped_and_says_so():
    # 8 must-haves met by nobody: 8 singletons, capped at 5.
    sets, capped = minimal_infeasible_sets([0] * 8, 3, max_size=3, cap=5)
    assert len(sets) == 5 and capped


def test_sets_larger_than_the_size_limit_are_flagged():
    # Four must-haves infeasible only all together (each misses a different approach).
    sets, capped = minimal_infeasible_sets(masks_of("0111", "1011", "1101", "1110"), 4, max_size=3)
    assert (sets, capped) == ([], True)
    assert minimal_infeasible_sets(masks_of("0111", "1011", "1101", "1110"), 4, max_size=4)[0] == [(0, 1, 2, 3)]


def test_twenty_must_haves_over_nine_approaches_stay_fast():
    rng = random.Random(7)
    masks = [rng.getrandbits(9) | (1 << rng.randrange(9)) for _ in range(20)]
    sets, _ = minimal_infeasible_sets(masks, 9, max_size=4)
    assert len(sets) <= 50


# --------------------------------------------------------------------------------------------
# Relaxations ranked by what they give up


def test_relaxations_touch_fewest_must_haves_first_then_give_up_least():
    masks = masks_of("100", "010", "011")  # approach 0 fails 1 and 2; 1 fails 0; 2 fails 0 and 1
    costs = {(1, 0): 0.5, (2, 0): 0.1, (0, 1): 3.0, (0, 2): 0.2, (1, 2): 0.2}
    options = relaxation_options(masks, 3, lambda m, i: costs[(m, i)])
    assert [(o.approach, o.members, o.give_up) for o in options] == [(1, (0,), 3.0), (2, (0, 1), 0.4), (0, (1, 2), 0.6)]


def test_an_approach_that_cannot_be_admitted_is_not_offered_and_one_option_per_set_of_must_haves():
    masks = masks_of("100", "011")
    options = relaxation_options(masks, 3, lambda m, i: None if i == 0 else float(i))
    # Approaches 1 and 2 both fail must-have 0 only: the cheaper is offered; approach 0 cannot be.
    assert [(o.approach, o.members) for o in options] == [(1, (0,))]


def test_give_up_is_the_relative_change_of_the_bound():
    assert give_up(bound=20, to=100, lower_is_better=True) == pytest.approx(4.0)
    # 0.97 -> 0.85 lets errors grow from 3% to 15%: as much as 20 -> 100 MB.
    assert give_up(bound=0.97, to=0.85, lower_is_better=False, unit_interval=True) == pytest.approx(4.0)
    assert give_up(bound=1000, to=800, lower_is_better=False) == pytest.approx(0.2)
    assert level_give_up(required=2, offered=0, levels=3) == 1.0
    assert level_give_up(required=2, offered=1, levels=3) == 0.5


# --------------------------------------------------------------------------------------------
# Profiles conditioned on the problem, and the loader


def catalogue() -> dict:
    with open(APPROACHES_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_other_and_an_unanswered_family_read_the_base_profiles():
    approaches = load_approaches(catalogue())
    assert profiles_for(Problem(), approaches) == approaches
    problem = problem_from_answers({"task_family": "video"})
    assert (problem.task_family, problem.answered) == ("other", False)
    assert "not answered" in problem.describe()


def test_a_family_replaces_its_figures_with_their_reasons_and_keeps_the_rest():
    approaches = {a.key: a for a in load_approaches(catalogue())}
    image = {a.key: a for a in profiles_for(Problem(task_family="image", answered=True), approaches.values())}
    tuned = image["fine_tuned_pretrained"]
    assert max(p.quality for p in tuned.quality_by_examples) > 0.97
    assert tuned.size_mb == 100 and "ResNet-50" in tuned.reasons["size_mb"]
    assert tuned.cost_per_month == approaches["fine_tuned_pretrained"].cost_per_month
    assert tuned.reasons["cost_per_month"] == approaches["fine_tuned_pretrained"].reasons["cost_per_month"]
    # On a table, trees lead on little data and the deep network trails them (§7.12).
    tabular = {a.key: a for a in profiles_for(Problem(task_family="tabular", answered=True), approaches.values())}
    from domain.approaches import quality_at

    assert quality_at(tabular["gbdt"], 2_000) > quality_at(tabular["deep"], 2_000)


def test_the_pattern_shifts_the_quality_curve_within_0_and_1_and_says_why():
    approaches = load_approaches(catalogue())
    (rules,) = [a for a in profiles_for(Problem(complexity="table"), approaches) if a.key == "no_ml"]
    assert rules.quality_by_examples[0].quality == pytest.approx(0.95)
    assert "+0.4" in rules.reasons["quality_by_examples"]
    (image_rules,) = [
        a for a in profiles_for(Problem(task_family="image", complexity="cannot_write"), approaches) if a.key == "no_ml"
    ]
    assert image_rules.quality_by_examples[0].quality == pytest.approx(0.05)


def test_every_family_has_figures_for_the_approaches_it_changes():
    data = catalogue()
    families = {f for a in data["approaches"] for f in a.get("by_family", {})}
    assert families == set(TASK_FAMILIES) - {"other"}
    assert data["version"] == 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a.setdefault("by_family", {}).update(video={"size_mb": {"value": 1, "reason": "x"}}), "'video'"),
        (lambda a: a.setdefault("by_family", {}).update(other={"size_mb": {"value": 1, "reason": "x"}}), "'other'"),
        (
            lambda a: a.setdefault("by_family", {}).update(image={"speed_ms": {"value": 1, "reason": "x"}}),
            "by_family.image: unknown figure 'speed_ms'",
        ),
        (lambda a: a.setdefault("by_family", {}).update(image={"size_mb": {"value": 1}}), "size_mb: missing key"),
        (lambda a: a.setdefault("by_family", {}).update(image={"size_mb": {"value": -1, "reason": "x"}}), "size_mb"),
        (lambda a: a.setdefault("by_family", {}).update(image={}), "give at least one figure"),
        (
            lambda a: a.setdefault("by_complexity", {}).update(simple={"quality_shift": {"value": 0.1, "reason": "x"}}),
            "unknown pattern complexity 'simple'",
        ),
        (
            lambda a: a.setdefault("by_complexity", {}).update(table={"quality_shift": {"value": 2, "reason": "x"}}),
            "table.quality_shift.value",
        ),
    ],
)
def test_the_loader_refuses_an_unknown_family_or_figure_naming_the_key(edit, message):
    data = copy.deepcopy(catalogue())
    edit(data["approaches"][2])
    with pytest.raises(ValueError, match=message) as refused:
        load_approaches(data)
    assert "approaches.linear" in str(refused.value)
