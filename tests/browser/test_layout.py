"""The main pages fit the screen: at 390 px (a phone) and 1280 px (a laptop) the page body never
scrolls sideways. A wide table may scroll inside a container of its own (overflow-x: auto); the
page may not.

The pages are the demo's (`manage.py seed_demo` and its two reports, as `make screenshots` draws
them: scripts/screenshots.py keeps the one list of main pages), seen by the demo admin, who sees
the most on them (the review's forms, the admin's controls). A failure names the page, the width
and the elements that stick out furthest, outermost first.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from scripts.screenshots import demo_pages, demo_reports
from tests.browser.test_accessibility import settle
from tests.conftest import celery_eager, install_engine_memo

WIDTHS = (390, 1280)
ADMIN = "admin@demo.mlfit.test"

# Each element that sticks out past the right edge of the window and whose parent does not (the
# outermost culprit), unless an ancestor clips or scrolls it (overflow-x other than visible).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map(c => '.' + c).join('');
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const sticksOut = el => el.getBoundingClientRect().right > width + 1;
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !sticksOut(el) || contained(el)) continue;
    if (el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement)) continue;
    const path = [];
    for (let p = el; p && p !== document.body && path.length < 3; p = p.parentElement) path.unshift(name(p));
    culprits.push({path: path.join(' > '), right: Math.round(box.right), width: Math.round(box.width)});
  }
  culprits.sort((a, b) => b.right - a.right);
  return {
    window: width,
    document: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    culprits: culprits.slice(0, 5),
  };
}"""


@pytest.fixture
def demo(transactional_db, monkeypatch) -> list[tuple[str, str]]:
    install_engine_memo(monkeypatch)
    with celery_eager():
        call_command("seed_demo", verbosity=0)
        demo_reports()
    return demo_pages()


def overflow(page: Page) -> str:
    """'' when the page fits the window; else what sticks out, in words."""
    found = page.evaluate(OVERFLOW)
    if found["document"] <= found["window"] and found["body"] <= found["window"]:
        return ""
    culprits = "; ".join(f"{c['path']} (right edge {c['right']} px, {c['width']} px wide)" for c in found["culprits"])
    return (
        f"the document is {found['document']} px and the body {found['body']} px wide in a "
        f"{found['window']} px window; widest: {culprits or 'none found outside a scroll container'}"
    )


def test_no_main_page_scrolls_sideways_on_a_phone_or_a_laptop(demo, browser: Browser, live_server):
    from transfer.management.commands.seed_demo import DEMO_PASSWORD

    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTHS[-1], "height": 900})
    page = context.new_page()
    try:
        page.goto("/login/")
        page.locator("input[name=username]").fill(ADMIN)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()
        failures = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in demo:
                response = page.goto(url)
                assert response is not None and response.ok, f"{name} {url}: {response and response.status}"
                settle(page)
                found = overflow(page)
                if found:
                    failures.append(f"{name} at {width} px: {found}")
        assert not failures, "Pages that scroll sideways:\n" + "\n".join(failures)
    finally:
        context.close()


def test_the_check_sees_a_page_that_scrolls_sideways(transactional_db, browser: Browser, live_server):
    # The check itself: a page made too wide on purpose is caught, with the culprit named.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login/")
        assert overflow(page) == ""
        page.evaluate(
            "() => { const d = document.createElement('div'); d.id = 'too-wide'; d.style.width = '900px';"
            " d.textContent = 'x'; document.querySelector('main').appendChild(d); }"
        )
        found = overflow(page)
        assert "in a 390 px window" in found and "div#too-wide" in found, found
        # Inside a container that scrolls, the same element is allowed.
        page.evaluate("() => { document.querySelector('main').style.overflowX = 'auto'; }")
        assert overflow(page) == ""
    finally:
        context.close()
