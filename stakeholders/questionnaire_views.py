"""A stakeholder states their requirements: through the emailed link (no account needed) or,
for members, signed in. One page with every section; answers are saved as they are given."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.tenancy import get_object_for_member, member_required
from projects.access import get_proposal_for_member
from questionnaires.engine import missing_required
from questionnaires.models import Assessment
from questionnaires.services import AssessmentError, answers_of, visible_sections
from questionnaires.versions import engine_questionnaire
from questionnaires.wizard import QuestionView, save_posted_answers
from stakeholders.access import may_state_requirements
from stakeholders.models import Stakeholder
from stakeholders.services import (
    StakeholderLinkError,
    stakeholder_assessment,
    stakeholder_for_link,
    stakeholder_link_used,
    stakeholder_submit,
)


def _context(assessment: Assessment, answers: dict[str, Any], typed=None, errors=None) -> dict[str, Any]:
    typed, errors = typed or {}, errors or {}
    questionnaire = engine_questionnaire(assessment.questionnaire)
    return {
        "assessment": assessment,
        "stakeholder": assessment.stakeholder,
        "proposal": assessment.proposal,
        "questionnaire": questionnaire,
        "sections": [
            (section, [QuestionView(q, typed.get(q.key, answers.get(q.key)), errors.get(q.key, "")) for q in questions])
            for section, questions in visible_sections(questionnaire, answers)
        ],
        "errors": errors,
        "yes_no": [("yes", "Yes"), ("no", "No")],
        "scale": [1, 2, 3, 4, 5],
    }


def _questionnaire_page(request: HttpRequest, stakeholder: Stakeholder, *, via_link: bool) -> HttpResponse:
    try:
        assessment = stakeholder_assessment(
            stakeholder=stakeholder, by=request.user if request.user.is_authenticated else None
        )
    except AssessmentError as exc:
        return render(request, "stakeholders/link_invalid.html", {"message": str(exc)}, status=503)
    answers = answers_of(assessment)
    if request.method != "POST":
        return render(
            request, "stakeholders/questionnaire.html", {**_context(assessment, answers), "via_link": via_link}
        )

    questionnaire = engine_questionnaire(assessment.questionnaire)
    by = request.user if request.user.is_authenticated else None
    posted = save_posted_answers(
        request,
        assessment=assessment,
        questionnaire=questionnaire,
        questions=questionnaire.questions,
        answers=answers,
        by=by,
    )
    answers, shown_before = posted.answers, posted.shown
    context = {**_context(assessment, answers, posted.typed, posted.errors), "via_link": via_link}
    if posted.errors:
        return render(request, "stakeholders/questionnaire.html", context, status=400)
    if request.POST.get("action") != "submit":
        if request.htmx:
            shown_after = {qv.question.key for _, qs in context["sections"] for qv in qs}
            if shown_after == shown_before:
                return render(request, "stakeholders/questionnaire.html#save-status", {"saved": True})
            response = render(request, "stakeholders/questionnaire.html#questions", context)
            response["HX-Retarget"], response["HX-Reswap"] = "#questions", "outerHTML"
            return response
        return redirect(request.path)
    missing = stakeholder_submit(assessment=assessment, by=by)
    if missing:
        context["missing"] = [q for q in missing_required(questionnaire, answers)]
        return render(request, "stakeholders/questionnaire.html", context, status=400)
    if via_link:
        stakeholder_link_used(stakeholder=stakeholder)
        return render(request, "stakeholders/thanks.html", {"stakeholder": stakeholder})
    messages.success(request, "Requirements saved; conflicts with other stakeholders are shown in the matrix.")
    return redirect("stakeholders:detail", pk=stakeholder.proposal_id, sid=stakeholder.pk)


def requirements_link_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: works without an account, until the requirements are submitted."""
    if request.method != "POST":
        return _link_page(request, token)
    # A post saves answers and may replace requirements: in one transaction holding the link (and
    # a member's membership), so a removal of the member at the same moment cannot slip between
    # the link's check and the save.
    with transaction.atomic():
        return _link_page(request, token, hold=True)


def _link_page(request: HttpRequest, token: str, *, hold: bool = False) -> HttpResponse:
    try:
        stakeholder = stakeholder_for_link(token=token, hold=hold)
    except StakeholderLinkError as exc:
        return render(request, "stakeholders/link_invalid.html", {"message": str(exc)}, status=404)
    if (
        request.user.is_authenticated
        and request.user.email.lower() != stakeholder.email
        and not request.user.memberships.filter(organisation_id=stakeholder.organisation_id).exists()
    ):
        # Someone of another organisation holding a link that was not sent to them: refuse it and
        # say nothing about it. (An outside stakeholder with an account elsewhere is still let in.)
        return render(request, "stakeholders/link_invalid.html", {"message": str(StakeholderLinkError())}, status=404)
    return _questionnaire_page(request, stakeholder, via_link=True)


@member_required()
def stakeholder_questionnaire_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    stakeholder = get_object_for_member(request, Stakeholder.objects.select_related("role"), proposal=proposal, pk=sid)
    if not may_state_requirements(request, proposal, stakeholder):
        raise PermissionDenied("Only the stakeholder, the proposal's owner or an admin can state these requirements.")
    stakeholder.proposal = proposal
    return _questionnaire_page(request, stakeholder, via_link=False)
