"""The portfolio's value-versus-suitability chart: a grid of counts laid out for an SVG template.

Plain Python, no Django. The database bins the proposals (projects.portfolio.portfolio_summary);
this module only turns at most a few hundred (column, row, count) cells into coordinates, so the
chart costs the same at 100 proposals as at 100,000.

x: the suitability fraction (score / maximum) in ten columns of 10 points each.
y: the estimated value per year on a log scale, two rows per decade (x1, x3.16, x10...).
"""

import math
from dataclasses import dataclass
from html import escape

COLUMNS = 10  # suitability bands of 10%
ROWS_PER_DECADE = 2  # value bands of half a decade
COLUMN_WIDTH = 52
ROW_HEIGHT = 34
LEFT, RIGHT, TOP, BOTTOM = 74, 12, 12, 52
MIN_ROWS = 4


@dataclass(frozen=True)
class Cell:
    cx: float
    cy: float
    r: float
    count: int
    count_label: str  # with thousands separators
    opacity: float
    show_count: bool
    suitability: str  # e.g. 60 to 70%
    value: str  # e.g. 100k to 316k


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_top: int
    plot_right: int
    plot_bottom: int
    cells: list[Cell]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plotted: int
    largest: int


def compact(value: float) -> str:
    """1,000 -> "1k", 3,162,278 -> "3.2M": axis and band labels."""
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= threshold:
            scaled = value / threshold
            return f"{scaled:.0f}{suffix}" if scaled >= 10 or scaled == int(scaled) else f"{scaled:.1f}{suffix}"
    return f"{value:.0f}"


def band_edge(row: int) -> float:
    """The lower edge of value row `row` (row = floor(2 * log10(value + 1)))."""
    return 10 ** (row / ROWS_PER_DECADE)


def value_band(row: int) -> str:
    return f"{compact(band_edge(row))}–{compact(band_edge(row + 1))}"


def suitability_band(column: int) -> str:
    return f"{column * 10}–{column * 10 + 10}%"


def layout(bins: dict[tuple[int, int], int]) -> Chart | None:
    """Coordinates of each non-empty cell; None when nothing can be plotted."""
    bins = {key: n for key, n in bins.items() if n > 0}
    if not bins:
        return None
    rows = [row for _, row in bins]
    low, high = min(rows), max(rows)
    # Whole decades, so the axis starts and ends on a labelled line, and a few rows at least.
    low -= low % ROWS_PER_DECADE
    high += ROWS_PER_DECADE - 1 - high % ROWS_PER_DECADE
    if high - low + 1 < MIN_ROWS:
        high = low + MIN_ROWS - 1
    row_count = high - low + 1
    plot_width, plot_height = COLUMNS * COLUMN_WIDTH, row_count * ROW_HEIGHT
    width, height = LEFT + plot_width + RIGHT, TOP + plot_height + BOTTOM
    largest = max(bins.values())
    max_radius = min(COLUMN_WIDTH, ROW_HEIGHT) / 2 - 1.5
    cells = []
    for (column, row), count in sorted(bins.items()):
        # Area proportional to the count: a cell with four times the proposals is twice as wide.
        r = max(2.5, max_radius * math.sqrt(count / largest))
        cells.append(
            Cell(
                cx=LEFT + (column + 0.5) * COLUMN_WIDTH,
                cy=TOP + (high - row + 0.5) * ROW_HEIGHT,
                r=round(r, 1),
                count=count,
                count_label=f"{count:,}",
                opacity=round(0.35 + 0.6 * count / largest, 2),
                show_count=r >= 9,
                suitability=suitability_band(column),
                value=value_band(row),
            )
        )
    x_ticks = [Tick(LEFT + column * COLUMN_WIDTH, f"{column * 10}%") for column in range(0, COLUMNS + 1, 2)]
    y_ticks = [
        Tick(TOP + (high + 1 - row) * ROW_HEIGHT, compact(band_edge(row)))
        for row in range(low, high + 2)
        if row % ROWS_PER_DECADE == 0
    ]
    return Chart(
        width=width,
        height=height,
        plot_left=LEFT,
        plot_top=TOP,
        plot_right=LEFT + plot_width,
        plot_bottom=TOP + plot_height,
        cells=cells,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        plotted=sum(bins.values()),
        largest=largest,
    )


def _n(value: float) -> str:
    """A coordinate: short, and never localised (a comma would break the SVG)."""
    return f"{value:g}"


def svg(chart: Chart) -> str:
    """The chart as inline SVG markup, written here rather than in a template: a few hundred
    coordinates through the template engine (each one localised) cost more than the query.

    Every text in it is ours (numbers and fixed labels), escaped all the same.
    """
    left, right, top, bottom = (_n(chart.plot_left), _n(chart.plot_right), _n(chart.plot_top), _n(chart.plot_bottom))
    out = [
        f'<svg class="portfolio-chart" viewBox="0 0 {chart.width} {chart.height}" width="{chart.width}" '
        f'height="{chart.height}" role="img" aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Estimated value per year against suitability score</title>',
        f'<desc id="chart-desc">{chart.plotted:,} proposals grouped into {len(chart.cells)} cells; the fullest '
        f"cell holds {chart.largest:,}. The table after the chart lists every cell.</desc>",
    ]
    for tick in chart.y_ticks:
        y = _n(tick.position)
        out.append(
            f'<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>'
            f'<text class="tick" x="{_n(chart.plot_left - 6)}" y="{y}" dy="4" text-anchor="end">'
            f"{escape(tick.label)}</text>"
        )
    for tick in chart.x_ticks:
        x = _n(tick.position)
        out.append(
            f'<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>'
            f'<text class="tick" x="{x}" y="{bottom}" dy="16" text-anchor="middle">{escape(tick.label)}</text>'
        )
    out.append(
        f'<text class="axis-title" x="{left}" y="{chart.height}" dy="-8">'
        "Suitability score (share of the maximum) →</text>"
        f'<text class="axis-title" transform="translate(14 {bottom}) rotate(-90)">'
        "Estimated value per year (log scale) →</text>"
    )
    for cell in chart.cells:
        plural = "" if cell.count == 1 else "s"
        # Every cell says its count: inside a circle wide enough, beside a small one (a tooltip alone
        # is lost on a touch screen). The <title> is the tooltip, with the cell's bands in words.
        if cell.show_count:
            label = f'<text x="{_n(cell.cx)}" y="{_n(cell.cy)}" dy="4" text-anchor="middle">{cell.count_label}</text>'
        else:
            label = (
                f'<text class="count-beside" x="{_n(cell.cx + cell.r + 2)}" y="{_n(cell.cy)}" dy="4">'
                f"{cell.count_label}</text>"
            )
        out.append(
            f'<g class="cell"><title>{cell.count:,} proposal{plural}: suitability {escape(cell.suitability)}, '
            f"value {escape(cell.value)}</title>"
            f'<circle cx="{_n(cell.cx)}" cy="{_n(cell.cy)}" r="{_n(cell.r)}" fill-opacity="{_n(cell.opacity)}"/>'
            f"{label}</g>"
        )
    out.append("</svg>")
    return "".join(out)
