"""Demo and benchmark data.

`seed_demo` creates the demo organisation, its three people, a handful of realistic proposals and
a generated portfolio around them (values, states, verdicts, outcomes) so the portfolio and the
calibration pages have something to show; running it again changes nothing. `--proposals N
--organisations K` also adds N generated proposals spread over K benchmark organisations
(`--prefix` names them), with bulk inserts.
"""

import random
from datetime import date, datetime, timedelta

import yaml
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, Team, User
from projects.models import Outcome, OutcomeStatus, Proposal, ProposalRevision, ProposalStatus, Visibility, VolumePeriod
from projects.services import proposal_create
from questionnaires.engine.schema import QUESTIONNAIRES_DIR
from questionnaires.models import Answer
from questionnaires.versions import SUITABILITY_KEY, sync_from_files
from regulation.services import obligation_tick, screening_save, screening_start
from stakeholders.models import Stakeholder
from stakeholders.review import review_act
from stakeholders.services import requirements_replace, stake_roles
from suitability.services import assessment_complete, assessment_start

DEMO_PASSWORD = "mlfit-demo-2026"
DEMO_PEOPLE = [
    ("admin@demo.mlfit.test", "Ada Admin", Role.ADMIN),
    ("reviewer@demo.mlfit.test", "Rui Reviewer", Role.REVIEWER),
    ("member@demo.mlfit.test", "Mia Member", Role.MEMBER),
]
# Signs off for legal on the demo review (seed_review); not among DEMO_PEOPLE, who own proposals.
DEMO_LEGAL = ("legal@demo.mlfit.test", "Lena Legal", Role.REVIEWER)
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

# What the ticket router's three signers need (seed_review), so its report weighs approaches by
# their requirements rather than by default weights, and its stakeholder matrix has something to say.
TICKET_ROUTER_NEEDS = {
    "product": (
        [
            _need("quality", ">=", 0.9, "", False, 5, "accuracy"),
            _need("time_to_release", "<=", 4.0, "months", False, 3),
        ],
        [{"name": "tickets routed right first time", "direction": "maximise", "weight": 5}],
    ),
    "ml_engineering": (
        [
            _need("latency", "<=", 500.0, "ms", False, 2),
            _need("freshness", "<=", 30.0, "days", False, 3),
            _need("cost", "<=", 3000.0, "per_month", False, 3),
        ],
        [{"name": "on-call pages", "direction": "minimise", "weight": 3}],
    ),
    "legal": (
        [
            _need("interpretability", ">=", "global", "level", True, 5),
            _need("privacy", "==", "eu", "", True, 5),
        ],
        [{"name": "customer complaints about routing", "direction": "minimise", "weight": 4}],
    ),
}

# A high-risk proposal (seed_triage): screening job applications is a use listed in Annex III
# (point 4(a)), so the EU AI Act triage calls it high-risk, lists the duties with their dates, and
# the review waits for legal's sign-off (docs/methodology.md §12.12).
CV_SCREENING = {
    "title": "Screen job applications for store roles",
    "problem": "Stores get about 900 applications a week for seasonal roles; recruiters read each one and "
    "answer the good candidates days late.",
    "decision": "Rank each new application so recruiters read the most relevant first.",
    "business_objective": "Reply to strong candidates within two days without more recruiters.",
    "success_metric": "Median days from application to first reply for candidates hired",
    "success_target": "Two days or less",
    "baseline_description": "Recruiters read applications in the order they arrive.",
    "baseline_performance": "Six days to a first reply",
    "intended_users": "The recruitment team",
    "data_sources": "Three years of applications with the hiring decisions, from the applicant tracking system.",
    "expected_volume": 900,
    "volume_period": VolumePeriod.MONTH,
    "team": "Growth",
}
CV_SCREENING_ANSWERS = {
    "intended_purpose": "Rank incoming applications for store roles so recruiters read the most relevant first; "
    "the outputs affect applicants.",
    "org_role": ["provider", "deployer"],
    "deployer_type": "other",
    "used_on_own_workers": "no",
    "practice_manipulation": "no",
    "practice_exploits_vulnerabilities": "no",
    "practice_social_scoring": "no",
    "practice_crime_prediction": "no",
    "practice_face_scraping": "no",
    "practice_emotion_workplace": "no",
    "practice_biometric_categorisation": "no",
    "practice_realtime_rbi": "no",
    "practice_intimate_content": "no",
    "product_safety_component": "no",
    "annex_iii_areas": ["employment"],
    "employment_use": ["recruitment"],
    "exemption_claimed": "no",
    "profiles_people": "yes",
    "interacts_with_people": "no",
    "generates_content": "no",
    "emotion_or_biometric_categorisation": "no",
    "deep_fakes": "no",
    "public_interest_text": "no",
    "gpai_model_provider": "no",
}
CV_SCREENING_NEEDS = {
    "product": ([_need("time_to_release", "<=", 6.0, "months", False, 3)], []),
    "ml_engineering": ([_need("latency", "<=", 2000.0, "ms", False, 2)], []),
    "legal": ([_need("interpretability", ">=", "per_prediction", "level", True, 5)], []),
}

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

# Value per year of the hand-written demo proposals, by title.
DEMO_VALUES = {
    "Route support tickets to the right queue": 350_000,
    "Recommend restaurants in the app": 2_400_000,
    "Flag suspicious refunds": 400_000,
    "Assign deliveries to regional depots from the postcode": 15_000,
    "Forecast weekly demand per store": 1_100_000,
}
# Generated proposals around them, so the portfolio and calibration pages look lived in.
DEMO_GENERATED = 60
# The questionnaire's verdict thresholds (questionnaires/definitions/ml_suitability.yaml), applied
# to generated fractions so that a generated verdict agrees with its score.
GOOD_FIT, FIT_WITH_CAVEATS = 0.70, 0.45
GENERATED_MAX_SCORE = 20.0
# Generated proposals' states: most are drafts or decided; archived only in the demo.
STATUS_WEIGHTS = {
    ProposalStatus.DRAFT: 28,
    ProposalStatus.SUBMITTED: 12,
    ProposalStatus.IN_REVIEW: 10,
    ProposalStatus.APPROVED: 22,
    ProposalStatus.CHANGES_REQUESTED: 8,
    ProposalStatus.REJECTED: 12,
    ProposalStatus.WITHDRAWN: 4,
    ProposalStatus.ARCHIVED: 4,
}
ABANDON_REASONS = [
    "The data turned out to be too sparse for the rarer cases.",
    "A simpler rule got close enough; the model was not worth running.",
    "The team that would act on the predictions was reorganised.",
]


def generated_summary(rng: random.Random, now: datetime, status: str) -> dict:
    """The portfolio fields of a generated proposal: value, verdict, staleness, conflicts, sharing."""
    fields: dict = {
        "estimated_value": None if rng.random() < 0.08 else int(10 ** rng.uniform(3.5, 7.5)),
        "open_conflicts": rng.choice([0, 0, 0, 0, 1, 1, 2, 3]),
        "visibility": rng.choices([Visibility.ORGANISATION, Visibility.TEAM, Visibility.PRIVATE], weights=[85, 10, 5])[
            0
        ],
    }
    if fields["open_conflicts"]:
        fields["open_conflicts_severity"] = rng.choice(["low", "medium", "high"])
    if status != ProposalStatus.DRAFT:
        fields["submitted_at"] = now - timedelta(days=rng.uniform(1, 60))
    if rng.random() < (0.4 if status == ProposalStatus.DRAFT else 0.08):
        return fields  # not assessed yet
    fraction = round(rng.betavariate(3.2, 2.2), 4)
    blocked = rng.random() < 0.08
    if blocked:
        verdict = "not_a_fit"  # a blocking finding overrides the score
    elif fraction >= GOOD_FIT:
        verdict = "good_fit"
    elif fraction >= FIT_WITH_CAVEATS:
        verdict = "fit_with_caveats"
    else:
        verdict = "not_a_fit"
    assessed_at = now - timedelta(days=rng.uniform(0, 300))
    fields.update(
        suitability_verdict=verdict,
        suitability_score=round(fraction * GENERATED_MAX_SCORE, 2),
        suitability_fraction=fraction,
        suitability_blocked=blocked,
        assessed_at=assessed_at,
        questionnaire_outdated=rng.random() < 0.05,
        inputs_changed_at=assessed_at,
    )
    if rng.random() < 0.45:
        report_at = min(assessed_at + timedelta(days=rng.uniform(0, 20)), now)
        fields["latest_report_at"] = report_at
        if rng.random() < 0.3:  # edited since its last report
            fields["inputs_changed_at"] = min(report_at + timedelta(days=rng.uniform(1, 30)), now)
    return fields


def generated_outcome(
    rng: random.Random, proposal: Proposal, unrecorded: float = 0.35, building: float = 0.25
) -> Outcome | None:
    """What became of an approved proposal; success is likelier the higher its suitability score."""
    if rng.random() < unrecorded:
        return None  # nothing recorded yet
    chance = proposal.suitability_fraction if proposal.suitability_fraction is not None else 0.5
    outcome = Outcome(proposal=proposal, recorded_by=proposal.owner)
    if rng.random() < building:
        outcome.status = OutcomeStatus.IN_PROGRESS
    elif rng.random() < 0.3 * (1 - chance):
        outcome.status = OutcomeStatus.ABANDONED
        outcome.notes = rng.choice(ABANDON_REASONS)
    else:
        outcome.status = OutcomeStatus.LAUNCHED
        outcome.target_met = rng.random() < chance * 0.95
        outcome.value_achieved = "Met the target" if outcome.target_met else "Below the target"
    return outcome


class Command(BaseCommand):
    help = "Create the demo organisation (idempotent) and, optionally, generated benchmark proposals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--proposals", type=int, default=0, help="Generated proposals to add.")
        parser.add_argument("--organisations", type=int, default=1, help="Benchmark organisations to spread them over.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--prefix",
            default="bench",
            help="Slug prefix of the benchmark organisations (PREFIX-1...), and of their owners' emails.",
        )

    def handle(self, *args, proposals: int, organisations: int, seed: int, prefix: str, **options) -> None:
        if proposals < 0 or organisations < 1:
            self.stderr.write("--proposals must be 0 or more and --organisations at least 1.")
            raise SystemExit(2)
        demo = self.seed_demo()
        self.stdout.write(f"Demo organisation: {demo.name} (slug {demo.slug})")
        for email, _, role in [*DEMO_PEOPLE, DEMO_LEGAL]:
            self.stdout.write(f"  sign in as {email} / {DEMO_PASSWORD} ({role})")
        if proposals:
            self.seed_bulk(proposals, organisations, random.Random(seed), prefix=prefix)
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
        for title, value in DEMO_VALUES.items():
            organisation.proposals.filter(title=title, estimated_value__isnull=True).update(estimated_value=value)
        sync_from_files()
        self.seed_assessment(organisation, people[Role.MEMBER])
        self.seed_stakeholders(organisation)
        self.seed_review(organisation, people)
        self.seed_triage(organisation, people, teams)
        self.seed_portfolio(organisation, people, list(teams.values()))
        return organisation

    def seed_review(self, organisation: Organisation, people: dict[str, User]) -> None:
        """The ticket router in review: submitted by its owner, approved by product, waiting for
        ML engineering (the admin) and legal, so the review page and the queue have something."""
        proposal = organisation.proposals.get(title=DEMO_PROPOSALS[0]["title"])
        if proposal.review_round:
            return
        email, name, role = DEMO_LEGAL
        legal = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=DEMO_PASSWORD, name=name
        )
        Membership.objects.get_or_create(user=legal, organisation=organisation, defaults={"role": role})
        roles = {r.key: r for r in stake_roles(organisation=organisation)}
        signers = {"product": people[Role.REVIEWER], "ml_engineering": people[Role.ADMIN], "legal": legal}
        for key, user in signers.items():
            stakeholder, _ = Stakeholder.objects.get_or_create(
                proposal=proposal,
                email=user.email,
                defaults={
                    "organisation": organisation,
                    "user": user,
                    "name": user.name,
                    "role": roles[key],
                    "responded_at": timezone.now(),
                },
            )
            requirements, objectives = TICKET_ROUTER_NEEDS[key]
            requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=objectives, by=None)
        members = {m.user_id: m for m in Membership.objects.filter(organisation=organisation)}
        owner = proposal.owner
        review_act(proposal=proposal, by=owner, membership=members[owner.pk], action="submit")
        review_act(
            proposal=proposal,
            by=signers["product"],
            membership=members[signers["product"].pk],
            action="approve",
            reason="Misrouted tickets cost a day each; a router that gets 90% right is worth building.",
        )

    def seed_triage(self, organisation: Organisation, people: dict[str, User], teams: dict[str, Team]) -> None:
        """The CV screener: triaged high-risk under the EU AI Act, one duty ticked with its evidence,
        submitted, approved by product and ML engineering, waiting for legal's sign-off (once)."""
        if organisation.proposals.filter(title=CV_SCREENING["title"]).exists():
            return
        owner = people[Role.MEMBER]
        data = {**CV_SCREENING, "team": teams[CV_SCREENING["team"]], "owner": owner, "estimated_value": 180_000}
        proposal = proposal_create(organisation=organisation, data=data, by=owner)
        screening = screening_start(proposal=proposal, by=owner)
        screening.proposal = proposal
        _, result = screening_save(assessment=screening, raw=CV_SCREENING_ANSWERS, by=owner)
        obligation_tick(
            proposal=proposal,
            screening=result,
            key="ai_literacy",
            done=True,
            evidence="Recruiters and the product team took the internal AI literacy course (March).",
            by=owner,
        )
        legal = User.objects.get(email=DEMO_LEGAL[0])
        roles = {r.key: r for r in stake_roles(organisation=organisation)}
        signers = {"product": people[Role.REVIEWER], "ml_engineering": people[Role.ADMIN], "legal": legal}
        for key, user in signers.items():
            stakeholder = Stakeholder.objects.create(
                organisation=organisation,
                proposal=proposal,
                user=user,
                name=user.name,
                email=user.email,
                role=roles[key],
                responded_at=timezone.now(),
            )
            requirements, objectives = CV_SCREENING_NEEDS[key]
            requirements_replace(stakeholder=stakeholder, requirements=requirements, objectives=objectives, by=None)
        members = {m.user_id: m for m in Membership.objects.filter(organisation=organisation)}
        review_act(proposal=proposal, by=owner, membership=members[owner.pk], action="submit")
        for key, reason in (
            ("product", "Faster replies are worth it; recruiters keep the final say."),
            ("ml_engineering", "A ranking model on three years of decisions is buildable; we log every ranking."),
        ):
            review_act(
                proposal=proposal, by=signers[key], membership=members[signers[key].pk], action="approve", reason=reason
            )

    def seed_portfolio(self, organisation: Organisation, people: dict[str, User], teams: list[Team]) -> None:
        """Generated proposals in every state, with values, verdicts and outcomes (once)."""
        rng = random.Random(2026)
        titles = [f"{verb} {subject}" for verb, _ in TOPICS for subject in SUBJECTS]
        titles = rng.sample(titles, DEMO_GENERATED)
        if organisation.proposals.filter(title__in=titles).exists():
            return
        topics = dict(TOPICS)
        now = timezone.now()
        owners = [people[Role.MEMBER], people[Role.ADMIN], people[Role.REVIEWER]]
        batch = []
        for title in titles:
            verb, subject = next((v, title[len(v) + 1 :]) for v in topics if title.startswith(v + " "))
            status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
            owner = rng.choice(owners)
            batch.append(
                Proposal(
                    organisation=organisation,
                    title=title,
                    problem=f"Teams in {subject} need to know {topics[verb]}; today this is guessed by hand.",
                    decision=f"Act on {topics[verb]}.",
                    success_metric="Share of cases handled correctly",
                    success_target="At least 85% within a year",
                    baseline_description="Manual review with a spreadsheet.",
                    expected_volume=rng.randint(10, 100_000),
                    volume_period=VolumePeriod.DAY,
                    team=rng.choice(teams),
                    owner=owner,
                    created_by=owner,
                    status=status,
                    **generated_summary(rng, now, status),
                )
            )
        # Most demo outcomes are known, so the calibration page has something to say on a first visit.
        created = self._flush(batch, rng, unrecorded=0.1, building=0.1)
        # Proposals under review wait for the reviewer's and the admin's sign-off (the queue).
        waiting = Proposal.awaiting_review_by.through
        waiting.objects.bulk_create(
            waiting(proposal_id=p.pk, user_id=user.pk)
            for p in created
            for user in (people[Role.REVIEWER], people[Role.ADMIN])
            if p.status in (ProposalStatus.SUBMITTED, ProposalStatus.IN_REVIEW) and p.owner_id != user.pk
        )

    def seed_assessment(self, organisation: Organisation, by: User) -> None:
        """The ticket router, assessed: a verdict to look at on the first visit."""
        proposal = organisation.proposals.get(title=DEMO_PROPOSALS[0]["title"])
        if proposal.assessments.filter(questionnaire__key=SUITABILITY_KEY).exists():
            return
        assessment = assessment_start(proposal=proposal, by=by)
        Answer.objects.bulk_create(
            Answer(assessment=assessment, question_key=key, value=value, answered_by=by)
            for key, value in {
                **yaml.safe_load((QUESTIONNAIRES_DIR / "answers" / "typical_answers.yaml").read_text()),
                # Tickets are text: the report and the conflict checks read the approaches'
                # figures for text (docs/methodology.md §7.12).
                "task_family": "text",
            }.items()
        )
        assessment_complete(assessment=assessment, by=by)

    def seed_stakeholders(self, organisation: Organisation) -> None:
        """The restaurant recommender's five stakeholders (docs/methodology.md §6), with their clashes."""
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

    def seed_bulk(self, count: int, organisations: int, rng: random.Random, prefix: str = "bench") -> None:
        orgs = []
        for k in range(organisations):
            slug = f"{prefix}-{k + 1}"
            org, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": f"{prefix.title()} Org {k + 1}"})
            owner = User.objects.filter(email=f"owner@{slug}.mlfit.test").first()
            if owner is None:
                owner = User.objects.create_user(email=f"owner@{slug}.mlfit.test", password=DEMO_PASSWORD)
            Membership.objects.get_or_create(user=owner, organisation=org, defaults={"role": Role.ADMIN})
            teams = [Team.objects.get_or_create(organisation=org, name=name)[0] for name in DEMO_TEAMS]
            orgs.append((org, owner, teams))
        weights = {s: w for s, w in STATUS_WEIGHTS.items() if s != ProposalStatus.ARCHIVED}
        statuses, status_weights = list(weights), list(weights.values())
        # Numbering continues after what an earlier run added, so titles stay unique when topping up.
        start = Proposal.objects.filter(organisation__in=[o for o, _, _ in orgs]).count()
        now = timezone.now()
        batch: list[Proposal] = []
        for i in range(start, start + count):
            org, owner, teams = orgs[i % organisations]
            verb, what = rng.choice(TOPICS)
            subject = rng.choice(SUBJECTS)
            status = rng.choices(statuses, weights=status_weights)[0]
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
                    status=status,
                    **generated_summary(rng, now, status),
                )
            )
            if len(batch) == 2000:
                self._flush(batch, rng)
                batch = []
        if batch:
            self._flush(batch, rng)
        if connection.vendor == "postgresql":
            # Fresh bulk inserts leave the planner without statistics until autovacuum runs;
            # until then it plans the list page for 6 rows instead of thousands.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE projects_proposal, projects_proposalrevision, projects_outcome")

    @staticmethod
    @transaction.atomic
    def _flush(
        batch: list[Proposal], rng: random.Random, unrecorded: float = 0.35, building: float = 0.25
    ) -> list[Proposal]:
        created = Proposal.objects.bulk_create(batch)
        # Version 1 of each proposal, so a later conflicting save can show what changed.
        ProposalRevision.objects.bulk_create(
            [ProposalRevision(proposal=p, version=1, data=p.snapshot(), created_by=p.owner) for p in created]
        )
        # Approved proposals (and some archived after approval) have outcomes: calibration's evidence.
        outcomes = (
            generated_outcome(rng, p, unrecorded, building)
            for p in created
            if p.status == ProposalStatus.APPROVED or (p.status == ProposalStatus.ARCHIVED and rng.random() < 0.5)
        )
        Outcome.objects.bulk_create([o for o in outcomes if o is not None])
        return created
