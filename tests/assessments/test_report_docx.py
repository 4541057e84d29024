"""The report as a Word file: the same sections as the PDF, from the same presentation layer."""

import io

from django.urls import reverse
from docx import Document

from reports.docx import SECTIONS
from tests.factories import add_stakeholder, build_scenario, computed, req
from tests.html import parse


def test_the_word_file_holds_the_reports_sections_and_tables(world, questionnaire_version):
    build_scenario(world)
    add_stakeholder(
        world.proposal,
        name="Ines Okafor",
        role="ml_engineering",
        requirements=[req("latency", "<=", 50.0, "ms", must=True)],
        by=world.owner,
    )
    report = computed(world.proposal, world.owner)
    client = world.client_for(world.member)
    detail = parse(client.get(reverse("reports:detail", args=[world.proposal.pk, report.pk])))
    url = reverse("reports:docx", args=[world.proposal.pk, report.pk])
    assert ("Word", url) in detail.links(".page-head .actions")

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(SECTIONS)
    assert document.paragraphs[0].text == world.proposal.title
    text = "\n".join(p.text for p in document.paragraphs)
    assert "The proposal is still a draft" in text and "<=" not in text and ">=" not in text
    # The must-have grid: a column per must-have with who asked, a row per approach ruled out.
    grids = [t for t in document.tables if t.rows[0].cells[0].text == "Approach"]
    assert grids and grids[0].rows[0].cells[1].text == "p95 latency ≤ 50 ms (asked by Ines Okafor)"
    assert any(cell.text.startswith("fails: offers") for row in grids[0].rows[1:] for cell in row.cells)


def test_outsiders_get_404_and_an_unfinished_report_no_file(world, questionnaire_version):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    url = reverse("reports:docx", args=[world.proposal.pk, report.pk])
    assert world.client_for(world.outsider).get(url).status_code == 404
    report.status = "queued"
    report.save(update_fields=["status"])
    assert world.client_for(world.member).get(url).status_code == 302
