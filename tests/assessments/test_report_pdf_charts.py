"""The PDF's charts: the page's own SVG documents, embedded as images, still vector with real text."""

import base64
import re

import pytest

from reports.pdf import render_pdf, report_html
from reports.present import charts_for
from tests.assessments.test_report_pdf import pdf_text, poppler
from tests.factories import build_scenario, computed
from tests.html import parse

SVG_DATA = "data:image/svg+xml;base64,"

pytestmark = pytest.mark.usefixtures("memo_engine")


def test_the_pdf_embeds_the_pages_svg_charts_with_their_text(world, questionnaire_version, tmp_path):
    poppler("pdftotext")
    build_scenario(world)
    report = computed(world.proposal, world.owner)

    page = parse(report_html(report))
    images = page.all(f'img[src^="{SVG_DATA}"]')
    assert not page.has("svg")
    # The very documents the page inlines, in the order the report shows them.
    assert [base64.b64decode(img["src"].removeprefix(SVG_DATA)).decode() for img in images] == list(
        charts_for(report).values()
    )
    assert images[0]["alt"] == "Ranking of the approaches"

    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(report))
    text = pdf_text(path)
    for label in ("Score (0 to 1, higher is better)", "Probability of ranking first over 2,000 sampled weightings"):
        assert label in text, label  # chart text stays text: selectable, searchable


def test_charts_carry_no_bare_wrappers_and_keep_every_label(world, questionnaire_version):
    """matplotlib's id-only <g> wrappers and RDF metadata are dropped; what is drawn is not."""
    import xml.etree.ElementTree as ET

    build_scenario(world)
    report = computed(world.proposal, world.owner)
    results = report.results
    svg_ns = "{http://www.w3.org/2000/svg}"
    for name, svg in charts_for(report).items():
        root = ET.fromstring(svg)  # still one well-formed SVG document
        assert root.findtext(f"{svg_ns}title"), name  # its accessible name
        assert root.find(f"{svg_ns}metadata") is None, name
        groups = list(root.iter(f"{svg_ns}g"))
        assert all(set(g.attrib) - {"id"} for g in groups), name  # each left group draws something
        ids = {element.get("id") for element in root.iter() if element.get("id")}
        for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', svg):
            assert reference in ids, (name, reference)  # clip paths and glyph uses still resolve

    heatmap = ET.fromstring(charts_for(report)["heatmap"])
    values = [value for row in results["matrix_normalised"] for value in row]
    labels = [text for text in heatmap.iter(f"{svg_ns}text") if re.fullmatch(r"\d\.\d\d", text.text or "")]
    assert len(labels) == len(values)  # one value label per cell
    # Readable on the map's dark ends: white on deep red and deep green, black in between.
    for text, value in zip(labels, values, strict=True):
        expected = "#ffffff" if value < 0.2 or value > 0.8 else "#000000"
        assert text.get("fill", "#000000") == expected, (text.text, value)


def test_chart_markup_keeps_its_spelling_whatever_else_registered_namespaces(world, questionnaire_version):
    """Pages parse the inline SVG as HTML, which knows <svg xmlns=...> and xlink:href, not ns0:/ns1:."""
    import xml.etree.ElementTree as ET

    from reports import charts

    build_scenario(world)
    report = computed(world.proposal, world.owner)
    ET.register_namespace("", "http://www.w3.org/1999/xhtml")  # as another library might
    ET.register_namespace("x", "http://www.w3.org/1999/xlink")
    svg = charts.render_all(report.results)["pareto"]
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "ns0:" not in svg and "ns1:" not in svg
    assert 'xlink:href="#' in svg
