"""Who may see a proposal and who may change it: each rule written once, here, for the pages, the
JSON API and the services alike.

- Seeing (visible_to): a proposal shared with the organisation, one the member owns, one shared
  with one of their teams, or one opened to them as a stakeholder (a reader). Admins see every
  proposal. One the member may not see answers like one that does not exist: 404.
- Changing (may_edit): the proposal, its assessment, its stakeholders and conflicts, its outcome
  take its owner or an admin of the organisation; the lifecycle (projects.workflow) knows the
  same two as its OWNER and ADMIN actors (workflow_actors).

`request` is a page's or the API's: both carry .user and .membership (accounts.tenancy's
member_required, config.api's TokenAuth).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from accounts.models import Role, Team
from accounts.tenancy import get_object_for_member
from projects import workflow
from projects.models import Proposal, Visibility


def visible_to(queryset: QuerySet[Proposal], *, user: Any, is_admin: bool) -> QuerySet[Proposal]:
    """Only the proposals this member may see: shared with the organisation, owned, shared with
    one of their teams, or opened to them as a stakeholder. Admins see every proposal.

    EXISTS subqueries rather than joins, so a proposal never appears twice and the page count
    stays one query.
    """
    if is_admin:
        return queryset
    in_team = Team.members.through.objects.filter(team_id=OuterRef("team_id"), user_id=user.pk)
    reader = Proposal.readers.through.objects.filter(proposal_id=OuterRef("pk"), user_id=user.pk)
    return queryset.filter(
        Q(visibility=Visibility.ORGANISATION)
        | Q(owner_id=user.pk)
        | (Q(visibility=Visibility.TEAM) & Exists(in_team))
        | Exists(reader)
    )


def proposals_for(request: Any) -> QuerySet[Proposal]:
    """Every proposal the signed-in member (or API token) may see; callers still scope by id."""
    return visible_to(Proposal.objects.all(), user=request.user, is_admin=request.membership.has_role("admin"))


def may_view(*, proposal: Proposal, user: Any, is_admin: bool) -> bool:
    """Whether this person may see this one proposal (visible_to, asked of its row: one query)."""
    return visible_to(Proposal.objects.filter(pk=proposal.pk), user=user, is_admin=is_admin).exists()


def workflow_actors(*, proposal: Proposal, user: Any, is_admin: bool) -> set[str]:
    """Who this person is for the proposal's lifecycle, as far as this app knows: its owner, an
    admin (stakeholders.access adds the required signers)."""
    kinds = {workflow.OWNER} if proposal.owner_id == user.pk else set()
    return kinds | ({workflow.ADMIN} if is_admin else set())


def may_edit(request: HttpRequest, proposal: Proposal) -> bool:
    """The proposal's owner or an admin of the organisation."""
    return bool(workflow_actors(proposal=proposal, user=request.user, is_admin=request.membership.has_role(Role.ADMIN)))


def get_proposal_for_member(request: HttpRequest, pk: int, *, write: bool = False) -> Proposal:
    """A proposal of the member's organisation: 404 for outsiders and for members it is hidden
    from, 403 for a change (`write`) by anyone but its owner or an admin."""
    queryset = visible_to(
        Proposal.objects.select_related("owner", "team", "created_by"),
        user=request.user,
        is_admin=request.membership.has_role(Role.ADMIN),
    )
    # A proposal the member may not see answers like one that does not exist: 404.
    proposal = get_object_for_member(request, queryset, pk=pk)
    if write and not may_edit(request, proposal):
        raise PermissionDenied("Only the proposal's owner or an admin can change it.")
    return proposal
