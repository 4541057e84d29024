"""Stakeholders of a proposal: adding and inviting, the matrix, inline edits, conflicts, tenancy."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from questionnaires.versions import sync_from_files
from stakeholders.models import Conflict, ConflictStatus, Requirement, Stakeholder
from stakeholders.services import requirement_save, stakeholder_add
from tests.conftest import session_queries
from tests.html import parse
from tests.stakeholders.conftest import link


def test_the_owner_adds_an_outside_stakeholder_who_gets_a_link(world, roles, django_capture_on_commit_callbacks):
    client = world.client_for(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stakeholders:list", args=[world.proposal.pk]),
            {"name": "Lee Legal", "email": "lee@law.test", "role": roles["legal"].pk, "member": ""},
        )
    assert response.status_code == 302
    stakeholder = Stakeholder.objects.get(email="lee@law.test")
    assert stakeholder.role == roles["legal"]
    assert mail.outbox[-1].to == ["lee@law.test"]
    assert re.search(r"/requirements/[\w-]+/", mail.outbox[-1].body)


def test_adding_needs_a_member_or_a_name_and_email(world, roles):
    client = world.client_for(world.owner)
    response = client.post(
        reverse("stakeholders:list", args=[world.proposal.pk]), {"name": "No Email", "role": roles["legal"].pk}
    )
    assert response.status_code == 400
    assert parse(response).form_values("section[aria-labelledby=add-title] form")["name"] == "No Email"
    assert not Stakeholder.objects.exists()


def test_the_same_person_cannot_be_added_twice(world, roles, product):
    client = world.client_for(world.owner)
    response = client.post(
        reverse("stakeholders:list", args=[world.proposal.pk]),
        {"name": "Pat Again", "email": "PAT@example.test", "role": roles["legal"].pk},
    )
    assert response.status_code == 400
    assert "already a stakeholder" in parse(response).text("section[aria-labelledby=add-title] form")


def test_a_member_of_another_organisation_cannot_be_picked(world, roles):
    client = world.client_for(world.owner)
    response = client.post(
        reverse("stakeholders:list", args=[world.proposal.pk]), {"member": world.outsider.pk, "role": roles["legal"].pk}
    )
    assert response.status_code == 400
    assert not Stakeholder.objects.exists()


def test_only_the_owner_or_an_admin_adds_stakeholders(world, roles):
    response = world.client_for(world.member).post(
        reverse("stakeholders:list", args=[world.proposal.pk]),
        {"name": "X", "email": "x@example.test", "role": roles["legal"].pk},
    )
    assert response.status_code == 403


def cell_url(world, stakeholder, dimension):
    return reverse("stakeholders:cell", args=[world.proposal.pk, stakeholder.pk, dimension])


def test_an_inline_edit_saves_a_requirement_in_canonical_units(world, product):
    client = world.client_for(world.owner)
    response = client.post(
        cell_url(world, product, "latency"),
        {"op": "<=", "value": "0.1", "unit": "s", "must_have": "on", "weight": "5"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "conflicts-changed"
    requirement = Requirement.objects.get(stakeholder=product, dimension="latency")
    assert (requirement.op, requirement.value, requirement.unit, requirement.must_have) == ("<=", 100.0, "ms", True)


@pytest.mark.parametrize(
    ("dimension", "data", "message"),
    [
        ("latency", {"op": "<=", "value": "-5", "unit": "ms"}, "must be above 0"),
        ("quality", {"op": ">=", "value": "1.2", "unit": "", "metric": "precision"}, "at most 1"),
        ("latency", {"op": "<=", "value": "100", "unit": "kg"}, "not 'kg'"),
        ("cost", {"op": "<=", "value": "lots", "unit": "per_month"}, "needs a number"),
        ("deployment", {"op": "==", "value": "moon", "unit": ""}, "choose one of"),
    ],
)
def test_impossible_values_and_wrong_units_are_refused_beside_the_field(world, product, dimension, data, message):
    client = world.client_for(world.owner)
    response = client.post(cell_url(world, product, dimension), {"weight": "3", **data}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    page = parse(response)
    cell = f"td#cell-{product.pk}-{dimension}"
    assert message in page.text(f"{cell} [role=alert]")  # beside the field
    if dimension != "deployment":  # a select cannot show an option it does not have
        assert page.form_values(f"{cell} form")["value"] == data["value"]  # what was typed is kept
    assert not Requirement.objects.exists()


def test_a_stakeholder_member_edits_their_own_cells_but_not_others(world, product, engineer):
    client = world.client_for(world.member)  # the engineer
    ok = client.post(cell_url(world, engineer, "quality"), {"op": ">=", "value": "0.9", "unit": "", "weight": "3"})
    assert ok.status_code == 302
    refused = client.post(cell_url(world, product, "quality"), {"op": ">=", "value": "0.9", "unit": "", "weight": "3"})
    assert refused.status_code == 403


def test_conflicts_are_detected_shown_and_resolved_with_history(world, product, engineer):
    requirement_save(
        stakeholder=product,
        dimension="deployment",
        data={"op": "==", "value": "phone", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    requirement_save(
        stakeholder=engineer,
        dimension="deployment",
        data={"op": "==", "value": "server", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    conflict = Conflict.objects.get(proposal=world.proposal, status=ConflictStatus.OPEN, kind="contradictory_targets")
    world.proposal.refresh_from_db()
    assert world.proposal.open_conflicts >= 1
    page = parse(world.client_for(world.reviewer).get(reverse("stakeholders:list", args=[world.proposal.pk])))
    assert conflict.title in page.texts("#conflicts li.conflict strong")
    detail = parse(world.client_for(world.reviewer).get(reverse("projects:detail", args=[world.proposal.pk])))
    assert "open conflict" in detail.text("section[aria-labelledby=stakeholders-title] .badge")
    url = reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk])
    assert world.client_for(world.reviewer).post(url, {"decision": "x", "rationale": "y"}).status_code == 403
    response = world.client_for(world.owner).post(
        url, {"decision": "Ship on the server first", "rationale": "Phones later"}
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    assert [e.action for e in conflict.events.all()] == ["detected", "resolved"]
    # Detected again after an unrelated edit: the decision stays.
    requirement_save(
        stakeholder=product,
        dimension="latency",
        data={"op": "<=", "value": 500.0, "unit": "ms", "must_have": False, "weight": 2, "metric": ""},
        by=world.owner,
    )
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED


def test_a_resolution_needs_a_decision_and_a_rationale(world, product, engineer):
    requirement_save(
        stakeholder=product,
        dimension="deployment",
        data={"op": "==", "value": "phone", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    requirement_save(
        stakeholder=engineer,
        dimension="deployment",
        data={"op": "==", "value": "server", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    conflict = Conflict.objects.filter(proposal=world.proposal).first()
    url = reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk])
    response = world.client_for(world.owner).post(url, {"decision": "", "rationale": "because"})
    assert response.status_code == 400
    assert parse(response).form_values("main form[novalidate]")["rationale"] == "because"


def test_the_matrix_query_count_does_not_grow_with_stakeholders(world, roles, django_assert_num_queries):
    client = world.client_for(world.owner)
    client.get(reverse("stakeholders:list", args=[world.proposal.pk]))
    for i in range(6):
        s = stakeholder_add(
            proposal=world.proposal,
            role=roles["product"],
            by=world.owner,
            link_url=link,
            name=f"S{i}",
            email=f"s{i}@x.test",
        )
        requirement_save(
            stakeholder=s,
            dimension="latency",
            data={"op": "<=", "value": 100.0 * (i + 1), "unit": "ms", "must_have": False, "weight": 3, "metric": ""},
            by=world.owner,
        )
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the proposal (tenancy), 3: the stakeholders with user and role, 4: their requirements,
    # 5: their objectives, 6: the organisation's roles (the add form), 7: the members (the add
    # form's people), 8: the conflicts.
    with django_assert_num_queries(session_queries() + 8):
        assert client.get(reverse("stakeholders:list", args=[world.proposal.pk])).status_code == 200


class TestTheRequirementsLink:
    @pytest.fixture(autouse=True)
    def questionnaires(self, db):
        sync_from_files()

    def raw_link(self, world, stakeholder):
        from stakeholders.services import stakeholder_invite

        captured = {}

        def url(s, raw):
            captured["raw"] = raw
            return raw

        stakeholder_invite(stakeholder=stakeholder, by=world.owner, link_url=url)
        return f"/requirements/{captured['raw']}/"

    def test_an_outside_stakeholder_states_requirements_without_an_account(self, world, product):
        path = self.raw_link(world, product)
        client = Client()
        assert client.get(path).status_code == 200
        answers = {
            "latency_priority": "must",
            "latency_target": "100",
            "quality_priority": "none",
            "throughput_priority": "none",
            "cost_priority": "none",
            "time_to_release_priority": "none",
            "interpretability_priority": "none",
            "fairness_priority": "none",
            "freshness_priority": "none",
            "deployment_priority": "none",
            "model_size_priority": "none",
            "privacy_priority": "none",
        }
        response = client.post(path, {"_shown": list(answers), **answers, "action": "submit"})
        assert response.status_code == 200, response.content.decode()[:2000]
        assert parse(response).text("main h1") == f"Thank you, {product.name}"
        requirement = Requirement.objects.get(stakeholder=product)
        assert (requirement.dimension, requirement.value, requirement.must_have) == ("latency", 100, True)
        # The link is used up.
        again = Client().get(path)
        assert again.status_code == 404
        assert parse(again).text("main h1") == "This link cannot be used"

    def test_a_made_up_or_expired_link_is_refused_the_same_way(self, world, product):
        from datetime import timedelta

        from django.utils import timezone

        path = self.raw_link(world, product)
        Stakeholder.objects.update(token_expires_at=timezone.now() - timedelta(seconds=1))
        expired = Client().get(path)
        made_up = Client().get("/requirements/not-a-real-token/")
        assert expired.status_code == made_up.status_code == 404

        # Identical pages but for the per-response CSRF token: nothing tells the two apart.
        def page(response):
            return re.sub(r'"X-CSRFToken": "[^"]+"', "", response.content.decode())

        assert page(expired) == page(made_up)

    def test_a_member_of_another_organisation_cannot_use_someone_elses_link(self, world, product):
        path = self.raw_link(world, product)
        response = world.client_for(world.outsider).get(path)
        assert response.status_code == 404
        assert not parse(response).shows("Pat Product")


@pytest.mark.parametrize("name", ["list", "detail", "cell", "conflict", "questionnaire", "resend", "conflicts_panel"])
def test_outsiders_get_404_everywhere(world, product, name):
    sync_from_files()
    requirement_save(
        stakeholder=product,
        dimension="deployment",
        data={"op": "==", "value": "phone", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    conflict = Conflict.objects.create(
        organisation=world.org,
        proposal=world.proposal,
        fingerprint="f",
        kind="contradictory_targets",
        severity="high",
        title="t",
        explanation="e",
    )
    p, s = world.proposal.pk, product.pk
    url = {
        "list": reverse("stakeholders:list", args=[p]),
        "detail": reverse("stakeholders:detail", args=[p, s]),
        "cell": reverse("stakeholders:cell", args=[p, s, "latency"]),
        "conflict": reverse("stakeholders:conflict", args=[p, conflict.pk]),
        "questionnaire": reverse("stakeholder_questionnaire", args=[p, s]),
        "resend": reverse("stakeholders:resend", args=[p, s]),
        "conflicts_panel": reverse("stakeholders:conflicts_panel", args=[p]),
    }[name]
    outsider = world.client_for(world.outsider)
    assert outsider.get(url).status_code in (404, 405)
    assert (
        outsider.post(
            url, {"decision": "d", "rationale": "r", "op": "<=", "value": "1", "unit": "ms", "weight": 3}
        ).status_code
        == 404
    )
    member = world.client_for(world.member)
    if name in {"cell", "questionnaire", "resend"}:
        assert member.post(url, {"op": "<=", "value": "1", "unit": "ms", "weight": 3}).status_code == 403


def test_pairwise_comparison_computes_weights_warns_on_inconsistency_and_applies(world, product):
    for dimension, value, unit in [("latency", 100.0, "ms"), ("cost", 5000.0, "per_month"), ("model_size", 50.0, "MB")]:
        requirement_save(
            stakeholder=product,
            dimension=dimension,
            data={"op": "<=", "value": value, "unit": unit, "must_have": False, "weight": 3, "metric": ""},
            by=world.owner,
        )
    url = reverse("stakeholders:compare", args=[world.proposal.pk, product.pk])
    client = world.client_for(world.owner)
    # cost > latency > model_size > cost: a cycle, strongly.
    cycle = {"cost__latency": "9", "cost__model_size": "1/9", "latency__model_size": "9"}
    page = parse(client.post(url, {**cycle, "action": "compute"}))
    assert "some comparisons contradict each other" in page.text("p.alert.error")
    consistent = {"cost__latency": "3", "cost__model_size": "9", "latency__model_size": "3"}
    page = parse(client.post(url, {**consistent, "action": "compute"}))
    assert "the comparisons hang together" in page.text("p.alert.success")
    assert not page.has("p.alert.error")
    client.post(url, {**consistent, "action": "apply"})
    weights = dict(Requirement.objects.filter(stakeholder=product).values_list("dimension", "weight"))
    assert weights["cost"] == 5 and weights["cost"] > weights["latency"] > weights["model_size"]


def test_pairwise_comparison_refuses_answers_off_the_scale(world, product):
    for dimension, value, unit in [("latency", 100.0, "ms"), ("cost", 5000.0, "per_month")]:
        requirement_save(
            stakeholder=product,
            dimension=dimension,
            data={"op": "<=", "value": value, "unit": unit, "must_have": False, "weight": 3, "metric": ""},
            by=world.owner,
        )
    url = reverse("stakeholders:compare", args=[world.proposal.pk, product.pk])
    response = world.client_for(world.owner).post(url, {"cost__latency": "42", "action": "apply"})
    assert response.status_code == 400
    assert world.client_for(world.outsider).get(url).status_code == 404
    assert world.client_for(world.reviewer).get(url).status_code == 403


def test_a_stakeholder_needs_a_chosen_stake(world, roles):
    response = world.client_for(world.owner).post(
        reverse("stakeholders:list", args=[world.proposal.pk]),
        {"name": "No Role", "email": "norole@example.test", "role": ""},
    )
    assert response.status_code == 400
    page = parse(response)
    assert [o.value for o in page.options("select[name=role]") if o.selected] == [""]
    assert "choose their stake" in page.text("section[aria-labelledby=add-title] form")
    assert not Stakeholder.objects.exists()
