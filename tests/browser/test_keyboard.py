"""The main flow with the keyboard alone: sign in, skip to the content, open a proposal, answer a
wizard step. Only Tab, Shift+Tab, Enter, Space and typing; never a click. Each focused control must
show a visible focus indicator (app.css, :focus-visible)."""

import re

from playwright.sync_api import Locator, Page, expect

from projects.services import proposal_create
from questionnaires.versions import sync_from_files
from suitability.services import answers_put
from tests.browser.conftest import PASSWORD, screenshot

TITLE = "Forecast call volumes"


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page: Page, target: Locator, *, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.count() and is_focused(target.first):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {target}")


def assert_focus_visible(page: Page) -> None:
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline


def test_the_main_flow_works_with_the_keyboard_alone(people, new_page):
    sync_from_files()
    proposal = proposal_create(
        organisation=people.org, data={"title": TITLE, "problem": "Rotas are guesswork."}, by=people.owner
    )
    answers_put(proposal=proposal, raw={"problem_description": "Rotas are guesswork."}, by=people.owner)
    page = new_page()

    # Sign in: the email field has the focus when the page opens.
    page.goto("/login/")
    # Type only once the field has the focus (autofocus), and check what arrived: a keystroke
    # sent before the focus lands would be lost and the sign-in would fail for the wrong reason.
    email, password = page.locator("input[name=username]"), page.locator("input[name=password]")
    expect(email).to_be_focused()
    page.keyboard.type(people.owner.email)
    expect(email).to_have_value(people.owner.email)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type(PASSWORD)
    expect(password).to_have_value(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # The first Tab reaches the skip link, which shows itself and moves past the navigation.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert is_focused(skip)
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    # Open the proposal from the list.
    link = page.get_by_role("link", name=TITLE)
    tab_to(page, link)
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()

    # Open its assessment, which resumes at the first step.
    tab_to(page, page.get_by_role("link", name=re.compile("Assess ML suitability|Continue|assessment", re.I)))
    page.keyboard.press("Enter")
    expect(page.locator("form textarea, form input[type=radio]").first).to_be_visible()
    screenshot(page, "keyboard-wizard")

    # Answer a single-choice question: Tab into the group, Space checks the focused radio.
    radio = page.locator("input[type=radio]").first
    tab_to(page, radio)
    assert_focus_visible(page)
    page.keyboard.press("Space")
    expect(radio).to_be_checked()
    name, value = radio.get_attribute("name"), radio.get_attribute("value")

    # Back up with Shift+Tab, then forward to Save, and save with Enter.
    page.keyboard.press("Shift+Tab")
    save = page.get_by_role("button", name="Save", exact=True)
    tab_to(page, save)
    page.keyboard.press("Enter")
    expect(page.locator("#save-status")).to_have_text("Saved")

    # The answer is kept: it is still checked on a fresh load.
    page.reload()
    expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
