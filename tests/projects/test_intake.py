"""Proposal intake: create, edit with the version check, autosaved drafts, archive."""

from django.urls import reverse
from django.utils import timezone

from projects.models import Proposal, ProposalDraft, ProposalRevision
from tests.html import parse


def form_data(**overrides) -> dict:
    data = {
        "title": "Flag suspicious refunds",
        "problem": "Refund fraud costs 400k a year.",
        "decision": "Send a refund to manual review.",
        "business_objective": "Cut losses",
        "success_metric": "Fraud caught per review hour",
        "success_target": "Twice today's rate",
        "baseline_description": "Random 5% sample",
        "baseline_performance": "20% of fraud caught",
        "intended_users": "Risk team",
        "data_sources": "Three years of refunds",
        "expected_volume": "30000",
        "volume_period": "day",
        "deadline": "2027-03-01",
        "team": "",
        "owner": "",
        "visibility": "organisation",
    }
    data.update(overrides)
    return data


def test_it_creates_a_proposal_owned_by_its_author(world):
    response = world.client_for(world.member).post(reverse("projects:create"), form_data())
    proposal = Proposal.objects.get(title="Flag suspicious refunds")
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[proposal.pk])
    assert proposal.organisation == world.org
    assert proposal.owner == world.member
    assert proposal.expected_volume == 30000
    assert proposal.version == 1
    assert ProposalRevision.objects.filter(proposal=proposal, version=1).exists()


def test_it_keeps_every_value_and_shows_the_message_beside_the_field(world):
    response = world.client_for(world.member).post(
        reverse("projects:create"), form_data(title="", expected_volume="lots")
    )
    assert response.status_code == 400
    page = parse(response)
    kept = page.form_values("form#proposal-form")
    assert (kept["problem"], kept["expected_volume"]) == ("Refund fraud costs 400k a year.", "lots")
    # Each message beside its field, and the field pointing at it.
    for field in ("title", "expected_volume"):
        assert page.text(f"#id_{field}_error")
        assert f"id_{field}_error" in page.one(f"#id_{field}")["aria-describedby"].split()
    assert not Proposal.objects.filter(problem="Refund fraud costs 400k a year.").exists()
    # And it survives the tab being closed: the draft holds what was typed.
    draft = ProposalDraft.objects.get(user=world.member, proposal=None)
    assert draft.data["expected_volume"] == "lots"


def test_it_refuses_oversized_fields_without_saving(world):
    response = world.client_for(world.member).post(reverse("projects:create"), form_data(title="x" * 201))
    assert response.status_code == 400
    assert "at most 200 characters" in parse(response).text("#id_title_error")
    assert not Proposal.objects.filter(problem="Refund fraud costs 400k a year.").exists()


def test_it_refuses_a_team_or_owner_from_another_organisation(world):
    from tests.factories import TeamFactory

    foreign_team = TeamFactory(organisation=world.other_org)
    response = world.client_for(world.member).post(
        reverse("projects:create"), form_data(team=str(foreign_team.pk), owner=str(world.outsider.pk))
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "team" in errors and "owner" in errors


def test_autosave_keeps_unvalidated_text_and_the_form_restores_it(world):
    client = world.client_for(world.member)
    response = client.post(
        reverse("projects:autosave_new"), {"title": "Half a tho", "expected_volume": "12x"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert parse(response).text().startswith("Draft saved at ")
    page = parse(client.get(reverse("projects:create")))
    assert page.form_values("form#proposal-form")["title"] == "Half a tho"
    assert "restored what you typed" in page.text("main .alert.info")


def test_autosave_ignores_fields_that_are_not_in_the_form(world):
    client = world.client_for(world.member)
    client.post(reverse("projects:autosave_new"), {"title": "t", "organisation": "2", "status": "approved"})
    assert ProposalDraft.objects.get(user=world.member).data == {"title": "t"}


def test_discarding_a_draft_clears_it(world):
    client = world.client_for(world.member)
    client.post(reverse("projects:autosave_new"), {"title": "t"})
    client.post(reverse("projects:discard_new"))
    assert not ProposalDraft.objects.filter(user=world.member).exists()


def test_an_edit_with_the_current_version_saves_and_bumps_it(world):
    p = world.proposal
    response = world.client_for(world.owner).post(
        reverse("projects:edit", args=[p.pk]), form_data(version="1", owner=str(world.owner.pk))
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.version == 2
    assert p.title == "Flag suspicious refunds"
    assert ProposalRevision.objects.filter(proposal=p).count() == 2


def test_a_stale_save_is_refused_and_shows_what_changed(world):
    p = world.proposal
    admin = world.client_for(world.admin)
    owner = world.client_for(world.owner)
    # Both opened version 1; the admin saves first.
    admin.post(
        reverse("projects:edit", args=[p.pk]),
        form_data(title="Renamed by admin", problem=p.problem, version="1", owner=str(world.owner.pk)),
    )
    response = owner.post(
        reverse("projects:edit", args=[p.pk]),
        form_data(title=p.title, problem="The owner's new wording", version="1", owner=str(world.owner.pk)),
    )
    assert response.status_code == 409
    page = parse(response)
    assert page.text("#conflict-title") == "Someone else saved this proposal while you were editing"
    changes = {row["Field"]: row for row in page.table("section.conflict table")}
    assert "Renamed by admin" in [row["Saved by the other person"] for row in changes.values()]
    # The owner's text is still in the form.
    assert page.form_values("form#proposal-form")["problem"] == "The owner's new wording"
    changed = [c.field for c in response.context["conflict"].changes]
    assert "title" in changed
    assert "expected_volume" in changed  # form_data changed it too
    p.refresh_from_db()
    assert p.title == "Renamed by admin"
    assert p.version == 2


def test_after_a_conflict_saving_again_overwrites_knowingly(world):
    p = world.proposal
    world.client_for(world.admin).post(
        reverse("projects:edit", args=[p.pk]), form_data(title="Admin", version="1", owner=str(world.owner.pk))
    )
    owner = world.client_for(world.owner)
    conflict = owner.post(
        reverse("projects:edit", args=[p.pk]), form_data(title="Owner", version="1", owner=str(world.owner.pk))
    )
    assert conflict.status_code == 409
    # The conflict page carries the current version; submitting it again is a deliberate overwrite.
    response = owner.post(
        reverse("projects:edit", args=[p.pk]), form_data(title="Owner", version="2", owner=str(world.owner.pk))
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.title, p.version) == ("Owner", 3)


def test_archive_hides_it_from_the_default_list_and_restore_brings_it_back(world):
    owner = world.client_for(world.owner)
    owner.post(reverse("projects:archive", args=[world.proposal.pk]))
    world.proposal.refresh_from_db()
    assert world.proposal.status == "archived"
    assert not parse(owner.get(reverse("projects:list"))).shows("Route support tickets")
    archived = parse(owner.get(reverse("projects:list") + "?status=archived")).table("#results table")
    assert [row["Title"] for row in archived] == ["Route support tickets"]
    owner.post(reverse("projects:archive", args=[world.proposal.pk]))
    world.proposal.refresh_from_db()
    assert world.proposal.status == "draft"


def test_archive_needs_a_post(world):
    assert world.client_for(world.owner).get(reverse("projects:archive", args=[world.proposal.pk])).status_code == 405


def test_a_post_without_csrf_token_is_refused_with_403(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post(reverse("projects:create"), form_data())
    assert response.status_code == 403
    assert parse(response).text("main h1") == "This form has expired"


def test_a_restored_draft_keeps_the_version_it_started_from(world):
    """Autosave after someone else's save, then reload: the save must still be refused."""
    p = world.proposal
    admin = world.client_for(world.admin)
    world.client_for(world.owner).post(
        reverse("projects:edit", args=[p.pk]), form_data(title="Owner's title", version="1", owner=str(world.owner.pk))
    )
    # The admin opened version 1 and keeps typing; autosave carries the version of the open form.
    admin.post(reverse("projects:autosave", args=[p.pk]), form_data(title="Admin typing", version="1"))
    page = admin.get(reverse("projects:edit", args=[p.pk]))
    assert page.context["form"]["version"].value() == 1
    response = admin.post(
        reverse("projects:edit", args=[p.pk]), form_data(title="Admin typing", version="1", owner=str(world.owner.pk))
    )
    assert response.status_code == 409
    p.refresh_from_db()
    assert p.title == "Owner's title"


def test_the_conflict_table_names_teams_and_owners(world):
    from tests.factories import TeamFactory

    p = world.proposal
    team = TeamFactory(organisation=world.org, name="Data science")
    other_team = TeamFactory(organisation=world.org, name="Support")
    world.client_for(world.admin).post(
        reverse("projects:edit", args=[p.pk]),
        form_data(version="1", team=str(other_team.pk), owner=str(world.owner.pk)),
    )
    response = world.client_for(world.owner).post(
        reverse("projects:edit", args=[p.pk]), form_data(version="1", team=str(team.pk), owner=str(world.owner.pk))
    )
    team_change = next(c for c in response.context["conflict"].changes if c.field == "team")
    assert (str(team_change.theirs), team_change.yours) == ("Support", "Data science")


def test_a_late_autosave_after_saving_does_not_bring_the_draft_back(world):
    client = world.client_for(world.member)
    client.post(reverse("projects:create"), form_data(draft_key="k1"))
    client.post(reverse("projects:autosave_new"), form_data(draft_key="k1"))
    assert not ProposalDraft.objects.filter(user=world.member).exists()
    # A fresh form gets a fresh key, and its autosaves are kept.
    client.post(reverse("projects:autosave_new"), form_data(title="Next idea", draft_key="k2"))
    assert ProposalDraft.objects.get(user=world.member).data["title"] == "Next idea"


def test_a_draft_identical_to_the_saved_proposal_is_not_offered(world):
    p = world.proposal
    owner = world.client_for(world.owner)
    owner.post(
        reverse("projects:autosave", args=[p.pk]),
        {
            "title": p.title,
            "problem": p.problem,
            "version": "1",
            "volume_period": "day",
            "owner": str(world.owner.pk),
            "visibility": "organisation",
        },
    )
    page = owner.get(reverse("projects:edit", args=[p.pk]))
    assert page.context["draft"] is None
    assert not ProposalDraft.objects.exists()


def test_a_long_report_headline_is_cut_after_a_whole_word(world):
    from projects.services import proposal_set_latest_report

    words = "approach " * 200  # 1,800 characters
    proposal_set_latest_report(
        proposal_id=world.proposal.pk,
        report_id=7,
        headline=words,
        none_feasible=False,
        gist={},
        finished_at=timezone.now(),
    )
    world.proposal.refresh_from_db()
    kept = world.proposal.latest_report_headline
    assert len(kept) <= 1000 and kept.endswith("approach…")
