"""Demo and benchmark data.

`seed_demo` creates the demo organisation, its three people and a handful of realistic proposals;
running it again changes nothing. `--proposals N --organisations K` also adds N generated
proposals spread over K benchmark organisations, with bulk inserts.
"""

import random
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, Team, User
from assessments.engine.bench import typical_answers
from assessments.models import Answer
from assessments.questionnaires_db import sync_from_files
from assessments.services import assessment_complete, assessment_start
from projects.models import Proposal, ProposalRevision, ProposalStatus, VolumePeriod
from projects.services import proposal_create
from stakeholders.models import Stakeholder
from stakeholders.services import requirements_replace, stake_roles

DEMO_PASSWORD = "mlfit-demo-2026"
DEMO_PEOPLE = [
    ("admin@demo.mlfit.test", "Ada Admin", Role.ADMIN),
    ("reviewer@demo.mlfit.test", "Rui Reviewer", Role.REVIEWER),
    ("member@demo.mlfit.test", "Mia Member", Role.MEMBER),
]
DEMO_TEAMS = ["Growth", "Support", "Risk", "Logistics"]
DEMO_PROPOSALS = [
    {
        "title": "Route support tickets to the right queue",
        "problem": "About 4,000 support tickets a day land in one inbox; agents re-route a third of them by hand, "
        "which adds a day to the first reply.",
        "decision": "Put each new ticket in a queue (billing, delivery, account, other) as it arrives.",
        "business_objective": "Answer customers faster without hiring more triage staff.",
        "success_metric": "Share of tickets that reach the right queue first time",
        "success_target": "At least 90% within six months",
        "baseline_description": "Keyword rules written in 2021 plus manual re-routing by a triage team of three.",
        "baseline_performance": "68% reach the right queue first time",
        "intended_users": "Support agents and the triage team",
        "data_sources": "Two years of tickets with their final queue (about 2.5 million), from the helpdesk export.",
        "expected_volume": 4000,
        "volume_period": VolumePeriod.DAY,
        "team": "Support",
    },
    {
        "title": "Recommend restaurants in the app",
        "problem": "Customers scroll past dozens of restaurants before ordering; many give up.",
        "decision": "Choose which ten restaurants to show first on the home screen.",
        "business_objective": "More orders per visit, and a healthy fee margin.",
        "success_metric": "Orders per home-screen visit",
        "success_target": "+5% against the current ranking",
        "baseline_description": "Restaurants sorted by distance, then by rating.",
        "baseline_performance": "11% of visits end in an order",
        "intended_users": "Everyone who opens the app",
        "data_sources": "Orders, clicks and ratings for 18 months; restaurant menus and prices.",
        "expected_volume": 1200,
        "volume_period": VolumePeriod.SECOND,
        "team": "Growth",
    },
    {
        "title": "Flag suspicious refunds",
        "problem": "Refund fraud costs about 400,000 a year; the risk team reviews refunds at random.",
        "decision": "Send a refund to manual review before it is paid.",
        "business_objective": "Cut refund fraud losses while keeping honest customers' refunds fast.",
        "success_metric": "Fraud losses caught per review hour",
        "success_target": "Twice the current rate",
        "baseline_description": "Random 5% sample plus a rule on refunds over 500.",
        "baseline_performance": "Catches roughly 20% of confirmed fraud",
        "intended_users": "The risk team",
        "data_sources": "Refunds with chargeback outcomes for three years; about 2,000 confirmed fraud cases.",
        "expected_volume": 30000,
        "volume_period": VolumePeriod.DAY,
        "team": "Risk",
    },
    {
        "title": "Assign deliveries to regional depots from the postcode",
        "problem": "New addresses sometimes go to the wrong depot.",
        "decision": "Pick the depot for each delivery.",
        "business_objective": "No mis-routed parcels.",
        "success_metric": "Mis-routed parcels per week",
        "success_target": "Zero",
        "baseline_description": "A postcode-to-depot table kept by operations.",
        "baseline_performance": "Correct whenever the table is up to date",
        "intended_users": "Warehouse staff",
        "data_sources": "The postcode table.",
        "expected_volume": 50000,
        "volume_period": VolumePeriod.DAY,
        "team": "Logistics",
    },
    {
        "title": "Forecast weekly demand per store",
        "problem": "Stores over-order fresh food and throw away 8% of it.",
        "decision": "Set each store's weekly order quantity per product.",
        "business_objective": "Less waste without more empty shelves.",
        "success_metric": "Waste as a share of fresh food sold",
        "success_target": "Below 5%",
        "baseline_description": "Store managers order from last year's same week plus judgement.",
        "baseline_performance": "8% waste, 3% of days with an empty shelf",
        "intended_users": "Store managers and the supply team",
        "data_sources": "Daily sales per store and product for four years; promotions calendar; weather.",
        "expected_volume": 250000,
        "volume_period": VolumePeriod.MONTH,
        "team": "Logistics",
    },
]


def _need(dimension: str, op: str, value: object, unit: str, must: bool, weight: int = 3, metric: str = "") -> dict:
    return {
        "dimension": dimension,
        "op": op,
        "value": value,
        "unit": unit,
        "must_have": must,
        "weight": weight,
        "metric": metric,
    }


DEMO_STAKEHOLDERS = [
    (
        "Ines Okafor",
        "ines@demo.mlfit.test",
        "ml_engineering",
        [_need("quality", ">=", 0.9, "", True, 5, "precision")],
        [{"name": "accuracy", "direction": "maximise", "weight": 5}],
    ),
    ("Sam Reyes", "sam@demo.mlfit.test", "sales", [], [{"name": "fees", "direction": "maximise", "weight": 5}]),
    (
        "Priya Shah",
        "priya@demo.mlfit.test",
        "product",
        [_need("latency", "<=", 100.0, "ms", True, 5)],
        [{"name": "relevance", "direction": "maximise", "weight": 4}],
    ),
    (
        "Theo Berg",
        "theo@demo.mlfit.test",
        "ml_platform",
        [_need("freshness", ">=", 30.0, "days", False, 4)],
        [{"name": "stability", "direction": "maximise", "weight": 4}],
    ),
    (
        "Mo Hassan",
        "mo@demo.mlfit.test",
        "leadership",
        [_need("cost", "<=", 5000.0, "per_month", True, 5)],
        [{"name": "margin", "direction": "maximise", "weight": 5}],
    ),
]

TOPICS = [
    ("Predict churn for", "customers likely to cancel in the next month"),
    ("Score leads for", "inbound leads worth a sales call"),
    ("Detect anomalies in", "unusual spikes in transactions"),
    ("Classify documents for", "incoming documents by type"),
    ("Forecast demand for", "weekly volumes per site"),
    ("Recommend products to", "products a customer may want next"),
    ("Estimate delivery times for", "the arrival time of each order"),
    ("Prioritise maintenance of", "machines likely to fail soon"),
]
SUBJECTS = ["retail", "B2B accounts", "the mobile app", "warehouses", "call centres", "suppliers", "payments", "fleet"]


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent) and, optionally, generated benchmark proposals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--proposals", type=int, default=0, help="Generated proposals to add.")
        parser.add_argument("--organisations", type=int, default=1, help="Benchmark organisations to spread them over.")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, proposals: int, organisations: int, seed: int, **options) -> None:
        if proposals < 0 or organisations < 1:
            self.stderr.write("--proposals must be 0 or more and --organisations at least 1.")
            raise SystemExit(2)
        demo = self.seed_demo()
        self.stdout.write(f"Demo organisation: {demo.name} (slug {demo.slug})")
        for email, _, role in DEMO_PEOPLE:
            self.stdout.write(f"  sign in as {email} / {DEMO_PASSWORD} ({role})")
        if proposals:
            self.seed_bulk(proposals, organisations, random.Random(seed))
            self.stdout.write(f"Added {proposals} generated proposals over {organisations} organisation(s).")

    @transaction.atomic
    def seed_demo(self) -> Organisation:
        organisation, _ = Organisation.objects.get_or_create(slug="demo", defaults={"name": "Demo Retail Group"})
        people = {}
        for email, name, role in DEMO_PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
            Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": role})
            people[role] = user
        teams = {name: Team.objects.get_or_create(organisation=organisation, name=name)[0] for name in DEMO_TEAMS}
        for index, spec in enumerate(DEMO_PROPOSALS):
            if organisation.proposals.filter(title=spec["title"]).exists():
                continue
            data = {**spec, "team": teams[spec["team"]], "deadline": date.today() + timedelta(days=60 + 30 * index)}
            owner = people[Role.MEMBER] if index % 2 == 0 else people[Role.ADMIN]
            proposal_create(organisation=organisation, data={**data, "owner": owner}, by=owner)
        sync_from_files()
        self.seed_assessment(organisation, people[Role.MEMBER])
        self.seed_stakeholders(organisation)
        return organisation

    def seed_assessment(self, organisation: Organisation, by: User) -> None:
        """The ticket router, assessed: a verdict to look at on the first visit."""
        proposal = organisation.proposals.get(title=DEMO_PROPOSALS[0]["title"])
        if proposal.assessments.exists():
            return
        assessment = assessment_start(proposal=proposal, by=by)
        Answer.objects.bulk_create(
            Answer(assessment=assessment, question_key=key, value=value, answered_by=by)
            for key, value in typical_answers().items()
        )
        assessment_complete(assessment=assessment, by=by)

    def seed_stakeholders(self, organisation: Organisation) -> None:
        """The restaurant recommender's five stakeholders (METHODOLOGY §3), with their clashes."""
        proposal = organisation.proposals.get(title=DEMO_PROPOSALS[1]["title"])
        if proposal.stakeholders.exists():
            return
        roles = {role.key: role for role in stake_roles(organisation=organisation)}
        for name, email, role, requirements, objectives in DEMO_STAKEHOLDERS:
            stakeholder = Stakeholder.objects.create(
                organisation=organisation,
                proposal=proposal,
                name=name,
                email=email,
                role=roles[role],
                responded_at=timezone.now(),
            )
            requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=objectives, by=None)

    def seed_bulk(self, count: int, organisations: int, rng: random.Random) -> None:
        orgs = []
        for k in range(organisations):
            org, _ = Organisation.objects.get_or_create(slug=f"bench-{k + 1}", defaults={"name": f"Bench Org {k + 1}"})
            owner = User.objects.filter(email=f"owner@bench-{k + 1}.mlfit.test").first()
            if owner is None:
                owner = User.objects.create_user(email=f"owner@bench-{k + 1}.mlfit.test", password=DEMO_PASSWORD)
            Membership.objects.get_or_create(user=owner, organisation=org, defaults={"role": Role.ADMIN})
            teams = [Team.objects.get_or_create(organisation=org, name=name)[0] for name in DEMO_TEAMS]
            orgs.append((org, owner, teams))
        statuses = [s for s in ProposalStatus.values if s != ProposalStatus.ARCHIVED]
        batch: list[Proposal] = []
        for i in range(count):
            org, owner, teams = orgs[i % organisations]
            verb, what = rng.choice(TOPICS)
            subject = rng.choice(SUBJECTS)
            batch.append(
                Proposal(
                    organisation=org,
                    title=f"{verb} {subject} #{i + 1}",
                    problem=f"Teams in {subject} need to know {what}; today this is guessed by hand.",
                    decision=f"Act on {what}.",
                    baseline_description="Manual review with a spreadsheet.",
                    expected_volume=rng.randint(10, 1_000_000),
                    volume_period=rng.choice(VolumePeriod.values),
                    deadline=date.today() + timedelta(days=rng.randint(10, 400)),
                    team=rng.choice(teams),
                    owner=owner,
                    created_by=owner,
                    status=rng.choice(statuses),
                )
            )
            if len(batch) == 2000:
                self._flush(batch)
                batch = []
        if batch:
            self._flush(batch)
        if connection.vendor == "postgresql":
            # Fresh bulk inserts leave the planner without statistics until autovacuum runs;
            # until then it plans the list page for 6 rows instead of thousands.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE projects_proposal, projects_proposalrevision")

    @staticmethod
    @transaction.atomic
    def _flush(batch: list[Proposal]) -> None:
        created = Proposal.objects.bulk_create(batch)
        # Version 1 of each proposal, so a later conflicting save can show what changed.
        ProposalRevision.objects.bulk_create(
            [ProposalRevision(proposal=p, version=1, data=p.snapshot(), created_by=p.owner) for p in created]
        )
