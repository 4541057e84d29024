"""The input boundary (accounts.inputs) at every way in: forms, the API, the import, ids in posts
and query strings, and the charset a body declares. Each case was a 500 or a silent failure
(issue 15); each answers a 4xx that names the field now, and a refused form keeps what was typed.

Run on PostgreSQL too: NUL in text is refused there by the database itself, not here.
"""

import json
import re
import typing
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from pydantic import BaseModel

from accounts.inputs import MAX_ID, TEXT_VALIDATORS, InputRefused, clean_text, parse_id
from accounts.models import ApiToken
from projects.comments import CommentError, comment_add
from projects.models import Comment, Proposal
from stakeholders.models import Conflict, Stakeholder, StakeRole
from stakeholders.services import requirement_save, stake_roles, stakeholder_add
from tests.conftest import membership
from tests.fuzz.conftest import same_text, shown_values
from tests.html import parse
from transfer.document import ImportRejected
from transfer.write import import_proposals

EXAMPLE = json.loads((Path(settings.BASE_DIR) / "docs" / "example-import.json").read_text())


# --- the module itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "says"),
    [
        ("a\x00b", True, "null character"),
        ("a\ud800b", True, "lone surrogate"),
        ("a\udfffb", False, "lone surrogate"),
        ("bell\x07", True, "control character U+0007"),
        ("del\x7f", True, "control character U+007F"),
        ("c1\x85", True, "control character U+0085"),
        ("a\nb", False, "one line"),
        ("a\rb", False, "one line"),
        ("a\u2028b", False, "one line"),
        ("a\x0bb", False, "one line"),
    ],
)
def test_clean_text_refuses_with_the_field_named(value, multiline, says):
    with pytest.raises(InputRefused) as refused:
        clean_text(value, field="Title", multiline=multiline)
    assert str(refused.value).startswith("Title: ")
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("value", "multiline"),
    [("tab\there", False), ("two\nlines\r\n", True), ("😀 e\u0301 \u202e ١٢", False), ("", False)],
)
def test_clean_text_keeps_what_people_type(value, multiline):
    assert clean_text(value, field="x", multiline=multiline) == value


def test_clean_text_counts_the_limit():
    assert clean_text("abc", field="x", multiline=False, max_length=3) == "abc"
    with pytest.raises(InputRefused, match="at most 2 characters"):
        clean_text("abc", field="x", multiline=False, max_length=2)


@pytest.mark.parametrize("value", ["²", "١٢", "１", "-1", "+1", " 1", "1 ", "1_000", "0x10", "1e3", "", "0", True, 1.0])
def test_parse_id_refuses_anything_but_ascii_digits_from_one(value):
    with pytest.raises(InputRefused, match=r"^report: must be an id"):
        parse_id(value, field="report")


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "9" * 400, "9" * 5000, MAX_ID + 1, 0, -5])
def test_parse_id_refuses_what_no_bigint_holds(value):
    with pytest.raises(InputRefused, match="from 1 to 9223372036854775807"):
        parse_id(value, field="id")


@pytest.mark.parametrize(("value", "number"), [("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), (7, 7)])
def test_parse_id_reads_ids(value, number):
    assert parse_id(value, field="id") == number


# --- ids parsed from posts and query strings -------------------------------------------------------


@pytest.fixture
def owner_client(world):
    client = world.client_for(world.owner)
    client.raise_request_exception = False
    return client


def assert_bad_request_says(response, *words: str) -> None:
    assert response.status_code == 400, response.content[:500]
    text = parse(response).text()
    for word in words:
        assert word in text, f"{word!r} not in the answer"


@pytest.mark.parametrize("digits", ["²", "١٢", "99999999999999999999999"])
def test_marking_notifications_read_with_a_non_ascii_id_is_a_400(owner_client, digits):
    response = owner_client.post(reverse("accounts:notifications_read"), {"id": digits})
    assert_bad_request_says(response, "notification: must be an id")


@pytest.mark.parametrize("digits", ["²", "١٢"])
def test_comparing_reports_by_non_ascii_ids_is_a_400(owner_client, world, digits):
    response = owner_client.get(reverse("reports:compare", args=[world.proposal.pk]), {"r": [digits, "1"]})
    assert_bad_request_says(response, "report: must be an id")


def test_a_reply_to_a_non_ascii_parent_is_a_400_and_posts_nothing(owner_client, world):
    response = owner_client.post(reverse("projects:comments", args=[world.proposal.pk]), {"body": "hi", "parent": "²"})
    assert_bad_request_says(response, "reply to: must be an id")
    assert not Comment.objects.exists()


def test_the_review_policy_with_a_non_ascii_role_id_changes_nothing(world):
    client = world.client_for(world.admin)
    roles = stake_roles(organisation=world.org)
    before = {r.pk: r.signoff_required for r in roles}
    response = client.post(reverse("review_policy"), {"required": [str(roles[0].pk), "²"]})
    assert_bad_request_says(response, "required role: must be an id")
    assert dict(StakeRole.objects.filter(organisation=world.org).values_list("pk", "signoff_required")) == before


@pytest.mark.parametrize("field", ["team", "owner"])
@pytest.mark.parametrize("digits", ["²", "١٢"])
def test_list_filters_with_non_ascii_ids_are_a_400_keeping_the_search(owner_client, field, digits):
    response = owner_client.get(reverse("projects:list"), {field: digits, "q": "tickets"})
    assert response.status_code == 400
    assert shown_values(response)["q"] == ["tickets"]


@pytest.mark.parametrize("pk", ["9223372036854775808", "99999999999999999999999"])
def test_an_id_in_a_url_past_bigint_is_a_404(owner_client, pk):
    assert owner_client.get(f"/proposals/{pk}/").status_code == 404


# --- NUL in search, comment, rationale and review-reason fields ---------------------------------


def test_a_search_with_nul_in_the_report_library_is_a_400_that_says_so(owner_client):
    response = owner_client.get(reverse("report_library"), {"q": "a\x00b", "status": "done"})
    assert_bad_request_says(response, "Search: contains a null character")


@pytest.mark.parametrize("url_name", ["projects:list", "projects:portfolio"])
def test_a_search_with_nul_in_the_lists_is_a_400_naming_the_field(owner_client, url_name):
    response = owner_client.get(reverse(url_name), {"q": "a\x00b"})
    assert_bad_request_says(response, "Search: contains a null character")


def test_a_comment_with_nul_is_refused_and_the_text_kept(owner_client, world):
    response = owner_client.post(reverse("projects:comments", args=[world.proposal.pk]), {"body": "keep\x00me"})
    assert_bad_request_says(response, "Comment: contains a null character")
    assert same_text(shown_values(response)["body"][0], "keep\x00me")
    assert not Comment.objects.exists()


def test_a_comment_with_a_control_character_is_refused_by_the_service(world):
    with pytest.raises(CommentError, match=re.escape("Comment: contains the control character U+0007")):
        comment_add(proposal=world.proposal, author=world.owner, body="ding\x07")


def test_a_review_reason_with_nul_is_a_400_keeping_the_reason(owner_client, world):
    response = owner_client.post(
        reverse("review", args=[world.proposal.pk]), {"action": "withdraw", "reason": "why\x00"}
    )
    assert_bad_request_says(response, "Reason: contains a null character")


@pytest.fixture
def conflict(world):
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    pat = stakeholder_add(
        proposal=world.proposal, role=roles["product"], by=world.owner, link_url=lambda s, raw: raw,
        name="Pat", email="pat@example.test",
    )  # fmt: skip
    eng = stakeholder_add(
        proposal=world.proposal, role=roles["ml_engineering"], by=world.owner, link_url=lambda s, raw: raw,
        user=world.member,
    )  # fmt: skip
    for who, where in ((pat, "phone"), (eng, "server")):
        data = {"op": "==", "value": where, "unit": "", "must_have": True, "weight": 5, "metric": ""}
        requirement_save(stakeholder=who, dimension="deployment", data=data, by=world.owner)
    found = Conflict.objects.filter(proposal=world.proposal).first()
    assert found is not None
    return found


def test_a_conflict_rationale_with_nul_is_refused_and_the_decision_kept(owner_client, world, conflict):
    url = reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk])
    response = owner_client.post(url, {"decision": "Relax latency", "rationale": "because\x00"})
    assert_bad_request_says(response, "Rationale: contains a null character")
    assert shown_values(response)["decision"] == ["Relax latency"]


def test_a_decision_with_a_line_break_is_refused_naming_it(owner_client, world, conflict):
    url = reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk])
    response = owner_client.post(url, {"decision": "Relax\nlatency", "rationale": "two\nlines are fine"})
    assert_bad_request_says(response, "Decision: must be on one line")
    assert shown_values(response)["rationale"] == ["two\nlines are fine"]


def test_reopening_with_a_nul_rationale_is_a_400(owner_client, world, conflict):
    url = reverse("stakeholders:conflict", args=[world.proposal.pk, conflict.pk])
    response = owner_client.post(url, {"action": "reopen", "rationale": "\x00"})
    assert_bad_request_says(response, "Rationale: contains a null character")


# --- line breaks and control characters in one-line fields of forms -------------------------------


def test_a_title_with_a_line_break_is_refused_and_the_other_fields_kept(owner_client):
    post = {"title": "Refunds\r\nBcc: everyone@example.test", "problem": "Two\nlines", "volume_period": "day"}
    response = owner_client.post(reverse("projects:create"), post)
    assert_bad_request_says(response, "Title: must be on one line")
    assert shown_values(response)["problem"] == ["Two\nlines"]
    assert not Proposal.objects.filter(title__startswith="Refunds").exists()


def test_a_title_with_a_control_character_is_refused(owner_client):
    response = owner_client.post(reverse("projects:create"), {"title": "bell\x07", "problem": "p"})
    assert_bad_request_says(response, "Title: contains the control character U+0007")


def test_a_stakeholder_name_with_a_line_break_is_refused_and_the_email_kept(owner_client, world):
    role = stake_roles(organisation=world.org)[0]
    post = {"name": "Pat\nBcc: x@example.test", "email": "pat@example.test", "role": str(role.pk)}
    response = owner_client.post(reverse("stakeholders:list", args=[world.proposal.pk]), post)
    assert_bad_request_says(response, "must be on one line")
    assert shown_values(response)["email"] == ["pat@example.test"]
    assert not Stakeholder.objects.exists()


def test_an_api_token_name_with_nul_is_refused_naming_it(owner_client):
    response = owner_client.post(reverse("accounts:api_tokens"), {"name": "tok\x00en"})
    assert "Name: contains a null character" in parse(response).text("#id_name_error")
    assert not ApiToken.objects.filter(name__startswith="tok").exists()


# --- a form's charset ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "charset", ["latin-1", "iso-8859-1", "windows-1252", "utf-16", "utf8", "us-ascii", "no-such-charset", '"x']
)
def test_a_form_posted_in_another_charset_is_a_400_that_says_so(owner_client, charset):
    response = owner_client.generic(
        "POST", reverse("projects:create"), b"title=caf%E9&problem=p",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )  # fmt: skip
    assert_bad_request_says(response, "send it as UTF-8")
    assert not Proposal.objects.filter(title__startswith="caf").exists()


def test_sign_in_posted_in_latin_1_is_a_400_too(db):
    from django.test import Client

    response = Client().generic(
        "POST", reverse("login"), b"username=a%E9@example.test&password=x",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )  # fmt: skip
    assert_bad_request_says(response, "send it as UTF-8")


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_a_form_declaring_utf_8_is_read(owner_client, charset):
    response = owner_client.generic(
        "POST", reverse("projects:create"), b"title=Caf%C3%A9 routing&problem=p&volume_period=day",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    assert Proposal.objects.filter(title="Café routing").exists()


# --- the API -------------------------------------------------------------------------------------


@pytest.fixture
def api(world):
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org), name="boundary")
    client = world.client_for(world.owner)
    client.raise_request_exception = False
    headers = {"Authorization": f"Bearer {raw}"}

    def call(method: str, url: str, body: str | None = None, **kwargs):
        kwargs.setdefault("content_type", "application/json")
        return client.generic(method, url, (body or "").encode(), headers=headers, **kwargs)

    return call


def field_errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.content[:500]
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def test_the_api_refuses_a_lone_surrogate_in_a_stakeholder_name(api, world):
    body = '{"name": "Pat \\ud800", "email": "pat@example.test", "role": "product"}'
    errors = field_errors(api("POST", f"/api/proposals/{world.proposal.pk}/stakeholders", body))
    assert "lone surrogate" in errors["name"]
    assert not Stakeholder.objects.exists()


def test_the_api_refuses_a_lone_surrogate_in_an_answer_naming_the_question(api, world):
    body = '{"answers": {"problem_statement": "x\\udc00"}}'
    errors = field_errors(api("PUT", f"/api/proposals/{world.proposal.pk}/answers", body))
    assert "lone surrogate" in errors["answers.problem_statement"]


def test_the_api_refuses_nul_deep_in_an_answer(api, world):
    body = '{"answers": {"data_types": ["tabular", "x\\u0000"]}}'
    errors = field_errors(api("PUT", f"/api/proposals/{world.proposal.pk}/answers", body))
    assert errors["answers.data_types"] == "answers[1]: contains a null character (U+0000); remove it"


def test_the_api_refuses_a_line_break_in_a_title_and_nul_in_a_review_reason(api, world):
    errors = field_errors(api("POST", "/api/proposals", '{"title": "a\\nb", "problem": "p"}'))
    assert errors["title"] == "title: must be on one line; remove the line break"
    body = '{"action": "withdraw", "reason": "why\\u0000"}'
    errors = field_errors(api("POST", f"/api/proposals/{world.proposal.pk}/review", body))
    assert "null character" in errors["reason"]


@pytest.mark.parametrize("pk", ["²", "١٢", "99999999999999999999999", "0"])
def test_the_api_refuses_an_id_that_is_not_ascii_digits_in_range(api, pk):
    errors = field_errors(api("GET", f"/api/proposals/{pk}"))
    assert errors["proposal_id"].startswith("proposal_id: must be an id")


def test_the_api_refuses_a_non_ascii_team_id(api):
    errors = field_errors(api("POST", "/api/proposals", '{"title": "t", "problem": "p", "team_id": "١٢"}'))
    assert "must be an id" in errors["team_id"]


def test_the_api_refuses_a_body_in_another_charset_with_400_json(api):
    response = api(
        "POST", "/api/proposals", '{"title": "t", "problem": "p"}', content_type="application/json; charset=latin-1"
    )
    assert response.status_code == 400
    assert "send it as UTF-8" in response.json()["detail"]


def _text_annotations(annotation) -> list:
    """(annotation, metadata) for every str or Any reachable in a type, through unions, lists,
    dicts and nested schemas."""
    found = []
    if typing.get_origin(annotation) is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        if base in (str, typing.Any):
            return [(base, metadata)]
        return _text_annotations(base)
    if annotation in (str, typing.Any):
        return [(annotation, [])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for field in annotation.model_fields.values():
            found += [(a, m + list(field.metadata)) for a, m in _text_annotations(field.annotation)]
        return found
    for arg in typing.get_args(annotation):
        found += _text_annotations(arg)
    return found


def test_every_text_field_of_every_api_input_carries_the_boundary():
    # The sweep: a str (or Any) field added to an input schema without OneLine, MultiLine or
    # CleanJson fails here, as a route without tenancy fails tests/tenancy.
    from config.api import api

    checked = 0
    for _, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    for field_name, field in model.model_fields.items():
                        for base, metadata in _text_annotations(field.annotation):
                            metadata = metadata + list(field.metadata)
                            where = f"{operation.view_func.__name__}: {field_name}"
                            assert any(v in TEXT_VALIDATORS for v in metadata), f"{where} ({base}) is unchecked"
                            checked += 1
    assert checked >= 25, checked


# --- the import ----------------------------------------------------------------------------------


def _document_with(change) -> dict:
    doc = json.loads(json.dumps(EXAMPLE))
    change(doc["proposals"][0])
    return doc


def _set_first_stakeholder_name(value):
    def change(proposal):
        assert proposal.get("stakeholders"), "the example names stakeholders"
        proposal["stakeholders"][0]["name"] = value

    return change


@pytest.mark.parametrize(
    ("value", "says"),
    [("Pat \ud800", "lone surrogate"), ("Pat\x00", "null character"), ("Pat\nBcc: x", "one line")],
)
def test_the_import_names_the_path_of_a_bad_stakeholder_name(world, value, says):
    doc = _document_with(_set_first_stakeholder_name(value))
    before = (Proposal.objects.count(), Stakeholder.objects.count())
    with pytest.raises(ImportRejected) as rejected:
        import_proposals(organisation=world.org, data=doc, by=world.admin)
    matching = [e for e in rejected.value.errors if e.startswith("proposals[0].stakeholders[0].name: ")]
    assert len(matching) == 1 and says in matching[0], rejected.value.errors
    assert (Proposal.objects.count(), Stakeholder.objects.count()) == before
    for error in rejected.value.errors:
        error.encode("utf-8")  # printable: no lone surrogate quoted back


def test_the_import_refuses_a_title_with_a_line_break(world):
    doc = _document_with(lambda p: p.update(title="Route\r\nSubject: hi"))
    with pytest.raises(ImportRejected) as rejected:
        import_proposals(organisation=world.org, data=doc, by=world.admin)
    assert any(e.startswith("proposals[0].title: ") and "one line" in e for e in rejected.value.errors)


def test_the_import_command_lists_a_surrogate_instead_of_a_traceback(world, tmp_path):
    doc = _document_with(_set_first_stakeholder_name("Pat \ud800"))
    path = tmp_path / "import.json"
    path.write_text(json.dumps(doc))  # json escapes it: "\ud800", as a file would carry it
    with pytest.raises(CommandError) as error:
        call_command("import_proposals", str(path), "--organisation", world.org.slug)
    assert "proposals[0].stakeholders[0].name: contains U+D800" in str(error.value)
    assert not Proposal.objects.filter(organisation=world.org).exclude(pk=world.proposal.pk).exists()
