"""The PDF of a report reads like a document: no page but the last is near-empty, the last is more
than a line or two, and no page ends with a heading (or a heading and the one line under it).

On the demo's two reports (`seed_demo` and its reports, as `make screenshots` computes them): the
ticket router's, assessed and reviewed, ten pages or so; the restaurant recommender's, five
stakeholders whose must-haves rule every approach out and four conflicts. Read back per page with
`pdftotext -layout`, the running header and page number left out.
"""

import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from reports.models import Report
from reports.pdf import render_pdf, report_html
from scripts.screenshots import demo_reports
from tests.assessments.test_report_pdf import poppler
from tests.conftest import celery_eager, install_engine_memo
from transfer.management.commands.seed_demo import DEMO_PROPOSALS

# A page of the report holds 30 to 50 lines of text; fewer than this, and it is near-empty.
MIN_LINES = 10
# The last page may be short, but more than a lone heading and a line or two.
MIN_LAST_LINES = 4
RUNNING = re.compile(r"^(MLFit · .*|Page \d+ of \d+)$")


def page_lines(pdf: Path) -> list[list[str]]:
    """Each page's non-blank lines of text, whitespace collapsed, without the running header and footer."""
    out = subprocess.run(
        [poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed, the last one too
    lines = [[" ".join(line.split()) for line in page.splitlines() if line.strip()] for page in pages]
    return [[line for line in page if not RUNNING.match(line)] for page in lines]


def headings(report: Report) -> set[str]:
    """The text of every heading of the report's body (the cover's "Contents" is no page's end)."""
    soup = BeautifulSoup(report_html(report), "html.parser")
    for cover in soup.select(".cover"):
        cover.decompose()
    return {" ".join(h.get_text().split()) for h in soup.select("h2, h3")}


def problems(pages: list[list[str]], titles: set[str]) -> list[str]:
    found = []
    for number, lines in enumerate(pages, start=1):
        last = number == len(pages)
        if not last and len(lines) < MIN_LINES:
            found.append(f"page {number} of {len(pages)} holds {len(lines)} lines: {lines}")
        if last and len(lines) < MIN_LAST_LINES:
            found.append(f"the last page, {number}, holds {len(lines)} lines: {lines}")
        if not last:
            ending = [line for line in lines[-2:] if line in titles]
            if ending:
                found.append(f"page {number} ends with the heading {ending[0]!r}: {lines[-3:]}")
    return found


@pytest.fixture
def demo_reports_done(db, monkeypatch) -> list[Report]:
    install_engine_memo(monkeypatch)
    with celery_eager():
        call_command("seed_demo", verbosity=0)
        demo_reports()
    from accounts.models import Organisation

    organisation = Organisation.objects.get(slug="demo")
    proposals = [organisation.proposals.get(title=spec["title"]) for spec in DEMO_PROPOSALS[:2]]
    return [Report.objects.get(pk=p.latest_report_id) for p in proposals]


def test_the_checks_catch_a_near_empty_page_and_a_heading_at_a_page_foot():
    body = [f"line {n}" for n in range(30)]
    assert problems([body, body], {"Summary"}) == []
    assert problems([body, ["Review sign-offs"], body], set()) == ["page 2 of 3 holds 1 lines: ['Review sign-offs']"]
    foot = [*body, "ML suitability", "A fit: 17.7 of 22."]
    assert problems([foot, body], {"ML suitability"}) == [
        "page 1 ends with the heading 'ML suitability': ['line 29', 'ML suitability', 'A fit: 17.7 of 22.']"
    ]
    short = ["Conflicts", "None."]
    assert problems([body, short], set()) == ["the last page, 2, holds 2 lines: ['Conflicts', 'None.']"]


def test_the_demo_reports_pdfs_have_no_near_empty_page_and_no_heading_at_a_page_foot(demo_reports_done, tmp_path):
    found = []
    for report in demo_reports_done:
        pdf = tmp_path / f"report-{report.pk}.pdf"
        pdf.write_bytes(render_pdf(report))
        pages = page_lines(pdf)
        assert len(pages) >= 3, f"report #{report.pk}: {len(pages)} pages, fewer than a report has"
        found += [f"report #{report.pk} ({report.proposal.title}): {p}" for p in problems(pages, headings(report))]
    assert not found, "\n".join(found)
