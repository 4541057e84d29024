"""The suitability answers the conflict detector weighs, passed through the services as given
(issue 20; docs/methodology.md §7.10, §7.11): "people could label a sample" stays that, and the
stakes of predictions about people reach the fairness check."""

from questionnaires.models import Answer
from stakeholders.models import Conflict, ConflictStatus
from stakeholders.services import requirement_save
from suitability.services import _conflict_facts, assessment_complete, assessment_start
from tests.typical_answers import typical_answers


def complete(world, **changes):
    assessment = assessment_start(proposal=world.proposal, by=world.owner)
    answers = {k: v for k, v in {**typical_answers(), **changes}.items() if v is not None}
    for key, value in answers.items():
        Answer.objects.create(assessment=assessment, question_key=key, value=value)
    assessment_complete(assessment=assessment, by=world.owner)
    world.proposal.refresh_from_db()


def open_conflict(world, rule_title):
    return Conflict.objects.get(proposal=world.proposal, status=ConflictStatus.OPEN, title=rule_title)


def test_people_could_label_a_sample_reaches_the_detector_as_given():
    assert _conflict_facts({"labels_available": "can_label"}) == {"labels_available": "can_label"}
    assert _conflict_facts({"labels_available": "no"}) == {"labels_available": "no"}
    assert _conflict_facts({"protected_groups": "unknown"}) == {"protected_groups": ["unknown"]}


def test_a_daily_retraining_wish_quotes_the_labelling_answer(world, questionnaire_version, engineer):
    complete(world, labels_available="can_label", labelled_examples=None)
    assert world.proposal.suitability_facts["labels_available"] == "can_label"
    requirement_save(
        stakeholder=engineer,
        dimension="freshness",
        data={"op": "<=", "value": 1, "unit": "days", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    conflict = open_conflict(world, "Frequent retraining without fresh labels")
    assert "people could label a sample" in conflict.explanation
    assert "impractical" not in conflict.explanation


def test_scoring_applicants_with_serious_errors_and_no_fairness_requirement_is_high(world, questionnaire_version):
    complete(
        world,
        affects_people="yes",
        protected_groups=["age", "ethnicity"],
        error_cost="serious",
        human_review="yes",
        safe_fallback="yes",
    )
    assert world.proposal.suitability_facts["protected_groups"] == ["age", "ethnicity"]
    conflict = open_conflict(world, "No fairness requirement for predictions about people")
    assert conflict.severity == "high"
    assert "age and ethnicity or nationality" in conflict.explanation


def test_predictions_about_parcels_raise_no_fairness_conflict(world, questionnaire_version):
    complete(world, affects_people="no", error_cost="trivial")
    assert not Conflict.objects.filter(proposal=world.proposal, title__startswith="No fairness").exists()
