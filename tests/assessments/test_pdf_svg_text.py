"""SVG text in the PDF, a run at a time (reports.pdf_svg_text), against WeasyPrint's own drawing."""

import base64
import subprocess

import pytest
import weasyprint
import weasyprint.svg
import weasyprint.text.line_break

from reports import pdf_svg_text
from reports.pdf import write_pdf
from tests.assessments.test_report_pdf import poppler
from tests.html import parse

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400pt" height="220pt" viewBox="0 0 400 220">
 <text x="10" y="20" font-family="DejaVu Sans" font-size="10px">Anchored at its start</text>
 <text x="200" y="50" font-family="DejaVu Sans" font-size="12px" text-anchor="middle">Centred label</text>
 <text x="390" y="80" font-family="DejaVu Sans" font-size="9px" text-anchor="end" font-weight="bold">Ends here</text>
 <text font-family="DejaVu Sans" font-size="8px" transform="translate(60 200) rotate(-90)">Turned axis title</text>
 <text x="10" y="110" font-family="DejaVu Sans" font-size="10px">First run<tspan dx="12">then a tspan</tspan></text>
 <text x="10" y="140" font-family="DejaVu Sans" font-size="10px" text-anchor="middle" dy="4">Nudged</text>
 <text x="220 240 260" y="170" font-family="DejaVu Sans" font-size="10px">XYZ spaced</text>
</svg>"""
WORDS = {"Anchored", "start", "Centred", "label", "Ends", "here", "Turned", "axis", "title", "tspan", "Nudged"}


def _words(pdf: bytes, tmp_path) -> list[tuple[str, dict[str, float]]]:
    """Each word's box from `pdftotext -bbox` (an XHTML page of <word xMin=... yMin=...> elements)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([poppler("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True)
    return [
        (word.get_text().strip(), {name: float(value) for name, value in word.attrs.items()})
        for word in parse(out.stdout).all("word")
    ]


def _page(svg: str) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return f'<html><body><img alt="chart" src="data:image/svg+xml;base64,{data}"></body></html>'


@pytest.fixture
def weasyprint_own():
    """Renders with WeasyPrint's own letter-by-letter text, then puts the fast path back."""
    with pdf_svg_text.weasyprint_own():
        yield


def _layouts(monkeypatch) -> list[str]:
    """Every text WeasyPrint asks Pango to lay out from here on."""
    calls: list[str] = []
    original = weasyprint.text.line_break.split_first_line

    def counting(text, *args, **kwargs):
        calls.append(text)
        return original(text, *args, **kwargs)

    # Both text functions import split_first_line when called, so the module attribute is the one.
    monkeypatch.setattr(weasyprint.text.line_break, "split_first_line", counting)
    return calls


def test_the_pinned_weasyprint_is_the_one_the_fast_path_mirrors():
    # A new WeasyPrint may draw SVG text differently: reread its svg/text.py, then move both pins.
    assert weasyprint.__version__ == pdf_svg_text.SUPPORTED_WEASYPRINT
    write_pdf("<p>installed</p>")
    assert weasyprint.svg.TAGS["text"] is pdf_svg_text.svg_text
    assert weasyprint.svg.TAGS["tspan"] is pdf_svg_text.svg_text
    assert weasyprint.svg.text is pdf_svg_text.svg_text


def test_each_word_lands_where_weasyprints_own_drawing_puts_it(tmp_path, request):
    write_pdf("<p>installed</p>")
    fast = _words(write_pdf(_page(SVG)), tmp_path)
    request.getfixturevalue("weasyprint_own")
    own = _words(write_pdf(_page(SVG)), tmp_path)

    assert weasyprint.svg.TAGS["text"] is not pdf_svg_text.svg_text
    fast, own = sorted(fast, key=lambda w: w[0]), sorted(own, key=lambda w: w[0])
    assert [word for word, _ in fast] == [word for word, _ in own]
    assert {word for word, _ in fast} >= WORDS
    for (word, a), (_, b) in zip(fast, own, strict=True):
        # Whole runs are kerned as a browser kerns them, letters one by one are not: a word may
        # start or end a fraction of a point away. Anything more is a placement bug.
        for edge in ("xmin", "xmax", "ymin", "ymax"):  # html.parser lowercases names
            assert a[edge] == pytest.approx(b[edge], abs=1.5), (word, edge, a, b)


def test_a_run_is_laid_out_once_not_letter_by_letter(monkeypatch, tmp_path):
    svg = SVG.replace(' <text x="220 240 260"', " <!-- ").replace("XYZ spaced</text>", " -->")
    runs = ["Anchored at its start", "Centred label", "Ends here", "Turned axis title", "First run", "then a tspan"]
    runs.append("Nudged")
    write_pdf("<p>installed</p>")
    calls = _layouts(monkeypatch)
    write_pdf(_page(svg))
    assert sorted(call for call in calls if call in runs) == sorted(runs)  # each run once
    assert not [call for call in calls if len(call) == 1]  # no letter laid out on its own


def test_per_letter_positions_are_left_to_weasyprint(monkeypatch):
    """x="220 240 260" places each of the first three letters: only WeasyPrint's own function can."""
    write_pdf("<p>installed</p>")
    calls = _layouts(monkeypatch)
    write_pdf(_page(SVG))
    assert {"X", "Y", "Z"} <= set(calls)  # letter by letter, as WeasyPrint does it
    assert "A" not in calls  # while the single-position runs went through the fast path


def test_another_weasyprint_version_is_left_alone(monkeypatch):
    pdf_svg_text.uninstall()  # the next write_pdf installs it again, under the real version
    monkeypatch.setattr(weasyprint, "__version__", "99.0")
    pdf_svg_text.install()
    assert weasyprint.svg.TAGS["text"] is not pdf_svg_text.svg_text
