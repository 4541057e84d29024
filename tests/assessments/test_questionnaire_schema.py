"""The questionnaire data, its loader, and answer validation.

Plain pytest functions: no Django, no database. Loader tests start from a small valid
questionnaire (``valid_definition``) and break one thing each.
"""

import copy
from functools import cache

import pytest

from questionnaires.engine.schema import (
    ML_SUITABILITY_PATH,
    QUESTION_TYPES,
    UNKNOWN,
    AnyOf,
    Questionnaire,
    condition_questions,
    load_questionnaire,
    questionnaire_from_file,
)
from questionnaires.engine.validation import AnswerError, missing_required, validate_answer, validate_answers


@cache
def questionnaire() -> Questionnaire:
    return questionnaire_from_file(ML_SUITABILITY_PATH)


def valid_definition() -> dict:
    return {
        "key": "small",
        "title": "Small",
        "version": 2,
        "scoring": {
            "thresholds": {"good_fit": 0.7, "fit_with_caveats": 0.45},
            "finding_levels": {"met": 0.75, "partly_met": 0.4},
            "good_fit_gate": {"min_weight": 2, "statuses": ["not_met", "unknown"]},
            "verdict_labels": {"good_fit": "Good", "fit_with_caveats": "Caveats", "not_a_fit": "No"},
            "partly_unknown_note": "Some unknown.",
        },
        "sections": [
            {
                "key": "only",
                "title": "Only",
                "questions": [
                    {"key": "has_data", "type": "yes_no", "text": "Data?", "allow_unknown": True},
                    {
                        "key": "rows",
                        "type": "number",
                        "text": "Rows?",
                        "unit": "rows",
                        "min": 0,
                        "max": 1000,
                        "integer": True,
                        "show_if": {"question": "has_data", "op": "equals", "value": "yes"},
                    },
                    {
                        "key": "speed",
                        "type": "single_choice",
                        "text": "Speed?",
                        "options": [{"value": "slow", "label": "Slow"}, {"value": "fast", "label": "Fast"}],
                    },
                    {
                        "key": "issues",
                        "type": "multiple_choice",
                        "text": "Issues?",
                        "required": False,
                        "options": [{"value": "gaps", "label": "Gaps"}, {"value": "dupes", "label": "Dupes"}],
                    },
                    {"key": "trust", "type": "scale", "text": "Trust?"},
                    {"key": "note", "type": "short_text", "text": "Note?", "max_length": 10, "required": False},
                ],
            }
        ],
        "criteria": [
            {
                "key": "data",
                "label": "Data",
                "weight": 2,
                "explain": {s: s for s in ("met", "partly_met", "not_met", "unknown")},
                "signals": [
                    {"question": "has_data", "points": {"yes": 1, "no": 0}},
                    {"question": "rows", "bands": [{"gte": 100, "points": 1}, {"points": 0.2}]},
                    {"question": "speed", "points": {"slow": 0.5, "fast": 1}},
                ],
            }
        ],
        "blockers": [
            {
                "key": "none",
                "label": "No data",
                "when": {"question": "has_data", "op": "equals", "value": "no"},
                "reason": "No data.",
                "next_step": "Collect {speed} data.",
            }
        ],
        "next_steps": [{"when": {"question": "trust", "op": "lte", "value": 2}, "text": "Trust is {trust}."}],
        "caveats": [],
    }


def rejects(definition: dict, *fragments: str) -> None:
    with pytest.raises(ValueError) as error:
        load_questionnaire(definition)
    for fragment in fragments:
        assert fragment in str(error.value)


def question_def(definition: dict, key: str) -> dict:
    return next(q for q in definition["sections"][0]["questions"] if q["key"] == key)


# --------------------------------------------------------------------------------------------
# The ML suitability questionnaire itself


def test_ml_suitability_has_40_to_50_questions_in_5_to_7_sections():
    q = questionnaire()
    assert 40 <= len(q.questions) <= 50
    assert 5 <= len(q.sections) <= 7
    assert (q.key, q.version) == ("ml_suitability", 1)


def test_ml_suitability_uses_every_question_type_and_dont_know():
    q = questionnaire()
    assert {x.type for x in q.questions} == set(QUESTION_TYPES)
    assert any(x.allow_unknown for x in q.questions)
    numbers = [x for x in q.questions if x.type == "number"]
    assert all(x.unit and x.min is not None for x in numbers)


def test_ml_suitability_covers_every_methodology_criterion():
    """docs/methodology.md §2 and §3: the definition's five parts plus repetitive, cost of errors,
    scale, changing patterns, simpler solution and cost-effectiveness; unethical use as a blocker."""
    q = questionnaire()
    assert {c.key for c in q.criteria} == {
        "learn",
        "complex_patterns",
        "patterns_exist",
        "existing_data",
        "predictive",
        "unseen_data",
        "repetitive",
        "cost_of_errors",
        "scale",
        "changing_patterns",
        "simpler_solution",
        "cost_effective",
    }
    assert {"unethical", "no_data", "simple_rule_suffices", "no_repeated_decision"} <= {b.key for b in q.blockers}
    assert all(c.source.startswith("docs/methodology.md §2.") for c in q.criteria)
    assert all(b.source.startswith("docs/methodology.md §3.") for b in q.blockers)
    assert all(g.source.startswith("docs/methodology.md §4.") for g in q.gates)


def test_every_dont_know_says_who_finds_out_what():
    """docs/methodology.md §5.3: a "don't know" becomes a named next step, never a guess."""
    q = questionnaire()
    missing = [x.key for x in q.questions if x.allow_unknown and not x.if_unknown]
    assert missing == []


def test_every_gate_says_what_must_be_true_and_who_owns_it():
    """docs/methodology.md §4: a gate is data: a condition, a caveat, what must be true, an owner."""
    q = questionnaire()
    assert {g.key for g in q.gates} == {
        "costly_errors",
        "latency_budget",
        "deployment_target",
        "explanations",
        "fairness",
        "privacy",
        "partial_ml",
        "upgrade_unproven",
    }
    assert all(g.caveat and g.must_be_true and g.owner for g in q.gates)


def a_gate(**changes) -> dict:
    gate = {
        "key": "slow",
        "label": "Slow",
        "when": {"question": "speed", "op": "equals", "value": "slow"},
        "caveat": "It is {speed}.",
        "must_be_true": "A budget.",
        "owner": "Product",
        "source": "docs/methodology.md §4.2",
    }
    return {**gate, **changes}


def test_gates_load_with_their_caveat_template():
    loaded = load_questionnaire({**valid_definition(), "gates": [a_gate()]})
    assert [(g.key, g.owner, g.must_be_true) for g in loaded.gates] == [("slow", "Product", "A budget.")]


def test_rejects_a_gate_without_an_owner():
    gate = a_gate()
    del gate["owner"]
    rejects({**valid_definition(), "gates": [gate]}, "gate", "owner")


def test_rejects_a_gate_whose_caveat_names_an_unknown_question():
    rejects({**valid_definition(), "gates": [a_gate(caveat="{nope}")]}, "gate 'slow'", "nope")


def test_multiple_choice_and_numbers_compare_with_unknown_only():
    definition = valid_definition()
    question_def(definition, "issues")["allow_unknown"] = True
    question_def(definition, "rows")["allow_unknown"] = True
    ok = {
        "any": [
            {"question": "issues", "op": "equals", "value": "unknown"},
            {"question": "rows", "op": "equals", "value": "unknown"},
        ]
    }
    load_questionnaire({**definition, "gates": [a_gate(when=ok)]})
    rejects({**definition, "gates": [a_gate(when={"question": "issues", "op": "equals", "value": "gaps"})]}, "contains")


def test_ml_suitability_asks_the_production_concerns():
    """docs/methodology.md §4, §6 and §8: latency, interpretability, fairness, freshness, deployment target and
    size, monitoring, data testing and versioning."""
    keys = {x.key for x in questionnaire().questions}
    assert {
        "latency_need",
        "latency_ms",
        "interpretability_need",
        "protected_groups",
        "freshness_need",
        "deployment_target",
        "model_size_limit_mb",
        "monitoring_plan",
        "data_versioned",
    } <= keys


def test_ml_suitability_has_conditional_questions_including_an_or():
    q = questionnaire()
    conditional = {x.key: x.show_if for x in q.questions if x.show_if is not None}
    assert {"labels_available", "baseline_quality", "freshness_need"} <= set(conditional)
    assert isinstance(conditional["freshness_need"], AnyOf)
    assert condition_questions(conditional["labels_available"]) == {"has_data"}


def test_every_question_says_why_it_is_asked():
    assert all(x.help.startswith("Why we ask:") for x in questionnaire().questions)


# --------------------------------------------------------------------------------------------
# The loader


def test_valid_definition_loads_and_normalises_yaml_booleans():
    """A bare yes/no in YAML arrives as True/False; the loader reads it as the answer."""
    definition = valid_definition()
    definition["criteria"][0]["signals"][0]["points"] = {True: 1, False: 0}
    q = load_questionnaire(definition)
    assert q.criteria[0].signals[0].points == {"yes": 1.0, "no": 0.0}
    assert q.question("rows").show_if.value == "yes"


def test_rejects_a_condition_on_an_unknown_question():
    definition = valid_definition()
    question_def(definition, "rows")["show_if"] = {"question": "has_dta", "op": "equals", "value": "yes"}
    rejects(definition, "question 'rows'", "unknown question 'has_dta'")


def test_rejects_a_condition_on_a_later_question():
    definition = valid_definition()
    question_def(definition, "has_data")["show_if"] = {"question": "speed", "op": "equals", "value": "fast"}
    rejects(definition, "question 'has_data'", "'speed' is asked later")


def test_rejects_a_blocker_on_an_unknown_question():
    definition = valid_definition()
    definition["blockers"][0]["when"] = {"any": [{"question": "nope", "op": "answered"}]}
    rejects(definition, "blocker 'none'", "unknown question 'nope'")


def test_rejects_a_signal_on_an_unknown_question():
    definition = valid_definition()
    definition["criteria"][0]["signals"][2]["question"] = "sped"
    rejects(definition, "criterion 'data'", "unknown question 'sped'")


def test_rejects_duplicate_question_keys():
    definition = valid_definition()
    question_def(definition, "speed")["key"] = "trust"
    rejects(definition, "question 'trust'", "duplicate question key")


def test_rejects_an_unknown_question_type():
    definition = valid_definition()
    question_def(definition, "note")["type"] = "essay"
    rejects(definition, "question 'note'", "'type' must be one of")


def test_rejects_a_misspelt_key():
    definition = valid_definition()
    question_def(definition, "rows")["show_iff"] = question_def(definition, "rows").pop("show_if")
    rejects(definition, "question 'rows'", "unknown key 'show_iff'")


def test_rejects_a_condition_value_that_is_not_an_option():
    definition = valid_definition()
    definition["next_steps"][0]["when"] = {"question": "speed", "op": "in", "value": ["fast", "warp"]}
    rejects(definition, "next_steps[0]", "'warp' is not an option of question 'speed'")


def test_rejects_an_operator_that_does_not_fit_the_question_type():
    definition = valid_definition()
    definition["next_steps"][0]["when"] = {"question": "has_data", "op": "gte", "value": 1}
    rejects(definition, "op 'gte' does not apply to yes_no question 'has_data'")


def test_rejects_unknown_in_a_condition_when_the_question_does_not_allow_it():
    definition = valid_definition()
    definition["next_steps"][0]["when"] = {"question": "speed", "op": "equals", "value": UNKNOWN}
    rejects(definition, "question 'speed' does not allow 'unknown'")


def test_rejects_points_that_miss_an_option_or_leave_0_to_1():
    definition = valid_definition()
    definition["criteria"][0]["signals"][2]["points"] = {"slow": 0.5}
    rejects(definition, "criterion 'data'", "miss answers ['fast']")
    definition["criteria"][0]["signals"][2]["points"] = {"slow": 0.5, "fast": 2}
    rejects(definition, "criterion 'data'", "must be a number from 0 to 1")


def test_rejects_number_bands_without_a_catch_all_or_out_of_order():
    definition = valid_definition()
    definition["criteria"][0]["signals"][1]["bands"] = [{"gte": 100, "points": 1}]
    rejects(definition, "bands[0]", "catch-all")
    definition["criteria"][0]["signals"][1]["bands"] = [
        {"gte": 10, "points": 1},
        {"gte": 100, "points": 1},
        {"points": 0},
    ]
    rejects(definition, "bands[1]", "highest 'gte' down")


def test_rejects_scoring_a_text_question():
    definition = valid_definition()
    definition["criteria"][0]["signals"].append({"question": "note", "points": {}})
    rejects(definition, "short_text question 'note' cannot be scored")


def test_rejects_a_template_naming_an_unknown_question():
    definition = valid_definition()
    definition["blockers"][0]["next_step"] = "Collect {sped} data."
    rejects(definition, "blocker 'none'", "unknown question '{sped}'")


def test_rejects_thresholds_in_the_wrong_order():
    definition = valid_definition()
    definition["scoring"]["thresholds"] = {"good_fit": 0.4, "fit_with_caveats": 0.6}
    rejects(definition, "scoring.thresholds")


def test_rejects_an_unquoted_no_as_an_option_value():
    definition = valid_definition()
    question_def(definition, "speed")["options"][0]["value"] = False
    rejects(definition, "question 'speed'", "quote values")


def test_loader_does_not_change_its_input():
    definition = valid_definition()
    before = copy.deepcopy(definition)
    load_questionnaire(definition)
    assert definition == before


# --------------------------------------------------------------------------------------------
# Answer validation


def small() -> Questionnaire:
    return load_questionnaire(valid_definition())


def test_validation_normalises_form_and_json_values():
    q = small()
    assert validate_answer(q.question("has_data"), True) == "yes"
    assert validate_answer(q.question("has_data"), " No ") == "no"
    assert validate_answer(q.question("rows"), "1,000") == 1000
    assert validate_answer(q.question("rows"), 12.0) == 12
    assert validate_answer(q.question("trust"), "3") == 3
    assert validate_answer(q.question("issues"), ["dupes", "gaps", "dupes"]) == ["gaps", "dupes"]
    assert validate_answer(q.question("has_data"), "Unknown") == UNKNOWN


def test_validation_turns_blank_answers_into_none():
    q = small()
    assert validate_answer(q.question("speed"), "  ") is None
    assert validate_answer(q.question("issues"), []) is None
    assert validate_answer(q.question("note"), "   ") is None
    assert validate_answer(q.question("rows"), None) is None


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("rows", "lots", "expected a number"),
        ("rows", True, "expected a number"),
        ("has_data", "maybe", "expected 'yes' or 'no'"),
        ("issues", "gaps", "expected a list of options"),
        ("note", 42, "expected text"),
    ],
)
def test_validation_rejects_the_wrong_type_naming_the_key(key, value, message):
    with pytest.raises(AnswerError) as error:
        validate_answer(small().question(key), value)
    assert error.value.key == key
    assert str(error.value).startswith(f"{key}: ")
    assert message in error.value.message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("rows", -1, "at least 0 rows"),
        ("rows", 1001, "at most 1,000 rows"),
        ("rows", 2.5, "whole number"),
        ("trust", 6, "from 1 to 5"),
        ("trust", 2.5, "from 1 to 5"),
        ("note", "far too long a note", "at most 10 characters"),
    ],
)
def test_validation_rejects_out_of_range_values_naming_the_key(key, value, message):
    with pytest.raises(AnswerError, match=f"^{key}: .*{message}"):
        validate_answer(small().question(key), value)


def test_validation_rejects_an_unknown_option_naming_the_key():
    with pytest.raises(AnswerError, match=r"^speed: unknown option 'warp' \(choose one of: slow, fast\)"):
        validate_answer(small().question("speed"), "warp")
    with pytest.raises(AnswerError, match=r"^issues: unknown option 'mold'"):
        validate_answer(small().question("issues"), ["gaps", "mold"])


def test_validation_rejects_dont_know_where_it_is_not_allowed():
    with pytest.raises(AnswerError, match=r"^speed: \"don't know\""):
        validate_answer(small().question("speed"), UNKNOWN)


def test_validate_answers_rejects_a_question_the_version_does_not_have():
    with pytest.raises(AnswerError, match=r"^colour: no such question in small version 2"):
        validate_answers(small(), {"speed": "fast", "colour": "red"})


def test_validate_answers_drops_blanks():
    assert validate_answers(small(), {"speed": "fast", "note": "", "trust": "4"}) == {"speed": "fast", "trust": 4}


def test_missing_required_skips_hidden_and_optional_questions():
    q = small()
    assert [x.key for x in missing_required(q, {"has_data": "no"})] == ["speed", "trust"]
    assert [x.key for x in missing_required(q, {"has_data": "yes"})] == ["rows", "speed", "trust"]
    assert missing_required(q, {"has_data": UNKNOWN, "speed": "slow", "trust": 1}) == []


def test_every_option_of_the_ml_questionnaire_validates_as_itself():
    for question in questionnaire().questions:
        for option in question.options:
            expected = option.value if question.type == "single_choice" else [option.value]
            assert validate_answer(question, expected) == expected
