"""The EU AI Act triage pages: the questions (one page, every shown question, no JavaScript
needed), the result with its checklist of duties, and ticking a duty done with the evidence.

Tenancy through projects.access: outsiders and members the proposal is hidden from get 404;
answering and ticking take its owner or an admin (403 for anyone else), like the wizard.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.tenancy import member_required
from projects.access import get_proposal_for_member, may_edit
from projects.models import Proposal
from questionnaires.engine import visible_questions
from questionnaires.services import AssessmentError, visible_sections
from questionnaires.wizard import QuestionView, save_posted_answers
from regulation import engine
from regulation.forms import ObligationCheckForm
from regulation.services import (
    CheckRefused,
    Screening,
    checks_of,
    obligation_tick,
    rules,
    screening_latest,
    screening_of,
    screening_record,
    screening_start,
)

CONSTRAINT_LABELS = {
    "human_oversight": "human oversight",
    "logging": "logging",
    "explanations": "explanations",
    "accuracy_robustness": "accuracy and robustness",
}
KIND_LABELS = {
    engine.REVIEW_TIER: "Could raise the tier",
    engine.REVIEW_EXEMPTION: "An exemption",
    engine.REVIEW_RULE: "A lawyer's view needed",
    engine.REVIEW_OBLIGATION: "Could change the duties",
}


def _screening(request: HttpRequest, proposal: Proposal) -> Screening | None:
    assessment = screening_latest(proposal=proposal)
    if assessment is None:
        return None
    assessment.proposal = proposal
    return screening_of(assessment)


@member_required()
def triage_home(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    if screening_latest(proposal=proposal) is None:
        context = {"proposal": proposal, "can_edit": may_edit(request, proposal), "disclaimer": engine.NOT_LEGAL_ADVICE}
        return render(request, "regulation/start.html", context)
    return redirect("regulation:result", pk=pk)


@member_required()
@require_POST
def triage_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    try:
        screening_start(proposal=proposal, by=request.user)
    except AssessmentError as exc:
        messages.error(request, str(exc))
        return redirect("projects:detail", pk=pk)
    return redirect("regulation:questions", pk=pk)


def _questions_context(
    proposal: Proposal,
    screening: Screening,
    typed: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    answers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    typed, errors = typed or {}, errors or {}
    # The answers as stored, hidden ones included while they are kept, so what was typed shows.
    answers = screening.answers if answers is None else answers
    sections = visible_sections(screening.questionnaire, answers)
    return {
        "proposal": proposal,
        "screening": screening,
        "questionnaire": screening.questionnaire,
        "sections": [
            (s, [QuestionView(q, typed.get(q.key, answers.get(q.key)), errors.get(q.key, "")) for q in qs])
            for s, qs in sections
        ],
        "errors": errors,
        "yes_no": [("yes", "Yes"), ("no", "No")],
        "scale": [1, 2, 3, 4, 5],
        "disclaimer": engine.NOT_LEGAL_ADVICE,
    }


@member_required()
def triage_questions_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    assessment = screening_latest(proposal=proposal)
    if assessment is None:
        return redirect("regulation:home", pk=pk)
    assessment.proposal = proposal
    screening = screening_of(assessment)
    if request.method != "POST":
        return render(request, "regulation/questions.html", _questions_context(proposal, screening))

    shown_before = {q.key for q in visible_questions(screening.questionnaire, screening.answers)}
    posted = save_posted_answers(
        request,
        assessment=assessment,
        questionnaire=screening.questionnaire,
        questions=screening.questionnaire.questions,
        answers=screening.answers,
        by=request.user,
    )
    after = screening_of(assessment)
    screening_record(screening=after, by=request.user)
    if posted.errors:
        # Every answer that could be saved is; the refused ones are shown as typed, with the reason.
        context = _questions_context(proposal, after, posted.typed, posted.errors, answers=posted.answers)
        return render(request, "regulation/questions.html", context, status=400)
    new = [
        q.key
        for q in visible_questions(after.questionnaire, after.answers)
        if q.key not in shown_before and q.key not in after.answers
    ]
    if new:
        messages.info(request, "Your answers are saved. They open follow-up questions: answer those too.")
        return redirect(f"{reverse('regulation:questions', kwargs={'pk': pk})}#q-{new[0]}")
    messages.success(request, "Answers saved.")
    return redirect("regulation:result", pk=pk)


def _result_context(
    request: HttpRequest,
    proposal: Proposal,
    screening: Screening,
    *,
    failed: tuple[str, ObligationCheckForm] | None = None,
) -> dict[str, Any]:
    result = screening.triage
    checks = checks_of(proposal=proposal)
    the_rules = rules()
    roles = {r.value: r.label for r in the_rules.roles}
    texts = {q.key: q.text for q in screening.questionnaire.questions}
    checklist = []
    for item in result.obligations:
        check = checks.get(item.key)
        if failed and failed[0] == item.key:
            form = failed[1]
        else:
            form = ObligationCheckForm(
                initial={"done": not (check and check.done), "evidence": check.evidence if check else ""}
            )
        checklist.append(
            {
                "item": item,
                "check": check,
                "form": form,
                "roles": [roles[r] for r in item.roles] or ["Whatever your role"],
                "depends_on": [texts.get(q, q) for q in item.depends_on],
                "constrains": CONSTRAINT_LABELS.get(item.constrains or "", ""),
            }
        )
    return {
        "proposal": proposal,
        "screening": screening,
        "result": result,
        "tier": the_rules.tier(result.tier),
        "recorded": screening.finished,
        "roles": [roles[r] for r in result.roles],
        "checklist": checklist,
        "open_count": sum(1 for row in checklist if not (row["check"] and row["check"].done)),
        "review": [
            {
                "item": item,
                "kind": KIND_LABELS[item.kind],
                "raise_to": the_rules.tier(item.could_raise_to).label if item.could_raise_to else "",
            }
            for item in result.needs_legal_review
        ],
        "unanswered": [texts.get(q, q) for q in result.unanswered],
        "missing": [texts.get(q, q) for q in screening.missing],
        "dates": the_rules.dates,
        "can_edit": may_edit(request, proposal),
    }


@member_required()
def triage_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    screening = _screening(request, proposal)
    if screening is None:
        return redirect("regulation:home", pk=pk)
    return render(request, "regulation/result.html", _result_context(request, proposal, screening))


@member_required()
@require_POST
def obligation_tick_view(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    screening = _screening(request, proposal)
    if screening is None or key not in {item.key for item in screening.triage.obligations}:
        raise Http404("No such duty on this proposal's checklist.")
    form = ObligationCheckForm(request.POST)
    if form.is_valid():
        try:
            obligation_tick(
                proposal=proposal,
                screening=screening,
                key=key,
                done=form.cleaned_data["done"],
                evidence=form.cleaned_data["evidence"],
                by=request.user,
            )
        except CheckRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Duty ticked done." if form.cleaned_data["done"] else "Duty opened again.")
            return redirect(f"{reverse('regulation:result', kwargs={'pk': pk})}#duty-{key}")
    context = _result_context(request, proposal, screening, failed=(key, form))
    return render(request, "regulation/result.html", context, status=400)
