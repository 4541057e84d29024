"""Every form, posted with generated junk: never a 5xx, and a refused form keeps what was typed.

One test per form (or per view that reads a post), each a hypothesis property over the Django
test client. The junk comes from tests/fuzz/conftest.py: arbitrary unicode with control
characters, text past every length limit, numbers too large for any column, numbers that are not
numbers, and fields left out altogether.
"""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Invitation, Role
from accounts.services import invitation_create
from projects.models import Proposal
from questionnaires.engine.schema import LONG_TEXT, MULTIPLE_CHOICE, NUMBER, SCALE, SHORT_TEXT
from questionnaires.models import Assessment
from questionnaires.versions import engine_questionnaire, latest_version
from stakeholders.models import Conflict, ConflictStatus
from stakeholders.questionnaire import STAKEHOLDER_KEY
from stakeholders.services import conflict_reopen, requirement_save, stake_roles, stakeholder_add, stakeholder_invite
from suitability.services import assessment_start
from tests.fuzz.conftest import FUZZ, assert_answered, junk, nasty_number, nasty_text, same_text, shown_values

VALID_PROPOSAL = {
    "title": "Flag suspicious refunds",
    "problem": "Refund fraud costs 400k a year.",
    "decision": "Send a refund to manual review.",
    "business_objective": "Cut losses",
    "success_metric": "Fraud caught per review hour",
    "success_target": "Twice today's rate",
    "baseline_description": "Random 5% sample",
    "baseline_performance": "20% of fraud caught",
    "intended_users": "Risk team",
    "data_sources": "Three years of refunds",
    "expected_volume": "30000",
    "volume_period": "day",
    "deadline": "2027-03-01",
    "estimated_value": "120000",
    "team": "",
    "owner": "",
    "visibility": "organisation",
}
# Fields the page draws as text (an input or a textarea): whatever was typed is shown back.
TYPED_FIELDS = [
    "title",
    "problem",
    "decision",
    "business_objective",
    "success_metric",
    "success_target",
    "baseline_description",
    "baseline_performance",
    "intended_users",
    "data_sources",
    "expected_volume",
    "deadline",
    "estimated_value",
]
CHOICE_FIELDS = ["volume_period", "team", "owner", "visibility"]

# A post with some fields replaced by junk and some left out.
proposal_changes = st.dictionaries(
    st.sampled_from([*TYPED_FIELDS, *CHOICE_FIELDS, "version", "draft_key"]), junk, max_size=6
)
dropped = st.sets(st.sampled_from(list(VALID_PROPOSAL)), max_size=3)


def proposal_post(changes: dict, drop: set) -> dict:
    data = {**VALID_PROPOSAL, **changes}
    return {k: v for k, v in data.items() if k not in drop or k in changes}


def assert_typed_values_kept(response, data: dict) -> None:
    """The refused form is drawn again with every typed value in its own field."""
    shown = shown_values(response)
    assert "title" in shown and "problem" in shown, "the refused form was not drawn again"
    for name in TYPED_FIELDS:
        # A field the page does not draw (estimated_value, for now) has nothing to keep.
        if name in data and name in shown:
            assert len(shown[name]) == 1 and same_text(shown[name][0], data[name]), (
                f"{name}: posted {data[name]!r}, shown {shown[name]!r}"
            )


@pytest.fixture
def owner_client(world) -> Client:
    return world.client_for(world.owner)


@FUZZ
@given(changes=proposal_changes, drop=dropped)
def test_the_intake_form_answers_junk_and_keeps_what_was_typed(world, owner_client, changes, drop):
    data = proposal_post(changes, drop)
    before = Proposal.objects.count()
    response = owner_client.post(reverse("projects:create"), data)
    assert_answered(response, allowed=(302, 400))
    if response.status_code == 400:
        assert Proposal.objects.count() == before
        assert_typed_values_kept(response, data)


@FUZZ
@given(changes=proposal_changes, drop=dropped)
def test_the_edit_form_answers_junk_and_keeps_what_was_typed(world, owner_client, changes, drop):
    data = proposal_post(changes, drop)
    response = owner_client.post(reverse("projects:edit", args=[world.proposal.pk]), data)
    assert_answered(response, allowed=(302, 400, 409))
    if response.status_code in (400, 409):
        assert_typed_values_kept(response, data)


@FUZZ
@given(data=st.dictionaries(st.sampled_from([*VALID_PROPOSAL, "version", "draft_key"]), junk, max_size=8))
def test_autosave_keeps_any_draft_without_failing(world, owner_client, data):
    for url in (reverse("projects:autosave_new"), reverse("projects:autosave", args=[world.proposal.pk])):
        assert_answered(owner_client.post(url, data), allowed=(200,))
    # And the form it restores from that draft opens.
    assert_answered(owner_client.get(reverse("projects:create")), allowed=(200,))
    assert_answered(owner_client.get(reverse("projects:edit", args=[world.proposal.pk])), allowed=(200,))


@FUZZ
@given(
    query=st.dictionaries(st.sampled_from(["q", "status", "team", "owner", "sort", "page"]), junk, max_size=5),
)
def test_the_proposal_list_answers_any_filter(world, owner_client, query):
    response = owner_client.get(reverse("projects:list"), query)
    assert_answered(response, allowed=(200, 400))
    if response.status_code == 400 and "q" in query:
        assert same_text(shown_values(response).get("q", [query["q"]])[0], query["q"])


@FUZZ
@given(username=nasty_text, password=nasty_text)
def test_sign_in_answers_junk_and_keeps_the_email(db, username, password):
    response = Client().post(reverse("login"), {"username": username, "password": password})
    assert_answered(response, allowed=(200,))
    assert same_text(shown_values(response)["username"][0], username)


@FUZZ
@given(
    data=st.fixed_dictionaries({}, optional={"old_password": nasty_text, "new_password1": junk, "new_password2": junk})
)
def test_password_change_answers_junk(world, owner_client, data):
    assert_answered(owner_client.post(reverse("password_change"), data), allowed=(200, 302))


@FUZZ
@given(email=nasty_text)
def test_password_reset_answers_junk(db, email):
    # 429: the reset form is rate limited, and the examples come faster than any person.
    assert_answered(Client().post(reverse("password_reset"), {"email": email}), allowed=(200, 302, 429))


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"email": nasty_text, "role": junk}))
def test_the_invitation_form_answers_junk_and_keeps_the_email(world, data):
    client = world.client_for(world.admin)
    response = client.post(reverse("accounts:members"), data)
    # 200: an empty post is the page, not a refused form (the view binds `request.POST or None`).
    assert_answered(response, allowed=(200, 302, 400) if not data else (302, 400))
    if response.status_code == 400 and "email" in data:
        assert same_text(shown_values(response)["email"][0], data["email"])


@FUZZ
@given(role=junk, pk=st.one_of(st.integers(min_value=0, max_value=2**31 - 1), st.just(None)))
def test_the_role_form_answers_junk(world, role, pk):
    client = world.client_for(world.admin)
    target = pk if pk is not None else world.org.memberships.get(user=world.member).pk
    response = client.post(reverse("membership_role", args=[target]), {"role": role})
    assert_answered(response, allowed=(302, 404))


@FUZZ
@given(organisation=junk)
def test_switching_organisation_answers_junk(world, owner_client, organisation):
    response = owner_client.post(reverse("accounts:switch"), {"organisation": organisation})
    assert_answered(response, allowed=(302,))


@FUZZ
@given(name=nasty_text)
def test_the_api_token_form_answers_junk_and_keeps_the_name(world, owner_client, name):
    response = owner_client.post(reverse("accounts:api_tokens"), {"name": name})
    assert_answered(response, allowed=(200, 400))


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"name": nasty_text, "password1": junk, "password2": junk}))
def test_accepting_an_invitation_answers_junk_and_keeps_the_name(world, data):
    # A new invitation for each example: one that an example accepted is used up.
    email = f"newcomer-{Invitation.objects.count()}@acme.test"
    _, token = invitation_create(
        organisation=world.org, email=email, role=Role.MEMBER, invited_by=world.admin, accept_url=lambda raw: raw
    )
    response = Client().post(reverse("accounts:invitation_accept", args=[token]), data)
    assert_answered(response, allowed=(200, 302, 400) if not data else (302, 400))
    if response.status_code == 400 and "name" in data:
        assert same_text(shown_values(response)["name"][0], data["name"])


# --- stakeholders --------------------------------------------------------------------------------


@pytest.fixture
def stakeholders(world):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    pat = stakeholder_add(
        proposal=world.proposal,
        role=roles["product"],
        by=world.owner,
        link_url=lambda s, raw: raw,
        name="Pat Product",
        email="pat@example.test",
    )
    eng = stakeholder_add(
        proposal=world.proposal,
        role=roles["ml_engineering"],
        by=world.owner,
        link_url=lambda s, raw: raw,
        user=world.member,
    )
    for who, where in ((pat, "phone"), (eng, "server")):
        requirement_save(
            stakeholder=who,
            dimension="deployment",
            data={"op": "==", "value": where, "unit": "", "must_have": True, "weight": 5, "metric": ""},
            by=world.owner,
        )
    requirement_save(
        stakeholder=pat,
        dimension="latency",
        data={"op": "<=", "value": 500.0, "unit": "ms", "must_have": False, "weight": 2, "metric": ""},
        by=world.owner,
    )
    return pat, eng


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"member": junk, "name": nasty_text, "email": nasty_text, "role": junk}))
def test_the_stakeholder_form_answers_junk_and_keeps_what_was_typed(world, owner_client, stakeholders, data):
    response = owner_client.post(reverse("stakeholders:list", args=[world.proposal.pk]), data)
    assert_answered(response, allowed=(200, 302, 400) if not data else (302, 400))
    if response.status_code == 400:
        shown = shown_values(response)
        for name in ("name", "email"):
            if name in data:
                assert same_text(shown[name][0], data[name]), name


# Their value is a select: a value not among its options cannot be shown selected.
CHOICE_DIMENSIONS = ("deployment", "interpretability")


@FUZZ
@given(
    dimension=st.sampled_from(["latency", "quality", "cost", "deployment", "interpretability", "throughput"]),
    data=st.fixed_dictionaries(
        {},
        optional={
            "op": st.one_of(st.sampled_from(["<=", ">=", "=="]), nasty_text),
            "value": junk,
            "unit": st.one_of(st.sampled_from(["ms", "s", "%", ""]), nasty_text),
            "must_have": st.one_of(st.just("on"), nasty_text),
            "weight": nasty_number,
            "metric": nasty_text,
            "action": st.sampled_from(["save", "clear", ""]),
        },
    ),
)
def test_a_requirement_cell_answers_junk_and_keeps_the_value(world, owner_client, stakeholders, dimension, data):
    pat, _ = stakeholders
    url = reverse("stakeholders:cell", args=[world.proposal.pk, pat.pk, dimension])
    response = owner_client.post(url, data, headers={"HX-Request": "true"})
    assert_answered(response, allowed=(200, 400))
    if response.status_code == 400 and "value" in data and dimension not in CHOICE_DIMENSIONS:
        assert same_text(shown_values(response)["value"][0], data["value"])


@FUZZ
@given(choice=junk, action=st.sampled_from(["apply", "", "junk"]))
def test_the_pairwise_comparison_answers_junk(world, owner_client, stakeholders, choice, action):
    pat, _ = stakeholders
    url = reverse("stakeholders:compare", args=[world.proposal.pk, pat.pk])
    response = owner_client.post(url, {"deployment__latency": choice, "action": action})
    assert_answered(response, allowed=(200, 302, 400))


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"decision": nasty_text, "rationale": nasty_text, "action": junk}))
def test_resolving_a_conflict_answers_junk_and_keeps_the_decision(world, owner_client, stakeholders, data):
    conflict = Conflict.objects.filter(proposal=world.proposal).first()
    assert conflict is not None, "the fixture's two deployments should conflict"
    if conflict.status == ConflictStatus.RESOLVED:
        # An earlier example resolved it; the page draws the form only for an open conflict.
        conflict_reopen(conflict=conflict, rationale="", by=world.owner)
    response = owner_client.post(reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk]), data)
    assert_answered(response, allowed=(200, 302, 400) if not data else (302, 400))
    if response.status_code == 400 and "decision" in data:
        assert same_text(shown_values(response)["decision"][0], data["decision"])


# --- questionnaires ------------------------------------------------------------------------------


def answer_for(question) -> st.SearchStrategy:
    """Junk shaped for the question: text questions get nasty text (NUL included), numbers get
    numbers too large or not numbers at all, choices get options that do not exist."""
    valid = [o.value for o in question.options] or ["yes", "no", "unknown", "1", "5"]
    if question.type in (SHORT_TEXT, LONG_TEXT):
        return st.one_of(nasty_text, nasty_text.map(lambda text: f"{text}\x00{text}"))
    if question.type == MULTIPLE_CHOICE:
        return st.lists(st.one_of(st.sampled_from(valid), nasty_text), max_size=3)
    if question.type in (NUMBER, SCALE):
        return nasty_number
    return st.one_of(st.sampled_from(valid), junk)


def answers_strategy(questions):
    """Posts answering some of the questions with junk, and naming a question that does not exist.

    Text questions are few among many choices, and what breaks a database (NUL) is text: they are
    drawn half the time, so that every run tries some.
    """
    by_key = {q.key: q for q in questions}
    texts = [q.key for q in questions if q.type in (SHORT_TEXT, LONG_TEXT)]
    first = st.one_of(st.sampled_from(texts), st.sampled_from(list(by_key))) if texts else st.sampled_from(list(by_key))
    keys = st.tuples(first, st.lists(st.sampled_from(list(by_key)), max_size=5)).map(
        lambda pair: list(dict.fromkeys([pair[0], *pair[1]]))
    )
    return st.tuples(
        keys.flatmap(lambda keys: st.fixed_dictionaries({k: answer_for(by_key[k]) for k in keys})),
        st.dictionaries(nasty_text, junk, max_size=1),
    ).map(lambda pair: {**pair[1], **pair[0]})


def as_post(answers: dict, nav: str) -> dict:
    data = {"_shown": list(answers), **answers}
    for key in list(answers):
        if isinstance(answers[key], str) and answers[key] == "":
            data[f"{key}__unknown"] = "on"
    if nav:
        data["nav"] = nav
    return data


@FUZZ
@given(data=st.data(), nav=st.sampled_from(["", "next", "back", "review", "junk"]), htmx=st.booleans())
def test_the_wizard_answers_junk_and_keeps_what_was_typed(world, owner_client, questionnaire_version, data, nav, htmx):
    assessment = Assessment.objects.filter(proposal=world.proposal).first() or assessment_start(
        proposal=world.proposal, by=world.owner
    )
    questionnaire = engine_questionnaire(questionnaire_version)
    with_text = [s for s in questionnaire.sections if any(q.type in (SHORT_TEXT, LONG_TEXT) for q in s.questions)]
    section = data.draw(st.one_of(st.sampled_from(with_text), st.sampled_from(questionnaire.sections)))
    answers = data.draw(answers_strategy(section.questions))
    url = reverse("assessments:section", args=[world.proposal.pk, assessment.pk, section.key])
    response = owner_client.post(url, as_post(answers, nav), headers={"HX-Request": "true"} if htmx else {})
    assert_answered(response, allowed=(200, 302, 400))
    if response.status_code == 400:
        assert_text_answers_kept(response, questionnaire, answers)


def assert_text_answers_kept(response, questionnaire, answers: dict) -> None:
    """A refused page shows each text answer as typed (refused) or as saved (stripped)."""
    shown = shown_values(response)
    for key, value in answers.items():
        is_text = questionnaire.has_question(key) and questionnaire.question(key).type in (SHORT_TEXT, LONG_TEXT)
        if is_text and key in shown:  # a question hidden by another answer is not drawn
            assert len(shown[key]) == 1 and same_text(shown[key][0], value), key


@FUZZ
@given(data=st.data(), action=st.sampled_from(["", "submit"]), via_link=st.booleans())
def test_the_stakeholder_questionnaire_answers_junk(world, stakeholders, questionnaire_version, data, action, via_link):
    pat, eng = stakeholders
    version = latest_version(STAKEHOLDER_KEY)
    questionnaire = engine_questionnaire(version)
    answers = data.draw(answers_strategy(questionnaire.questions))
    post = {**as_post(answers, ""), "action": action}
    if via_link:
        raw = stakeholder_invite(stakeholder=pat, by=world.owner, link_url=lambda s, raw: raw)
        response = Client().post(reverse("requirements_link", args=[raw]), post)
    else:
        client = world.client_for(world.member)
        response = client.post(reverse("stakeholder_questionnaire", args=[world.proposal.pk, eng.pk]), post)
    assert_answered(response, allowed=(200, 302, 400, 404))
    if response.status_code == 400:
        assert_text_answers_kept(response, questionnaire, answers)
