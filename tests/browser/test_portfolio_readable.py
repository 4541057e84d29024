"""The portfolio's state-by-verdict table in Chromium: every state and verdict label on one line,
on a laptop screen and a phone's, the table scrolling inside its own frame when it must."""

import pytest
from playwright.sync_api import expect

from projects.models import Proposal
from tests.browser.conftest import screenshot

# How many line boxes each cell's text makes: one per line it is laid out on.
LINES = """table => [...table.querySelectorAll('thead th, tbody th')].map(cell => {
  const tops = new Set();
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
  }
  return [cell.textContent.trim(), tops.size];
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_no_label_of_the_state_by_verdict_table_wraps(people, page_as, width):
    verdicts = ["good_fit", "fit_with_caveats", "not_a_fit", ""]
    for n, status in enumerate(["draft", "in_review", "changes_requested", "approved", "rejected"]):
        Proposal.objects.create(
            organisation=people.org,
            owner=people.owner,
            created_by=people.owner,
            title=f"Proposal {n}",
            problem="Something goes wrong.",
            status=status,
            suitability_verdict=verdicts[n % 4],
            suitability_fraction=0.2 * (n + 1) - 0.1 if verdicts[n % 4] else None,
            estimated_value=10_000 * (n + 1),
        )
    page = page_as(people.admin)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/proposals/portfolio/")
    table = page.locator("table.cross")
    expect(table).to_be_visible()
    lines = [tuple(pair) for pair in table.evaluate(LINES)]
    assert ("Not a fit", 1) in lines and ("Changes requested", 1) in lines, lines
    wrapped = [label for label, count in lines if count != 1]
    assert not wrapped, f"wrapped over several lines at {width} px: {wrapped}"
    # The table scrolls inside its own frame if it must; the frame stays within the screen.
    frame = page.locator(".cross-wrap").bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= width, (frame, width)
    screenshot(page, f"portfolio-table-{width}")
