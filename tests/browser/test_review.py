"""A full review in Chromium: the owner submits, three required stakeholders (product, ML
engineering, legal) each find the request in their notifications and approve with their reasons,
acknowledging the one blocker (nobody has stated a requirement yet), and the proposal ends
approved, with every decision and acknowledgement on the record."""

from django.core import mail
from playwright.sync_api import expect

from accounts.models import Membership, Role, User
from projects.services import proposal_create
from stakeholders.services import stake_roles, stakeholder_add
from tests.browser.conftest import PASSWORD, screenshot

ACKNOWLEDGED = "Requirements come with the pilot; this approves the pilot only."
REVIEWERS = [
    ("product", "Priya Product", "priya@acme.test", "The routing saves agents a day a week."),
    ("ml_engineering", "Marco ML", "marco@acme.test", "Gradient-boosted trees meet the latency budget."),
    ("legal", "Lena Legal", "lena@acme.test", "Ticket text stays in the EU; no personal data in features."),
]


def test_three_stakeholders_review_and_the_proposal_is_approved(people, page_as):
    proposal = proposal_create(
        organisation=people.org,
        data={"title": "Route support tickets", "problem": "A third of tickets are re-routed by hand."},
        by=people.owner,
    )
    roles = {r.key: r for r in stake_roles(organisation=people.org)}
    reviewers = []
    for key, name, email, _ in REVIEWERS:
        user = User.objects.create_user(email=email, password=PASSWORD, name=name)
        Membership.objects.create(user=user, organisation=people.org, role=Role.REVIEWER)
        stakeholder_add(
            proposal=proposal,
            role=roles[key],
            by=people.owner,
            link_url=lambda s, raw: f"http://testserver/requirements/{raw}/",
            user=user,
        )
        reviewers.append(user)
    mail.outbox.clear()

    owner = page_as(people.owner)
    owner.goto(f"/proposals/{proposal.pk}/")
    owner.get_by_role("link", name="Open the review").click()
    expect(owner.locator("#review-state")).to_have_text("Draft")
    owner.get_by_role("button", name="Submit for review").click()
    expect(owner.get_by_role("status")).to_contain_text("Submitted for review")
    expect(owner.locator("#review-state")).to_have_text("Submitted")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(email for _, _, email, _ in REVIEWERS)

    for n, (user, (_, name, _, reason)) in enumerate(zip(reviewers, REVIEWERS, strict=True), start=1):
        page = page_as(user)
        # The request waits in the header's notifications, beside "you are a stakeholder".
        bell = page.locator("#bell")
        expect(bell).to_contain_text("2")
        bell.click()
        request = page.locator(".notification", has_text="Please review")
        request.get_by_role("button", name="Open").click()
        expect(page.get_by_role("heading", name="Review", exact=True)).to_be_visible()
        # The blocker is listed above the form, and the approve form asks for a reason for it.
        blockers = page.locator("#approval-blockers")
        expect(blockers).to_contain_text("No stakeholder has stated any requirement")
        expect(blockers.get_by_role("link", name="Where to look")).to_have_attribute(
            "href", f"/proposals/{proposal.pk}/stakeholders/"
        )
        page.get_by_label("Why you approve").fill(reason)
        page.locator("#action-approve").get_by_label("No stakeholder has stated any requirement").fill(ACKNOWLEDGED)
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Your approval is recorded")
        # Signed once: the decision buttons are not offered again in this round.
        expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
        expect(page.locator("#review-history > li")).to_have_count(n)
        expected = "Approved" if n == len(reviewers) else "In review"
        expect(page.locator("#review-state")).to_have_text(expected)
        if n == 2:
            screenshot(page, "review-in-progress")

    owner.reload()
    expect(owner.locator("#review-state")).to_have_text("Approved")
    for _, name, _, reason in REVIEWERS:
        expect(owner.locator("#review-history")).to_contain_text(reason)
    expect(owner.locator("#review-history dd", has_text=ACKNOWLEDGED)).to_have_count(3)
    expect(owner.locator("#signoffs tbody tr")).to_have_count(3)
    screenshot(owner, "review-approved")
    owner.goto("/accounts/notifications/")
    expect(owner.locator(".notification")).to_have_count(3)
