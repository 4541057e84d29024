"""The proposal list: search, filters, sorting, pagination, and a query count that does not grow."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Proposal
from tests.conftest import session_queries
from tests.factories import ProposalFactory, TeamFactory
from tests.html import parse


def titles(response) -> list[str]:
    return [p.title for p in response.context["rows"]]


def test_it_shows_only_the_organisations_proposals(world):
    ProposalFactory(organisation=world.other_org, title="Globex secret plan")
    response = world.client_for(world.member).get(reverse("projects:list"))
    assert titles(response) == ["Route support tickets"]


def test_search_matches_title_and_problem_words(world):
    ProposalFactory(
        organisation=world.org, owner=world.owner, title="Forecast demand", problem="Stores over-order food"
    )
    ProposalFactory(organisation=world.org, owner=world.owner, title="Churn", problem="Customers cancel")
    client = world.client_for(world.member)
    assert titles(client.get(reverse("projects:list"), {"q": "forecast"})) == ["Forecast demand"]
    assert titles(client.get(reverse("projects:list"), {"q": "customers"})) == ["Churn"]
    assert titles(client.get(reverse("projects:list"), {"q": "nothing-like-this"})) == []


def test_search_with_odd_characters_is_not_an_error(world):
    client = world.client_for(world.member)
    for q in ["'", '"unclosed', "a & | ! b", "(", "<script>", "x" * 200]:
        assert client.get(reverse("projects:list"), {"q": q}).status_code == 200


def test_filters_by_status_team_and_owner(world):
    team = TeamFactory(organisation=world.org, name="Risk")
    ProposalFactory(organisation=world.org, owner=world.member, title="Fraud", team=team, status="submitted")
    client = world.client_for(world.member)
    assert titles(client.get(reverse("projects:list"), {"status": "submitted"})) == ["Fraud"]
    assert titles(client.get(reverse("projects:list"), {"team": team.pk})) == ["Fraud"]
    assert titles(client.get(reverse("projects:list"), {"owner": world.owner.pk})) == ["Route support tickets"]


def test_a_filter_naming_another_organisations_team_is_refused(world):
    foreign = TeamFactory(organisation=world.other_org)
    response = world.client_for(world.member).get(reverse("projects:list"), {"team": foreign.pk})
    assert response.status_code == 400
    assert titles(response) == ["Route support tickets"]  # the list still shows, unfiltered


def test_sorting_by_title(world):
    ProposalFactory(organisation=world.org, owner=world.owner, title="Alpha")
    ProposalFactory(organisation=world.org, owner=world.owner, title="Zulu")
    response = world.client_for(world.member).get(reverse("projects:list"), {"sort": "title"})
    assert titles(response) == ["Alpha", "Route support tickets", "Zulu"]


def test_pagination_keeps_the_filters(world):
    ProposalFactory.create_batch(30, organisation=world.org, owner=world.owner, status="submitted")
    response = world.client_for(world.member).get(reverse("projects:list"), {"status": "submitted"})
    assert len(titles(response)) == 25
    assert parse(response).one("nav.pagination a[rel=next]")["href"] == "?status=submitted&page=2"
    second = world.client_for(world.member).get(reverse("projects:list"), {"status": "submitted", "page": 2})
    assert len(titles(second)) == 5


def test_a_page_number_out_of_range_shows_the_last_page(world):
    response = world.client_for(world.member).get(reverse("projects:list"), {"page": "999"})
    assert response.status_code == 200
    assert titles(response) == ["Route support tickets"]


def test_htmx_requests_get_only_the_results_partial(world):
    response = world.client_for(world.member).get(
        reverse("projects:list"), {"q": "route"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    page = parse(response)
    # Only the partial: one element at the top, the results; no document around it.
    assert [element["id"] for element in page.soup.find_all(True, recursive=False)] == ["results"]
    assert not page.has("html, head, body")


def test_the_query_count_does_not_grow_with_the_data(world):
    team = TeamFactory(organisation=world.org)
    client = world.client_for(world.member)
    client.get(reverse("projects:list"))  # the first visit stores the active organisation in the session

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("projects:list")).status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    few = queries()
    ProposalFactory.create_batch(60, organisation=world.org, owner=world.member, team=team)
    many = queries()
    assert len(many) == len(few)
    # The session (none when Redis caches it), then 1: the user with membership and organisation,
    # 2: the team and owner choices of the filters (one UNION ALL), 3: the count, 4: the page of
    # rows with owner and team joined.
    assert len(many) == session_queries() + 4, many
    assert Proposal.objects.count() == 61


def test_the_filter_selects_list_the_organisations_teams_and_members_and_keep_the_choice(world):
    zeta = TeamFactory(organisation=world.org, name="Zeta")
    TeamFactory(organisation=world.org, name="Alpha")
    TeamFactory(organisation=world.other_org, name="Globex team")
    world.admin.name = ""  # a member without a name is listed by email
    world.admin.save(update_fields=["name"])

    page = parse(world.client_for(world.member).get(reverse("projects:list"), {"team": zeta.pk, "sort": "title"}))
    assert [o.label for o in page.options("select[name=team]")] == ["Any team", "Alpha", "Zeta"]
    # Members by email: admin@, member@, owner@, reviewer@.
    assert [o.label for o in page.options("select[name=owner]")] == [
        "Anyone",
        "admin@acme.test",
        world.member.name,
        world.owner.name,
        world.reviewer.name,
    ]
    # Filters left alone show their "any" option.
    assert page.form_values("form:has(select[name=team])") == {
        "q": "",
        "status": "",
        "team": str(zeta.pk),
        "owner": "",
        "sort": "title",
    }
