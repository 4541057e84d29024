"""SVG text in the PDF laid out a run at a time instead of a letter at a time.

WeasyPrint 70 draws every SVG <text> letter by letter: one Pango layout per character, so that it
can honour per-character x/y/dx/dy/rotate lists, letter-spacing and textLength. MLFit's charts
(matplotlib, svg.fonttype "none") never use those: each label is one run placed by a transform. On
the demo report that per-letter work was some 3,500 Pango layouts for 173 labels, about a fifth of
the PDF's time. For a run with at most one position and none of those features this lays the run
out once, as a browser would (with the font's kerning), and draws it as one line of text; anything
else goes to WeasyPrint's own function unchanged.

This swaps a function inside WeasyPrint, so it is tied to the version pinned in requirements.txt:
`tests/assessments/test_pdf_svg_text.py` checks that version and compares the placement of every
word against WeasyPrint's own drawing. Reread weasyprint/svg/text.py before moving the pin.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from math import inf
from typing import Any

SUPPORTED_WEASYPRINT = "70.0"
# Features that need per-letter layout; a run using any of them is drawn by WeasyPrint itself.
PER_LETTER_ATTRIBUTES = ("rotate", "letter-spacing", "textLength", "lengthAdjust")
# Vertical alignment that WeasyPrint works out per run from ascent and descent; left to it too.
ALIGNMENT_ATTRIBUTES = ("display-anchor", "dominant-baseline", "alignment-baseline")
POSITION_ATTRIBUTES = ("x", "y", "dx", "dy")

_original_text: Any = None
_suspended = False  # inside weasyprint_own(): install() leaves WeasyPrint's own drawing in place


def _positions(node: Any) -> dict[str, str | None] | None:
    """The run's single x, y, dx and dy (None where absent), or None when any is a list."""
    from weasyprint.svg.utils import normalize

    found: dict[str, str | None] = {}
    for name in POSITION_ATTRIBUTES:
        value = node.attrib.get(name)
        if value is None:
            found[name] = None
            continue
        parts = normalize(value).strip().split(" ")
        if len(parts) != 1:
            return None
        found[name] = parts[0]
    return found


def _font_weight(value: Any) -> int:
    if value == "normal":
        return 400
    if value == "bold":
        return 700
    try:
        return int(value)
    except (TypeError, ValueError):
        return 400


def _style(svg: Any, node: Any, font_size: float) -> Any:
    """The few computed values WeasyPrint's SVG text uses, set as its own text function sets them."""
    from weasyprint.css.properties import INITIAL_VALUES

    style = sys.modules["weasyprint.svg.text"].Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    style["font_weight"] = _font_weight(node.get("font-weight", 400))
    style["font_size"] = font_size
    if node.get("direction") in ("ltr", "rtl"):
        style["direction"] = node.get("direction")
    return style


def svg_text(svg: Any, node: Any, font_size: float) -> None:
    """Draw one SVG text run; the per-letter cases go to WeasyPrint's own function."""
    positions = _positions(node)
    if (
        node.tag not in ("text", "tspan")
        or not node.text
        or positions is None
        or any(node.get(name) is not None for name in PER_LETTER_ATTRIBUTES + ALIGNMENT_ATTRIBUTES)
    ):
        return _original_text(svg, node, font_size)

    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = _style(svg, node, font_size)
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    def length(name: str, reference: float) -> float | None:
        value = positions[name]
        return None if value is None else size(value, font_size, reference)

    x, y = length("x", svg.inner_width), length("y", svg.inner_height)
    # The cursor follows SVG's rules as WeasyPrint keeps them: an absolute x or y resets the
    # accumulated shift on that axis, dx and dy add to it, and the next run starts at this one's end.
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    svg.cursor_d_position[0] += length("dx", svg.inner_width) or 0
    svg.cursor_d_position[1] += length("dy", svg.inner_height) or 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    left, base = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1]
    # The bounding box places text-anchor="middle" and "end" (svg.draw_node shifts by its width).
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box, ((left, base - baseline), (left + width, base - baseline + height))
    )

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = sys.modules["weasyprint.svg.text"].TextBox(layout, style)
    box.baseline = baseline
    emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=left, f=base))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
    return None


def install() -> None:
    """Route WeasyPrint's SVG text drawing through svg_text (once per process; idempotent)."""
    global _original_text
    import weasyprint
    import weasyprint.svg as weasy_svg

    if _suspended or weasyprint.__version__ != SUPPORTED_WEASYPRINT or _original_text is not None:
        # Another version: its drawing may differ from what this mirrors, so leave it alone.
        return
    _original_text = sys.modules["weasyprint.svg.text"].text
    for tag, function in list(weasy_svg.TAGS.items()):
        if function is _original_text:
            weasy_svg.TAGS[tag] = svg_text
    # draw_node recognises text elements by comparing with the module's `text`.
    weasy_svg.text = svg_text


def uninstall() -> None:
    """WeasyPrint's own drawing back."""
    global _original_text
    import weasyprint.svg as weasy_svg

    if _original_text is None:
        return
    for tag, function in list(weasy_svg.TAGS.items()):
        if function is svg_text:
            weasy_svg.TAGS[tag] = _original_text
    weasy_svg.text = _original_text
    _original_text = None


@contextmanager
def weasyprint_own() -> Iterator[None]:
    """PDFs laid out with WeasyPrint's own letter-by-letter SVG text meanwhile, even through
    reports.pdf.write_pdf (which installs the fast path): the tests and the benchmark compare."""
    global _suspended
    uninstall()
    _suspended = True
    try:
        yield
    finally:
        _suspended = False
        install()
