"""The audit trail: every kind of change leaves an entry with who, when, before and after; the
history page and exports show it; nothing in the app edits or deletes an entry."""

import csv
import io
import json

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from projects.models import Visibility
from projects.services import proposal_grant_access, proposal_update
from questionnaires.services import answers_save
from questionnaires.versions import engine_questionnaire, latest_version, sync_from_files
from stakeholders.models import Conflict, ConflictStatus
from stakeholders.services import (
    conflict_reopen,
    conflict_resolve,
    requirement_delete,
    requirement_save,
    requirements_set_weights,
    stake_roles,
    stakeholder_add,
)
from suitability.services import assessment_start
from tests.html import parse
from tests.projects.test_intake import form_data


def link(stakeholder, raw):
    return f"http://testserver/requirements/{raw}/"


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def update(world, **changes):
    data = {**world.proposal.snapshot(), **changes}
    data["team"] = None
    data["owner"] = world.proposal.owner
    return proposal_update(proposal=world.proposal, data=data, expected_version=world.proposal.version, by=world.owner)


def test_creating_a_proposal_through_the_page_is_recorded(world):
    response = world.client_for(world.member).post(reverse("projects:create"), form_data(title="Churn"))
    assert response.status_code == 302
    (entry,) = entries("proposal.created")
    assert entry.actor == world.member and entry.after["title"] == "Churn" and entry.before is None


def test_an_edit_records_only_the_fields_that_changed(world):
    update(world, title="Route tickets by topic")
    (entry,) = entries("proposal.updated")
    assert entry.before == {"title": "Route support tickets"}
    assert entry.after == {"title": "Route tickets by topic"}
    assert entry.actor == world.owner and entry.proposal == world.proposal


def test_sharing_changes_are_their_own_entries(world):
    update(world, visibility=Visibility.PRIVATE)
    (entry,) = entries("sharing.changed")
    assert entry.before == {"visibility": "organisation"} and entry.after == {"visibility": "private"}
    assert not entries("proposal.updated")
    proposal_grant_access(proposal=world.proposal, user=world.member, by=world.owner)
    proposal_grant_access(proposal=world.proposal, user=world.member, by=world.owner)  # no change, no entry
    assert len(entries("sharing.reader_added")) == 1


def test_answers_record_the_value_before_and_after(world):
    sync_from_files()
    assessment = assessment_start(proposal=world.proposal, by=world.owner)
    questionnaire = engine_questionnaire(latest_version())
    answers_save(assessment=assessment, questionnaire=questionnaire, raw={"answer_is_stored": "no"}, by=world.owner)
    answers_save(assessment=assessment, questionnaire=questionnaire, raw={"answer_is_stored": "yes"}, by=world.owner)
    first, second = entries("answers.saved")
    assert (first.before, first.after) == ({"answer_is_stored": None}, {"answer_is_stored": "no"})
    assert (second.before, second.after) == ({"answer_is_stored": "no"}, {"answer_is_stored": "yes"})


@pytest.fixture
def stakeholders(world):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    product = stakeholder_add(
        proposal=world.proposal, role=roles["product"], by=world.owner, link_url=link, name="Pat", email="pat@x.test"
    )
    engineer = stakeholder_add(
        proposal=world.proposal, role=roles["ml_engineering"], by=world.owner, link_url=link, user=world.member
    )
    return product, engineer


def test_stakeholders_and_requirements_are_recorded(world, stakeholders):
    product, _ = stakeholders
    assert [e.after["name"] for e in entries("stakeholder.added")] == ["Pat", str(world.member)]
    requirement = requirement_save(
        stakeholder=product,
        dimension="latency",
        data={"op": "<=", "value": 200, "unit": "ms", "must_have": False, "weight": 3, "metric": ""},
        by=world.owner,
    )
    (saved,) = entries("requirement.saved")
    assert saved.before == {} and saved.after["latency"]["value"] == 200
    requirements_set_weights(stakeholder=product, weights={"latency": 5}, by=world.owner)
    (weighted,) = entries("requirements.weighted")
    assert weighted.before["latency"]["weight"] == 3 and weighted.after["latency"]["weight"] == 5
    requirement_delete(requirement=requirement, by=world.owner)
    (deleted,) = entries("requirement.deleted")
    assert "latency" in deleted.before and deleted.after == {}


def test_conflict_decisions_are_recorded(world, stakeholders):
    product, engineer = stakeholders
    for stakeholder, where in [(product, "phone"), (engineer, "server")]:
        requirement_save(
            stakeholder=stakeholder,
            dimension="deployment",
            data={"op": "==", "value": where, "unit": "", "must_have": True, "weight": 5, "metric": ""},
            by=world.owner,
        )
    conflict = Conflict.objects.filter(status=ConflictStatus.OPEN).first()
    conflict_resolve(conflict=conflict, decision="Server first", rationale="Phones later", by=world.owner)
    conflict_reopen(conflict=conflict, rationale="Phones are needed now", by=world.admin)
    (resolved,) = entries("conflict.resolved")
    assert resolved.after["decision"] == "Server first" and resolved.before["status"] == "open"
    (reopened,) = entries("conflict.reopened")
    assert reopened.actor == world.admin and reopened.reason == "Phones are needed now"


def test_the_history_page_shows_entries_and_exports_them(world):
    update(world, title="Route tickets by topic")
    client = world.client_for(world.member)
    page = client.get(reverse("projects:history", args=[world.proposal.pk]))
    assert any(
        entry["What"] == "Proposal edited"
        and "Title Route support tickets → Route tickets by topic" in entry["Changes"]
        for entry in parse(page).table("#audit")
    )
    as_csv = client.get(reverse("projects:history", args=[world.proposal.pk]), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(as_csv.streaming_content).decode())))
    assert rows[-1]["action"] == "proposal.updated" and json.loads(rows[-1]["after"]) == {
        "title": "Route tickets by topic"
    }
    as_json = client.get(reverse("projects:history", args=[world.proposal.pk]), {"format": "json"})
    data = json.loads(b"".join(as_json.streaming_content))
    assert data[-1]["before"] == {"title": "Route support tickets"}
    assert client.get(reverse("projects:history", args=[world.proposal.pk]), {"format": "xml"}).status_code == 400


def test_outsiders_get_404_and_the_organisation_export_is_for_admins(world):
    update(world, title="Secret plan")
    outsider = world.client_for(world.outsider)
    assert outsider.get(reverse("projects:history", args=[world.proposal.pk])).status_code == 404
    assert world.client_for(world.reviewer).get(reverse("projects:audit_export")).status_code == 403
    export = world.client_for(world.admin).get(reverse("projects:audit_export"))
    assert b"Secret plan" in b"".join(export.streaming_content)
    other = outsider.get(reverse("projects:audit_export"))
    assert b"Secret plan" not in b"".join(other.streaming_content)


def test_an_entry_cannot_be_changed_once_written(world):
    update(world, title="Changed")
    entry = AuditEntry.objects.get(action="proposal.updated")
    entry.after = {"title": "Forged"}
    with pytest.raises(ValueError):
        entry.save()
    request = RequestFactory().get("/")
    request.user = world.admin
    admin = site._registry[AuditEntry]
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)
    assert not admin.has_add_permission(request)


def test_the_audit_pages_only_read(world):
    update(world, title="Changed")
    before = list(AuditEntry.objects.values())
    client = world.client_for(world.admin)
    for url in [reverse("projects:history", args=[world.proposal.pk]), reverse("projects:audit_export")]:
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code == 405
    assert list(AuditEntry.objects.values()) == before


def test_the_csv_export_defuses_text_a_spreadsheet_would_run(world):
    update(world, title='=HYPERLINK("http://evil.example")')
    export = world.client_for(world.admin).get(reverse("projects:audit_export"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    labels = [row["object_label"] for row in rows if row["action"] == "proposal.updated"]
    assert labels == ['\'=HYPERLINK("http://evil.example")']
