"""The stakeholders page as issue 17 (item 5) asks: the roles that must sign off shown before anyone
is added, with who fills each; the add form's errors in place; a matrix whose edit buttons and
headers read in words; no inline style; and as many queries with seven stakeholders as with one."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from domain.vocabulary import DIMENSION_SPECS
from questionnaires.versions import sync_from_files
from stakeholders.models import Conflict, Stakeholder
from stakeholders.services import requirement_save, stakeholder_add
from tests.html import parse
from tests.stakeholders.conftest import link


def list_url(world) -> str:
    return reverse("stakeholders:list", args=[world.proposal.pk])


def signoff_rows(page) -> dict[str, dict[str, str]]:
    return {row["Role"]: row for row in page.table("#signoff-roles table")}


# ---------------------------------------------------------------------------------------------
# Who must sign off


def test_the_roles_that_must_sign_off_are_shown_before_anyone_is_added(world, roles):
    page = parse(world.client_for(world.owner).get(list_url(world)))
    assert page.text("#signoff-roles h2") == "Who must sign off"
    rows = signoff_rows(page)
    assert list(rows) == ["ML engineering", "Product", "Legal, compliance or risk"]
    for row in rows.values():
        assert row["Why"] == "Always, by the organisation's review policy"
        assert row["Who fills it"] == "Nobody yet"
    # Readers see it too: it is what the proposal needs, not an editing tool.
    assert signoff_rows(parse(world.client_for(world.member).get(list_url(world)))) == rows


def test_each_role_shows_who_fills_it(world, roles, product, engineer):
    rows = signoff_rows(parse(world.client_for(world.owner).get(list_url(world))))
    assert rows["Product"]["Who fills it"] == "Pat Product no account: link them to a member"
    assert rows["ML engineering"]["Who fills it"] == engineer.name
    assert rows["Legal, compliance or risk"]["Who fills it"] == "Nobody yet"


def test_a_role_required_by_the_eu_ai_act_tier_says_so(world, roles):
    legal = roles["legal"]
    legal.signoff_required = False
    legal.save()
    page = parse(world.client_for(world.owner).get(list_url(world)))
    assert "Legal, compliance or risk" not in signoff_rows(page)  # not triaged: not required
    world.proposal.ai_act_tier = "high_risk"
    world.proposal.save(update_fields=["ai_act_tier"])
    rows = signoff_rows(parse(world.client_for(world.owner).get(list_url(world))))
    assert rows["Legal, compliance or risk"]["Why"] == (
        "Because the EU AI Act triage puts this proposal in the high-risk tier"
    )


def test_no_required_role_is_said_in_words(world, roles):
    for role in roles.values():
        role.signoff_required = False
        role.save()
    page = parse(world.client_for(world.admin).get(list_url(world)))
    assert not page.has("#signoff-roles table")
    assert "It cannot be submitted until one is." in page.text("#signoff-roles")
    assert ("Set the review policy", reverse("review_policy")) in page.links("#signoff-roles")


# ---------------------------------------------------------------------------------------------
# The add form's errors in place


def add_form(page):
    return "section#add-stakeholder form"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_add_forms_errors_are_beside_their_fields_and_keep_the_input(world, roles, htmx):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = world.client_for(world.owner).post(
        list_url(world), {"name": "Lee Legal", "email": "not an address", "role": ""}, **headers
    )
    assert response.status_code == 400
    page = parse(response)
    if htmx:  # the form's partial only, swapped in place of the form
        assert not page.has("html") and not page.has("#signoff-roles")
    form = page.one(add_form(page))
    # Every field stays in the grid, each error inside its own field's box, tied to its input.
    assert [f.select_one("label")["for"] for f in form.select(".stakeholder-fields > .field")] == [
        "id_member", "id_name", "id_email", "id_role",
    ]  # fmt: skip
    errors = {f.select_one("[name]")["name"]: f for f in form.select(".stakeholder-fields > .field.has-error")}
    assert set(errors) == {"email", "role"}
    assert "valid email" in page.text("#id_email_error")
    assert page.text("#id_role_error") == "Choose their stake: the part of the work they answer for."
    assert page.one("#id_email")["aria-describedby"] == "id_email_error"
    assert page.one("#id_email")["aria-invalid"] == "true"
    shown = page.form_values(add_form(page))
    assert {k: shown[k] for k in ("member", "name", "email", "role")} == {
        "member": "", "name": "Lee Legal", "email": "not an address", "role": "",
    }  # fmt: skip
    assert not Stakeholder.objects.exists()


def test_a_missing_address_and_a_taken_one_are_told_at_the_email_field(world, roles, product):
    client = world.client_for(world.owner)
    page = parse(client.post(list_url(world), {"name": "No Email", "role": roles["legal"].pk}))
    assert "Give their email address" in page.text("#id_email_error")
    assert page.form_values("section#add-stakeholder form")["role"] == str(roles["legal"].pk)
    page = parse(client.post(list_url(world), {"name": "Pat", "email": "PAT@example.test", "role": roles["legal"].pk}))
    assert page.text("#id_email_error") == "PAT@example.test is already a stakeholder of this proposal."


def test_an_htmx_add_that_works_reloads_the_page(world, roles):
    response = world.client_for(world.owner).post(
        list_url(world),
        {"name": "Lee Legal", "email": "lee@law.test", "role": roles["legal"].pk},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == list_url(world)
    assert Stakeholder.objects.get().name == "Lee Legal"


# ---------------------------------------------------------------------------------------------
# The matrix, read by a screen reader


def test_the_matrix_reads_in_words(world, product):
    page = parse(world.client_for(world.owner).get(list_url(world)))
    matrix = page.one("table.matrix")
    assert matrix.caption is not None and matrix.caption.get_text().strip()
    wrap = matrix.find_parent("div")
    assert wrap["role"] == "region" and wrap["aria-labelledby"] == matrix.caption["id"] and wrap["tabindex"] == "0"
    headers = matrix.select("thead th")
    assert all(th.get("scope") == "col" for th in headers)
    assert [th.get_text() for th in headers] == ["Stakeholder", *(d.label for d in DIMENSION_SPECS)]
    assert all(th.get("scope") == "row" for th in matrix.select("tbody th"))
    names = [" ".join(a.select_one(".visually-hidden").get_text().split()) for a in matrix.select("a.edit")]
    assert "Edit model size for Pat Product" in names
    assert names == [f"Edit {d.label.lower()} for Pat Product" for d in DIMENSION_SPECS]
    assert all("_" not in name for name in names)
    assert page.text("#matrix-cue").endswith("scroll it sideways to see them all.")


def test_an_edited_cell_keeps_its_words(world, product):
    url = reverse("stakeholders:cell", args=[world.proposal.pk, product.pk, "model_size"])
    response = world.client_for(world.owner).post(
        url, {"op": "<=", "value": "50", "unit": "MB", "weight": "3"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert parse(response).text("a.edit .visually-hidden") == "Edit model size for Pat Product"


# ---------------------------------------------------------------------------------------------
# No inline style


def test_no_stakeholders_template_has_a_style_attribute():
    folder = Path(settings.BASE_DIR) / "templates" / "stakeholders"
    offending = [str(p) for p in folder.rglob("*.html") if "style=" in p.read_text()]
    assert offending == []


def test_no_rendered_stakeholders_page_has_inline_style(world, roles, product, engineer):
    sync_from_files()
    requirement_save(
        stakeholder=product,
        dimension="deployment",
        data={"op": "==", "value": "phone", "unit": "", "must_have": True, "weight": 5, "metric": ""},
        by=world.owner,
    )
    conflict = Conflict.objects.create(
        organisation=world.org, proposal=world.proposal, fingerprint="f", kind="contradictory_targets",
        severity="high", title="t", explanation="e",
    )  # fmt: skip
    client = world.client_for(world.owner)
    p, s = world.proposal.pk, product.pk
    responses = [
        client.get(list_url(world)),
        client.post(list_url(world), {"name": "x"}),  # the form with errors
        client.post(reverse("stakeholders:link", args=[p, s]), {"member": ""}),  # a refused link
        client.get(reverse("stakeholders:detail", args=[p, s])),
        client.get(reverse("stakeholders:cell", args=[p, s, "latency"]) + "?edit=1"),
        client.get(reverse("stakeholders:cell", args=[p, s, "latency"]) + "?edit=1", HTTP_HX_REQUEST="true"),
        client.get(reverse("stakeholders:conflict", args=[p, conflict.pk])),
        client.get(reverse("stakeholders:conflicts_panel", args=[p])),
        client.get(reverse("stakeholder_questionnaire", args=[p, engineer.pk])),
        client.get(reverse("review", args=[p])),
    ]
    for response in responses:
        assert response.status_code in (200, 400), response.request["PATH_INFO"]
        page = parse(response)
        assert page.style_attributes == [], response.request["PATH_INFO"]
        assert page.style_elements == 0 and page.inline_scripts == [] and page.handlers == []


# ---------------------------------------------------------------------------------------------
# Queries do not grow with stakeholders


def add_people(world, roles, count: int, *, start: int = 0) -> None:
    for i in range(start, start + count):
        s = stakeholder_add(
            proposal=world.proposal,
            role=roles["legal" if i % 2 else "product"],
            by=world.owner,
            link_url=link,
            name=f"Person {i}",
            email=f"p{i}@x.test",
        )
        requirement_save(
            stakeholder=s,
            dimension="latency",
            data={"op": "<=", "value": 100.0 * (i + 1), "unit": "ms", "must_have": False, "weight": 3, "metric": ""},
            by=world.owner,
        )


def count_queries(client, url, **headers) -> int:
    client.get(url, **headers)  # warm: the session, the roles made the first time
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_the_page_costs_the_same_queries_with_one_stakeholder_or_seven(world, roles, who):
    client = world.client_for(getattr(world, who))
    add_people(world, roles, 1)
    one = count_queries(client, list_url(world))
    add_people(world, roles, 6, start=1)  # outside people: each row has its link and remove forms
    assert count_queries(client, list_url(world)) == one


def test_a_removal_answers_in_the_same_queries_however_many_remain(world, roles):
    client = world.client_for(world.owner)
    add_people(world, roles, 3)
    client.get(list_url(world))  # the session written once, as before any later request

    def remove_one() -> int:
        target = Stakeholder.objects.order_by("pk").first()
        url = reverse("stakeholders:remove", args=[world.proposal.pk, target.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.post(url, HTTP_HX_REQUEST="true").status_code == 200
        return len(queries)

    few = remove_one()
    add_people(world, roles, 6, start=10)
    assert remove_one() == few
