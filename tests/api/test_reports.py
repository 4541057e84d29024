"""Reports over the API: ask for one (202 and its URL), follow it, read its JSON, download its CSV
and PDF; the pages' access rules, 404 for anyone the proposal is hidden from."""

import csv
import io

import docx
import pytest
from django.test import Client

from projects.models import Proposal, Visibility
from reports.exports import DOCX_TYPE
from reports.models import Report, ReportStatus
from reports.services import report_pdf_run, report_run
from tests.factories import PEOPLE, add_stakeholder
from tests.typical_answers import typical_answers


def base(world) -> str:
    return f"/api/proposals/{world.proposal.pk}/reports"


@pytest.fixture
def answered(world, questionnaire_version, api):
    response = api(world.owner).put(
        f"/api/proposals/{world.proposal.pk}/answers", {"answers": typical_answers()}, content_type="application/json"
    )
    assert response.status_code == 200, response.content[:300]


def test_asking_for_a_report_is_202_with_its_url_and_the_worker_fills_it(world, api, answered):
    client = api(world.member)
    response = client.post(base(world))
    assert response.status_code == 202, response.content[:500]
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{base(world)}/{report.pk}" == body["links"]["self"]
    assert (body["status"], body["headline"], body["pdf_status"]) == ("queued", None, None)

    # Unchanged inputs: the same report, 200.
    again = client.post(base(world))
    assert (again.status_code, again.json()["id"]) == (200, report.pk)

    report_run(report_id=report.pk)
    state = client.get(body["links"]["self"]).json()
    assert state["status"] == "succeeded"
    assert state["headline"] and state["finished_at"] and state["stale"] is False
    assert [r["id"] for r in client.get(base(world)).json()["items"]] == [report.pk]


def test_a_succeeded_report_is_read_as_json_and_csv(world, api, answered):
    report = Report.objects.get(pk=api(world.owner).post(base(world)).json()["id"])
    report_run(report_id=report.pk)
    client = api(world.reviewer)
    document = client.get(f"{base(world)}/{report.pk}/report.json")
    assert document.status_code == 200
    assert (document.json()["report"], document.json()["status"]) == (report.pk, "succeeded")
    assert document.json()["results"]["criteria"]
    table = client.get(f"{base(world)}/{report.pk}/report.csv")
    assert table.status_code == 200
    assert table["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(table.content.decode())))
    assert rows[0][:2] == ["rank", "approach"] and len(rows) > 1


def test_the_pdf_is_202_while_it_is_made_then_the_file(world, api, answered):
    report = Report.objects.get(pk=api(world.owner).post(base(world)).json()["id"])
    report_run(report_id=report.pk)
    url = f"{base(world)}/{report.pk}/report.pdf"
    pending = api(world.member).get(url)
    assert pending.status_code == 202, pending.content[:300]
    assert pending.json()["pdf_status"] == "queued"
    report_pdf_run(report_id=report.pk)
    done = api(world.member).get(url)
    assert done.status_code == 200
    assert done["Content-Type"] == "application/pdf"
    assert done.content.startswith(b"%PDF")


def test_results_of_an_unfinished_report_are_a_409_problem(world, api, answered):
    report_id = api(world.owner).post(base(world)).json()["id"]
    for tail in ("report.json", "report.csv", "report.pdf", "report.docx"):
        response = api(world.owner).get(f"{base(world)}/{report_id}/{tail}")
        assert response.status_code == 409, tail
        assert response.json()["code"] == "report_not_ready"
    assert Report.objects.get(pk=report_id).pdf_status == ""


def test_an_outsider_gets_404_and_nothing_is_asked_for(world, api, answered):
    report_id = api(world.owner).post(base(world)).json()["id"]
    outsider = api(world.outsider, world.other_org)
    assert outsider.post(base(world)).status_code == 404
    assert outsider.get(base(world)).status_code == 404
    for tail in ("", "/report.json", "/report.csv", "/report.pdf", "/report.docx", f"/compare/{report_id}"):
        response = outsider.get(f"{base(world)}/{report_id}{tail}")
        assert response.status_code == 404, tail
        assert response["Content-Type"] == "application/problem+json"
    assert Report.objects.count() == 1


def test_a_private_proposals_reports_are_404_for_a_member_it_is_not_shared_with(world, api, answered):
    report_id = api(world.owner).post(base(world)).json()["id"]
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    assert api(world.member).get(f"{base(world)}/{report_id}").status_code == 404
    assert api(world.member).post(base(world)).status_code == 404
    assert api(world.admin).get(f"{base(world)}/{report_id}").status_code == 200


def test_a_report_of_another_proposal_is_404(world, api, answered):
    from tests.factories import ProposalFactory

    report_id = api(world.owner).post(base(world)).json()["id"]
    other = ProposalFactory(organisation=world.org, owner=world.owner)
    assert api(world.owner).get(f"/api/proposals/{other.pk}/reports/{report_id}").status_code == 404


def test_bad_ids_and_filters_are_422_problems(world, api):
    client = api(world.owner)
    assert client.get(f"{base(world)}/abc")["Content-Type"] == "application/problem+json"
    assert client.get(f"{base(world)}/abc").json()["errors"][0]["field"] == "report_id"
    assert client.get(f"{base(world)}?status=done").json()["errors"][0]["code"] == "unknown_filter"


def test_it_needs_a_token(world):
    response = Client().post(base(world))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Report.objects.filter(status=ReportStatus.QUEUED).exists()


def test_a_succeeded_report_is_downloaded_as_a_word_file(world, api, answered):
    report = Report.objects.get(pk=api(world.owner).post(base(world)).json()["id"])
    report_run(report_id=report.pk)
    response = api(world.member).get(f"{base(world)}/{report.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response.content.startswith(b"PK")  # a Word file is a zip
    document = docx.Document(io.BytesIO(response.content))
    assert any("Route support tickets" in p.text for p in document.paragraphs)
    links = api(world.member).get(f"{base(world)}/{report.pk}").json()["links"]
    assert links["docx"].endswith(f"/{report.pk}/report.docx")


def test_two_reports_are_compared_as_the_page_compares_them(world, api, answered):
    client = api(world.owner)
    older = client.post(base(world)).json()["id"]
    report_run(report_id=older)
    # A requirement changes, so the next report has other inputs.
    add_stakeholder(world.proposal, name="Pat Product", role="product", requirements=PEOPLE[0][2], by=world.owner)
    newer = client.post(base(world))
    assert newer.status_code == 202
    report_run(report_id=newer.json()["id"])
    # Named in either order: the older is older.
    response = api(world.member).get(f"{base(world)}/{newer.json()['id']}/compare/{older}")
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert (body["older"]["id"], body["newer"]["id"]) == (older, newer.json()["id"])
    assert body["older"]["ranking"] and body["newer"]["headline"]
    assert any(change["path"].startswith("stakeholders") for change in body["input_changes"])
    for move in body["ranking_changes"]:
        assert move["rank_before"] != move["rank_after"]


def test_comparing_a_report_with_itself_or_an_unfinished_one_is_refused(world, api, answered):
    client = api(world.owner)
    done = client.post(base(world)).json()["id"]
    report_run(report_id=done)
    same = client.get(f"{base(world)}/{done}/compare/{done}")
    assert (same.status_code, same.json()["errors"][0]["field"]) == (422, "other_id")
    queued = Report.objects.create(organisation=world.org, proposal=world.proposal, inputs={}, inputs_hash="x")
    assert client.get(f"{base(world)}/{done}/compare/{queued.pk}").json()["code"] == "report_not_ready"
    assert client.get(f"{base(world)}/{done}/compare/{queued.pk + 100}").status_code == 404
