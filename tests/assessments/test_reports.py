"""Trade-off reports: the request that freezes the inputs, the job, the sweep, and the pages.

Celery reads its config once, so `eager` flips task_always_eager on the Celery app itself
(ARCHITECTURE.md): with REDIS_URL set, as in CI, jobs would otherwise go to Redis. Jobs are
enqueued with transaction.on_commit, so a test that wants them run wraps the call in
`django_capture_on_commit_callbacks(execute=True)`.

The engine and matplotlib take about a second a report, so `memo_engine` computes the results of
one set of frozen inputs once per test session (they are a pure function of those inputs, as
report_run's docstring says) and every other report with the same inputs reuses them. Everything
around the computation (statuses, attempts, the queue) runs for real.
"""

import copy
import csv
import html
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import reports
from assessments.engine.bench import typical_answers
from assessments.models import Report, ReportStatus
from assessments.questionnaires_db import engine_questionnaire
from assessments.report_present import charts_for
from assessments.reports import (
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
from assessments.services import answers_put, answers_save, assessment_complete, assessment_start
from assessments.tasks import compute_report
from config.celery import app as celery_app
from outbox.models import OutboxItem, OutboxStatus
from projects.models import Proposal
from projects.services import proposal_update
from stakeholders.models import Requirement
from stakeholders.services import requirement_save, requirements_replace, stake_roles, stakeholder_add
from tests.factories import ProposalFactory

# --------------------------------------------------------------------------------------------
# Shared set-up (test_report_pdf.py uses these helpers too)


@contextmanager
def celery_eager() -> Iterator[None]:
    """Run `.delay()` in-process and let its exceptions through, for the length of the block."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


# Frozen inputs the engine reads (trade-off inputs without ids) -> its results.
_ENGINE_RESULTS: dict[str, dict[str, Any]] = {}


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def install_engine_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    real = reports.compute_results

    def compute_results(inputs: dict[str, Any], progress) -> dict[str, Any]:
        # Only these parts reach the engine (assessments.tradeoff_inputs.engine_inputs); database
        # ids differ from test to test and change nothing but ids in the results.
        key = inputs_hash(_without_ids({k: inputs.get(k) for k in ("suitability", "stakeholders", "approaches")}))
        if key not in _ENGINE_RESULTS:
            _ENGINE_RESULTS[key] = real(inputs, progress)
        return copy.deepcopy(_ENGINE_RESULTS[key])

    monkeypatch.setattr(reports, "compute_results", compute_results)


def req(dimension: str, op: str, value: Any, unit: str = "", *, weight: int = 3, metric: str = "", must=False):
    return {
        "dimension": dimension,
        "op": op,
        "value": value,
        "unit": unit,
        "metric": metric,
        "must_have": must,
        "weight": weight,
    }


# Three stakeholders; Dana and Sam contradict each other on freshness (a conflict), but nobody's
# must-have rules an approach out, so the report has a full ranking and a sensitivity analysis.
PEOPLE = [
    (
        "Pat Product",
        "product",
        [req("latency", "<=", 200.0, "ms", weight=4), req("quality", ">=", 0.85, metric="precision", weight=5)],
    ),
    (
        "Dana Platform",
        "ml_platform",
        [req("freshness", ">=", 30, "days"), req("cost", "<=", 2000, "per_month", weight=4)],
    ),
    ("Sam User", "end_users", [req("freshness", "<=", 7, "days", weight=2)]),
]


def add_stakeholder(proposal: Proposal, *, name: str, role: str, requirements: list[dict], by) -> Any:
    roles = {r.key: r for r in stake_roles(organisation=proposal.organisation)}
    email = f"{name.lower().replace(' ', '.')}@example.test"
    stakeholder = stakeholder_add(
        proposal=proposal,
        role=roles[role],
        by=by,
        link_url=lambda s, raw: f"http://testserver/r/{raw}/",
        name=name,
        email=email,
    )
    requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=[], by=by)
    return stakeholder


def assess(proposal: Proposal, by, **answers: Any):
    """A completed suitability assessment: the support-ticket router's answers, with changes."""
    assessment = answers_put(proposal=proposal, raw={**typical_answers(), **answers}, by=by)
    return assessment_complete(assessment=assessment, by=by)


def build_scenario(world, **answers: Any) -> None:
    """The proposal assessed, with the three stakeholders of PEOPLE."""
    assess(world.proposal, world.owner, **answers)
    for name, role, requirements in PEOPLE:
        add_stakeholder(world.proposal, name=name, role=role, requirements=requirements, by=world.owner)
    world.proposal.refresh_from_db()


def computed(proposal: Proposal, by) -> Report:
    """The proposal's report for its current inputs, computed here (not through the queue)."""
    report, _ = report_request(proposal=proposal, by=by)
    report_run(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    return report


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(autouse=True)
def eager():
    with celery_eager():
        yield


@pytest.fixture(autouse=True)
def memo_engine(monkeypatch):
    install_engine_memo(monkeypatch)


@pytest.fixture
def scenario(world, questionnaire_version):
    build_scenario(world)
    return world


@pytest.fixture
def queued(scenario) -> Report:
    report, created = report_request(proposal=scenario.proposal, by=scenario.owner)
    assert created
    return report


@pytest.fixture
def done(scenario) -> Report:
    return computed(scenario.proposal, scenario.owner)


def url(name: str, report: Report) -> str:
    return reverse(f"reports:{name}", args=[report.proposal_id, report.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class _Elements(HTMLParser):
    """The attributes of every element by id, and the text of each <h2>."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.by_id[attributes["id"]] = attributes
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


def parse(response) -> _Elements:
    parser = _Elements()
    parser.feed(response.content.decode())
    return parser


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
    page = unescape(response.content.decode())
    assert f"Report #{done.pk}" in page
    assert done.headline in page
    assert "out of date" not in page

    change_a_requirement(scenario.proposal, scenario.owner)
    assert "out of date" in client.get(reverse("reports:list", args=[scenario.proposal.pk])).content.decode()


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
    status = page.by_id["report-status"]
    assert status["hx-trigger"] == "every 1s"
    assert status["hx-get"] == url("status", queued)
    assert "Queued." in response.content.decode()
    assert "Ranking" not in page.h2


def test_the_detail_shows_the_results_once_the_job_succeeded(scenario, done):
    response = scenario.client_for(scenario.member).get(url("detail", done))
    assert response.status_code == 200
    page = parse(response)
    assert "hx-trigger" not in page.by_id["report-status"]  # polling stopped
    assert {"Summary", "Ranking", "Sensitivity", "Production risks and next steps"} <= set(page.h2)
    assert done.headline in unescape(response.content.decode())
    for export in ("pdf", "csv", "json"):
        assert f'href="{url(export, done)}"' in response.content.decode()


def test_the_status_endpoint_asks_for_a_reload_once_the_job_is_done(scenario, queued):
    client = scenario.client_for(scenario.member)
    polling = client.get(url("status", queued), HTTP_HX_REQUEST="true")
    assert polling.status_code == 200
    assert "HX-Refresh" not in polling
    assert parse(polling).by_id["report-status"]["hx-trigger"] == "every 1s"

    report_run(report_id=queued.pk)
    finished = client.get(url("status", queued), HTTP_HX_REQUEST="true")
    assert finished.status_code == 200
    assert finished["HX-Refresh"] == "true"
    assert "hx-trigger" not in parse(finished).by_id["report-status"]
    assert "Done." in finished.content.decode()


def test_a_failed_report_shows_why_and_is_retried(scenario, queued, django_capture_on_commit_callbacks):
    report_fail(report_id=queued.pk, reason="The worker ran out of memory.")
    client = scenario.client_for(scenario.member)
    page = client.get(url("detail", queued)).content.decode()
    assert "The worker ran out of memory." in page
    assert f'action="{url("retry", queued)}"' in page

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
    page = unescape(response.content.decode())
    assert f"Report #{done.pk} and report #{newer.pk}" in page  # the older one first
    row = page[page.index("<code>proposal.title</code>") :]
    assert row.index("Route support tickets") < row.index("Route support tickets to teams")
    assert "<code>stakeholders" not in page  # only what changed


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
    assert "A blocker rules ML out whatever the score" in proposal_page.content.decode()

    report = computed(world.proposal, world.owner)
    results = report.results
    assert results["verdict"] == "not_a_fit"
    assert results["ml_fit_note"]
    ml = [r["ml"] for r in results["ranking"]]
    assert ml[0] is False and True in ml
    assert ml == sorted(ml)  # every approach without ML before any with it
    # The stakeholders' weights alone favour a model: the verdict, not the scores, put it lower.
    assert results["weighted_sum"][0]["ml"] is True

    page = world.client_for(world.member).get(url("detail", report)).content.decode()
    assert "alert error" in page
    assert results["ml_fit_note"] in unescape(page)


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
        assert f"Stakeholder {stakeholders}<br>" in response.content.decode()
        return [q["sql"] for q in captured.captured_queries]

    client = world.client_for(world.member)
    few, many = detail_queries(3), detail_queries(12)
    assert len(few) == len(many), many
    # (session, unless Redis caches it), user with membership and organisation (one query:
    # accounts.middleware.MemberMiddleware), the proposal with its owner, team and creator, and
    # the report with who asked for it: the stakeholders are read from the report's frozen inputs
    # and results, never from their tables.
    cached_sessions = settings.SESSION_ENGINE.endswith("cached_db")
    assert len(many) == (3 if cached_sessions else 4), many


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
    page = world.client_for(world.member).get(url("detail", report)).content.decode()
    assert "knows of no labelled examples" in page
    # An approach failing two must-haves: its reasons read as two sentences, not "0.8.; Ines".
    two = next(f for f in report.results["filtered_out"] if len(f["failures"]) == 2)
    first, second = (f["explanation"] for f in two["failures"])
    assert f"{first} {second}" in html.unescape(page)
    assert ".;" not in page


def test_the_proposal_page_shows_the_latest_reports_answer_and_when_it_is_out_of_date(scenario):
    from projects.services import proposal_inputs_changed

    detail = reverse("projects:detail", args=[scenario.proposal.pk])
    assert "Report #" not in scenario.client_for(scenario.member).get(detail).content.decode()
    report = computed(scenario.proposal, scenario.owner)
    page = scenario.client_for(scenario.member).get(detail).content.decode()
    assert f'href="{url("detail", report)}"' in page
    headline = report.results["headline"]
    assert headline and headline in html.unescape(page)
    assert "out of date" not in page
    proposal_inputs_changed(proposal_id=scenario.proposal.pk)
    page = scenario.client_for(scenario.member).get(detail).content.decode()
    assert "out of date: the inputs changed since" in page
