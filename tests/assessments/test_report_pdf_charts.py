"""The PDF's charts: the page's own SVG documents, embedded as images, still vector with real text."""

import base64
import re

import pytest

from assessments.pdf import render_pdf, report_html
from assessments.report_present import charts_for
from tests.assessments.test_report_pdf import pdf_text, poppler
from tests.assessments.test_reports import build_scenario, celery_eager, computed, install_engine_memo


@pytest.fixture(autouse=True)
def eager():
    with celery_eager():
        yield


@pytest.fixture(autouse=True)
def memo_engine(monkeypatch):
    install_engine_memo(monkeypatch)


def test_the_pdf_embeds_the_pages_svg_charts_with_their_text(world, questionnaire_version, tmp_path):
    poppler("pdftotext")
    build_scenario(world)
    report = computed(world.proposal, world.owner)

    html = report_html(report)
    images = re.findall(r'<img alt="([^"]*)" src="data:image/svg\+xml;base64,([^"]*)">', html)
    assert "<svg" not in html
    # The very documents the page inlines, in the order the report shows them.
    assert [base64.b64decode(data).decode() for _, data in images] == list(charts_for(report).values())
    assert images[0][0] == "Ranking of the approaches"

    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(report))
    text = pdf_text(path)
    for label in ("Score (0 to 1, higher is better)", "Probability of ranking first over 2,000 sampled weightings"):
        assert label in text, label  # chart text stays text: selectable, searchable
