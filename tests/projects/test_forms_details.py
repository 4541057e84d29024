"""Forms say which field and what to do, dates read one way everywhere, a date is typed the UK way,
and every form page has a Cancel back to where the person came from."""

import datetime
import re

import pytest
from django import forms
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    EmailAuthenticationForm,
    InvitationForm,
    MembershipRoleForm,
    MLFitPasswordChangeForm,
    MLFitSetPasswordForm,
    ThrottledPasswordResetForm,
)
from projects.forms import OutcomeForm, ProposalFilterForm, ProposalForm, StalenessSettingsForm
from projects.models import Proposal
from regulation.forms import ObligationCheckForm
from tests.factories import build_scenario, computed
from tests.html import parse

# What Django says when it names nothing: none of it may reach a person.
GENERIC = {
    str(message)
    for field in [forms.Field(), forms.IntegerField(), forms.DateField(), forms.EmailField(), forms.ChoiceField()]
    for message in field.error_messages.values()
}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _request():
    request = RequestFactory().post("/")
    request.META["REMOTE_ADDR"] = "192.0.2.1"
    return request


def empty_forms(world):
    """Every form a person fills in, bound to an empty submission."""
    proposal = world.proposal
    return {
        "new proposal": ProposalForm({}, organisation=world.org),
        "edit proposal": ProposalForm({}, instance=proposal, organisation=world.org),
        "staleness settings": StalenessSettingsForm({}),
        "outcome": OutcomeForm({}),
        "invitation": InvitationForm({}, organisation=world.org),
        "accept invitation": AcceptInvitationForm({}, email="new@acme.test"),
        "member role": MembershipRoleForm({}),
        "API token": ApiTokenForm({}),
        "sign in": EmailAuthenticationForm(_request(), data={}),
        "password reset": ThrottledPasswordResetForm({}, request=_request()),
        "password change": MLFitPasswordChangeForm(world.owner, {}),
        "new password": MLFitSetPasswordForm(world.owner, {}),
    }


def test_no_form_answers_an_empty_submission_with_a_generic_message(world):
    for name, form in empty_forms(world).items():
        assert not form.is_valid(), name
        messages = [str(m) for errors in form.errors.values() for m in errors]
        assert messages, name
        generic = [m for m in messages if m in GENERIC]
        assert not generic, f"{name}: {generic}"
        # Each field's message is its own: two fields never share one wording.
        per_field = [str(errors[0]) for errors in form.errors.values()]
        assert len(per_field) == len(set(per_field)), f"{name}: {per_field}"


def test_the_proposal_form_names_the_field_and_says_what_to_do(world):
    form = ProposalForm({}, organisation=world.org)
    form.is_valid()
    assert form.errors["title"] == ["Give the proposal a title."]
    form = ProposalForm(
        {
            "title": "Route tickets",
            "problem": "Slow",
            "deadline": "the 31st of Smarch",
            "expected_volume": "lots",
            "estimated_value": "-5",
            "volume_period": "fortnight",
        },
        organisation=world.org,
    )
    assert not form.is_valid()
    assert form.errors["deadline"] == ["Enter the deadline as a date, e.g. 31 Mar 2027 or 31/03/2027."]
    assert form.errors["expected_volume"] == ["Enter the expected volume as a whole number, e.g. 1200."]
    assert form.errors["estimated_value"] == ["Enter an estimated value of 0 or more."]
    assert "volume period" in form.errors["volume_period"][0].lower()


def test_filters_refused_say_which_filter(world):
    form = ProposalFilterForm({"status": "nonsense"}, organisation=world.org)
    assert not form.is_valid()
    assert form.errors["status"] == ["Choose one of the options offered for “Status”."]
    assert not ObligationCheckForm({}).errors  # nothing in it is required


@pytest.mark.parametrize(
    "name, data",
    [
        ("create", {}),
        ("invite", {"email": "", "role": ""}),
        ("token", {"name": ""}),
        ("settings", {}),
        ("sign in", {"username": "", "password": ""}),
        ("reset", {"email": ""}),
    ],
)
def test_empty_pages_show_field_messages_in_place(world, name, data):
    urls = {
        "create": (reverse("projects:create"), world.owner, "Give the proposal a title."),
        "invite": (reverse("accounts:members"), world.admin, "Enter the email address of the person to invite."),
        "token": (reverse("accounts:api_tokens"), world.owner, "Name the token after what uses it"),
        "settings": (reverse("projects:portfolio_settings"), world.admin, "Enter after how many days"),
        "sign in": (reverse("login"), None, "Enter the email address you sign in with."),
        "reset": (reverse("password_reset"), None, "Enter the email address you sign in with: the reset"),
    }
    url, user, expected = urls[name]
    client = world.client_for(user) if user else Client()
    response = client.post(url, data)
    assert response.status_code in (200, 400), response.status_code
    page = parse(response)
    errors = page.texts(".field.has-error .error")
    assert errors, page.text()[:500]
    assert any(e.startswith(expected) for e in errors), errors
    assert "This field is required." not in page.text()


# --- dates ------------------------------------------------------------------------------------


def test_a_date_is_typed_as_it_is_shown_and_the_uk_way(world):
    client = world.client_for(world.owner)
    page = parse(client.get(reverse("projects:edit", args=[world.proposal.pk])))
    deadline = page.one("input[name=deadline]")
    assert deadline.get("type") == "text"
    assert deadline["placeholder"] == "e.g. 31 Mar 2027"
    assert "mm/dd/yyyy" not in page.text().lower()
    for typed, expected in [
        ("31 Mar 2027", datetime.date(2027, 3, 31)),
        ("1 April 2027", datetime.date(2027, 4, 1)),
        ("04/03/2027", datetime.date(2027, 3, 4)),  # 4 March, not 3 April
        ("2027-05-06", datetime.date(2027, 5, 6)),  # what a browser's own picker sends
    ]:
        form = ProposalForm(
            {**world.proposal.snapshot(), "owner": world.owner.pk, "deadline": typed, "team": ""},
            instance=world.proposal,
            organisation=world.org,
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["deadline"] == expected, typed
    Proposal.objects.filter(pk=world.proposal.pk).update(deadline=datetime.date(2027, 3, 31))
    page = parse(client.get(reverse("projects:edit", args=[world.proposal.pk])))
    assert page.one("input[name=deadline]")["value"] == "31 Mar 2027"


def test_pages_a_person_reads_show_no_iso_dates(world, questionnaire_version, memo_engine):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    Proposal.objects.filter(pk=world.proposal.pk).update(
        deadline=datetime.date(2026, 12, 4), status="in_review", submitted_at=datetime.datetime.now(datetime.UTC)
    )
    world.proposal.refresh_from_db()
    client = world.client_for(world.admin)
    pages = {
        "report": reverse("reports:detail", args=[world.proposal.pk, report.pk]),
        "review": reverse("review", args=[world.proposal.pk]),
        "assessment": reverse("assessments:home", args=[world.proposal.pk]),
        "list": reverse("projects:list"),
        "detail": reverse("projects:detail", args=[world.proposal.pk]),
        "history": reverse("projects:history", args=[world.proposal.pk]),
        "portfolio": reverse("projects:portfolio"),
        "reports": reverse("reports:list", args=[world.proposal.pk]),
        "library": reverse("report_library"),
        "members": reverse("accounts:members"),
        "tokens": reverse("accounts:api_tokens"),
    }
    for name, url in pages.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, name
        text = parse(response).text()
        assert not ISO_DATE.search(text), f"{name}: {ISO_DATE.findall(text)}"
    listed = parse(client.get(pages["list"])).table("table")
    assert listed[0]["Deadline"] == "4 Dec 2026"
    (row,) = parse(client.get(pages["library"])).table("table")
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", row["When"]), row


# --- Cancel -----------------------------------------------------------------------------------


def test_every_form_page_has_a_cancel_back_to_where_the_person_came_from(world, questionnaire_version):
    from regulation.services import screening_start

    Proposal.objects.filter(pk=world.proposal.pk).update(status="approved")
    screening_start(proposal=world.proposal, by=world.owner)
    pk = world.proposal.pk
    detail = reverse("projects:detail", args=[pk])
    pages = [
        (world.owner, reverse("projects:create"), reverse("projects:list")),
        (world.owner, reverse("projects:outcome", args=[pk]), detail),
        (world.admin, reverse("projects:portfolio_settings"), reverse("projects:portfolio")),
        (world.owner, reverse("regulation:questions", args=[pk]), reverse("regulation:result", args=[pk])),
        (world.owner, reverse("password_change"), reverse("projects:list")),
        (None, reverse("password_reset"), reverse("login")),
    ]
    for user, url, back in pages:
        client = world.client_for(user) if user else Client()
        response = client.get(url)
        assert response.status_code == 200, url
        links = parse(response).links("form .actions")
        assert ("Cancel", back) in links, f"{url}: {links}"
    Proposal.objects.filter(pk=pk).update(status="draft")
    page = parse(world.client_for(world.owner).get(reverse("projects:edit", args=[pk])))
    assert ("Cancel", detail) in page.links("form .actions")
