"""Profiles that fit the problem, end to end (issue 20, "Done when"; docs/methodology.md §7.12,
§7.13): the task family is asked once in the suitability questionnaire, and the conflict detector
and the trade-off report read the same figures for it.

An image task with a very high accuracy must-have and a phone's size limit is the accuracy-versus-
size conflict, not "accuracy unreachable": a pre-trained network fine-tuned on the images reaches
0.97, at a size no phone app ships. A proposal that scores people for credit with no fairness
requirement is flagged high.
"""

import io

import docx
from django.urls import reverse

from domain.approaches import problem_from_answers
from reports.docx import report_docx
from reports.models import Report
from stakeholders import conflicts as detector
from stakeholders.models import Conflict, ConflictKind, ConflictStatus
from stakeholders.services import _detector_inputs, approach_profiles, requirement_save
from tests.factories import assess, computed
from tests.html import parse


def must(stakeholder, by, dimension, op, value, unit="", metric=""):
    return requirement_save(
        stakeholder=stakeholder,
        dimension=dimension,
        data={"op": op, "value": value, "unit": unit, "must_have": True, "weight": 5, "metric": metric},
        by=by,
    )


def open_infeasible(proposal) -> list[Conflict]:
    return list(
        Conflict.objects.filter(proposal=proposal, kind=ConflictKind.INFEASIBLE, status=ConflictStatus.OPEN).order_by(
            "pk"
        )
    )


def image_task(world, engineer, product):
    """A photo classifier for a phone app: 50,000 labelled images, a pattern nobody can write down."""
    assess(
        world.proposal,
        world.owner,
        task_family="image",
        rule_complexity="cannot_write",
        labels_available="all",
        example_count=50_000,
        labelled_examples=50_000,
    )
    # As a page would, the stakeholders' proposal is read after the assessment (its stored facts).
    for stakeholder in (engineer, product):
        stakeholder.proposal.refresh_from_db()
    accuracy = must(engineer, world.owner, "quality", ">=", 0.97, metric="accuracy")
    size = must(product, world.owner, "model_size", "<=", 20, unit="MB")
    phone = must(product, world.owner, "deployment", "==", "phone")
    world.proposal.refresh_from_db()
    return accuracy, size, phone


def test_an_image_task_with_high_accuracy_and_a_phone_size_limit_is_accuracy_versus_size(
    world, questionnaire_version, engineer, product
):
    accuracy, size, _ = image_task(world, engineer, product)
    assert world.proposal.suitability_facts["task_family"] == "image"

    # The detector: one conflict, accuracy against size, naming who meets which.
    (conflict,) = open_infeasible(world.proposal)
    assert set(conflict.requirement_ids) == {str(accuracy.pk), str(size.pk)}
    assert conflict.title == "No approach meets the quality and model size must-haves together"
    assert "accuracy of at least 0.97" in conflict.explanation
    assert "Pre-trained model adapted to your data" in conflict.explanation  # it meets the accuracy
    assert "a model of at most 20 MB" in conflict.explanation
    assert not Conflict.objects.filter(
        proposal=world.proposal, title="No approach meets the quality must-have"
    ).exists()
    # Every relaxation offered really makes an approach feasible.
    assert any("Relax the" in text for text in conflict.resolutions)

    # With the general profiles (no task family) the same must-have reads as unreachable alone:
    # what the issue found, and why the family matters.
    requirements, objectives = _detector_inputs(world.proposal)
    general = detector.detect(requirements, objectives, approach_profiles())
    assert [c.title for c in general if c.kind == "infeasible_must_haves"] == [
        "No approach meets the quality must-have"
    ]
    assert problem_from_answers(world.proposal.suitability_facts).task_family == "image"

    # The trade-off report: every approach out, the same pair as a minimal infeasible set, with the
    # approaches that meet each must-have on its own.
    report = computed(world.proposal, world.owner)
    results = report.results
    assert results["task_family"] == "image" and "images or video" in results["problem"]
    assert results["ranking"] == []
    ((members, text),) = [(s["members"], s["text"]) for s in results["infeasible_sets"]]
    by_requirement = {m["requirement_ids"][0]: m["met_by"] for m in members}
    assert set(by_requirement) == {str(accuracy.pk), str(size.pk)}
    assert by_requirement[str(accuracy.pk)] == ["Pre-trained model adapted to your data"]
    assert "Linear or logistic model" in by_requirement[str(size.pk)]
    assert "Pre-trained model adapted to your data" not in by_requirement[str(size.pk)]
    assert text.startswith("No candidate approach meets these must-haves together")

    page = parse(world.client_for(world.member).get(reverse("reports:detail", args=[world.proposal.pk, report.pk])))
    assert "images or video" in page.text("#problem")
    (shown,) = page.all("#infeasible-sets > li")
    shown_text = " ".join(shown.get_text(" ").split())
    assert "accuracy ≥ 0.97" in shown_text and "model size ≤ 20 MB" in shown_text
    assert "met by Pre-trained model adapted to your data" in shown_text

    # The Word file says the same, from the same results.
    paragraphs = [p.text for p in docx.Document(io.BytesIO(report_docx(report))).paragraphs]
    assert any("images or video" in p for p in paragraphs)
    assert "Must-haves no approach meets together" in paragraphs
    assert any(p.startswith("No candidate approach meets these must-haves together") for p in paragraphs)
    assert any(p.endswith("met by Pre-trained model adapted to your data") for p in paragraphs)


def test_the_relaxations_are_ranked_by_what_they_give_up(world, questionnaire_version, engineer, product):
    image_task(world, engineer, product)
    results = computed(world.proposal, world.owner).results
    give_ups = [r["give_up"] for r in results["relax"]]
    assert give_ups == sorted(give_ups) and give_ups
    # Each admits one approach by relaxing exactly what it fails, one must-have each here.
    assert {len(r["must_haves"]) for r in results["relax"]} == {1}


def test_a_proposal_without_the_task_family_reads_the_general_profiles_and_says_so(world, questionnaire_version):
    assess(world.proposal, world.owner, task_family="image")
    report = computed(world.proposal, world.owner)
    # A report frozen before the question existed: the answers have no task family.
    inputs = {**report.inputs, "suitability": {**report.inputs["suitability"], "answers": {}}}
    from reports.inputs import compute_results

    results = compute_results(inputs, lambda percent, note: None)
    assert results["task_family"] == "other"
    assert "task family was not answered" in results["problem"]
    assert Report.objects.filter(proposal=world.proposal).count() == 1


def test_the_verdict_page_shows_the_task_family(world, questionnaire_version):
    assessment = assess(world.proposal, world.owner, task_family="audio")
    page = parse(
        world.client_for(world.member).get(reverse("assessments:result", args=[world.proposal.pk, assessment.pk]))
    )
    assert "Audio or speech" in page.text("#task-family")
    # And on the proposal's own page, where the verdict is summed up.
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert "Kind of task: audio or speech" in page.text("#task-family")


def test_scoring_people_for_credit_with_no_fairness_requirement_is_flagged_high(world, questionnaire_version, engineer):
    assess(
        world.proposal,
        world.owner,
        task_family="tabular",
        problem_description="Score applicants for a loan.",
        affects_people="yes",
        protected_groups=["age", "ethnicity"],
        error_cost="serious",
        human_review="yes",
        safe_fallback="yes",
    )
    engineer.proposal.refresh_from_db()
    must(engineer, world.owner, "quality", ">=", 0.8, metric="auc")
    conflict = Conflict.objects.get(
        proposal=world.proposal,
        status=ConflictStatus.OPEN,
        title="No fairness requirement for predictions about people",
    )
    assert conflict.severity == "high"
    assert "serious" in conflict.explanation
