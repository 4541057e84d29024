"""A proposal with everything filled in by a hostile user: every free-text field a person can type
into holds markup, template syntax and a script URL, and every main page has something to show."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.models import Team, User
from projects.models import Proposal
from projects.services import proposal_create
from questionnaires.models import Assessment
from reports.models import Report
from stakeholders.models import Conflict, Stakeholder
from stakeholders.services import conflict_resolve, requirements_replace, stake_roles, stakeholder_add
from suitability.services import answers_put
from tests.conftest import World
from tests.factories import build_scenario, computed, req

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}"
SCRIPT_URL = "javascript:alert(1)"
# All four at once, so each field tests each way out: an element, an attribute, a template, a link.
PAYLOAD = f"{SCRIPT}{BREAKOUT}{TEMPLATE} {SCRIPT_URL}"

PROPOSAL_TEXT_FIELDS = [
    "problem",
    "decision",
    "business_objective",
    "success_metric",
    "success_target",
    "baseline_description",
    "baseline_performance",
    "intended_users",
    "data_sources",
]


@dataclass
class Hostile:
    world: World
    proposal: Proposal
    draft: Proposal  # a second proposal, its assessment still in progress (the wizard's pages)
    assessment: Assessment
    open_assessment: Assessment
    stakeholder: Stakeholder
    conflict: Conflict
    report: Report

    def pages(self) -> dict[str, str]:
        """The main pages, by name, all of which show the hostile data somewhere."""
        p, a = self.proposal.pk, self.assessment.pk
        return {
            "proposal list": reverse("projects:list"),
            "proposal detail": reverse("projects:detail", args=[p]),
            "proposal edit": reverse("projects:edit", args=[p]),
            "new proposal": reverse("projects:create"),
            "wizard step": reverse("assessments:section", args=[self.draft.pk, self.open_assessment.pk, "problem"]),
            "wizard review": reverse("assessments:review", args=[self.draft.pk, self.open_assessment.pk]),
            "result": reverse("assessments:result", args=[p, a]),
            "stakeholders matrix": reverse("stakeholders:list", args=[p]),
            "stakeholder detail": reverse("stakeholders:detail", args=[p, self.stakeholder.pk]),
            "stakeholder questionnaire": reverse("stakeholder_questionnaire", args=[p, self.stakeholder.pk]),
            "conflict": reverse("stakeholders:conflict", args=[p, self.conflict.pk]),
            "report list": reverse("reports:list", args=[p]),
            "report": reverse("reports:detail", args=[p, self.report.pk]),
            "report library": reverse("report_library"),
            "members": reverse("accounts:members"),
            "organisations": reverse("accounts:organisations"),
        }


@pytest.fixture
def hostile(world, questionnaire_version, memo_engine, django_capture_on_commit_callbacks) -> Hostile:
    org = world.org
    org.name = PAYLOAD
    org.save()
    team = Team.objects.create(organisation=org, name=PAYLOAD)
    User.objects.filter(pk=world.owner.pk).update(name=PAYLOAD)
    world.owner.refresh_from_db()
    Proposal.objects.filter(pk=world.proposal.pk).update(
        title=PAYLOAD, team=team, **dict.fromkeys(PROPOSAL_TEXT_FIELDS, PAYLOAD)
    )
    world.proposal.refresh_from_db()

    # The emails go out on commit: run those callbacks, so that mail.outbox holds them.
    with django_capture_on_commit_callbacks(execute=True):
        build_scenario(world, problem_description=PAYLOAD, baseline_metric=PAYLOAD)
        roles = stake_roles(organisation=org)
        stakeholder = stakeholder_add(
            proposal=world.proposal,
            role=roles[0],
            by=world.owner,
            link_url=lambda s, raw: f"http://testserver/requirements/{raw}/",
            name=PAYLOAD,
            email="hostile@example.test",
        )
        requirements_replace(
            stakeholder=stakeholder,
            requirements=[{**req("latency", "<=", 500.0, "ms"), "note": PAYLOAD}],
            objectives=[],
            by=world.owner,
        )
        conflict = Conflict.objects.filter(proposal=world.proposal).first()
        assert conflict is not None, "the scenario has a conflict between two stakeholders"
        conflict_resolve(conflict=conflict, decision=PAYLOAD, rationale=PAYLOAD, by=world.owner)

    world.proposal.refresh_from_db()
    report = computed(world.proposal, world.owner)
    draft = proposal_create(organisation=org, data={"title": PAYLOAD, "problem": PAYLOAD}, by=world.owner)
    open_assessment = answers_put(
        proposal=draft, raw={"problem_description": PAYLOAD, "baseline_metric": PAYLOAD}, by=world.owner
    )
    return Hostile(
        world=world,
        proposal=world.proposal,
        draft=draft,
        assessment=world.proposal.assessments.get(),
        open_assessment=open_assessment,
        stakeholder=stakeholder,
        conflict=conflict,
        report=report,
    )
