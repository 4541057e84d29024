"""The review workflow: every transition, allowed and refused, for each kind of person, on the
page and over the API; sign-offs per round; notifications and audit entries it leaves."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Notification, NotificationKind, Role
from audit.models import AuditEntry
from projects import workflow
from stakeholders.models import Decision, SignOff
from stakeholders.services import stake_roles
from tests.conftest import membership
from tests.factories import MembershipFactory
from tests.html import parse, squash

# ---------------------------------------------------------------------------------------------
# The table itself


@pytest.mark.parametrize(
    "action, state, kinds, allowed",
    [
        ("submit", workflow.DRAFT, {workflow.OWNER}, True),
        ("submit", workflow.DRAFT, {workflow.ADMIN}, False),
        ("submit", workflow.DRAFT, {workflow.SIGNER}, False),
        ("submit", workflow.SUBMITTED, {workflow.OWNER}, False),
        ("submit", workflow.CHANGES_REQUESTED, {workflow.OWNER}, True),
        ("submit", workflow.WITHDRAWN, {workflow.OWNER}, True),
        ("submit", workflow.APPROVED, {workflow.OWNER}, False),
        ("withdraw", workflow.IN_REVIEW, {workflow.OWNER}, True),
        ("withdraw", workflow.IN_REVIEW, {workflow.SIGNER, workflow.ADMIN}, False),
        ("withdraw", workflow.APPROVED, {workflow.OWNER}, False),
        ("approve", workflow.SUBMITTED, {workflow.SIGNER}, True),
        ("approve", workflow.IN_REVIEW, {workflow.SIGNER}, True),
        ("approve", workflow.DRAFT, {workflow.SIGNER}, False),
        ("approve", workflow.SUBMITTED, {workflow.OWNER, workflow.ADMIN}, False),
        ("reject", workflow.IN_REVIEW, {workflow.SIGNER}, True),
        ("request_changes", workflow.SUBMITTED, {workflow.SIGNER}, True),
        ("override_approve", workflow.REJECTED, {workflow.ADMIN}, True),
        ("override_approve", workflow.DRAFT, {workflow.ADMIN}, False),
        ("override_approve", workflow.IN_REVIEW, {workflow.OWNER, workflow.SIGNER}, False),
        ("override_reject", workflow.APPROVED, {workflow.ADMIN}, True),
        ("archive", workflow.APPROVED, {workflow.OWNER}, True),
        ("archive", workflow.ARCHIVED, {workflow.ADMIN}, False),
        ("archive", workflow.DRAFT, {workflow.SIGNER}, False),
        ("unarchive", workflow.ARCHIVED, {workflow.ADMIN}, True),
        ("unarchive", workflow.DRAFT, {workflow.OWNER}, False),
    ],
)
def test_the_table_says_who_may_do_what_from_where(action, state, kinds, allowed):
    if allowed:
        assert workflow.check(action, state=state, actor_kinds=kinds).action == action
    else:
        with pytest.raises(workflow.TransitionRefused):
            workflow.check(action, state=state, actor_kinds=kinds)


def test_a_wrong_person_is_a_403_and_a_wrong_state_a_409():
    with pytest.raises(workflow.TransitionRefused) as wrong_person:
        workflow.check("submit", state=workflow.DRAFT, actor_kinds={workflow.SIGNER})
    with pytest.raises(workflow.TransitionRefused) as wrong_state:
        workflow.check("submit", state=workflow.APPROVED, actor_kinds={workflow.OWNER})
    assert wrong_person.value.status == 403 and "owner" in str(wrong_person.value)
    assert wrong_state.value.status == 409 and "approved" in str(wrong_state.value)


def test_every_state_can_be_left_and_every_state_but_draft_reached():
    targets = {t.target for t in workflow.TRANSITIONS.values()} | {workflow.IN_REVIEW, workflow.APPROVED}
    sources = set().union(*(t.sources for t in workflow.TRANSITIONS.values()))
    assert set(workflow.STATE_LABELS) == sources
    assert set(workflow.STATE_LABELS) - {workflow.DRAFT} <= targets


# ---------------------------------------------------------------------------------------------
# Submitting


def test_the_owner_submits_and_each_required_reviewer_is_asked(review, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review.submit()
    assert review.proposal.status == workflow.SUBMITTED
    assert review.proposal.review_round == 1
    asked = set(review.proposal.awaiting_review_by.values_list("email", flat=True))
    assert asked == {"reviewer@acme.test", "ml@acme.test", "legal@acme.test"}
    requests = Notification.objects.filter(kind=NotificationKind.REVIEW_REQUEST)
    assert sorted(n.user.email for n in requests) == sorted(asked)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(asked)
    assert all("Please review" in m.subject and m.alternatives for m in mail.outbox)
    entry = AuditEntry.objects.get(action="review.submit")
    assert (entry.before["status"], entry.after["status"], entry.actor) == ("draft", "submitted", review.world.owner)


@pytest.mark.parametrize("who, status", [("member", 403), ("reviewer", 403), ("admin", 403)])
def test_only_the_owner_submits(review, who, status):
    response = review.act(getattr(review.world, who), "submit", status=status)
    assert review.proposal.status == workflow.DRAFT
    assert "Only the proposal's owner" in parse(response).text("#review-error")


def test_an_outsider_gets_404(review):
    for action in ["submit", "approve", "override_approve"]:
        review.act(review.world.outsider, action, reason="x", status=404)
    assert Client().get(reverse("review", args=[review.proposal.pk])).status_code == 302  # to sign-in


def test_submitting_needs_a_stakeholder_in_each_required_role(review):
    review.stakeholders["legal"].delete()
    response = review.act(review.world.owner, "submit", status=409)
    assert "Legal, compliance or risk" in parse(response).text("#review-error")
    assert review.proposal.status == workflow.DRAFT and review.proposal.review_round == 0


def test_submitting_needs_members_with_the_reviewer_role(review):
    signer = review.stakeholders["legal"]
    signer.user = None
    signer.save()
    MembershipFactory(organisation=review.world.org, role=Role.MEMBER, user__email="plain@acme.test")
    review.stakeholders["ml_engineering"].user = membership(review.world.member, review.world.org).user
    review.stakeholders["ml_engineering"].save()
    error = parse(review.act(review.world.owner, "submit", status=409)).text("#review-error")
    assert "have no account" in error and "reviewer or admin role" in error


# ---------------------------------------------------------------------------------------------
# Deciding


def test_approved_only_once_every_required_signoff_is_in(review, django_capture_on_commit_callbacks):
    review.proposal.latest_report_id = 41
    review.proposal.save(update_fields=["latest_report_id"])
    review.submit()
    review.act(review.world.reviewer, "approve", reason="Value is clear.")
    assert review.proposal.status == workflow.IN_REVIEW
    review.act(review.ml, "approve", reason="Feasible with the data we have.")
    assert review.proposal.status == workflow.IN_REVIEW
    assert list(review.proposal.awaiting_review_by.all()) == [review.legal]
    with django_capture_on_commit_callbacks(execute=True):
        review.act(review.legal, "approve", reason="No personal data leaves the EU.")
    assert review.proposal.status == workflow.APPROVED
    assert not review.proposal.awaiting_review_by.exists()
    signoffs = SignOff.objects.filter(proposal=review.proposal)
    assert {(s.decision, s.round, s.report_id) for s in signoffs} == {(Decision.APPROVE, 1, 41)}
    assert {s.user for s in signoffs} == set(review.signers.values())
    decisions = Notification.objects.filter(kind=NotificationKind.DECISION, user=review.world.owner)
    assert decisions.count() == 3
    assert AuditEntry.objects.filter(action="review.signoff").count() == 3


def test_a_reviewer_cannot_sign_twice_in_a_round(review):
    review.submit()
    review.act(review.world.reviewer, "approve", reason="Fine.")
    response = review.act(review.world.reviewer, "approve", reason="Again.", status=409)
    assert "already given your decision" in parse(response).text("#review-error")
    assert SignOff.objects.filter(user=review.world.reviewer).count() == 1


def test_a_decision_needs_reasons_and_keeps_what_was_typed(review):
    review.submit()
    response = review.act(review.ml, "approve", reason="   ", status=400)
    assert "Give your reasons" in parse(response).text("#review-error")
    assert not SignOff.objects.exists()


@pytest.mark.parametrize("who", ["owner", "member", "admin"])
def test_people_who_are_not_required_signers_cannot_decide(review, who):
    review.submit()
    review.act(getattr(review.world, who), "approve", reason="Looks good.", status=403)
    review.act(review.bystander, "approve", reason="Looks good.", status=403)
    assert review.proposal.status == workflow.SUBMITTED


def test_a_signer_who_lost_the_reviewer_role_cannot_decide(review):
    review.submit()
    signer_membership = membership(review.ml, review.world.org)
    signer_membership.role = Role.MEMBER
    signer_membership.save()
    review.act(review.ml, "approve", reason="Fine.", status=403)


def test_deciding_on_a_draft_is_refused_with_the_reason(review):
    response = review.act(review.world.reviewer, "approve", reason="Early.", status=409)
    assert "cannot be “approve”" in parse(response).text("#review-error")


def test_changes_requested_then_resubmitted_opens_a_new_round(review):
    review.submit()
    review.act(review.world.reviewer, "approve", reason="Fine by product.")
    review.act(review.legal, "request_changes", reason="Say how long the data is kept.")
    assert review.proposal.status == workflow.CHANGES_REQUESTED
    assert not review.proposal.awaiting_review_by.exists()
    review.act(review.ml, "approve", reason="Late.", status=409)
    review.submit()
    assert (review.proposal.status, review.proposal.review_round) == (workflow.SUBMITTED, 2)
    # Round 1's approval does not count in round 2: all three are asked again.
    assert review.proposal.awaiting_review_by.count() == 3
    for user in review.signers.values():
        review.act(user, "approve", reason="Round two.")
    assert review.proposal.status == workflow.APPROVED
    assert SignOff.objects.filter(round=1).count() == 2 and SignOff.objects.filter(round=2).count() == 3


def test_a_rejection_ends_the_review(review):
    review.submit()
    review.act(review.legal, "reject", reason="Not lawful here.")
    assert review.proposal.status == workflow.REJECTED
    review.act(review.world.owner, "submit", status=409)


def test_the_owner_withdraws_and_may_submit_again(review):
    review.submit()
    review.act(review.world.reviewer, "withdraw", status=403)
    review.act(review.world.owner, "withdraw")
    assert review.proposal.status == workflow.WITHDRAWN and not review.proposal.awaiting_review_by.exists()
    review.submit()
    assert review.proposal.review_round == 2


def test_an_admin_overrides_with_a_recorded_reason(review):
    review.submit()
    review.act(review.world.admin, "override_approve", reason="", status=400)
    review.act(review.world.reviewer, "override_approve", reason="Because.", status=403)
    review.act(review.world.admin, "override_approve", reason="Board decision of 3 March.")
    assert review.proposal.status == workflow.APPROVED
    override = SignOff.objects.get(is_override=True)
    assert (override.user, override.rationale) == (review.world.admin, "Board decision of 3 March.")
    entry = AuditEntry.objects.get(action="review.override_approve")
    assert entry.reason == "Board decision of 3 March."


def test_archive_and_restore_go_through_the_same_rules(review, world):
    review.act(world.member, "archive", status=403)
    review.act(world.owner, "archive")
    assert review.proposal.status == workflow.ARCHIVED
    review.act(world.owner, "archive", status=409)
    review.act(world.admin, "unarchive")
    assert review.proposal.status == workflow.DRAFT
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == ["review.archive", "review.unarchive"]


def offered(page) -> list[str]:
    """The actions the page has a form for."""
    return [field["value"] for field in page.all("form.review-action input[name=action]")]


def test_the_page_offers_only_the_actions_allowed(review):
    actions = offered(review.page(review.world.owner))
    assert "submit" in actions and "approve" not in actions
    review.submit()
    actions = offered(review.page(review.ml))
    assert "approve" in actions and "request_changes" in actions and "submit" not in actions


def test_the_page_shows_each_signoff_with_its_report(review):
    review.proposal.latest_report_id = 7
    review.proposal.save(update_fields=["latest_report_id"])
    review.submit()
    review.act(review.ml, "approve", reason="Trees are fine.")
    page = review.page(review.world.member)
    (decision,) = page.all("#review-history li")
    assert "Trees are fine." in squash(decision.get_text())
    assert [(a.get_text(), a["href"]) for a in decision.find_all("a")] == [
        ("report #7", reverse("reports:detail", args=[review.proposal.pk, 7]))
    ]


# ---------------------------------------------------------------------------------------------
# The review policy


def test_admins_choose_the_roles_that_sign_off(review, world):
    url = reverse("review_policy")
    assert world.client_for(world.reviewer).get(url).status_code == 403
    response = world.client_for(world.admin).post(url, {"required": [review.roles["legal"].pk]})
    assert response.status_code == 302
    required = {r.key for r in stake_roles(organisation=world.org) if r.signoff_required}
    assert required == {"legal"}
    assert AuditEntry.objects.filter(action="organisation.review_policy").exists()
    review.submit()
    assert list(review.proposal.awaiting_review_by.all()) == [review.legal]


# ---------------------------------------------------------------------------------------------
# The API


def test_the_api_takes_the_same_actions_and_refusals(review, api, world):
    url = f"/api/proposals/{review.proposal.pk}/review"
    owner = api(world.owner)
    assert owner.get(url).json()["actions"] == ["submit", "archive"]
    refused = api(world.member).post(url, {"action": "submit"}, content_type="application/json")
    assert refused.status_code == 403 and "owner" in refused.json()["detail"]
    assert owner.post(url, {"action": "submit"}, content_type="application/json").status_code == 200
    again = owner.post(url, {"action": "submit"}, content_type="application/json")
    assert again.status_code == 409
    no_reason = api(review.ml).post(url, {"action": "approve"}, content_type="application/json")
    # A missing reason is a refused value: 422 naming it, as the API's other validation errors.
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    ok = api(review.ml).post(url, {"action": "approve", "reason": "fine"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "in_review"
    assert ok.json()["history"][0]["decision"] == "approve"
    unknown = owner.post(url, {"action": "teleport"}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "action"


def test_the_api_hides_other_organisations_proposals(review, api, world):
    _, raw = ApiToken.issue(membership=membership(world.outsider, world.other_org))
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/proposals/{review.proposal.pk}/review"
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"action": "submit"}, content_type="application/json").status_code == 404
