"""The organisation's report library: only reports the member may see, searchable and filtered."""

from django.urls import reverse

from projects.models import Proposal, Visibility
from reports.models import Report, ReportStatus
from tests.conftest import session_queries
from tests.factories import ProposalFactory


def make_report(proposal, headline="Gradient-boosted trees lead", status=ReportStatus.SUCCEEDED):
    return Report.objects.create(
        organisation=proposal.organisation,
        proposal=proposal,
        inputs={},
        inputs_hash="h",
        engine_version="1",
        status=status,
        headline=headline,
    )


def titles(response) -> list[str]:
    return [r.proposal.title for r in response.context["page"].object_list]


def test_it_lists_the_organisations_reports_and_nothing_else(world):
    make_report(world.proposal)
    make_report(ProposalFactory(organisation=world.other_org, title="Globex plan"))
    response = world.client_for(world.member).get(reverse("report_library"))
    assert titles(response) == ["Route support tickets"]


def test_reports_of_private_proposals_are_hidden_from_members_who_may_not_see_them(world):
    make_report(world.proposal)
    Proposal.objects.filter(pk=world.proposal.pk).update(visibility=Visibility.PRIVATE)
    assert titles(world.client_for(world.member).get(reverse("report_library"))) == []
    assert titles(world.client_for(world.owner).get(reverse("report_library"))) == ["Route support tickets"]


def test_search_and_filters(world):
    other = ProposalFactory(organisation=world.org, owner=world.owner, title="Forecast demand")
    make_report(world.proposal, headline="Linear model leads")
    make_report(other, headline="No ML leads", status=ReportStatus.FAILED)
    client = world.client_for(world.member)
    assert titles(client.get(reverse("report_library"), {"q": "forecast"})) == ["Forecast demand"]
    assert titles(client.get(reverse("report_library"), {"q": "linear"})) == ["Route support tickets"]
    assert titles(client.get(reverse("report_library"), {"status": "failed"})) == ["Forecast demand"]
    assert client.get(reverse("report_library"), {"status": "nonsense", "page": "x"}).status_code == 200


def test_the_query_count_does_not_grow(world, django_assert_num_queries):
    client = world.client_for(world.member)
    for i in range(30):
        make_report(ProposalFactory(organisation=world.org, owner=world.owner, title=f"P{i}"))
    client.get(reverse("report_library"))
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the count of the reports the member may see, 3: the page of them joined to their proposals
    # and requesters.
    with django_assert_num_queries(session_queries() + 3):
        assert client.get(reverse("report_library")).status_code == 200
