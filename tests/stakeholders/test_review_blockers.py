"""Approval that sees the blockers (docs/methodology.md §9): what an approver must acknowledge, on
the page and over the API; an approval that leaves one unacknowledged is refused and saves
nothing; an acknowledged one keeps the reasons on the sign-off, in the audit trail and in the PDF."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken
from audit.models import AuditEntry
from projects import workflow
from projects.models import Proposal
from stakeholders.models import Conflict, ConflictStatus, Requirement, Severity, SignOff
from stakeholders.review import approval_blockers
from tests.conftest import membership, session_queries
from tests.html import Page, parse


def conflict(world, n: int, *, severity=Severity.HIGH, status=ConflictStatus.OPEN) -> Conflict:
    return Conflict.objects.create(
        organisation=world.org,
        proposal=world.proposal,
        fingerprint=f"fp{n}",
        kind="contradictory_targets",
        severity=severity,
        status=status,
        title=f"Phone or server {n}",
        explanation="Product needs it on a phone, engineering on a server.",
    )


def set_proposal(proposal: Proposal, **fields) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(**fields)
    proposal.refresh_from_db()


def keys(proposal: Proposal) -> list[str]:
    return [b.key for b in approval_blockers(proposal=proposal)]


def approve(review, user, acknowledgements=None, *, action="approve", reason="Worth it.", status=302):
    data = {"action": action, "reason": reason}
    data.update({f"ack-{key}": value for key, value in (acknowledgements or {}).items()})
    return review.post(user, data, status)


def blockers(page: Page) -> list[tuple[str, str]]:
    """The review page's blockers: (key, where to look)."""
    return [(item["data-key"], item.a["href"]) for item in page.all("#approval-blockers li")]


def fields(page: Page, action: str) -> dict[str, str]:
    """The text fields of the form for `action` (approve, reject...), by name, with what they
    hold; each one labelled."""
    form = f"form#action-{action}"
    areas = page.all(f"{form} textarea")
    for area in areas:
        assert page.has(f'label[for="{area["id"]}"]'), f"{area['id']} has no label"
    shown = page.form_values(form)
    return {area["name"]: shown[area["name"]] for area in areas}


# ---------------------------------------------------------------------------------------------
# Which blockers there are


def test_a_proposal_with_requirements_and_nothing_wrong_has_no_blocker(review):
    assert approval_blockers(proposal=review.proposal) == []


def test_each_open_high_severity_conflict_is_a_blocker_and_only_those(review, world):
    first, second = conflict(world, 1), conflict(world, 2)
    conflict(world, 3, severity=Severity.MEDIUM)
    conflict(world, 4, status=ConflictStatus.RESOLVED)
    conflict(world, 5, status=ConflictStatus.GONE)
    blockers = approval_blockers(proposal=review.proposal)
    assert [b.key for b in blockers] == [f"conflict:{first.pk}", f"conflict:{second.pk}"]
    assert "Phone or server 1" in blockers[0].label and "high-severity conflict" in blockers[0].label
    assert blockers[0].url == reverse("stakeholders:conflict", kwargs={"pk": review.proposal.pk, "cid": first.pk})


def test_a_latest_report_with_no_feasible_approach_is_a_blocker(review):
    set_proposal(review.proposal, latest_report_id=9, latest_report_at=timezone.now())
    assert keys(review.proposal) == []
    set_proposal(review.proposal, latest_report_none_feasible=True)
    (blocker,) = approval_blockers(proposal=review.proposal)
    assert blocker.key == "no_feasible_approach" and "#9" in blocker.label and "every must-have" in blocker.label
    assert blocker.url == reverse("reports:detail", kwargs={"pk": review.proposal.pk, "rid": 9})


def test_a_latest_report_out_of_date_is_a_blocker(review):
    made = timezone.now() - timedelta(hours=1)
    set_proposal(
        review.proposal, latest_report_id=9, latest_report_at=made, inputs_changed_at=made - timedelta(hours=1)
    )
    assert keys(review.proposal) == []
    set_proposal(review.proposal, inputs_changed_at=made + timedelta(minutes=5))
    (blocker,) = approval_blockers(proposal=review.proposal)
    assert blocker.key == "report_stale" and "out of date" in blocker.label
    assert blocker.url == reverse("reports:list", kwargs={"pk": review.proposal.pk})
    # A report deleted since leaves its date behind: there is no report to call out of date (it
    # read "Trade-off report #None is out of date" on the demo portfolio).
    set_proposal(review.proposal, latest_report_id=None)
    assert keys(review.proposal) == []
    # Inputs changed with no report made yet: nothing has gone stale (the proposal page agrees).
    set_proposal(review.proposal, latest_report_id=None, latest_report_at=None)
    assert keys(review.proposal) == []


@pytest.mark.parametrize(
    "verdict, blocked, expected",
    [("good_fit", False, []), ("fit_with_caveats", False, []), ("", False, []), ("not_a_fit", False, ["not_a_fit"])],
)
def test_a_not_a_fit_verdict_is_a_blocker(review, verdict, blocked, expected):
    set_proposal(review.proposal, suitability_verdict=verdict, suitability_blocked=blocked)
    assert keys(review.proposal) == expected


def test_a_not_a_fit_by_a_blocker_says_so(review):
    set_proposal(review.proposal, suitability_verdict="not_a_fit", suitability_blocked=True)
    (blocker,) = approval_blockers(proposal=review.proposal)
    assert "whatever the score" in blocker.label and "non-ML route" in blocker.label
    assert blocker.url == reverse("assessments:home", kwargs={"pk": review.proposal.pk})


def test_no_requirement_stated_is_a_blocker(review):
    Requirement.objects.all().delete()
    (blocker,) = approval_blockers(proposal=review.proposal)
    assert blocker.key == "no_requirements"
    assert blocker.url == reverse("stakeholders:list", kwargs={"pk": review.proposal.pk})


@pytest.mark.parametrize("batch", [False, True])
def test_a_finished_report_records_whether_any_approach_meets_every_must_have(review, world, monkeypatch, batch):
    """The assessments app writes the summary onto the proposal when a report finishes (alone or
    in a batch recompute); the review reads it from there."""
    from reports import services as reports
    from reports.models import Report

    def run(ranking):
        monkeypatch.setattr(reports, "compute_results", lambda inputs, progress: {"headline": "h", "ranking": ranking})
        report = Report.objects.create(
            organisation=world.org,
            proposal=review.proposal,
            inputs={},
            inputs_hash=str(len(ranking)),
            engine_version="1",
        )
        if batch:
            assert reports.report_run_batch(report_ids=[report.pk])["succeeded"] == 1
        else:
            assert reports.report_run(report_id=report.pk) == "succeeded"
        review.proposal.refresh_from_db()
        assert review.proposal.latest_report_id == report.pk

    # The engine ranks no approach exactly when every one fails a must-have (tradeoffs.compare).
    run([])
    assert review.proposal.latest_report_none_feasible
    assert keys(review.proposal) == ["no_feasible_approach"]
    run([{"key": "rules", "label": "Rules", "ml": False, "score": 1.0, "rank": 1}])
    assert not review.proposal.latest_report_none_feasible
    assert keys(review.proposal) == []


# ---------------------------------------------------------------------------------------------
# The page


def test_the_page_lists_the_blockers_above_the_form_with_a_labelled_field_for_each(review, world):
    Requirement.objects.all().delete()
    high = conflict(world, 1)
    review.submit()
    page = review.page(review.ml)
    assert blockers(page) == [
        (f"conflict:{high.pk}", reverse("stakeholders:conflict", kwargs={"pk": review.proposal.pk, "cid": high.pk})),
        ("no_requirements", reverse("stakeholders:list", kwargs={"pk": review.proposal.pk})),
    ]
    assert page.one("#approval-blockers").find_next("form", id="action-approve"), "the list comes first"
    assert set(fields(page, "approve")) == {"reason", f"ack-conflict:{high.pk}", "ack-no_requirements"}
    # Requesting changes or rejecting asks for no acknowledgement.
    assert set(fields(page, "request_changes")) == {"reason"}
    assert set(fields(page, "reject")) == {"reason"}


def test_a_page_without_blockers_shows_neither_the_list_nor_the_fields(review):
    review.submit()
    page = review.page(review.ml)
    assert blockers(page) == [] and set(fields(page, "approve")) == {"reason"}
    assert not page.has("#approval-blockers")


# ---------------------------------------------------------------------------------------------
# Approving on the page


def test_approving_without_acknowledging_is_refused_and_saves_nothing(review):
    set_proposal(review.proposal, suitability_verdict="not_a_fit")
    review.submit()
    before = AuditEntry.objects.count()
    response = approve(review, review.ml, reason="The rules engine is what we approve.", status=400)
    page = parse(response)
    error = page.text("#review-error")
    assert "Not acknowledged" in error and "not a fit" in error
    assert not SignOff.objects.exists() and review.proposal.status == workflow.SUBMITTED
    assert AuditEntry.objects.count() == before
    # What was typed is kept.
    assert fields(page, "approve")["reason"] == "The rules engine is what we approve."


def test_a_blank_reason_is_refused_and_the_others_typed_are_kept(review, world):
    set_proposal(review.proposal, suitability_verdict="not_a_fit")
    high = conflict(world, 1)
    review.submit()
    acks = {f"conflict:{high.pk}": "Product gives way: it runs on the server.", "not_a_fit": "   "}
    response = approve(review, review.ml, acks, status=400)
    page = parse(response)
    error = page.text("#review-error")
    assert "Not acknowledged" in error and "not a fit" in error and "Phone or server" not in error
    typed = fields(page, "approve")
    assert typed[f"ack-conflict:{high.pk}"] == "Product gives way: it runs on the server."
    assert not SignOff.objects.exists()


def test_a_reason_over_1000_characters_is_refused(review):
    set_proposal(review.proposal, suitability_verdict="not_a_fit")
    review.submit()
    response = approve(review, review.ml, {"not_a_fit": "x" * 1001}, status=400)
    assert "at most 1,000 characters" in parse(response).text("#review-error")
    assert not SignOff.objects.exists()


def test_acknowledging_every_blocker_lets_the_approval_through_and_keeps_the_reasons(review, world):
    set_proposal(review.proposal, suitability_verdict="not_a_fit")
    high = conflict(world, 1)
    review.submit()
    acks = {f"conflict:{high.pk}": "Product gives way: it runs on the server.", "not_a_fit": "We approve the rules."}
    approve(review, review.ml, acks)
    signoff = SignOff.objects.get()
    assert [(a["key"], a["reason"]) for a in signoff.acknowledgements] == [
        (f"conflict:{high.pk}", "Product gives way: it runs on the server."),
        ("not_a_fit", "We approve the rules."),
    ]
    assert "Phone or server 1" in signoff.acknowledgements[0]["label"]
    entry = AuditEntry.objects.get(action="review.signoff")
    assert entry.after["acknowledgements"] == signoff.acknowledgements
    assert entry.actor == review.ml
    # The history of decisions shows them to everyone.
    history = review.page(world.member).text("#review-history")
    assert "We approve the rules." in history and "Product gives way: it runs on the server." in history


def test_an_acknowledgement_of_what_is_no_longer_a_blocker_is_refused(review, world):
    """The page was read while a conflict was open; it has been resolved since."""
    review.submit()
    approve(review, review.ml, {"conflict:999": "Accepted."}, status=400)
    assert not SignOff.objects.exists()


def test_requesting_changes_and_rejecting_need_no_acknowledgement(review):
    Requirement.objects.all().delete()
    review.submit()
    review.act(review.ml, "request_changes", reason="State your requirements first.")
    assert review.proposal.status == workflow.CHANGES_REQUESTED
    review.submit()
    review.act(review.legal, "reject", reason="Nothing to check it against.")
    assert review.proposal.status == workflow.REJECTED
    assert all(s.acknowledgements == [] for s in SignOff.objects.all())


def test_an_admin_override_to_approved_needs_the_acknowledgements_too(review, world):
    Requirement.objects.all().delete()
    review.submit()
    approve(review, world.admin, action="override_approve", reason="Board decision.", status=400)
    assert not SignOff.objects.exists() and review.proposal.status == workflow.SUBMITTED
    approve(review, world.admin, {"no_requirements": "The board sets them next week."}, action="override_approve")
    assert review.proposal.status == workflow.APPROVED
    override = SignOff.objects.get(is_override=True)
    assert override.acknowledgements[0]["reason"] == "The board sets them next week."
    entry = AuditEntry.objects.get(action="review.override_approve")
    assert entry.after["acknowledgements"] == override.acknowledgements
    # Overriding to rejected needs none.
    review.act(world.admin, "override_reject", reason="The board changed its mind.")
    assert review.proposal.status == workflow.REJECTED


def test_an_outsider_still_gets_404(review, world, api):
    Requirement.objects.all().delete()
    review.submit()
    approve(review, world.outsider, {"no_requirements": "x"}, status=404)
    _, raw = ApiToken.issue(membership=membership(world.outsider, world.other_org))
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/proposals/{review.proposal.pk}/review"
    assert outsider.get(url).status_code == 404
    body = {"action": "approve", "reason": "x", "acknowledgements": [{"key": "no_requirements", "reason": "x"}]}
    assert outsider.post(url, body, content_type="application/json").status_code == 404
    assert not SignOff.objects.exists()


def test_the_pdf_lists_the_acknowledgements_beside_the_approval(review, world):
    from reports.models import Report, ReportStatus
    from reports.pdf import report_html

    Requirement.objects.all().delete()
    review.submit()
    approve(review, review.ml, {"no_requirements": "Legal states them before launch."})
    report = Report.objects.create(
        organisation=world.org,
        proposal=review.proposal,
        inputs={},
        inputs_hash="x",
        engine_version="1",
        status=ReportStatus.SUCCEEDED,
        results={"headline": "No report yet", "ranking": []},
    )
    signoffs = parse(report_html(report)).text("section#signoffs")
    assert "Legal states them before launch." in signoffs and "No stakeholder has stated any requirement" in signoffs


# ---------------------------------------------------------------------------------------------
# Query count


def test_the_page_query_count_does_not_grow_with_the_conflicts(review, world, django_assert_num_queries):
    review.submit()
    client = world.client_for(review.ml)
    url = reverse("review", args=[review.proposal.pk])
    client.get(url)  # the first request also stores the member's organisation in the session
    # The session (none when Redis caches it), then 1: the user with membership and organisation
    # (accounts.middleware.MemberMiddleware), 2: the proposal with owner and team (tenancy),
    # 3: the required stakeholders with role and user, 4: the sign-offs with their signers,
    # 5: the required roles with no stakeholder yet, 6: the open high-severity conflicts,
    # 7: whether any requirement is stated.
    for n in range(3):
        conflict(world, n)
    with django_assert_num_queries(session_queries() + 7):
        assert len(blockers(parse(client.get(url)))) == 3
    for n in range(3, 30):
        conflict(world, n)
    with django_assert_num_queries(session_queries() + 7):
        assert len(blockers(parse(client.get(url)))) == 30


# ---------------------------------------------------------------------------------------------
# The API


def test_the_api_lists_the_blockers_and_takes_the_acknowledgements(review, world, api):
    Requirement.objects.all().delete()
    set_proposal(review.proposal, suitability_verdict="not_a_fit")
    review.submit()
    url = f"/api/proposals/{review.proposal.pk}/review"
    client = api(review.ml)
    state = client.get(url).json()
    assert [b["key"] for b in state["blockers"]] == ["not_a_fit", "no_requirements"]
    assert all(b["label"] and b["url"].startswith("/proposals/") for b in state["blockers"])

    def post(acknowledgements):
        body = {"action": "approve", "reason": "Rules, not ML.", "acknowledgements": acknowledgements}
        return client.post(url, body, content_type="application/json")

    missing = post([{"key": "not_a_fit", "reason": "We approve the rules."}])
    assert missing.status_code == 422
    (error,) = missing.json()["errors"]
    assert error["field"] == "acknowledgements" and "No stakeholder has stated any requirement" in error["message"]
    blank = post([{"key": "not_a_fit", "reason": "We approve the rules."}, {"key": "no_requirements", "reason": " "}])
    assert blank.status_code == 422
    unknown = post(
        [
            {"key": "not_a_fit", "reason": "a"},
            {"key": "no_requirements", "reason": "b"},
            {"key": "report_stale", "reason": "c"},
        ]
    )
    assert unknown.status_code == 422 and "report_stale" in unknown.json()["errors"][0]["message"]
    twice = post([{"key": "not_a_fit", "reason": "a"}, {"key": "not_a_fit", "reason": "b"}])
    assert twice.status_code == 422
    too_long = post([{"key": "not_a_fit", "reason": "x" * 1001}, {"key": "no_requirements", "reason": "b"}])
    assert too_long.status_code == 422
    assert not SignOff.objects.exists()

    ok = post([{"key": "not_a_fit", "reason": "We approve the rules."}, {"key": "no_requirements", "reason": "Soon."}])
    assert ok.status_code == 200, ok.content
    history = ok.json()["history"]
    assert [(a["key"], a["reason"]) for a in history[0]["acknowledgements"]] == [
        ("not_a_fit", "We approve the rules."),
        ("no_requirements", "Soon."),
    ]


def test_the_openapi_schema_documents_the_blockers_and_acknowledgements(db):
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    assert "acknowledgements" in schemas["ActionIn"]["properties"]
    assert set(schemas["AcknowledgementIn"]["required"]) == {"key", "reason"}
    assert schemas["AcknowledgementIn"]["properties"]["reason"]["maxLength"] == 1000
    assert "blockers" in schemas["ReviewOut"]["properties"]
    assert set(schemas["BlockerOut"]["properties"]) == {"key", "label", "url"}
    assert "acknowledgements" in schemas["SignOffOut"]["properties"]
