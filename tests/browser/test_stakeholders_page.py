"""The stakeholders page on a phone (390 px) in Chromium: the page itself never scrolls sideways,
the matrix scrolls inside its frame with a visible cue and its first column in view, an inline
edit and a removal work through htmx, and nothing breaks the Content-Security-Policy."""

import re

from playwright.sync_api import Page, expect

from projects.services import proposal_create
from stakeholders.services import stake_roles, stakeholder_add
from tests.browser.conftest import People, screenshot
from tests.browser.test_accessibility import csp_watch

PHONE = {"width": 390, "height": 844}

WIDTHS = """() => ({
  window: window.innerWidth,
  document: document.documentElement.scrollWidth,
  body: document.body.scrollWidth,
})"""


def fits(page: Page) -> None:
    widths = page.evaluate(WIDTHS)
    assert widths["document"] <= widths["window"] and widths["body"] <= widths["window"], widths


def test_the_matrix_is_usable_on_a_phone_without_breaking_the_csp(people: People, page_as):
    proposal = proposal_create(
        organisation=people.org,
        data={"title": "Route support tickets", "problem": "A third of the tickets land in the wrong queue."},
        by=people.owner,
    )
    roles = {r.key: r for r in stake_roles(organisation=people.org)}
    for name, email, role in [("Pat Product", "pat@acme.test", "product"), ("Lee Legal", "lee@law.test", "legal")]:
        stakeholder_add(
            proposal=proposal,
            role=roles[role],
            by=people.owner,
            link_url=lambda s, raw: f"http://testserver/requirements/{raw}/",
            name=name,
            email=email,
        )

    page = page_as(people.owner)
    page.set_viewport_size(PHONE)
    violations = csp_watch(page)  # from the next page on
    page.goto(f"/proposals/{proposal.pk}/stakeholders/")
    page.wait_for_load_state("networkidle")

    # The roles that must sign off come first, each with who fills it.
    roles_box = page.get_by_role("region", name="Who must sign off")
    expect(roles_box.get_by_role("row", name=re.compile("^Legal, compliance or risk"))).to_contain_text(
        "no account: link them to a member"
    )

    # The page fits; the matrix scrolls inside its own frame, and says so.
    fits(page)
    cue = page.locator("#matrix-cue")
    expect(cue).to_be_visible()
    frame = page.get_by_role("region", name="Requirements of each stakeholder, by dimension")
    sizes = frame.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] > sizes["client"], sizes  # eleven dimensions do not fit in 390 px
    # Scrolled to its far end, the last column is reachable and the names stay in view.
    frame.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    name_cell = frame.get_by_role("rowheader", name=re.compile("Pat Product"))
    box = name_cell.bounding_box()
    assert box is not None and 0 <= box["x"] < PHONE["width"] / 2, box
    last = page.get_by_role("columnheader", name="Time to first release").bounding_box()
    assert last is not None and last["x"] > 0 and last["x"] + last["width"] <= PHONE["width"], last
    screenshot(page, "stakeholders-390-matrix")

    # An inline edit, named in words, through htmx.
    edit = page.get_by_role("link", name="Edit model size for Pat Product")
    edit.click()
    cell = page.locator("td.cell.editing")
    expect(cell.locator("select[name=op]")).to_be_visible()
    cell.get_by_label("Target").fill("50")
    cell.get_by_role("button", name="Save").click()
    expect(page.locator("td.cell.editing")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit model size for Pat Product")).to_be_visible()
    expect(page.locator("td.cell.must, td.cell").filter(has_text="at most 50 MB")).to_have_count(1)
    page.wait_for_load_state("networkidle")  # the conflict panel's refresh too
    fits(page)

    # A removal, asked for twice (the disclosure, then the button), through htmx.
    page.get_by_text("Remove Lee Legal…").click()
    page.get_by_role("button", name="Remove Lee Legal").click()
    expect(page.locator("#roster-notice")).to_have_text(
        "Lee Legal is no longer a stakeholder; their link no longer works."
    )
    expect(roles_box.get_by_role("row", name=re.compile("^Legal, compliance or risk"))).to_contain_text("Nobody yet")
    page.wait_for_load_state("networkidle")
    fits(page)

    page.wait_for_timeout(200)  # a console message follows its event
    assert page.evaluate("window.__csp") == []
    assert violations == []
