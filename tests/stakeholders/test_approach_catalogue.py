"""One catalogue of candidate approaches: the conflict detector checks must-haves against the same
published ApproachSet the trade-off reports filter with, so an edit in the admin changes both."""

import copy
import json

from django.urls import reverse

from approaches.models import ApproachSet
from approaches.versions import approaches_latest
from reports.inputs import compute_results
from reports.services import report_inputs
from stakeholders.models import ConflictKind, ConflictStatus, Stakeholder
from stakeholders.services import conflicts_refresh, requirement_save, stake_roles


def infeasible(proposal) -> list[list[str]]:
    """The requirement ids of each open "no approach meets these must-haves" conflict."""
    conflicts = conflicts_refresh(proposal=proposal)
    return [
        c.requirement_ids for c in conflicts if c.kind == ConflictKind.INFEASIBLE and c.status == ConflictStatus.OPEN
    ]


def filtered_out(proposal) -> dict[str, list[str]]:
    """The trade-off report's hard filter: approach key -> the requirement ids it fails."""
    results = compute_results(report_inputs(proposal=proposal), lambda percent, note: None)
    return {a["key"]: [f["requirement_id"] for f in a["failures"]] for a in results["filtered_out"]}


def test_an_approach_edit_in_the_admin_changes_the_report_filter_and_the_detector_alike(world, admin_client):
    product = next(r for r in stake_roles(organisation=world.org) if r.key == "product")
    priya = Stakeholder.objects.create(
        organisation=world.org, proposal=world.proposal, name="Priya", email="priya@acme.test", role=product
    )
    # Only the rules (no ML, 5 ms in the published file) answer within 8 ms.
    fast = requirement_save(
        stakeholder=priya,
        dimension="latency",
        data={"op": "<=", "value": 8, "unit": "ms", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    rid = str(fast.pk)
    assert infeasible(world.proposal) == []
    before = filtered_out(world.proposal)
    assert "no_ml" not in before and before["linear"] == [rid]

    # An admin records that the rules engine, measured, takes 50 ms.
    edited = copy.deepcopy(approaches_latest())
    (no_ml,) = (a for a in edited["approaches"] if a["key"] == "no_ml")
    no_ml["profile"]["latency_ms"]["value"] = 50
    url = reverse("admin:approaches_approachset_change", args=[ApproachSet.objects.get().pk])
    response = admin_client.post(url, {"definition": json.dumps(edited), "notes": "Measured: 50 ms"})
    assert response.status_code == 302
    assert ApproachSet.objects.count() == 2

    assert infeasible(world.proposal) == [[rid]]
    after = filtered_out(world.proposal)
    assert after["no_ml"] == [rid]
    assert set(after) == {a["key"] for a in edited["approaches"]}  # every approach is out now
