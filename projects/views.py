import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.tenancy import member_required
from projects import workflow
from projects.access import get_proposal_for_member, may_edit
from projects.forms import ProposalFilterForm, ProposalForm
from projects.models import Proposal
from projects.path import proposal_path
from projects.selectors import LIST_COLUMNS, ProposalFilters, proposal_list, proposal_rows
from projects.services import (
    AlreadySubmitted,
    VersionConflict,
    draft_discard,
    draft_get,
    draft_save,
    proposal_archive,
    proposal_create,
    proposal_for_submission,
    proposal_unarchive,
    proposal_update,
)
from projects.workflow import TransitionRefused

PAGE_SIZE = 25


@member_required()
def proposal_list_view(request: HttpRequest) -> HttpResponse:
    form = ProposalFilterForm(request.GET or None, organisation=request.organisation)
    filters = ProposalFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = ProposalFilters(
            q=data["q"] or "",
            status=data["status"] or "",
            team=data["team"],
            owner=data["owner"],
            sort=data["sort"] or "updated",
        )
    queryset = proposal_list(
        organisation=request.organisation,
        filters=filters,
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    ).values(*LIST_COLUMNS)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": proposal_rows(page.object_list), "query": query.urlencode()}
    template = "projects/list.html"
    if request.htmx and request.htmx.target == "results":
        template += "#results"
    return render(request, template, context, status=200 if form.is_valid() or not request.GET else 400)


def _initial_from_draft(draft) -> dict:
    return {k: v for k, v in draft.data.items() if k != "version"}


# Each rendering of the form carries a random key. Once a save with that key succeeds, a late
# autosave from the same page (it races the submit when the last field loses focus) must not
# bring back a draft of what was just saved.
USED_DRAFT_KEYS = "used_draft_keys"


def _render_form(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context = {**context, "draft_key": request.POST.get("draft_key") or uuid.uuid4().hex}
    return render(request, "projects/form.html", context, status=status)


def _consume_draft_key(request: HttpRequest) -> None:
    key = request.POST.get("draft_key", "")[:64]
    if key:
        request.session[USED_DRAFT_KEYS] = [*request.session.get(USED_DRAFT_KEYS, [])[-19:], key]


def _submission_key(request: HttpRequest) -> str:
    """The form's key (a uuid4 in hex), or "" for anything else: no idempotency, nothing stored."""
    key = request.POST.get("draft_key", "")
    return key if len(key) == 32 and all(c in "0123456789abcdef" for c in key) else ""


def _already_created(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    messages.info(request, "This form was sent twice; the proposal was created once, here it is.")
    return redirect("projects:detail", pk=proposal.pk)


@member_required()
def proposal_create_view(request: HttpRequest) -> HttpResponse:
    organisation = request.organisation
    draft = draft_get(organisation=organisation, user=request.user, proposal=None)
    if request.method == "POST":
        # The form's one-time key also makes it idempotent: sent twice, it makes one proposal.
        key = _submission_key(request)
        first = proposal_for_submission(organisation=organisation, by=request.user, submission_key=key)
        if first is not None:
            return _already_created(request, first)
        form = ProposalForm(request.POST, organisation=organisation)
        if form.is_valid():
            try:
                proposal = proposal_create(
                    organisation=organisation, data=form.cleaned_data, by=request.user, submission_key=key
                )
            except AlreadySubmitted as exc:  # the first sending committed while this one was on its way
                return _already_created(request, exc.proposal)
            draft_discard(organisation=organisation, user=request.user, proposal=None)
            _consume_draft_key(request)
            messages.success(request, "Proposal created.")
            return redirect("projects:detail", pk=proposal.pk)
        # Keep what was typed even if the person closes the tab after seeing the errors.
        draft_save(organisation=organisation, user=request.user, proposal=None, data=request.POST.dict())
        return _render_form(request, {"form": form, "draft": None}, status=400)
    form = ProposalForm(
        organisation=organisation, initial=_initial_from_draft(draft) if draft else {"owner": request.user}
    )
    return _render_form(request, {"form": form, "draft": draft})


@member_required()
def proposal_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    organisation = request.organisation
    if request.method == "POST":
        form = ProposalForm(request.POST, instance=proposal, organisation=organisation)
        if form.is_valid():
            expected = form.cleaned_data.get("version") or proposal.version
            try:
                proposal_update(proposal=proposal, data=form.cleaned_data, expected_version=expected, by=request.user)
            except VersionConflict as conflict:
                draft_save(organisation=organisation, user=request.user, proposal=proposal, data=request.POST.dict())
                context = {"form": form, "proposal": conflict.current, "conflict": conflict}
                return _render_form(request, context, status=409)
            _consume_draft_key(request)
            messages.success(request, "Proposal saved.")
            return redirect("projects:detail", pk=proposal.pk)
        draft_save(organisation=organisation, user=request.user, proposal=proposal, data=request.POST.dict())
        return _render_form(request, {"form": form, "proposal": proposal}, status=400)

    draft = draft_get(organisation=organisation, user=request.user, proposal=proposal)
    if draft and not set(ProposalForm(draft.data, instance=proposal, organisation=organisation).changed_data) - {
        "version"
    }:
        # The draft says nothing the saved proposal does not: there is nothing to restore.
        draft_discard(organisation=organisation, user=request.user, proposal=proposal)
        draft = None
    if draft:
        initial = _initial_from_draft(draft)
        initial["version"] = draft.base_version or proposal.version
        form = ProposalForm(instance=proposal, organisation=organisation, initial=initial)
    else:
        form = ProposalForm(instance=proposal, organisation=organisation, initial={"version": proposal.version})
    return _render_form(request, {"form": form, "proposal": proposal, "draft": draft})


@member_required()
@require_POST
def proposal_autosave_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Keep what the person typed, unvalidated, while they type (called by htmx, debounced)."""
    proposal = get_proposal_for_member(request, pk, write=True) if pk is not None else None
    if request.POST.get("draft_key") not in request.session.get(USED_DRAFT_KEYS, []):
        draft_save(organisation=request.organisation, user=request.user, proposal=proposal, data=request.POST.dict())
    return render(request, "projects/form.html#autosave-status", {"saved_at": timezone.now()})


@member_required()
@require_POST
def proposal_discard_draft_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True) if pk is not None else None
    draft_discard(organisation=request.organisation, user=request.user, proposal=proposal)
    messages.info(request, "Unsaved changes discarded.")
    return redirect("projects:edit", pk=pk) if pk is not None else redirect("projects:create")


@member_required()
def proposal_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    can_edit = may_edit(request, proposal)
    path = proposal_path(
        proposal,
        can_edit=can_edit,
        is_owner=proposal.owner_id == request.user.pk,
        stakeholders_named=proposal.stakeholders.exists(),
        submit_problems=lambda: workflow.unmet("submit", proposal),
        awaits_my_review=proposal.status in workflow.UNDER_REVIEW
        and proposal.awaiting_review_by.filter(pk=request.user.pk).exists(),
    )
    return render(request, "projects/detail.html", {"proposal": proposal, "can_edit": can_edit, "path": path})


@member_required()
@require_POST
def proposal_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk, write=True)
    is_admin = request.membership.is_admin
    try:
        if proposal.is_archived:
            proposal_unarchive(proposal=proposal, by=request.user, is_admin=is_admin)
            messages.success(request, "Proposal restored from the archive.")
        else:
            proposal_archive(proposal=proposal, by=request.user, is_admin=is_admin)
            messages.success(request, "Proposal archived.")
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return redirect("projects:detail", pk=proposal.pk)
