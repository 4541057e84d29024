"""Report charts as SVG, drawn by matplotlib on the server and used by the page and the PDF alike.

Text stays text in the SVG (svg.fonttype "none"), so it is selectable in the PDF and readable by
screen readers; each chart also gets a <title> for its accessible name.
"""

import io
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and workers

import matplotlib.pyplot as plt
from matplotlib.transforms import Bbox

STYLE = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
ACCENT, MUTED, OK = "#2456c9", "#9aa5b5", "#1d7a46"
# Part of the cache key of drawn charts (reports.present.charts_for): bump it when the
# drawing changes, so cached charts are drawn again.
VERSION = "5"

_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"\s*<style[^>]*>\*\{([^}]*)\}</style>")


def _declarations_as_attributes(declarations: str) -> str:
    pairs = (part.split(":", 1) for part in declarations.split(";") if ":" in part)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


def _without_inline_css(svg: str) -> str:
    """matplotlib's style="fill: ..." attributes and its one <style> rule, as presentation attributes.

    The charts are inlined in the page, whose Content-Security-Policy allows no inline CSS
    (style-src 'self', config/settings.py). Every property matplotlib writes (fill, stroke, stroke-*,
    font-*, text-anchor, opacity...) is also an SVG presentation attribute, which the policy does not
    govern. The <style> rule (*{stroke-linejoin...}) sets inherited properties, so it moves onto the
    root <svg>.
    """
    rule = _STYLE_ELEMENT.search(svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    if rule:
        svg = svg.replace("<svg ", f"<svg{_declarations_as_attributes(rule.group(1))} ", 1)
    return _STYLE_ATTRIBUTE.sub(lambda match: _declarations_as_attributes(match.group(1)), svg)


SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"


def _unwrap_groups(element: ET.Element, referenced: set[str]) -> None:
    """Children of bare <g id="..."> wrappers moved up into their parent, depth first."""
    for child in list(element):
        _unwrap_groups(child, referenced)
    children: list[ET.Element] = []
    for child in element:
        bare = child.tag == f"{{{SVG_NS}}}g" and set(child.attrib) <= {"id"} and child.get("id") not in referenced
        children.extend(list(child) if bare else [child])
    element[:] = children


def _tidy(svg: str) -> str:
    """matplotlib's SVG without what neither browsers nor WeasyPrint draw.

    matplotlib wraps every artist in a <g id="text_3"> with no attribute but its id (the heat map
    had 180 of them) and adds an RDF <metadata> block. Each wrapper is a node that WeasyPrint's SVG
    renderer visits and saves and restores graphics state for, and bytes in every page; unwrapping
    them changes nothing drawn: they carry no transform, clip or style, and nothing refers to them.
    The <title> (the chart's accessible name) stays.
    """
    root = ET.fromstring(svg)  # noqa: S314 - matplotlib's own output, no DTD or entities
    for metadata in root.findall(f"{{{SVG_NS}}}metadata"):
        root.remove(metadata)
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', svg))
    _unwrap_groups(root, referenced)
    # ElementTree's prefixes are one registry for the whole process, which other libraries also
    # write to; set ours each time. An HTML page's parser knows only the "xlink:" spelling.
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")


def _svg(fig: Any, title: str, prefix: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Title": title, "Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = _without_inline_css(svg[svg.index("<svg") :])  # no XML prolog nor doctype: inlined in HTML
    svg = _tidy(svg)
    # Several charts share one page: matplotlib's ids (figure_1, patch_1...) must not collide.
    svg = (
        svg.replace('id="', f'id="{prefix}-')
        .replace("url(#", f"url(#{prefix}-")
        .replace('href="#', f'href="#{prefix}-')
    )
    return svg.replace(">", f' role="img" aria-label="{title}">', 1)


def _labels(results: dict[str, Any]) -> dict[str, str]:
    return {a["key"]: a["label"] for a in results.get("approaches", [])}


def ranking_bars(results: dict[str, Any]) -> str:
    ranking = results.get("weighted_sum") or []
    if not ranking:
        return ""
    labels = _labels(results)
    topsis = {t["key"]: t["closeness"] for t in results.get("topsis", [])}
    names = [labels.get(r["key"], r["key"]) for r in ranking][::-1]
    scores = [r["score"] for r in ranking][::-1]
    closeness = [topsis.get(r["key"], 0.0) for r in ranking][::-1]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(names) + 0.9))
        positions = range(len(names))
        ax.barh([p + 0.2 for p in positions], scores, height=0.38, color=ACCENT, label="Weighted sum")
        ax.barh([p - 0.2 for p in positions], closeness, height=0.38, color=MUTED, label="TOPSIS closeness")
        ax.set_yticks(list(positions), names)
        ax.set_xlim(0, 1)
        ax.set_xlabel("Score (0 to 1, higher is better)")
        ax.legend(loc="lower right", frameon=False)
        return _svg(fig, "Ranking of the approaches", "ranking")


def heatmap(results: dict[str, Any]) -> str:
    matrix = results.get("matrix_normalised") or []
    if not matrix:
        return ""
    labels = _labels(results)
    rows = [labels.get(k, k) for k in results.get("matrix_approaches", [])]
    columns = [f"{c['label']}\n(w {c['weight']:.2f})" for c in results.get("criteria", [])]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(max(4.5, 0.95 * len(columns) + 2.5), 0.42 * len(rows) + 1.4))
        image = ax.imshow(matrix, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(columns)), columns, rotation=0)
        ax.set_yticks(range(len(rows)), rows)
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                # White on the map's dark ends (deep red, deep green), where black text was hard to read.
                colour = "white" if value < 0.2 or value > 0.8 else "black"
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color=colour)
        ax.tick_params(axis="x", labelsize=7)
        fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="normalised (1 = best)")
        return _svg(fig, "Criteria by approach", "heatmap")


def pareto_chart(results: dict[str, Any]) -> str:
    """The two heaviest criteria against each other, the Pareto set (on all criteria) highlighted."""
    criteria = results.get("criteria") or []
    matrix = results.get("matrix_normalised") or []
    if len(criteria) < 2 or not matrix:
        return ""
    order = sorted(range(len(criteria)), key=lambda j: -criteria[j]["weight"])[:2]
    x, y = order
    labels = _labels(results)
    keys = results.get("matrix_approaches", [])
    pareto = set(results.get("pareto", []))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
        for key, row in zip(keys, matrix, strict=True):
            on = key in pareto
            ax.scatter(row[x], row[y], s=60, color=OK if on else MUTED, zorder=3)
        ax.set_xlabel(f"{criteria[x]['label']} (normalised, 1 = best)")
        ax.set_ylabel(f"{criteria[y]['label']} (normalised, 1 = best)")
        ax.set_xlim(-0.05, 1.25)
        ax.set_ylim(-0.05, 1.1)
        ax.scatter([], [], color=OK, label="Pareto set (on every criterion)")
        ax.scatter([], [], color=MUTED, label="dominated")
        ax.legend(loc="lower left", frameon=False, fontsize=8)
        place_labels(fig, ax, [(row[x], row[y], labels.get(key, key)) for key, row in zip(keys, matrix, strict=True)])
        return _svg(fig, "Pareto chart of the two heaviest criteria", "pareto")


# Where a point's label may go, in points from the point, tried in this order: right, then below
# and above on the right, then the same on the left, then straight above and below; then the same
# directions farther out, for points whose neighbours take every near spot.
NEAR_SPOTS = [
    (6, 4, "left"),
    (6, -10, "left"),
    (6, 13, "left"),
    (-6, 4, "right"),
    (-6, -10, "right"),
    (-6, 13, "right"),
    (0, 10, "center"),
    (0, -16, "center"),
]
LABEL_SPOTS = NEAR_SPOTS + [(2 * dx, 2 * dy, align) for dx, dy, align in NEAR_SPOTS]
# Dots closer than this (points) look like one dot: a label may sit as near to either.
SAME_SPOT = 6


def _distance(box: Any, centre: tuple[float, float]) -> float:
    """From a box to a point, 0 inside it (display units)."""
    x, y = centre
    return math.hypot(max(box.x0 - x, 0, x - box.x1), max(box.y0 - y, 0, y - box.y1))


def place_labels(fig: Any, ax: Any, points: list[tuple[float, float, str]]) -> list[Any]:
    """Each point's label at the first spot that is inside the plot, covers no other label, no
    point and no legend, and is nearer its own point than any other.

    Approaches often score alike on the two heaviest criteria: labels all set to the right of
    their points ran into each other, a label below a point on the axis ran over the tick labels,
    and a label between two points could be read as either one's. When every spot is taken the
    label keeps the first. Returns the labels' boxes (display coordinates), for the tests.
    """
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = [ax.get_legend().get_window_extent(renderer)] if ax.get_legend() else []
    # The dots themselves (s=60 is about 8 points across), so that no label hides one.
    radius = 5 * fig.dpi / 72
    centres = [tuple(ax.transData.transform((px, py))) for px, py, _ in points]
    dots = [Bbox.from_extents(cx - radius, cy - radius, cx + radius, cy + radius) for cx, cy in centres]
    taken += dots
    same_spot = SAME_SPOT * fig.dpi / 72

    def put(text: str, point: tuple[float, float], spot: tuple[int, int, str], replacing: Any) -> tuple[Any, Any]:
        if replacing is not None:
            replacing.remove()
        dx, dy, align = spot
        label = ax.annotate(text, point, textcoords="offset points", xytext=(dx, dy), fontsize=8, ha=align)
        return label, label.get_window_extent(renderer)

    def clear(box: Any, own: int) -> bool:
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if not inside or any(box.overlaps(other) for other in taken if other is not dots[own]):
            return False
        mine = _distance(box, centres[own])
        return all(
            mine < _distance(box, centre)
            for i, centre in enumerate(centres)
            if i != own and math.dist(centre, centres[own]) > same_spot
        )

    boxes = []
    for own, (px, py, text) in enumerate(points):
        label = None
        for spot in LABEL_SPOTS:
            label, box = put(text, (px, py), spot, label)
            if clear(box, own):
                break
        else:
            label, box = put(text, (px, py), LABEL_SPOTS[0], label)
        taken.append(box)
        boxes.append(box)
    return boxes


def sensitivity_chart(results: dict[str, Any]) -> str:
    sensitivity = results.get("sensitivity")
    if not sensitivity:
        return ""
    labels = _labels(results)
    probabilities = sorted(sensitivity["probability_first"].items(), key=lambda kv: kv[1])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 0.4 * len(probabilities) + 0.9))
        ax.barh([labels.get(k, k) for k, _ in probabilities], [p for _, p in probabilities], color=ACCENT)
        for i, (_, p) in enumerate(probabilities):
            ax.text(p + 0.01, i, f"{p:.0%}", va="center", fontsize=8)
        ax.set_xlim(0, 1.1)
        ax.set_xlabel(f"Probability of ranking first over {sensitivity['samples']:,} sampled weightings")
        return _svg(fig, "Sensitivity: probability of ranking first", "sensitivity")


def render_all(results: dict[str, Any]) -> dict[str, str]:
    return {
        "ranking": ranking_bars(results),
        "heatmap": heatmap(results),
        "pareto": pareto_chart(results),
        "sensitivity": sensitivity_chart(results),
    }
