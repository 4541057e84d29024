"""Import and export of proposals with their answers (assessments.transfer and its two commands)."""

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import transfer
from assessments.engine.bench import typical_answers
from assessments.models import Answer, Assessment, AssessmentStatus
from assessments.questionnaires_db import engine_questionnaire, questionnaire_publish
from assessments.services import AssessmentError, answers_save, assessment_start
from assessments.transfer import (
    ImportRejected,
    export_organisation,
    import_proposals,
    load_document,
    parse_document,
)
from projects.models import Proposal
from tests.factories import MembershipFactory, TeamFactory

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


def counts() -> tuple[int, int, int]:
    return Proposal.objects.count(), Assessment.objects.count(), Answer.objects.count()


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


def test_a_round_trip_into_another_organisation_keeps_answers_and_verdicts(world, questionnaire_version):
    TeamFactory(organisation=world.org, name="Customer support")
    import_proposals(organisation=world.org, data=load_document(path=EXAMPLE), by=world.admin)
    exported = export_organisation(organisation=world.org)

    # Another organisation has other people: the file names its owners, and it has the team.
    TeamFactory(organisation=world.other_org, name="Customer support")
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
        ({"data_age": "unknown"}, "answers.data_age: \"don't know\" ('unknown') is not allowed"),
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
        ({"title": ""}, "proposals[0].title: This field is required."),
        ({"title": 42}, "proposals[0].title: expected text, got a number"),
        ({"title": "t" * 201}, "proposals[0].title: Ensure this value has at most 200 characters"),
        ({"expected_volume": "many"}, "proposals[0].expected_volume: expected a whole number or null"),
        ({"expected_volume": -1}, "proposals[0].expected_volume: Ensure this value is greater than or equal to 0"),
        ({"volume_period": "fortnight"}, "proposals[0].volume_period: Select a valid choice."),
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
        "proposals[4].problem: This field is required.",
    ]


def test_a_failure_while_writing_rolls_back_the_whole_file(world, questionnaire_version, monkeypatch):
    calls = []

    def complete_then_fail(*, assessment, by):
        calls.append(assessment)
        if len(calls) == 2:
            raise AssessmentError("the database went away")
        return original(assessment=assessment, by=by)

    original = transfer.assessment_complete
    monkeypatch.setattr(transfer, "assessment_complete", complete_then_fail)
    items = [proposal(f"P{i}", answers=typical_answers(), status="completed") for i in range(3)]
    errors = refused(world, document(*items))
    assert errors == ["proposals[1].assessment: the database went away"]


def test_a_questionnaire_published_during_the_import_rolls_it_back(world, questionnaire_version, monkeypatch):
    original = transfer.assessment_start

    def publish_then_start(*, proposal, by):
        questionnaire_publish(definition={**questionnaire_version.definition, "title": "Published meanwhile"})
        return original(proposal=proposal, by=by)

    monkeypatch.setattr(transfer, "assessment_start", publish_then_start)
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
    monkeypatch.setattr(transfer, "MAX_IMPORT_PROPOSALS", 2)
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
    monkeypatch.setattr(transfer, "MAX_IMPORT_BYTES", 2**20)
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
    assert (result["verdict"], result["score"], result["max_score"]) == ("fit_with_caveats", 16.98, 22.0)
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
        items = [proposal(f"P{i}", answers=typical_answers(), status="completed") for i in range(n)]
        items.append(proposal("Open", answers={"has_data": "yes"}))
        import_proposals(organisation=world.org, data=document(*items), by=world.admin)
        with CaptureQueriesContext(connection) as captured:
            exported = export_organisation(organisation=world.org)
        assert len(exported["proposals"]) == n + 1
        return len(captured.captured_queries)

    # 1: proposals with team and owner, 2: their assessments with questionnaire, 3: the answers.
    assert queries_for(1) == queries_for(10) == 3


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
