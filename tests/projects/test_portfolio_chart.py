"""The chart's layout: plain Python, from grid cells to coordinates."""

import pytest

from projects.portfolio_chart import compact, layout, value_band


def test_nothing_to_plot():
    assert layout({}) is None
    assert layout({(3, 8): 0}) is None


def test_cells_are_placed_on_the_grid_and_sized_by_count():
    chart = layout({(9, 12): 100, (0, 6): 25})
    assert chart is not None
    big, small = sorted(chart.cells, key=lambda c: -c.count)
    assert big.cx > small.cx  # higher suitability to the right
    assert big.cy < small.cy  # higher value further up
    assert big.r == pytest.approx(
        2 * small.r, abs=0.1
    )  # area proportional to the count: 4 times the count, twice the radius
    assert chart.plotted == 125 and chart.largest == 100
    # The axis spans whole decades: 10^3 (row 6) to 10^7 (row 13 ends at 10^7).
    assert [t.label for t in chart.y_ticks] == ["1k", "10k", "100k", "1M", "10M"]


def test_labels():
    assert compact(999) == "999"
    assert compact(1000) == "1k"
    assert compact(3162.3) == "3.2k"
    assert compact(31_622_776) == "32M"
    assert value_band(10) == "100k–316k"
