"""The whole journey in Chromium, as a new user goes: accept an invitation and sign in, propose a
project, complete the suitability wizard, name three stakeholders who each state requirements
through their emailed link, generate a trade-off report on a real Celery worker and watch it run,
take the proposal through review to approval, and export the PDF and read its text.

It reuses the steps the focused browser tests check in detail (test_wizard, test_stakeholders,
test_reports); here they run end to end, on PostgreSQL and Redis in CI. The ORM is used only
before the pages open; `mail.outbox` is the test process's own (the live server runs in it).
"""

import re
import time

from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership, Role, User
from questionnaires.versions import sync_from_files
from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_reports import pdf_text
from tests.browser.test_stakeholders import PRIORITY_QUESTIONS, answer_choice, answer_number
from tests.browser.test_wizard import SECTIONS, TYPICAL, answer_section, expect_section, press_nav

TITLE = "Route support tickets to the right queue"
INVITE = re.compile(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)")
REQUIREMENTS = re.compile(r"https?://[^/\s]+(/requirements/[\w-]+/)")
REVIEWERS = [
    # stake, name, email, what they require, why they approve
    ("Product", "Priya Product", "priya@acme.test", "latency", "Agents get tickets faster."),
    ("ML engineering", "Marco ML", "marco@acme.test", "interpretability", "Trees are enough and explainable."),
    ("Legal, compliance or risk", "Lena Legal", "lena@acme.test", "fairness", "Reviewed the fairness checks."),
]


def latest_mail_link(starter, to: str, pattern: re.Pattern, timeout: float = 30.0) -> str:
    """The link in the newest email to `to`: sent by the worker when there is one, else in-process."""
    deadline = time.monotonic() + timeout
    while True:
        if starter is None:
            bodies = [m.body for m in mail.outbox if m.to == [to]]
        else:
            bodies = [
                m.get_payload() if not m.is_multipart() else m.get_payload(0).get_payload(decode=True).decode()
                for m in starter.sent_mail()
                if m["To"] == to
            ]
        for body in reversed(bodies):
            found = pattern.search(body)
            if found:
                return found.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {to} with a link like {pattern.pattern}")
        time.sleep(0.2)


def state_requirements(page: Page, link: str, name: str, dimension: str) -> None:
    """A stakeholder answers the requirements questionnaire behind their link and submits it."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"What do you need from this system, {name}?")
    for key in PRIORITY_QUESTIONS:
        wanted = "must" if key == f"{dimension}_priority" else "none"
        answer_choice(page, key, wanted)
    # The must-have's target, which that answer revealed.
    if dimension == "latency":
        answer_number(page, "latency_target", "300")
    elif dimension == "interpretability":
        answer_choice(page, "interpretability_level", "per_prediction")
    elif dimension == "fairness":
        answer_number(page, "fairness_target", "0.1")
    page.get_by_role("button", name="Submit my requirements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Thank you, {name}")


def test_a_new_member_takes_a_proposal_from_invitation_to_an_approved_report(
    people,
    page_as,
    new_page,
    workers,
    tmp_path,
):
    sync_from_files()
    reviewers = []
    for _, name, email, _, _ in REVIEWERS:
        user = User.objects.create_user(email=email, password=PASSWORD, name=name)
        Membership.objects.create(user=user, organisation=people.org, role=Role.REVIEWER)
        reviewers.append(user)

    # 1. An admin invites Nina; she accepts and is signed in.
    admin = page_as(people.admin)
    admin.goto("/accounts/members/")
    admin.locator("#id_email").fill("nina@acme.test")
    admin.locator("#id_role").select_option(label="Member")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.get_by_role("status")).to_contain_text("nina@acme.test")
    nina = new_page()
    nina.goto(latest_mail_link(workers, "nina@acme.test", INVITE))
    nina.locator("#id_name").fill("Nina New")
    nina.locator("#id_password1").fill("a-long-enough-passphrase-2026")
    nina.locator("#id_password2").fill("a-long-enough-passphrase-2026")
    nina.get_by_role("button", name="Join Acme").click()
    expect(nina.get_by_role("button", name="Sign out")).to_be_visible()

    # 2. She proposes a project.
    nina.get_by_role("navigation", name="Main").get_by_role("link", name="New proposal").click()
    nina.get_by_label("Title").fill(TITLE)
    nina.get_by_label("Problem").fill("A third of the tickets land in the wrong queue and wait two days.")
    nina.get_by_label("Success metric").fill("Share of tickets routed correctly")
    nina.get_by_role("button", name="Create proposal").click()
    expect(nina).to_have_url(re.compile(r"/proposals/\d+/$"))
    proposal_url = nina.url

    # 3. The suitability wizard, every section, then complete.
    nina.get_by_role("link", name="Assess ML suitability").click()
    nina.get_by_role("button", name="Start the assessment").click()
    for index, section in enumerate(SECTIONS):
        expect_section(nina, section)
        answer_section(nina, TYPICAL)
        if index + 1 < len(SECTIONS):
            press_nav(nina, "Next", SECTIONS[index + 1])
    nina.locator(".wizard-nav").get_by_role("button", name="Review answers").click()
    nina.get_by_role("button", name="Complete the assessment").click()
    expect(nina.get_by_role("status")).to_contain_text("Assessment completed.")
    verdict = nina.locator("#verdict-title").inner_text()

    # 4. Three stakeholders, each a reviewer member, each stating requirements through their link.
    nina.goto(proposal_url)
    nina.get_by_role("link", name="Stakeholders, their requirements and the conflicts between them").click()
    add = nina.get_by_role("region", name="Add a stakeholder")
    for stake, name, email, dimension, _ in REVIEWERS:
        add.get_by_label("A member").select_option(label=name)
        add.get_by_label("Their stake").select_option(label=stake)
        add.get_by_role("button", name="Add and email them a link").click()
        expect(nina.get_by_role("status")).to_contain_text(f"{name} was added")
    for _, name, email, dimension, _ in REVIEWERS:
        state_requirements(new_page(), latest_mail_link(workers, email, REQUIREMENTS), name, dimension)

    # 5. A trade-off report, computed by the worker, watched as it runs.
    nina.goto(proposal_url)
    nina.get_by_role("link", name="Trade-off reports").click()
    nina.get_by_role("button", name="Generate report").click()
    status = nina.locator("#report-status")
    if workers is not None:
        expect(status).to_contain_text(re.compile(r"Running: [1-9]\d*%"), timeout=30_000)
    expect(nina.get_by_role("heading", name="Ranking", exact=True)).to_be_visible(timeout=60_000)
    expect(status).to_contain_text("Done.")
    report_url = nina.url

    # 6. Review: Nina submits; each stakeholder approves from the request in their notifications.
    nina.goto(proposal_url)
    nina.get_by_role("link", name="Open the review").click()
    nina.get_by_role("button", name="Submit for review").click()
    expect(nina.locator("#review-state")).to_have_text("Submitted")
    for user, (_, _, _, _, reason) in zip(reviewers, REVIEWERS, strict=True):
        page = page_as(user)
        page.goto("/accounts/notifications/")
        page.locator(".notification", has_text="Please review").get_by_role("button", name="Open").click()
        page.get_by_label("Why you approve").fill(reason)
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Your approval is recorded")
    nina.reload()
    expect(nina.locator("#review-state")).to_have_text("Approved")
    screenshot(nina, "journey-approved")

    # 7. The PDF of the report: the verdict, the stakeholders, and the sign-offs.
    nina.goto(report_url)
    with nina.expect_download(timeout=60_000) as download_info:
        nina.get_by_role("link", name="PDF", exact=True).click()
        if workers is None:
            nina.get_by_role("link", name="Download the PDF").click()
    path = tmp_path / "report.pdf"
    download_info.value.save_as(path)
    text = " ".join(pdf_text(path).split())
    assert TITLE in text
    assert verdict in text
    for _, name, _, _, reason in REVIEWERS:
        assert name in text
        assert reason in text, f"the sign-off of {name} is not in the PDF"
