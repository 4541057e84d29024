"""Stale assessments: the reasons, the same rule in SQL and Python, the flags, the setting and
the weekly reminders."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, NotificationKind
from audit.models import AuditEntry
from projects.models import Proposal
from projects.staleness import (
    STALE_AGE,
    STALE_INPUTS,
    STALE_QUESTIONNAIRE,
    proposal_stale_reasons,
    stale_cutoff,
    stale_q,
    stale_reasons,
    stale_reminders_send,
)
from projects.tasks import send_stale_reminders
from tests.factories import ProposalFactory
from tests.html import parse

NOW = timezone.now()
CUTOFF = NOW - timedelta(days=180)


def reasons(**fields) -> list[str]:
    base = {"assessed_at": None, "questionnaire_outdated": False, "inputs_changed_at": None, "latest_report_at": None}
    return stale_reasons(**{**base, **fields}, cutoff=CUTOFF)


def test_each_reason():
    assert reasons(assessed_at=NOW - timedelta(days=181)) == [STALE_AGE]
    assert reasons(assessed_at=NOW - timedelta(days=179)) == []
    assert reasons(questionnaire_outdated=True) == [STALE_QUESTIONNAIRE]
    assert reasons(inputs_changed_at=NOW, latest_report_at=NOW - timedelta(hours=1)) == [STALE_INPUTS]
    assert reasons(inputs_changed_at=NOW - timedelta(hours=1), latest_report_at=NOW) == []


def test_nothing_to_go_stale_is_not_stale():
    # Never assessed, never reported on: nothing is out of date yet.
    assert reasons() == []
    assert reasons(inputs_changed_at=NOW) == []


def test_all_reasons_together_in_order():
    assert reasons(
        assessed_at=NOW - timedelta(days=400),
        questionnaire_outdated=True,
        inputs_changed_at=NOW,
        latest_report_at=NOW - timedelta(days=1),
    ) == [STALE_AGE, STALE_QUESTIONNAIRE, STALE_INPUTS]


def test_the_sql_rule_agrees_with_the_python_rule(world):
    old, recent = NOW - timedelta(days=200), NOW - timedelta(days=10)
    cases = []
    for assessed in (None, old, recent):
        for outdated in (False, True):
            for report, changed in ((None, None), (None, recent), (old, recent), (recent, old)):
                cases.append(
                    ProposalFactory(
                        organisation=world.org,
                        owner=world.owner,
                        assessed_at=assessed,
                        questionnaire_outdated=outdated,
                        latest_report_at=report,
                        inputs_changed_at=changed,
                    )
                )
    cutoff = stale_cutoff(world.org, NOW)
    in_sql = set(
        Proposal.objects.filter(pk__in=[p.pk for p in cases]).filter(stale_q(cutoff)).values_list("pk", flat=True)
    )
    in_python = {p.pk for p in cases if proposal_stale_reasons(p, cutoff)}
    assert in_sql == in_python
    assert 0 < len(in_sql) < len(cases)


def test_the_proposal_page_shows_the_flags(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(
        assessed_at=NOW - timedelta(days=365), questionnaire_outdated=True
    )
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert page.texts(".stale-flags .flag") == ["Assessment too old", "Questionnaire changed since"]
    assert not page.shows("Changed since the last report")


def test_a_fresh_proposal_page_shows_no_flags(world):
    page = parse(world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert not page.has(".stale-card")
    assert not page.shows("may be out of date")


def test_the_age_follows_the_organisations_setting(world):
    Proposal.objects.filter(pk=world.proposal.pk).update(assessed_at=NOW - timedelta(days=40))
    url = reverse("projects:detail", args=[world.proposal.pk])
    assert not parse(world.client_for(world.member).get(url)).shows("Assessment too old")
    world.org.assessment_max_age_days = 30
    world.org.save()
    assert parse(world.client_for(world.member).get(url)).texts(".stale-flags .flag") == ["Assessment too old"]


# --- the setting --------------------------------------------------------------------------------


def test_only_admins_open_the_settings(world):
    url = reverse("projects:portfolio_settings")
    assert world.client_for(world.member).get(url).status_code == 403
    assert world.client_for(world.reviewer).post(url, {"assessment_max_age_days": 5}).status_code == 403
    assert world.client_for(world.admin).get(url).status_code == 200
    world.org.refresh_from_db()
    assert world.org.assessment_max_age_days == 180


def test_an_admin_changes_the_age_and_it_is_audited(world):
    response = world.client_for(world.admin).post(
        reverse("projects:portfolio_settings"), {"assessment_max_age_days": 90}
    )
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.assessment_max_age_days == 90
    entry = AuditEntry.objects.get(organisation=world.org, action="organisation.settings")
    assert entry.actor == world.admin
    assert entry.before == {"assessment_max_age_days": 180}
    assert entry.after == {"assessment_max_age_days": 90}
    # The same value again records nothing.
    world.client_for(world.admin).post(reverse("projects:portfolio_settings"), {"assessment_max_age_days": 90})
    assert AuditEntry.objects.filter(action="organisation.settings").count() == 1


def test_bad_ages_are_refused_with_a_message(world):
    client = world.client_for(world.admin)
    for value in ["0", "-3", "3651", "abc", "", "9" * 30]:
        response = client.post(reverse("projects:portfolio_settings"), {"assessment_max_age_days": value})
        assert response.status_code == 400, value
    world.org.refresh_from_db()
    assert world.org.assessment_max_age_days == 180


def test_the_setting_is_the_admins_own_organisations(world):
    # The outsider is an admin of Globex: the page changes Globex, never Acme.
    world.client_for(world.outsider).post(reverse("projects:portfolio_settings"), {"assessment_max_age_days": 7})
    world.org.refresh_from_db()
    world.other_org.refresh_from_db()
    assert (world.org.assessment_max_age_days, world.other_org.assessment_max_age_days) == (180, 7)


# --- reminders ----------------------------------------------------------------------------------


def _stale_proposals(world):
    too_old = ProposalFactory(
        organisation=world.org,
        owner=world.owner,
        title="Old",
        assessed_at=NOW - timedelta(days=300),
        questionnaire_outdated=True,
    )
    decided = ProposalFactory(
        organisation=world.org, owner=world.member, status="approved", assessed_at=NOW - timedelta(days=300)
    )
    fresh = ProposalFactory(organisation=world.org, owner=world.member, assessed_at=NOW)
    return too_old, decided, fresh


def test_the_job_reminds_owners_once_per_proposal_and_reason_even_when_run_twice(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    too_old, _, _ = _stale_proposals(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_stale_reminders.delay().get() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert send_stale_reminders.delay().get() == 0  # a retried or doubled run
    reminders = Notification.objects.filter(kind=NotificationKind.REMINDER)
    assert sorted(reminders.values_list("user__email", "event_key")) == sorted(
        [
            ("owner@acme.test", f"stale:{too_old.pk}:age:{NOW.isocalendar()[0]}-W{NOW.isocalendar()[1]:02d}"),
            (
                "owner@acme.test",
                f"stale:{too_old.pk}:questionnaire:{NOW.isocalendar()[0]}-W{NOW.isocalendar()[1]:02d}",
            ),
        ]
    )
    assert all(n.url == reverse("projects:detail", args=[too_old.pk]) for n in reminders)
    assert len(mailoutbox) == 2


def test_decided_and_fresh_proposals_are_not_reminded(world):
    _, decided, fresh = _stale_proposals(world)
    stale_reminders_send(now=NOW)
    keys = list(Notification.objects.values_list("event_key", flat=True))
    assert not [k for k in keys if k.startswith((f"stale:{decided.pk}:", f"stale:{fresh.pk}:"))]


def test_a_reason_still_true_next_week_reminds_again(world):
    _stale_proposals(world)
    monday = (NOW - timedelta(days=NOW.weekday())).replace(hour=9)
    assert stale_reminders_send(now=monday) == 2
    assert stale_reminders_send(now=monday + timedelta(days=6)) == 0  # same ISO week (Sunday)
    assert stale_reminders_send(now=monday + timedelta(days=7)) == 2
    assert Notification.objects.count() == 4
