"""The dead end of issue 19 (item 5), mended: a stakeholder named as an outside person in a role
that must sign off can be removed, or linked to the member they are, by those who may edit the
proposal, on the page and over the API; submit is offered only when it can succeed, and the
reasons are given otherwise (the review page, the API's review state, the proposal's path)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from audit.models import AuditEntry
from outbox.models import OutboxItem, OutboxStatus
from outbox.services import outbox_email_deliver
from projects import workflow
from projects.models import Visibility
from projects.workflow import TransitionRefused
from questionnaires.versions import sync_from_files
from stakeholders.models import Conflict, ConflictStatus, Requirement, SignOff, Stakeholder
from stakeholders.review import review_act
from stakeholders.services import (
    RosterRefused,
    StakeholderLinkError,
    requirement_save,
    stakeholder_add,
    stakeholder_for_link,
    stakeholder_invite,
    stakeholder_link_member,
    stakeholder_remove,
)
from tests.concurrency import Holder, in_thread, require_postgresql, still_waiting
from tests.conftest import membership
from tests.factories import MembershipFactory
from tests.html import parse

PHONE = {"op": "==", "value": "phone", "unit": "", "must_have": True, "weight": 5, "metric": ""}
SERVER = {**PHONE, "value": "server"}


def invite(stakeholder, by) -> str:
    """Send the stakeholder a fresh link; its path."""
    captured = {}

    def url(_stakeholder, raw):
        captured["raw"] = raw
        return raw

    stakeholder_invite(stakeholder=stakeholder, by=by, link_url=url)
    return reverse("requirements_link", args=[captured["raw"]])


@pytest.fixture
def dead_end(review):
    """The review scenario with legal held by Lee, named as an outside person: submitting is
    refused, and before this fix nothing but the Django admin could change that."""
    review.stakeholders["legal"].delete()
    lee = stakeholder_add(
        proposal=review.proposal,
        role=review.roles["legal"],
        by=review.world.owner,
        link_url=lambda s, raw: raw,
        name="Lee Legal",
        email="lee@law.test",
    )
    review.lee = lee
    return review


def remove_url(stakeholder) -> str:
    return reverse("stakeholders:remove", args=[stakeholder.proposal_id, stakeholder.pk])


def link_url(stakeholder) -> str:
    return reverse("stakeholders:link", args=[stakeholder.proposal_id, stakeholder.pk])


def api_review(api, user, proposal) -> dict:
    response = api(user).get(f"/api/proposals/{proposal.pk}/review")
    assert response.status_code == 200
    return response.json()


def ready_for_review(proposal) -> None:
    """Assessed and reported on, so the path's current stage is the review."""
    proposal.suitability_verdict = "good_fit"
    proposal.latest_report_id = 1
    proposal.latest_report_at = timezone.now() + timedelta(hours=1)
    proposal.save(update_fields=["suitability_verdict", "latest_report_id", "latest_report_at"])


def primary_action(client, proposal) -> tuple[str, str]:
    page = parse(client.get(reverse("projects:detail", args=[proposal.pk])))
    button = page.one("nav.proposal-path .button.primary")
    return page.text("nav.proposal-path .button.primary"), button["href"]


# ---------------------------------------------------------------------------------------------
# Submit offered only when it can succeed


def test_the_dead_end_is_mended_end_to_end(dead_end, api):
    review, world = dead_end, dead_end.world
    ready_for_review(review.proposal)
    owner = world.client_for(world.owner)

    # Blocked: no Submit button, the reason where it would be, the same in the API and the path.
    page = review.page(world.owner)
    assert "submit" not in [f["value"] for f in page.all("form.review-action input[name=action]")]
    blocked = page.text("#submit-blocked")
    assert "have no account: Lee Legal" in blocked
    state = api_review(api, world.owner, review.proposal)
    assert "submit" not in state["actions"]
    assert any("Lee Legal" in reason for reason in state["submit_blocked_by"])
    assert primary_action(owner, review.proposal) == ("See what submitting still needs", review.url)
    refused = api(world.owner).post(review_api(review), {"action": "submit"}, content_type="application/json")
    assert refused.status_code == 409

    # The owner links Lee to the member Lee is (on the page, htmx).
    response = owner.post(link_url(review.lee), {"member": review.legal.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "conflicts-changed"
    partial = parse(response)
    assert partial.has("div#people") and not partial.has("html")
    assert "now linked" in partial.text("#roster-notice")
    review.lee.refresh_from_db()
    assert (review.lee.user, review.lee.email, review.lee.role) == (
        review.legal,
        "legal@acme.test",
        review.roles["legal"],
    )

    # Now submit is offered everywhere, and works.
    page = review.page(world.owner)
    assert not page.has("#submit-blocked")
    assert page.has("form#action-submit")
    state = api_review(api, world.owner, review.proposal)
    assert "submit" in state["actions"] and state["submit_blocked_by"] == []
    assert primary_action(owner, review.proposal) == ("Submit it for sign-off", review.url)
    review.submit()
    assert review.proposal.status == workflow.SUBMITTED
    assert set(review.proposal.awaiting_review_by.all()) == {world.reviewer, review.ml, review.legal}


def review_api(review) -> str:
    return f"/api/proposals/{review.proposal.pk}/review"


def test_submit_is_absent_with_the_reason_while_a_required_role_is_unfilled(review, api):
    review.stakeholders["legal"].delete()
    state = api_review(api, review.world.owner, review.proposal)
    assert "submit" not in state["actions"]
    assert state["missing_roles"] == ["Legal, compliance or risk"]
    (reason,) = state["submit_blocked_by"]
    # The role's own comma stays inside its label: roles are listed with semicolons.
    assert reason.startswith("Name a stakeholder for each role that must sign off: Legal, compliance or risk (")
    page = review.page(review.world.owner)
    assert not page.has("form#action-submit")
    assert "Legal, compliance or risk" in page.text("#submit-blocked")
    # Removing another required role too: both named, told apart by a semicolon.
    review.stakeholders["product"].delete()
    (reason,) = api_review(api, review.world.owner, review.proposal)["submit_blocked_by"]
    assert "Product; Legal, compliance or risk (" in reason


def test_a_reader_sees_why_but_is_offered_nothing(dead_end, api):
    state = api_review(api, dead_end.world.member, dead_end.proposal)
    assert state["actions"] == [] and state["submit_blocked_by"]
    # Under review, submitting is not the question: no reasons.
    Stakeholder.objects.filter(pk=dead_end.lee.pk).update(user=dead_end.legal)
    dead_end.submit()
    assert api_review(api, dead_end.world.owner, dead_end.proposal)["submit_blocked_by"] == []


# ---------------------------------------------------------------------------------------------
# Removing


def test_the_owner_removes_an_outside_stakeholder_and_their_link_dies(dead_end):
    review, world = dead_end, dead_end.world
    path = invite(review.lee, world.owner)
    sync_from_files()
    assert Client().get(path).status_code == 200  # the link works while Lee is a stakeholder
    requirement_save(stakeholder=review.lee, dimension="deployment", data=PHONE, by=world.owner)
    requirement_save(stakeholder=review.stakeholders["product"], dimension="deployment", data=SERVER, by=world.owner)
    conflict = Conflict.objects.get(proposal=review.proposal, status=ConflictStatus.OPEN, kind="contradictory_targets")

    response = world.client_for(world.owner).post(remove_url(review.lee))
    assert response.status_code == 302
    assert response["Location"] == reverse("stakeholders:list", args=[review.proposal.pk])
    assert not Stakeholder.objects.filter(pk=review.lee.pk).exists()
    assert not Requirement.objects.filter(stakeholder_id=review.lee.pk).exists()
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.GONE  # detected again without Lee's requirement
    entry = AuditEntry.objects.get(action="stakeholder.removed")
    assert entry.before["name"] == "Lee Legal" and entry.before["requirements"]["deployment"]["value"] == "phone"
    assert entry.actor == world.owner
    # The link opens nothing and saves nothing.
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"action": "submit"}).status_code == 404
    # The page says who is missing now.
    page = parse(world.client_for(world.owner).get(reverse("stakeholders:list", args=[review.proposal.pk])))
    legal = [row for row in page.table("#signoff-roles table") if row["Role"] == "Legal, compliance or risk"]
    assert legal[0]["Who fills it"] == "Nobody yet"


def test_removing_with_htmx_answers_the_people_partial(dead_end):
    response = dead_end.world.client_for(dead_end.world.admin).post(remove_url(dead_end.lee), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "conflicts-changed"
    page = parse(response)
    assert page.text("#roster-notice") == "Lee Legal is no longer a stakeholder; their link no longer works."
    assert "Lee Legal" not in page.texts("#roster tbody th")
    assert not Stakeholder.objects.filter(pk=dead_end.lee.pk).exists()


def test_the_page_asks_before_removing(dead_end):
    page = parse(
        dead_end.world.client_for(dead_end.world.owner).get(reverse("stakeholders:list", args=[dead_end.proposal.pk]))
    )
    row = f"#stakeholder-{dead_end.lee.pk}"
    # The button sits inside a closed disclosure: a second step, with no script.
    (disclosure,) = [d for d in page.all(f"{row} details.confirm") if "Remove" in d.summary.get_text()]
    assert not disclosure.has_attr("open")
    form = disclosure.form
    assert form["method"] == "post" and form["action"] == remove_url(dead_end.lee)
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.button.get_text() == "Remove Lee Legal"


@pytest.mark.parametrize("who", ["member", "reviewer"])
def test_viewers_cannot_remove_or_link(dead_end, who):
    client = dead_end.world.client_for(getattr(dead_end.world, who))
    assert client.post(remove_url(dead_end.lee)).status_code == 403
    assert client.post(link_url(dead_end.lee), {"member": dead_end.legal.pk}).status_code == 403
    page = parse(client.get(reverse("stakeholders:list", args=[dead_end.proposal.pk])))
    assert not page.has("details.confirm") and not page.has("#add-stakeholder")
    dead_end.lee.refresh_from_db()
    assert dead_end.lee.user is None


def test_outsiders_get_404(dead_end):
    client = dead_end.world.client_for(dead_end.world.outsider)
    assert client.post(remove_url(dead_end.lee)).status_code == 404
    assert client.post(link_url(dead_end.lee), {"member": dead_end.legal.pk}).status_code == 404
    assert client.get(remove_url(dead_end.lee)).status_code in (404, 405)
    assert Stakeholder.objects.filter(pk=dead_end.lee.pk).exists()


def test_a_stakeholder_of_another_proposal_is_404(dead_end):
    from tests.factories import ProposalFactory

    other = ProposalFactory(organisation=dead_end.world.org, owner=dead_end.world.owner)
    url = reverse("stakeholders:remove", args=[other.pk, dead_end.lee.pk])
    assert dead_end.world.client_for(dead_end.world.owner).post(url).status_code == 404


def test_no_change_while_under_review_and_earlier_signoffs_stay(review):
    review.submit()
    owner = review.world.client_for(review.world.owner)
    product = review.stakeholders["product"]
    refused = owner.post(remove_url(product))
    assert refused.status_code == 409
    assert "withdraw it from review first" in parse(refused).text("#roster-notice")
    assert parse(refused).text("#roster-closed").startswith("The proposal is under review")
    assert Stakeholder.objects.filter(pk=product.pk).exists()

    # Changes requested: the round is over, its decisions count no more; removing keeps them.
    review.act(review.world.reviewer, "request_changes", reason="Say what the value is.")
    assert review.proposal.status == workflow.CHANGES_REQUESTED
    assert owner.post(remove_url(product)).status_code == 302
    signoff = SignOff.objects.get()
    assert (signoff.stakeholder, signoff.user, signoff.role_label) == (None, review.world.reviewer, "Product")
    page = review.page(review.world.owner)
    assert "Changes requested by" in page.text("#review-history")


@pytest.mark.parametrize("status", [workflow.APPROVED, workflow.REJECTED, workflow.ARCHIVED, workflow.IN_REVIEW])
def test_the_services_refuse_while_the_state_does_not_allow_it(dead_end, status):
    dead_end.proposal.status = status
    dead_end.proposal.save(update_fields=["status"])
    with pytest.raises(RosterRefused) as refused:
        stakeholder_remove(stakeholder=dead_end.lee, by=dead_end.world.owner)
    assert refused.value.status == 409
    with pytest.raises(RosterRefused):
        stakeholder_link_member(stakeholder=dead_end.lee, member=dead_end.legal, by=dead_end.world.owner)
    dead_end.lee.refresh_from_db()
    assert dead_end.lee.user is None


# ---------------------------------------------------------------------------------------------
# Linking


def test_linking_revokes_the_emailed_link_and_tells_the_member(dead_end):
    review, world = dead_end, dead_end.world
    path = invite(review.lee, world.owner)
    response = world.client_for(world.owner).post(link_url(review.lee), {"member": review.legal.pk})
    assert response.status_code == 302
    assert Client().get(path).status_code == 404  # the address it went to is not the member's
    review.lee.refresh_from_db()
    assert review.lee.token_hash == "" and review.lee.user == review.legal
    notification = Notification.objects.get(user=review.legal)
    assert "named you a stakeholder" in notification.title
    entry = AuditEntry.objects.get(action="stakeholder.linked")
    assert entry.before == {"name": "Lee Legal", "email": "lee@law.test", "member": False}
    assert entry.after["member"] is True


def test_a_refused_link_is_shown_in_place(dead_end):
    client = dead_end.world.client_for(dead_end.world.owner)
    # Nobody chosen, then someone already a stakeholder of the proposal (they are not even offered).
    for data, message in [({"member": ""}, "Choose the member"), ({"member": dead_end.ml.pk}, "Choose one of")]:
        response = client.post(link_url(dead_end.lee), data)
        assert response.status_code == 400
        page = parse(response)
        row = f"#stakeholder-{dead_end.lee.pk}"
        (disclosure,) = [d for d in page.all(f"{row} details.confirm") if d.has_attr("open")]
        assert message in " ".join(disclosure.select_one("[role=alert]").get_text().split())
        assert disclosure.select_one("select")["aria-invalid"] == "true"
    dead_end.lee.refresh_from_db()
    assert dead_end.lee.user is None


def test_someone_who_joined_with_the_address_they_were_named_with_is_offered(dead_end):
    joined = MembershipFactory(
        organisation=dead_end.world.org, role=Role.REVIEWER, user__email="lee@law.test", user__name="Lee Lawson"
    ).user
    client = dead_end.world.client_for(dead_end.world.owner)
    page = parse(client.get(reverse("stakeholders:list", args=[dead_end.proposal.pk])))
    offered = {o.label: o.value for o in page.options(f"#stakeholder-{dead_end.lee.pk} select[name=member]")}
    assert offered["Lee Lawson"] == str(joined.pk)
    # Members who are stakeholders here already are not offered.
    assert str(dead_end.ml.pk) not in offered.values() and str(dead_end.world.reviewer.pk) not in offered.values()
    assert str(dead_end.bystander.pk) in offered.values()
    assert client.post(link_url(dead_end.lee), {"member": joined.pk}).status_code == 302
    dead_end.lee.refresh_from_db()
    assert (dead_end.lee.user, dead_end.lee.name) == (joined, "Lee Lawson")


def test_a_member_who_is_a_stakeholder_already_is_refused_by_the_service(dead_end):
    with pytest.raises(RosterRefused) as refused:
        stakeholder_link_member(stakeholder=dead_end.lee, member=dead_end.ml, by=dead_end.world.owner)
    assert refused.value.status == 422 and refused.value.field == "member_id"
    assert "ML engineering" in str(refused.value)


def test_a_member_stake_is_not_linked_again(review):
    with pytest.raises(RosterRefused) as refused:
        stakeholder_link_member(
            stakeholder=review.stakeholders["legal"], member=review.bystander, by=review.world.owner
        )
    assert refused.value.status == 409


# ---------------------------------------------------------------------------------------------
# The API


def stakeholder_api(stakeholder) -> str:
    return f"/api/proposals/{stakeholder.proposal_id}/stakeholders/{stakeholder.pk}"


def test_the_api_mends_the_dead_end(dead_end, api):
    review, world = dead_end, dead_end.world
    owner = api(world.owner)
    assert "submit" not in api_review(api, world.owner, review.proposal)["actions"]
    response = owner.post(
        f"{stakeholder_api(review.lee)}/link", {"member_id": review.legal.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["member"], body["email"], body["role"]) == (True, "legal@acme.test", "legal")
    assert "submit" in api_review(api, world.owner, review.proposal)["actions"]
    submitted = owner.post(review_api(review), {"action": "submit"}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_the_api_removes_and_its_refusals(dead_end, api):
    review, world = dead_end, dead_end.world
    url = stakeholder_api(review.lee)
    path = invite(review.lee, world.owner)
    for user, status in [(world.member, 403), (world.reviewer, 403)]:
        refused = api(user).delete(url)
        assert refused.status_code == status
        assert refused["Content-Type"].startswith("application/problem+json")
    assert api(world.outsider, world.other_org).delete(url).status_code == 404
    assert api(world.admin).delete(f"/api/proposals/{review.proposal.pk}/stakeholders/999999").status_code == 404
    assert api(world.admin).delete(url).status_code == 204
    assert Client().get(path).status_code == 404
    assert api(world.admin).delete(url).status_code == 404  # gone
    state = api_review(api, world.owner, review.proposal)
    assert state["missing_roles"] == ["Legal, compliance or risk"] and "submit" not in state["actions"]


def test_the_api_refuses_a_removal_under_review_with_409(review, api):
    review.submit()
    response = api(review.world.owner).delete(stakeholder_api(review.stakeholders["product"]))
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "withdraw" in response.json()["detail"]


def test_the_api_link_refusals_name_the_field(dead_end, api, world):
    owner = api(world.owner)
    url = f"{stakeholder_api(dead_end.lee)}/link"
    stranger = MembershipFactory(organisation=world.other_org, role=Role.REVIEWER).user
    for payload in [{"member_id": stranger.pk}, {"member_id": dead_end.ml.pk}, {"member_id": "x"}, {}]:
        response = owner.post(url, payload, content_type="application/json")
        assert response.status_code == 422, (payload, response.content)
        assert [e["field"] for e in response.json()["errors"]] == ["member_id"], payload
    misspelt = owner.post(url, {"member_id": dead_end.legal.pk, "membr": 1}, content_type="application/json")
    assert misspelt.status_code == 422
    assert (
        api(world.member).post(url, {"member_id": dead_end.legal.pk}, content_type="application/json").status_code
        == 403
    )
    assert (
        api(world.outsider, world.other_org)
        .post(url, {"member_id": dead_end.legal.pk}, content_type="application/json")
        .status_code
        == 404
    )
    dead_end.lee.refresh_from_db()
    assert dead_end.lee.user is None
    already = owner.post(
        f"{stakeholder_api(dead_end.stakeholders['product'])}/link",
        {"member_id": dead_end.bystander.pk},
        content_type="application/json",
    )
    assert already.status_code == 409


# ---------------------------------------------------------------------------------------------
# At the same moment (PostgreSQL)


def test_a_submission_waits_for_a_removal_and_then_sees_it(transactional_db, review):
    require_postgresql()
    owner = membership(review.world.owner, review.world.org)
    holder = Holder(lambda: stakeholder_remove(stakeholder=review.stakeholders["legal"], by=review.world.owner))
    submit = in_thread(
        lambda: review_act(proposal=review.proposal, by=review.world.owner, membership=owner, action="submit")
    )
    assert still_waiting(submit), "the submission did not wait for the removal"
    holder.release()
    with pytest.raises(TransitionRefused) as refused:
        submit.result(10)
    assert "Legal, compliance or risk" in str(refused.value)


def test_a_removal_waits_for_a_submission_and_is_then_refused(transactional_db, review):
    require_postgresql()
    owner = membership(review.world.owner, review.world.org)
    holder = Holder(
        lambda: review_act(proposal=review.proposal, by=review.world.owner, membership=owner, action="submit")
    )
    removal = in_thread(lambda: stakeholder_remove(stakeholder=review.stakeholders["legal"], by=review.world.owner))
    assert still_waiting(removal), "the removal did not wait for the submission"
    holder.release()
    with pytest.raises(RosterRefused):
        removal.result(10)
    assert Stakeholder.objects.filter(pk=review.stakeholders["legal"].pk).exists()


def test_a_removal_waits_for_answers_being_saved_through_the_link(transactional_db, dead_end):
    require_postgresql()
    token = invite(dead_end.lee, dead_end.world.owner).rstrip("/").rsplit("/", 1)[1]
    holder = Holder(lambda: stakeholder_for_link(token=token, hold=True))
    removal = in_thread(lambda: stakeholder_remove(stakeholder=dead_end.lee, by=dead_end.world.owner))
    assert still_waiting(removal), "the removal did not wait for the link's save"
    holder.release()
    removal.result(10)
    with pytest.raises(StakeholderLinkError):
        stakeholder_for_link(token=token)


def test_a_removed_member_stakeholder_stops_seeing_a_private_proposal(dead_end):
    review, world = dead_end, dead_end.world
    review.proposal.visibility = Visibility.PRIVATE
    review.proposal.save(update_fields=["visibility"])
    member = MembershipFactory(organisation=world.org, role=Role.MEMBER, user__email="sam@acme.test").user
    role = next(r for key, r in review.roles.items() if key not in review.signers)
    stake = stakeholder_add(
        proposal=review.proposal, role=role, by=world.owner, link_url=lambda s, raw: raw, user=member
    )
    detail = reverse("projects:detail", args=[review.proposal.pk])
    assert world.client_for(member).get(detail).status_code == 200  # a stakeholder reads it

    stakeholder_remove(stakeholder=stake, by=world.owner)
    assert world.client_for(member).get(detail).status_code == 404  # no stake, no access
    assert world.client_for(world.owner).get(detail).status_code == 200
    entry = AuditEntry.objects.get(action="sharing.reader_removed")
    assert entry.actor == world.owner and entry.before == {"reader": str(member)}


@pytest.mark.parametrize("change", ["remove", "link"])
def test_an_invitation_not_sent_yet_is_stopped_when_its_link_dies(dead_end, change):
    review, world = dead_end, dead_end.world
    invite(review.lee, world.owner)  # a second invitation, beside the one sent when Lee was named
    items = list(OutboxItem.objects.filter(ref=f"stakeholder:{review.lee.pk}", status=OutboxStatus.PENDING))
    assert len(items) == 2
    if change == "remove":
        stakeholder_remove(stakeholder=review.lee, by=world.owner)
    else:
        lee = MembershipFactory(organisation=world.org, role=Role.REVIEWER, user__email="lee@acme.test").user
        stakeholder_link_member(stakeholder=review.lee, member=lee, by=world.owner)
    mail.outbox.clear()
    for item in items:
        item.refresh_from_db()
        assert item.status == OutboxStatus.FAILED and item.last_error.startswith("Not sent: the stakeholder was")
        assert item.payload["body"] == ""  # the dead link is not kept either
        assert outbox_email_deliver(item_id=item.pk) == "already handled"  # a late worker sends nothing
    assert mail.outbox == []
