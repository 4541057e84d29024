"""The public case library (docs/cases/) through the import and the engine (docs/methodology.md §10)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from suitability.decision_quality import RECALL_GOAL, VERDICTS, as_markdown
from transfer.case_library import CASES_DIR, load_cases, run_cases


def test_the_library_holds_at_least_45_cases_15_per_verdict_each_with_a_source():
    cases = [case for case, _ in load_cases(CASES_DIR)]
    assert len(cases) >= 45
    for verdict in VERDICTS:
        assert sum(case.expected == verdict for case in cases) >= 15, verdict
    assert all(case.reference.strip() and case.why.strip() for case in cases)
    tags = {tag for case in cases for tag in case.tags}
    wanted = {"high-stakes", "edge", "regulated", "personal-data", "partial-ml", "heuristic-first", "one-off"}
    assert wanted | {"no-data", "random-outcome", "existing-model"} <= tags


@pytest.mark.django_db(transaction=False)
def test_every_verdict_reaches_its_recall_goal_and_every_case_is_explained():
    run = run_cases(CASES_DIR)
    assert all(o.error == "" for o in run.evaluation.outcomes), [o.error for o in run.evaluation.outcomes if o.error]
    for verdict in VERDICTS:
        assert run.evaluation.recall[verdict] >= RECALL_GOAL, (verdict, [o.case.id for o in run.evaluation.misses])
    assert [o.case.id for o in run.evaluation.unexplained] == []


@pytest.mark.django_db
def test_the_command_prints_the_matrix_recall_and_misses_and_leaves_nothing_behind(tmp_path):
    from projects.models import Proposal

    out = io.StringIO()
    markdown = tmp_path / "quality.md"
    call_command("evaluate_cases", "--check", "--markdown", str(markdown), stdout=out)
    text = out.getvalue()
    assert "expected \\ given" in text
    assert "recall good fit" in text and "misses: " in text and "goal met" in text
    assert "| **not a fit** |" in markdown.read_text()
    assert Proposal.objects.count() == 0  # the run is rolled back


@pytest.mark.django_db
def test_a_miss_is_listed_with_its_deciding_criteria_and_check_fails(tmp_path):
    (case, document) = next((c, d) for c, d in load_cases(CASES_DIR) if c.expected == "not_a_fit")
    wrong = {
        "case": {
            "id": "wrong",
            "title": case.title,
            "source": {"reference": case.reference},
            "tags": [],
            "expected_verdict": "good_fit",
            "deciding": list(case.deciding),
            "why": "Deliberately wrong, to see a miss.",
        },
        "document": document,
    }
    (tmp_path / "wrong.json").write_text(json.dumps(wrong))
    out = io.StringIO()
    with pytest.raises(CommandError, match="not met"):
        call_command("evaluate_cases", str(tmp_path), "--check", stdout=out)
    text = out.getvalue()
    assert "wrong: expected good fit, given not a fit" in text
    assert f"deciding (case): {', '.join(case.deciding)}" in text


@pytest.mark.django_db
def test_a_malformed_case_file_is_refused_naming_it(tmp_path):
    (tmp_path / "broken.json").write_text('{"case": {}, "document": {}}')
    with pytest.raises(CommandError, match=r"broken\.json"):
        call_command("evaluate_cases", str(tmp_path))


def test_markdown_lists_every_case_with_its_source():
    from suitability.decision_quality import Case, evaluate

    case = Case("a", "A | b", "Ref", "https://example.org/a", (), "good_fit", ("scale",), "Why.")
    result = {"verdict": "good_fit", "findings": [{"criterion": "scale", "status": "met"}], "blockers": []}
    text = as_markdown(evaluate([(case, result)]), details={"a": []}, command="cmd")
    assert "| A \\| b | good fit | good fit | the score | [Ref](https://example.org/a) |" in text
