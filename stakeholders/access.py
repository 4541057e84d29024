"""Who may state a stakeholder's requirements and who signs off in a proposal's review: each rule
written once, here, for the pages, the JSON API and the review service alike. Seeing and changing
the proposal itself are projects.access's rules.

`request` is a page's or the API's: both carry .user and .membership.
"""

from typing import Any

from django.http import HttpRequest

from accounts.models import ROLE_RANK, Membership, Role
from projects import workflow
from projects.access import may_edit, workflow_actors
from projects.models import Proposal
from stakeholders.models import Stakeholder

# Sign-offs are given by members with the reviewer role or a higher one (admins).
SIGNOFF_ROLE = Role.REVIEWER
# The same, as the roles a query asks for.
SIGNOFF_ROLES = tuple(role for role in Role if ROLE_RANK[role] >= ROLE_RANK[SIGNOFF_ROLE])


def may_state_requirements(request: HttpRequest, proposal: Proposal, stakeholder: Stakeholder) -> bool:
    """The stakeholder themself, when they are a member, or whoever may change the proposal.

    (Outside stakeholders state theirs through the emailed link: stakeholders.services.stakeholder_for_link.)
    """
    return may_edit(request, proposal) or (stakeholder.user_id is not None and stakeholder.user_id == request.user.pk)


def required_stakeholders(*, proposal: Proposal) -> list[Stakeholder]:
    """The proposal's stakeholders whose role the organisation says must sign off: always, or for
    the proposal's EU AI Act tier (StakeRole.required_for). One query: a proposal's stakeholders
    are few, and the tiers a role is required for are read in Python."""
    stakeholders = proposal.stakeholders.select_related("role", "user").order_by("role__position", "name", "pk")
    return [s for s in stakeholders if s.role.required_for(proposal.ai_act_tier)]


def may_review(*, user: Any, membership: Membership, required: list[Stakeholder]) -> bool:
    """A required signer: a member whose role may sign off, named as one of the stakeholders who
    must (`required`, required_stakeholders)."""
    return membership.has_role(SIGNOFF_ROLE) and any(s.user_id == user.pk for s in required)


def actor_kinds(
    *, proposal: Proposal, user: Any, membership: Membership | None, required: list[Stakeholder] | None = None
) -> set[str]:
    """Who this person is for the proposal's review (owner, required signer, admin), as
    projects.workflow names them; `required` saves its query."""
    if membership is None or membership.organisation_id != proposal.organisation_id:
        return set()
    kinds = workflow_actors(proposal=proposal, user=user, is_admin=membership.is_admin)
    if required is None:
        required = required_stakeholders(proposal=proposal)
    if may_review(user=user, membership=membership, required=required):
        kinds.add(workflow.SIGNER)
    return kinds
