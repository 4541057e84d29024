"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live_server.

How to write one (see test_intake.py):

    def test_it_does_something(people, page_as):
        page = page_as(people.owner)          # a fresh browser context, signed in
        page.goto("/proposals/")              # relative to the live server (the context's base_url)
        expect(page.get_by_role("heading", name="Proposals")).to_be_visible()
        screenshot(page, "proposal-list")     # test-artifacts/screenshots/proposal-list.png

- Every test in this folder gets the `browser` marker, so `pytest -m "not browser"` leaves them out.
- `people` is one organisation ("Acme", with a team) and two people who sign in with PASSWORD:
  `owner` (a member, the usual proposer) and `admin` (the organisation's admin).
- `new_page()` gives a page in a new browser context (its own cookies: another person, or the same
  person on another device); `page_as(user)` is the same, signed in. Contexts close after the test;
  when a test fails, each of its pages is saved as FAILED-<test>-<n>.png first.
- An uncaught JavaScript error in any page fails the test.
- Create data with the ORM before the pages open and assert on what the pages show. The ORM works
  at any time (see DJANGO_ALLOW_ASYNC_UNSAFE below), but on SQLite the test and the server share one
  in-memory connection: query only while no request is running, i.e. after an `expect` on the
  result of the last click, never right after the click itself.
"""

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from playwright.sync_api import Browser, Page, expect, sync_playwright

from accounts.models import Membership, Organisation, Role, Team, User
from config.celery import app
from scripts.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import REQUIRE_SERVICES
from tests.worker import WorkerStarter, require_worker_services, services_missing, worker_session

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "browser-tests-password"
BROWSER_TESTS = Path(__file__).resolve().parent

# Auto-waiting assertions give up after 5 s by default; these machines run several suites at once
# on two cores. A passing test never waits for this limit, only a failing one.
expect.set_options(timeout=10_000)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # tryfirst: mark before pytest's own hook deselects by marker (-m "not browser").
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    # Remember whether the test body failed, so that `new_page` can save what the browser showed.
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


def _unavailable(reason: str) -> None:
    # CI sets MLFIT_REQUIRE_SERVICES=1: a missing browser must fail the build, not pass it silently.
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MLFIT_REQUIRE_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not installed: apt-get install chromium (looked for {CHROMIUM})")

    # Playwright's sync API marks an asyncio loop as running in this thread from start() to stop()
    # (playwright/_impl/_greenlets.py), and Django then refuses every ORM call made from it with
    # SynchronousOnlyOperation. With one browser for the whole session that covers the fixtures and
    # the tests' own set-up, and every test that runs after the first browser test, browser or not.
    # No coroutine ever touches the database here: the loop only talks to the browser, and the app
    # itself is served by live_server in its own thread, so Django's guard protects nothing and is
    # lifted, for as long as Playwright runs and for tests only.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


_ONE_REQUEST_AT_A_TIME = threading.RLock()


@pytest.fixture(autouse=True)
def _serialise_requests_on_in_memory_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    # On SQLite the test database lives in memory, and live_server hands its one connection to
    # every request thread (there is no other way for them to see that database). Two requests at once, which a browser
    # sends all the time (leaving a field autosaves while the click submits the form), would then
    # run inside each other's transactions and fail at random with TransactionManagementError or
    # "no such savepoint". So on SQLite the server handles one request at a time; PostgreSQL gives
    # each thread its own connection and keeps the real concurrency.
    if connection.vendor != "sqlite":
        return
    handle = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with _ONE_REQUEST_AT_A_TIME:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)


@pytest.fixture
def new_page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
    """A factory of pages, each in a new browser context (its own cookies), all closed after the test."""
    contexts = []
    page_errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}"))
        return page

    yield make

    if request.node.stash.get(_FAILED, False):
        name = re.sub(r"[^\w.-]+", "-", request.node.name)
        for n, context in enumerate(contexts, start=1):
            for page in context.pages:
                screenshot(page, f"FAILED-{name}-{n}")
    for context in contexts:
        context.close()
    # An uncaught JavaScript error is a bug even when the assertions happened to pass.
    assert not page_errors, f"JavaScript errors in the page: {page_errors}"


@pytest.fixture
def page(new_page) -> Page:
    """One page, not signed in."""
    return new_page()


@pytest.fixture
def page_as(new_page, live_server) -> Callable[..., Page]:
    """`page_as(user)`: a page in a new browser context, signed in as `user` (whose password is PASSWORD)."""

    def make(user: User, password: str = PASSWORD) -> Page:
        page = new_page()
        sign_in(page, live_server.url, user.email, password)
        return page

    return make


@dataclass
class People:
    org: Organisation
    team: Team
    owner: User
    admin: User


@pytest.fixture
def people(transactional_db) -> People:
    org = Organisation.objects.create(name="Acme", slug="acme")
    team = Team.objects.create(organisation=org, name="Customer care")
    owner = User.objects.create_user(email="owner@acme.test", password=PASSWORD, name="Olivia Owner")
    admin = User.objects.create_user(email="admin@acme.test", password=PASSWORD, name="Ada Admin")
    Membership.objects.create(user=owner, organisation=org, role=Role.MEMBER)
    Membership.objects.create(user=admin, organisation=org, role=Role.ADMIN)
    return People(org=org, team=team, owner=owner, admin=admin)


def sign_in(page: Page, live_server_url: str, email: str, password: str) -> None:
    """Sign in through the login form, and wait until the app shows the person signed in."""
    page.goto(f"{live_server_url}/login/")
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png (gitignored) for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def workers(transactional_db, tmp_path) -> Iterator[WorkerStarter | None]:
    """A real worker when PostgreSQL and Redis are there; None, with jobs run eagerly, when not."""
    if REQUIRE_SERVICES or services_missing() is None:
        require_worker_services()
        with worker_session(tmp_path) as starter:
            starter.start(pause=3)
            yield starter
        return
    eager = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    try:
        yield None
    finally:
        app.conf.update(task_always_eager=eager)
