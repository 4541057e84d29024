"""The EU AI Act triage: rules as data, a pure engine, and the questionnaire they read.

Plain pytest, no Django, no database (docs/methodology.md §12). The triage date is fixed at the
rules' as_of date, 4 December 2026, so that "applies now" is stable.
"""

import ast
import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from questionnaires.engine.conditions import effective_answers
from questionnaires.engine.schema import MULTIPLE_CHOICE, SINGLE_CHOICE, YES_NO, condition_questions, load_questionnaire
from regulation.engine import (
    ACCEPTED,
    ACCEPTED_PENDING,
    CONSTRAINTS,
    NOT_LEGAL_ADVICE,
    REFUSED,
    REVIEW_EXEMPTION,
    REVIEW_OBLIGATION,
    REVIEW_RULE,
    REVIEW_TIER,
    RULES_PATH,
    UNCLEAR,
    load_rules,
    questions_of,
    rules_from_file,
    triage,
)

ROOT = Path(__file__).resolve().parent.parent.parent
QUESTIONNAIRE_PATH = ROOT / "questionnaires" / "definitions" / "eu_ai_act.yaml"
TODAY = dt.date(2026, 12, 4)

RULES = rules_from_file()
with QUESTIONNAIRE_PATH.open(encoding="utf-8") as fh:
    QUESTIONNAIRE = load_questionnaire(yaml.safe_load(fh))

PROVIDER_HIGH_RISK = {
    "Article 9",
    "Article 10",
    "Article 11 and Annex IV",
    "Article 12",
    "Article 13",
    "Article 14",
    "Article 15",
    "Article 17",
    "Article 43",
    "Article 47",
    "Article 48",
    "Article 49(1)",
    "Article 72",
    "Article 73",
}
DEPLOYER_HIGH_RISK = {"Article 26(1)", "Article 26(2)", "Article 26(4)", "Article 26(5)", "Article 26(6)"}


def answers(**overrides):
    """A complete set of answers for an unremarkable system, with the given answers changed."""
    base = {
        "intended_purpose": "",
        "org_role": ["provider"],
        "practice_manipulation": "no",
        "practice_exploits_vulnerabilities": "no",
        "practice_social_scoring": "no",
        "practice_crime_prediction": "no",
        "practice_face_scraping": "no",
        "practice_emotion_workplace": "no",
        "practice_biometric_categorisation": "no",
        "practice_realtime_rbi": "no",
        "practice_intimate_content": "no",
        "product_safety_component": "no",
        "annex_iii_areas": ["none"],
        "interacts_with_people": "no",
        "generates_content": "no",
        "emotion_or_biometric_categorisation": "no",
        "deep_fakes": "no",
        "public_interest_text": "no",
        "gpai_model_provider": "no",
    }
    base.update(overrides)
    # What the wizard stores: answers to hidden questions dropped.
    return effective_answers(QUESTIONNAIRE, base)


def run(**overrides):
    texts = {q.key: q.text for q in QUESTIONNAIRE.questions}
    return triage(RULES, answers(**overrides), today=TODAY, question_texts=texts)


def citations(result):
    return {o.citation for o in result.obligations}


def obligation(result, key):
    return next(o for o in result.obligations if o.key == key)


def review_for(result, question):
    return [item for item in result.needs_legal_review if item.question == question]


CV_SCREENING = {
    "annex_iii_areas": ["employment"],
    "employment_use": ["recruitment"],
    "exemption_claimed": "no",
    "profiles_people": "yes",
}


# --------------------------------------------------------------------------------------------
# Prohibited


def test_social_scoring_is_prohibited_under_article_5_1_c():
    result = run(practice_social_scoring="yes")

    assert result.tier == "prohibited"
    assert [(f.rule, f.citation) for f in result.deciding] == [("social_scoring", "Article 5(1)(c)")]
    stop = obligation(result, "do_not_use")
    assert stop.applies_from == dt.date(2025, 2, 2) and stop.applies_now and stop.certain


def test_realtime_biometric_identification_for_law_enforcement_is_prohibited_and_sent_to_review():
    result = run(practice_realtime_rbi="yes", org_role=["deployer"], deployer_type="public_authority")

    assert result.tier == "prohibited"
    assert [f.citation for f in result.deciding] == ["Article 5(1)(h)"]
    [item] = review_for(result, "practice_realtime_rbi")
    assert item.kind == REVIEW_RULE and "exceptions" in item.why and "Article 5(1)(h)" in item.citations


def test_a_prohibited_practice_wins_over_every_other_route():
    result = run(practice_emotion_workplace="yes", interacts_with_people="yes", **CV_SCREENING)

    assert result.tier == "prohibited"
    assert {f.tier for f in result.findings} == {"prohibited", "high_risk", "transparency"}
    assert [f.rule for f in result.deciding] == ["emotion_workplace"]
    # The only duties of a prohibited system: not to go ahead, and AI literacy.
    assert {o.key for o in result.obligations} == {"do_not_use", "ai_literacy"}


def test_the_new_prohibition_applies_from_2_december_2026():
    result = run(practice_intimate_content="yes")

    assert result.tier == "prohibited"
    [finding] = result.deciding
    assert "Digital Omnibus" in finding.citation
    assert finding.applies_from == dt.date(2026, 12, 2) and finding.in_effect
    assert obligation(result, "do_not_use").applies_from == dt.date(2026, 12, 2)
    assert not triage(RULES, answers(practice_intimate_content="yes"), today=dt.date(2026, 12, 1)).deciding[0].in_effect


# --------------------------------------------------------------------------------------------
# High-risk


def test_cv_screening_by_a_provider_is_high_risk_under_annex_iii_point_4a():
    result = run(**CV_SCREENING)

    assert result.tier == "high_risk"
    [finding] = result.deciding
    assert finding.citation == "Article 6(2) and Annex III point 4(a)"
    assert finding.applies_from == dt.date(2027, 12, 2) and not finding.in_effect
    assert citations(result) >= PROVIDER_HIGH_RISK
    assert not DEPLOYER_HIGH_RISK & citations(result)
    for item in result.obligations:
        if item.citation in PROVIDER_HIGH_RISK:
            assert item.applies_from == dt.date(2027, 12, 2) and not item.applies_now and item.certain
    assert obligation(result, "ai_literacy").applies_now
    assert result.constraints == set(CONSTRAINTS)
    assert result.needs_legal_review == () and not result.provisional


def test_cv_screening_by_a_deployer_brings_the_article_26_duties_and_no_fria_for_a_private_firm():
    result = run(org_role=["deployer"], deployer_type="other", used_on_own_workers="no", **CV_SCREENING)

    assert result.tier == "high_risk"
    assert DEPLOYER_HIGH_RISK | {"Article 26(11)", "Article 86"} <= citations(result)
    assert not PROVIDER_HIGH_RISK & citations(result)
    # The fundamental rights impact assessment is for public bodies, public services and
    # points 5(b) and 5(c) only (Article 27(1)); workers are informed only where they are affected.
    assert "Article 27" not in citations(result)
    assert "Article 26(7)" not in citations(result)
    assert obligation(result, "keep_logs_deployer").constrains == "logging"
    assert obligation(result, "human_oversight_staff").constrains == "human_oversight"


def test_a_public_service_deployer_of_cv_screening_must_assess_fundamental_rights():
    result = run(org_role=["deployer"], deployer_type="public_service", used_on_own_workers="yes", **CV_SCREENING)

    assert {"Article 27", "Article 26(7)"} <= citations(result)
    assert "Article 26(8) and Article 49(3)" not in citations(result)  # a public authority's duty


def test_credit_scoring_deployer_must_assess_fundamental_rights_under_article_27():
    result = run(
        org_role=["deployer"],
        deployer_type="other",
        used_on_own_workers="no",
        annex_iii_areas=["essential_services"],
        essential_services_use=["creditworthiness"],
        exemption_claimed="no",
        profiles_people="yes",
    )

    assert result.tier == "high_risk"
    assert [f.citation for f in result.deciding] == ["Article 6(2) and Annex III point 5(b)"]
    fria = obligation(result, "fundamental_rights_impact_assessment")
    assert fria.citation == "Article 27" and fria.certain and fria.applies_from == dt.date(2027, 12, 2)


def test_fraud_detection_alone_is_not_a_listed_use():
    result = run(
        annex_iii_areas=["essential_services"],
        essential_services_use=["fraud_detection"],
        exemption_claimed="no",
        profiles_people="yes",
    )

    assert result.tier == "minimal"


def test_medical_device_safety_component_needing_a_notified_body_is_high_risk_from_august_2028():
    result = run(product_safety_component="yes", annex_i_product="medical_device", third_party_assessment="yes")

    assert result.tier == "high_risk"
    [finding] = result.deciding
    assert finding.citation == "Article 6(1) and Annex I"
    assert finding.applies_from == dt.date(2028, 8, 2)
    assert PROVIDER_HIGH_RISK - {"Article 49(1)"} <= citations(result)
    assert "Article 49(1)" not in citations(result)  # EU database registration is for Annex III
    assert all(o.applies_from == dt.date(2028, 8, 2) for o in result.obligations if o.citation in PROVIDER_HIGH_RISK)


def test_a_self_certified_product_is_not_high_risk_through_annex_i():
    result = run(product_safety_component="yes", annex_i_product="medical_device", third_party_assessment="no")

    assert result.tier == "minimal"


def test_machinery_reaches_the_ai_requirements_through_its_own_legislation():
    result = run(product_safety_component="yes", annex_i_product="machinery", third_party_assessment="yes")

    assert result.tier == "high_risk"
    assert "Article 2(2), Article 6(1) and Annex I Section B" in citations(result)
    assert "Article 9" not in citations(result)


def test_a_system_high_risk_on_both_routes_takes_the_earlier_annex_iii_date():
    result = run(
        product_safety_component="yes",
        annex_i_product="medical_device",
        third_party_assessment="yes",
        **CV_SCREENING,
    )

    assert obligation(result, "risk_management").applies_from == dt.date(2027, 12, 2)


# --------------------------------------------------------------------------------------------
# Exemptions and profiling


def test_an_exemption_claimed_without_profiling_lifts_the_tier_but_goes_to_legal_review():
    result = run(
        annex_iii_areas=["employment"],
        employment_use=["recruitment"],
        exemption_claimed="yes",
        exemption_grounds=["preparatory_task"],
        profiles_people="no",
    )

    assert result.tier == "minimal"
    [outcome] = result.exemptions
    assert outcome.status == ACCEPTED and outcome.citation == "Article 6(3)"
    assert {"Article 6(4)", "Article 49(2)"} <= citations(result)
    assert obligation(result, "exemption_documentation").applies_from == dt.date(2027, 12, 2)
    assert "Article 9" not in citations(result)
    [item] = review_for(result, "exemption_claimed")
    assert item.kind == REVIEW_EXEMPTION and "Article 6(3)" in item.citations
    assert not result.provisional


def test_an_exemption_claimed_for_a_system_that_profiles_people_falls():
    result = run(
        annex_iii_areas=["employment"],
        employment_use=["recruitment"],
        exemption_claimed="yes",
        exemption_grounds=["narrow_procedural"],
        profiles_people="yes",
    )

    assert result.tier == "high_risk"
    [outcome] = result.exemptions
    assert outcome.status == REFUSED and outcome.citation == "Article 6(3), last subparagraph"
    assert "Article 9" in citations(result) and "Article 6(4)" not in citations(result)
    assert review_for(result, "exemption_claimed")[0].kind == REVIEW_EXEMPTION


def test_an_exemption_claimed_with_profiling_unknown_is_provisional_and_sent_to_review():
    result = run(
        annex_iii_areas=["employment"],
        employment_use=["recruitment"],
        exemption_claimed="yes",
        exemption_grounds=["detects_patterns"],
        profiles_people="unknown",
    )

    assert result.tier == "minimal"
    assert result.exemptions[0].status == ACCEPTED_PENDING
    [item] = review_for(result, "profiles_people")
    assert item.kind == REVIEW_TIER and item.could_raise_to == "high_risk"
    assert "Article 6(3), last subparagraph" in item.citations
    assert result.provisional


def test_dont_know_whether_an_exemption_applies_keeps_the_system_high_risk():
    result = run(
        annex_iii_areas=["employment"],
        employment_use=["recruitment"],
        exemption_claimed="unknown",
        profiles_people="no",
    )

    assert result.tier == "high_risk"
    assert result.exemptions[0].status == UNCLEAR
    [item] = review_for(result, "exemption_claimed")
    assert item.kind == REVIEW_EXEMPTION


# --------------------------------------------------------------------------------------------
# Transparency and minimal


def test_customer_service_chatbot_has_transparency_duties_from_august_2026():
    result = run(interacts_with_people="yes")

    assert result.tier == "transparency"
    assert [f.citation for f in result.deciding] == ["Article 50(1)"]
    assert result.transparency_duties == result.deciding
    disclose = obligation(result, "disclose_interaction")
    assert disclose.citation == "Article 50(1) and 50(5)"
    assert disclose.applies_from == dt.date(2026, 8, 2) and disclose.applies_now


def test_image_generator_must_mark_its_outputs_under_article_50_2():
    new = run(generates_content="yes", on_market_before_august_2026="no")
    old = run(generates_content="yes", on_market_before_august_2026="yes")
    unsure = run(generates_content="yes", on_market_before_august_2026="unknown")

    assert new.tier == "transparency"
    assert [f.citation for f in new.deciding] == ["Article 50(2)"]
    assert obligation(new, "mark_synthetic_content").applies_from == dt.date(2026, 8, 2)
    assert obligation(old, "mark_synthetic_content").applies_from == dt.date(2026, 12, 2)
    # A "don't know" never postpones a duty.
    assert obligation(unsure, "mark_synthetic_content").applies_from == dt.date(2026, 8, 2)


def test_transparency_duties_apply_alongside_the_high_risk_tier():
    result = run(interacts_with_people="yes", **CV_SCREENING)

    assert result.tier == "high_risk"
    assert [f.citation for f in result.transparency_duties] == ["Article 50(1)"]
    assert "Article 50(1) and 50(5)" in citations(result)


def test_editorial_review_lifts_the_public_interest_text_duty_only_when_established():
    reviewed = run(public_interest_text="yes", editorial_review="yes")
    unsure = run(public_interest_text="yes", editorial_review="unknown")

    assert reviewed.tier == "minimal"
    assert unsure.tier == "transparency"
    assert [f.citation for f in unsure.deciding] == ["Article 50(4), second subparagraph"]


def test_warehouse_parcel_sorter_is_minimal_risk():
    result = run(
        intended_purpose="Route parcels to the right conveyor from camera images of their labels.",
        org_role=["provider", "deployer"],
        deployer_type="other",
        used_on_own_workers="no",
    )

    assert result.tier == "minimal" and result.tier_label == "Minimal risk"
    assert result.deciding == () and result.findings == ()
    assert [o.citation for o in result.obligations] == ["Article 4"]
    assert result.needs_legal_review == () and result.unanswered == ()


def test_gpai_model_provider_duties_apply_alongside_the_tier():
    open_model = run(
        gpai_model_provider="yes",
        gpai_systemic_risk="no",
        gpai_open_licence="yes",
        gpai_on_market_before_august_2025="no",
    )
    big_model = run(
        gpai_model_provider="yes",
        gpai_systemic_risk="yes",
        gpai_open_licence="yes",
        gpai_on_market_before_august_2025="yes",
    )

    assert open_model.tier == "minimal"
    assert [f.rule for f in open_model.general_purpose_model] == ["gpai_model"]
    assert {"Article 53(1)(c)", "Article 53(1)(d)"} <= citations(open_model)
    assert "Article 53(1)(a) and Annex XI" not in citations(open_model)  # open models are spared it
    assert obligation(open_model, "gpai_copyright_policy").applies_from == dt.date(2025, 8, 2)
    assert {"Article 53(1)(a) and Annex XI", "Article 52(1)", "Article 55(1)(a)"} <= citations(big_model)
    assert obligation(big_model, "gpai_copyright_policy").applies_from == dt.date(2027, 8, 2)


# --------------------------------------------------------------------------------------------
# "Don't know" and legal review


def test_dont_know_on_an_annex_iii_use_does_not_raise_the_tier_but_is_listed_for_legal_review():
    result = run(annex_iii_areas=["employment"], employment_use="unknown", exemption_claimed="no", profiles_people="no")

    assert result.tier == "minimal"
    assert result.deciding == ()
    [item] = review_for(result, "employment_use")
    assert item.kind == REVIEW_TIER and item.could_raise_to == "high_risk"
    assert item.question_text == QUESTIONNAIRE.question("employment_use").text
    assert "Article 6(2) and Annex III point 4(a)" in item.citations
    assert "recruitment" in item.why
    assert result.provisional


def test_dont_know_on_the_annex_iii_area_is_summarised_by_its_route():
    result = run(annex_iii_areas="unknown")

    [item] = review_for(result, "annex_iii_areas")
    assert item.kind == REVIEW_TIER and "Annex III" in item.why
    assert len(item.citations) == len([r for r in RULES.rules if r.route == "annex_iii"])


def test_dont_know_on_a_prohibited_practice_does_not_make_it_prohibited():
    result = run(practice_social_scoring="unknown", **CV_SCREENING)

    assert result.tier == "high_risk"
    [item] = review_for(result, "practice_social_scoring")
    assert item.kind == REVIEW_TIER and item.could_raise_to == "prohibited"
    assert item.citations == ("Article 5(1)(c)",)
    # Reviews that could raise the tier come first, the highest tier first.
    assert result.needs_legal_review[0] == item


def test_dont_know_on_the_role_lists_the_duties_as_may_apply():
    result = run(org_role="unknown", **CV_SCREENING)

    assert result.tier == "high_risk"
    risk = obligation(result, "risk_management")
    assert not risk.certain and risk.depends_on == ("org_role",)
    assert not obligation(result, "use_per_instructions").certain
    [item] = review_for(result, "org_role")
    assert item.kind == REVIEW_OBLIGATION and "Article 9" in item.citations
    assert result.constraints == frozenset()  # nothing certain to constrain an approach yet


def test_dont_know_on_a_transparency_question_under_a_higher_tier_changes_duties_not_the_tier():
    result = run(interacts_with_people="unknown", **CV_SCREENING)

    [item] = review_for(result, "interacts_with_people")
    assert item.kind == REVIEW_OBLIGATION and item.could_raise_to is None


def test_unanswered_questions_are_listed_apart_from_legal_review():
    result = triage(RULES, {"org_role": ["provider"], "annex_iii_areas": ["employment"]}, today=TODAY)

    assert result.tier == "minimal"
    assert "employment_use" in result.unanswered and "practice_social_scoring" in result.unanswered
    assert result.needs_legal_review == ()


def test_a_stale_answer_to_a_hidden_follow_up_decides_nothing():
    stale = {**answers(), "employment_use": ["recruitment"]}  # the area was unticked later

    assert triage(RULES, stale, today=TODAY).tier == "minimal"


def test_every_result_says_it_is_a_triage_not_legal_advice():
    result = run()

    assert result.disclaimer == NOT_LEGAL_ADVICE
    assert "triage, not legal advice" in NOT_LEGAL_ADVICE
    assert result.rules_as_of == dt.date(2026, 12, 4) and result.today == TODAY


# --------------------------------------------------------------------------------------------
# The data


def test_every_rule_exemption_and_obligation_carries_a_citation_and_a_methodology_section():
    assert len(RULES.tiers) == 4
    for item in (*RULES.rules, *RULES.exemptions, *RULES.obligations, *RULES.routes):
        assert item.citation.startswith("Article"), item.key
        assert item.methodology.startswith("docs/methodology.md §12"), item.key
    assert all(o.constrains in (None, *CONSTRAINTS) for o in RULES.obligations)
    tagged = {o.constrains for o in RULES.obligations if o.constrains}
    assert tagged == set(CONSTRAINTS)


def test_every_finding_and_checklist_line_of_a_busy_triage_cites_its_article():
    result = run(
        org_role=["provider", "deployer", "importer", "distributor"],
        deployer_type="public_authority",
        used_on_own_workers="yes",
        interacts_with_people="yes",
        generates_content="yes",
        on_market_before_august_2026="no",
        gpai_model_provider="yes",
        gpai_systemic_risk="yes",
        gpai_open_licence="no",
        gpai_on_market_before_august_2025="no",
        **CV_SCREENING,
    )

    assert result.findings and result.obligations
    assert all(f.citation for f in result.findings)
    assert all(o.citation and o.applies_from for o in result.obligations)
    assert {"Article 23(1) and 23(2)", "Article 24(1) and 24(2)", "Article 26(8) and Article 49(3)"} <= citations(
        result
    )


def test_the_dates_are_data_with_their_sources():
    dates = RULES.dates
    assert dates.as_of == dt.date(2026, 12, 4)
    expected = {
        "prohibitions_and_literacy": dt.date(2025, 2, 2),
        "gpai": dt.date(2025, 8, 2),
        "general": dt.date(2026, 8, 2),
        "new_prohibition": dt.date(2026, 12, 2),
        "marking_legacy": dt.date(2026, 12, 2),
        "high_risk_annex_iii": dt.date(2027, 12, 2),
        "high_risk_annex_i": dt.date(2028, 8, 2),
    }
    assert {key: dates.entries[key].date for key in expected} == expected
    assert all("Article 11" in e.source or "Article 113" in e.source for e in dates.entries.values())
    act = dates.amending_act
    assert (act.european_parliament_adopted, act.council_adopted) == (dt.date(2026, 6, 16), dt.date(2026, 6, 29))
    # The Official Journal reference is not invented: it says it is unconfirmed.
    assert not act.official_journal_confirmed
    assert "not confirmed" in act.official_journal and "EUR-Lex" in act.official_journal
    assert act.sources and all(s.url.startswith("https://") for s in act.sources)


def test_the_questionnaire_loads_and_allows_dont_know_almost_everywhere():
    assert QUESTIONNAIRE.key == RULES.questionnaire == "eu_ai_act"
    assert QUESTIONNAIRE.scoring is None  # collects answers; the triage engine reads them
    choices = [q for q in QUESTIONNAIRE.questions if q.key != "intended_purpose"]
    assert all(q.allow_unknown and q.help for q in choices)
    assert all(q.if_unknown for q in choices)


def test_every_question_and_value_the_rules_read_exists_in_the_questionnaire():
    read = RULES.questions_read()
    assert read, "the rules read no answers?"
    for key, values in read.items():
        assert QUESTIONNAIRE.has_question(key), f"the rules read {key!r}, which the questionnaire does not ask"
        question = QUESTIONNAIRE.question(key)
        if question.type == YES_NO:
            space = {"yes", "no"}
        else:
            assert question.type in (SINGLE_CHOICE, MULTIPLE_CHOICE), key
            space = {o.value for o in question.options}
        assert values <= space, f"{key}: {sorted(values - space)} are not answers to it"
    assert {r.value for r in RULES.roles} == {o.value for o in QUESTIONNAIRE.question(RULES.role_question).options}
    unread = {q.key for q in QUESTIONNAIRE.questions} - set(read) - {"intended_purpose"}
    assert not unread, f"questions no rule reads: {sorted(unread)}"


def test_every_rule_on_a_follow_up_question_also_reads_the_question_it_follows():
    for rule in RULES.rules:
        read = questions_of(rule.when)
        for key in read:
            show_if = QUESTIONNAIRE.question(key).show_if
            if show_if is not None:
                parents = condition_questions(show_if)
                before = set(read[: read.index(key)])
                assert parents <= before, f"rule {rule.key} reads {key} without, or before, {sorted(parents)}"


def _definition():
    with RULES_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0].update(severity="high"), "unknown key 'severity'"),
        (lambda d: d["rules"][0].pop("citation"), "missing key 'citation'"),
        (lambda d: d["rules"][0].update(route="annex_iv"), "unknown key 'annex_iv'"),
        (lambda d: d["obligations"][0].update(constrains="speed"), "constrains"),
        (lambda d: d["obligations"][0].update(applies_from="someday"), "unknown key 'someday'"),
        (lambda d: d["rules"][0].update(when={"tier": "high_risk"}), "'tier' can only be read by obligations"),
        (lambda d: d["rules"][0]["when"].update(op="matches"), "op"),
        (lambda d: d["dates"].update(as_of="soon"), "dates.as_of"),
        (lambda d: d["tiers"].reverse(), "order of precedence"),
        (lambda d: d.update(sections=[]), "unknown key 'sections'"),
    ],
)
def test_the_rules_file_refuses_a_bad_key_naming_it(change, message):
    definition = copy.deepcopy(_definition())
    change(definition)

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_rules(definition)


def test_the_rules_survive_a_round_trip_through_json_storage():
    import json

    stored = json.loads(json.dumps(_definition(), default=str))
    again = load_rules(stored)

    assert again.dates.entries["high_risk_annex_iii"].date == dt.date(2027, 12, 2)
    assert triage(again, answers(**CV_SCREENING), today=TODAY).tier == "high_risk"


def test_the_engine_imports_no_django():
    # The engine only: the app around it (services, views) is Django's (import-linter checks both).
    for path in [ROOT / "regulation" / "engine.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names]
        assert not [m for m in modules if m.split(".")[0] in ("django", "ninja", "celery")], path
