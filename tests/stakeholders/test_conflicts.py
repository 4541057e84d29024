"""The conflict detector, case by case from docs/methodology.md §4, §6 and §7.

Plain pytest functions: no Django, no database. The approach profiles below are realistic
defaults for these tests only; the app supplies its own from data.
"""

import hashlib
import random
import statistics
import time
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest
import yaml

from stakeholders.conflicts import (
    DEPLOYMENTS,
    DIMENSIONS,
    RULES_PATH,
    ApproachProfile,
    ConflictRules,
    Objective,
    Relaxation,
    Requirement,
    SuitabilityFacts,
    detect,
    load_rules,
    parse_rules,
)

NO_ML = ApproachProfile(
    key="no_ml",
    label="Rules (no ML)",
    latency_ms=5,
    interpretability="per_prediction",
    size_mb=0.1,
    cost_per_month=500,
    quality=0.55,
    min_retrain_days=30,  # rules are rewritten by hand
    deployments=("server", "browser", "phone", "device"),
    needs_labels=False,
)
HUMAN = ApproachProfile(
    key="human_in_the_loop",
    label="Human in the loop",
    latency_ms=3_600_000,  # a person answers within the hour
    interpretability="per_prediction",
    size_mb=0,
    cost_per_month=40_000,
    quality=0.85,
    min_retrain_days=30,
    deployments=("server",),
    needs_labels=False,
)
LINEAR = ApproachProfile(
    key="linear",
    label="Linear model",
    latency_ms=10,
    interpretability="per_prediction",
    size_mb=1,
    cost_per_month=1_500,
    quality=0.75,
    min_retrain_days=1,
    deployments=("server", "browser", "phone", "device"),
    needs_labels=True,
)
GBDT = ApproachProfile(
    key="gbdt",
    label="Gradient-boosted trees",
    latency_ms=30,
    interpretability="per_prediction",  # feature attributions per prediction (TreeSHAP)
    size_mb=50,
    cost_per_month=3_000,
    quality=0.85,
    min_retrain_days=1,
    deployments=("server", "device"),
    needs_labels=True,
)
DEEP = ApproachProfile(
    key="deep",
    label="Deep neural network",
    latency_ms=250,
    interpretability="none",
    size_mb=1_400,  # BERT-large is 1.35 GB (docs/methodology.md §4.3)
    cost_per_month=12_000,
    quality=0.92,
    min_retrain_days=7,
    deployments=("server",),
    needs_labels=True,
)
ENSEMBLE = ApproachProfile(
    key="ensemble",
    label="Ensemble",
    latency_ms=600,
    interpretability="none",
    size_mb=3_000,
    cost_per_month=25_000,
    quality=0.94,
    min_retrain_days=7,
    deployments=("server",),
    needs_labels=True,
)
THIRD_PARTY = ApproachProfile(
    key="third_party_api",
    label="Third-party API",
    latency_ms=400,
    interpretability="none",
    size_mb=0,
    cost_per_month=8_000,
    quality=0.9,
    min_retrain_days=90,  # on the vendor's schedule
    deployments=("server", "browser", "phone"),
    needs_labels=False,
    residency=("us",),
)
PROFILES = (NO_ML, HUMAN, LINEAR, GBDT, DEEP, ENSEMBLE, THIRD_PARTY)

ROLES = {
    "asha": ("Asha Rao", "ml_engineering"),
    "sam": ("Sam Lee", "sales"),
    "priya": ("Priya Shah", "product"),
    "bo": ("Bo Chen", "ml_platform"),
    "maya": ("Maya Ortiz", "leadership"),
    "lena": ("Lena Berg", "legal"),
}


def req(rid, who, dimension, op, value, *, must=True, weight=1.0, metric="", unit=""):
    name, role = ROLES[who]
    return Requirement(
        id=rid,
        stakeholder_id=who,
        stakeholder_name=name,
        role=role,
        dimension=dimension,
        op=op,
        value=value,
        unit=unit,
        must_have=must,
        weight=weight,
        metric=metric,
    )


def obj(oid, who, name, direction="maximise", weight=3.0):
    person, role = ROLES[who]
    return Objective(
        id=oid,
        stakeholder_id=who,
        stakeholder_name=person,
        role=role,
        name=name,
        direction=direction,
        weight=weight,
    )


def relax(requirements, relaxation: Relaxation):
    """The requirements with one computed relaxation applied, as the app would save it."""
    return [
        replace(r, op=relaxation.op, value=relaxation.value) if r.id in relaxation.requirement_ids else r
        for r in requirements
    ]


def of_kind(conflicts, kind):
    return [c for c in conflicts if c.kind == kind]


def summary(conflicts):
    return {(c.kind, c.severity, c.rule, c.stakeholder_ids) for c in conflicts}


# --------------------------------------------------------------------------------------------
# The restaurant recommender (docs/methodology.md §6), with all five stakeholders


def restaurant_requirements():
    return [
        req("q", "asha", "quality", ">=", 0.9, metric="precision"),
        req("fresh", "asha", "freshness", "<=", 7, must=False, weight=3, unit="days"),
        req("lat", "priya", "latency", "<=", 100, unit="ms"),
        req("hold", "bo", "freshness", ">=", 30, unit="days"),
        req("budget", "maya", "cost", "<=", 20_000, unit="per_month"),
    ]


def restaurant_objectives():
    return [
        obj("o-acc", "asha", "accuracy", weight=5),
        obj("o-fresh", "asha", "freshness", weight=2),
        obj("o-rel", "priya", "relevance", weight=4),
        obj("o-fees", "sam", "fees", weight=4),  # expensive restaurants bring higher fees
        obj("o-stab", "bo", "stability", weight=3),  # hold updates back while scaling the platform
        obj("o-margin", "maya", "margin", weight=5),
    ]


RESTAURANT_FACTS = SuitabilityFacts(
    labels_available="all", labelled_examples=250_000, pattern_change="slow", has_data="yes", affects_people="yes"
)


def restaurant(profiles=PROFILES):
    return detect(restaurant_requirements(), restaurant_objectives(), profiles, RESTAURANT_FACTS)


def test_restaurant_recommender_reports_exactly_the_expected_conflicts():
    assert summary(restaurant()) == {
        ("infeasible_must_haves", "high", "", ("asha", "priya")),
        ("competing_objectives", "high", "relevance_vs_fees", ("asha", "priya", "sam")),
        ("competing_objectives", "high", "accuracy_vs_cost", ("asha", "maya")),
        ("competing_objectives", "medium", "freshness_vs_stability", ("asha", "bo")),
        ("contradictory_targets", "medium", "", ("asha", "bo")),
        ("suitability_mismatch", "low", "fairness_missing", ()),
    }
    assert len(restaurant()) == 6


def test_restaurant_relevance_versus_fees_is_resolved_by_decoupling():
    (conflict,) = [c for c in restaurant() if c.rule == "relevance_vs_fees"]
    assert conflict.title == "Accuracy and relevance versus fees"
    assert conflict.requirement_ids == ("o-acc", "o-fees", "o-rel")
    assert "Sam Lee (sales) wants to maximise fees" in conflict.explanation
    assert "Priya Shah (product) wants to maximise relevance" in conflict.explanation
    decoupling = conflict.resolutions[0]
    assert decoupling.startswith("Decouple the objectives: train one model for accuracy and relevance and one for fees")
    assert "weights the business sets" in decoupling


def test_restaurant_latency_versus_quality_is_infeasible_with_these_profiles():
    (conflict,) = of_kind(restaurant(), "infeasible_must_haves")
    assert conflict.requirement_ids == ("lat", "q")
    assert conflict.title == "No approach meets the quality and latency must-haves together"
    # The explanation names the values, the people, and who meets which.
    assert "precision of at least 0.9 (Asha Rao, ML engineering: must-have)" in conflict.explanation
    assert "met by Deep neural network, Ensemble and Third-party API" in conflict.explanation
    assert "p95 latency of at most 100 ms (Priya Shah, product: must-have)" in conflict.explanation
    # The platform team's freshness floor and the budget rule no approach out: not in the set.
    assert "hold" not in conflict.requirement_ids and "budget" not in conflict.requirement_ids


def test_latency_versus_quality_is_not_infeasible_when_a_fast_accurate_profile_exists():
    distilled = replace(DEEP, key="distilled", label="Distilled model", latency_ms=60, quality=0.9)
    conflicts = restaurant((*PROFILES, distilled))
    assert of_kind(conflicts, "infeasible_must_haves") == []
    # Everything else stays as it was; the latency bound, no longer infeasible with Asha's quality
    # must-have, is now weighed against her accuracy objective (issue 20, docs/methodology.md §7.9):
    # within 100 ms the best quality potential is 0.9 against 0.94, a low-severity cost.
    assert len(conflicts) == 6
    (bound,) = [c for c in conflicts if c.rule == "bound_vs_objective"]
    assert (bound.severity, bound.requirement_ids) == ("low", ("lat", "o-acc"))


def test_restaurant_resolutions_name_relaxed_values_that_really_work():
    (conflict,) = of_kind(restaurant(), "infeasible_must_haves")
    assert conflict.relaxations == (
        Relaxation(("q",), "quality", ">=", 0.85, approach="gbdt"),
        Relaxation(("lat",), "latency", "<=", 250.0, approach="deep"),
    )
    assert conflict.resolutions[:2] == (
        "Relax the quality must-have of Asha Rao (ML engineering) to precision of at least 0.85: "
        "the Gradient-boosted trees approach then meets every must-have.",
        "Relax the latency must-have of Priya Shah (product) to p95 latency of at most 250 ms: "
        "the Deep neural network approach then meets every must-have.",
    )
    for relaxation in conflict.relaxations:
        again = detect(relax(restaurant_requirements(), relaxation), restaurant_objectives(), PROFILES)
        assert of_kind(again, "infeasible_must_haves") == []


# --------------------------------------------------------------------------------------------
# Rule 1: contradictory targets


def test_compatible_requirements_give_no_conflicts():
    requirements = [
        req("1", "priya", "latency", "<=", 100),
        req("2", "sam", "latency", ">=", 500),  # "500 ms or more is fine": a tolerance, not a floor
        req("3", "asha", "quality", ">=", 0.8, metric="recall"),
        req("4", "maya", "cost", "<=", 5_000),
        req("5", "bo", "freshness", ">=", 7),
        req("6", "asha", "freshness", "<=", 14, must=False),
        req("7", "lena", "privacy", "in", ("eu", "uk")),
        req("8", "lena", "interpretability", ">=", "global"),
        req("9", "priya", "deployment", "in", ("server", "browser")),
        req("10", "lena", "fairness", "<=", 0.05),
    ]
    assert detect(requirements, [], PROFILES, RESTAURANT_FACTS) == []
    # Issue 20 changed this expectation: the requirements agree with each other, but the latency,
    # cost and interpretability bounds each cost the accuracy and relevance other stakeholders
    # want (docs/methodology.md §7.9); before, requirements were never weighed against objectives.
    objectives = [obj("a", "asha", "accuracy"), obj("b", "priya", "relevance")]
    found = detect(requirements, objectives, PROFILES, RESTAURANT_FACTS)
    assert {(c.rule, c.requirement_ids) for c in found} == {
        ("bound_vs_objective", ("1", "a")),  # Priya's own latency bound is not weighed against her relevance
        ("bound_vs_objective", ("4", "a", "b")),
        ("bound_vs_objective", ("8", "a", "b")),
    }


def test_freshness_floor_above_the_ceiling_contradicts():
    requirements = [req("1", "asha", "freshness", "<=", 1), req("2", "bo", "freshness", ">=", 30)]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.kind == "contradictory_targets"
    assert conflict.severity == "high"
    assert conflict.title == "Contradictory freshness targets"
    assert conflict.explanation == (
        "Asha Rao (ML engineering) needs retraining at least every 1 day (must-have); "
        "Bo Chen (ML platform) needs model updates no more often than every 30 days (must-have). "
        "No value satisfies both."
    )


def test_a_stakeholder_can_contradict_themselves():
    requirements = [req("1", "lena", "time_to_release", "<=", 3), req("2", "lena", "time_to_release", ">=", 6)]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.kind == "contradictory_targets"
    assert conflict.stakeholder_ids == ("lena",)
    assert conflict.explanation.startswith(
        "Lena Berg (legal) states both a first release within 3 months (must-have) and no release before 6 months"
    )


@pytest.mark.parametrize(
    ("first_must", "second_must", "severity"),
    [(True, True, "high"), (True, False, "medium"), (False, True, "medium"), (False, False, "low")],
)
def test_contradiction_severity_counts_the_must_haves(first_must, second_must, severity):
    requirements = [
        req("1", "asha", "freshness", "<=", 7, must=first_must),
        req("2", "bo", "freshness", ">=", 30, must=second_must),
    ]
    (conflict,) = of_kind(detect(requirements, [], PROFILES), "contradictory_targets")
    assert conflict.severity == severity


def test_two_must_have_deployment_targets_contradict():
    requirements = [req("1", "priya", "deployment", "==", "phone"), req("2", "bo", "deployment", "==", "server")]
    (conflict,) = detect(requirements, [], PROFILES)
    assert (conflict.kind, conflict.severity) == ("contradictory_targets", "high")
    assert "running on phones" in conflict.explanation and "running on a server" in conflict.explanation
    assert "Build two variants" in " ".join(conflict.resolutions)


def test_residency_sets_contradict_only_when_disjoint():
    overlapping = [req("1", "lena", "privacy", "in", ("eu", "uk")), req("2", "maya", "privacy", "in", ("uk", "us"))]
    assert detect(overlapping, [], PROFILES) == []
    disjoint = [req("1", "lena", "privacy", "==", "eu"), req("2", "maya", "privacy", "==", "us")]
    (conflict,) = detect(disjoint, [], PROFILES)
    assert conflict.title == "Contradictory data residency targets"
    assert "data kept in EU" in conflict.explanation and "data kept in US" in conflict.explanation


def test_three_residency_sets_with_no_common_region_are_one_conflict():
    requirements = [
        req("1", "lena", "privacy", "in", ("eu", "uk")),
        req("2", "maya", "privacy", "in", ("uk", "us")),
        req("3", "sam", "privacy", "in", ("us", "eu"), must=False),
    ]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.kind == "contradictory_targets"
    assert conflict.requirement_ids == ("1", "2", "3")
    assert conflict.severity == "medium"  # two of the three are must-haves
    assert conflict.explanation.startswith("Any two of these can be met together")


def test_contradiction_relaxations_each_resolve_it():
    requirements = [req("1", "asha", "freshness", "==", 7), req("2", "bo", "freshness", ">=", 30)]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.relaxations == (
        Relaxation(("1",), "freshness", "==", 30.0),
        Relaxation(("2",), "freshness", ">=", 7.0),
    )
    assert conflict.resolutions[0] == (
        "Asha Rao (ML engineering) accepts retraining every 30 days, "
        "which also meets model updates no more often than every 30 days."
    )
    for relaxation in conflict.relaxations:
        assert detect(relax(requirements, relaxation), [], PROFILES) == []


# --------------------------------------------------------------------------------------------
# Rule 2: must-haves no approach meets together


def test_per_prediction_explanations_with_ensemble_level_quality_are_infeasible():
    requirements = [
        req("1", "lena", "interpretability", "==", "per_prediction"),
        req("2", "asha", "quality", ">=", 0.93, metric="auc"),
    ]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.kind == "infeasible_must_haves"
    assert "AUC of at least 0.93" in conflict.explanation
    assert "an explanation for each prediction" in conflict.explanation
    # Cheapest first (docs/methodology.md §7.13): dropping the explanations gives up 1, lowering
    # the AUC to 0.85 lets the shortfall grow from 0.07 to 0.15, about 1.14.
    assert conflict.relaxations == (
        Relaxation(("1",), "interpretability", ">=", "none", approach="ensemble"),
        Relaxation(("2",), "quality", ">=", 0.85, approach="gbdt"),
    )


def test_only_minimal_infeasible_sets_are_reported_for_a_phone_app():
    requirements = [
        req("1", "priya", "deployment", "==", "phone"),
        req("2", "priya", "model_size", "<=", 20),
        req("3", "asha", "quality", ">=", 0.92),
    ]
    conflicts = detect(requirements, [], PROFILES)
    # Phone and quality, size and quality; never the triple, which holds both pairs.
    assert sorted(c.requirement_ids for c in conflicts) == [("1", "3"), ("2", "3")]
    # Lowering quality to what the third-party API reaches clears both at once; relaxing only the
    # phone or only the size would not, so neither is offered.
    for conflict in conflicts:
        assert conflict.relaxations == (Relaxation(("3",), "quality", ">=", 0.9, approach="third_party_api"),)
    assert detect(relax(requirements, conflicts[0].relaxations[0]), [], PROFILES) == []


def test_three_must_haves_can_be_infeasible_together_while_every_pair_is_feasible():
    requirements = [
        req("1", "priya", "latency", "<=", 300),
        req("2", "asha", "quality", ">=", 0.85),
        req("3", "priya", "model_size", "<=", 10),
    ]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.requirement_ids == ("1", "2", "3")
    assert conflict.title == "No approach meets the quality, latency and model size must-haves together"


def test_a_must_have_no_approach_meets_alone_is_reported_alone():
    requirements = [req("1", "priya", "latency", "<=", 1), req("2", "maya", "cost", "<=", 50_000)]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.requirement_ids == ("1",)
    assert conflict.title == "No approach meets the latency must-have"
    assert conflict.relaxations == (Relaxation(("1",), "latency", "<=", 5.0, approach="no_ml"),)


def test_must_haves_ruling_out_the_same_approaches_are_relaxed_together():
    requirements = [
        req("1", "priya", "latency", "<=", 100),
        req("2", "sam", "latency", "<=", 80),
        req("3", "asha", "quality", ">=", 0.9),
    ]
    (conflict,) = detect(requirements, [], PROFILES)
    assert conflict.requirement_ids == ("1", "2", "3")
    latency = next(r for r in conflict.relaxations if r.dimension == "latency")
    assert latency.requirement_ids == ("1", "2")
    assert detect(relax(requirements, latency), [], PROFILES) == []


def test_a_third_party_api_cannot_keep_data_on_premises():
    requirements = [req("1", "lena", "privacy", "==", "on_premises"), req("2", "asha", "quality", ">=", 0.9)]
    (conflict,) = detect(requirements, [], [NO_ML, LINEAR, THIRD_PARTY])
    assert conflict.requirement_ids == ("1", "2")
    assert "data kept on premises" in conflict.explanation


def test_feasibility_is_not_judged_without_profiles_or_on_unprofiled_dimensions():
    assert detect([req("1", "priya", "latency", "<=", 1)], [], []) == []
    unprofiled = [
        req("1", "priya", "throughput", ">=", 1_000_000),
        req("2", "lena", "fairness", "<=", 0.0),
        req("3", "asha", "quality", "<=", 0.01, metric="rmse"),  # no profile figure for RMSE
    ]
    assert detect(unprofiled, [], PROFILES) == []


def test_a_nice_to_have_out_of_reach_of_the_feasible_approaches_is_a_low_note():
    requirements = [
        req("1", "priya", "latency", "<=", 100),
        req("2", "asha", "quality", ">=", 0.9, must=False, weight=4),
    ]
    (conflict,) = detect(requirements, [], PROFILES)
    assert (conflict.kind, conflict.severity, conflict.rule) == (
        "infeasible_must_haves",
        "low",
        "nice_to_have_out_of_reach",
    )
    assert "Rules (no ML), Linear model and Gradient-boosted trees" in conflict.explanation
    (relaxation,) = conflict.relaxations
    assert relaxation == Relaxation(("2",), "quality", ">=", 0.85, approach="gbdt")
    assert detect(relax(requirements, relaxation), [], PROFILES) == []


# --------------------------------------------------------------------------------------------
# Rule 3: competing objectives


def test_accuracy_against_speed_competes():
    (conflict,) = detect([], [obj("1", "asha", "accuracy"), obj("2", "priya", "speed")], PROFILES)
    assert (conflict.kind, conflict.rule, conflict.severity) == (
        "competing_objectives",
        "accuracy_vs_latency",
        "medium",
    )
    assert conflict.title == "Accuracy versus speed"


@pytest.mark.parametrize(("first", "second", "severity"), [(4, 4, "high"), (5, 3, "medium"), (3, 5, "medium")])
def test_competing_objectives_are_high_only_when_both_sides_weigh_four_or_more(first, second, severity):
    objectives = [obj("1", "asha", "accuracy", weight=first), obj("2", "maya", "low_cost", weight=second)]
    (conflict,) = detect([], objectives, PROFILES)
    assert (conflict.rule, conflict.severity) == ("accuracy_vs_cost", severity)


def test_one_stakeholder_can_hold_competing_objectives():
    (conflict,) = detect([], [obj("1", "asha", "accuracy"), obj("2", "asha", "interpretability")], PROFILES)
    assert conflict.rule == "accuracy_vs_interpretability"
    assert conflict.stakeholder_ids == ("asha",)
    assert conflict.explanation.startswith(
        "Asha Rao (ML engineering) wants to maximise accuracy and maximise interpretability."
    )


def test_one_objective_in_opposite_directions_competes():
    objectives = [obj("1", "sam", "engagement"), obj("2", "lena", "engagement", "minimise")]
    (conflict,) = detect([], objectives, PROFILES)
    assert (conflict.kind, conflict.rule) == ("competing_objectives", "opposite_directions")
    assert conflict.title == "Engagement: maximise versus minimise"


def test_objectives_the_rules_file_does_not_pair_do_not_compete():
    objectives = [obj("1", "asha", "accuracy"), obj("2", "priya", "relevance"), obj("3", "sam", "engagement")]
    assert detect([], objectives, PROFILES) == []


# --------------------------------------------------------------------------------------------
# Rule 4: at odds with the suitability answers


def test_daily_retraining_without_labels_is_a_suitability_mismatch():
    requirements = [req("1", "asha", "freshness", "<=", 1)]
    (conflict,) = detect(requirements, [], PROFILES, SuitabilityFacts(labels_available="no"))
    assert (conflict.kind, conflict.rule, conflict.severity) == (
        "suitability_mismatch",
        "freshness_without_labels",
        "high",
    )
    assert conflict.facts == ("labels_available",)
    assert "retraining at least every 1 day" in conflict.explanation
    assert "labelling them is impractical" in conflict.explanation
    # Monthly retraining is not "frequent": no mismatch.
    monthly = [req("1", "asha", "freshness", "<=", 30)]
    assert detect(monthly, [], PROFILES, SuitabilityFacts(labels_available="no")) == []


def test_frequent_retraining_of_stable_patterns_is_a_low_note():
    requirements = [req("1", "asha", "freshness", "<=", 7, must=False)]
    (conflict,) = detect(requirements, [], PROFILES, SuitabilityFacts(pattern_change="stable"))
    assert (conflict.rule, conflict.severity) == ("freshness_needless", "low")


def test_quality_target_needs_labels():
    requirements = [req("1", "asha", "quality", ">=", 0.8)]
    (without,) = detect(requirements, [], PROFILES, SuitabilityFacts(labels_available="unknown"))
    assert (without.rule, without.severity) == ("quality_without_labels", "high")
    (few,) = detect(requirements, [], PROFILES, SuitabilityFacts(labels_available="some", labelled_examples=200))
    assert (few.rule, few.severity) == ("quality_with_few_labels", "medium")
    assert "only 200 labelled examples exist (fewer than 1,000)" in few.explanation
    assert detect(requirements, [], PROFILES, SuitabilityFacts(labels_available="all", labelled_examples=50_000)) == []


def test_a_missing_fairness_requirement_is_flagged_when_predictions_affect_people():
    facts = SuitabilityFacts(affects_people="yes")
    (conflict,) = detect([req("1", "priya", "latency", "<=", 100)], [], PROFILES, facts)
    assert (conflict.rule, conflict.severity, conflict.requirement_ids) == ("fairness_missing", "low", ())
    stated = [req("1", "lena", "fairness", "<=", 0.05, must=False)]
    assert detect(stated, [], PROFILES, facts) == []
    assert detect([], [], PROFILES, SuitabilityFacts(affects_people="no")) == []


def test_a_release_within_a_month_without_data_is_a_suitability_mismatch():
    requirements = [req("1", "maya", "time_to_release", "<=", 1)]
    (conflict,) = detect(requirements, [], PROFILES, SuitabilityFacts(has_data="no"))
    assert (conflict.rule, conflict.severity) == ("fast_release_without_data", "high")
    assert "fake it till you make it" in conflict.resolutions[0]
    assert detect(requirements, [], PROFILES, SuitabilityFacts(has_data="yes")) == []


def test_without_suitability_answers_rule_four_is_silent():
    requirements = [req("1", "asha", "freshness", "<=", 1), req("2", "asha", "quality", ">=", 0.5)]
    assert detect(requirements, [], PROFILES) == []


# --------------------------------------------------------------------------------------------
# Fingerprints and order


def test_same_input_in_another_order_gives_the_same_conflicts():
    shuffled_requirements = restaurant_requirements()[::-1]
    shuffled_objectives = restaurant_objectives()
    random.Random(3).shuffle(shuffled_objectives)
    again = detect(shuffled_requirements, shuffled_objectives, PROFILES, RESTAURANT_FACTS)
    assert again == restaurant()  # every field, words included


def test_fingerprint_is_the_sha1_of_kind_and_sorted_ids():
    (conflict,) = of_kind(restaurant(), "infeasible_must_haves")
    expected = hashlib.sha1(b"infeasible_must_haves:lat,q").hexdigest()[:16]
    assert conflict.fingerprint == expected
    (fairness,) = of_kind(restaurant(), "suitability_mismatch")
    assert fairness.fingerprint == hashlib.sha1(b"suitability_mismatch:suitability:affects_people").hexdigest()[:16]


def test_fingerprint_survives_a_change_of_value_so_a_resolution_stays_attached():
    before = {c.fingerprint for c in restaurant()}
    # Still out of reach of every fast approach, though the third-party API no longer meets it.
    requirements = [replace(r, value=0.91) if r.id == "q" else r for r in restaurant_requirements()]
    after = detect(requirements, restaurant_objectives(), PROFILES, RESTAURANT_FACTS)
    assert {c.fingerprint for c in after} == before


def test_conflicts_are_sorted_by_severity_then_rule_order_then_fingerprint():
    conflicts = restaurant()
    assert [(c.severity, c.kind) for c in conflicts] == [
        ("high", "infeasible_must_haves"),
        ("high", "competing_objectives"),
        ("high", "competing_objectives"),
        ("medium", "contradictory_targets"),
        ("medium", "competing_objectives"),
        ("low", "suitability_mismatch"),
    ]
    competing = [c.fingerprint for c in conflicts[1:3]]
    assert competing == sorted(competing)


# --------------------------------------------------------------------------------------------
# Input checks and the rules file


@pytest.mark.parametrize(
    ("requirement", "message"),
    [
        (req("1", "asha", "happiness", ">=", 1), "unknown dimension 'happiness'"),
        (req("1", "priya", "latency", "in", (1, 2)), "latency takes '<=', '>=' or '=='"),
        (req("1", "priya", "deployment", "==", "moon"), "unknown deployment 'moon'"),
        (req("1", "priya", "deployment", "<=", "phone"), "deployment takes '==' or 'in'"),
        (req("1", "priya", "latency", "<=", "fast"), "latency needs a finite number"),
        (req("1", "lena", "interpretability", ">=", "some"), "unknown interpretability 'some'"),
    ],
)
def test_a_malformed_requirement_is_refused_by_name(requirement, message):
    with pytest.raises(ValueError, match=message):
        detect([requirement], [], PROFILES)


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="requirement 1: duplicate id"):
        detect([req("1", "priya", "latency", "<=", 1), req("1", "sam", "cost", "<=", 1)], [], PROFILES)
    with pytest.raises(ValueError, match="direction must be one of"):
        detect([], [obj("1", "sam", "fees", "increase")], PROFILES)


@cache
def raw_rules() -> str:
    return RULES_PATH.read_text(encoding="utf-8")


def test_rules_file_loads_with_every_check_and_rule():
    rules = load_rules()
    assert isinstance(rules, ConflictRules)
    assert {rule.key for rule in rules.competing} == {
        "relevance_vs_fees",
        "accuracy_vs_latency",
        "accuracy_vs_cost",
        "accuracy_vs_interpretability",
        "freshness_vs_stability",
    }
    assert len(rules.suitability_checks) == 7  # privacy_missing added by issue 20 (§7.10)
    assert set(rules.contradiction_resolutions) <= set(DIMENSIONS)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["competing_objectives"][0].update(explanation="Ranking by {c}."), "unknown placeholder {c}"),
        (lambda d: d["severity"].update(infeasible_must_haves="urgent"), "severity must be one of"),
        (lambda d: d["suitability_checks"].update(moon_phase={}), "unknown check"),
        (lambda d: d["thresholds"].update(max_subset=2), "unknown key 'max_subset'"),
        (lambda d: d["competing_objectives"][1]["between"].pop(), "exactly two sides"),
    ],
)
def test_a_bad_rules_file_is_refused_by_name(edit, message):
    data = yaml.safe_load(raw_rules())
    edit(data)
    with pytest.raises(ValueError, match=message):
        parse_rules(data)


def test_rules_are_data_a_changed_threshold_changes_the_result(tmp_path: Path):
    data = yaml.safe_load(raw_rules())
    data["suitability_checks"]["freshness_without_labels"]["max_days"] = 31
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monthly = [req("1", "asha", "freshness", "<=", 30)]
    (conflict,) = detect(monthly, [], PROFILES, SuitabilityFacts(labels_available="no"), load_rules(path))
    assert conflict.rule == "freshness_without_labels"


# --------------------------------------------------------------------------------------------
# Speed


def twenty_stakeholders():
    """20 stakeholders with 10 requirements and 2 objectives each, as a large proposal might have."""
    rng = random.Random(11)
    roles = ["ml_engineering", "product", "sales", "ml_platform", "leadership", "legal", "data_owner", "end_users"]
    requirements, objectives = [], []
    for s in range(20):
        role = roles[s % len(roles)]
        for dimension in rng.sample(DIMENSIONS, 10):
            value, op = {
                "quality": (rng.choice([0.7, 0.8, 0.85, 0.9]), ">="),
                "latency": (rng.choice([100, 200, 500, 1000]), "<="),
                "throughput": (100, ">="),
                "cost": (rng.choice([5_000, 10_000, 30_000]), "<="),
                "interpretability": (rng.choice(["global", "per_prediction"]), ">="),
                "fairness": (0.1, "<="),
                "freshness": (30, ">=") if role == "ml_platform" else (rng.choice([7, 14, 30]), "<="),
                "deployment": (rng.choice(DEPLOYMENTS[:3]) if role == "product" else "server", "=="),
                "model_size": (rng.choice([100, 2_000, 5_000]), "<="),
                "privacy": ("eu", "=="),
                "time_to_release": (6, ">=") if role == "legal" else (rng.choice([3, 6, 12]), "<="),
            }[dimension]
            requirements.append(
                Requirement(
                    id=str(len(requirements) + 1),
                    stakeholder_id=f"s{s}",
                    stakeholder_name=f"Person {s}",
                    role=role,
                    dimension=dimension,
                    op=op,
                    value=value,
                    unit="",
                    must_have=rng.random() < 0.4,
                    weight=rng.randint(1, 5),
                    metric="precision" if dimension == "quality" else "",
                )
            )
        for name in rng.sample(["accuracy", "fees", "margin", "stability", "freshness", "relevance", "speed"], 2):
            objectives.append(
                Objective(f"o{len(objectives)}", f"s{s}", f"Person {s}", role, name, "maximise", rng.randint(1, 5))
            )
    return requirements, objectives


def test_detect_takes_under_20_ms_for_20_stakeholders_with_10_requirements_and_8_profiles():
    requirements, objectives = twenty_stakeholders()
    distilled = replace(DEEP, key="distilled", label="Distilled model", latency_ms=80, quality=0.88, size_mb=60)
    profiles = (*PROFILES, distilled)
    facts = SuitabilityFacts(labels_available="some", labelled_examples=5_000, pattern_change="slow")
    conflicts = detect(requirements, objectives, profiles, facts)
    assert len(conflicts) > 20  # a busy case, not an empty one
    # The thread's CPU time is the detector's own cost; a busy machine preempting the test
    # inflates the wall clock but not this (as in assessments/engine/bench.py).
    samples = []
    for _ in range(15):
        start = time.thread_time_ns()
        detect(requirements, objectives, profiles, facts)
        samples.append((time.thread_time_ns() - start) / 1e6)
    assert statistics.median(samples) < 20
