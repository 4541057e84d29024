"""The history page reads as prose and tables: names, labels and values in the product's words;
answers given in one sitting are one row with the detail on demand; filters by kind and person;
the exports keep every detail as stored."""

import json
import re
from datetime import timedelta
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from projects.history import history_rows, requirement_text, value_text
from questionnaires.models import Assessment
from tests.factories import build_scenario, computed
from tests.html import parse

# What a person must never read: dotted action keys, snake_case keys, dict reprs, ids for names.
RAW = [
    re.compile(r"\b[a-z]+\.[a-z_]+\b"),  # review.signoff
    re.compile(r"\b[a-z]+_[a-z_]+\b"),  # in_review, data_versioned
    re.compile(r"\{'|'\}|': "),  # {'op': '<=', ...}
    re.compile(r"\bby \d+\b|\bfor \d+\b"),  # "Approved by 4", "v1 for 66"
    re.compile(r"<=|>="),  # ASCII comparison in prose
]


def raw_in(text: str) -> list[str]:
    # Email addresses legitimately contain dots; they are names here, not keys.
    text = re.sub(r"\S+@\S+", "", text)
    return [m.group(0) for pattern in RAW for m in pattern.finditer(text)]


def history(client, proposal, **params):
    return client.get(reverse("projects:history", args=[proposal.pk]), params)


def test_values_read_in_the_products_words():
    assert requirement_text({"op": "<=", "value": 800.0, "unit": "ms", "must_have": True, "weight": 4}) == (
        "≤ 800 ms, must-have, weight 4"
    )
    assert requirement_text({"op": ">=", "value": "per_prediction", "unit": "level"}) == "≥ per-prediction explanations"
    assert value_text("status", "in_review") == "In review"
    assert value_text("verdict", "fit_with_caveats") == "Fit with caveats"
    assert value_text("rule_complexity", "many_rules") == "many rules"
    assert value_text("deadline", "2027-03-01") == "1 Mar 2027"
    assert value_text("cost", {"op": "<=", "value": 2000, "unit": "per_month"}) == "≤ 2,000 a month"
    assert value_text("anything", None) == "—"


def test_answers_in_one_sitting_are_one_row():
    now = timezone.now()

    def saved(minutes_ago, key, value, who=1, assessment="5"):
        return SimpleNamespace(
            action="answers.saved", actor_id=who, actor_label=f"Person {who}", object_type="suitability answers",
            object_id=assessment, object_label="ML suitability v1 for 66", reason="",
            before={key: None}, after={key: value}, created_at=now - timedelta(minutes=minutes_ago),
        )  # fmt: skip

    entries = [
        saved(0, "has_data", "yes"),
        saved(5, "error_cost", "moderate"),
        saved(9, "has_data", "no"),  # changed again later: the row keeps the latest value
        saved(100, "has_data", "no"),  # a later sitting: more than 30 minutes apart
        saved(101, "has_data", "no", who=2),  # someone else
    ]
    rows = history_rows(entries)
    assert [(r.label, r.who, r.count) for r in rows] == [
        ("2 answers saved", "Person 1", 3),
        ("Answer saved", "Person 1", 1),
        ("Answer saved", "Person 2", 1),
    ]
    assert [(c.label, c.after) for c in rows[0].changes] == [("Has data", "yes"), ("Error cost", "moderate")]
    assert rows[0].subject == "ML suitability v1"
    assert rows[0].until == entries[0].created_at and rows[0].when == entries[2].created_at


def test_a_fresh_proposal_reads_without_raw_keys_dicts_or_ids(world, questionnaire_version):
    build_scenario(world)
    report = computed(world.proposal, world.owner)
    # A review round as stakeholders/review.py records it (submitting needs sign-off roles filled).
    for action, before, after in [
        ("review.submit", {"status": "draft", "review_round": 0}, {"status": "submitted", "review_round": 1}),
        ("review.approve", {"status": "submitted", "review_round": 1}, {"status": "in_review", "review_round": 1}),
    ]:
        audit_record(
            organisation=world.org, proposal=world.proposal, obj=world.proposal, action=action, actor=world.reviewer,
            before=before, after=after, reason="Looks right." if action == "review.approve" else "", only_changes=False,
        )  # fmt: skip
    # Three answers changed one by one in the wizard, as questionnaires/services.py records them.
    assessment = Assessment.objects.get(proposal=world.proposal, stakeholder=None)
    for key, before, after in [
        ("error_cost", "moderate", "high"),
        ("has_data", "yes", "no"),
        ("expert_accuracy", 4, 3),
    ]:
        audit_record(
            organisation=world.org, proposal=world.proposal, obj=assessment, object_type="suitability answers",
            action="answers.saved", actor=world.owner, before={key: before}, after={key: after},
        )  # fmt: skip
    AuditEntry.objects.create(
        organisation=world.org,
        proposal=world.proposal,
        actor=world.reviewer,
        actor_label=str(world.reviewer),
        action="review.signoff",
        object_type="signoff",
        object_id="9",
        object_label=f"Approved by {world.reviewer.pk} (round 1)",
        after={
            "decision": "approve",
            "role": "ML engineering",
            "round": 1,
            "report_id": report.pk,
            "rationale": "Looks right.",
            "acknowledgements": [{"key": "not_a_fit", "reason": "We accept the rules."}],
        },
    )
    client = world.client_for(world.member)
    page = parse(history(client, world.proposal))
    text = page.text("main")
    assert raw_in(text) == [], raw_in(text)
    rows = page.table("#audit")
    answers = [r for r in rows if "answers saved" in r["What"]]
    # The three changes were one sitting: one row, not one per save (the first answers, saved
    # before the assessment was completed and the stakeholders added, are a sitting of their own).
    first = AuditEntry.objects.filter(action="answers.saved").earliest("id")
    assert [a["What"].split(" ML")[0] for a in answers] == ["3 answers saved", f"{len(first.after)} answers saved"]
    assert answers[0]["Who"] == str(world.owner)
    assert "Error cost moderate → high" in answers[0]["Changes"]
    assert page.count("#audit details") >= 1
    assert any("Latency (p95)" in r["Changes"] and "≤ 200 ms" in r["Changes"] for r in rows)
    assert any(r["What"].startswith("Submitted for review") and "Draft → Submitted" in r["Changes"] for r in rows)
    signoff = next(r for r in rows if r["What"].startswith("Sign-off recorded"))
    assert "Approved · as ML engineering · round 1" in signoff["What"]
    assert f"report #{report.pk}" in signoff["Changes"] and "Not a fit: We accept the rules." in signoff["Changes"]
    assert AuditEntry.objects.filter(proposal=world.proposal).count() > len(rows)
    # The export keeps the stored detail, raw keys and all.
    exported = json.loads(b"".join(history(client, world.proposal, format="json").streaming_content))
    assert {"answers.saved", "requirements.replaced", "review.submit"} <= {e["action"] for e in exported}
    latency = next(e for e in exported if e["action"] == "requirements.replaced" and "latency" in e["after"])
    assert latency["after"]["latency"]["op"] == "<=" and latency["after"]["latency"]["value"] == 200.0
    assert report.pk


def test_filters_by_kind_and_person(world, questionnaire_version):
    build_scenario(world)
    AuditEntry.objects.create(
        organisation=world.org, proposal=world.proposal, actor=None, actor_label="Pat Product",
        action="requirements.replaced", object_type="requirements", object_label="Pat Product (Product)",
        before={}, after={"cost": {"op": "<=", "value": 10, "unit": "per_month"}},
    )  # fmt: skip
    client = world.client_for(world.member)
    page = parse(history(client, world.proposal, kind="stakeholder"))
    whats = [r["What"] for r in page.table("#audit")]
    assert whats and all(w.startswith("Stakeholder added") for w in whats)
    assert [o.label for o in page.options("select[name=who]")] == ["Anyone", "Pat Product", str(world.owner)]
    by_pat = parse(history(client, world.proposal, who="Pat Product")).table("#audit")
    assert [r["Who"] for r in by_pat] == ["Pat Product"]
    # Bad input: an unknown kind shows everything, an unknown person nothing; never a 500.
    assert history(client, world.proposal, kind="<script>").status_code == 200
    nobody = parse(history(client, world.proposal, who="Nobody", page="x"))
    assert nobody.text("#audit tbody").startswith("No changes of this kind or by this person")


def test_the_page_costs_the_same_queries_however_long_the_history(world, questionnaire_version):
    audit_record(
        organisation=world.org, proposal=world.proposal, obj=world.proposal, action="proposal.created", after={}
    )
    client = world.client_for(world.member)
    history(client, world.proposal)
    with CaptureQueriesContext(connection) as short:
        history(client, world.proposal)
    build_scenario(world)
    with CaptureQueriesContext(connection) as long:
        history(client, world.proposal)
    assert len(long) == len(short)


def test_the_eu_ai_act_triage_reads_in_words_and_has_its_own_kind(world, questionnaire_version):
    from regulation.services import screening_save, screening_start
    from tests.regulation.answers import CV_SCREENING

    screening = screening_start(proposal=world.proposal, by=world.owner)
    screening.proposal = world.proposal
    screening_save(assessment=screening, raw=CV_SCREENING, by=world.owner)
    client = world.client_for(world.member)
    page = parse(history(client, world.proposal, kind="ai_act"))
    whats = [r["What"] for r in page.table("#audit")]
    assert whats and all(w.startswith("EU AI Act") for w in whats), whats
    assert "EU AI Act triage" in [o.label for o in page.options("select[name=kind]")]
    assert not raw_in(page.text("#audit"))
