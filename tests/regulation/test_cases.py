"""The EU AI Act triage case set (regulation/cases/eu_ai_act_cases.yaml): every case's answers
through the engine, on the rules' as_of date, against its expected tier, deciding citations and
roles (docs/methodology.md §12.14). Plain pytest, no database."""

from pathlib import Path

import pytest
import yaml

from questionnaires.engine.conditions import effective_answers
from questionnaires.engine.schema import questionnaire_from_file
from regulation.engine import rules_from_file, triage

ROOT = Path(__file__).resolve().parent.parent.parent
CASES_PATH = ROOT / "regulation" / "cases" / "eu_ai_act_cases.yaml"
RULES = rules_from_file()
QUESTIONNAIRE = questionnaire_from_file(ROOT / "questionnaires" / "definitions" / "eu_ai_act.yaml")
DATA = yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))
CASES = DATA["cases"]
EXPECT_KEYS = {"tier", "deciding", "roles", "duties", "may_apply", "no_duties", "review", "provisional", "alongside"}


def _result(case):
    answers = effective_answers(QUESTIONNAIRE, {**DATA["base"], **case["answers"]})
    texts = {q.key: q.text for q in QUESTIONNAIRE.questions}
    return triage(RULES, answers, today=RULES.dates.as_of, question_texts=texts)


def test_there_are_at_least_thirty_cases_with_distinct_names():
    assert len(CASES) >= 30
    assert len({c["name"] for c in CASES}) == len(CASES)


def test_the_set_covers_every_area_practice_route_and_role():
    """What the issue asks the set to cover: every Annex III area, every Article 5 practice,
    Article 6(1), the 6(3) exemption with and without profiling, Article 50, general-purpose
    models, every role, and don't-knows."""
    results = [(_result(c), c) for c in CASES]
    fired = {f.rule for r, _ in results for f in r.findings}
    practices = {r.key for r in RULES.rules if r.route == "article_5"}
    assert practices <= fired, practices - fired
    areas = {r.citation.split("point ")[1][0] for r in RULES.rules if r.route == "annex_iii"}
    covered = {f.citation.split("point ")[1][0] for r, _ in results for f in r.findings if f.route == "annex_iii"}
    assert areas == covered == set("12345678")
    assert {"annex_i_product", "gpai_model", "gpai_systemic"} <= fired
    assert {r.key for r in RULES.rules if r.route == "article_50"} <= fired
    statuses = {e.status for r, _ in results for e in r.exemptions}
    assert {"accepted", "refused", "accepted_pending", "unclear"} <= statuses
    assert {role.value for role in RULES.roles} <= {role for r, _ in results for role in r.roles}
    assert any("unknown" in c["answers"].values() for _, c in results)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    expect = case["expect"]
    assert set(expect) <= EXPECT_KEYS, set(expect) - EXPECT_KEYS
    result = _result(case)
    assert result.tier == expect["tier"]
    assert sorted(f.citation for f in result.deciding) == sorted(expect["deciding"])
    assert list(result.roles) == expect["roles"]
    certain = {o.citation for o in result.obligations if o.certain}
    uncertain = {o.citation for o in result.obligations if not o.certain}
    assert set(expect.get("duties", [])) <= certain, set(expect.get("duties", [])) - certain
    assert set(expect.get("may_apply", [])) <= uncertain, set(expect.get("may_apply", [])) - uncertain
    assert not set(expect.get("no_duties", [])) & (certain | uncertain)
    reviewed = {item.question for item in result.needs_legal_review}
    assert set(expect.get("review", [])) <= reviewed, (set(expect.get("review", [])) - reviewed, reviewed)
    if "provisional" in expect:
        assert result.provisional is expect["provisional"]
    alongside = {f.citation for f in (*result.transparency_duties, *result.general_purpose_model)}
    assert set(expect.get("alongside", [])) <= alongside
