"""Production gates, the heuristic-first rule and "don't know" as next steps (docs/methodology.md §3-§5).

Each test names the section of docs/methodology.md whose rule it checks. A gate holds a verdict
at "fit with caveats" at best, however high the score; it moves no points.
"""

import pytest

from questionnaires.engine.schema import UNKNOWN
from suitability.engine import evaluate, what_if
from tests.assessments.test_suitability_engine import finding, ideal_answers, questionnaire


def gates_of(**changes) -> list[str]:
    return [g.key for g in evaluate(questionnaire(), {**ideal_answers(), **changes}).gates]


def held_at_caveats(changes: dict, gate: str):
    """The ideal good fit, changed: the one gate opens and the score alone would still be good_fit."""
    result = evaluate(questionnaire(), {**ideal_answers(), **changes})
    assert [g.key for g in result.gates] == [gate]
    assert result.verdict == "fit_with_caveats"
    assert result.blockers == []
    return result


def test_the_ideal_answers_open_no_gate_and_are_a_good_fit():
    result = evaluate(questionnaire(), ideal_answers())
    assert result.gates == []
    assert result.verdict == "good_fit"


@pytest.mark.parametrize("cost", ["serious", "catastrophic", UNKNOWN])
def test_costly_errors_gate_section_4_1(cost):
    """§4.1: serious, catastrophic or unknown harm holds the verdict, even with a person checking."""
    result = held_at_caveats({"error_cost": cost, "human_review": "yes", "safe_fallback": "yes"}, "costly_errors")
    gate = result.gates[0]
    assert "error budget" in gate.must_be_true
    assert gate.source.startswith("docs/methodology.md §4.1")


def test_catastrophic_mistakes_score_lower_than_serious_ones_section_2_8():
    serious = evaluate(questionnaire(), {**ideal_answers(), "error_cost": "serious"})
    catastrophic = evaluate(questionnaire(), {**ideal_answers(), "error_cost": "catastrophic"})
    assert finding(catastrophic, "cost_of_errors").fraction < finding(serious, "cost_of_errors").fraction
    assert "cannot be undone" in finding(catastrophic, "cost_of_errors").reason


def test_cheap_mistakes_open_no_costly_errors_gate_section_4_1():
    assert gates_of(error_cost="moderate") == []


def test_latency_budget_gate_section_4_2():
    """§4.2: a complex pattern within 100 ms at p99, or a budget nobody knows, while a person waits."""
    result = held_at_caveats({"latency_need": "realtime", "latency_ms": 50}, "latency_budget")
    assert result.gates[0].source.startswith("docs/methodology.md §4.2")
    assert gates_of(latency_need="realtime", latency_ms=UNKNOWN) == ["latency_budget"]
    assert gates_of(latency_need="realtime", latency_ms=400) == []
    # A few clear rules are fast to evaluate: the budget is no obstacle to them.
    assert "latency_budget" not in gates_of(latency_need="realtime", latency_ms=50, rule_complexity="few_rules")


@pytest.mark.parametrize("target", ["browser", "phone", "device"])
def test_deployment_target_gate_section_4_3(target):
    result = held_at_caveats({"deployment_target": target, "model_size_limit_mb": 20}, "deployment_target")
    assert result.gates[0].source.startswith("docs/methodology.md §4.3")
    assert "BERT-large" in result.gates[0].caveat


def test_explanations_gate_section_4_4():
    result = held_at_caveats({"interpretability_need": "per_prediction"}, "explanations")
    assert result.gates[0].source.startswith("docs/methodology.md §4.4")
    assert gates_of(interpretability_need="global") == []


@pytest.mark.parametrize(
    "changes",
    [
        {"affects_people": "yes", "protected_groups": ["ethnicity"]},
        {"affects_people": "yes", "protected_groups": UNKNOWN},
        {"affects_people": "yes", "protected_groups": ["none"], "data_representative": "partly"},
        {"affects_people": UNKNOWN},
    ],
)
def test_fairness_gate_section_4_5(changes):
    """§4.5: people affected with protected groups, unknown groups, or unrepresentative data."""
    result = held_at_caveats(changes, "fairness")
    assert result.gates[0].source.startswith("docs/methodology.md §4.5")


def test_people_affected_without_groups_at_risk_open_no_fairness_gate_section_4_5():
    assert gates_of(affects_people="yes", protected_groups=["none"]) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"personal_data": "sensitive", "privacy_basis": "yes"},
        {"personal_data": "personal", "privacy_basis": "no"},
        {"personal_data": "personal", "privacy_basis": UNKNOWN},
        {"personal_data": UNKNOWN},
    ],
)
def test_privacy_gate_section_4_6(changes):
    """§4.6: sensitive data always; personal data until its lawful basis is confirmed."""
    result = held_at_caveats(changes, "privacy")
    assert result.gates[0].source.startswith("docs/methodology.md §4.6")


def test_personal_data_with_a_confirmed_basis_opens_no_privacy_gate_section_4_6():
    assert gates_of(personal_data="personal", privacy_basis="yes") == []


def test_partial_ml_gate_section_4_7():
    result = held_at_caveats({"ml_scope": "part"}, "partial_ml")
    assert result.gates[0].source.startswith("docs/methodology.md §4.7")
    # A heuristic that helps "partly" may become one of the model's inputs: no gate on its own.
    assert gates_of(simple_heuristic_possible="partly") == []


def test_upgrade_unproven_gate_section_4_8():
    result = held_at_caveats(
        {"baseline_exists": "existing_model", "upgrade_gain": UNKNOWN, "baseline_quality": 3}, "upgrade_unproven"
    )
    assert result.gates[0].source.startswith("docs/methodology.md §4.8")
    assert gates_of(baseline_exists="existing_model", upgrade_gain="clear", baseline_quality=3) == []


def test_gates_keep_their_caveats_when_a_blocker_decides_section_5_2():
    result = evaluate(questionnaire(), {**ideal_answers(), "error_cost": "catastrophic", "ethical_concern": "yes"})
    assert result.verdict == "not_a_fit"
    assert [g.key for g in result.gates] == ["costly_errors"]


def test_a_gate_does_not_lift_a_low_score_section_5_2():
    result = evaluate(questionnaire(), {"error_cost": "serious", "output_use": "predict"})
    assert result.fraction < questionnaire().scoring.fit_with_caveats
    assert result.verdict == "not_a_fit"


# --------------------------------------------------------------------------------------------
# Blockers new in version 2 (§3.7, §3.8)


@pytest.mark.parametrize(
    "changes",
    [
        {"simple_heuristic_possible": "yes", "baseline_exists": "none"},
        {"rule_complexity": "few_rules", "baseline_exists": "people", "baseline_quality": 3},
        {
            "simple_heuristic_possible": "yes",
            "baseline_exists": "rules",
            "baseline_quality": UNKNOWN,
            "rules_hard_to_maintain": "no",
        },
        {
            "simple_heuristic_possible": "yes",
            "baseline_exists": "rules",
            "baseline_quality": 4,
            "rules_hard_to_maintain": UNKNOWN,
        },
    ],
)
def test_heuristic_first_rule_section_3_7(changes):
    """§3.7: a heuristic gets most of the way and nothing shows today's way falls short."""
    result = evaluate(questionnaire(), {**ideal_answers(), **changes})
    assert result.verdict == "not_a_fit"
    assert [b.key for b in result.blockers] == ["heuristic_first"]
    assert "Launch the heuristic, log its inputs and outcomes" in result.next_steps[0]
    assert result.blockers[0].source.startswith("docs/methodology.md §3.7")


@pytest.mark.parametrize(
    "changes",
    [
        # Today's way does the job poorly ...
        {"simple_heuristic_possible": "yes", "baseline_exists": "people", "baseline_quality": 2},
        # ... or its rules have grown hard to maintain (Rules of ML, rule 3) ...
        {"rule_complexity": "few_rules", "baseline_exists": "rules", "baseline_quality": 3},
        # ... or a model is already in place.
        {"simple_heuristic_possible": "yes", "baseline_exists": "existing_model", "upgrade_gain": "clear"},
    ],
)
def test_heuristic_first_does_not_apply_when_todays_way_falls_short_section_3_7(changes):
    result = evaluate(questionnaire(), {**ideal_answers(), **changes})
    assert "heuristic_first" not in [b.key for b in result.blockers]


def test_marginal_upgrade_blocker_section_3_8():
    result = evaluate(
        questionnaire(), {**ideal_answers(), "baseline_exists": "existing_model", "upgrade_gain": "marginal"}
    )
    assert result.verdict == "not_a_fit"
    assert [b.key for b in result.blockers] == ["marginal_upgrade"]
    assert result.blockers[0].source.startswith("docs/methodology.md §3.8")


# --------------------------------------------------------------------------------------------
# "Don't know" (§5.3) and what would change the verdict (§5.2)


def test_every_dont_know_becomes_a_named_next_step_section_5_3():
    answers = {**ideal_answers(), "ml_team": UNKNOWN, "data_age": UNKNOWN, "monitoring_plan": UNKNOWN}
    result = evaluate(questionnaire(), answers)
    assert [u.question_key for u in result.unknowns] == ["data_age", "ml_team", "monitoring_plan"]
    for unknown in result.unknowns:
        assert unknown.next_step in result.next_steps
    assert "engineering manager" in result.unknowns[1].next_step


def test_what_if_names_the_gate_to_close_to_reach_good_fit_section_5_2():
    result = what_if(questionnaire(), {**ideal_answers(), "interpretability_need": "per_prediction"})
    up = [w for w in result if w.direction == "up"]
    assert up and up[0].new_verdict == "good_fit"
    assert {c.question_key for c in up[0].changes} <= {"interpretability_need", "rule_complexity"}


# --------------------------------------------------------------------------------------------
# Through the services, on the database


def test_dont_know_labelled_examples_completes_and_reaches_the_conflict_detector(world, questionnaire_version):
    """A "don't know" count of labelled examples is no count: the detector once raised TypeError on it."""
    from questionnaires.models import Answer
    from suitability.services import assessment_complete, assessment_start
    from tests.typical_answers import typical_answers

    assessment = assessment_start(proposal=world.proposal, by=world.owner)
    answers = {**typical_answers(), "labelled_examples": UNKNOWN}
    for key, value in answers.items():
        Answer.objects.create(assessment=assessment, question_key=key, value=value)
    completed = assessment_complete(assessment=assessment, by=world.owner)
    assert completed.verdict == "fit_with_caveats"
    world.proposal.refresh_from_db()
    assert "labelled_examples" not in world.proposal.suitability_facts
    assert "labelled_examples" in [u["question_key"] for u in completed.result["unknowns"]]
