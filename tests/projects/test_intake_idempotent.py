""" "New proposal" is idempotent per form: the form's one-time key is kept with the proposal, so
the same form sent twice (a double click, a resend) makes one proposal and the second sending
lands on it; on PostgreSQL even when both sendings are in flight at once."""

import uuid

from django.urls import reverse

from projects.models import Proposal
from projects.services import proposal_create
from tests.concurrency import Holder, in_thread, require_postgresql, still_waiting
from tests.html import parse
from tests.projects.test_intake import form_data


def titled(title="Flag suspicious refunds"):
    return Proposal.objects.filter(title=title)


def test_the_same_form_sent_twice_makes_one_proposal_and_lands_on_it(world):
    client = world.client_for(world.member)
    key = uuid.uuid4().hex
    first = client.post(reverse("projects:create"), form_data(draft_key=key))
    again = client.post(reverse("projects:create"), form_data(draft_key=key), follow=True)
    proposal = titled().get()
    assert first["Location"] == reverse("projects:detail", args=[proposal.pk])
    assert again.redirect_chain[-1][0] == reverse("projects:detail", args=[proposal.pk])
    assert "was sent twice" in parse(again).text("ul.messages")
    assert proposal.submission_key == key


def test_two_renderings_of_the_form_make_two_proposals(world):
    client = world.client_for(world.member)
    client.post(reverse("projects:create"), form_data(draft_key=uuid.uuid4().hex))
    client.post(reverse("projects:create"), form_data(draft_key=uuid.uuid4().hex))
    assert titled().count() == 2


def test_a_form_that_was_refused_can_be_corrected_and_sent_with_its_key(world):
    client = world.client_for(world.member)
    key = uuid.uuid4().hex
    assert client.post(reverse("projects:create"), form_data(title="", draft_key=key)).status_code == 400
    assert client.post(reverse("projects:create"), form_data(draft_key=key)).status_code == 302
    assert titled().count() == 1


def test_another_persons_key_finds_nothing_of_theirs(world):
    key = uuid.uuid4().hex
    world.client_for(world.member).post(reverse("projects:create"), form_data(draft_key=key))
    response = world.client_for(world.owner).post(reverse("projects:create"), form_data(draft_key=key))
    assert titled().count() == 2
    assert titled().get(created_by=world.owner).pk == int(response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_key_that_is_not_the_forms_is_ignored(world):
    client = world.client_for(world.member)
    client.post(reverse("projects:create"), form_data(draft_key="k1"))
    client.post(reverse("projects:create"), form_data(draft_key="k1"))
    assert list(titled().values_list("submission_key", flat=True)) == ["", ""]


def test_two_sendings_in_flight_at_once_make_one_proposal(transactional_db, world):
    require_postgresql()
    key = uuid.uuid4().hex
    # The first sending's proposal is made and held uncommitted: the second's look-up cannot see
    # it, so it reaches the INSERT, waits on the unique (author, key), and lands on the first.
    first = Holder(
        lambda: proposal_create(
            organisation=world.org, data={"title": "Flag suspicious refunds"}, by=world.member, submission_key=key
        )
    )
    client = world.client_for(world.member)
    second = in_thread(lambda: client.post(reverse("projects:create"), form_data(draft_key=key)))
    assert still_waiting(second), "the second sending did not wait for the first"
    made = first.release()
    response = second.result(10)
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[made.pk])
    assert titled().count() == 1
