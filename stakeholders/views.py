"""Stakeholders of a proposal: the list, the roles that must sign off, the matrix of requirements,
a page per stakeholder, inline edits (htmx), removing and linking stakeholders, and conflict
resolutions."""

from fractions import Fraction

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.inputs import clean_text
from accounts.models import User
from accounts.tenancy import get_object_for_member, member_required
from projects import workflow
from projects.access import get_proposal_for_member, may_edit
from stakeholders import ahp
from stakeholders.access import may_state_requirements
from stakeholders.forms import (
    ConflictResolutionForm,
    LinkMemberForm,
    RequirementForm,
    StakeholderForm,
    organisation_members,
)
from stakeholders.models import Conflict, ConflictStatus, Dimension, Requirement, Stakeholder
from stakeholders.requirements import RULES
from stakeholders.review import signoff_roles
from stakeholders.services import (
    RosterRefused,
    StakeholderExists,
    conflict_reopen,
    conflict_resolve,
    requirement_delete,
    requirement_save,
    requirements_set_weights,
    stake_roles,
    stakeholder_add,
    stakeholder_invite,
    stakeholder_link_member,
    stakeholder_remove,
)


def _link_url(request: HttpRequest):
    return lambda stakeholder, raw: request.build_absolute_uri(reverse("requirements_link", args=[raw]))


def _matrix(stakeholders: list[Stakeholder], conflicts: list[Conflict]) -> list[dict]:
    """Rows of stakeholders, a cell per dimension, each cell marked with its open conflicts."""
    flagged: dict[str, list[Conflict]] = {}
    for conflict in conflicts:
        if conflict.status == ConflictStatus.OPEN:
            for requirement_id in conflict.requirement_ids:
                flagged.setdefault(str(requirement_id), []).append(conflict)
    rows = []
    for stakeholder in stakeholders:
        by_dimension = {r.dimension: r for r in stakeholder.requirements.all()}
        cells = [
            {
                "dimension": value,
                "label": label,
                "requirement": by_dimension.get(value),
                "conflicts": flagged.get(str(by_dimension[value].pk), []) if value in by_dimension else [],
            }
            for value, label in Dimension.choices
        ]
        rows.append({"stakeholder": stakeholder, "cells": cells})
    return rows


def _stakeholders(proposal) -> list[Stakeholder]:
    return list(
        proposal.stakeholders.select_related("role", "user").prefetch_related(
            Prefetch("requirements", queryset=Requirement.objects.order_by("dimension")), "objectives"
        )
    )


def _page_context(
    request: HttpRequest,
    proposal,
    *,
    form: StakeholderForm | None = None,
    link_form: tuple[int, LinkMemberForm] | None = None,
    notice: str = "",
    notice_error: bool = False,
) -> dict:
    """What the stakeholders page (and its #people partial) shows, in the same queries however many
    stakeholders: the stakeholders with their requirements and objectives, the roles, the
    members (for the add and link forms), the conflicts. `form` and `link_form` (the stakeholder's
    id and its form): a refused add or link, shown in place with what was chosen."""
    editable = may_edit(request, proposal)
    stakeholders = _stakeholders(proposal)
    roles = stake_roles(organisation=request.organisation)
    members = organisation_members(request.organisation) if editable else []
    if editable and form is None:
        form = StakeholderForm(
            organisation=request.organisation,
            roles=roles,
            existing={s.email.lower() for s in stakeholders},
            members=members,
        )
    roster_refusal = workflow.roster_refusal(proposal.status) if editable else ""
    link_forms = {}
    if editable and not roster_refusal:
        # Offered for linking: members who are not stakeholders here already, by account or by the
        # address of another stakeholder (the one being linked may have joined with their own).
        linked = {s.user_id for s in stakeholders if s.user_id}
        by_email = {email.lower(): pk for pk, _, email in members}
        for s in stakeholders:
            if s.user_id is None:
                others = {
                    by_email[o.email.lower()] for o in stakeholders if o.pk != s.pk and o.email.lower() in by_email
                }
                link_forms[s.pk] = LinkMemberForm(members=members, taken=linked | others, auto_id=f"id_link-{s.pk}-%s")
        if link_form is not None and link_form[0] in link_forms:
            link_forms[link_form[0]] = link_form[1]
    conflicts = list(proposal.conflicts.all())
    return {
        "proposal": proposal,
        "can_edit": editable,
        "form": form,
        "signoff_roles": signoff_roles(proposal=proposal, roles=roles, stakeholders=stakeholders),
        "roster": [(s, link_forms.get(s.pk)) for s in stakeholders],
        "roster_refusal": roster_refusal,
        "rows": _matrix(stakeholders, conflicts),
        "dimensions": Dimension.choices,
        "conflicts": conflicts,
        "open_conflicts": [c for c in conflicts if c.status == ConflictStatus.OPEN],
        "names": {s.pk: s.name for s in stakeholders},
        "notice": notice,
        "notice_error": notice_error,
    }


@member_required()
def stakeholder_list_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    form = None
    if request.method == "POST":
        if not may_edit(request, proposal):
            raise PermissionDenied("Only the proposal's owner or an admin can add stakeholders.")
        # An empty POST leaves the form unbound (the page again, no errors), as a GET would.
        form = StakeholderForm(
            request.POST or None,
            organisation=request.organisation,
            roles=stake_roles(organisation=request.organisation),
            existing={email.lower() for email in proposal.stakeholders.values_list("email", flat=True)},
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                stakeholder = stakeholder_add(
                    proposal=proposal,
                    role=data["role_obj"],
                    by=request.user,
                    link_url=_link_url(request),
                    user=data.get("user"),
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                )
            except StakeholderExists as exc:
                # Added by someone else (or a second click) between the form's check and the save.
                form.add_error("email", str(exc))
            else:
                messages.success(
                    request, f"{stakeholder.name} was added and emailed a link to state their requirements."
                )
                # htmx: the whole page again (the roles box, the roster and the matrix all change).
                url = reverse("stakeholders:list", kwargs={"pk": pk})
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _page_context(request, proposal, form=form)
    status = 400 if form is not None and form.errors else 200
    if request.htmx and request.method == "POST":
        # The add form's partial: its errors in place, what was typed kept, the page around it intact.
        return render(request, "stakeholders/list.html#add-form", context, status=status)
    return render(request, "stakeholders/list.html", context, status=status)


def _roster_answer(request: HttpRequest, proposal, *, notice: str, status: int = 200, **context) -> HttpResponse:
    """After a removal or a link (or its refusal): the #people partial for htmx, with the conflict
    panel told to refresh; otherwise back to the page (or the page again, with the refusal)."""
    if request.htmx:
        response = render(
            request,
            "stakeholders/list.html#people",
            _page_context(request, proposal, notice=notice, notice_error=status >= 400, **context),
            status=status,
        )
        response["HX-Trigger"] = "conflicts-changed"
        return response
    if status >= 400:
        return render(
            request,
            "stakeholders/list.html",
            _page_context(request, proposal, notice=notice, notice_error=status >= 400, **context),
            status=status,
        )
    messages.success(request, notice)
    return redirect("stakeholders:list", pk=proposal.pk)


@member_required()
@require_POST
def stakeholder_remove_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """Remove a stakeholder (the page asks first: the button sits in a disclosure)."""
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    if not may_edit(request, proposal):
        raise PermissionDenied("Only the proposal's owner or an admin can remove stakeholders.")
    try:
        stakeholder_remove(stakeholder=stakeholder, by=request.user)
    except RosterRefused as exc:
        return _roster_answer(request, proposal, notice=str(exc), status=exc.status)
    proposal.refresh_from_db()
    return _roster_answer(
        request, proposal, notice=f"{stakeholder.name} is no longer a stakeholder; their link no longer works."
    )


@member_required()
@require_POST
def stakeholder_link_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """Link a stakeholder named as an outside person to the member of the organisation they are."""
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    if not may_edit(request, proposal):
        raise PermissionDenied("Only the proposal's owner or an admin can link stakeholders to members.")
    taken = set(proposal.stakeholders.exclude(user=None).values_list("user_id", flat=True))
    form = LinkMemberForm(
        request.POST, members=organisation_members(request.organisation), taken=taken, auto_id=f"id_link-{sid}-%s"
    )
    if not form.is_valid():
        return _roster_answer(request, proposal, notice="", status=400, link_form=(sid, form))
    member = User.objects.get(pk=form.cleaned_data["member"])
    try:
        linked = stakeholder_link_member(stakeholder=stakeholder, member=member, by=request.user)
    except RosterRefused as exc:
        if exc.field:
            form.add_error("member", str(exc))
            return _roster_answer(request, proposal, notice="", status=exc.status, link_form=(sid, form))
        return _roster_answer(request, proposal, notice=str(exc), status=exc.status)
    return _roster_answer(
        request,
        proposal,
        notice=f"{stakeholder.name} is now linked to {linked.name}, who states their requirements signed in; "
        "the emailed link no longer works.",
    )


def _get_stakeholder(request: HttpRequest, pk: int, sid: int):
    proposal = get_proposal_for_member(request, pk)
    stakeholder = get_object_for_member(
        request, Stakeholder.objects.select_related("role", "user"), proposal=proposal, pk=sid
    )
    return proposal, stakeholder


@member_required()
def stakeholder_detail_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    requirements = list(stakeholder.requirements.order_by("dimension"))
    ids = {str(r.pk) for r in requirements}
    conflicts = [
        c for c in proposal.conflicts.all() if ids & {str(i) for i in c.requirement_ids} or sid in c.stakeholder_ids
    ]
    context = {
        "proposal": proposal,
        "stakeholder": stakeholder,
        "requirements": requirements,
        "objectives": list(stakeholder.objectives.all()),
        "conflicts": conflicts,
        "can_edit": may_edit(request, proposal),
        "may_edit_requirements": may_state_requirements(request, proposal, stakeholder),
        "labels": dict(Dimension.choices),
    }
    return render(request, "stakeholders/detail.html", context)


@member_required()
@require_POST
def stakeholder_resend_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    if not may_edit(request, proposal):
        raise PermissionDenied("Only the proposal's owner or an admin can send links.")
    stakeholder_invite(stakeholder=stakeholder, by=request.user, link_url=_link_url(request))
    messages.success(request, f"A new link was emailed to {stakeholder.email}; the earlier one no longer works.")
    return redirect("stakeholders:detail", pk=pk, sid=sid)


@member_required()
def requirement_cell_view(request: HttpRequest, pk: int, sid: int, dimension: str) -> HttpResponse:
    """One cell of the matrix: shown, edited in place (htmx), saved or cleared."""
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    if dimension not in RULES:
        return render(request, "404.html", status=404)
    if not may_state_requirements(request, proposal, stakeholder):
        raise PermissionDenied("Only the stakeholder, the proposal's owner or an admin can change this.")
    requirement = stakeholder.requirements.filter(dimension=dimension).first()
    context = {
        "proposal": proposal,
        "stakeholder": stakeholder,
        "dimension": dimension,
        "label": RULES[dimension].label,
        "rule": RULES[dimension],
    }
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            if requirement is not None:
                requirement_delete(requirement=requirement, by=request.user)
            return _cell_or_redirect(request, {**context, "requirement": None})
        form = RequirementForm(request.POST, dimension=dimension)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in ("op", "value", "unit", "must_have", "weight", "metric")}
            requirement = requirement_save(stakeholder=stakeholder, dimension=dimension, data=data, by=request.user)
            return _cell_or_redirect(request, {**context, "requirement": requirement})
        return render(request, "stakeholders/cell_form.html", {**context, "form": form}, status=400)
    if request.GET.get("edit") or not request.htmx:
        initial = (
            {
                "op": requirement.op,
                "value": requirement.value,
                "unit": requirement.unit,
                "must_have": requirement.must_have,
                "weight": requirement.weight,
                "metric": requirement.metric,
            }
            if requirement
            else {"op": RULES[dimension].ops[0], "unit": RULES[dimension].canonical}
        )
        form = RequirementForm(initial=initial, dimension=dimension)
        return render(request, "stakeholders/cell_form.html", {**context, "form": form})
    return render(request, "stakeholders/cell.html", {**context, "requirement": requirement})


def _cell_or_redirect(request: HttpRequest, context: dict) -> HttpResponse:
    if request.htmx:
        # The conflicts may have changed with this edit: the page refreshes its conflict panel.
        response = render(request, "stakeholders/cell.html", context)
        response["HX-Trigger"] = "conflicts-changed"
        return response
    messages.success(request, "Requirement saved.")
    return redirect("stakeholders:list", pk=context["proposal"].pk)


# The 1-to-9 scale of docs/methodology.md §7.7, as choices between the left and the right item.
AHP_CHOICES = [
    ("9", "extremely more important"),
    ("5", "much more important"),
    ("3", "a little more important"),
    ("1", "as important as"),
    ("1/3", "a little less important than"),
    ("1/5", "much less important than"),
    ("1/9", "extremely less important than"),
]


@member_required()
def compare_view(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    """Weigh a stakeholder's requirements by comparing them in pairs (AHP), with its CR."""
    proposal, stakeholder = _get_stakeholder(request, pk, sid)
    if not may_state_requirements(request, proposal, stakeholder):
        raise PermissionDenied("Only the stakeholder, the proposal's owner or an admin can weigh these requirements.")
    labels = dict(Dimension.choices)
    dimensions = list(stakeholder.requirements.order_by("dimension").values_list("dimension", flat=True))
    pairs = [(a, b) for i, a in enumerate(dimensions) for b in dimensions[i + 1 :]]
    context = {"proposal": proposal, "stakeholder": stakeholder, "labels": labels, "choices": AHP_CHOICES}
    if len(dimensions) < 2:
        return render(request, "stakeholders/compare.html", {**context, "too_few": True})
    judgments, chosen, error = {}, {}, ""
    if request.method == "POST":
        valid = {value for value, _ in AHP_CHOICES}
        for a, b in pairs:
            value = request.POST.get(f"{a}__{b}", "1")
            if value not in valid:
                error = "Choose one of the listed answers for every pair."
                value = "1"
            chosen[f"{a}__{b}"] = value
            judgments[(a, b)] = float(Fraction(value))
    result = None
    if judgments and not error:
        result = ahp.weigh(dimensions, ahp.matrix_from_judgments(dimensions, judgments))
        if request.POST.get("action") == "apply":
            requirements_set_weights(stakeholder=stakeholder, weights=ahp.to_scale(result.weights), by=request.user)
            messages.success(request, "Weights applied to the nice-to-haves; must-haves stay must-haves.")
            return redirect("stakeholders:detail", pk=pk, sid=sid)
    context.update(
        rows=[(a, b, labels[a], labels[b], chosen.get(f"{a}__{b}", "1")) for a, b in pairs],
        result=result,
        weights=[(labels[d], result.weights[d], ahp.to_scale(result.weights)[d]) for d in dimensions] if result else [],
        error=error,
        acceptable=ahp.ACCEPTABLE_CR,
    )
    return render(request, "stakeholders/compare.html", context, status=400 if error else 200)


@member_required()
def conflicts_panel_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    conflicts = list(proposal.conflicts.all())
    names = dict(proposal.stakeholders.values_list("pk", "name"))
    context = {"proposal": proposal, "conflicts": conflicts, "names": names, "can_edit": may_edit(request, proposal)}
    return render(request, "stakeholders/conflicts_panel.html", context)


def _reopen_rationale(request: HttpRequest) -> str:
    # The page's reopen button sends none; a hand-made post with NUL was a 500 at the INSERT.
    return clean_text(request.POST.get("rationale", "")[:5000], field="Rationale", multiline=True)


@member_required()
def conflict_view(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    proposal = get_proposal_for_member(request, pk)
    conflict = get_object_for_member(request, Conflict.objects.all(), proposal=proposal, pk=cid)
    form = ConflictResolutionForm(request.POST or None)
    if request.method == "POST":
        if not may_edit(request, proposal):
            raise PermissionDenied("Only the proposal's owner or an admin can resolve conflicts.")
        if request.POST.get("action") == "reopen":
            conflict_reopen(conflict=conflict, rationale=_reopen_rationale(request), by=request.user)
            messages.info(request, "Conflict reopened.")
            return redirect("stakeholders:conflict", pk=pk, cid=cid)
        if form.is_valid():
            conflict_resolve(
                conflict=conflict,
                decision=form.cleaned_data["decision"],
                rationale=form.cleaned_data["rationale"],
                by=request.user,
            )
            messages.success(request, "Conflict resolved; the decision is kept in its history.")
            return redirect("stakeholders:conflict", pk=pk, cid=cid)
    names = dict(proposal.stakeholders.values_list("pk", "name"))
    context = {
        "proposal": proposal,
        "conflict": conflict,
        "events": list(conflict.events.select_related("by")),
        "form": form,
        "names": [names.get(i, "a former stakeholder") for i in conflict.stakeholder_ids],
        "can_edit": may_edit(request, proposal),
    }
    return render(request, "stakeholders/conflict.html", context, status=400 if form.errors else 200)
