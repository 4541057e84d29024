"""The suitability wizard: one section per step, every answer saved as it is given.

Works with htmx (answers saved on change, next/back swap the section in place) and without
JavaScript (the same form posts and redirects).
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, reswap, retarget

from accounts.tenancy import get_object_for_member, member_required
from projects.access import get_proposal_for_member, may_edit
from questionnaires.engine import Questionnaire, missing_required
from questionnaires.engine.schema import Question, Section
from questionnaires.models import Assessment, QuestionnaireVersion
from questionnaires.services import AssessmentError, answers_of, assessment_move_to, visible_sections
from questionnaires.versions import SUITABILITY_KEY, engine_questionnaire, latest_version
from questionnaires.wizard import QuestionView, save_posted_answers
from suitability.services import (
    assessment_complete,
    assessment_latest,
    assessment_start,
    assessment_upgrade,
    live_result,
)


def _get_assessment(request: HttpRequest, pk: int, aid: int, *, write: bool = False) -> Assessment:
    proposal = get_proposal_for_member(request, pk, write=write)
    assessment = get_object_for_member(
        request,
        # The suitability questionnaire's only: the EU AI Act triage is the proposal's too.
        Assessment.objects.filter(stakeholder__isnull=True, questionnaire__key=SUITABILITY_KEY)
        .select_related("questionnaire")
        .defer("questionnaire__definition"),
        proposal=proposal,
        pk=aid,
    )
    assessment.proposal = proposal
    return assessment


@member_required()
def assessment_home(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    assessment = assessment_latest(proposal=proposal)
    if assessment is None:
        return render(
            request, "assessments/start.html", {"proposal": proposal, "can_edit": may_edit(request, proposal)}
        )
    if assessment.is_editable and may_edit(request, proposal):
        return redirect("assessments:section", pk=pk, aid=assessment.pk, section=assessment.current_section)
    return redirect("assessments:result", pk=pk, aid=assessment.pk)


@member_required()
@require_POST
def assessment_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    try:
        assessment = assessment_start(proposal=proposal, by=request.user)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("projects:detail", pk=pk)
    return redirect("assessments:section", pk=pk, aid=assessment.pk, section=assessment.current_section)


@dataclass(frozen=True)
class ChangedQuestion:
    """One question named in the upgrade notes: its text, and where it is asked now (if it still is)."""

    text: str
    url: str = ""


def _upgrade_changes(assessment: Assessment, questionnaire: Questionnaire) -> dict[str, list[ChangedQuestion]]:
    """The upgrade notes' question keys as the person reads them: the questions' text."""
    notes = assessment.upgrade_notes or {}

    def asked(key: str) -> ChangedQuestion:
        if not questionnaire.has_question(key):
            return ChangedQuestion(key)
        question = questionnaire.question(key)
        url = reverse("assessments:section", args=[assessment.proposal.pk, assessment.pk, question.section])
        return ChangedQuestion(question.text, f"{url}#q-{key}")

    changes = {kind: [asked(key) for key in notes.get(kind, [])] for kind in ("added", "changed")}
    changes["removed"] = []
    if notes.get("removed"):
        # Questions no longer asked are only in the version upgraded from.
        old = QuestionnaireVersion.objects.filter(
            key=assessment.questionnaire.key, version=notes.get("from_version")
        ).first()
        previous = engine_questionnaire(old) if old else None
        changes["removed"] = [
            ChangedQuestion(previous.question(key).text if previous and previous.has_question(key) else key)
            for key in notes["removed"]
        ]
    return changes


def _section_done(questions: list[Question], answers: dict[str, Any]) -> bool:
    """A section is done when each shown required question has an answer ("don't know" counts);
    one of optional questions only, when any of them has."""
    required = [q for q in questions if q.required]
    if required:
        return all(q.key in answers for q in required)
    return any(q.key in answers for q in questions)


def _wizard_context(
    request: HttpRequest,
    assessment: Assessment,
    questionnaire: Questionnaire,
    section: Section,
    answers: dict[str, Any],
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    typed, errors = typed or {}, errors or {}
    sections = visible_sections(questionnaire, answers)
    keys = [s.key for s, _ in sections]
    shown = next((qs for s, qs in sections if s.key == section.key), [])
    index = keys.index(section.key) if section.key in keys else 0
    # Progress by section, not by question: an answer that brings a follow-up question into view
    # would otherwise move the count backwards ("0 of 24" became "19 of 32"). Sections stay put.
    done = {s.key for s, qs in sections if _section_done(qs, answers)}
    return {
        "proposal": assessment.proposal,
        "assessment": assessment,
        "questionnaire": questionnaire,
        "section": section,
        "questions": [QuestionView(q, typed.get(q.key, answers.get(q.key)), errors.get(q.key, "")) for q in shown],
        "sections": [s for s, _ in sections],
        "step": index + 1,
        "steps": len(keys),
        "previous": keys[index - 1] if index > 0 else None,
        "next": keys[index + 1] if index + 1 < len(keys) else None,
        "done": done,
        "sections_done": len(done),
        "left_here": sum(1 for q in shown if q.required and q.key not in answers),
        "percent": round(100 * len(done) / len(keys)) if keys else 0,
        "errors": errors,
        "yes_no": [("yes", "Yes"), ("no", "No")],
        "scale": [1, 2, 3, 4, 5],
        "upgrade_changes": _upgrade_changes(assessment, questionnaire) if assessment.upgrade_notes else None,
    }


@member_required()
def section_view(request: HttpRequest, pk: int, aid: int, section: str) -> HttpResponse:
    assessment = _get_assessment(request, pk, aid, write=True)
    if not assessment.is_editable:
        return redirect("assessments:result", pk=pk, aid=aid)
    questionnaire = engine_questionnaire(assessment.questionnaire)
    current = next((s for s in questionnaire.sections if s.key == section), None)
    if current is None:
        messages.error(request, "That step does not exist in this questionnaire; here is where you left off.")
        return redirect("assessments:section", pk=pk, aid=aid, section=assessment.current_section)
    answers = answers_of(assessment)

    if request.method != "POST":
        assessment_move_to(assessment=assessment, section_key=current.key)
        context = _wizard_context(request, assessment, questionnaire, current, answers)
        return render(request, "assessments/wizard.html", context)

    posted = save_posted_answers(
        request,
        assessment=assessment,
        questionnaire=questionnaire,
        questions=current.questions,
        answers=answers,
        by=request.user,
    )
    answers, shown_before = posted.answers, {k for k in posted.shown if questionnaire.has_question(k)}
    nav = request.POST.get("nav", "")

    if posted.errors:
        context = _wizard_context(request, assessment, questionnaire, current, answers, posted.typed, posted.errors)
        if request.htmx:
            response = render(request, "assessments/wizard.html#wizard", context, status=400)
            return reswap(retarget(response, "#wizard"), "outerHTML")
        return render(request, "assessments/wizard.html", context, status=400)

    if not nav:
        # An answer saved on change (htmx). Redraw the section only if the shown questions changed,
        # so a person typing in another field is not interrupted.
        sections_after = visible_sections(questionnaire, answers)
        shown_after = {q.key for s, qs in sections_after if s.key == current.key for q in qs}
        context = _wizard_context(request, assessment, questionnaire, current, answers)
        if request.htmx and shown_after == shown_before:
            # The small answer also refreshes the progress bar and count, out of band.
            return render(request, "assessments/wizard.html#save-status", {**context, "saved": True, "oob": True})
        response = render(request, "assessments/wizard.html#wizard", {**context, "saved": True})
        return reswap(retarget(response, "#wizard"), "outerHTML") if request.htmx else redirect(request.path)

    context = _wizard_context(request, assessment, questionnaire, current, answers)
    target = {"next": context["next"], "back": context["previous"]}.get(nav)
    if nav == "review" or (nav == "next" and target is None):
        url = reverse("assessments:review", kwargs={"pk": pk, "aid": aid})
        # A redirect would be followed inside the XHR and swapped into the form: send the browser.
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if target is None:
        target = current.key
    assessment_move_to(assessment=assessment, section_key=target)
    url = reverse("assessments:section", kwargs={"pk": pk, "aid": aid, "section": target})
    if request.htmx:
        following = next(s for s in questionnaire.sections if s.key == target)
        context = _wizard_context(request, assessment, questionnaire, following, answers)
        response = render(request, "assessments/wizard.html#wizard", context)
        return push_url(reswap(retarget(response, "#wizard"), "outerHTML"), url)
    return redirect(url)


def _review_context(assessment: Assessment, questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    missing = missing_required(questionnaire, answers)
    return {
        "proposal": assessment.proposal,
        "assessment": assessment,
        "questionnaire": questionnaire,
        "sections": [
            (s, [(q, q.display(answers.get(q.key)), q.key in answers) for q in qs])
            for s, qs in visible_sections(questionnaire, answers)
        ],
        "missing": missing,
        "result": live_result(assessment),
    }


@member_required()
def review_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    assessment = _get_assessment(request, pk, aid, write=True)
    if not assessment.is_editable:
        return redirect("assessments:result", pk=pk, aid=aid)
    questionnaire = engine_questionnaire(assessment.questionnaire)
    context = _review_context(assessment, questionnaire, answers_of(assessment))
    return render(request, "assessments/review.html", context)


@member_required()
@require_POST
def complete_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    assessment = _get_assessment(request, pk, aid, write=True)
    try:
        assessment_complete(assessment=assessment, by=request.user)
    except AssessmentError as exc:
        questionnaire = engine_questionnaire(assessment.questionnaire)
        context = {**_review_context(assessment, questionnaire, answers_of(assessment)), "error": str(exc)}
        return render(request, "assessments/review.html", context, status=400)
    messages.success(request, "Assessment completed.")
    return redirect("assessments:result", pk=pk, aid=aid)


@member_required()
def result_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    assessment = _get_assessment(request, pk, aid)
    latest = latest_version(assessment.questionnaire.key)
    result = live_result(assessment)
    context = {
        "proposal": assessment.proposal,
        "assessment": assessment,
        "result": result,
        "held_back": [f["label"] for f in result["findings"] if f["criterion"] in result.get("held_back_by", [])],
        "can_edit": may_edit(request, assessment.proposal),
        "newer_version": latest if latest and latest.pk != assessment.questionnaire_id else None,
    }
    return render(request, "assessments/result.html", context)


@member_required()
@require_POST
def upgrade_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    assessment = _get_assessment(request, pk, aid, write=True)
    try:
        upgraded = assessment_upgrade(assessment=assessment, by=request.user)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("assessments:result", pk=pk, aid=aid)
    messages.info(request, "Your answers were carried over to the new version. New or changed questions are asked.")
    return redirect("assessments:section", pk=pk, aid=upgraded.pk, section=upgraded.current_section)
