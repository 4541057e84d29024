"""Factories for the models, and builders for the scenarios several test modules share.

Every test loads this module (tests/conftest.py builds the world with it), so the report
scenario's builders import the apps they drive when they run: a test of accounts does not load,
nor fail with, the report pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import factory

from accounts.models import Membership, Organisation, Role, Team, User
from projects.models import Proposal

if TYPE_CHECKING:
    from questionnaires.models import Assessment
    from reports.models import Report
    from stakeholders.models import Stakeholder


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", "password-for-tests")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MEMBER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}")
    problem = "Agents re-route a third of the tickets by hand."
    owner = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("owner")


# --------------------------------------------------------------------------------------------
# The report scenario: the support-ticket router assessed, three stakeholders, a report


def req(dimension: str, op: str, value: Any, unit: str = "", *, weight: int = 3, metric: str = "", must=False):
    """A requirement as the stakeholder questionnaire saves it."""
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


def add_stakeholder(proposal: Proposal, *, name: str, role: str, requirements: list[dict], by) -> Stakeholder:
    from stakeholders.services import requirements_replace, stake_roles, stakeholder_add

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


def assess(proposal: Proposal, by, **answers: Any) -> Assessment:
    """A completed suitability assessment: the support-ticket router's answers, with changes."""
    from suitability.services import answers_put, assessment_complete
    from tests.typical_answers import typical_answers

    assessment = answers_put(proposal=proposal, raw={**typical_answers(), **answers}, by=by)
    return assessment_complete(assessment=assessment, by=by)


def build_scenario(world, **answers: Any) -> None:
    """The proposal assessed, with the three stakeholders of PEOPLE (needs the questionnaires loaded:
    the `questionnaire_version` fixture)."""
    assess(world.proposal, world.owner, **answers)
    for name, role, requirements in PEOPLE:
        add_stakeholder(world.proposal, name=name, role=role, requirements=requirements, by=world.owner)
    world.proposal.refresh_from_db()


def computed(proposal: Proposal, by) -> Report:
    """The proposal's report for its current inputs, computed here (not through the queue)."""
    from reports.models import ReportStatus
    from reports.services import report_request, report_run

    report, _ = report_request(proposal=proposal, by=by)
    report_run(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error
    return report
