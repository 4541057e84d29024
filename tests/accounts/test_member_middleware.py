"""accounts.middleware.MemberMiddleware: the signed-in person, their membership and organisation in
one query, with django.contrib.auth's session checks (docs: the class's docstring)."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership, Organisation, Role
from accounts.tenancy import SESSION_KEY

PASSWORD = "password-for-tests"  # tests/factories.py UserFactory


def user_queries(client: Client) -> list[str]:
    client.get("/ping/")  # the first request records the organisation in the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/ping/").status_code == 200
    return [q["sql"] for q in captured.captured_queries if "django_session" not in q["sql"]]


def test_a_signed_in_request_costs_one_query_for_user_membership_and_organisation(world):
    client = world.client_for(world.member)
    (query,) = user_queries(client)
    assert "accounts_membership" in query and "accounts_organisation" in query


def test_the_page_knows_the_member_and_the_organisation(world):
    response = world.client_for(world.member).get(reverse("projects:list"))
    assert response.status_code == 200
    request = response.wsgi_request
    assert request.user == world.member and request.user.is_authenticated
    assert request.membership.user_id == world.member.pk
    assert request.organisation == world.org == request.membership.organisation


def test_the_chosen_organisation_wins_and_an_unknown_choice_falls_back_by_name(world):
    other = Organisation.objects.create(name="Aardvark Ltd", slug="aardvark")
    Membership.objects.create(user=world.member, organisation=other, role=Role.MEMBER)
    client = world.client_for(world.member)
    session = client.session
    session[SESSION_KEY] = world.org.pk
    session.save()
    assert client.get(reverse("projects:list")).wsgi_request.organisation == world.org
    session[SESSION_KEY] = 999_999
    session.save()
    request = client.get(reverse("projects:list")).wsgi_request
    assert request.organisation == other  # first by name
    assert client.session[SESSION_KEY] == other.pk


def test_a_person_without_an_organisation_is_signed_in_without_a_membership(world):
    Membership.objects.filter(user=world.member).delete()
    request = world.client_for(world.member).get("/ping/").wsgi_request
    assert request.user.is_authenticated and request.membership is None and request.organisation is None


def test_a_password_change_signs_other_sessions_out(world):
    client = world.client_for(world.member)
    world.member.set_password("a-new-password-for-this-test")
    world.member.save()
    request = client.get("/ping/").wsgi_request
    assert not request.user.is_authenticated and request.membership is None
    assert HASH_SESSION_KEY not in client.session


def test_a_deactivated_user_is_anonymous(world):
    client = world.client_for(world.member)
    world.member.is_active = False
    world.member.save()
    assert not client.get("/ping/").wsgi_request.user.is_authenticated


@pytest.mark.parametrize("raw_id", ["not-a-number", "999999"])
def test_a_session_naming_no_valid_user_is_anonymous(world, raw_id):
    client = world.client_for(world.member)
    session = client.session
    session["_auth_user_id"] = raw_id
    session.save()
    assert not client.get("/ping/").wsgi_request.user.is_authenticated


def test_signing_in_through_the_form_still_works(world, client):
    response = client.post(reverse("login"), {"username": world.member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("projects:list")).wsgi_request.user == world.member
