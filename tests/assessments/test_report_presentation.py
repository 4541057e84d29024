"""The report in print form (reports/present.py): must-haves as a grid, empty states that say why
and what to do, the Pareto set in one sentence, ≤ and ≥, no answer keys in prose."""

from django.urls import reverse

from reports.pdf import report_html
from reports.present import keep_together, must_have_grid, pareto_sentence, prose
from tests.factories import add_stakeholder, assess, computed, req
from tests.html import parse


def test_prose_prints_comparisons_and_spells_answer_keys():
    assert prose("p95 latency <= 50 ms and quality >= 0.9") == "p95 latency ≤ 50 ms and quality ≥ 0.9"
    assert prose("not versioned like code (data_versioned: no).") == (
        "not versioned like code (answer to “Data versioned”: no)."
    )
    assert prose("labels_available = no") == "“Labels available” = no"


def test_the_grid_has_a_column_per_must_have_and_a_row_per_approach_ruled_out():
    def failure(rid, stated, offered, who="Dana"):
        return {"kind": "must_have", "requirement_id": rid, "stakeholder_name": who, "stated": stated,
                "approach_value": offered}  # fmt: skip

    latency = failure("1", "p95 latency <= 50 ms", "120 ms")
    explain = failure("2", "interpretability >= global", "none")
    no_labels = {"kind": "no_labels", "requirement_id": "", "stated": "labels_available = no",
                 "approach_value": "needs labelled examples"}  # fmt: skip
    results = {
        "ranking": [{"key": "linear"}],
        "filtered_out": [
            {"key": "deep", "label": "Deep model", "ml": True, "failures": [latency, explain]},
            {"key": "gbdt", "label": "Trees", "ml": True, "failures": [explain]},
            {"key": "any", "label": "Model", "ml": True, "failures": [no_labels]},
        ],
    }
    grid = must_have_grid(results)
    assert grid["columns"] == [
        {"required": "p95 latency ≤ 50 ms", "who": "Dana"},
        {"required": "interpretability ≥ global", "who": "Dana"},
        {"required": "Labelled examples to train on", "who": "the suitability answers"},
    ]
    assert [[(c["passes"], c["offered"]) for c in row["cells"]] for row in grid["rows"]] == [
        [(False, "120 ms"), (False, "none"), (True, "")],
        [(True, ""), (False, "none"), (True, "")],
        [(True, ""), (True, ""), (False, "needs labelled examples")],
    ]
    assert grid["left"] == 1


def test_the_pareto_sentence_says_why_most_approaches_are_in_it():
    assert pareto_sentence(in_set=2, ranked=9, requirements_stated=True).startswith("2 of the 9 approaches left")
    crowded = pareto_sentence(in_set=7, ranked=9, requirements_stated=False)
    assert "no requirements stated yet" in crowded
    assert pareto_sentence(in_set=0, ranked=0, requirements_stated=False) == ""


def test_a_report_without_requirements_says_why_and_what_to_do(world, questionnaire_version):
    assess(world.proposal, world.owner)
    add_stakeholder(world.proposal, name="Ann Product", role="product", requirements=[], by=world.owner)
    report = computed(world.proposal, world.owner)
    page = parse(world.client_for(world.member).get(reverse("reports:detail", args=[world.proposal.pk, report.pk])))
    assert not page.has("#satisfaction table")
    assert page.text("#satisfaction .empty-state").startswith("The stakeholders have not stated any requirements yet")
    assert ("Stakeholders and their requirements", reverse("stakeholders:list", args=[world.proposal.pk])) in (
        page.links("#satisfaction")
    )
    assert "no requirements stated yet" in page.text("#pareto .pareto-why")
    risks = page.text("#risks")
    assert "data_versioned" not in risks and "“Data versioned”" in risks


def test_must_haves_read_as_a_grid(world, questionnaire_version):
    assess(world.proposal, world.owner)
    add_stakeholder(
        world.proposal,
        name="Dana Platform",
        role="ml_platform",
        requirements=[
            req("latency", "<=", 50.0, "ms", must=True),
            req("interpretability", ">=", "per_prediction", "level", must=True),
        ],
        by=world.owner,
    )
    report = computed(world.proposal, world.owner)
    page = parse(world.client_for(world.member).get(reverse("reports:detail", args=[world.proposal.pk, report.pk])))
    rows = {row["Approach"]: row for row in page.table("#must-haves")}
    assert rows["Deep model"] == {
        "Approach": "Deep model",
        "p95 latency ≤ 50 ms asked by Dana Platform": "fails: offers 120 ms",
        "interpretability ≥ per prediction asked by Dana Platform": "fails: offers none",
    }
    assert rows["Gradient-boosted trees"]["p95 latency ≤ 50 ms asked by Dana Platform"] == "meets it"
    assert page.count("#filtered li") == 0 and "<=" not in page.text("main") and ">=" not in page.text("main")


def test_the_cover_keeps_short_words_with_the_next():
    text = keep_together("ML fits, with one caveat (personal data); Linear or logistic model leads the report.")
    # A line may break only at a plain space: never right after a short word, nor before the last.
    assert " ".join(text.split(" ")) == text and "with\u00a0one" in text and "or\u00a0logistic" in text
    assert "the\u00a0report." in text and text.count(" ") == 9
    assert keep_together("Cost") == "Cost"


def test_the_pdf_says_where_the_proposal_stands_and_states_requirements_in_words(world, questionnaire_version):
    assess(world.proposal, world.owner)
    add_stakeholder(
        world.proposal,
        name="Dana Platform",
        role="ml_platform",
        requirements=[
            req("interpretability", ">=", "per_prediction", "level", must=True),
            req("cost", "<=", 900, "per_month"),
        ],
        by=world.owner,
    )
    report = computed(world.proposal, world.owner)
    page = parse(report_html(report))
    assert page.text("#signoffs .state").startswith(
        "The proposal is still a draft: it has not been submitted for review."
    )
    stated = page.table(".t-stakeholders")[0]["Requirements"]
    assert stated == "Cost ≤ 900 a month, weight 3 Interpretability ≥ per-prediction explanations (must-have)"
    text = page.text("body")
    assert "per_prediction" not in text and "<=" not in text and ">=" not in text
    assert "as this PDF is made" not in text
    assert page.links("#satisfaction") == []  # no links into the app from a printed page
    assert page.one("h1").get_text() == keep_together(world.proposal.title)
