"""The tenancy sweep: every URL and every API operation, tried by an outsider and by the members
who may and may not use it.

Why a sweep: the per-app tenancy tests check the routes their authors remembered. This one walks
the URL resolver and the API's OpenAPI schema, so a route added tomorrow without a row in the
tables below fails `test_every_url_is_in_the_sweep` (or its API twin) until someone says how to
fill its parameters and who may use it. A route that takes no object is listed too (members see
their own organisation there) or put in NOT_TENANT with the reason it holds no organisation's data.

Who is tried, for each route and method (GET and POST for pages, the declared methods for the API):
- outsider: an admin of Globex, signed in with Globex active (for the API, with a Globex token),
  given Acme's ids. Object routes must answer 404 (never 403: that would confirm the id exists),
  and no response may contain Acme's marker text, whatever its status.
- denied: an Acme member without the role or ownership the route needs: 403 (or 404 where the
  object is only ever visible to its owner, like someone else's API token).
- allowed: an Acme member who may, with the status the route answers (read-only pages: a plain
  member, so the table documents that any member may read them).
- mixed: an Acme admin (who sees every Acme proposal) with an Acme proposal id but a Globex child
  id (assessment, stakeholder, conflict, comment, report...): 404, so a child is never fetched by
  its id alone.
- hidden: a plain Acme member given the id of a private proposal they are not shared with
  (projects.access.visible_to): 404, like an outsider, before any role check.

To add a route: add a row to WEB (or API) naming, for each URL parameter, the key of the object
in `objects` (see _populate) and the expected answers; the helpers `anyone`, `owner`, `admin`,
`own`, `own_admin` and `refused` cover the usual cases.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, path, reverse

from accounts.models import ApiToken, Membership, Notification, NotificationKind, Role, User
from accounts.notifications import notify
from accounts.services import invitation_create
from accounts.tenancy import SESSION_KEY, member_required
from projects.comments import comment_add
from projects.models import Outcome, OutcomeStatus, Proposal, ProposalRevision, ProposalStatus, Visibility
from questionnaires.versions import sync_from_files
from regulation.services import screening_save, screening_start
from reports.models import Report, ReportStatus
from reports.services import report_request, report_run
from stakeholders.models import StakeRole
from stakeholders.services import requirements_replace, stake_roles, stakeholder_add
from suitability.services import answers_put, assessment_complete, assessment_start
from tests.factories import PEOPLE, MembershipFactory, OrganisationFactory, ProposalFactory
from tests.regulation.answers import CV_SCREENING
from tests.typical_answers import typical_answers
from webhooks.models import Delivery, Webhook

# Text put into every Acme (and Globex) object a page could show, so a response that leaks one is
# caught whatever its status code.
ACME_SECRET = "ACMESECRET"
GLOBEX_SECRET = "GLOBEXSECRET"
# In the title of a private proposal of Acme's owner, which a plain Acme member may not see.
PRIVATE_SECRET = "PRIVATESECRET"

# --------------------------------------------------------------------------------------------
# The tables


@dataclass(frozen=True)
class Expect:
    """The answers to one method of one route."""

    outsider: int
    allowed: tuple[str, int]  # (person, status): someone who may
    denied: tuple[str, int] | None = None  # (person, status): a member without the role or ownership


def anyone(status: int, *, outsider: int = 404) -> Expect:
    """Any member of the organisation who can see the proposal, a plain member included."""
    return Expect(outsider, ("member", status))


def owner(status: int, *, outsider: int = 404) -> Expect:
    """The proposal's owner (or an admin); a plain member who is not the owner gets 403."""
    return Expect(outsider, ("owner", status), ("member", 403))


def admin(status: int, *, outsider: int = 404) -> Expect:
    """Organisation admins only; a reviewer gets 403."""
    return Expect(outsider, ("admin", status), ("reviewer", 403))


def own(status: int) -> Expect:
    """No object in the URL: everyone, the outsider too, acts in their own organisation."""
    return anyone(status, outsider=status)


def own_admin(status: int) -> Expect:
    """No object in the URL, admins only; the outsider is Globex's admin, so acts in Globex."""
    return admin(status, outsider=status)


def refused(person: str = "owner") -> Expect:
    """The route does not accept the method: 405 before any lookup, so it reveals nothing."""
    return Expect(405, (person, 405))


@dataclass(frozen=True)
class Ref:
    """In query strings and form data: the id of an object of `objects` (see _populate)."""

    key: str


@dataclass(frozen=True)
class Route:
    kwargs: dict[str, str]  # URL parameter -> key of the object in `objects`
    get: Expect
    post: Expect
    query: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # the POST body
    # Read before and after an outsider's request; a change means the request reached Acme's data
    # through ids in the form rather than in the URL.
    unchanged: Callable[[dict[str, Any]], Any] | None = None


P = {"pk": "proposal"}
WIZARD = {"pk": "wizard_proposal", "aid": "open_assessment"}
STAKEHOLDER = {"pk": "proposal", "sid": "stakeholder"}
REPORT = {"pk": "proposal", "rid": "report"}
WEBHOOK = {"pk": "webhook"}

WEB: dict[str, Route] = {
    # accounts: the person's organisations, members, tokens and notifications
    "accounts:no_organisation": Route({}, get=own(302), post=own(302)),  # a member is sent to the list
    "accounts:organisations": Route({}, get=own(200), post=own(200)),
    # The organisation id is in the form: test_switching_to_another_organisation_is_refused checks
    # the session stays put; here only that it answers like any refused switch.
    "accounts:switch": Route({}, get=refused("member"), post=own(302), data={"organisation": Ref("org")}),
    # An empty POST leaves the invitation form unbound (`request.POST or None`): the page again.
    "accounts:members": Route({}, get=own_admin(200), post=own_admin(200)),
    "membership_role": Route(
        {"pk": "membership"},
        # member_required(role=admin) runs before require_POST: the reviewer hears 403 first.
        get=Expect(405, ("admin", 405), ("reviewer", 403)),
        post=admin(302),
        data={"role": "reviewer"},
    ),
    "membership_remove": Route(
        {"pk": "membership"},
        get=Expect(405, ("admin", 405), ("reviewer", 403)),
        # The member's own membership: an admin removes it (302), the outsider's Globex admin
        # does not find it (404).
        post=admin(302),
    ),
    "accounts:api_tokens": Route({}, get=own(200), post=own(200)),
    "api_token_revoke": Route(
        {"pk": "member_token"},
        get=refused("member"),
        # The token's own member, and the organisation's admins (a lost or leaked token).
        post=Expect(404, ("member", 302), ("admin", 302)),
    ),
    "accounts:notifications": Route({}, get=own(200), post=own(200)),
    "accounts:notification_bell": Route({}, get=own(200), post=own(200)),
    "accounts:notifications_read": Route(
        {},
        get=refused("member"),
        post=own(302),
        data={"id": Ref("notification")},
        unchanged=lambda o: Notification.objects.get(pk=o["notification"]).read_at,
    ),
    "accounts:notification_settings": Route({}, get=own(200), post=own(302)),
    # projects: proposals, their history and comments, the portfolio
    "projects:list": Route({}, get=own(200), post=own(200)),
    "projects:create": Route({}, get=own(200), post=own(400)),
    "projects:autosave_new": Route({}, get=refused("member"), post=own(200)),
    "projects:discard_new": Route({}, get=refused("member"), post=own(302)),
    "projects:detail": Route(P, get=anyone(200), post=anyone(200)),
    "projects:edit": Route(P, get=owner(200), post=owner(400)),
    "projects:autosave": Route(P, get=refused(), post=owner(200)),
    "projects:discard": Route(P, get=refused(), post=owner(302)),
    "projects:archive": Route(P, get=refused(), post=owner(302)),
    "projects:history": Route(P, get=anyone(200), post=refused()),
    "projects:comments": Route(P, get=anyone(200), post=anyone(302), data={"body": "Noted.", "anchor": ""}),
    "projects:comment_edit": Route(
        {"pk": "proposal", "cid": "comment"},
        # The comment is the owner's: only its author may edit it.
        get=owner(200),
        post=owner(302),
        data={"body": "Edited."},
    ),
    "projects:audit_export": Route({}, get=own_admin(200), post=refused("admin")),
    # Sign-in lands here: the member has no review waiting, so the proposal list (302).
    "projects:landing": Route({}, get=own(302), post=own(302)),
    "projects:portfolio": Route({}, get=own(200), post=own(200)),
    "projects:portfolio_csv": Route({}, get=own(200), post=own(200)),
    "projects:portfolio_settings": Route({}, get=own_admin(200), post=own_admin(400)),
    "projects:calibration": Route({}, get=own(200), post=own(200)),
    "projects:outcome": Route(
        {"pk": "approved_proposal"},
        get=owner(200),
        post=owner(302),
        data={"status": OutcomeStatus.LAUNCHED, "value_achieved": "91%", "target_met": "yes", "notes": "Shipped."},
    ),
    # assessments: the suitability wizard (on a proposal whose assessment is open) and its result
    "assessments:home": Route(P, get=anyone(302), post=anyone(302)),  # to the result
    "assessments:start": Route(P, get=refused(), post=owner(302)),
    "assessments:section": Route({**WIZARD, "section": "section"}, get=owner(200), post=owner(302)),
    "assessments:review": Route(WIZARD, get=owner(200), post=owner(200)),
    "assessments:complete": Route(WIZARD, get=refused(), post=owner(400)),  # required answers missing
    "assessments:result": Route({"pk": "proposal", "aid": "assessment"}, get=anyone(200), post=anyone(200)),
    "assessments:upgrade": Route({"pk": "proposal", "aid": "assessment"}, get=refused(), post=owner(302)),
    # stakeholders, their requirements and conflicts
    "stakeholders:list": Route(P, get=anyone(200), post=owner(200)),  # an empty POST: the form unbound
    "stakeholders:conflicts_panel": Route(P, get=anyone(200), post=anyone(200)),
    "stakeholders:conflict": Route(
        {"pk": "proposal", "cid": "conflict"},
        get=anyone(200),
        post=owner(302),
        data={"decision": "Weekly retraining", "rationale": "Fresh enough for both."},
    ),
    "stakeholders:detail": Route(STAKEHOLDER, get=anyone(200), post=anyone(200)),
    "stakeholders:resend": Route(STAKEHOLDER, get=refused(), post=owner(302)),
    "stakeholders:remove": Route(STAKEHOLDER, get=refused(), post=owner(302)),
    # No member chosen: the link form's refusal (400), after the access checks.
    "stakeholders:link": Route(STAKEHOLDER, get=refused(), post=owner(400), data={"member": ""}),
    "stakeholders:compare": Route(STAKEHOLDER, get=owner(200), post=owner(200)),
    "stakeholders:cell": Route(
        {**STAKEHOLDER, "dimension": "dimension"},
        get=owner(200),
        post=owner(302),
        data={"op": "<=", "value": "150", "unit": "ms", "weight": "3", "metric": ""},
    ),
    "stakeholder_questionnaire": Route(STAKEHOLDER, get=owner(200), post=owner(302)),
    # The emailed link: the token is the credential (no account needed), but a member of another
    # organisation who is not the addressee is refused.
    "requirements_link": Route({"token": "link_token"}, get=anyone(200), post=anyone(302)),
    # the EU AI Act triage: any member who can see the proposal reads it; its owner (or an admin)
    # answers it and ticks its duties
    "regulation:home": Route(P, get=anyone(302), post=anyone(302)),  # to the result
    "regulation:start": Route(P, get=refused(), post=owner(302)),
    "regulation:questions": Route(P, get=owner(200), post=owner(302)),  # nothing posted: to the result
    "regulation:result": Route(P, get=anyone(200), post=anyone(200)),
    "regulation:tick": Route(
        {"pk": "proposal", "key": "duty"},
        get=refused(),
        post=owner(302),
        data={"done": "on", "evidence": "Risk register RM-12."},
    ),
    # trade-off reports: any member who can see the proposal may ask for, retry and read them
    "reports:list": Route(P, get=anyone(200), post=anyone(302)),
    "reports:detail": Route(REPORT, get=anyone(200), post=anyone(200)),
    "reports:status": Route(REPORT, get=anyone(200), post=anyone(200)),
    "reports:retry": Route(REPORT, get=refused(), post=anyone(302)),
    "reports:json": Route(REPORT, get=anyone(200), post=anyone(200)),
    "reports:csv": Route(REPORT, get=anyone(200), post=anyone(200)),
    "reports:pdf": Route(REPORT, get=anyone(200), post=anyone(200)),  # the wait page; the job never runs here
    "reports:docx": Route(REPORT, get=anyone(200), post=anyone(200)),
    "reports:compare": Route(P, get=anyone(200), post=anyone(200), query={"r": [Ref("report"), Ref("report_2")]}),
    "report_library": Route({}, get=own(200), post=own(200)),
    # review: the workflow's own refusals. The owner may submit, though not in this state (409); a
    # plain member may not submit someone else's proposal at all (403).
    "review": Route(P, get=anyone(200), post=owner(409), data={"action": "submit"}),
    "review_policy": Route(
        {},
        get=own_admin(200),
        post=own_admin(302),
        # Acme's role id in Globex's form must not touch Acme's policy.
        data={"required": Ref("stake_role")},
        unchanged=lambda o: StakeRole.objects.get(pk=o["stake_role"]).signoff_required,
    ),
    # webhooks: organisation admins only, as members (an empty POST leaves the form unbound: the page)
    "webhooks:list": Route({}, get=own_admin(200), post=own_admin(200)),
    "webhooks:detail": Route(WEBHOOK, get=admin(200), post=Expect(405, ("admin", 405), ("reviewer", 403))),
    "webhooks:rotate": Route(
        WEBHOOK,
        get=Expect(405, ("admin", 405), ("reviewer", 403)),
        post=admin(200),  # the new secret, shown once
        unchanged=lambda o: Webhook.objects.get(pk=o["webhook"]).secret,
    ),
    "webhooks:active": Route(
        WEBHOOK,
        get=Expect(405, ("admin", 405), ("reviewer", 403)),
        post=admin(302),
        data={"active": "0"},
        unchanged=lambda o: Webhook.objects.get(pk=o["webhook"]).active,
    ),
    "webhooks:delete": Route(WEBHOOK, get=Expect(405, ("admin", 405), ("reviewer", 403)), post=admin(302)),
    "webhooks:ping": Route(WEBHOOK, get=Expect(405, ("admin", 405), ("reviewer", 403)), post=admin(302)),
    "webhooks:replay": Route(
        {"pk": "webhook", "did": "delivery"}, get=Expect(405, ("admin", 405), ("reviewer", 403)), post=admin(302)
    ),
}

# Routes that hold no organisation's data, with the reason. Everything else must be in WEB.
NOT_TENANT: dict[str, str] = {
    "home": "redirects to the proposal list; reads nothing",
    "ping": "the benchmark's baseline: no database, no template",
    "health": "readiness probe: whether the database, cache, broker and a worker answer; no organisation's data",
    "health_live": "liveness probe: answers 'ok' and reads nothing",
    "metrics": "Prometheus totals across organisations; off unless MLFIT_METRICS_TOKEN is set, then token-only",
    "login": "signing in: no organisation yet",
    "admin_login": "the Django admin's sign-in, throttled like ours: no organisation yet",
    "logout": "signing out",
    "password_change": "the signed-in person's own password",
    "password_change_done": "a static confirmation",
    "password_reset": "asks for an email address; says nothing about organisations",
    "password_reset_done": "a static confirmation",
    "password_reset_confirm": "Django's signed uidb64/token link names a person, not an organisation's object",
    "password_reset_complete": "a static confirmation",
    "accounts:invitation_accept": (
        "a public token link: the token is the credential and whoever holds it may accept "
        "(tests/accounts/test_invitations.py)"
    ),
    "api:openapi-json": "the API's schema: the same for everyone",
    "api:openapi-view": "the API's docs page: the same for everyone",
    "api:api-root": "the API's root: a 404 problem, no data",
    "api:unknown": "any other path under /api/: a 404 problem, no data",
}
NOT_TENANT_NAMESPACES: dict[str, str] = {
    # test_the_django_admin_is_for_staff_only checks an organisation admin is not let in.
    "admin": "Django's admin: staff only, across organisations by design; no member is staff",
}

# The objects that are the top of a URL; every other object key is a child, which the mixed case
# swaps for Globex's while keeping Acme's proposal.
PARENTS = {
    "org",
    "proposal",
    "private_proposal",
    "wizard_proposal",
    "approved_proposal",
    "proposal_version",
    "section",
    "dimension",
    "questionnaire",
    "duty",  # a duty's key in the rules file, the same in every organisation
    "webhook",
}


@dataclass(frozen=True)
class ApiRoute:
    kwargs: dict[str, str]
    expect: Expect
    # ninja validates the body before the view runs, so a route with a required body gets a
    # valid-looking one: the 404 must come from the tenancy check, not a 422 from validation.
    body: dict[str, Any] | None = None


PROPOSAL_ID = {"proposal_id": "proposal"}
API_REPORT = {"proposal_id": "proposal", "report_id": "report"}
API: dict[tuple[str, str], ApiRoute] = {
    ("GET", "/api/proposals"): ApiRoute({}, own(200)),
    ("POST", "/api/proposals"): ApiRoute({}, own(201), body={"title": "Churn", "problem": "Customers leave."}),
    ("GET", "/api/proposals/{proposal_id}"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("PUT", "/api/proposals/{proposal_id}"): ApiRoute(
        PROPOSAL_ID,
        owner(200),
        body={"title": "Route tickets", "problem": "Tickets bounce.", "version": Ref("proposal_version")},
    ),
    ("PATCH", "/api/proposals/{proposal_id}"): ApiRoute(
        PROPOSAL_ID, owner(200), body={"title": "Route tickets", "version": Ref("proposal_version")}
    ),
    # The assessment is completed: answering again without new_round=true is a 409 (after the access checks).
    ("PUT", "/api/proposals/{proposal_id}/answers"): ApiRoute(
        PROPOSAL_ID, owner(409), body={"answers": {"answer_is_stored": "no"}}
    ),
    ("POST", "/api/proposals/{proposal_id}/assessment/complete"): ApiRoute(PROPOSAL_ID, owner(409)),
    ("GET", "/api/proposals/{proposal_id}/assessment"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/stakeholders"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("POST", "/api/proposals/{proposal_id}/stakeholders"): ApiRoute(
        PROPOSAL_ID, owner(201), body={"name": "Lee Legal", "email": "lee@law.test", "role": "legal"}
    ),
    ("PUT", "/api/proposals/{proposal_id}/stakeholders/{stakeholder_id}/requirements"): ApiRoute(
        {**PROPOSAL_ID, "stakeholder_id": "stakeholder"}, owner(200), body={"requirements": [], "objectives": []}
    ),
    ("GET", "/api/proposals/{proposal_id}/stakeholders/{stakeholder_id}"): ApiRoute(
        {**PROPOSAL_ID, "stakeholder_id": "stakeholder"}, anyone(200)
    ),
    ("DELETE", "/api/proposals/{proposal_id}/stakeholders/{stakeholder_id}"): ApiRoute(
        {**PROPOSAL_ID, "stakeholder_id": "stakeholder"}, owner(204)
    ),
    # A member id that is nobody's: 422 naming member_id, after the access checks.
    ("POST", "/api/proposals/{proposal_id}/stakeholders/{stakeholder_id}/link"): ApiRoute(
        {**PROPOSAL_ID, "stakeholder_id": "stakeholder"}, owner(422), body={"member_id": 999999}
    ),
    ("GET", "/api/proposals/{proposal_id}/conflicts"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("POST", "/api/proposals/{proposal_id}/conflicts/{conflict_id}/resolve"): ApiRoute(
        {**PROPOSAL_ID, "conflict_id": "conflict"},
        owner(200),
        body={"decision": "Weekly retraining", "rationale": "Fresh enough for both."},
    ),
    ("GET", "/api/proposals/{proposal_id}/review"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("POST", "/api/proposals/{proposal_id}/review"): ApiRoute(PROPOSAL_ID, owner(409), body={"action": "submit"}),
    # Reports, as their pages: any member who may see the proposal. Asking again for unchanged inputs
    # answers the existing report (200); the PDF is not rendered yet, so a job is asked for (202).
    ("POST", "/api/proposals/{proposal_id}/reports"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports"): ApiRoute(PROPOSAL_ID, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}"): ApiRoute(API_REPORT, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}/report.json"): ApiRoute(API_REPORT, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}/report.csv"): ApiRoute(API_REPORT, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}/report.pdf"): ApiRoute(API_REPORT, anyone(202)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}/report.docx"): ApiRoute(API_REPORT, anyone(200)),
    ("GET", "/api/proposals/{proposal_id}/reports/{report_id}/compare/{other_id}"): ApiRoute(
        {**API_REPORT, "other_id": "report_2"}, anyone(200)
    ),
    # The same for everyone (published questionnaires, the vocabulary) or the caller's own (stake roles).
    ("GET", "/api/questionnaires"): ApiRoute({}, own(200)),
    ("GET", "/api/questionnaires/{key}"): ApiRoute({"key": "questionnaire"}, own(200)),
    ("GET", "/api/stake-roles"): ApiRoute({}, own(200)),
    ("GET", "/api/members"): ApiRoute({}, own(200)),
    ("GET", "/api/dimensions"): ApiRoute({}, own(200)),
    # Webhooks: organisation admins only. The URL is an address, so saving it needs no DNS here.
    ("GET", "/api/webhooks"): ApiRoute({}, own_admin(200)),
    ("POST", "/api/webhooks"): ApiRoute(
        {}, own_admin(201), body={"url": "https://93.184.215.14/hooks", "events": ["report.finished"]}
    ),
    ("GET", "/api/webhooks/{webhook_id}"): ApiRoute({"webhook_id": "webhook"}, admin(200)),
    ("DELETE", "/api/webhooks/{webhook_id}"): ApiRoute({"webhook_id": "webhook"}, admin(204)),
    ("GET", "/api/webhooks/{webhook_id}/deliveries"): ApiRoute({"webhook_id": "webhook"}, admin(200)),
    ("POST", "/api/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): ApiRoute(
        {"webhook_id": "webhook", "delivery_id": "delivery"}, admin(202)
    ),
}

# Cases that leak today, by test id -> the leak; each is xfail(strict=True), so fixing the view
# makes the sweep fail until the entry is removed here. Report each to the lead.
KNOWN_LEAKS: dict[str, str] = {}

# --------------------------------------------------------------------------------------------
# The world: every kind of object, in Acme and in Globex


@dataclass
class SweepWorld:
    people: dict[str, User]
    acme: dict[str, Any]  # object key -> the value that goes into a URL, a form or a body
    globex: dict[str, Any]
    tokens: dict[str, str]  # person -> raw API token of their organisation

    def mixed(self) -> dict[str, Any]:
        """Acme's parents with Globex's children."""
        return {key: value if key in PARENTS else self.globex[key] for key, value in self.acme.items()}


def _populate(org, people: dict[str, User], *, secret: str) -> dict[str, Any]:
    """One of every kind of object in `org`, each carrying `secret` where a page could show it."""
    owner_ = people["owner"]
    links: dict[int, str] = {}

    def link_url(stakeholder, raw):
        links[stakeholder.pk] = raw
        return f"http://testserver/requirements/{raw}/"

    proposal = ProposalFactory(organisation=org, owner=owner_, title=f"{secret} Route support tickets")
    ProposalRevision.objects.create(proposal=proposal, version=1, data=proposal.snapshot(), created_by=owner_)
    assessment = assessment_complete(
        assessment=answers_put(proposal=proposal, raw=typical_answers(), by=owner_), by=owner_
    )
    roles = {role.key: role for role in stake_roles(organisation=org)}
    stakeholders = []
    # The report scenario's people (tests/factories.py): Dana and Sam contradict each other on
    # freshness, so the detector records a conflict.
    for name, role, requirements in PEOPLE:
        stakeholder = stakeholder_add(
            proposal=proposal,
            role=roles[role],
            by=owner_,
            link_url=link_url,
            name=f"{secret} {name}",
            email=f"{name.split()[0].lower()}@{org.slug}.test",
        )
        requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=[], by=owner_)
        stakeholders.append(stakeholder)
    screening = screening_start(proposal=proposal, by=owner_)
    screening.proposal = proposal
    screening_save(assessment=screening, raw={**CV_SCREENING, "intended_purpose": f"{secret} CVs"}, by=owner_)
    proposal.refresh_from_db()
    conflict = proposal.conflicts.get(kind="contradictory_targets")
    comment = comment_add(proposal=proposal, author=owner_, body=f"{secret} a comment").comment

    wizard = ProposalFactory(organisation=org, owner=owner_, title=f"{secret} Forecast demand")
    open_assessment = assessment_start(proposal=wizard, by=owner_)

    # Private, and none of its stakeholders is a member: only its owner and the admins see it.
    private = ProposalFactory(
        organisation=org, owner=owner_, title=f"{PRIVATE_SECRET} {secret} Score leads", visibility=Visibility.PRIVATE
    )

    approved = ProposalFactory(
        organisation=org, owner=owner_, title=f"{secret} Flag fraud", status=ProposalStatus.APPROVED
    )
    Outcome.objects.create(proposal=approved, status=OutcomeStatus.IN_PROGRESS, recorded_by=owner_)

    notify(
        organisation=org,
        users=[people["member"]],
        kind=NotificationKind.MENTION,
        event_key=f"sweep:{org.pk}",
        title=f"{secret} you were mentioned",
    )
    invitation_create(
        organisation=org,
        email=f"invitee@{org.slug}.test",
        role=Role.MEMBER,
        invited_by=people["admin"],
        accept_url=lambda raw: f"http://testserver/accounts/invitations/{raw}/",
    )
    member_membership = Membership.objects.get(user=people["member"], organisation=org)
    member_token, _ = ApiToken.issue(membership=member_membership, name=f"{secret} token")
    # Made directly: the service would resolve the host, and the sweep needs no DNS.
    webhook = Webhook.objects.create(
        organisation=org, url=f"https://hooks.example.com/{secret}", events=["report.finished"]
    )
    delivery = Delivery.objects.create(
        webhook=webhook, event="report.finished", event_id=f"{org.pk}", body=f'{{"title": "{secret}"}}'
    )
    return {
        "org": org.pk,
        "proposal": proposal.pk,
        "proposal_version": proposal.version,
        "assessment": assessment.pk,
        "stakeholder": stakeholders[0].pk,
        "link_token": links[stakeholders[0].pk],
        "conflict": conflict.pk,
        "comment": comment.pk,
        "private_proposal": private.pk,
        "wizard_proposal": wizard.pk,
        "open_assessment": open_assessment.pk,
        "section": open_assessment.current_section,
        "approved_proposal": approved.pk,
        "dimension": "latency",
        "duty": "risk_management",
        "questionnaire": "ml_suitability",
        "notification": Notification.objects.get(user=people["member"], event_key=f"sweep:{org.pk}").pk,
        "stake_role": StakeRole.objects.filter(organisation=org, signoff_required=False).first().pk,
        "membership": member_membership.pk,
        "member_token": member_token.pk,
        "webhook": webhook.pk,
        "delivery": delivery.pk,
    }


def _reports(acme: dict[str, Any], globex: dict[str, Any]) -> None:
    """Two reports per organisation: one computed by the engine (the slow part, so only once), the
    others copies of it, in Globex with its marker text in place of Acme's."""
    proposal = Proposal.objects.get(pk=acme["proposal"])
    report, _ = report_request(proposal=proposal, by=proposal.owner)
    report_run(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUCCEEDED, report.error

    def copy(target: dict[str, Any], key: str, *, swap: bool) -> None:
        def text(value):
            dumped = json.dumps(value)
            return json.loads(dumped.replace(ACME_SECRET, GLOBEX_SECRET) if swap else dumped)

        other = Proposal.objects.get(pk=target["proposal"])
        target[key] = Report.objects.create(
            organisation=other.organisation,
            proposal=other,
            requested_by=other.owner,
            status=ReportStatus.SUCCEEDED,
            inputs=text(report.inputs),
            inputs_hash=report.inputs_hash,
            engine_version=report.engine_version,
            results=text(report.results),
            headline=report.headline,
            finished_at=report.finished_at,
        ).pk

    acme["report"] = report.pk
    copy(acme, "report_2", swap=False)
    copy(globex, "report", swap=True)
    copy(globex, "report_2", swap=True)


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker) -> Iterator[SweepWorld]:
    """The world, built once for the module inside a transaction rolled back at its end; each test
    runs in a savepoint within it (pytest-django's `db`), so what a request changes is undone."""
    with django_db_blocker.unblock(), transaction.atomic():
        sync_from_files()
        acme = OrganisationFactory(name="Acme", slug="acme")
        globex = OrganisationFactory(name="Globex", slug="globex")
        people = {
            name: MembershipFactory(organisation=acme, role=role, user__email=f"{name}@acme.test").user
            for name, role in [
                ("owner", Role.MEMBER),
                ("member", Role.MEMBER),
                ("reviewer", Role.REVIEWER),
                ("admin", Role.ADMIN),
            ]
        }
        people["outsider"] = MembershipFactory(
            organisation=globex, role=Role.ADMIN, user__email="outsider@globex.test"
        ).user
        globex_member = MembershipFactory(organisation=globex, role=Role.MEMBER, user__email="member@globex.test").user
        acme_objects = _populate(acme, people, secret=ACME_SECRET)
        globex_objects = _populate(
            globex,
            {"owner": people["outsider"], "member": globex_member, "admin": people["outsider"]},
            secret=GLOBEX_SECRET,
        )
        _reports(acme_objects, globex_objects)
        tokens = {name: ApiToken.issue(membership=user.memberships.get())[1] for name, user in people.items()}
        yield SweepWorld(people=people, acme=acme_objects, globex=globex_objects, tokens=tokens)
        transaction.set_rollback(True)


# --------------------------------------------------------------------------------------------
# The walk and the checker


def _params(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) | set(re.findall(r"\(\?P<(\w+)>", route))


def url_patterns(urlconf: Any = None) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(namespaces, name, route) of every URL pattern, through every include; unnamed ones are
    named by their route."""

    def walk(patterns, prefix: str, namespace: tuple[str, ...]):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, (*namespace, *filter(None, [pattern.namespace])))
            else:
                yield namespace, ":".join([*namespace, pattern.name]) if pattern.name else route, route

    yield from walk(get_resolver(urlconf).url_patterns, "", ())


def unlisted(urlconf: Any = None) -> list[str]:
    """What the sweep cannot exercise: routes missing from the tables, rows that fill the wrong
    parameters, and rows for routes that are gone."""
    problems, seen = [], set()
    api_paths = {api_path for _, api_path in API}
    for namespaces, name, route in url_patterns(urlconf):
        seen.add(name)
        params = _params(route)
        if name in NOT_TENANT or namespaces[:1] in [(ns,) for ns in NOT_TENANT_NAMESPACES]:
            continue
        if name in WEB:
            if set(WEB[name].kwargs) != params:
                problems.append(
                    f"{name} ({route}) takes {sorted(params)} but its row in WEB fills {sorted(WEB[name].kwargs)}:"
                    " fix the row in tests/tenancy/test_sweep.py"
                )
            continue
        if name.startswith("api:") and "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) in api_paths:
            continue
        problems.append(
            f"{name} ({route}) is not in the tenancy sweep: add it to WEB in tests/tenancy/test_sweep.py, saying"
            f" which object fills each of {sorted(params) or 'its (no) parameters'} and who may use it, or to"
            " NOT_TENANT with the reason it shows no organisation's data"
        )
    problems += [
        f"{name} is in the sweep's tables but no URL has that name any more: remove its row"
        for name in [*WEB, *NOT_TENANT]
        if name not in seen
    ]
    return problems


def _resolve(value: Any, objects: dict[str, Any]) -> Any:
    if isinstance(value, Ref):
        return objects[value.key]
    if isinstance(value, list):
        return [_resolve(v, objects) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, objects) for k, v in value.items()}
    return value


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _who(sweep: SweepWorld, expect: Expect, role: str) -> tuple[str, int, dict[str, Any], str | None]:
    """(person, expected status, the objects whose ids are used, the marker they must not see)."""
    if role == "outsider":
        return "outsider", expect.outsider, sweep.acme, ACME_SECRET
    if role == "mixed":
        return "admin", 404, sweep.mixed(), GLOBEX_SECRET
    if role == "hidden":
        return "member", 404, {**sweep.acme, "proposal": sweep.acme["private_proposal"]}, PRIVATE_SECRET
    person, status = expect.denied if role == "denied" else expect.allowed
    return person, status, sweep.acme, None


def _verdict(response, expected: int, secret: str | None) -> list[str]:
    problems = []
    if response.status_code != expected:
        problems.append(f"got {response.status_code}, expected {expected}")
    if secret is not None and secret in _body(response):
        problems.append(f"the response shows the other organisation's data ({secret} in the body)")
    return problems


def check_web(sweep: SweepWorld, name: str, route: Route, method: str, role: str) -> list[str]:
    """Send one request as the role's person; what went wrong, or nothing."""
    expect = route.get if method == "GET" else route.post
    person, expected, objects, secret = _who(sweep, expect, role)
    url = reverse(name, kwargs={k: objects[v] for k, v in route.kwargs.items()})
    query = urlencode(_resolve(route.query, objects), doseq=True)
    client = Client()
    client.force_login(sweep.people[person])
    before = route.unchanged(objects) if route.unchanged and role == "outsider" else None
    if method == "GET":
        response = client.get(url, _resolve(route.query, objects))
    else:
        response = client.post(f"{url}?{query}" if query else url, _resolve(route.data, objects))
    problems = _verdict(response, expected, secret)
    if route.unchanged and role == "outsider" and route.unchanged(objects) != before:
        problems.append("the request changed the other organisation's data through an id in the form")
    return [f"{method} {url} as {person} ({role}): {p}" for p in problems]


def check_api(sweep: SweepWorld, key: tuple[str, str], route: ApiRoute, role: str) -> list[str]:
    method, template = key
    person, expected, objects, secret = _who(sweep, route.expect, role)
    url = template.format(**{k: objects[v] for k, v in route.kwargs.items()})
    client = Client(HTTP_AUTHORIZATION=f"Bearer {sweep.tokens[person]}")
    if route.body is None:
        response = client.generic(method, url)
    else:
        response = client.generic(method, url, json.dumps(_resolve(route.body, objects)), "application/json")
    return [f"{method} {url} as {person} ({role}): {p}" for p in _verdict(response, expected, secret)]


def _roles(expect: Expect, kwargs: dict[str, str], query: dict[str, Any]) -> list[str]:
    roles = ["outsider"]
    if expect.denied is not None:
        roles.append("denied")
    roles.append("allowed")
    children = {v for v in kwargs.values() if v not in PARENTS}
    children |= {ref.key for value in query.values() for ref in (value if isinstance(value, list) else [value])}
    if expect.outsider == 404 and children:
        roles.append("mixed")
    # Routes on the proposal alone; a child of another proposal would be 404 whatever the sharing.
    if expect.outsider == 404 and set(kwargs.values()) == {"proposal"} and not query:
        roles.append("hidden")
    return roles


def _param(case_id: str, *values: Any):
    if case_id in KNOWN_LEAKS:
        return pytest.param(*values, id=case_id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[case_id]))
    return pytest.param(*values, id=case_id)


WEB_CASES = [
    _param(f"{name} {method} {role}", name, method, role)
    for name, route in WEB.items()
    for method, expect in (("GET", route.get), ("POST", route.post))
    for role in _roles(expect, route.kwargs, route.query)
]
API_CASES = [
    _param(f"{method} {api_path} {role}", (method, api_path), role)
    for (method, api_path), route in API.items()
    for role in _roles(route.expect, route.kwargs, {})
]

# --------------------------------------------------------------------------------------------
# The sweep


def test_every_url_is_in_the_sweep():
    problems = unlisted()
    assert not problems, "\n".join(problems)


def test_every_api_operation_is_in_the_sweep():
    schema = Client().get("/api/openapi.json").json()
    operations = {
        (method.upper(), api_path)
        for api_path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    missing = [
        f"{method} {api_path} is not in the tenancy sweep: add it to API in tests/tenancy/test_sweep.py, saying"
        " which object fills each path parameter, a valid-looking body, and who may call it"
        for method, api_path in sorted(operations - set(API))
    ]
    gone = [
        f"{method} {api_path} is in API but not in the schema: remove its row"
        for method, api_path in set(API) - operations
    ]
    assert not missing + gone, "\n".join(missing + gone)


@pytest.mark.parametrize(("name", "method", "role"), WEB_CASES)
def test_web(sweep, db, name, method, role):
    problems = check_web(sweep, name, WEB[name], method, role)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("key", "role"), API_CASES)
def test_api(sweep, db, key, role):
    problems = check_api(sweep, key, API[key], role)
    assert not problems, "\n".join(problems)


def test_switching_to_another_organisation_is_refused(sweep, db):
    client = Client()
    client.force_login(sweep.people["outsider"])
    client.post(reverse("accounts:switch"), {"organisation": sweep.acme["org"]})
    assert client.session[SESSION_KEY] == sweep.globex["org"]
    assert ACME_SECRET not in _body(client.get(reverse("projects:list")))


@pytest.mark.parametrize("person", ["admin", "outsider"])
def test_the_django_admin_is_for_staff_only(sweep, db, person):
    client = Client()
    client.force_login(sweep.people[person])
    url = reverse("admin:projects_proposal_change", args=[sweep.acme["proposal"]])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --------------------------------------------------------------------------------------------
# The sweep can fail: a route without a tenancy check, and a route missing from the table


@member_required()
def _leaky_view(request: HttpRequest, pk: int) -> HttpResponse:
    # No get_object_for_member: the bug the sweep exists to catch.
    return HttpResponse(Proposal.objects.get(pk=pk).title)


class LeakyUrls:
    """The real URLs plus one that serves any organisation's proposal."""

    urlpatterns = [path("proposals/<int:pk>/leak/", _leaky_view, name="sweep_leak"), *get_resolver().url_patterns]


def test_the_checker_reports_a_route_that_serves_an_outsider(sweep, db):
    route = Route(P, get=anyone(200), post=anyone(200))
    with override_settings(ROOT_URLCONF=LeakyUrls):
        problems = check_web(sweep, "sweep_leak", route, "GET", "outsider")
    assert len(problems) == 2, problems
    assert "got 200, expected 404" in problems[0]
    assert ACME_SECRET in problems[1]


def test_the_walk_reports_a_route_missing_from_the_table():
    leak = [p for p in unlisted(LeakyUrls) if p.startswith("sweep_leak ")]
    assert leak == [
        "sweep_leak (proposals/<int:pk>/leak/) is not in the tenancy sweep: add it to WEB in"
        " tests/tenancy/test_sweep.py, saying which object fills each of ['pk'] and who may use it, or to"
        " NOT_TENANT with the reason it shows no organisation's data"
    ]
