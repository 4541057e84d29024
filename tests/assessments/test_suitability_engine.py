"""The suitability engine, case by case from docs/methodology.md §2-§5.

Plain pytest functions: no Django, no database. Each test names the criterion (or blocker) it
exercises; answer sets are built by the helper functions below.
"""

from functools import cache

import pytest

from questionnaires.engine.conditions import effective_answers, holds, visible_questions
from questionnaires.engine.schema import (
    ML_SUITABILITY_PATH,
    UNKNOWN,
    Compare,
    Questionnaire,
    load_questionnaire,
    questionnaire_from_file,
)
from scripts.bench.suitability_engine import bench
from suitability.engine import SuitabilityResult, evaluate, what_if


@cache
def questionnaire() -> Questionnaire:
    return questionnaire_from_file(ML_SUITABILITY_PATH)


def finding(result: SuitabilityResult, criterion: str):
    return next(f for f in result.findings if f.criterion == criterion)


def changed_keys(option) -> set[str]:
    return {c.question_key for c in option.changes}


# --------------------------------------------------------------------------------------------
# Answer sets


def ideal_answers() -> dict[str, object]:
    """Every scoring answer at its best and no blocker: the reference good fit."""
    return {
        "problem_description": "Flag fraudulent card payments before they settle.",
        "answer_is_stored": "no",
        "rule_complexity": "cannot_write",
        "outcome_predictable": "clearly",
        "expert_accuracy": 5,
        "output_use": "predict",
        "drives_action": "yes",
        "decision_frequency": "many_per_day",
        "prediction_volume": 2_000_000,
        "error_cost": "trivial",
        "has_data": "yes",
        "example_count": 5_000_000,
        "labels_available": "all",
        "labelled_examples": 5_000_000,
        "inputs_at_prediction_time": "all",
        "data_representative": "yes",
        "data_age": "current",
        "data_issues": ["none"],
        "data_versioned": "yes",
        "pattern_change": "fast",
        "upcoming_shift": "no",
        "freshness_need": "some",
        "simple_heuristic_possible": "no",
        "ml_scope": "whole",
        "baseline_exists": "rules",
        "baseline_quality": 1,
        "rules_hard_to_maintain": "yes",
        "baseline_metric": "share of fraud caught",
        "value_vs_cost": "value_far_exceeds",
        "ml_team": "in_house",
        "affects_people": "no",
        "personal_data": "none",
        "ethical_concern": "no",
        "interpretability_need": "none",
        "latency_need": "batch",
        "deployment_target": "server",
        "monitoring_plan": "inputs_outputs",
        "months_to_first_release": 12,
    }


def spam_filter_answers() -> dict[str, object]:
    """The book's spam filter: millions of emails, wording that keeps changing, hand rules that
    went stale, a known-sender list that helps only partly, a wrong call that is easy to forgive."""
    return {
        **ideal_answers(),
        "problem_description": "Move spam out of our customers' inboxes.",
        "rule_complexity": "many_rules",
        "expert_accuracy": 4,
        "error_cost": "moderate",
        "prediction_volume": 30_000_000,
        "pattern_change": "fast",
        "freshness_need": "a_lot",
        "simple_heuristic_possible": "partly",
        "baseline_exists": "rules",
        "baseline_quality": 3,
        "rules_hard_to_maintain": "yes",
        "latency_need": "seconds",
    }


def fair_die_answers() -> dict[str, object]:
    """Predicting the next roll of a fair die: plenty of data, no pattern at all."""
    return {**ideal_answers(), "outcome_predictable": "random", "expert_accuracy": 1}


def zip_to_state_answers() -> dict[str, object]:
    """Assigning listings to a state from their ZIP code: a lookup table, not a pattern."""
    return {**ideal_answers(), "rule_complexity": "table", "pattern_change": "stable"}


def downloads_2008_for_christmas_2020_answers() -> dict[str, object]:
    """Predicting Christmas 2020 app downloads from 2008 data: stale, unrepresentative examples."""
    return {**ideal_answers(), "data_representative": "no", "data_age": "old", "upcoming_shift": "yes"}


# One answer that trips each blocker on its own; test_every_blocker_has_a_trigger keeps it complete.
BLOCKER_TRIGGERS = {
    "unethical": {"ethical_concern": "yes"},
    "no_data": {"has_data": "no"},
    "simple_rule_suffices": {"rule_complexity": "table"},
    "no_repeated_decision": {"decision_frequency": "once"},
    "outcome_random": {"outcome_predictable": "random"},
    "lookup_only": {"answer_is_stored": "yes"},
    "heuristic_first": {"simple_heuristic_possible": "yes", "baseline_exists": "none"},
    "marginal_upgrade": {"baseline_exists": "existing_model", "upgrade_gain": "marginal"},
}


def blocked_by(*keys: str) -> dict[str, object]:
    answers = ideal_answers()
    for key in keys:
        answers.update(BLOCKER_TRIGGERS[key])
    return answers


def hand_score(q: Questionnaire, answers: dict[str, object]) -> float:
    """score = sum over criteria of weight x mean(points of the shown signals; "don't know" =
    scoring.unknown_points, unanswered = 0), written out from the YAML's points and bands without
    the engine's scoring code."""
    shown = {question.key for question in visible_questions(q, answers)}
    total = 0.0
    for criterion in q.criteria:
        points = []
        for signal in criterion.signals:
            if signal.question not in shown:
                continue
            value = answers.get(signal.question)
            if value is None:
                points.append(0.0)
            elif value == UNKNOWN:
                points.append(q.scoring.unknown_points)
            elif signal.bands:
                points.append(next(b.points for b in signal.bands if b.gte is None or value >= b.gte))
            else:
                points.append(signal.points[value])
        total += criterion.weight * (sum(points) / len(points))
    return total


# --------------------------------------------------------------------------------------------
# Verdicts from the book's examples


def test_ideal_answers_meet_every_criterion_and_are_a_good_fit():
    result = evaluate(questionnaire(), ideal_answers())
    assert result.verdict == "good_fit"
    assert result.verdict_label == "A good fit for ML"
    assert {f.status for f in result.findings} == {"met"}
    assert result.score == result.max_score == sum(c.weight for c in questionnaire().criteria)
    assert result.fraction == 1.0
    assert result.blockers == []


def test_spam_filter_at_scale_with_changing_patterns_is_a_good_fit():
    """Criteria repetitive, scale and changing_patterns: the book's case for ML."""
    result = evaluate(questionnaire(), spam_filter_answers())
    assert result.verdict == "good_fit"
    for criterion in ("repetitive", "scale", "changing_patterns", "complex_patterns"):
        assert finding(result, criterion).status == "met"
    assert finding(result, "simpler_solution").status == "partly_met"


def test_fair_die_outcome_fails_patterns_exist():
    """Criterion patterns_exist: nobody models the next roll of a fair die."""
    result = evaluate(questionnaire(), fair_die_answers())
    assert finding(result, "patterns_exist").status == "not_met"
    assert finding(result, "patterns_exist").earned == 0
    assert result.verdict == "not_a_fit"
    assert [b.key for b in result.blockers] == ["outcome_random"]


def test_zip_to_state_lookup_fails_complex_patterns():
    """Criterion complex_patterns: a ZIP-to-state table needs no learning."""
    result = evaluate(questionnaire(), zip_to_state_answers())
    assert finding(result, "complex_patterns").status == "not_met"
    assert "lookup table or a formula" in finding(result, "complex_patterns").reason
    assert result.verdict == "not_a_fit"
    assert [b.key for b in result.blockers] == ["simple_rule_suffices"]


def test_2008_downloads_for_christmas_2020_fail_unseen_data_and_hold_back_good_fit():
    """Criterion unseen_data: stale data fails it, and the good_fit gate keeps a high score from
    hiding that failure."""
    q = questionnaire()
    result = evaluate(q, downloads_2008_for_christmas_2020_answers())
    assert finding(result, "unseen_data").status == "not_met"
    assert result.fraction >= q.scoring.good_fit
    assert result.verdict == "fit_with_caveats"
    assert result.held_back_by == ["unseen_data"]


def test_reporting_question_fails_predictive():
    """Criterion predictive: summarising what happened is not a prediction, and nothing follows."""
    answers = {**ideal_answers(), "output_use": "report", "drives_action": "no"}
    result = evaluate(questionnaire(), answers)
    assert finding(result, "predictive").status == "not_met"
    assert result.verdict == "fit_with_caveats"
    assert any("dashboard" in step for step in result.next_steps)


def test_prediction_without_action_is_only_partly_predictive():
    """Criterion predictive: a prediction is only worth having if it leads to an action."""
    result = evaluate(questionnaire(), {**ideal_answers(), "drives_action": "no"})
    assert finding(result, "predictive").status == "partly_met"
    assert any("changes nothing" in step for step in result.next_steps)


def test_serious_unchecked_mistakes_fail_cost_of_errors_and_hold_the_verdict_at_caveats():
    """Criterion cost_of_errors (§2.8) scores them; gate costly_errors (§4.1) caps the verdict."""
    answers = {**ideal_answers(), "error_cost": "serious", "human_review": "no", "safe_fallback": "no"}
    result = evaluate(questionnaire(), answers)
    assert finding(result, "cost_of_errors").status == "not_met"
    assert result.fraction >= questionnaire().scoring.good_fit
    assert result.verdict == "fit_with_caveats"
    assert [g.key for g in result.gates] == ["costly_errors"]
    assert "beats the current process overall" in result.gates[0].caveat


# --------------------------------------------------------------------------------------------
# Blockers


def test_every_blocker_has_a_trigger():
    assert set(BLOCKER_TRIGGERS) == {b.key for b in questionnaire().blockers}


@pytest.mark.parametrize("blocker", sorted(BLOCKER_TRIGGERS))
def test_each_blocker_alone_forces_not_a_fit_even_with_all_else_perfect(blocker):
    """Blockers (unethical use, no data, a simple rule does it, no repeated decision, random
    outcome, lookup) override any score."""
    result = evaluate(questionnaire(), blocked_by(blocker))
    assert result.verdict == "not_a_fit"
    assert [b.key for b in result.blockers] == [blocker]
    assert result.next_steps[0] == result.blockers[0].next_step


def test_existing_rules_that_do_the_job_block_through_the_and_branch():
    """Blocker simple_rule_suffices, second branch of its OR: rules in place that score 5 of 5."""
    answers = {**ideal_answers(), "baseline_exists": "rules", "baseline_quality": 5}
    result = evaluate(questionnaire(), answers)
    assert [b.key for b in result.blockers] == ["simple_rule_suffices"]
    assert finding(result, "simpler_solution").status == "partly_met"


def test_people_doing_the_job_well_do_not_block_but_weaken_simpler_solution():
    """Criterion simpler_solution: a good manual process is a benchmark, not a blocker."""
    answers = {
        **ideal_answers(),
        "baseline_exists": "people",
        "baseline_quality": 5,
        "simple_heuristic_possible": "partly",
    }
    result = evaluate(questionnaire(), answers)
    assert result.blockers == []
    assert finding(result, "simpler_solution").status == "not_met"
    assert result.verdict == "fit_with_caveats"


def test_no_data_blocker_explains_fake_it_till_you_make_it():
    """Blocker no_data and criterion existing_data: the data questions are hidden, so the
    criterion rests on has_data alone."""
    result = evaluate(questionnaire(), blocked_by("no_data"))
    data = finding(result, "existing_data")
    assert data.status == "not_met"
    assert [d.question_key for d in data.drivers] == ["has_data"]
    assert "fake it till you make it" in result.next_steps[0]


# --------------------------------------------------------------------------------------------
# Unknowns and hidden questions


def test_dont_know_lowers_the_score_but_not_the_maximum():
    """Criterion patterns_exist (§5.3): a "don't know" scores half a point (no evidence either
    way) while its weight still counts."""
    q = questionnaire()
    assert q.scoring.unknown_points == 0.5
    known = evaluate(q, ideal_answers())
    unsure = evaluate(q, {**ideal_answers(), "expert_accuracy": UNKNOWN})
    patterns = finding(unsure, "patterns_exist")
    assert unsure.max_score == known.max_score
    # One of two signals falls from 1 to 0.5: the criterion loses a quarter of its weight.
    assert unsure.score == pytest.approx(known.score - patterns.weight / 4)
    assert patterns.fraction == 0.75
    assert patterns.status == "met"
    assert q.scoring.partly_unknown_note in patterns.reason
    assert [d.known for d in patterns.drivers] == [True, False]
    assert patterns.drivers[1].answer_display == "don't know"


def test_criterion_with_only_unknown_answers_is_unknown():
    """Criterion patterns_exist: both of its answers are "don't know"."""
    answers = {**ideal_answers(), "outcome_predictable": UNKNOWN, "expert_accuracy": UNKNOWN}
    patterns = finding(evaluate(questionnaire(), answers), "patterns_exist")
    assert patterns.status == "unknown"
    assert patterns.earned == patterns.weight * questionnaire().scoring.unknown_points
    assert patterns.reason == questionnaire().criteria[2].explain["unknown"]


def test_unknown_heavy_criterion_keeps_a_high_score_below_good_fit():
    """Criterion existing_data (weight 3): the good_fit gate treats "unknown" like "not_met"."""
    result = evaluate(questionnaire(), {**ideal_answers(), "has_data": UNKNOWN})
    assert finding(result, "existing_data").status == "unknown"
    assert result.fraction >= questionnaire().scoring.good_fit
    assert result.verdict == "fit_with_caveats"
    assert result.held_back_by == ["existing_data"]
    assert [u.question_key for u in result.unknowns] == ["has_data"]
    assert any("what past records exist, who owns them" in step for step in result.next_steps)


def test_unanswered_questionnaire_is_all_unknown_and_not_a_fit():
    result = evaluate(questionnaire(), {})
    assert {f.status for f in result.findings} == {"unknown"}
    assert result.score == 0
    assert result.max_score == sum(c.weight for c in questionnaire().criteria)
    assert result.verdict == "not_a_fit"
    assert result.blockers == []


def test_answers_to_hidden_questions_do_not_count():
    """Criterion existing_data: example_count is hidden unless the data exists, so a stale
    answer to it changes nothing."""
    q = questionnaire()
    collecting = {**ideal_answers(), "has_data": "can_collect"}
    del collecting["example_count"]
    with_stale = {**collecting, "example_count": 10}
    assert "example_count" not in effective_answers(q, with_stale)
    assert evaluate(q, with_stale) == evaluate(q, collecting)
    assert "example_count" not in [d.question_key for d in finding(evaluate(q, with_stale), "existing_data").drivers]


def test_signal_on_hidden_question_drops_out_of_the_mean():
    """Criterion simpler_solution: with no process today, the baseline questions do not apply,
    so the heuristic answer alone makes the fraction."""
    answers = {**ideal_answers(), "baseline_exists": "none"}
    simpler = finding(evaluate(questionnaire(), answers), "simpler_solution")
    assert [d.question_key for d in simpler.drivers] == ["simple_heuristic_possible"]
    assert simpler.fraction == 1.0


def test_question_depending_on_a_hidden_question_is_hidden_too():
    """Criterion existing_data: labelled_examples depends on labels_available, which depends on
    has_data; with no data both stay hidden even though they were answered earlier."""
    answers = {**ideal_answers(), "has_data": "no"}
    shown = {question.key for question in visible_questions(questionnaire(), answers)}
    assert "labels_available" not in shown
    assert "labelled_examples" not in shown


# --------------------------------------------------------------------------------------------
# Conditions


def test_and_condition_needs_both_parts():
    """Gate latency_budget (§4.2): a realtime need AND a tight budget AND a complex pattern."""
    q = questionnaire()

    def gated(**changes):
        gate = next(g for g in q.gates if g.key == "latency_budget")
        return holds(gate.when, effective_answers(q, {**ideal_answers(), **changes}))

    assert gated(latency_need="realtime", latency_ms=80)
    assert gated(latency_need="realtime", latency_ms=UNKNOWN)
    assert not gated(latency_need="realtime", latency_ms=500)
    assert not gated(latency_need="realtime", latency_ms=80, rule_complexity="few_rules")
    assert not gated(latency_need="seconds", latency_ms=80)  # hidden: the budget does not count


def test_human_review_and_fallback_are_asked_for_serious_and_catastrophic_mistakes():
    """Criterion cost_of_errors (§2.8): the safeguards are asked only where mistakes are costly."""
    q = questionnaire()

    def shown(**changes):
        keys = {x.key for x in visible_questions(q, {**ideal_answers(), **changes})}
        return {"human_review", "safe_fallback"} <= keys

    assert shown(error_cost="serious")
    assert shown(error_cost="catastrophic")
    assert not shown(error_cost="moderate")


def test_or_condition_needs_either_part():
    """Criterion changing_patterns: freshness is asked when patterns move OR a shift is coming."""
    q = questionnaire()

    def shown(**changes):
        return "freshness_need" in {x.key for x in visible_questions(q, {**ideal_answers(), **changes})}

    assert shown(pattern_change="fast", upcoming_shift="no")
    assert shown(pattern_change="stable", upcoming_shift="yes")
    assert not shown(pattern_change="stable", upcoming_shift="no")
    assert not shown(pattern_change=UNKNOWN, upcoming_shift=UNKNOWN)


def test_comparisons_on_missing_or_dont_know_answers_are_false_except_answered():
    """Criterion scale: gte/lte never treat "don't know" as a number."""
    for op, value in [("gte", 0), ("lte", 10**12), ("equals", 5), ("not_equals", 5), ("in", (5,))]:
        assert not holds(Compare("prediction_volume", op, value), {})
    assert not holds(Compare("prediction_volume", "gte", 0), {"prediction_volume": UNKNOWN})
    assert holds(Compare("prediction_volume", "answered", True), {"prediction_volume": UNKNOWN})
    assert holds(Compare("prediction_volume", "answered", False), {})


# --------------------------------------------------------------------------------------------
# Arithmetic a person can redo


def test_score_recomputes_by_hand_from_the_yaml_weights():
    """All criteria: score = sum of weight x mean signal points, with unknown = 0."""
    q = questionnaire()
    answers = {**spam_filter_answers(), "upcoming_shift": UNKNOWN, "example_count": 4_000, "ml_team": "partner"}
    result = evaluate(q, answers)
    expected = hand_score(q, answers)
    assert result.score == round(expected, 2)
    assert result.max_score == sum(c.weight for c in q.criteria)
    assert result.fraction == round(expected / result.max_score, 4)
    assert sum(f.earned for f in result.findings) == pytest.approx(expected, abs=1e-3)
    for f in result.findings:
        assert f.earned == pytest.approx(f.weight * sum(d.points for d in f.drivers) / len(f.drivers), abs=1e-4)


def test_docstring_example_weight_three_with_one_dont_know():
    """The worked example of the engine docstring: weight 3, points 1.0, "don't know", 0.5."""
    q = load_questionnaire(tiny_questionnaire())
    result = evaluate(q, {"a": "high", "b": UNKNOWN, "c": "mid"})
    only = result.findings[0]
    assert (only.fraction, only.earned, only.status) == (0.5, 1.5, "partly_met")
    assert (result.score, result.max_score, result.fraction) == (1.5, 3.0, 0.5)


def test_finding_levels_and_thresholds_are_inclusive():
    """Criterion statuses and verdict thresholds: a fraction exactly on a level reaches it."""
    q = load_questionnaire(tiny_questionnaire(good_fit=0.5, met=0.5))
    result = evaluate(q, {"a": "high", "b": "low", "c": "mid"})  # (1 + 0 + 0.5) / 3 = 0.5
    assert result.findings[0].status == "met"
    assert result.verdict == "good_fit"


def test_number_bands_take_the_first_band_reached():
    """Criterion scale: predictions/day fall into the YAML's bands."""
    band_points = {}
    for volume in (100_000, 99_999, 1_000, 50, 49, 0):
        scale = finding(evaluate(questionnaire(), {**ideal_answers(), "prediction_volume": volume}), "scale")
        band_points[volume] = next(d.points for d in scale.drivers if d.question_key == "prediction_volume")
    assert band_points == {100_000: 1.0, 99_999: 0.7, 1_000: 0.7, 50: 0.4, 49: 0.1, 0: 0.1}


def test_scale_reads_the_frequency_when_the_volume_is_not_known():
    """Criterion scale (§2.9): a batch run over a catalogue has no daily volume to give."""
    answers = {**ideal_answers(), "prediction_volume": UNKNOWN}
    scale = finding(evaluate(questionnaire(), answers), "scale")
    assert [d.question_key for d in scale.drivers] == ["decision_frequency", "prediction_volume"]
    assert (scale.fraction, scale.status) == (0.75, "met")


def test_drivers_show_each_answer_in_words_with_its_points():
    """Criterion repetitive: the driver shows the option label, not its code."""
    result = evaluate(questionnaire(), {**ideal_answers(), "decision_frequency": "monthly"})
    repetitive = finding(result, "repetitive")
    assert repetitive.status == "partly_met"
    [driver] = repetitive.drivers
    assert (driver.question_key, driver.answer_display, driver.points) == (
        "decision_frequency",
        "A few times a month",
        0.4,
    )
    volume = finding(result, "scale").drivers[1]
    assert volume.answer_display == "2,000,000 predictions/day"


# --------------------------------------------------------------------------------------------
# Caveats and next steps


def test_next_steps_are_filled_in_with_the_answers():
    """Criterion existing_data: too few labels leads to a concrete, quoted next step."""
    answers = {**ideal_answers(), "labels_available": "some", "labelled_examples": 400}
    result = evaluate(questionnaire(), answers)
    assert any(step.startswith("You have 400 labelled examples") for step in result.next_steps)


def test_production_concerns_open_gates_that_hold_a_perfect_score_at_caveats():
    """Production gates (§4.2-§4.5): latency, size, explanations, fairness each cap the verdict."""
    answers = {
        **ideal_answers(),
        "latency_need": "realtime",
        "latency_ms": 100,
        "interpretability_need": "per_prediction",
        "affects_people": "yes",
        "protected_groups": ["age", "disability"],
        "deployment_target": "phone",
        "model_size_limit_mb": 50,
    }
    result = evaluate(questionnaire(), answers)
    assert result.fraction >= questionnaire().scoring.good_fit
    assert result.verdict == "fit_with_caveats"
    assert [g.key for g in result.gates] == ["latency_budget", "deployment_target", "explanations", "fairness"]
    caveats = " | ".join(g.caveat for g in result.gates)
    assert "p99 budget in ms: 100" in caveats
    assert "(Age, Disability)" in caveats
    assert "size limit in MB: 50" in caveats
    assert all(g.must_be_true and g.owner for g in result.gates)


def test_missing_monitoring_and_versioning_become_next_steps():
    """Production concerns (docs/methodology.md §8): silent failures and untested data."""
    answers = {**ideal_answers(), "monitoring_plan": "uptime_only", "data_versioned": "no"}
    steps = " | ".join(evaluate(questionnaire(), answers).next_steps)
    assert "fail silently" in steps
    assert "Version the training data" in steps


# --------------------------------------------------------------------------------------------
# What would change the verdict


def test_what_if_finds_the_single_change_that_removes_a_blocker():
    """Blocker unethical: the only way up is to answer the ethics question differently."""
    options = what_if(questionnaire(), blocked_by("unethical"))
    up = [o for o in options if o.direction == "up"]
    assert len(up) == 1
    assert [(c.question_key, c.to_value) for c in up[0].changes] == [("ethical_concern", "no")]
    assert up[0].new_verdict == "good_fit"
    assert [o.direction for o in options] == ["up"]  # nothing is below not_a_fit


def test_what_if_needs_two_changes_when_two_blockers_stand():
    """Blockers unethical and no_repeated_decision: no single change suffices."""
    up = [o for o in what_if(questionnaire(), blocked_by("unethical", "no_repeated_decision")) if o.direction == "up"]
    assert up
    assert all(len(o.changes) == 2 for o in up)
    assert changed_keys(up[0]) == {"ethical_concern", "decision_frequency"}


def test_what_if_prefers_the_smallest_move_along_ordered_options():
    """Blocker no_repeated_decision and criterion repetitive: 'once' to 'monthly' is enough to
    clear the blocker, so the pair does not jump to 'hundreds a day'."""
    up = what_if(questionnaire(), blocked_by("unethical", "no_repeated_decision"))[0]
    frequency = next(c for c in up.changes if c.question_key == "decision_frequency")
    assert frequency.to_value == "monthly"
    assert frequency.from_display == "Once, or a handful of times in total"


def test_what_if_goes_to_three_changes_when_three_blockers_stand():
    """Blockers unethical, no_data and lookup_only."""
    up = [o for o in what_if(questionnaire(), blocked_by("unethical", "no_data", "lookup_only")) if o.direction == "up"]
    assert [len(o.changes) for o in up] == [3]
    assert changed_keys(up[0]) == {"ethical_concern", "has_data", "answer_is_stored"}


def test_what_if_down_from_a_good_fit():
    """Any blocker, or one failed heavy criterion, moves a good fit down with a single change."""
    options = what_if(questionnaire(), ideal_answers())
    assert [o.direction for o in options] == ["down"] * 3
    assert all(len(o.changes) == 1 for o in options)
    assert all(o.new_verdict in ("fit_with_caveats", "not_a_fit") for o in options)


def test_what_if_up_from_caveats_fixes_the_criterion_holding_it_back():
    """Criterion unseen_data: fresher or more representative data lifts the 2008 case to good_fit."""
    options = what_if(questionnaire(), downloads_2008_for_christmas_2020_answers())
    up = [o for o in options if o.direction == "up"]
    assert up
    assert all(o.new_verdict == "good_fit" for o in up)
    assert all(changed_keys(o) <= {"data_representative", "data_age", "upcoming_shift"} for o in up)
    assert any(o.direction == "down" for o in options)


def test_what_if_options_reproduce_with_evaluate():
    """Every suggested set of changes, applied to the answers, gives the verdict it promises."""
    q = questionnaire()
    for answers in (
        ideal_answers(),
        spam_filter_answers(),
        downloads_2008_for_christmas_2020_answers(),
        blocked_by("unethical", "no_data"),
        {**ideal_answers(), "has_data": "can_collect", "value_vs_cost": UNKNOWN},
    ):
        base = evaluate(q, answers)
        for option in what_if(q, answers):
            changed = {**answers, **{c.question_key: c.to_value for c in option.changes}}
            after = evaluate(q, changed)
            assert after.verdict == option.new_verdict
            assert after.fraction == option.fraction
            assert after.verdict != base.verdict


def test_what_if_can_change_a_dont_know_to_an_answer():
    """Criterion existing_data: finding out that data exists is a way up."""
    answers = {**ideal_answers(), "has_data": UNKNOWN}
    up = [o for o in what_if(questionnaire(), answers) if o.direction == "up"]
    assert [(c.question_key, c.from_display, c.to_value) for c in up[0].changes] == [("has_data", "don't know", "yes")]


def test_bench_reports_mean_and_p95_for_both_calls():
    timings = bench(runs=3)
    for call in ("evaluate", "what_if"):
        assert {f"{call}_mean_us", f"{call}_p95_us", f"{call}_cpu_mean_us", f"{call}_cpu_p95_us"} <= set(timings)
    assert all(value > 0 for value in timings.values())


# --------------------------------------------------------------------------------------------
# A three-question questionnaire for exact arithmetic


def tiny_questionnaire(*, good_fit: float = 0.7, met: float = 0.75) -> dict:
    choice = [{"value": v, "label": v.title()} for v in ("high", "mid", "low")]
    return {
        "key": "tiny",
        "title": "Tiny",
        "version": 1,
        "scoring": {
            "thresholds": {"good_fit": good_fit, "fit_with_caveats": 0.3},
            "finding_levels": {"met": met, "partly_met": 0.4},
            "good_fit_gate": {"min_weight": 10, "statuses": ["not_met"]},
            "verdict_labels": {"good_fit": "Good", "fit_with_caveats": "Caveats", "not_a_fit": "No"},
            "partly_unknown_note": "Some unknown.",
        },
        "sections": [
            {
                "key": "s",
                "title": "S",
                "questions": [
                    {"key": k, "type": "single_choice", "text": k, "allow_unknown": True, "options": choice}
                    for k in ("a", "b", "c")
                ],
            }
        ],
        "criteria": [
            {
                "key": "only",
                "label": "Only",
                "weight": 3,
                "explain": {s: s for s in ("met", "partly_met", "not_met", "unknown")},
                "signals": [{"question": k, "points": {"high": 1, "mid": 0.5, "low": 0}} for k in ("a", "b", "c")],
            }
        ],
    }
