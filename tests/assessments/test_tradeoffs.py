"""The trade-off engine (docs/methodology.md §7), on small matrices worked by hand and on the real profiles.

Plain pytest functions: no Django, no database. The numeric tests spell out the arithmetic step
by step so that each expected figure can be checked with a pencil.
"""

import copy
import json
import math
import re
from dataclasses import asdict, replace
from functools import cache

import numpy as np
import pytest
import yaml

from reports.engine.tradeoffs import (
    APPROACHES_PATH,
    DEFAULT_CRITERIA,
    Approach,
    Objective,
    QualityPoint,
    Requirement,
    Stakeholder,
    TradeoffInputs,
    TradeoffReport,
    approaches_from_file,
    compare,
    flip_point,
    load_approaches,
    normalise,
    pareto_set,
    probability_first,
    quality_at,
    topsis,
    tornado_scores,
    weighted_sum,
)
from scripts.bench.tradeoffs_engine import tradeoffs_bench


@cache
def real_approaches() -> tuple[Approach, ...]:
    return approaches_from_file()


def approach(key: str, *, ml: bool = True, quality: float = 0.7, **figures) -> Approach:
    """A made-up approach with a flat quality curve; every other figure can be overridden."""
    defaults = {
        "needs_labels": False,
        "latency_ms": 10.0,
        "data_needed": 0.0,
        "interpretability": "global",
        "cost_per_month": 1000.0,
        "size_mb": 1.0,
        "retrain_effort": 1.0,
        "min_retrain_days": 1.0,
        "months_to_release": 1.0,
        "deployments": ("server",),
    }
    return Approach(
        key=key,
        label=key.capitalize(),
        description=key,
        ml=ml,
        quality_by_examples=(QualityPoint(0, quality),),
        **{**defaults, **figures},
    )


def person(sid: str, *requirements: Requirement, objectives: tuple[Objective, ...] = ()) -> Stakeholder:
    return Stakeholder(sid, sid.capitalize(), "product", requirements, objectives)


def req(rid: str, dimension: str, op: str, value, *, must: bool = False, weight: float = 1.0, metric: str = ""):
    return Requirement(rid, dimension, op, value, must, weight, metric=metric)


def run(approaches, stakeholders=(), *, verdict="good_fit", answers=None, **options) -> TradeoffReport:
    return compare(
        TradeoffInputs(
            approaches=tuple(approaches),
            stakeholders=tuple(stakeholders),
            verdict=verdict,
            answers=answers or {},
            **options,
        )
    )


def risk(report: TradeoffReport, key: str):
    return next((r for r in report.risks if r.key == key), None)


# --------------------------------------------------------------------------------------------
# The approaches file


def test_approaches_file_loads_with_a_reason_for_every_figure():
    approaches = real_approaches()
    keys = {a.key for a in approaches}
    assert {
        "no_ml",
        "human_in_the_loop",
        "linear",
        "gbdt",
        "deep",
        "ensemble",
        "third_party_api",
    } <= keys
    assert len(approaches) >= 8
    assert {a.key for a in approaches if not a.ml} == {"no_ml", "human_in_the_loop"}
    for a in approaches:
        missing = {"latency_ms", "data_needed", "interpretability", "cost_per_month", "size_mb", "retrain_effort"}
        missing |= {"min_retrain_days", "months_to_release", "quality_by_examples", "deployments"}
        assert missing <= a.reasons.keys(), a.key
        assert all(text.strip() for text in a.reasons.values())
        # The curve must never claim more than the best anyone could reach.
        assert all(0 <= p.quality <= 1 for p in a.quality_by_examples)


@cache
def raw_file() -> dict:
    with open(APPROACHES_PATH, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        pytest.param(
            lambda d: d["approaches"][3]["profile"].update(latency={"value": 1, "reason": "x"}),
            "unknown key 'latency'",
            id="typo_in_figure",
        ),
        pytest.param(
            lambda d: d["approaches"][3]["profile"].pop("size_mb"),
            "approaches.gbdt.profile: missing key 'size_mb'",
            id="missing_figure",
        ),
        pytest.param(
            lambda d: d["approaches"][3]["profile"]["latency_ms"].update(value=-1),
            "approaches.gbdt.profile.latency_ms",
            id="negative_number",
        ),
        pytest.param(
            lambda d: d["approaches"][3]["profile"]["interpretability"].update(value="some"),
            "approaches.gbdt.profile.interpretability",
            id="unknown_level",
        ),
        pytest.param(
            lambda d: d["approaches"][3]["profile"]["quality_by_examples"]["value"].reverse(),
            "approaches.gbdt.profile.quality_by_examples.value: the first point must be at 0 examples",
            id="curve_not_from_zero",
        ),
        pytest.param(
            lambda d: d["approaches"][3]["profile"]["deployments"].update(value=["moon"]),
            "approaches.gbdt.profile",
            id="unknown_deployment",
        ),
        pytest.param(
            lambda d: d["approaches"][3].update(ml="yes"),
            "approaches.gbdt.ml: expected true or false",
            id="ml_not_bool",
        ),
        pytest.param(
            lambda d: d["approaches"][4].update(key="gbdt"), "approaches.gbdt: duplicate key", id="duplicate_key"
        ),
        pytest.param(lambda d: d.update(version=0), "'version' must be a whole number", id="version_zero"),
    ],
)
def test_loader_refuses_bad_data_naming_the_key(break_it, message):
    data = copy.deepcopy(raw_file())
    break_it(data)
    with pytest.raises(ValueError, match=re.escape(message)):
        load_approaches(data)


def test_quality_interpolates_on_a_log_scale_and_holds_its_ends():
    linear = next(a for a in real_approaches() if a.key == "linear")
    # Points (100, 0.5) and (1000, 0.65): halfway in log10(1 + x) is 1 + x = sqrt(101 * 1001).
    halfway = math.sqrt(101 * 1001) - 1
    assert quality_at(linear, halfway) == pytest.approx(0.575)
    assert quality_at(linear, 0) == 0
    assert quality_at(linear, 10**9) == pytest.approx(0.74)  # beyond the last point the curve is flat


# --------------------------------------------------------------------------------------------
# MCDA by hand (docs/methodology.md §7.3 to §7.6, §7.8)

# Three approaches on quality (benefit) and p95 latency in ms (cost):
RAW = [[0.9, 200], [0.6, 50], [0.84, 140]]
# quality:  min 0.6, max 0.9, span 0.3  -> (0.9-0.6)/0.3 = 1, 0, (0.84-0.6)/0.3 = 0.8
# latency:  min 50, max 200, span 150   -> (200-200)/150 = 0, (200-50)/150 = 1, (200-140)/150 = 0.4
NORMALISED = [[1.0, 0.0], [0.0, 1.0], [0.8, 0.4]]
WEIGHTS = [0.6, 0.4]


def test_normalisation_benefit_and_cost():
    assert normalise(RAW, ["benefit", "cost"]) == pytest.approx(np.array(NORMALISED))


def test_normalisation_on_a_log_scale_and_of_a_flat_column():
    # log10(1 + x) of 9, 99, 999 is 1, 2, 3: the cost direction gives (3-1)/2, (3-2)/2, (3-3)/2.
    r = normalise([[9, 5], [99, 5], [999, 5]], ["cost", "benefit"], ["log", "linear"])
    assert r[:, 0] == pytest.approx([1.0, 0.5, 0.0])
    assert r[:, 1] == pytest.approx([1.0, 1.0, 1.0])  # all equal: the criterion ranks nobody


def test_weighted_sum_by_hand():
    # A: 0.6*1 + 0.4*0 = 0.6; B: 0.6*0 + 0.4*1 = 0.4; C: 0.6*0.8 + 0.4*0.4 = 0.48 + 0.16 = 0.64
    assert weighted_sum(NORMALISED, WEIGHTS) == pytest.approx([0.6, 0.4, 0.64])


def test_topsis_closeness_by_hand():
    # v = w * r: A (0.6, 0), B (0, 0.4), C (0.48, 0.16); best point (0.6, 0.4), worst (0, 0).
    s_best = [math.sqrt(0.0**2 + 0.4**2), math.sqrt(0.6**2 + 0.0**2), math.sqrt(0.12**2 + 0.24**2)]
    s_worst = [math.sqrt(0.6**2 + 0.0**2), math.sqrt(0.0**2 + 0.4**2), math.sqrt(0.48**2 + 0.16**2)]
    # A: 0.6 / (0.4 + 0.6) = 0.6; B: 0.4 / (0.6 + 0.4) = 0.4;
    # C: sqrt(0.256) / (sqrt(0.072) + sqrt(0.256)) = 0.505964 / (0.268328 + 0.505964) = 0.653454
    expected = [w / (b + w) for b, w in zip(s_best, s_worst, strict=True)]
    assert expected == pytest.approx([0.6, 0.4, 0.653454], abs=1e-6)

    closeness, d_best, d_worst = topsis(NORMALISED, WEIGHTS)
    assert d_best == pytest.approx(s_best)
    assert d_worst == pytest.approx(s_worst)
    assert closeness == pytest.approx(expected)


def test_pareto_set_leaves_out_the_dominated():
    # D: quality 0.8, latency 150 -> (0.8-0.6)/0.3 = 0.667, (200-150)/150 = 0.333; C (0.8, 0.4)
    # is better on both, so D is dominated. A, B and C each beat the others somewhere.
    rows = [*NORMALISED, [2 / 3, 1 / 3]]
    assert pareto_set(rows) == [0, 1, 2]
    # Two identical rows do not dominate each other.
    assert pareto_set([[0.5, 0.5], [0.5, 0.5]]) == [0, 1]


def test_flip_point_for_two_approaches_by_hand():
    # A (1, 0), B (0, 1), weights (0.7, 0.3): A scores 0.7, B 0.3, A leads by 0.4.
    # Moving t from criterion 1 to criterion 2 changes the lead by -2t, so t = 0.4 / 2 = 0.2:
    # weights (0.5, 0.5) make them tie; the L1 distance is 2t = 0.4.
    flip = flip_point([[1, 0], [0, 1]], [0.7, 0.3])
    assert flip is not None
    assert flip.challenger == 1
    assert flip.weight_moved == pytest.approx(0.2)
    assert flip.taken == pytest.approx({0: 0.2})
    assert flip.given_to == 1
    assert flip.weights_after == pytest.approx((0.5, 0.5))
    assert weighted_sum([[1, 0], [0, 1]], [0.49, 0.51]).argmax() == 1  # a little more and B wins


def test_flip_point_takes_weight_where_the_challenger_loses_most_first():
    # A (1, 1, 0), B (0, 0.5, 1), weights (0.05, 0.75, 0.2): A 0.8, B 0.375 + 0.2 = 0.575, lead 0.225.
    # B gains most on criterion 3 (+1); taking from criterion 1 (-1) closes 2 per unit, but only
    # 0.05 is there: 0.1 closed, 0.125 left; criterion 2 (-0.5) closes 1.5 per unit: 0.125 / 1.5.
    flip = flip_point([[1, 1, 0], [0, 0.5, 1]], [0.05, 0.75, 0.2])
    assert flip is not None
    assert flip.taken == pytest.approx({0: 0.05, 1: 0.125 / 1.5})
    assert flip.weight_moved == pytest.approx(0.05 + 0.125 / 1.5)
    assert flip.weights_after == pytest.approx((0.0, 2 / 3, 1 / 3))
    scores = weighted_sum([[1, 1, 0], [0, 0.5, 1]], flip.weights_after)
    assert scores[0] == pytest.approx(scores[1])


def test_no_flip_point_when_the_winner_is_never_worse():
    assert flip_point([[1, 1], [0, 0.5]], [0.5, 0.5]) is None


def test_tornado_moves_the_margin_the_right_way():
    # A (1, 0), B (0, 1), weights (0.6, 0.4), delta 0.25:
    # criterion 1 low:  0.45 / (0.45 + 0.4) = 0.5294 -> A 0.5294, B 0.4706
    # criterion 1 high: 0.75 / (0.75 + 0.4) = 0.6522 -> A 0.6522, B 0.3478
    low, high = tornado_scores([[1, 0], [0, 1]], [0.6, 0.4], 0.25)
    assert low[0] == pytest.approx([0.45 / 0.85, 0.4 / 0.85])
    assert high[0] == pytest.approx([0.75 / 1.15, 0.4 / 1.15])
    # More weight on the criterion where A is best widens its lead; more on B's narrows it.
    assert high[0][0] - high[0][1] > 0.2 > low[0][0] - low[0][1]
    assert high[1][0] - high[1][1] < 0.2 < low[1][0] - low[1][1]


def test_dirichlet_probabilities_sum_to_one_and_are_reproducible():
    r = [[1, 0, 0.5], [0, 1, 0.5], [0.4, 0.4, 0.4]]
    first = probability_first(r, [0.5, 0.3, 0.2], samples=2000, concentration=30, seed=7)
    again = probability_first(r, [0.5, 0.3, 0.2], samples=2000, concentration=30, seed=7)
    assert first.sum() == pytest.approx(1.0)
    assert list(first) == list(again)
    assert first[0] > first[1] > first[2] == 0  # the third is beaten by A or B for any weights


# --------------------------------------------------------------------------------------------
# The report


def test_hard_filter_drops_approaches_failing_a_must_have_and_names_who_holds_it():
    fast, slow = approach("fast", latency_ms=50), approach("slow", latency_ms=300)
    report = run([fast, slow], [person("priya", req("r1", "latency", "<=", 100, must=True, weight=5))])
    assert [a.key for a in report.filtered_out] == ["slow"]
    failure = report.filtered_out[0].failures[0]
    assert (failure.requirement_id, failure.stakeholder_name) == ("r1", "Priya")
    assert failure.stated == "p95 latency <= 100 ms"
    assert failure.approach_value == "300 ms"
    assert report.matrix_approaches == ["fast"]
    assert "only approach" in report.headline


def test_a_nice_to_have_weighs_but_never_filters():
    report = run(
        [approach("fast", latency_ms=50), approach("slow", latency_ms=300)],
        [person("priya", req("r1", "latency", "<=", 100, weight=5))],
    )
    assert report.filtered_out == []
    assert [r.key for r in report.ranking] == ["fast", "slow"]


def test_approaches_that_need_labels_are_out_when_there_are_none():
    report = run(
        [approach("rules", ml=False), approach("model", needs_labels=True)],
        answers={"has_data": "yes", "labels_available": "no"},
    )
    assert [(f.key, f.failures[0].kind) for f in report.filtered_out] == [("model", "no_labels")]


def test_when_everything_is_filtered_out_the_report_says_what_to_relax():
    rules = approach("rules", ml=False, latency_ms=5, cost_per_month=200)
    model = approach("model", latency_ms=40, cost_per_month=900)
    report = run(
        [rules, model],
        [
            person("priya", req("r1", "latency", "<=", 2, must=True)),
            person("max", req("r2", "cost", "<=", 500, must=True)),
        ],
    )
    assert report.ranking == [] and report.sensitivity is None
    assert report.headline.startswith("No candidate approach meets every must-have.")
    # "rules" fails one must-have (latency), "model" two: relaxing r1 to 5 ms admits "rules".
    assert [(r.approach, [f.requirement_id for f in r.must_haves]) for r in report.relax] == [("rules", ["r1"])]
    assert "Priya's must-have (p95 latency <= 2 ms) to 5 ms" in report.relax[0].text
    json.dumps(asdict(report), allow_nan=False)


def test_without_stakeholders_the_default_criteria_weigh_equally():
    report = run(real_approaches())
    assert [c.key for c in report.criteria] == list(DEFAULT_CRITERIA)
    assert all(c.weight == pytest.approx(1 / len(DEFAULT_CRITERIA)) for c in report.criteria)
    assert report.weights_how.startswith("Equal weights")


def test_each_stakeholder_has_an_equal_say_in_the_weights():
    # Asha: quality 3 + 1 -> all of her say on quality. Max: latency 5, cost 5 -> half each.
    # Weights: quality (1 + 0) / 2 = 0.5, latency (0 + 0.5) / 2 = 0.25, cost 0.25.
    asha = person("asha", req("q1", "quality", ">=", 0.8, weight=3), objectives=(Objective("o1", "accuracy"),))
    max_ = person("max", req("l1", "latency", "<=", 100, must=True, weight=5), req("c1", "cost", "<=", 900, weight=5))
    report = run([approach("a"), approach("b", latency_ms=20)], [asha, max_])
    assert {c.key: c.weight for c in report.criteria} == pytest.approx({"quality": 0.5, "latency": 0.25, "cost": 0.25})
    quality = next(c for c in report.criteria if c.key == "quality")
    assert [(c.stakeholder_id, c.item_ids) for c in quality.contributions] == [("asha", ["q1", "o1"])]


def test_tolerances_and_dimensions_without_a_profile_figure_weigh_nothing():
    platform = person(
        "platform",
        req("t1", "throughput", ">=", 100),
        req("f1", "fairness", "<=", 0.05),
        req("l1", "latency", ">=", 500),  # "500 ms is fine": a tolerance
        req("h1", "freshness", ">=", 30),  # updates held back: weighs retraining effort
    )
    report = run([approach("a"), approach("b", retrain_effort=3)], [platform])
    assert [c.key for c in report.criteria] == ["maintenance"]
    assert [n.item_id for n in report.not_weighed] == ["t1", "f1", "l1"]
    assert "tolerance" in report.not_weighed[2].reason


def test_satisfaction_by_hand():
    # Latency <= 20 ms (weight 1) and per-prediction explanations (weight 3):
    # rules  (5 ms, per prediction): (1*1 + 3*1) / 4 = 1
    # trees (30 ms, global):         (1 * 20/30 + 3 * 1/2) / 4 = (0.6667 + 1.5) / 4 = 0.5417
    rules = approach("rules", ml=False, latency_ms=5, interpretability="per_prediction")
    trees = approach("trees", latency_ms=30)
    report = run(
        [rules, trees],
        [
            person(
                "eve",
                req("l1", "latency", "<=", 20),
                req("i1", "interpretability", ">=", "per_prediction", weight=3),
                req("t1", "throughput", ">=", 10),
            )
        ],
    )
    [eve] = report.satisfaction
    assert eve.scores == pytest.approx({"rules": 1.0, "trees": (20 / 30 + 1.5) / 4})
    assert eve.unmet == {"trees": ["l1", "i1"]}
    assert eve.not_counted == ["t1"]


def test_not_a_fit_puts_the_options_without_ml_first():
    # Plenty of labels and a stakeholder who only cares about quality: a model scores highest.
    asha = person("asha", req("q1", "quality", ">=", 0.8, weight=5))
    answers = {"labels_available": "all", "labelled_examples": 200_000}
    good = run(real_approaches(), [asha], answers=answers)
    report = run(real_approaches(), [asha], verdict="not_a_fit", answers=answers)
    assert good.ranking[0].ml
    assert [r.key for r in report.weighted_sum] == [r.key for r in good.ranking]
    assert [r.ml for r in report.ranking] == sorted(r.ml for r in report.ranking)
    assert report.ranking[0].key == "human_in_the_loop"  # the better of the two without ML on quality
    assert report.headline.startswith("ML is not a good fit here (yet), so the options without ML lead.")
    assert "not a good fit" in report.ml_fit_note and good.ranking[0].label in report.ml_fit_note


def test_fit_with_caveats_names_the_caveat_and_the_benchmark_without_ml():
    report = run(real_approaches(), verdict="fit_with_caveats", caveats=("Mistakes are costly.",))
    assert report.headline.startswith("ML is a fit, with caveats.")
    assert "Mistakes are costly." in report.ml_fit_note
    assert "best option without ML" in report.ml_fit_note
    assert run(real_approaches()).ml_fit_note == ""


def test_the_flip_point_in_the_report_makes_the_two_tie():
    asha = person("asha", req("q1", "quality", ">=", 0.8, weight=4))
    max_ = person("max", req("c1", "cost", "<=", 1000, weight=2), req("l1", "latency", "<=", 50))
    report = run(real_approaches(), [asha, max_], answers={"labelled_examples": 20_000})
    flip = report.sensitivity.flip
    assert flip is not None and flip.new_winner != report.sensitivity.winner
    assert flip.l1_distance == pytest.approx(2 * flip.weight_moved)
    weights = [flip.weights_after[c.key] for c in report.criteria]
    scores = dict(zip(report.matrix_approaches, weighted_sum(report.matrix_normalised, weights), strict=True))
    assert scores[flip.new_winner] == pytest.approx(scores[report.sensitivity.winner], abs=1e-5)


def test_a_tie_at_the_top_is_a_flip_point_of_zero():
    report = run([approach("a"), approach("b")], [person("asha", req("q1", "quality", ">=", 0.5))])
    flip = report.sensitivity.flip
    assert (flip.new_winner, flip.weight_moved, flip.taken_from) == ("b", 0.0, {})
    assert "it ties with B." in report.headline


def test_the_report_is_reproducible_and_plain_json():
    asha = person("asha", req("q1", "quality", ">=", 0.8, weight=4), objectives=(Objective("o1", "speed"),))
    inputs = {"answers": {"labelled_examples": 5000, "monitoring_plan": "none"}}
    first, second = run(real_approaches(), [asha], **inputs), run(real_approaches(), [asha], **inputs)
    assert first.sensitivity.seed == second.sensitivity.seed
    assert first.sensitivity.probability_first == second.sensitivity.probability_first
    assert sum(first.sensitivity.probability_first.values()) == pytest.approx(1.0)
    assert first.sensitivity.samples == 2000

    def plain(node) -> None:
        assert type(node) in (dict, list, tuple, str, int, float, bool, type(None)), type(node)
        for child in node.values() if isinstance(node, dict) else node if isinstance(node, list | tuple) else ():
            plain(child)

    data = asdict(first)
    plain(data)
    json.dumps(data, allow_nan=False)


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="requirement r9: unknown dimension 'speed'"):
        run([approach("a")], [person("p", req("r9", "speed", "<=", 1))])
    with pytest.raises(ValueError, match="verdict"):
        run([approach("a")], verdict="maybe")


# --------------------------------------------------------------------------------------------
# Risks from the answers


def test_uptime_only_monitoring_is_a_silent_failure_risk():
    report = run(real_approaches(), answers={"monitoring_plan": "uptime_only"})
    found = risk(report, "silent_failures")
    assert found is not None and found.answers == {"monitoring_plan": "uptime_only"}
    assert any("inputs" in step for step in found.next_steps)
    assert risk(run(real_approaches(), answers={"monitoring_plan": "inputs_outputs"}), "silent_failures") is None


def test_unversioned_data_is_a_data_testing_risk():
    found = risk(run(real_approaches(), answers={"data_versioned": "no"}), "data_testing")
    assert found is not None and found.severity == "medium"
    escalated = risk(
        run(real_approaches(), answers={"data_versioned": "no", "data_issues": ["untrusted"]}), "data_testing"
    )
    assert escalated.severity == "high"
    assert any("poisoned" in step for step in escalated.next_steps)


def test_a_big_model_on_a_phone_is_a_size_risk():
    trees = next(a for a in real_approaches() if a.key == "gbdt")  # 50 MB
    linear = next(a for a in real_approaches() if a.key == "linear")  # 1 MB
    answers = {"labelled_examples": 100_000, "deployment_target": "phone", "model_size_limit_mb": 10}
    report = run([trees, linear], [person("asha", req("q1", "quality", ">=", 0.9))], answers=answers)
    assert report.ranking[0].key == "gbdt"
    found = risk(report, "model_size")
    assert found is not None and found.severity == "high"
    assert "50 MB" in found.why[0] and "10 MB" in found.why[0]
    assert found.next_steps[-1] == "Or choose an approach that fits: Linear or logistic model."


def test_predictions_about_people_call_for_a_fairness_review():
    found = risk(
        run(real_approaches(), answers={"affects_people": "yes", "protected_groups": ["age"]}), "fairness_review"
    )
    assert found is not None and found.severity == "high"
    assert "No stakeholder has stated a fairness requirement yet." in found.why
    assert risk(run(real_approaches(), answers={"affects_people": "no"}), "fairness_review") is None


def test_fast_changing_patterns_are_a_drift_and_retraining_risk():
    found = risk(run(real_approaches(), answers={"pattern_change": "fast"}), "drift_retraining")
    assert found is not None and found.severity == "high"
    # Weekly unless a freshness answer says otherwise (the rules' upkeep, or a model's retraining).
    assert any("every 7 days" in step for step in found.next_steps)
    assert risk(run(real_approaches(), answers={"pattern_change": "stable"}), "drift_retraining") is None


def test_too_few_labels_for_the_leader_is_a_data_shortfall():
    trees = replace(next(a for a in real_approaches() if a.key == "gbdt"), quality_by_examples=(QualityPoint(0, 0.9),))
    rules = next(a for a in real_approaches() if a.key == "no_ml")
    report = run([trees, rules], [person("asha", req("q1", "quality", ">=", 0.9))], answers={"labelled_examples": 150})
    found = risk(report, "data_shortfall")
    assert found is not None and found.severity == "high"  # 150 is under a tenth of the 2,000 it needs
    assert found.next_steps[0].startswith("Launch No ML (rules or heuristics) first")


def test_benign_answers_raise_no_risk():
    answers = {
        "monitoring_plan": "inputs_outputs",
        "data_versioned": "yes",
        "pattern_change": "stable",
        "affects_people": "no",
        "deployment_target": "server",
        "labelled_examples": 1_000_000,
    }
    assert run(real_approaches(), answers=answers).risks == []


# --------------------------------------------------------------------------------------------
# Benchmark


def test_bench_reports_timings():
    result = tradeoffs_bench(runs=2, stakeholders=3, samples=100)
    assert result["approaches"] == 8 and result["samples"] == 100
    assert result["mean_ms"] > 0 and result["cpu_p95_ms"] > 0


def test_long_latencies_are_also_given_in_minutes_or_hours():
    from reports.engine.tradeoffs import _amount

    assert _amount("latency", 120.0) == "120 ms"
    assert _amount("latency", 90_000.0) == "90,000 ms (2 min)"
    assert _amount("latency", 3_600_000.0) == "3,600,000 ms (60 min)"
    assert _amount("latency", 86_400_000.0) == "86,400,000 ms (24 h)"
    assert _amount("cost", 5000.0) == "5,000 a month"
