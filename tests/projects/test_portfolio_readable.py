"""The portfolio reads at a glance: the state-by-verdict table keeps each label on one line, and the
chart says what its axes are and how many proposals each circle holds, small circles included."""

import re
from pathlib import Path

from django.urls import reverse

from projects.portfolio_chart import layout, svg
from tests.factories import ProposalFactory
from tests.html import parse

URL = reverse("projects:portfolio")
CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def _spread(world) -> None:
    """Twelve proposals in one cell and one in another: the second's circle is too small for its count."""
    for n in range(12):
        ProposalFactory(
            organisation=world.org,
            owner=world.owner,
            title=f"Busy {n}",
            status="approved",
            suitability_verdict="good_fit",
            suitability_fraction=0.81,
            estimated_value=1_200_000,
        )
    ProposalFactory(
        organisation=world.org,
        owner=world.owner,
        title="Lonely",
        status="rejected",
        suitability_verdict="not_a_fit",
        suitability_fraction=0.15,
        estimated_value=2_000,
    )


def test_every_cell_of_the_chart_has_a_tooltip_and_a_count_on_show(world):
    _spread(world)
    page = parse(world.client_for(world.member).get(URL))
    chart = page.one("svg.portfolio-chart")
    assert chart.find("title", recursive=False).get_text() == "Estimated value per year against suitability score"
    assert len(page.all("svg.portfolio-chart text.axis-title")) == 2
    assert page.texts("svg.portfolio-chart text.tick"), "tick labels on both axes"
    cells = chart.select("g.cell")
    assert len(cells) == 2
    tooltips = [cell.find("title").get_text() for cell in cells]
    assert sorted(tooltips) == [
        "1 proposal: suitability 10–20%, value 1k–3.2k",
        "12 proposals: suitability 80–90%, value 1M–3.2M",
    ]
    counts = sorted(cell.find("text").get_text() for cell in cells)
    assert counts == ["1", "12"], "the small circle's count is written beside it"
    (beside,) = chart.select("g.cell text.count-beside")
    assert beside.get_text() == "1"


def test_a_count_in_the_thousands_is_grouped_in_the_chart():
    markup = svg(layout({(5, 8): 12_345, (1, 8): 3}))
    assert ">12,345</text>" in markup
    assert re.search(r'class="count-beside"[^>]*>3</text>', markup)


def test_the_state_by_verdict_table_keeps_its_labels_on_one_line(world):
    _spread(world)
    page = parse(world.client_for(world.member).get(URL))
    table = page.one(".cross-wrap > table.table.cross")
    headings = [th.get_text() for th in table.select("thead th")]
    assert "Not a fit" in headings and "Fit with caveats" in headings
    # The rule that keeps them so (checked in Chromium by tests/browser/test_portfolio_readable.py).
    css = CSS.read_text()
    assert re.search(r"\.table\.cross th, \.table\.cross td \{ white-space: nowrap; \}", css)
