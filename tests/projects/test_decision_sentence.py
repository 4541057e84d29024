"""The decision in one sentence (projects/decision.py): verdict, gates and report joined."""

import pytest

from projects.decision import ReportGist, decision_sentence


@pytest.mark.parametrize(
    ("verdict", "kwargs", "report", "expected"),
    [
        (
            "fit_with_caveats",
            {"gates": ["Costly mistakes", "Personal data"]},
            ReportGist(lead=None, relax=["Dana's p95 latency <= 50 ms", "Ada's accuracy >= 0.95"]),
            "ML fits, with two caveats (costly mistakes and personal data); no approach meets every must-have:"
            " relax Dana's p95 latency <= 50 ms or Ada's accuracy >= 0.95.",
        ),
        (
            "good_fit",
            {},
            ReportGist(lead="Gradient-boosted trees"),
            "ML is a good fit; Gradient-boosted trees leads the trade-off report.",
        ),
        (
            "not_a_fit",
            {"blockers": ["Launch the heuristic first"]},
            ReportGist(lead="Rules or a heuristic", lead_is_ml=False),
            "ML is not the tool here yet (launch the heuristic first); Rules or a heuristic, without ML, leads the"
            " trade-off report.",
        ),
        ("not_a_fit", {}, None, "ML is not a good fit here yet: the answers score too low; no trade-off report yet."),
        (None, {}, None, "ML suitability is not assessed yet; no trade-off report yet."),
        (
            "fit_with_caveats",
            {"held_back": ["Existing data"]},
            ReportGist(lead="Logistic regression", out_of_date=True),
            "ML fits, with one caveat (existing data); Logistic regression leads the trade-off report"
            " (out of date: the inputs changed since).",
        ),
    ],
)
def test_one_sentence_joins_the_verdict_what_holds_it_and_the_report(verdict, kwargs, report, expected):
    assert decision_sentence(verdict, report=report, **kwargs) == expected


def test_a_good_fit_never_reads_beside_a_report_that_rules_everything_out_as_two_statements():
    sentence = decision_sentence("good_fit", report=ReportGist(lead=None))
    assert sentence == "ML is a good fit; no approach meets every must-have."
    assert sentence.count(".") == 1  # one sentence
