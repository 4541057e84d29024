"""Invitations: an admin invites by email; the link works once, before it expires."""

import re
from datetime import timedelta

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from tests.html import parse


def invite(world, capture, email="new.person@example.test", role=Role.REVIEWER) -> str:
    client = world.client_for(world.admin)
    # The email goes out once the invitation is committed.
    with capture(execute=True):
        response = client.post(reverse("accounts:members"), {"email": email, "role": role})
    assert response.status_code == 302
    # Someone who already has an account also gets an in-app notification, emailed after it.
    (message,) = [m for m in mail.outbox if m.to == [email] and "invited" in m.subject]
    link = re.search(r"http://testserver(/accounts/invitations/[^/\s]+/)", message.body)
    assert link, message.body
    return link.group(1)


def invalid_message(response) -> str:
    """What the page for an invitation that cannot be used says, under its heading."""
    page = parse(response)
    assert page.text("main h1") == "Invitation not valid"
    return page.text("main .narrow p")


def test_an_admin_invites_and_the_email_carries_a_one_time_link(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["new.person@example.test"]
    assert "Acme" in mail.outbox[-1].subject
    invitation = Invitation.objects.get(email="new.person@example.test")
    # Only a hash is stored: the raw token from the email is not in the database.
    assert path.split("/")[-2] not in invitation.token_hash


def test_a_new_person_sets_a_password_and_joins(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks)
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    assert "with the address new.person@example.test" in parse(page).text("main .narrow p")
    response = client.post(
        path, {"name": "New Person", "password1": "a-long-Passphrase-1", "password2": "a-long-Passphrase-1"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert Membership.objects.get(user=user, organisation=world.org).role == Role.REVIEWER
    assert client.get(reverse("projects:list")).status_code == 200


def test_a_used_link_is_refused(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks)
    Client().post(path, {"name": "A", "password1": "a-long-Passphrase-1", "password2": "a-long-Passphrase-1"})
    again = Client().post(path, {"name": "B", "password1": "a-long-Passphrase-2", "password2": "a-long-Passphrase-2"})
    assert again.status_code == 404
    assert "not valid any more" in invalid_message(again)
    assert User.objects.filter(email="new.person@example.test").count() == 1


def test_an_expired_link_is_refused(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(path)
    assert response.status_code == 404
    assert "not valid any more" in invalid_message(response)


def test_a_made_up_link_says_the_same_as_an_expired_one(db):
    response = Client().get("/accounts/invitations/made-up-token/")
    assert response.status_code == 404
    assert "not valid any more" in invalid_message(response)


def test_mismatched_passwords_keep_the_name_and_say_why(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks)
    response = Client().post(path, {"name": "Keep Me", "password1": "a-long-Passphrase-1", "password2": "other"})
    assert response.status_code == 400
    page = parse(response)
    assert page.form_values("main form")["name"] == "Keep Me"
    assert page.text("#id_password2_error") == "The two passwords differ."
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_someone_with_an_account_joins_a_second_organisation(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks, email="outsider@globex.test", role=Role.MEMBER)
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    client = world.client_for(world.outsider)
    assert client.post(path).status_code == 302
    assert set(world.outsider.memberships.values_list("organisation__slug", flat=True)) == {"acme", "globex"}


def test_the_link_refuses_a_different_signed_in_person(world, django_capture_on_commit_callbacks):
    path = invite(world, django_capture_on_commit_callbacks, email="outsider@globex.test")
    response = world.client_for(world.member).post(path)
    assert response.status_code == 403
    assert not Membership.objects.filter(user=world.outsider, organisation=world.org).exists()


def test_only_admins_invite(world):
    for user in (world.member, world.reviewer):
        response = world.client_for(user).post(
            reverse("accounts:members"), {"email": "x@example.test", "role": "admin"}
        )
        assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_or_a_bad_address_is_a_clear_error(world):
    client = world.client_for(world.admin)
    response = client.post(reverse("accounts:members"), {"email": "member@acme.test", "role": "member"})
    assert response.status_code == 400
    assert "already a member" in parse(response).text("#id_email_error")
    response = client.post(reverse("accounts:members"), {"email": "not-an-email", "role": "boss"})
    assert response.status_code == 400
    assert parse(response).form_values("form.row-form")["email"] == "not-an-email"
