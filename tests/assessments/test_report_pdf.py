"""The report as a PDF: the job, its text and fonts, the page that waits for it, the command.

The PDF's text is read back with poppler's `pdftotext` and its fonts with `pdffonts`; without
poppler-utils those tests skip, unless MLFIT_REQUIRE_SERVICES=1 (CI), where they fail.

WeasyPrint takes several seconds a report on these machines, so only two tests lay a PDF out for
real: the one reading its contents, and the command's. The page that waits for the PDF is tested
with a stand-in renderer: what it checks is the job and the download, not the layout.
"""

import io
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from outbox.models import OutboxItem, OutboxStatus
from projects.models import Proposal
from reports import pdf
from reports.models import Report, ReportStatus
from reports.services import report_pdf_request, report_pdf_run, report_request
from stakeholders.models import Conflict, ConflictStatus
from tests.conftest import REQUIRE_SERVICES
from tests.html import parse

SCRIPT = "<script>alert(1)</script>"
pytestmark = pytest.mark.usefixtures("memo_engine")


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"`{tool}` is missing: install poppler-utils (apt-get install poppler-utils) to read PDFs back"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return path


def pdf_text(path: Path) -> str:
    """The PDF's text with its whitespace collapsed, so a wrapped line still matches."""
    out = subprocess.run([poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def embedded_fonts(path: Path) -> dict[str, str]:
    """Font name -> its `emb` column, from `pdffonts`."""
    header, _, *rows = subprocess.run(
        [poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    column = header.index("emb")
    return {row.split()[0]: row[column : column + 3].strip() for row in rows if row.strip()}


def pdf_url(report: Report) -> str:
    return reverse("reports:pdf", args=[report.proposal_id, report.pk])


def test_asking_twice_queues_the_pdf_job_once(done, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = report_pdf_request(report=done)
        second = report_pdf_request(report=done)
    assert first.pdf_status == second.pdf_status == ReportStatus.QUEUED
    # One job in the outbox; asking again only tries to send that one now.
    items = OutboxItem.objects.filter(ref=f"report_pdf:{done.pk}")
    assert [(i.kind, i.payload, i.status) for i in items] == [
        ("task", {"task": "assessments.tasks.render_report_pdf", "args": [done.pk]}, OutboxStatus.PENDING)
    ]
    assert callbacks


def test_only_a_computed_report_gets_a_pdf(world, questionnaire_version, django_capture_on_commit_callbacks):
    report, _ = report_request(proposal=world.proposal, by=world.owner)
    with django_capture_on_commit_callbacks() as callbacks:
        report_pdf_request(report=report)
    assert callbacks == []
    assert report.pdf_status == ""

    response = world.client_for(world.member).get(pdf_url(report))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[world.proposal.pk, report.pk])


def test_the_pdf_has_every_section_and_embeds_its_fonts(world, done, tmp_path):
    poppler("pdftotext")  # checked before the slow layout, to skip early
    poppler("pdffonts")
    conflict = Conflict.objects.get(proposal=world.proposal, status=ConflictStatus.OPEN)

    assert report_pdf_run(report_id=done.pk) == "rendered"
    done.refresh_from_db()
    assert done.pdf_status == ReportStatus.SUCCEEDED
    data = bytes(done.pdf)
    assert data.startswith(b"%PDF")
    assert report_pdf_run(report_id=done.pk) == "already rendered"

    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = pdf_text(path)
    for expected in (
        "Route support tickets",  # the title
        "A fit for ML, with caveats",  # the suitability verdict
        "Contents",
        "Ranking",
        "Sensitivity",
        "Production risks",
        "Pat Product",  # a stakeholder
        conflict.title,
        "Page 2 of",
        "This PDF was made",  # on the cover, not on a last page of its own
    ):
        assert expected in text, expected
    fonts = embedded_fonts(path)
    dejavu = {name: emb for name, emb in fonts.items() if "DejaVu" in name}
    assert dejavu and set(dejavu.values()) == {"yes"}, fonts


def test_the_pdf_page_waits_for_the_job_then_downloads(world, done, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(pdf, "render_pdf", lambda report: f"%PDF-1.7 stand-in for report {report.pk}".encode())
    client = world.client_for(world.member)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = client.get(pdf_url(done))
    assert waiting.status_code == 200
    page = parse(waiting)
    assert page.text("#pdf-status").startswith("The PDF is being laid out")
    assert page.one("#pdf-status")["hx-trigger"] == "every 1s"
    assert len(callbacks) == 1  # the job, queued by the visit; eager here, so it ran
    done.refresh_from_db()
    assert done.pdf_status == ReportStatus.SUCCEEDED

    download = client.get(pdf_url(done))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="mlfit-report-{done.pk}.pdf"'
    assert download.content == f"%PDF-1.7 stand-in for report {done.pk}".encode()


def test_a_failed_pdf_says_why_and_is_retried_on_request(world, done, django_capture_on_commit_callbacks):
    Report.objects.filter(pk=done.pk).update(pdf_status=ReportStatus.FAILED, pdf_error="Out of memory.")
    client = world.client_for(world.member)

    with django_capture_on_commit_callbacks() as callbacks:
        page = parse(client.get(pdf_url(done)))
    assert page.text("#pdf-status .alert.error") == "The PDF could not be made: Out of memory."
    assert callbacks == []  # a visit does not retry by itself: the button does

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(pdf_url(done))
    assert len(callbacks) == 1
    done.refresh_from_db()
    assert (done.pdf_status, done.pdf_error) == (ReportStatus.QUEUED, "")


def test_export_pdf_computes_the_missing_report_and_keeps_markup_as_text(world, questionnaire_version, tmp_path):
    # One real layout for two checks: the command without a report, and a title with markup.
    poppler("pdftotext")
    Proposal.objects.filter(pk=world.proposal.pk).update(title=SCRIPT)
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()

    call_command("export_pdf", world.proposal.pk, out, stdout=stdout)

    report = Report.objects.get(proposal=world.proposal)
    assert report.status == ReportStatus.SUCCEEDED
    assert f"Computed report #{report.pk}." in stdout.getvalue()
    assert f"Wrote {out}" in stdout.getvalue()
    assert out.read_bytes().startswith(b"%PDF")
    assert SCRIPT in pdf_text(out)


def test_export_pdf_refuses_an_unknown_proposal(db, tmp_path):
    with pytest.raises(CommandError, match="No proposal with id 999999"):
        call_command("export_pdf", 999999, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_title_with_markup_is_escaped_in_the_report_pages(world, questionnaire_version):
    Proposal.objects.filter(pk=world.proposal.pk).update(title=SCRIPT)
    world.proposal.refresh_from_db()
    report, _ = report_request(proposal=world.proposal, by=world.owner)
    client = world.client_for(world.member)
    for address in (
        reverse("reports:list", args=[world.proposal.pk]),
        reverse("reports:detail", args=[world.proposal.pk, report.pk]),
    ):
        html = client.get(address).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert SCRIPT not in html
        assert SCRIPT in unescape(html)
    assert SCRIPT not in pdf.report_html(Report.objects.get(pk=report.pk))


def test_a_review_decision_since_the_pdf_was_made_renders_it_again(
    world, done, tmp_path, django_capture_on_commit_callbacks
):
    """The PDF lists the sign-offs: one made after the PDF was stored makes the next request
    render it again, and the new PDF carries the decision."""
    from stakeholders.models import Decision, SignOff

    client = world.client_for(world.member)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(pdf_url(done))
    first = client.get(pdf_url(done))
    assert first["Content-Type"] == "application/pdf"
    assert client.get(pdf_url(done)).content == first.content  # nothing changed: the stored file

    SignOff.objects.create(
        organisation=world.org,
        proposal=done.proposal,
        user=world.reviewer,
        role_label="Legal",
        round=1,
        decision=Decision.APPROVE,
        rationale="Cleared by counsel on 3 March.",
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        waiting = client.get(pdf_url(done))
    assert waiting.status_code == 200 and parse(waiting).text("#pdf-status").startswith("The PDF is being laid out")
    assert len(callbacks) == 1
    again = client.get(pdf_url(done))
    assert again["Content-Type"] == "application/pdf"
    path = tmp_path / "again.pdf"
    path.write_bytes(again.content)
    assert "Cleared by counsel on 3 March." in " ".join(pdf_text(path).split())
