"""Trade-off reports: the request that freezes the inputs, the job, the sweep, and the pages.

Jobs run in the test's own process (`jobs_run_in_process`, tests/conftest.py) and are enqueued with
transaction.on_commit, so a test that wants them run wraps the call in
`django_capture_on_commit_callbacks(execute=True)`.

The engine and matplotlib take about a second a report, so `memo_engine` (tests/conftest.py)
computes the results of one set of frozen inputs once per test session and every other report
with the same inputs reuses them. Everything around the computation (statuses, attempts, the
queue) runs for real. The proposal with its stakeholders is tests/factories.py's `build_scenario`,
behind the `scenario` and `done` fixtures (tests/assessments/conftest.py).
"""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxItem, OutboxStatus
from projects.models import Proposal
from projects.services import proposal_update
from questionnaires.services import answers_save
from questionnaires.versions import engine_questionnaire
from reports.models import Report, ReportStatus
from reports.present import charts_for
from reports.services import (
    LOST_AFTER,
    MAX_ATTEMPTS,
    STALE_AFTER,
    inputs_hash,
    report_fail,
    report_is_stale,
    report_request,
    report_retry,
    report_run,
    report_sweep,
)
from reports.tasks import compute_report
from stakeholders.models import Requirement
from stakeholders.services import requirement_save
from suitability.services import assessment_complete, assessment_start
from tests.conftest import session_queries
from tests.factories import ProposalFactory, add_stakeholder, build_scenario, computed, req
from tests.html import parse, squash

pytestmark = pytest.mark.usefixtures("memo_engine")


@pytest.fixture
def queued(scenario) -> Report:
    report, created = report_request(proposal=scenario.proposal, by=scenario.owner)
    assert created
    return report


def url(name: str, report: Report) -> str:
    return reverse(f"reports:{name}", args=[report.proposal_id, report.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --------------------------------------------------------------------------------------------
# report_request: frozen inputs, idempotence, staleness


def test_a_request_freezes_the_inputs_in_a_queued_report(scenario, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        report, created = report_request(proposal=scenario.proposal, by=scenario.owner)
    assert created
    assert len(callbacks) == 1  # the job, sent once the transaction commits
    assert (report.status, report.attempts, report.results) == (ReportStatus.QUEUED, 0, None)
    assert report.requested_by == scenario.owner
    assert report.inputs_hash == inputs_hash(report.inputs)
    assert report.inputs["proposal"]["title"] == "Route support tickets"
    assert report.inputs["suitability"]["verdict"] == "fit_with_caveats"
    assert report.inputs["suitability"]["answers"]["ethical_concern"] == "no"
    assert [s["name"] for s in report.inputs["stakeholders"]] == ["Pat Product", "Dana Platform", "Sam User"]
    assert report.inputs["stakeholders"][0]["requirements"][0]["dimension"] == "latency"
    assert report.inputs["approaches"]["approaches"]
    assert not report_is_stale(proposal=scenario.proposal, report=report)


def test_the_same_inputs_return_the_same_report(queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        again, created = report_request(proposal=queued.proposal, by=queued.proposal.owner)
    assert (again.pk, created) == (queued.pk, False)
    assert callbacks == []  # nothing enqueued a second time
    assert Report.objects.count() == 1


def change_a_requirement(proposal: Proposal, by) -> None:
    requirement = Requirement.objects.get(
        stakeholder__proposal=proposal, stakeholder__name="Pat Product", dimension="latency"
    )
    requirement_save(
        stakeholder=requirement.stakeholder,
        dimension="latency",
        data={"op": "<=", "value": 500.0, "unit": "ms", "must_have": False, "weight": 4, "metric": ""},
        by=by,
    )


def change_an_answer(proposal: Proposal, by) -> None:
    # A completed assessment is not edited: a new round starts from its answers.
    assessment = assessment_start(proposal=proposal, by=by)
    questionnaire = engine_questionnaire(assessment.questionnaire)
    outcome = answers_save(assessment=assessment, questionnaire=questionnaire, raw={"data_age": "current"}, by=by)
    assert not outcome.errors
    assessment_complete(assessment=assessment, by=by)


def change_the_intake(proposal: Proposal, by) -> None:
    proposal_update(
        proposal=proposal, data={"title": "Route support tickets to teams"}, expected_version=proposal.version, by=by
    )


@pytest.mark.parametrize("change", [change_a_requirement, change_an_answer, change_the_intake])
def test_a_change_to_the_inputs_makes_a_new_report_and_the_old_one_stale(scenario, queued, change):
    proposal = scenario.proposal
    change(proposal, scenario.owner)
    proposal.refresh_from_db()
    assert report_is_stale(proposal=proposal, report=queued)

    newer, created = report_request(proposal=proposal, by=scenario.owner)
    assert created and newer.pk != queued.pk
    assert newer.inputs_hash != queued.inputs_hash
    assert Report.objects.filter(proposal=proposal).count() == 2
    assert not report_is_stale(proposal=proposal, report=newer)


# --------------------------------------------------------------------------------------------
# report_run and the compute_report job


def test_the_job_computes_the_report_once(queued):
    assert report_run(report_id=queued.pk) == "succeeded"
    queued.refresh_from_db()
    assert (queued.status, queued.progress, queued.attempts, queued.error) == (ReportStatus.SUCCEEDED, 100, 1, "")
    assert queued.started_at <= queued.finished_at
    results = queued.results
    assert results["headline"] and queued.headline == results["headline"][:300]
    assert results["verdict"] == "fit_with_caveats"
    assert len(results["ranking"]) >= 2
    assert [r["rank"] for r in results["ranking"]] == list(range(1, len(results["ranking"]) + 1))
    probability = results["sensitivity"]["probability_first"]
    assert set(probability) == {r["key"] for r in results["ranking"]}
    assert sum(probability.values()) == pytest.approx(1, abs=0.01)
    # The charts are drawn when first shown, then cached: the job stays the engine alone.
    assert "charts" not in results
    drawn = charts_for(queued)
    for name in ("ranking", "heatmap", "pareto", "sensitivity"):
        assert drawn[name].startswith("<svg"), name
    assert charts_for(queued) == drawn

    # Delivered again (a duplicate message, a sweep): nothing runs, nothing changes.
    finished_at = queued.finished_at
    assert report_run(report_id=queued.pk) == "already succeeded"
    queued.refresh_from_db()
    assert (queued.results, queued.attempts, queued.finished_at) == (results, 1, finished_at)


def test_a_job_whose_engine_fails_ends_failed_with_the_reason_and_a_retry_queues_it(
    queued, django_capture_on_commit_callbacks
):
    Report.objects.filter(pk=queued.pk).update(inputs={"suitability": {}, "stakeholders": []})  # no approaches

    with pytest.raises(KeyError):
        compute_report.delay(queued.pk)  # eager and propagating: what the worker would see

    queued.refresh_from_db()
    assert queued.status == ReportStatus.FAILED
    assert queued.error == "KeyError: 'approaches'"
    assert queued.finished_at is not None
    assert queued.results is None

    with django_capture_on_commit_callbacks() as callbacks:
        report_retry(report=queued)
    assert len(callbacks) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.error, queued.attempts, queued.progress) == (ReportStatus.QUEUED, "", 0, 0)


def test_only_a_failed_report_is_retried(done, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        report_retry(report=done)
    assert callbacks == []
    assert done.status == ReportStatus.SUCCEEDED


# --------------------------------------------------------------------------------------------
# report_sweep


def running(report: Report, *, attempts: int = 1, silent_for: timedelta = timedelta(0)) -> None:
    """As a worker left it: running, its last heartbeat `silent_for` ago."""
    heartbeat = timezone.now() - silent_for
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, attempts=attempts, started_at=heartbeat, heartbeat_at=heartbeat, progress=30
    )


def test_the_sweep_requeues_a_job_whose_worker_went_silent(queued, django_capture_on_commit_callbacks):
    running(queued, silent_for=STALE_AFTER + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert report_sweep() == {"requeued": 1, "failed": 0, "pdf_requeued": 0, "pdf_failed": 0}
        queued.refresh_from_db()
        assert queued.status == ReportStatus.QUEUED
        assert "Re-queued" in queued.progress_note
    # Enqueued again (eager here, so the job ran; its "report ready" email is the other callback).
    assert [c.__qualname__ for c in callbacks if "_enqueue" in c.__qualname__] == ["_enqueue.<locals>.send"]

    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (ReportStatus.SUCCEEDED, 2)


def test_the_sweep_fails_a_job_after_the_last_attempt(queued, django_capture_on_commit_callbacks):
    running(queued, attempts=MAX_ATTEMPTS, silent_for=STALE_AFTER + timedelta(minutes=1))

    with django_capture_on_commit_callbacks() as callbacks:
        assert report_sweep() == {"requeued": 0, "failed": 1, "pdf_requeued": 0, "pdf_failed": 0}
    assert callbacks == []
    queued.refresh_from_db()
    assert queued.status == ReportStatus.FAILED
    assert queued.error == f"The job stopped responding {MAX_ATTEMPTS} times (its worker died); giving up."
    assert queued.finished_at is not None


def test_the_sweep_leaves_a_job_with_a_fresh_heartbeat_alone(queued, django_capture_on_commit_callbacks):
    running(queued)
    almost_stale = timezone.now() + STALE_AFTER - timedelta(seconds=30)

    with django_capture_on_commit_callbacks() as callbacks:
        assert report_sweep(now=almost_stale) == {"requeued": 0, "failed": 0, "pdf_requeued": 0, "pdf_failed": 0}
    assert callbacks == []
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == (ReportStatus.RUNNING, 1)


def test_the_sweep_sends_a_long_queued_job_again(queued, django_capture_on_commit_callbacks):
    # Its message was sent, then lost (Redis restarted): no worker ever picked it up.
    OutboxItem.objects.filter(ref=f"report:{queued.pk}").update(status=OutboxStatus.SENT, sent_at=timezone.now())
    later = timezone.now() + LOST_AFTER + timedelta(minutes=1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert report_sweep(now=later) == {"requeued": 1, "failed": 0, "pdf_requeued": 0, "pdf_failed": 0}
    assert len(callbacks) == 1
    assert OutboxItem.objects.filter(ref=f"report:{queued.pk}", status=OutboxStatus.PENDING).count() == 1


def test_the_sweep_leaves_a_queued_job_whose_message_waits_in_the_outbox(queued, django_capture_on_commit_callbacks):
    # Redis was down when it was asked for: the outbox's sweep sends it, not a second message.
    later = timezone.now() + LOST_AFTER + timedelta(minutes=1)
    with django_capture_on_commit_callbacks() as callbacks:
        assert report_sweep(now=later)["requeued"] == 0
    assert callbacks == []
    assert OutboxItem.objects.filter(ref=f"report:{queued.pk}").count() == 1


# --------------------------------------------------------------------------------------------
# The pages


def test_the_list_shows_the_reports_and_whether_the_latest_is_out_of_date(scenario, done):
    client = scenario.client_for(scenario.member)
    response = client.get(reverse("reports:list", args=[scenario.proposal.pk]))
    assert response.status_code == 200
    page = parse(response)
    assert page.links("tbody tr") == [(f"Report #{done.pk}", url("detail", done))]
    assert done.headline in page.text("tbody tr td:last-child")  # the leading approach
    assert not page.shows("out of date")

    change_a_requirement(scenario.proposal, scenario.owner)
    page = parse(client.get(reverse("reports:list", args=[scenario.proposal.pk])))
    assert page.text("tbody tr:first-child .badge") == "out of date"


def test_generating_runs_the_job_and_shows_the_report(scenario, django_capture_on_commit_callbacks):
    client = scenario.client_for(scenario.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:list", args=[scenario.proposal.pk]))
    report = Report.objects.get(proposal=scenario.proposal)
    assert response.status_code == 302
    assert response["Location"] == url("detail", report)
    assert messages_of(response) == ["Report requested; it is computed in the background."]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED  # eager: the job ran as the request committed

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post(reverse("reports:list", args=[scenario.proposal.pk]))
    assert again["Location"] == url("detail", report)
    assert messages_of(again)[-1] == "Nothing changed since this report: here it is."
    assert callbacks == []
    assert Report.objects.filter(proposal=scenario.proposal).count() == 1


def test_the_detail_polls_its_status_while_the_job_is_queued(scenario, queued):
    response = scenario.client_for(scenario.member).get(url("detail", queued))
    assert response.status_code == 200
    page = parse(response)
    status = page.one("#report-status")
    assert status["hx-trigger"] == "every 1s"
    assert status["hx-get"] == url("status", queued)
    assert page.text("#report-status strong") == "Queued."
    assert "Ranking" not in page.texts("h2")


def test_the_detail_shows_the_results_once_the_job_succeeded(scenario, done):
    response = scenario.client_for(scenario.member).get(url("detail", done))
    assert response.status_code == 200
    page = parse(response)
    assert not page.one("#report-status").has_attr("hx-trigger")  # polling stopped
    assert {"Summary", "Ranking", "Sensitivity", "Production risks and next steps"} <= set(page.texts("h2"))
    assert done.headline in page.text("#summary .headline")
    exports = [
        (label, url(export, done))
        for label, export in [("PDF", "pdf"), ("Word", "docx"), ("CSV", "csv"), ("JSON", "json")]
    ]
    assert page.links(".page-head .actions") == exports


def test_the_status_endpoint_asks_for_a_reload_once_the_job_is_done(scenario, queued):
    client = scenario.client_for(scenario.member)
    polling = client.get(url("status", queued), HTTP_HX_REQUEST="true")
    assert polling.status_code == 200
    assert "HX-Refresh" not in polling
    assert parse(polling).one("#report-status")["hx-trigger"] == "every 1s"

    report_run(report_id=queued.pk)
    finished = client.get(url("status", queued), HTTP_HX_REQUEST="true")
    assert finished.status_code == 200
    assert finished["HX-Refresh"] == "true"
    page = parse(finished)
    assert not page.one("#report-status").has_attr("hx-trigger")
    assert page.text("#report-status strong") == "Done."


def test_a_failed_report_shows_why_and_is_retried(scenario, queued, django_capture_on_commit_callbacks):
    report_fail(report_id=queued.pk, reason="The worker ran out of memory.")
    client = scenario.client_for(scenario.member)
    page = parse(client.get(url("detail", queued)))
    assert page.text("#report-status") == "Failed. The worker ran out of memory. Retry"
    assert page.one("#report-status form")["action"] == url("retry", queued)

    assert client.get(url("retry", queued)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("retry", queued))
    assert response.status_code == 302 and response["Location"] == url("detail", queued)
    assert messages_of(response) == ["Report queued again."]
    assert [c.__qualname__ for c in callbacks if "_enqueue" in c.__qualname__] == ["_enqueue.<locals>.send"]
    queued.refresh_from_db()
    assert (queued.status, queued.error) == (ReportStatus.SUCCEEDED, "")  # eager: the job ran again


def test_a_report_that_did_not_fail_is_not_retried(scenario, done, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = scenario.client_for(scenario.member).post(url("retry", done))
    assert response.status_code == 302
    assert messages_of(response) == ["Only a failed report can be retried."]
    assert callbacks == []
    done.refresh_from_db()
    assert done.status == ReportStatus.SUCCEEDED


def test_the_json_export_has_the_inputs_and_the_results(scenario, done):
    response = scenario.client_for(scenario.member).get(url("json", done))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="mlfit-report-{done.pk}.json"'
    data = json.loads(response.content)
    assert (data["report"], data["proposal"], data["status"]) == (done.pk, scenario.proposal.pk, "succeeded")
    assert data["inputs_hash"] == done.inputs_hash
    assert data["inputs"] == done.inputs
    assert data["inputs"]["proposal"]["title"] == "Route support tickets"
    assert data["results"] == done.results
    assert data["results"]["headline"].startswith(done.headline)


def test_the_csv_export_has_a_header_and_a_row_per_ranked_approach(scenario, done):
    response = scenario.client_for(scenario.member).get(url("csv", done))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="mlfit-report-{done.pk}.csv"'
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert header[:6] == ["rank", "approach", "weighted_sum", "topsis_closeness", "pareto", "probability_first"]
    assert len(header) == 6 + len(done.results["criteria"])
    ranking = done.results["ranking"]
    assert [(row[0], row[1]) for row in rows] == [(str(r["rank"]), r["label"]) for r in ranking]
    assert all(len(row) == len(header) for row in rows)
    probability = done.results["sensitivity"]["probability_first"]
    assert float(rows[0][5]) == probability[ranking[0]["key"]]


def test_compare_shows_what_changed_in_the_inputs(scenario, done):
    change_the_intake(scenario.proposal, scenario.owner)
    scenario.proposal.refresh_from_db()
    newer = computed(scenario.proposal, scenario.owner)

    compare = reverse("reports:compare", args=[scenario.proposal.pk])
    response = scenario.client_for(scenario.member).get(compare, {"r": [newer.pk, done.pk]})
    assert response.status_code == 200
    page = parse(response)
    assert page.text("main h1") == f"Report #{done.pk} and report #{newer.pk}"  # the older one first
    changed = {row.th.get_text(): [squash(td.get_text()) for td in row.find_all("td")] for row in page.all("tbody tr")}
    assert changed["proposal.title"] == ["Route support tickets", "Route support tickets to teams"]
    assert not [path for path in changed if path.startswith("stakeholders")]  # only what changed


def test_compare_needs_two_reports(scenario, done):
    compare = reverse("reports:compare", args=[scenario.proposal.pk])
    response = scenario.client_for(scenario.member).get(compare, {"r": [done.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:list", args=[scenario.proposal.pk])
    assert messages_of(response) == ["Tick exactly two reports to compare."]


# --------------------------------------------------------------------------------------------
# Tenancy


@pytest.fixture
def earlier(scenario, done) -> Report:
    """A second report of the proposal, so that compare has two to show."""
    return Report.objects.create(
        organisation=scenario.org,
        proposal=scenario.proposal,
        requested_by=scenario.owner,
        inputs=done.inputs,
        inputs_hash="earlier",
        engine_version=done.engine_version,
    )


def report_urls(report: Report, other: Report) -> list[tuple[str, str]]:
    """(method, url) of every report page; compare pairs `report` with `other`."""
    compare = reverse("reports:compare", args=[report.proposal_id])
    return [
        ("get", reverse("reports:list", args=[report.proposal_id])),
        ("post", reverse("reports:list", args=[report.proposal_id])),
        ("get", url("detail", report)),
        ("get", url("status", report)),
        ("post", url("retry", report)),
        ("get", url("json", report)),
        ("get", url("csv", report)),
        ("get", url("pdf", report)),
        ("get", f"{compare}?r={report.pk}&r={other.pk}"),
    ]


def test_an_outsider_gets_404_from_every_report_page(scenario, done, earlier):
    client = scenario.client_for(scenario.outsider)
    for method, address in report_urls(done, earlier):
        assert getattr(client, method)(address).status_code == 404, (method, address)
    assert Report.objects.filter(proposal=scenario.proposal).count() == 2  # nothing generated


@pytest.mark.parametrize("who", ["member", "reviewer", "admin", "owner"])
def test_every_member_may_read_the_reports(scenario, done, earlier, who):
    client = scenario.client_for(getattr(scenario, who))
    for method, address in report_urls(done, earlier):
        if method == "get":
            assert client.get(address).status_code == 200, address


def test_a_report_of_another_proposal_is_404(scenario, done):
    other = ProposalFactory(organisation=scenario.org, owner=scenario.owner, title="Forecast demand")
    foreign = Report.objects.create(
        organisation=scenario.org, proposal=other, inputs=done.inputs, inputs_hash="x", engine_version="1"
    )
    client = scenario.client_for(scenario.owner)
    for name in ("detail", "status", "json", "csv", "pdf"):
        address = reverse(f"reports:{name}", args=[scenario.proposal.pk, foreign.pk])
        assert client.get(address).status_code == 404, name
    assert client.post(reverse("reports:retry", args=[scenario.proposal.pk, foreign.pk])).status_code == 404
    compare = reverse("reports:compare", args=[scenario.proposal.pk])
    assert client.get(compare, {"r": [done.pk, foreign.pk]}).status_code == 404


# --------------------------------------------------------------------------------------------
# Not a fit for ML


def test_when_ml_is_not_a_fit_the_approaches_without_ml_lead(world, questionnaire_version):
    # The unethical-use blocker (ml_suitability.yaml, blockers: unethical) makes it not_a_fit.
    build_scenario(world, ethical_concern="yes")
    assert world.proposal.suitability_verdict == "not_a_fit"
    world.proposal.refresh_from_db()
    assert world.proposal.suitability_blocked  # recorded for the portfolio, beside the score
    proposal_page = world.client_for(world.member).get(reverse("projects:detail", args=[world.proposal.pk]))
    assert "A blocker rules ML out whatever the score" in parse(proposal_page).text(
        "section[aria-labelledby=suitability-title]"
    )

    report = computed(world.proposal, world.owner)
    results = report.results
    assert results["verdict"] == "not_a_fit"
    assert results["ml_fit_note"]
    ml = [r["ml"] for r in results["ranking"]]
    assert ml[0] is False and True in ml
    assert ml == sorted(ml)  # every approach without ML before any with it
    # The stakeholders' weights alone favour a model: the verdict, not the scores, put it lower.
    assert results["weighted_sum"][0]["ml"] is True

    page = parse(world.client_for(world.member).get(url("detail", report)))
    assert page.text("#summary .alert.error") == squash(results["ml_fit_note"])


# --------------------------------------------------------------------------------------------
# Query counts


def test_the_detail_query_count_does_not_grow_with_the_stakeholders(world, questionnaire_version):
    roles = ["product", "ml_engineering", "legal", "end_users"]

    def detail_queries(stakeholders: int) -> list[str]:
        proposal = ProposalFactory(organisation=world.org, owner=world.owner, title=f"With {stakeholders}")
        for i in range(stakeholders):
            add_stakeholder(
                proposal,
                name=f"Stakeholder {i + 1}",
                role=roles[i % len(roles)],
                requirements=[
                    req("latency", "<=", 100.0 * (i + 1), "ms"),
                    req("quality", ">=", 0.8, metric="accuracy", weight=1 + i % 5),
                ],
                by=world.owner,
            )
        report = computed(proposal, world.owner)
        client.get(url("detail", report))  # the first visit stores the active organisation in the session
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("detail", report))
        assert response.status_code == 200
        # The row header: the name, a line break, the role.
        shown = [th.contents[0] for th in parse(response).all("#satisfaction tbody th")]
        assert f"Stakeholder {stakeholders}" in shown
        return [q["sql"] for q in captured.captured_queries]

    client = world.client_for(world.member)
    few, many = detail_queries(3), detail_queries(12)
    assert len(few) == len(many), many
    # The session (none when Redis caches it), then 1: the user with membership and organisation
    # (accounts.middleware.MemberMiddleware), 2: the proposal with its owner, team and creator,
    # 3: the report with who asked for it. The stakeholders are read from the report's frozen
    # inputs and results, never from their tables.
    assert len(many) == session_queries() + 3, many


def test_results_name_the_approaches_and_leave_their_profiles_to_the_frozen_inputs(world, questionnaire_version):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    named = report.results["approaches"]
    frozen = {a["key"]: a for a in report.inputs["approaches"]["approaches"]}
    assert [a["key"] for a in named] == list(frozen)  # every candidate, in the inputs' order
    for approach in named:
        assert set(approach) == {"key", "label", "ml"}
        assert (approach["label"], approach["ml"]) == (frozen[approach["key"]]["label"], frozen[approach["key"]]["ml"])
    # The reasons behind each figure are still part of the report, once, in what it froze.
    assert all("reason" in field for a in frozen.values() for field in a["profile"].values())


def test_without_an_assessment_the_report_says_models_are_rated_without_labels(world, questionnaire_version):
    # Not assessed: no count of labelled examples, so every model that learns from labels is rated
    # at the quality it reaches with none; a precision must-have then rules them out, and the
    # report must say why rather than leave it a mystery.
    add_stakeholder(
        world.proposal,
        name="Ines Okafor",
        role="ml_engineering",
        requirements=[
            req("quality", ">=", 0.9, metric="precision", must=True),
            req("latency", "<=", 100.0, "ms", must=True),
        ],
        by=world.owner,
    )
    report = computed(world.proposal, world.owner)
    assert "knows of no labelled examples" in report.results["ml_fit_note"]
    assert report.results["labelled_examples"] == 0
    page = parse(world.client_for(world.member).get(url("detail", report)))
    assert "knows of no labelled examples" in page.text("#summary .alert")
    # An approach failing two must-haves: one row of the grid, each failure in its must-have's column.
    two = next(f for f in report.results["filtered_out"] if len(f["failures"]) == 2)
    rows = {row["Approach"].removesuffix(" no ML"): row for row in page.table("#must-haves")}
    for failure in two["failures"]:
        column = next(h for h in rows[two["label"]] if h.startswith(failure["stated"].replace(">=", "≥")[:12]))
        assert rows[two["label"]][column] == f"fails: offers {failure['approach_value']}"
        assert column.endswith("asked by Ines Okafor")
    assert not page.shows(".;") and not page.shows("<=") and not page.shows(">=")


def test_the_proposal_page_shows_the_latest_reports_answer_and_when_it_is_out_of_date(scenario):
    from projects.services import proposal_inputs_changed

    detail = reverse("projects:detail", args=[scenario.proposal.pk])
    card = "section[aria-labelledby=reports-title]"
    assert not parse(scenario.client_for(scenario.member).get(detail)).shows("Report #")
    report = computed(scenario.proposal, scenario.owner)
    page = parse(scenario.client_for(scenario.member).get(detail))
    assert (f"Report #{report.pk}", url("detail", report)) in page.links(card)
    headline = report.results["headline"]
    assert headline and page.text(f"{card} .headline") == squash(headline)
    assert not page.shows("out of date")
    proposal_inputs_changed(proposal_id=scenario.proposal.pk)
    page = parse(scenario.client_for(scenario.member).get(detail))
    assert page.text(f"{card} .badge") == "out of date: the inputs changed since"
