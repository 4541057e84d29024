"""The triage in the trade-off report (docs/methodology.md §12.13): the duties that constrain the build
become production gates, explanations a requirement the comparison weighs; the report's inputs of a
proposal without a triage are unchanged; the PDF has a short EU AI Act section."""

from regulation.services import screening_save, screening_start
from reports.inputs import AI_ACT_STAKEHOLDER, ai_act_gates, engine_inputs
from reports.pdf import report_html
from reports.services import inputs_hash, report_inputs
from tests.factories import build_scenario, computed
from tests.html import parse
from tests.regulation.answers import CV_SCREENING


def screen(world, answers):
    assessment = screening_start(proposal=world.proposal, by=world.owner)
    assessment.proposal = world.proposal
    screening_save(assessment=assessment, raw=answers, by=world.owner)
    world.proposal.refresh_from_db()


def test_a_proposal_without_a_finished_triage_freezes_the_same_inputs(world, questionnaire_version):
    build_scenario(world)
    before = report_inputs(proposal=world.proposal)
    assert "regulation" not in before
    screen(world, {"practice_manipulation": "no"})  # started, not finished
    assert inputs_hash(report_inputs(proposal=world.proposal)) == inputs_hash(before)


def test_a_high_risk_triage_freezes_its_constraints(world, questionnaire_version):
    build_scenario(world)
    screen(world, CV_SCREENING)
    regulation = report_inputs(proposal=world.proposal)["regulation"]
    assert (regulation["tier"], regulation["articles"]) == ("high_risk", "Article 6(2) and Annex III point 4(a)")
    assert list(regulation["constraints"]) == ["human_oversight", "logging", "explanations", "accuracy_robustness"]
    cited = {d["citation"] for duties in regulation["constraints"].values() for d in duties}
    assert {
        "Article 12",
        "Article 13",
        "Article 14",
        "Article 15",
        "Article 26(2)",
        "Article 26(6)",
        "Article 86",
    } <= cited
    assert regulation["constraints"]["human_oversight"][0]["applies_from"] == "2027-12-02"
    # Explanations are weighed: a requirement of its own, named for where it comes from.
    engine_in = engine_inputs(report_inputs(proposal=world.proposal))
    (ai_act,) = [s for s in engine_in.stakeholders if s.name == AI_ACT_STAKEHOLDER]
    (requirement,) = ai_act.requirements
    assert (requirement.dimension, requirement.value, requirement.must_have) == (
        "interpretability",
        "per_prediction",
        False,
    )


def test_the_gates_lead_the_risks_and_name_the_duties():
    regulation = {
        "tier": "high_risk",
        "tier_label": "High-risk",
        "articles": "Article 6(2) and Annex III point 4(a)",
        "constraints": {"logging": [{"label": "Keep logs.", "citation": "Article 12", "applies_from": "2027-12-02"}]},
    }
    (gate,) = ai_act_gates(regulation, leader="Gradient-boosted trees")
    assert gate["key"] == "ai_act_logging" and gate["severity"] == "high"
    assert "high-risk tier (Article 6(2) and Annex III point 4(a))" in gate["why"][0]
    assert "Keep logs. (Article 12; applies from 2027-12-02)" in gate["next_steps"]
    assert ai_act_gates({}) == []


def test_the_report_and_its_pdf_show_the_triage(world, questionnaire_version):
    build_scenario(world)
    screen(world, CV_SCREENING)
    report = computed(world.proposal, world.owner)
    keys = [r["key"] for r in report.results["risks"]]
    assert keys[:4] == ["ai_act_human_oversight", "ai_act_logging", "ai_act_explanations", "ai_act_accuracy_robustness"]
    assert AI_ACT_STAKEHOLDER in {s["stakeholder_name"] for s in report.results["satisfaction"]}
    page = parse(report_html(report))
    section = page.text("#ai-act")
    assert "High-risk (Article 6(2) and Annex III point 4(a))" in section
    assert f"Open duties on the triage's checklist as this PDF is made: {world.proposal.ai_act_open_obligations}" in (
        section
    )
    assert "not legal advice" in section
    assert "EU AI Act: human oversight" in page.text("#risks")


def test_the_word_file_has_the_same_triage_section(world, questionnaire_version):
    import io

    from docx import Document

    from reports.docx import report_docx

    build_scenario(world)
    screen(world, CV_SCREENING)
    report = computed(world.proposal, world.owner)
    document = Document(io.BytesIO(report_docx(report)))
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("EU AI Act triage")
    section = paragraphs[start : paragraphs.index("Stakeholders and requirements")]
    assert section[1].startswith("High-risk (Article 6(2) and Annex III point 4(a))")
    assert any("Article 14" in line for line in section)  # human oversight, a duty that constrains the build
    assert f"Open duties on the triage's checklist now: {world.proposal.ai_act_open_obligations}." in section
    assert any("not legal advice" in line for line in section)
