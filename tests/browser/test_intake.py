"""Proposal intake in a real browser: the form, autosave, errors, the stale-save check, the list search."""

import re

from playwright.sync_api import Page, expect

from projects.models import Proposal
from projects.services import proposal_create
from tests.browser.conftest import People, screenshot


def fact(page: Page, term: str):
    """The value beside `term` in the detail page's facts list."""
    return page.locator("dl.facts dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def create_proposal(people: People, title: str, problem: str = "Agents re-route tickets by hand.") -> Proposal:
    # Through the service, as the form does, so that revision 1 exists for the stale-save check.
    return proposal_create(organisation=people.org, data={"title": title, "problem": problem}, by=people.owner)


def test_it_creates_a_proposal_through_the_form_and_sees_it_after_reload(people, page_as):
    page = page_as(people.owner)
    page.goto("/proposals/")
    expect(page.get_by_role("heading", name="Proposals", level=1)).to_be_visible()
    screenshot(page, "list-empty")
    page.get_by_role("main").get_by_role("link", name="New proposal").click()

    expect(page).to_have_url(re.compile(r"/proposals/new/$"))
    expect(page.get_by_role("heading", name="New proposal", level=1)).to_be_visible()
    page.get_by_label("Title").fill("Route support tickets to the right queue")
    page.get_by_label("Problem").fill("A third of the tickets land in the wrong queue & wait 2 days.")
    page.get_by_label("Decision").fill("Send each new ticket to the predicted queue.")
    page.get_by_label("Business objective").fill("Answer customers faster")
    page.get_by_label("Success metric").fill("Share of tickets routed correctly")
    page.get_by_label("Success target").fill("90% within six months")
    page.get_by_label("How it is done today").fill("Keyword rules, then a person re-routes.")
    page.get_by_label("How well that works").fill("70% routed correctly")
    page.get_by_label("Intended users").fill("Support agents")
    page.get_by_label("Data sources").fill("Two years of tickets with their final queue")
    page.get_by_label("Expected prediction volume").fill("12000")
    page.get_by_label("Volume period").select_option(label="per month")
    page.get_by_label("Deadline").fill("2026-09-30")
    page.get_by_label("Team").select_option(label="Customer care")
    screenshot(page, "form-filled")
    page.get_by_role("button", name="Create proposal").click()

    expect(page).to_have_url(re.compile(r"/proposals/\d+/$"))
    expect(page.get_by_role("status").get_by_text("Proposal created.")).to_be_visible()
    screenshot(page, "detail-after-create")
    page.reload()
    expect(page.get_by_text("Proposal created.")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Route support tickets to the right queue")
    expect(page.locator(".page-head")).to_contain_text("owned by Olivia Owner · Customer care · version 1")
    expect(fact(page, "The problem")).to_have_text("A third of the tickets land in the wrong queue & wait 2 days.")
    expect(fact(page, "Decision")).to_have_text("Send each new ticket to the predicted queue.")
    expect(fact(page, "Success metric")).to_have_text("Share of tickets routed correctly: 90% within six months")
    expect(fact(page, "How it is done today")).to_have_text("Keyword rules, then a person re-routes.")
    expect(fact(page, "How well that works")).to_have_text("70% routed correctly")
    expect(fact(page, "Expected prediction volume")).to_have_text("12,000 per month")
    expect(fact(page, "Deadline")).to_have_text("30 Sep 2026")
    screenshot(page, "detail")

    page.get_by_role("link", name="Proposals", exact=True).click()
    row = page.locator("#results tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link")).to_have_text("Route support tickets to the right queue")
    expect(row).to_contain_text("Customer care")
    expect(row).to_contain_text("Olivia Owner")
    expect(row).to_contain_text("30 Sep 2026")
    screenshot(page, "list")


def test_it_keeps_typed_text_across_a_reload_via_autosave(people, page_as):
    page = page_as(people.owner)
    page.goto("/proposals/new/")
    problem = "Refunds are checked at random.\nFraud slips through."
    # Leaving the title field saves at once ("change"); typing saves 800 ms after the last key
    # ("input"). Wait for the save that carries both fields.
    with page.expect_response(
        lambda r: "/autosave/" in r.url and (r.request.post_data_json or {}).get("problem") == problem
    ) as saved:
        page.get_by_label("Title").fill("Flag suspicious refunds")
        page.get_by_label("Problem").fill(problem)
    assert saved.value.ok
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d:\d\d"))

    # The same person on another device: nothing comes from this browser's form memory.
    other = page_as(people.owner)
    other.goto("/proposals/new/")
    expect(other.get_by_text(re.compile("restored what you typed"))).to_be_visible()
    expect(other.get_by_label("Title")).to_have_value("Flag suspicious refunds")
    expect(other.get_by_label("Problem")).to_have_value(problem)
    screenshot(other, "form-restored-draft")

    other.get_by_role("button", name="Discard those changes").click()
    expect(other.get_by_text("Unsaved changes discarded.")).to_be_visible()
    expect(other.get_by_text(re.compile("restored what you typed"))).to_have_count(0)
    expect(other.get_by_label("Title")).to_have_value("")
    expect(other.get_by_label("Problem")).to_have_value("")


def test_it_shows_errors_beside_fields_and_keeps_values(people, page_as):
    page = page_as(people.owner)
    page.goto("/proposals/new/")
    page.get_by_label("Problem").fill("Invoices are matched to orders by hand.")
    page.get_by_label("Expected prediction volume").fill("500")
    page.get_by_role("button", name="Create proposal").click()

    expect(page.get_by_role("alert").filter(has_text="Please correct the fields marked below")).to_be_visible()
    title_field = page.locator(".field.has-error", has=page.get_by_label("Title"))
    expect(title_field.locator(".error")).to_have_text("Give the proposal a title.")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.get_by_label("Problem")).to_have_value("Invoices are matched to orders by hand.")
    expect(page.get_by_label("Expected prediction volume")).to_have_value("500")
    expect(page).to_have_url(re.compile(r"/proposals/new/$"))
    screenshot(page, "form-with-errors")


def test_it_refuses_a_stale_save_and_shows_what_changed(people, page_as):
    proposal = create_proposal(people, "Forecast call volumes")
    edit_url = f"/proposals/{proposal.pk}/edit/"
    owner = page_as(people.owner)
    admin = page_as(people.admin)
    owner.goto(edit_url)
    admin.goto(edit_url)

    owner.get_by_label("Title").fill("Forecast call volumes per hour")
    owner.get_by_role("button", name="Save changes").click()
    expect(owner.get_by_text("Proposal saved.")).to_be_visible()
    expect(owner.locator(".page-head")).to_contain_text("version 2")

    admin_problem = "Staffing is planned a month ahead on last year's numbers."
    admin.get_by_label("Problem").fill(admin_problem)
    admin.get_by_role("button", name="Save changes").click()

    conflict = admin.get_by_role("alert").filter(
        has=admin.get_by_role("heading", name=re.compile("Someone else saved this proposal"))
    )
    expect(conflict).to_be_visible()
    changes = conflict.locator("tbody tr")
    expect(changes).to_have_count(1)
    expect(changes.get_by_role("rowheader")).to_have_text("Title")
    expect(changes.locator("td")).to_have_text(["Forecast call volumes per hour", "Forecast call volumes"])
    expect(admin.get_by_label("Problem")).to_have_value(admin_problem)
    expect(admin.get_by_label("Title")).to_have_value("Forecast call volumes")
    screenshot(admin, "conflict")

    # Saving again, having seen the change, goes through (the form now names the current version).
    admin.get_by_label("Title").fill("Forecast call volumes per hour")
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.get_by_text("Proposal saved.")).to_be_visible()
    expect(admin.locator(".page-head")).to_contain_text("version 3")
    expect(fact(admin, "The problem")).to_have_text(admin_problem)


def test_the_list_search_filters_without_a_full_reload(people, page_as):
    for title in ["Route support tickets", "Forecast warehouse demand", "Detect duplicate invoices"]:
        create_proposal(people, title, problem="A manual process that takes too long.")
    page = page_as(people.owner)
    page.goto("/proposals/")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(3)
    # Survives only if the page is updated in place; a full reload would start a new window object.
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Search").fill("warehouse")

    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link")).to_have_text("Forecast warehouse demand")
    expect(page.locator("#results")).to_contain_text("1 proposal")
    expect(page).to_have_url(re.compile(r"[?&]q=warehouse(&|$)"))
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "list-search")
