"""Every main page in Chromium: no Content-Security-Policy violation, and no serious or critical
accessibility violation found by axe-core (tests/browser/vendor/axe.min.js, a test tool only).

The pages are those of one proposal with everything filled in: assessed, with stakeholders and a
resolved conflict, and a computed report; a second proposal has its assessment in progress, for the
wizard's pages. Pages added since (notifications, review, portfolio...) are visited when their URL
exists, so the checks grow with the app.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Browser, Page, expect

from projects.services import proposal_create
from questionnaires.versions import sync_from_files
from stakeholders.models import Conflict
from stakeholders.services import conflict_resolve
from suitability.services import answers_put
from tests.browser.conftest import PASSWORD, People, screenshot, sign_in
from tests.conftest import celery_eager, install_engine_memo
from tests.factories import build_scenario, computed

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The impacts that fail a test; "minor" and "moderate" findings are printed for people to read.
FAILING_IMPACTS = {"serious", "critical"}
TITLE = "Route support tickets to the right queue"


@dataclass
class Site:
    pages: dict[str, str]  # name -> path, signed in as the admin (who may see every page)


def _optional(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@pytest.fixture
def site(people: People, monkeypatch) -> Iterator[Site]:
    sync_from_files()
    install_engine_memo(monkeypatch)
    with celery_eager():
        proposal = proposal_create(
            organisation=people.org,
            data={"title": TITLE, "problem": "A third of the tickets land in the wrong queue and wait two days."},
            by=people.owner,
        )
        build_scenario(SimpleNamespace(proposal=proposal, owner=people.owner))
        conflict = Conflict.objects.filter(proposal=proposal).first()
        conflict_resolve(
            conflict=conflict, decision="Weekly retraining", rationale="Good enough for both.", by=people.owner
        )
        report = computed(proposal, people.owner)
        draft = proposal_create(
            organisation=people.org,
            data={"title": "Forecast call volumes", "problem": "Rotas are guesswork."},
            by=people.owner,
        )
        in_progress = answers_put(proposal=draft, raw={"problem_description": "Rotas are guesswork."}, by=people.owner)
    assessment = proposal.assessments.get()
    p = proposal.pk
    pages = {
        "proposal list": reverse("projects:list"),
        "new proposal": reverse("projects:create"),
        "proposal detail": reverse("projects:detail", args=[p]),
        "proposal edit": reverse("projects:edit", args=[p]),
        "wizard step": reverse("assessments:section", args=[draft.pk, in_progress.pk, "problem"]),
        "wizard review": reverse("assessments:review", args=[draft.pk, in_progress.pk]),
        "result": reverse("assessments:result", args=[p, assessment.pk]),
        "stakeholders matrix": reverse("stakeholders:list", args=[p]),
        "conflict": reverse("stakeholders:conflict", args=[p, conflict.pk]),
        "report list": reverse("reports:list", args=[p]),
        "report": reverse("reports:detail", args=[p, report.pk]),
        "report library": reverse("report_library"),
        "members": reverse("accounts:members"),
        "organisations": reverse("accounts:organisations"),
        "api tokens": reverse("accounts:api_tokens"),
        "password change": reverse("password_change"),
    }
    for name, url in {
        "notifications": _optional("accounts:notifications"),
        "notification settings": _optional("accounts:notification_settings"),
        "review": _optional("review", p),
        "history": _optional("projects:history", p),
        "review policy": _optional("review_policy"),
        "portfolio": _optional("projects:portfolio") or _optional("portfolio"),
    }.items():
        if url:
            pages[name] = url
    yield Site(pages=pages)


SIGNED_OUT = {"sign-in": "/login/", "password reset": "/password/reset/"}


def csp_watch(page: Page) -> list[str]:
    """Every CSP violation the page reports, from the console and from the DOM event."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
            else None
        ),
    )
    # The event also catches violations Chromium does not log (and those in htmx swaps, later on).
    page.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));"
    )
    return violations


def settle(page: Page) -> None:
    """Wait for the page and the htmx requests it makes on load (lazy panels) to finish."""
    page.wait_for_load_state("networkidle")


def test_no_main_page_violates_the_content_security_policy(site, new_page, people, live_server):
    page = new_page()
    violations = csp_watch(page)
    # First, the watch itself: an inline script added to a page is refused, and seen.
    page.goto("/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    page.wait_for_timeout(200)  # the console message follows the event
    assert violations
    violations.clear()

    for name, url in SIGNED_OUT.items():
        page.goto(url)
        settle(page)
        violations += [f"{name}: {v}" for v in page.evaluate("window.__csp")]
    sign_in(page, live_server.url, people.admin.email, PASSWORD)
    broken = []
    for name, url in site.pages.items():
        response = page.goto(url)
        assert response is not None
        if not response.ok:
            broken.append(f"{name} {url}: {response.status}")
            continue
        assert "script-src 'self'" in response.headers["content-security-policy"], name
        settle(page)
        if name == "report":  # the charts, drawn under the policy: for people to look at
            screenshot(page, "report-under-csp")
        violations += [f"{name}: {v}" for v in page.evaluate("window.__csp")]
    assert not violations, "\n".join(violations)
    assert not broken, broken


@pytest.fixture
def axe_page(browser: Browser, live_server, request) -> Iterator[Page]:
    # axe is injected as a script of the page's own, which the policy rightly refuses: this context
    # alone bypasses the CSP (the test above checks the policy with it in force).
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, errors


def axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})).violations"
    )
    return result


def describe(violation: dict) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} at {targets}"


def test_axe_finds_no_serious_or_critical_violation_on_any_main_page(site, axe_page, people, live_server):
    failures, notes = [], []
    page = axe_page
    for name, url in SIGNED_OUT.items():
        page.goto(url)
        settle(page)
        for violation in axe(page):
            (failures if violation["impact"] in FAILING_IMPACTS else notes).append(f"{name}: {describe(violation)}")
    sign_in(page, live_server.url, people.admin.email, PASSWORD)
    for name, url in site.pages.items():
        page.goto(url)
        settle(page)
        for violation in axe(page):
            (failures if violation["impact"] in FAILING_IMPACTS else notes).append(f"{name}: {describe(violation)}")
    if notes:
        print("axe, minor and moderate:\n" + "\n".join(notes))
    assert not failures, "\n".join(failures)


def test_intake_errors_are_summarised_and_linked_to_their_fields(page_as, people):
    page = page_as(people.owner)
    page.goto("/proposals/new/")
    page.get_by_role("button", name=re.compile("^(Create|Save)")).first.click()

    summary = page.get_by_role("alert").filter(has_text="Please correct the fields marked below")
    expect(summary).to_be_visible()
    title = page.get_by_label(re.compile("^Title"))
    expect(title).to_have_attribute("aria-invalid", "true")
    described = title.get_attribute("aria-describedby") or ""
    error_ids = [i for i in described.split() if i.endswith("_error")]
    assert error_ids, described
    expect(page.locator(f"#{error_ids[0]}")).to_contain_text("Give the proposal a title.")
    screenshot(page, "intake-errors")


def test_sign_in_errors_are_announced(page, people):
    page.goto("/login/")
    page.get_by_label("Email").fill(people.owner.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").filter(has_text="Please enter a correct email and password")).to_be_visible()

    page.get_by_label("Email").fill("")
    page.get_by_role("button", name="Sign in").click()
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_username_error")).to_contain_text("Enter the email address you sign in with.")
    assert "id_username_error" in (email.get_attribute("aria-describedby") or "")
    screenshot(page, "sign-in-errors")
