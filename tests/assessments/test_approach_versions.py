"""Candidate approaches as versioned data: published from the file or the admin, checked by the
engine's loader, frozen into each report so that later edits change only later reports."""

import copy
import json

import pytest
from django.urls import reverse

from approaches.models import ApproachSet
from approaches.versions import approaches_from_file, approaches_latest, approaches_publish
from reports.services import report_request
from tests.factories import build_scenario
from tests.html import parse


def test_the_file_is_published_once_and_a_change_makes_a_new_version(db):
    first = approaches_latest()
    # The file's own version (2 since profiles depend on the problem) is the first published one.
    assert ApproachSet.objects.count() == 1 and first["version"] == 2
    assert approaches_publish(definition=approaches_from_file())[1] is False
    changed = copy.deepcopy(approaches_from_file())
    changed["approaches"][0]["profile"]["latency_ms"]["value"] = 7
    version, created = approaches_publish(definition=changed, notes="Measured on our rules engine")
    assert created and version.version == 3
    assert approaches_latest()["approaches"][0]["profile"]["latency_ms"]["value"] == 7


def test_a_broken_profile_is_refused_naming_the_key(db):
    broken = copy.deepcopy(approaches_from_file())
    del broken["approaches"][0]["profile"]["latency_ms"]
    with pytest.raises(ValueError, match="latency_ms"):
        approaches_publish(definition=broken)
    assert not ApproachSet.objects.exists()


def test_reports_keep_the_version_they_were_computed_with(world, questionnaire_version):
    build_scenario(world)
    report, _ = report_request(proposal=world.proposal, by=world.owner)
    assert report.inputs["approaches"]["version"] == 2
    changed = copy.deepcopy(approaches_from_file())
    changed["approaches"][0]["profile"]["cost_per_month"]["value"] = 1
    approaches_publish(definition=changed)
    report.refresh_from_db()
    assert report.inputs["approaches"]["version"] == 2
    newer, created = report_request(proposal=world.proposal, by=world.owner)
    assert created and newer.inputs["approaches"]["version"] == 3


def test_the_admin_publishes_an_edit_as_a_new_version(admin_client):
    latest = approaches_latest()
    edited = copy.deepcopy(latest)
    edited["approaches"][0]["profile"]["size_mb"]["value"] = 3
    url = reverse("admin:approaches_approachset_change", args=[ApproachSet.objects.get().pk])
    response = admin_client.post(url, {"definition": json.dumps(edited), "notes": "Smaller build"})
    assert response.status_code == 302
    assert list(ApproachSet.objects.values_list("version", flat=True)) == [3, 2]
    bad = admin_client.post(url, {"definition": json.dumps({"version": 1, "approaches": "x"}), "notes": ""})
    assert bad.status_code == 200 and "Not a valid set of approaches" in " ".join(parse(bad).texts(".errorlist"))
    assert ApproachSet.objects.count() == 2
