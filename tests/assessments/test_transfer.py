"""Import and export of proposals with their answers (the transfer app and its two commands)."""

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Proposal
from questionnaires.models import Answer, Assessment, AssessmentStatus
from questionnaires.services import AssessmentError, answers_save
from questionnaires.versions import engine_questionnaire, questionnaire_publish
from stakeholders.models import Conflict, ConflictEvent, ConflictStatus, Objective, Requirement, Stakeholder
from stakeholders.services import conflict_resolve, requirement_save, stake_roles, stakeholder_add
from suitability.services import assessment_start
from tests.factories import MembershipFactory, TeamFactory
from tests.typical_answers import typical_answers
from transfer import document as transfer_document
from transfer import write as transfer_write
from transfer.document import ImportRejected, load_document, parse_document
from transfer.export import export_organisation
from transfer.write import import_proposals

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "example-import.json"


def document(*proposals: dict) -> dict:
    return {"format": "mlfit.proposals", "format_version": 1, "proposals": list(proposals)}


def proposal(title: str = "Churn", answers: dict | None = None, status: str = "in_progress", **fields) -> dict:
    return {
        "title": title,
        "problem": "Customers leave without warning.",
        **fields,
        "assessment": {"questionnaire": "ml_suitability", "status": status, "answers": answers or {}},
    }


def counts() -> tuple[int, ...]:
    models = (Proposal, Assessment, Answer, Stakeholder, Requirement, Objective, Conflict)
    return tuple(model.objects.count() for model in models)


def stakeholder(email: str = "pat@example.test", role: str = "product", **fields) -> dict:
    return {"name": "Pat Product", "email": email, "role": role, **fields}


def freshness(op: str, days: int, **fields) -> dict:
    return {"dimension": "freshness", "op": op, "value": days, "unit": "days", "must_have": True, **fields}


def at_odds() -> list[dict]:
    """Two stakeholders who contradict each other on freshness, and hold competing objectives."""
    return [
        stakeholder(
            "sam@support.test",
            "end_users",
            name="Sam",
            requirements=[freshness("<=", 7)],
            objectives=[{"name": "freshness", "direction": "maximise", "weight": 4}],
        ),
        stakeholder(
            "dana@platform.test",
            "ml_platform",
            name="Dana",
            requirements=[freshness(">=", 30)],
            objectives=[{"name": "stability", "direction": "maximise", "weight": 5}],
        ),
    ]


def refused(world, data: dict) -> list[str]:
    """Import `data`, expect a refusal that wrote nothing, and return its messages."""
    before = counts()
    with pytest.raises(ImportRejected) as rejected:
        import_proposals(organisation=world.org, data=data, by=world.admin)
    assert counts() == before
    return rejected.value.errors


# --------------------------------------------------------------------------------------------
# The documented example and the round trip


def test_the_documented_example_imports(world, questionnaire_version):
    TeamFactory(organisation=world.org, name="Customer support")
    routed, forecast = import_proposals(organisation=world.org, data=load_document(path=EXAMPLE), by=world.admin)

    assert (routed.owner, routed.team.name, str(routed.deadline)) == (world.owner, "Customer support", "2026-09-30")
    assert routed.created_by == world.admin
    done = Assessment.objects.get(proposal=routed)
    assert done.status == AssessmentStatus.COMPLETED
    assert done.verdict == "fit_with_caveats"
    routed.refresh_from_db()
    assert routed.suitability_verdict == "fit_with_caveats"

    open_one = Assessment.objects.get(proposal=forecast)
    assert (forecast.owner, forecast.team) == (world.member, None)
    assert open_one.status == AssessmentStatus.IN_PROGRESS
    assert open_one.answers.get(question_key="data_issues").value == ["missing_values", "rare_outcome"]
    assert open_one.answers.get(question_key="expert_accuracy").value == "unknown"

    sam, engineer, dana = Stakeholder.objects.filter(proposal=routed).order_by("pk")
    assert (sam.email, sam.role.key, sam.user, sam.token_hash) == ("sam.okafor@support.example", "end_users", None, "")
    assert (engineer.user, engineer.name) == (world.member, world.member.get_full_name())
    # Stored in each dimension's canonical unit, as the matrix would store them.
    assert {(r.dimension, r.op, r.value, r.unit) for r in Requirement.objects.filter(stakeholder__in=[sam, dana])} == {
        ("freshness", "<=", 7.0, "days"),
        ("latency", "<=", 2000.0, "ms"),
        ("freshness", ">=", 30.0, "days"),
        ("cost", "<=", 2000.0, "per_month"),
    }
    assert Requirement.objects.get(stakeholder=engineer, dimension="quality").value == 0.85
    # Detected here, and the file's decision on the freshness contradiction is kept.
    conflicts = {c.kind: c for c in Conflict.objects.filter(proposal=routed)}
    assert set(conflicts) == {"contradictory_targets", "competing_objectives"}
    decided = conflicts["contradictory_targets"]
    assert (decided.status, decided.resolved_by) == (ConflictStatus.RESOLVED, world.admin)
    assert decided.decision == "Retrain weekly, release to production monthly behind a canary"
    assert conflicts["competing_objectives"].status == ConflictStatus.OPEN
    routed.refresh_from_db()
    # Issue 20 added the cost bound against the engineer's accuracy (methodology §7.9), low.
    assert (routed.open_conflicts, routed.open_conflicts_severity) == (2, "high")
    assert not Stakeholder.objects.filter(proposal=forecast).exists()


def test_a_round_trip_into_another_organisation_keeps_answers_and_verdicts(world, questionnaire_version):
    TeamFactory(organisation=world.org, name="Customer support")
    import_proposals(organisation=world.org, data=load_document(path=EXAMPLE), by=world.admin)
    exported = export_organisation(organisation=world.org)

    # Another organisation has other people: the file names its owners, and it has the team and
    # the member who is a stakeholder.
    TeamFactory(organisation=world.other_org, name="Customer support")
    MembershipFactory(organisation=world.other_org, user=world.member)
    moved = copy.deepcopy(exported)
    for item in moved["proposals"]:
        item["owner"] = "outsider@globex.test"
    # The export is itself an import file, read through the same parser as a file on disk.
    imported = import_proposals(organisation=world.other_org, data=parse_document(json.dumps(moved)), by=world.outsider)
    assert len(imported) == len(exported["proposals"]) == 3
    again = export_organisation(organisation=world.other_org)

    def comparable(item: dict) -> dict:
        item = {k: v for k, v in item.items() if k != "owner"}
        if item["assessment"]:
            item["assessment"] = {k: v for k, v in item["assessment"].items() if k != "completed_at"}
        return item

    assert [comparable(p) for p in again["proposals"]] == [comparable(p) for p in exported["proposals"]]
    completed = [p for p in again["proposals"] if p["assessment"] and p["assessment"]["status"] == "completed"]
    assert [p["assessment"]["result"]["verdict"] for p in completed] == ["fit_with_caveats"]
    # Stakeholders, requirements and conflicts came along (compared whole above).
    (routed,) = [p for p in again["proposals"] if p["stakeholders"]]
    assert [len(s["requirements"]) for s in routed["stakeholders"]] == [2, 2, 2]
    assert [(c["kind"], c["severity"], c["status"]) for c in routed["conflicts"]] == [
        ("contradictory_targets", "high", "resolved"),
        ("competing_objectives", "high", "open"),
        # Issue 20: Dana's cost bound weighed against the engineer's accuracy (methodology §7.9).
        # On a text task (§7.12) a 2,000 a month budget keeps to word-count models (0.83) while a
        # fine-tuned language model or an ensemble reaches 0.95 and more: medium, not low.
        ("competing_objectives", "medium", "open"),
    ]


def test_a_round_trip_keeps_requirements_conflicts_and_decisions_made_in_the_app(world, questionnaire_version):
    """Stakeholders added and resolved through the services, as the pages do, then moved."""
    roles = {role.key: role for role in stake_roles(organisation=world.org)}
    # No labels: retraining weekly is at odds with the suitability answers too.
    (imported,) = import_proposals(
        organisation=world.org,
        data=document(proposal(answers={**typical_answers(), "labels_available": "no"}, status="completed")),
        by=world.admin,
    )
    imported = Proposal.objects.get(pk=imported.pk)  # as a page loads it, with the suitability facts
    for who, role, op, days in [
        ("sam@support.test", "end_users", "<=", 7),
        ("dana@platform.test", "ml_platform", ">=", 30),
    ]:
        added = stakeholder_add(
            proposal=imported, role=roles[role], by=world.owner, link_url=lambda s, raw: raw, name=who, email=who
        )
        data = {"op": op, "value": float(days), "unit": "days", "must_have": True, "weight": 5, "metric": ""}
        requirement_save(stakeholder=added, dimension="freshness", data=data, by=world.owner)
    contradiction = Conflict.objects.get(proposal=imported, kind="contradictory_targets")
    conflict_resolve(conflict=contradiction, decision="Weekly", rationale="Labels come first.", by=world.owner)
    exported = export_organisation(organisation=world.org)

    mail.outbox.clear()
    moved = copy.deepcopy(exported)
    for item in moved["proposals"]:
        item["owner"] = None
    import_proposals(organisation=world.other_org, data=parse_document(json.dumps(moved)), by=world.outsider)
    assert mail.outbox == []
    again = export_organisation(organisation=world.other_org)

    def summary(data: dict) -> list:
        (item,) = [p for p in data["proposals"] if p["stakeholders"]]
        requirements = [(s["email"], s["role"], s["requirements"]) for s in item["stakeholders"]]
        conflicts = [
            (c["kind"], c["severity"], c["status"], c["decision"], c["fingerprint"]) for c in item["conflicts"]
        ]
        return [requirements, conflicts]

    assert summary(again) == summary(exported)
    kinds = [(kind, severity, status) for kind, severity, status, *_ in summary(again)[1]]
    assert kinds == [
        ("contradictory_targets", "high", "resolved"),
        ("suitability_mismatch", "high", "open"),
    ]
    restored = Conflict.objects.get(organisation=world.other_org, kind="contradictory_targets")
    assert (restored.decision, restored.rationale, restored.resolved_by) == (
        "Weekly",
        "Labels come first.",
        world.outsider,
    )
    assert list(ConflictEvent.objects.filter(conflict=restored).values_list("action", flat=True)) == [
        "detected",
        "resolved",
    ]


def test_imported_conflicts_are_detected_again_not_trusted(world, questionnaire_version):
    made_up = {
        "kind": "contradictory_targets",
        "severity": "high",
        "title": "Made up",
        "status": "open",
        "stakeholders": ["pat@example.test"],
        "fingerprint": "0123456789abcdef",
    }
    decided_elsewhere = {**made_up, "status": "resolved", "decision": "Ignore it", "rationale": "No reason."}
    item = proposal(stakeholders=[stakeholder(requirements=[freshness("<=", 7)])])
    item["conflicts"] = [made_up, decided_elsewhere]
    (imported,) = import_proposals(organisation=world.org, data=document(item), by=world.admin)
    assert not Conflict.objects.filter(proposal=imported).exists()


def test_a_decision_is_kept_only_on_the_conflict_found_again(world, questionnaire_version):
    item = proposal(stakeholders=at_odds())
    import_proposals(organisation=world.org, data=document(item), by=world.admin)
    (exported,) = [p for p in export_organisation(organisation=world.org)["proposals"] if p["title"] == "Churn"]
    contradiction, competing = exported["conflicts"]
    decided = {"status": "resolved", "decision": "Monthly", "rationale": "Platform first."}
    # Dana now accepts weekly updates: the contradiction is gone, its decision with it; the
    # competing objectives stay, and so does the decision on them.
    exported["stakeholders"][1]["requirements"] = [freshness(">=", 7)]
    exported["conflicts"] = [contradiction | decided, competing | decided | {"decision": "Decouple"}]
    (second,) = import_proposals(organisation=world.org, data=document(exported), by=world.admin)
    assert list(Conflict.objects.filter(proposal=second).values_list("kind", "status", "decision")) == [
        ("competing_objectives", "resolved", "Decouple")
    ]


def test_a_member_who_is_a_stakeholder_of_a_private_proposal_sees_it(world, questionnaire_version):
    member = stakeholder("MEMBER@acme.test", "ml_engineering", name="", member=True)
    item = proposal(visibility="private", stakeholders=[member])
    (imported,) = import_proposals(organisation=world.org, data=document(item), by=world.admin)
    assert imported.visibility == "private"
    assert list(imported.readers.all()) == [world.member]
    (engineer,) = Stakeholder.objects.filter(proposal=imported)
    assert (engineer.user, engineer.email, engineer.name) == (world.member, "member@acme.test", world.member.name)


def test_the_exported_fingerprint_holds_across_databases_and_wording(world, questionnaire_version):
    import_proposals(organisation=world.org, data=document(proposal(stakeholders=at_odds())), by=world.admin)

    def fingerprints() -> list[str]:
        (item,) = [p for p in export_organisation(organisation=world.org)["proposals"] if p["stakeholders"]]
        return [c["fingerprint"] for c in item["conflicts"]]

    before = fingerprints()
    stored = set(Conflict.objects.values_list("fingerprint", flat=True))
    assert len(before) == 2
    assert not stored & set(before)  # the stored ones hash row ids
    Conflict.objects.update(title="Reworded")
    assert fingerprints() == before


def test_imported_stakeholders_are_not_emailed(world, questionnaire_version, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (imported,) = import_proposals(
            organisation=world.org, data=document(proposal(stakeholders=at_odds())), by=world.admin
        )
    assert mail.outbox == []
    assert set(Stakeholder.objects.filter(proposal=imported).values_list("token_hash", "invited_at")) == {("", None)}
    # They count as having answered: their requirements are in the file.
    assert not Stakeholder.objects.filter(proposal=imported, responded_at=None).exists()


def test_an_imported_result_is_recomputed_not_trusted(world, questionnaire_version):
    item = proposal(answers=typical_answers(), status="completed")
    item["assessment"]["result"] = {"verdict": "good_fit", "score": 22.0}
    (imported,) = import_proposals(organisation=world.org, data=document(item), by=world.admin)
    assert Assessment.objects.get(proposal=imported).verdict == "fit_with_caveats"


def test_a_proposal_without_assessment_imports_as_a_draft_owned_by_the_author(world, questionnaire_version):
    item = {"title": "Churn", "problem": "Customers leave.", "status": "approved", "assessment": None}
    (imported,) = import_proposals(organisation=world.org, data=document(item), by=world.admin)
    assert (imported.status, imported.owner, imported.volume_period) == ("draft", world.admin, "day")
    assert not Assessment.objects.filter(proposal=imported).exists()


def test_a_named_older_questionnaire_version_is_kept(world, questionnaire_version):
    newer, created = questionnaire_publish(definition={**questionnaire_version.definition, "title": "ML suitability 2"})
    assert created
    pinned = proposal("Pinned", answers={"has_data": "yes"})
    pinned["assessment"]["questionnaire_version"] = questionnaire_version.version
    latest = proposal("Latest", answers={"has_data": "yes"})
    import_proposals(organisation=world.org, data=document(pinned, latest), by=world.admin)
    assert Assessment.objects.get(proposal__title="Pinned").questionnaire == questionnaire_version
    assert Assessment.objects.get(proposal__title="Latest").questionnaire == newer


# --------------------------------------------------------------------------------------------
# Refusals: each names the key, and nothing is written


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"favourite_colour": "blue"}, "answers.favourite_colour: no such question"),
        ({"prediction_volume": "lots"}, "answers.prediction_volume: expected a number"),
        ({"prediction_volume": True}, "answers.prediction_volume: expected a number, got a boolean"),
        ({"months_to_first_release": 500}, "answers.months_to_first_release: must be at most 120"),
        ({"example_count": -1}, "answers.example_count: must be at least 0"),
        ({"data_age": "ancient"}, "answers.data_age: unknown option 'ancient'"),
        ({"output_use": "unknown"}, "answers.output_use: \"don't know\" ('unknown') is not allowed"),
        ({"data_issues": "duplicates"}, "answers.data_issues: expected a list of options"),
        ({"data_issues": ["duplicates", "typos"]}, "answers.data_issues: unknown option 'typos'"),
        ({"drives_action": "maybe"}, "answers.drives_action: expected 'yes' or 'no'"),
        ({"expert_accuracy": 7}, "answers.expert_accuracy: must be a whole number from 1 to 5"),
        ({"baseline_metric": "x" * 201}, "answers.baseline_metric: must be at most 200 characters"),
    ],
)
def test_a_bad_answer_is_refused_naming_its_key(world, questionnaire_version, answers, expected):
    errors = refused(world, document(proposal(answers={"has_data": "yes", **answers})))
    assert len(errors) == 1
    assert errors[0].startswith(f"proposals[0].assessment.{expected}")


def test_every_bad_answer_is_listed_not_just_the_first(world, questionnaire_version):
    errors = refused(world, document(proposal(answers={"data_age": "ancient", "bogus": 1, "expert_accuracy": 0})))
    assert [e.split(":")[0] for e in errors] == [
        "proposals[0].assessment.answers.data_age",
        "proposals[0].assessment.answers.bogus",
        "proposals[0].assessment.answers.expert_accuracy",
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"owner": "nobody@acme.test"}, "proposals[0].owner: 'nobody@acme.test' is not the email of a member of acme"),
        ({"owner": "outsider@globex.test"}, "proposals[0].owner: 'outsider@globex.test' is not the email of a member"),
        ({"owner": 7}, "proposals[0].owner: expected a member's email as text"),
        ({"team": "Marketing"}, "proposals[0].team: no team named 'Marketing' in acme"),
        ({"title": ""}, "proposals[0].title: Give the proposal a title."),
        ({"title": 42}, "proposals[0].title: expected text, got a number"),
        ({"title": "t" * 201}, "proposals[0].title: Shorten “Title” to at most 200 characters (it has 201)"),
        ({"expected_volume": "many"}, "proposals[0].expected_volume: expected a whole number or null"),
        ({"expected_volume": -1}, "proposals[0].expected_volume: Enter an expected volume of 0 or more."),
        (
            {"volume_period": "fortnight"},
            "proposals[0].volume_period: Choose one of the options offered for “Volume period”.",
        ),
        ({"deadline": "tomorrow"}, "proposals[0].deadline: expected a date as YYYY-MM-DD or null"),
        ({"titel": "typo"}, "proposals[0].titel: unknown field"),
    ],
)
def test_a_bad_intake_field_is_refused_naming_it(world, questionnaire_version, fields, expected):
    errors = refused(world, document(proposal(**fields)))
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_the_owner_is_found_by_email_whatever_its_case(world, questionnaire_version):
    (imported,) = import_proposals(
        organisation=world.org, data=document(proposal(owner=" Owner@ACME.test")), by=world.admin
    )
    assert imported.owner == world.owner


@pytest.mark.parametrize(
    ("assessment", "expected"),
    [
        ({"questionnaire": "stakeholders"}, "proposals[0].assessment.questionnaire: only 'ml_suitability'"),
        ({"questionnaire_version": 9}, "proposals[0].assessment.questionnaire_version: ml_suitability version 9 is"),
        ({"questionnaire_version": "1"}, "proposals[0].assessment.questionnaire_version: expected a whole number"),
        ({"status": "superseded"}, "proposals[0].assessment.status: expected one of in_progress, completed"),
        ({"answers": [["has_data", "yes"]]}, "proposals[0].assessment.answers: expected an object of answers"),
        ({"score": 3}, "proposals[0].assessment.score: unknown field"),
        ({"status": "completed", "answers": {"has_data": "no"}}, "proposals[0].assessment.status: a completed"),
    ],
)
def test_a_bad_assessment_is_refused_naming_the_key(world, questionnaire_version, assessment, expected):
    item = proposal()
    item["assessment"].update(assessment)
    errors = refused(world, document(item))
    assert len(errors) == 1
    assert errors[0].startswith(expected)


ROLES = "ml_engineering, product, sales, ml_platform, leadership, legal, data_owner, end_users"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"requirements": [freshness("<=", 0)]},
            "requirements[0].value: Freshness (retraining) must be above 0 days",
        ),
        (
            {"requirements": [{"dimension": "latency", "op": "<=", "value": 100, "unit": "kg"}]},
            "requirements[0].unit: Latency (p95) is measured in ms, s, not 'kg'",
        ),
        (
            {"requirements": [{"dimension": "quality", "op": ">=", "value": 1.2, "metric": "precision"}]},
            "requirements[0].value: Prediction quality can be at most 1",
        ),
        (
            {"requirements": [{"dimension": "cost", "op": "<=", "value": "lots", "unit": "per_month"}]},
            "requirements[0].value: Cost needs a number",
        ),
        (
            {"requirements": [{"dimension": "deployment", "op": "==", "value": "moon"}]},
            "requirements[0].value: choose one of: server, browser, phone, device",
        ),
        (
            {"requirements": [{"dimension": "latency", "op": "<=", "value": True, "unit": "ms"}]},
            "requirements[0].value: expected a number or text, got true/false",
        ),
        (
            {"requirements": [{"dimension": "colour", "op": "==", "value": "blue"}]},
            "requirements[0].dimension: unknown dimension 'colour'",
        ),
        (
            {"requirements": [{"dimension": "fairness", "op": ">=", "value": 0.1}]},
            "requirements[0].op: Fairness takes <=, not '>='",
        ),
        ({"requirements": [{"op": "<=", "value": 1}]}, "requirements[0].dimension: required"),
        (
            {"requirements": [freshness("<=", 7, weight=0)]},
            "requirements[0].weight: expected a whole number from 1 to 5",
        ),
        (
            {"requirements": [freshness("<=", 7, weight="3")]},
            "requirements[0].weight: expected a whole number from 1 to 5",
        ),
        ({"requirements": [freshness("<=", 7, must_have="yes")]}, "requirements[0].must_have: expected true or false"),
        ({"requirements": [freshness("<=", 7, metric="m" * 41)]}, "requirements[0].metric: at most 40 characters"),
        ({"requirements": [freshness("<=", 7, note="x")]}, "requirements[0].note: unknown field"),
        (
            {"requirements": [freshness("<=", 7), freshness(">=", 1)]},
            "requirements[1].dimension: requirements[0] is on freshness already",
        ),
        ({"requirements": {"freshness": 7}}, "requirements: expected a list of requirements, got an object"),
        (
            {"objectives": [{"name": "fees", "direction": "up"}]},
            "objectives[0].direction: expected one of maximise, minimise, got 'up'",
        ),
        (
            {"objectives": [{"name": "fees", "direction": "maximise", "weight": 6}]},
            "objectives[0].weight: expected a whole number from 1 to 5, got 6",
        ),
        ({"objectives": [{"name": " ", "direction": "maximise"}]}, "objectives[0].name: required"),
        (
            {"objectives": [{"name": "fees", "direction": "maximise"}, {"name": "fees", "direction": "minimise"}]},
            "objectives[1].name: objectives[0] is 'fees' already",
        ),
        (
            {"role": "lawyers"},
            f"role: got 'lawyers'; expected the key of one of the organisation's stake roles: {ROLES}",
        ),
        ({"role": None}, "role: required; expected the key"),
        ({"email": "not an email"}, "email: 'not an email' is not a valid email address"),
        ({"email": 7}, "email: expected text, got a number"),
        ({"name": ""}, "name: required for someone who is not a member"),
        ({"name": "n" * 151}, "name: at most 150 characters"),
        ({"member": "yes"}, "member: expected true or false, got text"),
        (
            {"member": True, "email": "outsider@globex.test"},
            "email: 'outsider@globex.test' is not the email of a member of this organisation",
        ),
        ({"phone": "555"}, "phone: unknown field"),
    ],
)
def test_a_bad_stakeholder_is_refused_naming_the_path(world, questionnaire_version, fields, expected):
    errors = refused(world, document(proposal(stakeholders=[stakeholder(**fields)])))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"proposals[0].stakeholders[0].{expected}")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"email": "x@y.test"}, "proposals[0].stakeholders: expected a list of stakeholders or null, got an object"),
        (["x@y.test"], "proposals[0].stakeholders[0]: expected an object, got text"),
    ],
)
def test_stakeholders_of_the_wrong_shape_are_refused(world, questionnaire_version, value, expected):
    assert refused(world, document(proposal(stakeholders=value))) == [expected]


def test_the_same_email_twice_is_refused_whatever_its_case(world, questionnaire_version):
    (error,) = refused(world, document(proposal(stakeholders=[stakeholder(), stakeholder(" PAT@example.test")])))
    assert error == (
        "proposals[0].stakeholders[1].email: 'pat@example.test' is already a stakeholder of this proposal"
        " (proposals[0].stakeholders[0])"
    )


def test_every_bad_stakeholder_value_is_listed_and_nothing_is_written(world, questionnaire_version):
    good = proposal("Good", stakeholders=at_odds())
    bad = proposal(
        "Bad",
        stakeholders=[
            stakeholder(
                requirements=[freshness("<=", -1), {"dimension": "latency", "op": "<=", "value": 1, "unit": "h"}]
            ),
            stakeholder("lee@law.test", "lawyers", objectives=[{"name": "fees", "direction": "up"}]),
        ],
    )
    errors = refused(world, document(good, bad))
    assert [e.split(":")[0] for e in errors] == [
        "proposals[1].stakeholders[0].requirements[0].value",
        "proposals[1].stakeholders[0].requirements[1].unit",
        "proposals[1].stakeholders[1].role",
        "proposals[1].stakeholders[1].objectives[0].direction",
    ]


@pytest.mark.parametrize(
    ("conflict", "expected"),
    [
        ({"status": "closed"}, "conflicts[0].status: expected one of open, resolved, gone, got 'closed'"),
        ({"status": "resolved", "decision": "Ship"}, "conflicts[0].rationale: a resolved conflict needs its rationale"),
        (
            {"status": "resolved", "decision": "Ship", "rationale": "Why", "fingerprint": None},
            "conflicts[0].fingerprint: a resolved conflict needs its fingerprint",
        ),
        ({"status": "resolved", "decision": "d" * 301, "rationale": "Why"}, "conflicts[0].decision: at most 300"),
        ({"id": 3}, "conflicts[0].id: unknown field"),
    ],
)
def test_a_bad_conflict_is_refused_naming_the_path(world, questionnaire_version, conflict, expected):
    item = proposal(stakeholders=at_odds())
    item["conflicts"] = [{"fingerprint": "0123456789abcdef", **conflict}]
    (error,) = refused(world, document(item))
    assert error.startswith(f"proposals[0].{expected}")


def test_a_completed_assessment_missing_answers_names_the_missing_keys(world, questionnaire_version):
    answers = typical_answers()
    del answers["data_age"], answers["ml_team"]
    (error,) = refused(world, document(proposal(answers=answers, status="completed")))
    assert error.endswith("missing: data_age, ml_team")


def test_one_bad_proposal_among_good_ones_writes_nothing(world, questionnaire_version):
    good = [proposal(f"Good {i}", answers=typical_answers(), status="completed") for i in range(3)]
    bad = proposal("Bad", answers={"data_age": "ancient"})
    errors = refused(world, document(good[0], good[1], bad, good[2], {"title": "No problem"}))
    assert errors == [
        "proposals[2].assessment.answers.data_age: unknown option 'ancient' (choose one of: current, few_years, old)",
        "proposals[4].problem: Describe the problem: what goes wrong today, for whom, and how often.",
    ]


def test_a_failure_while_writing_rolls_back_the_whole_file(world, questionnaire_version, monkeypatch):
    calls = []

    def complete_then_fail(*, assessment, by):
        calls.append(assessment)
        if len(calls) == 2:
            raise AssessmentError("the database went away")
        return original(assessment=assessment, by=by)

    original = transfer_write.assessment_complete
    monkeypatch.setattr(transfer_write, "assessment_complete", complete_then_fail)
    items = [proposal(f"P{i}", answers=typical_answers(), status="completed") for i in range(3)]
    errors = refused(world, document(*items))
    assert errors == ["proposals[1].assessment: the database went away"]


def test_a_questionnaire_published_during_the_import_rolls_it_back(world, questionnaire_version, monkeypatch):
    original = transfer_write.assessment_start

    def publish_then_start(*, proposal, by):
        questionnaire_publish(definition={**questionnaire_version.definition, "title": "Published meanwhile"})
        return original(proposal=proposal, by=by)

    monkeypatch.setattr(transfer_write, "assessment_start", publish_then_start)
    errors = refused(world, document(proposal(answers={"has_data": "yes"})))
    assert errors == [
        "proposals[0].assessment: a questionnaire version was published during the import; import the file again"
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "document: expected an object with 'format' and 'proposals', got a list"),
        ({"format": "csv", "format_version": 1, "proposals": []}, "format: expected 'mlfit.proposals', got 'csv'"),
        ({"format": "mlfit.proposals", "format_version": 2, "proposals": []}, "format_version: this server reads"),
        ({"format": "mlfit.proposals", "format_version": True, "proposals": []}, "format_version: this server reads"),
        ({"format": "mlfit.proposals", "format_version": 1, "proposals": {}}, "proposals: expected a list"),
        ({**document(), "comment": "hi"}, "comment: unknown field"),
    ],
)
def test_a_wrong_envelope_is_refused(world, questionnaire_version, data, expected):
    errors = refused(world, data)
    assert errors[0].startswith(expected)


def test_too_many_proposals_are_refused_before_any_is_checked(world, questionnaire_version, monkeypatch):
    monkeypatch.setattr(transfer_document, "MAX_IMPORT_PROPOSALS", 2)
    (error,) = refused(world, document(proposal(), proposal(), {"nonsense": True}))
    assert error == "proposals: 3 proposals is over the limit of 2 per file; split the file"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{not json", "file: not valid JSON: "),
        ('{"format": "a", "format": "b"}', "file: duplicate key 'format'"),
        ('{"proposals": [NaN]}', "file: not valid JSON: NaN is not a JSON number"),
        (b"\xff\xfe\x00garbage", "file: not valid JSON: "),
        ("[" * 100_000 + "]" * 100_000, "file: nested too deeply"),
    ],
)
def test_a_file_that_is_not_json_is_refused(raw, expected):
    with pytest.raises(ImportRejected) as rejected:
        parse_document(raw)
    assert rejected.value.errors[0].startswith(expected)


def test_a_file_over_the_size_limit_is_refused_without_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(transfer_document, "MAX_IMPORT_BYTES", 2**20)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document(proposal(problem="x" * 2**20))))
    with pytest.raises(ImportRejected) as rejected:
        load_document(path=path)
    assert rejected.value.errors == ["file: over the limit of 1 MB; split it into smaller files"]


# --------------------------------------------------------------------------------------------
# Export


def test_the_export_holds_the_verdict_score_and_findings(world, questionnaire_version):
    TeamFactory(organisation=world.org, name="Customer support")
    import_proposals(organisation=world.org, data=load_document(path=EXAMPLE), by=world.admin)
    exported = export_organisation(organisation=world.org)
    assert (exported["format"], exported["format_version"], exported["organisation"]) == ("mlfit.proposals", 1, "acme")
    untouched, routed, forecast = exported["proposals"]
    assert untouched["assessment"] is None
    assert (routed["team"], routed["owner"], routed["deadline"]) == (
        "Customer support",
        "owner@acme.test",
        "2026-09-30",
    )
    result = routed["assessment"]["result"]
    assert (result["verdict"], result["score"], result["max_score"]) == ("fit_with_caveats", 17.72, 22.0)
    finding = result["findings"][0]
    assert set(finding) == {"criterion", "label", "status", "weight", "earned", "fraction", "reason", "drivers"}
    assert set(finding["drivers"][0]) == {"question_key", "answer_display", "points"}
    assert routed["assessment"]["answers"] == typical_answers()
    assert "result" not in forecast["assessment"]


def test_the_export_takes_the_latest_assessment_round(world, questionnaire_version):
    (imported,) = import_proposals(
        organisation=world.org, data=document(proposal(answers=typical_answers(), status="completed")), by=world.admin
    )
    second = assessment_start(proposal=imported, by=world.owner)
    questionnaire = engine_questionnaire(questionnaire_version)
    answers_save(assessment=second, questionnaire=questionnaire, raw={"ml_team": "nobody"}, by=world.owner)
    (exported,) = [p for p in export_organisation(organisation=world.org)["proposals"] if p["title"] == "Churn"]
    assert exported["assessment"]["status"] == "in_progress"
    assert exported["assessment"]["answers"]["ml_team"] == "nobody"


def test_the_export_query_count_does_not_grow_with_proposals(world, questionnaire_version):
    def queries_for(n: int) -> int:
        Proposal.objects.filter(organisation=world.org).delete()
        items = [
            proposal(f"P{i}", answers=typical_answers(), status="completed", stakeholders=at_odds()) for i in range(n)
        ]
        items.append(proposal("Open", answers={"has_data": "yes"}))
        import_proposals(organisation=world.org, data=document(*items), by=world.admin)
        with CaptureQueriesContext(connection) as captured:
            exported = export_organisation(organisation=world.org)
        assert len(exported["proposals"]) == n + 1
        assert sum(len(p["conflicts"]) for p in exported["proposals"]) == 2 * n
        return len(captured.captured_queries)

    # 1: proposals with team and owner, 2: their assessments with questionnaire, 3: the answers,
    # 4: the stakeholders with their role, 5: their requirements, 6: their objectives, 7: conflicts.
    assert queries_for(1) == queries_for(10) == 7


# --------------------------------------------------------------------------------------------
# The commands


def test_the_import_command_imports_a_file_as_the_first_admin(world, questionnaire_version, capsys):
    TeamFactory(organisation=world.org, name="Customer support")
    call_command("import_proposals", str(EXAMPLE), "--organisation", "acme")
    assert "Imported 2 proposal(s) into acme as admin@acme.test." in capsys.readouterr().out
    assert set(Proposal.objects.filter(created_by=world.admin).values_list("title", flat=True)) == {
        "Route support tickets to the right team",
        "Forecast weekly demand per store",
    }


def test_the_import_command_takes_another_author(world, questionnaire_version, tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(document(proposal())))
    call_command("import_proposals", str(path), "--organisation", "acme", "--as", "Member@acme.test")
    assert Proposal.objects.get(title="Churn").created_by == world.member


def test_the_import_command_lists_every_error_and_writes_nothing(world, questionnaire_version, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document(proposal(answers={"data_age": "ancient"}), proposal(owner="x@y.test"))))
    before = counts()
    with pytest.raises(CommandError) as failed:
        call_command("import_proposals", str(path), "--organisation", "acme")
    assert counts() == before
    assert str(failed.value).splitlines() == [
        "Nothing was imported: 2 error(s).",
        "  proposals[0].assessment.answers.data_age: unknown option 'ancient' (choose one of: current, few_years, old)",
        "  proposals[1].owner: 'x@y.test' is not the email of a member of acme",
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--organisation", "nope"], "No organisation has the slug 'nope'"),
        (["--organisation", "acme", "--as", "outsider@globex.test"], "outsider@globex.test is not a member of acme"),
    ],
)
def test_the_import_command_refuses_a_wrong_organisation_or_author(world, questionnaire_version, args, expected):
    with pytest.raises(CommandError, match=re.escape(expected)):
        call_command("import_proposals", str(EXAMPLE), *args)


def test_the_import_command_needs_an_author_when_there_is_no_admin(world, questionnaire_version):
    MembershipFactory(organisation__slug="solo", organisation__name="Solo", user__email="solo@solo.test")
    with pytest.raises(CommandError, match="solo has no admin"):
        call_command("import_proposals", str(EXAMPLE), "--organisation", "solo")


def test_the_import_command_reports_a_missing_file(world, questionnaire_version, tmp_path):
    with pytest.raises(CommandError, match=r"file: cannot read .*missing\.json: No such file"):
        call_command("import_proposals", str(tmp_path / "missing.json"), "--organisation", "acme")


def test_the_export_command_writes_json_to_stdout(world, questionnaire_version, capsys):
    call_command("export_proposals", "--organisation", "acme")
    exported = json.loads(capsys.readouterr().out)
    assert [p["title"] for p in exported["proposals"]] == ["Route support tickets"]


def test_the_export_command_writes_a_file_that_imports(world, questionnaire_version, tmp_path):
    path = tmp_path / "out.json"
    call_command("export_proposals", "--organisation", "acme", "--output", str(path))
    call_command("import_proposals", str(path), "--organisation", "acme")
    assert Proposal.objects.filter(organisation=world.org, title="Route support tickets").count() == 2


def test_the_export_command_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match=r"No organisation has the slug 'nope'\."):
        call_command("export_proposals", "--organisation", "nope")
