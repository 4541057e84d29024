"""Conflicts on profiles conditioned on the problem (issue 20; docs/methodology.md §7.12, §7.13),
scenario by scenario across the task families, written from the methodology.

Each scenario is data, in the shape of test_conflict_scenarios.py: the requirements, the
objectives, the suitability facts (now with the task family and the pattern's complexity) and
the conflicts expected. The profiles are the catalogue conditioned on the facts, as the app
passes them (``profiles_for``). Negative scenarios must stay quiet.

Plain pytest functions: no Django, no database.
"""

from dataclasses import asdict

import pytest

from domain.approaches import approaches_from_file, problem_from_answers, profile_of, profiles_for
from stakeholders.conflicts import SuitabilityFacts, detect
from tests.stakeholders.test_conflict_scenarios import _RANK, Scenario, _key, expect, obj, req

CATALOGUE = approaches_from_file()


def facts(family: str | None, *, complexity: str | None = None, examples: float = 100_000) -> SuitabilityFacts:
    """Data in hand, predictions about nobody in particular, on a task of this family."""
    return SuitabilityFacts(
        labels_available="yes",
        labelled_examples=examples,
        pattern_change="slow",
        has_data="yes",
        affects_people="no",
        task_family=family,
        rule_complexity=complexity,
    )


def profiles(scenario_facts: SuitabilityFacts | None):
    answers = {k: v for k, v in asdict(scenario_facts).items() if v is not None} if scenario_facts else {}
    return tuple(profile_of(a) for a in profiles_for(problem_from_answers(answers), CATALOGUE))


INFEASIBLE = "infeasible_must_haves"
BOUND = ("competing_objectives", "bound_vs_objective")

SCENARIOS = [
    # ---- Images (§7.12: pre-trained and deep networks go well beyond 0.92) ---------------------
    Scenario(
        "a phone app's size limit against a very high accuracy is the real trade-off",
        "image",
        requirements=(
            req("acc", "ana", "quality", ">=", 0.97, metric="accuracy"),
            req("size", "cara", "model_size", "<=", 20),
        ),
        facts=facts("image"),
        expected=(expect(INFEASIBLE, "", {"acc", "size"}, least="high"),),
    ),
    Scenario(
        "a very high accuracy on images is reachable on its own",
        "image",
        requirements=(req("acc", "ana", "quality", ">=", 0.97, metric="accuracy"),),
        facts=facts("image"),
    ),
    Scenario(
        "the same accuracy on a task of no particular kind is out of reach alone",
        "other",
        requirements=(req("acc", "ana", "quality", ">=", 0.97, metric="accuracy"),),
        facts=facts(None),
        expected=(expect(INFEASIBLE, "", {"acc"}, least="high"),),
    ),
    Scenario(
        "a person who reviews each photo explains each decision and is accurate",
        "image",
        requirements=(
            req("why", "dev", "interpretability", ">=", "per_prediction"),
            req("acc", "ana", "quality", ">=", 0.9, metric="accuracy"),
        ),
        facts=facts("image"),
    ),
    Scenario(
        "explanations, accuracy and a one-second answer on photos cannot all hold",
        "image",
        requirements=(
            req("why", "dev", "interpretability", ">=", "per_prediction"),
            req("acc", "ana", "quality", ">=", 0.9, metric="accuracy"),
            req("lat", "cara", "latency", "<=", 1_000),
        ),
        facts=facts("image"),
        expected=(expect(INFEASIBLE, "", {"why", "acc", "lat"}, least="high"),),
    ),
    Scenario(
        "a small budget on photos costs most of the accuracy",
        "image",
        requirements=(req("budget", "ben", "cost", "<=", 500),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=facts("image"),
        expected=(expect(*BOUND, {"budget", "acc"}, least="high"),),
    ),
    # ---- Speech ---------------------------------------------------------------------------------
    Scenario(
        "a voice trigger answering within 20 ms cannot also be 95% accurate",
        "audio",
        requirements=(
            req("acc", "ana", "quality", ">=", 0.95, metric="accuracy"),
            req("lat", "cara", "latency", "<=", 20),
        ),
        facts=facts("audio"),
        expected=(expect(INFEASIBLE, "", {"acc", "lat"}, least="high"),),
    ),
    Scenario(
        "a speech-to-text service is accurate enough out of the box",
        "audio",
        requirements=(req("acc", "ana", "quality", ">=", 0.9, metric="accuracy"),),
        facts=facts("audio"),
    ),
    # ---- Tables (trees lead; §7.12) -------------------------------------------------------------
    Scenario(
        "an explanation for each credit decision against a high AUC on a table",
        "tabular",
        requirements=(
            req("why", "dev", "interpretability", ">=", "per_prediction"),
            req("auc", "ana", "quality", ">=", 0.9, metric="auc"),
        ),
        facts=facts("tabular"),
        expected=(expect(INFEASIBLE, "", {"why", "auc"}, least="high"),),
    ),
    Scenario(
        "trees reach a high AUC on a table within a modest budget",
        "tabular",
        requirements=(req("auc", "ana", "quality", ">=", 0.9, metric="auc"), req("budget", "ben", "cost", "<=", 2_000)),
        facts=facts("tabular"),
    ),
    Scenario(
        "a pattern of a few clear rules is explained and accurate by rules alone",
        "tabular",
        requirements=(
            req("why", "dev", "interpretability", ">=", "per_prediction"),
            req("acc", "ana", "quality", ">=", 0.82, metric="accuracy"),
        ),
        facts=facts("tabular", complexity="few_rules"),
    ),
    Scenario(
        "a pattern nobody can write down is not explained rule by rule at that accuracy",
        "tabular",
        requirements=(
            req("why", "dev", "interpretability", ">=", "per_prediction"),
            req("acc", "ana", "quality", ">=", 0.82, metric="accuracy"),
        ),
        facts=facts("tabular", complexity="cannot_write"),
        expected=(expect(INFEASIBLE, "", {"why", "acc"}, least="high"),),
    ),
    # ---- Text -----------------------------------------------------------------------------------
    Scenario(
        "a fine-tuned language model's accuracy does not fit a 2,000 a month budget",
        "text",
        requirements=(
            req("acc", "ana", "quality", ">=", 0.95, metric="accuracy"),
            req("budget", "ben", "cost", "<=", 2_000),
        ),
        facts=facts("text"),
        expected=(expect(INFEASIBLE, "", {"acc", "budget"}, least="high"),),
    ),
    Scenario(
        "finance caps the spend of a ticket router while ML wants the best model",
        "text",
        requirements=(req("budget", "ben", "cost", "<=", 1_000),),
        objectives=(obj("acc", "ana", "accuracy"),),
        facts=facts("text"),
        expected=(expect(*BOUND, {"budget", "acc"}, least="high"),),
    ),
    # ---- Ranking and time series ----------------------------------------------------------------
    Scenario(
        "a 50 ms budget for a feed costs some relevance",
        "ranking",
        requirements=(req("lat", "cara", "latency", "<=", 50),),
        objectives=(obj("rel", "ana", "relevance"),),
        facts=facts("ranking"),
        expected=(expect(*BOUND, {"lat", "rel"}, least="medium", most="medium"),),
    ),
    Scenario(
        "a daily demand forecast retrained daily is within reach of trees",
        "time_series",
        requirements=(
            req("fresh", "ana", "freshness", "<=", 1),
            req("acc", "ana", "quality", ">=", 0.85, metric="accuracy"),
        ),
        facts=facts("time_series"),
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.domain}: {s.name}" for s in SCENARIOS])
def test_scenario(scenario):
    found = detect(scenario.requirements, scenario.objectives, profiles(scenario.facts), scenario.facts)
    by_key = {_key(c): c for c in found}
    for e in scenario.expected:
        conflict = by_key.get((e.kind, e.rule, e.items))
        assert conflict is not None, f"expected {e}, found {sorted(by_key)}"
        assert _RANK[e.most] <= _RANK[conflict.severity] <= _RANK[e.least], (e, conflict.severity)
        for item in (*scenario.requirements, *scenario.objectives):
            if item.id in conflict.requirement_ids:
                assert item.stakeholder_name in conflict.explanation
    if scenario.exact:
        assert set(by_key) == {(e.kind, e.rule, e.items) for e in scenario.expected}, [c.title for c in found]


def test_the_scenarios_cover_every_task_family_and_stay_quiet_where_they_should():
    assert len(SCENARIOS) >= 10
    assert {s.domain for s in SCENARIOS} >= {"tabular", "text", "image", "audio", "ranking", "time_series", "other"}
    assert sum(1 for s in SCENARIOS if not s.expected) >= 5


def test_an_out_of_reach_must_have_names_the_others_that_constrain_it():
    """§7.13: accuracy beyond every approach, where the closest approach also fails a size limit."""
    requirements = (
        req("acc", "ana", "quality", ">=", 0.995, metric="accuracy"),
        req("size", "cara", "model_size", "<=", 20),
    )
    image = facts("image")
    (conflict,) = detect(requirements, (), profiles(image), image)
    assert conflict.requirement_ids == ("acc",)
    assert "come closest (Ensemble of models) also fail a model of at most 20 MB" in conflict.explanation


def test_every_relaxation_offered_admits_an_approach():
    """§7.13: the relaxations offered each make at least one approach meet every must-have."""
    (scenario,) = [s for s in SCENARIOS if s.name.startswith("explanations, accuracy and a one-second")]
    catalogue = profiles(scenario.facts)
    (conflict,) = detect(scenario.requirements, (), catalogue, scenario.facts)
    assert conflict.relaxations
    for relaxation in conflict.relaxations:
        relaxed = tuple(
            r
            if r.id not in relaxation.requirement_ids
            else type(r)(**{**asdict(r), "op": relaxation.op, "value": relaxation.value})
            for r in scenario.requirements
        )
        assert [c for c in detect(relaxed, (), catalogue, scenario.facts) if c.kind == INFEASIBLE] == []


def test_when_no_single_relaxation_helps_the_cheapest_joint_ones_are_offered():
    """§7.13: a 1 ms answer and a 100 a month budget are each out of reach, and no approach fails
    only one of them, so the advice relaxes both at once, cheapest first."""
    requirements = (req("lat", "cara", "latency", "<=", 1), req("budget", "ben", "cost", "<=", 100))
    found = detect(requirements, (), profiles(facts("tabular")), facts("tabular"))
    assert sorted(c.requirement_ids for c in found) == [("budget",), ("lat",)]
    for conflict in found:
        assert conflict.relaxations == ()
        assert conflict.resolutions[0] == (
            "Relax the latency must-have of Cara Novak (product) to p95 latency of at most 5 ms and the cost "
            "must-have of Ben Okoro (leadership) to a running cost of at most 200 a month: the No ML (rules or "
            "heuristics) approach then meets every must-have."
        )
