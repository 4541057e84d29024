"""Trade-off reports in Chromium: generate one, watch its progress, read it, download its PDF.

Where the job runs decides what there is to watch. With PostgreSQL and Redis (CI), a real Celery
worker runs the jobs (tests/worker.py), pausing 3 s after its progress step, so the page shows the report
queued, then running with its progress, then (the status badge polls every second and reloads the
page when the job is done) the results, and the PDF page waits for its own job. Without them (an
in-memory SQLite test database, which a worker process cannot share), the jobs run eagerly inside
the request that asks for them: the report page opens on the finished report and the PDF page on
its download link, so only the final state is checked. CI (MLFIT_REQUIRE_SERVICES=1) never falls
back: a missing database or broker fails the test.

As conftest.py says, the ORM is used before the pages open, never while a request may be running.
"""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from projects.services import proposal_create
from tests.browser.conftest import screenshot
from tests.conftest import REQUIRE_SERVICES

TITLE = "Route support tickets to the right queue"


def pdf_text(path) -> str:
    if not shutil.which("pdftotext"):
        message = "pdftotext not installed: apt-get install poppler-utils"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_it_generates_a_report_watches_its_progress_and_downloads_the_pdf(people, page_as, workers, tmp_path):
    proposal = proposal_create(
        organisation=people.org,
        data={"title": TITLE, "problem": "A third of the tickets land in the wrong queue and wait two days."},
        by=people.owner,
    )
    page = page_as(people.owner)
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Trade-off reports").click()
    expect(page.get_by_role("heading", name="Trade-off reports", level=1)).to_be_visible()
    page.get_by_role("button", name="Generate report").click()

    expect(page).to_have_url(re.compile(rf"/proposals/{proposal.pk}/reports/\d+/$"))
    expect(page.get_by_role("heading", name=re.compile(r"Trade-off report #\d+"), level=1)).to_be_visible()
    status = page.locator("#report-status")
    if workers is not None:
        expect(status).to_contain_text(re.compile(r"Queued|Running"))
        # The badge is swapped in place every second until the job reports a step.
        expect(status).to_contain_text(re.compile(r"Running: [1-9]\d*%"), timeout=30_000)
        expect(status.get_by_role("progressbar")).to_have_attribute("aria-valuenow", re.compile(r"^[1-9]\d*$"))
        expect(page.get_by_role("link", name="PDF", exact=True)).to_have_count(0)
        screenshot(page, "report-running")

    # Nothing here reloads the page: with a worker, the polling badge does once the job is done.
    expect(page.get_by_role("heading", name="Ranking", exact=True)).to_be_visible(timeout=60_000)
    expect(status).to_contain_text("Done.")
    expect(status.get_by_role("progressbar")).to_have_count(0)
    screenshot(page, "report-done")

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="PDF", exact=True).click()
        if workers is None:
            # Rendered inside that request: the page offers the file at once.
            page.get_by_role("link", name="Download the PDF").click()
        # With a worker, the PDF page polls its job and is sent to the file when it is ready.
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert download.suggested_filename.endswith(".pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert TITLE in " ".join(pdf_text(path).split())
