"""The estimated value per year: the intake form, the proposal page and the JSON API."""

from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from projects.models import Proposal
from tests.conftest import membership
from tests.html import parse
from tests.projects.test_intake import form_data


def test_the_intake_form_asks_for_it_and_saves_it(world):
    client = world.client_for(world.member)
    form = parse(client.get(reverse("projects:create"))).one("form#proposal-form")
    assert form.select_one("input[name=estimated_value]") and form.select_one("label[for=id_estimated_value]")
    client.post(reverse("projects:create"), form_data(estimated_value="250000"))
    assert Proposal.objects.get(title="Flag suspicious refunds").estimated_value == 250_000


def test_it_is_optional_and_refuses_nonsense(world):
    client = world.client_for(world.member)
    for value in ["-5", "abc", "1e30", str(10**14)]:
        assert client.post(reverse("projects:create"), form_data(estimated_value=value)).status_code == 400, value
    client.post(reverse("projects:create"), form_data(estimated_value=""))
    assert Proposal.objects.get(title="Flag suspicious refunds").estimated_value is None


def test_the_proposal_page_shows_it(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(estimated_value=1_250_000)
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert page.definitions()["Estimated value per year"] == "1,250,000"


def test_the_api_reads_and_writes_it(world):
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    created = api.post(
        "/api/proposals",
        {"title": "Churn", "problem": "Customers leave", "estimated_value": 400000},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["estimated_value"] == 400000
    assert api.get(f"/api/proposals/{body['id']}").json()["estimated_value"] == 400000
    updated = api.put(
        f"/api/proposals/{body['id']}",
        {"title": "Churn", "problem": "Customers leave", "estimated_value": 900000, "version": body["version"]},
        content_type="application/json",
    )
    assert updated.status_code == 200 and updated.json()["estimated_value"] == 900000
    refused = api.post(
        "/api/proposals", {"title": "X", "problem": "Y", "estimated_value": -1}, content_type="application/json"
    )
    assert refused.status_code == 422
