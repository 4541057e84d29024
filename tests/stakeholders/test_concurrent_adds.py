"""Two adds of the same stakeholder email at the same moment: one stakeholder, and the second add
answered with a form error (400) or the API's field error (422), never a 500."""

import pytest
from django.urls import reverse

from accounts.models import ApiToken
from stakeholders.models import Stakeholder
from stakeholders.services import StakeholderExists, stake_roles, stakeholder_add
from tests.concurrency import Holder, in_thread, require_postgresql, still_waiting
from tests.conftest import membership
from tests.html import parse

EMAIL = "pat@example.test"


def add(world, role):
    return stakeholder_add(
        proposal=world.proposal, role=role, by=world.owner, link_url=lambda s, r: r, name="Pat", email=EMAIL
    )


@pytest.fixture
def legal(world):
    return next(r for r in stake_roles(organisation=world.org) if r.key == "legal")


def test_a_second_add_of_the_same_address_is_refused_by_name_and_the_transaction_goes_on(world, legal):
    add(world, legal)
    with pytest.raises(StakeholderExists, match=EMAIL):
        stakeholder_add(
            proposal=world.proposal,
            role=legal,
            by=world.owner,
            link_url=lambda s, r: r,
            name="Pat",
            email="PAT@example.test",
        )
    # The savepoint kept the surrounding transaction usable.
    assert Stakeholder.objects.filter(proposal=world.proposal).count() == 1


def test_the_form_answers_400_when_the_same_person_is_added_at_the_same_moment(transactional_db, world, legal):
    require_postgresql()
    # One add is made and held uncommitted: the form's own check cannot see it, so the second add
    # reaches the INSERT, waits on the unique index, and loses when the first commits.
    first = Holder(lambda: add(world, legal))
    client = world.client_for(world.owner)
    second = in_thread(
        lambda: client.post(
            reverse("stakeholders:list", args=[world.proposal.pk]), {"name": "Pat", "email": EMAIL, "role": legal.pk}
        )
    )
    assert still_waiting(second), "the second add did not wait for the first"
    first.release()
    response = second.result(10)
    assert response.status_code == 400
    assert f"{EMAIL} is already a stakeholder" in parse(response).text("section[aria-labelledby=add-title] form")
    assert Stakeholder.objects.filter(proposal=world.proposal).count() == 1


def test_the_api_answers_422_when_the_same_person_is_added_at_the_same_moment(transactional_db, world, legal):
    require_postgresql()
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org))
    first = Holder(lambda: add(world, legal))
    client = world.client_for(world.owner)
    second = in_thread(
        lambda: client.post(
            f"/api/proposals/{world.proposal.pk}/stakeholders",
            {"name": "Pat", "email": EMAIL, "role": "legal"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    )
    assert still_waiting(second), "the second add did not wait for the first"
    first.release()
    response = second.result(10)
    assert response.status_code == 422, response.content
    assert "already a stakeholder" in response.content.decode()
    assert Stakeholder.objects.filter(proposal=world.proposal).count() == 1
