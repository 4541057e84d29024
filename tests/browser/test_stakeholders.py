"""Stakeholders in Chromium: invite one who states requirements through the emailed link, edit a
cell of the matrix in place (htmx), and resolve a conflict between two stakeholders' must-haves.

As conftest.py says, the ORM is used before the pages open (or once the page shows the result of
the last request), never while a request may still be running. Reading `mail.outbox` is not ORM
work: the live server runs in this process, so the locmem backend's outbox is the test's own.
"""

import re

from django.core import mail
from playwright.sync_api import Page, Response, expect

from projects.models import Proposal
from projects.services import proposal_create
from questionnaires.versions import sync_from_files
from stakeholders.models import Conflict, ConflictStatus, Stakeholder
from stakeholders.services import requirement_save, stake_roles, stakeholder_add
from tests.browser.conftest import People, screenshot

PRIORITY_QUESTIONS = [
    "quality_priority",
    "latency_priority",
    "throughput_priority",
    "cost_priority",
    "time_to_release_priority",
    "interpretability_priority",
    "fairness_priority",
    "freshness_priority",
    "deployment_priority",
    "model_size_priority",
    "privacy_priority",
]
LINK = re.compile(r"https?://\S+/requirements/[\w-]+/")


def create_proposal(people: People, title: str = "Recommend restaurants to diners") -> Proposal:
    return proposal_create(
        organisation=people.org,
        data={"title": title, "problem": "Diners scroll past dozens of restaurants before they book one."},
        by=people.owner,
    )


def add_stakeholder(people: People, proposal: Proposal, name: str, email: str, role: str = "product") -> Stakeholder:
    """As the form does, but with a link nobody follows (the tests that use this never open it)."""
    roles = {r.key: r for r in stake_roles(organisation=people.org)}
    return stakeholder_add(
        proposal=proposal,
        role=roles[role],
        by=people.owner,
        link_url=lambda stakeholder, raw: f"http://testserver/requirements/{raw}/",
        name=name,
        email=email,
    )


def matrix_row(page: Page, name: str):
    return page.locator("table.matrix tbody tr", has=page.get_by_role("rowheader", name=re.compile(re.escape(name))))


def open_stakeholders(page: Page, proposal: Proposal) -> None:
    """From the proposal page, the way a person gets there."""
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Stakeholders, their requirements and the conflicts between them").click()
    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.pk}/stakeholders/$"))
    expect(page.get_by_role("heading", name="Stakeholders and their requirements", level=1)).to_be_visible()


# --- The requirements questionnaire behind the emailed link ----------------------------------


def is_questionnaire_post(response: Response) -> bool:
    return response.request.method == "POST" and "/requirements/" in response.url


def settled(page: Page) -> None:
    """htmx has swapped in its last response: it takes `htmx-request` off the form only after the swap."""
    expect(page.locator("main form.htmx-request")).to_have_count(0)


def choice(page: Page, key: str, value: str):
    return page.locator(f"#q-{key}").locator("label.choice", has=page.locator(f'input[value="{value}"]'))


def answer_choice(page: Page, key: str, value: str) -> None:
    """Click a choice's label and wait until htmx has saved it (and redrawn the questions if they changed)."""
    with page.expect_response(is_questionnaire_post) as response:
        choice(page, key, value).click()
    assert response.value.status == 200, f"saving {key}={value!r}: HTTP {response.value.status}"
    settled(page)
    expect(page.locator(f'#q-{key} input[value="{value}"]')).to_be_checked()


def answer_number(page: Page, key: str, value: str) -> None:
    field = page.locator(f"#id_{key}")
    with page.expect_response(is_questionnaire_post) as response:
        field.fill(value)
        field.press("Tab")  # leaving the field fires `change`
    assert response.value.status == 200, f"saving {key}={value!r}: HTTP {response.value.status}"
    settled(page)
    expect(field).to_have_value(value)


def test_the_owner_invites_a_stakeholder_who_states_requirements_through_the_emailed_link(people, page_as, new_page):
    proposal = create_proposal(people)
    sync_from_files()  # publish the questionnaires, as `manage.py load_questionnaires` does

    owner = page_as(people.owner)
    open_stakeholders(owner, proposal)
    expect(owner.get_by_text("No stakeholders yet.")).to_be_visible()
    add = owner.get_by_role("region", name="Add a stakeholder")
    add.get_by_label("Or someone else: name").fill("Pat Product")
    add.get_by_label("Their email").fill("pat@diners.test")
    add.get_by_label("Their stake").select_option(label="Product")
    add.get_by_role("button", name="Add and email them a link").click()

    expect(owner.get_by_role("status")).to_have_text(
        "Pat Product was added and emailed a link to state their requirements."
    )
    row = matrix_row(owner, "Pat Product")
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_contain_text("Product")
    expect(row.get_by_role("rowheader")).to_contain_text("waiting for answers")
    expect(row.locator("td.cell .target")).to_have_count(0)  # nothing stated yet

    # The page shows the redirect's result, so the request that sent the email is over.
    assert len(mail.outbox) == 1
    invitation = mail.outbox[-1]
    assert invitation.to == ["pat@diners.test"]
    assert proposal.title in invitation.subject
    found = LINK.search(invitation.body)
    assert found, invitation.body
    link = found.group(0)

    # The stakeholder, in a browser that has never signed in.
    stakeholder = new_page()
    stakeholder.goto(link)
    expect(stakeholder.get_by_role("heading", level=1)).to_have_text("What do you need from this system, Pat Product?")
    expect(stakeholder.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(stakeholder.locator("#q-latency_target")).to_have_count(0)  # shown once latency matters
    stakeholder.evaluate("window.notReloaded = true")

    answer_choice(stakeholder, "latency_priority", "must")
    expect(stakeholder.locator("#q-latency_target")).to_be_visible()
    assert stakeholder.evaluate("window.notReloaded") is True, "the questions were reloaded, not redrawn in place"
    answer_number(stakeholder, "latency_target", "100")
    for key in PRIORITY_QUESTIONS:
        if key != "latency_priority":
            answer_choice(stakeholder, key, "none")
    expect(stakeholder.locator("#save-status")).to_have_text("Saved")
    expect(stakeholder.locator("#id_latency_target")).to_have_value("100")
    screenshot(stakeholder, "stakeholders-questionnaire")

    stakeholder.get_by_role("button", name="Submit my requirements").click()
    expect(stakeholder.get_by_role("heading", level=1)).to_have_text("Thank you, Pat Product")
    expect(stakeholder.locator("main")).to_contain_text(proposal.title)
    screenshot(stakeholder, "stakeholders-thanks")

    # Back with the owner: the matrix shows what the stakeholder asked for.
    owner.reload()
    row = matrix_row(owner, "Pat Product")
    latency = row.locator("td.cell").filter(has=owner.get_by_text("Edit latency (p95) for Pat Product"))
    expect(latency.locator(".target")).to_have_text("at most 100 ms")
    expect(latency.locator(".kind")).to_have_text("must-have")
    expect(latency).to_have_class(re.compile(r"\bmust\b"))
    expect(row.locator("td.cell .target")).to_have_count(1)  # "Not something I need" everywhere else
    expect(row.get_by_role("rowheader")).not_to_contain_text("waiting for answers")
    screenshot(owner, "stakeholders-matrix")

    # The link was used up: a fresh browser is refused, and learns nothing about the proposal.
    again = new_page()
    response = again.goto(link)
    assert response is not None and response.status == 404
    expect(again.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(again.locator("main")).not_to_contain_text("Pat Product")
    expect(again.locator("main")).not_to_contain_text(proposal.title)


# --- Editing one cell of the matrix in place --------------------------------------------------


def is_cell_post(response: Response) -> bool:
    return response.request.method == "POST" and "/requirements/latency/" in response.url


def test_inline_editing_a_cell_with_htmx_and_an_impossible_value(people, page_as):
    proposal = create_proposal(people)
    add_stakeholder(people, proposal, "Pat Product", "pat@diners.test")

    page = page_as(people.owner)
    open_stakeholders(page, proposal)
    page.evaluate("window.notReloaded = true")  # a full page load would start a new window object
    row = matrix_row(page, "Pat Product")
    cell = row.locator("td[id$='-latency']")
    expect(cell).to_contain_text("—")

    page.get_by_role("link", name="Edit latency (p95) for Pat Product").click()
    form = cell.locator("form")
    expect(form).to_be_visible()
    expect(cell.get_by_label("Comparison")).to_have_value("<=")
    expect(cell.get_by_label("Unit")).to_have_value("ms")

    cell.get_by_label("Target").fill("-5")
    with page.expect_response(is_cell_post) as refused:
        cell.get_by_role("button", name="Save", exact=True).click()
    assert refused.value.status == 400
    settled(page)
    error = cell.get_by_role("alert")
    expect(error).to_have_text("Latency (p95) must be above 0 ms")
    expect(cell.get_by_label("Target")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "stakeholders-cell-error")
    expect(cell.get_by_label("Target")).to_have_value("-5")  # what was typed is kept
    assert page.evaluate("window.notReloaded") is True

    cell.get_by_label("Target").fill("250")
    # The save triggers `conflicts-changed`, and the panel fetches itself again: wait for both.
    with (
        page.expect_response(lambda r: r.url.endswith("/stakeholders/conflicts/")) as panel,
        page.expect_response(is_cell_post) as saved,
    ):
        cell.get_by_role("button", name="Save", exact=True).click()
    assert saved.value.status == 200
    assert panel.value.status == 200
    expect(cell.locator(".target")).to_have_text("at most 250 ms")
    expect(cell.locator(".kind")).to_have_text("nice · weight 3")
    expect(cell.locator("form")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit latency (p95) for Pat Product")).to_be_visible()
    expect(page.get_by_role("region", name="Conflicts")).to_contain_text("No conflicts")
    assert page.evaluate("window.notReloaded") is True, "saving the cell reloaded the whole page"

    page.reload()
    expect(matrix_row(page, "Pat Product").locator("td[id$='-latency'] .target")).to_have_text("at most 250 ms")


# --- A conflict between two stakeholders' must-haves -----------------------------------------


def test_two_stakeholders_with_clashing_must_haves_show_a_conflict_that_can_be_resolved(people, page_as):
    proposal = create_proposal(people)
    for name, email, role, where in [
        ("Pat Product", "pat@diners.test", "product", "phone"),
        ("Sam Server", "sam@diners.test", "ml_platform", "server"),
    ]:
        requirement_save(
            stakeholder=add_stakeholder(people, proposal, name, email, role),
            dimension="deployment",
            data={"op": "==", "value": where, "unit": "", "must_have": True, "weight": 5, "metric": ""},
            by=people.owner,
        )
    conflict = Conflict.objects.get(proposal=proposal, status=ConflictStatus.OPEN, kind="contradictory_targets")

    page = page_as(people.owner)
    open_stakeholders(page, proposal)
    for name, where in [("Pat Product", "phone"), ("Sam Server", "server")]:
        cell = matrix_row(page, name).locator("td[id$='-deployment']")
        expect(cell.locator(".target")).to_have_text(where)
        expect(cell.locator(".kind")).to_have_text("must-have")
        expect(cell).to_have_class(re.compile(r"\bflagged\b"))
        expect(cell.locator(f'a.conflict-mark[title="{conflict.title}"]')).to_be_visible()
    panel = page.get_by_role("region", name="Conflicts")
    item = panel.locator("li.conflict", has=page.get_by_role("link", name=conflict.title))
    expect(item).to_have_count(1)
    expect(item).to_contain_text(conflict.get_severity_display())
    expect(item).not_to_contain_text("Resolved")
    # The matrix scrolls sideways inside its box; show the flagged column in the screenshot.
    matrix_row(page, "Pat Product").locator("td[id$='-deployment']").scroll_into_view_if_needed()
    screenshot(page, "stakeholders-matrix-with-conflict")

    item.get_by_role("link", name=conflict.title).click()
    expect(page).to_have_url(re.compile(rf"/stakeholders/conflicts/{conflict.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(conflict.title)
    expect(page.locator("main")).to_contain_text("Stakeholders involved: Pat Product, Sam Server")
    expect(page.get_by_role("heading", name="Record a decision")).to_be_visible()
    history = page.locator("ol.history li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(" · detected")
    page.get_by_label("Decision").fill("Serve from our servers first")
    page.get_by_label("Rationale").fill("The phone app ships next year;\nthe server is ready now.")
    screenshot(page, "stakeholders-conflict")
    page.get_by_role("button", name="Resolve").click()

    expect(page.get_by_role("status")).to_have_text("Conflict resolved; the decision is kept in its history.")
    expect(page.locator("main p .badge").filter(has_text="Resolved")).to_be_visible()
    expect(page.locator(".alert.success")).to_contain_text("Decision: Serve from our servers first")
    expect(page.locator(".alert.success")).to_contain_text("by Olivia Owner")
    expect(page.get_by_role("heading", name="Record a decision")).to_have_count(0)
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text(
        " · resolved by Olivia Owner: Serve from our servers first — The phone app ships next year;"
    )
    screenshot(page, "stakeholders-conflict-resolved")

    page.get_by_role("link", name="Stakeholders", exact=True).click()
    item = page.get_by_role("region", name="Conflicts").locator("li.conflict", has_text=conflict.title)
    expect(item.locator(".badge.ok")).to_have_text("Resolved")
    expect(item).to_contain_text("Decision: Serve from our servers first")
    # Resolved, so no longer flagged in the matrix.
    expect(page.locator("td.flagged")).to_have_count(0)
