"""A proposal walks from a new draft to approval in Chromium by following only the primary action of
each page (issue 17: "the next step always clear").

The rules of the walk:

- A page's primary action is the element marked `data-primary-action` (the path's next step, a
  stage page's onward link) or, on a page without one, its one control styled `primary`. Exactly
  one must be visible; the walk clicks it and nothing else that moves on.
- Between clicks a person fills in only what the page asks: the proposal's fields, the suitability
  questionnaire, who has a stake, their requirements, the reason for a sign-off. Pressing the submit
  button of that form is part of filling it in.
- Where the next step belongs to someone else, the walk switches to that person: a stakeholder
  starts from the link in the email they were sent, a reviewer from where they land after signing in
  (the queue of what waits for them), and each follows their own primary action from there.
- axe-core finds no serious or critical violation on any page visited (the helper of
  test_accessibility; these contexts alone bypass the Content-Security-Policy so it can be injected).
"""

import re
import time
from collections.abc import Iterator

import pytest
from django.core import mail
from playwright.sync_api import Browser, Locator, Page, expect

from accounts.models import Membership, Role, User
from projects.services import proposal_create
from questionnaires.versions import sync_from_files
from stakeholders.review import review_act
from stakeholders.services import stake_roles, stakeholder_add
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_accessibility import FAILING_IMPACTS, axe, describe, settle
from tests.browser.test_journey import REQUIREMENTS, latest_mail_link, state_requirements
from tests.browser.test_wizard import SECTIONS, TYPICAL, answer_section, expect_section

TITLE = "Route support tickets to the right queue"
# The roles that must sign off by default, a reviewer member for each, what they require and why
# they approve (tests/browser/test_journey.py states the same requirements through the same links).
REVIEW_REQUEST = re.compile(r"https?://[^/\s]+(/proposals/\d+/review/)")
SIGNERS = [
    ("product", "Priya Product", "priya@acme.test", "latency", "Agents get tickets faster."),
    ("ml_engineering", "Marco ML", "marco@acme.test", "interpretability", "Trees are enough and explainable."),
    ("legal", "Lena Legal", "lena@acme.test", "fairness", "Reviewed the fairness checks."),
]


class Walk:
    """The pages of the walk, each person in a browser context of their own, checked by axe."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.errors: list[str] = []
        self.axe_failures: list[str] = []
        self.visited: list[str] = []

    def person(self, email: str | None = None) -> Page:
        """A new browser context; signed in as `email` when given (the page is then where they land)."""
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1280, "height": 900}, bypass_csp=True
        )
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        if email:
            page.goto("/login/")
            page.locator("input[name=username]").fill(email)
            page.locator("input[name=password]").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    def check(self, page: Page, where: str) -> None:
        """axe on the page as it stands (once per distinct page of the walk)."""
        settle(page)
        key = re.sub(r"\d+", "N", page.url.removeprefix(self.base_url))
        if key in self.visited:
            return
        self.visited.append(key)
        for violation in axe(page):
            if violation["impact"] in FAILING_IMPACTS:
                self.axe_failures.append(f"{where} ({key}): {describe(violation)}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def walk(browser: Browser, live_server) -> Iterator[Walk]:
    walk = Walk(browser, live_server.url)
    yield walk
    walk.close()
    assert not walk.errors, f"JavaScript errors in the page: {walk.errors}"


def primary_action(page: Page) -> Locator:
    """The page's primary action: marked data-primary-action, else its visible `.primary` controls."""
    marked = page.locator("main [data-primary-action]:visible")
    return marked if marked.count() else page.locator("main .primary:visible")


def _is(action: Locator, name: str | re.Pattern) -> bool:
    try:
        if action.count() != 1:
            return False
        text = " ".join(action.inner_text(timeout=1000).split())
    except Exception:  # the page went away under the query: not there yet
        return False
    return bool(name.search(text)) if isinstance(name, re.Pattern) else text == name


def follow(walk: Walk, page: Page, name: str | re.Pattern, where: str) -> None:
    """Check the page with axe, check its one primary action is `name`, and click it."""
    # The expected name is the wait: until the next page is in, the last one's action does not match.
    deadline = time.monotonic() + 10
    action = primary_action(page)
    while time.monotonic() < deadline and not _is(action, name):
        page.wait_for_timeout(100)
        action = primary_action(page)
    expect(action, f"{where}: the page's primary action").to_have_count(1)
    expect(action, f"{where}: the page's primary action").to_have_text(name)
    walk.check(page, where)
    action.click()


def submit_form(page: Page, button: str) -> None:
    """Press the submit button of the form the page asks to fill."""
    page.get_by_role("button", name=button, exact=True).click()


def fill_reasons(page: Page, reason: str) -> None:
    """Fill every empty required textarea of the approve form: the reason, and one per blocker."""
    form = page.locator("#action-approve")
    for area in form.locator("textarea[required]").all():
        if not area.input_value():
            area.fill(reason)


def test_a_new_draft_reaches_approval_by_primary_actions_alone(people, walk, workers):
    sync_from_files()  # the questionnaires, as `manage.py load_questionnaires` publishes them
    roles = {r.key: r for r in stake_roles(organisation=people.org)}
    for _, name, email, _, _ in SIGNERS:
        user = User.objects.create_user(email=email, password=PASSWORD, name=name)
        Membership.objects.create(user=user, organisation=people.org, role=Role.REVIEWER)
    mail.outbox.clear()

    # The owner signs in, starts a proposal and fills in what the form asks.
    owner = walk.person(people.owner.email)
    follow(walk, owner, "New proposal", "the proposal list")
    owner.get_by_label("Title").fill(TITLE)
    owner.get_by_label("Problem").fill("A third of the tickets land in the wrong queue and wait two days.")
    follow(walk, owner, "Create proposal", "the new proposal's form")
    expect(owner).to_have_url(re.compile(r"/proposals/\d+/$"))
    proposal_url = owner.url

    # The path's next step is the assessment; the wizard's primary action walks it section by section.
    follow(walk, owner, "Assess ML suitability", "a new draft's page")
    follow(walk, owner, "Start the assessment", "the assessment's start")
    for index, section in enumerate(SECTIONS):
        expect_section(owner, section)
        answer_section(owner, TYPICAL)
        last = index + 1 == len(SECTIONS)
        follow(walk, owner, "Review answers" if last else "Next", f"the wizard's section {section.key}")
    follow(walk, owner, "Complete the assessment", "the review of the answers")
    expect(owner.get_by_role("status")).to_contain_text("Assessment completed.")

    # The verdict page leads on to the stakeholders, where the owner names one per required role.
    follow(walk, owner, re.compile("Stakeholders"), "the verdict")
    expect(owner.get_by_role("heading", level=1)).to_contain_text("Stakeholders")
    add = owner.get_by_role("region", name="Add a stakeholder")
    for key, name, _, _, _ in SIGNERS:
        add.get_by_label("A member").select_option(label=name)
        add.get_by_label("Their stake").select_option(label=roles[key].label)
        submit_form(owner, "Add and email them a link")
        expect(owner.get_by_role("status")).to_contain_text(f"{name} was added")
    walk.check(owner, "the stakeholders page")

    # Each stakeholder starts from the link in their email and submits their requirements.
    for _, name, email, dimension, _ in SIGNERS:
        stakeholder = walk.person()
        link = latest_mail_link(workers, email, REQUIREMENTS)
        state_requirements(stakeholder, link, name, dimension)
        walk.check(stakeholder, f"{name}'s thanks")

    # Back to the owner: the stakeholders page leads on to the report, the report to the review.
    owner.reload()
    follow(walk, owner, re.compile("report", re.I), "the stakeholders page, everyone named")
    follow(walk, owner, "Generate report", "the reports list")
    expect(owner.get_by_role("heading", name="Ranking", exact=True)).to_be_visible(timeout=60_000)
    follow(walk, owner, re.compile("review", re.I), "the report")
    follow(walk, owner, "Submit for review", "the review page of a draft")
    expect(owner.locator("#review-state")).to_have_text("Submitted")

    # Each reviewer signs in and opens the request they were emailed. (Where they land after signing
    # in does not lead them there yet: test_a_reviewer_lands_where_their_review_waits.)
    for n, (_, name, email, _, reason) in enumerate(SIGNERS, start=1):
        reviewer = walk.person(email)
        reviewer.goto(latest_mail_link(workers, email, REVIEW_REQUEST))
        expect(reviewer.get_by_role("heading", name="Review", exact=True)).to_be_visible()
        fill_reasons(reviewer, reason)
        follow(walk, reviewer, "Approve", f"the review, for {name}")
        expect(reviewer.get_by_role("status")).to_contain_text("Your approval is recorded")
        expected = "Approved" if n == len(SIGNERS) else "In review"
        expect(reviewer.locator("#review-state")).to_have_text(expected)

    # The proposal is approved: its path is walked to the end, with no next step left.
    owner.goto(proposal_url)
    expect(owner.locator("main .proposal-path li[aria-current=step]")).to_have_count(0)
    expect(owner.locator("main [data-primary-action]")).to_have_count(0)
    walk.check(owner, "the approved proposal")
    screenshot(owner, "primary-path-approved")
    assert not walk.axe_failures, "\n".join(walk.axe_failures)


def test_a_reviewer_lands_where_their_review_waits(people, walk):
    proposal = proposal_create(
        organisation=people.org,
        data={"title": TITLE, "problem": "A third of the tickets are re-routed by hand."},
        by=people.owner,
    )
    roles = {r.key: r for r in stake_roles(organisation=people.org)}
    for key, name, email, _, _ in SIGNERS:
        user = User.objects.create_user(email=email, password=PASSWORD, name=name)
        Membership.objects.create(user=user, organisation=people.org, role=Role.REVIEWER)
        stakeholder_add(
            proposal=proposal, role=roles[key], by=people.owner, user=user,
            link_url=lambda s, raw: f"http://testserver/requirements/{raw}/",
        )  # fmt: skip
    owner_membership = Membership.objects.get(user=people.owner, organisation=people.org)
    review_act(proposal=proposal, by=people.owner, membership=owner_membership, action="submit")

    reviewer = walk.person(SIGNERS[0][2])
    # At most two primary actions (the queue, then the proposal's next step) from landing to the review.
    for hop in range(2):
        if reviewer.url.endswith(f"/proposals/{proposal.pk}/review/"):
            break
        follow(walk, reviewer, re.compile("review", re.I), f"hop {hop + 1} from where a reviewer lands")
    expect(reviewer).to_have_url(re.compile(rf"/proposals/{proposal.pk}/review/$"))
    expect(reviewer.locator("#action-approve")).to_be_visible()
