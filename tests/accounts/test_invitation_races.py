"""Two accepts of one invitation at the same moment (a double click on "Join", the link opened in
two tabs): one account, one membership, and the second told so with a 409 instead of a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, Role, User, hash_token
from accounts.services import InvitationConflict, invitation_accept
from tests.concurrency import Holder, at_once, in_thread, require_postgresql, still_waiting
from tests.html import parse

TOKEN = "a-raw-invitation-token-for-the-race-tests"
EMAIL = "new.person@example.test"
FORM = {"name": "New Person", "password1": "a-long-Passphrase-1", "password2": "a-long-Passphrase-1"}


@pytest.fixture
def invitation(world) -> Invitation:
    return Invitation.objects.create(
        organisation=world.org,
        email=EMAIL,
        role=Role.REVIEWER,
        token_hash=hash_token(TOKEN),
        invited_by=world.admin,
        expires_at=Invitation.default_expiry(),
    )


def path() -> str:
    return reverse("accounts:invitation_accept", args=[TOKEN])


def test_an_account_opened_meanwhile_is_a_conflict_not_an_error(world, invitation):
    # Between the page's check (no account yet) and the accept, the address got an account.
    User.objects.create_user(email=EMAIL, password="x")
    with pytest.raises(InvitationConflict, match="was opened a moment ago"):
        invitation_accept(token=TOKEN, name="New Person", password="a-long-Passphrase-1")
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # still usable, once they sign in
    assert not Membership.objects.filter(user__email=EMAIL).exists()


def test_a_new_person_joins_through_the_form(world, invitation):
    response = Client().post(path(), FORM)
    assert response.status_code == 302
    assert Membership.objects.get(user__email=EMAIL, organisation=world.org).role == Role.REVIEWER


def test_two_simultaneous_accepts_make_one_account_and_answer_409(transactional_db, world, invitation):
    require_postgresql()
    # The first accept is made and held uncommitted; the second form post, which saw no account
    # and an unused invitation, must wait on the invitation's lock, then be told it was used.
    first = Holder(lambda: invitation_accept(token=TOKEN, name="New Person", password="a-long-Passphrase-1"))
    second = in_thread(lambda: Client().post(path(), FORM))
    assert still_waiting(second), "the second accept did not wait for the first"
    first.release()
    response = second.result(10)
    assert response.status_code == 409
    page = parse(response)
    assert page.text("main h1") == "Invitation not valid"
    assert "just been accepted" in page.text("main .narrow p")
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Membership.objects.filter(user__email=EMAIL, organisation=world.org).count() == 1


def test_two_form_posts_at_the_same_instant_make_one_account(transactional_db, world, invitation):
    require_postgresql()
    responses = [
        f.result(10) for f in at_once(lambda: Client().post(path(), FORM), lambda: Client().post(path(), FORM))
    ]
    codes = sorted(r.status_code for r in responses)
    # The loser either waited on the lock (409) or arrived after the commit (404: used link).
    assert codes[0] == 302 and codes[1] in (404, 409), codes
    assert User.objects.filter(email=EMAIL).count() == 1
