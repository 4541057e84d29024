"""The JSON API against its own OpenAPI schema (schemathesis): no request it can be sent is a 5xx,
and every answer is one the schema declares: its status, its content type, its body's schema and
its required headers (so a generated client never meets an answer it was not told of).

Schemathesis reads /api/openapi.json from the WSGI app in this process, generates requests for
every operation, valid and invalid by the schema, and sends them with a real API token. Ids in
paths are mostly unknown (404); the fixture's proposal and its stakeholders are also in the
database, so that some requests get past the lookups into the services.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from stakeholders.services import stake_roles, stakeholder_add
from tests.conftest import membership
from tests.fuzz.conftest import FUZZ, json_text


@pytest.fixture
def api_token(world, questionnaire_version) -> str:
    roles = {r.key: r for r in stake_roles(organisation=world.org)}
    stakeholder_add(
        proposal=world.proposal,
        role=roles["product"],
        by=world.owner,
        link_url=lambda s, raw: raw,
        name="Pat Product",
        email="pat@example.test",
    )
    _, raw = ApiToken.issue(membership=membership(world.owner, world.org), name="fuzz")
    return raw


@pytest.fixture
def api_schema(db):
    # Schemathesis calls the WSGI app itself, which closes "old" database connections at the start
    # and end of each request: here that is the test's own connection, in its transaction. Django's
    # test client unhooks the same signal handler for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # Loaded in a fixture, not at import: the schema view runs the middleware, which needs the database.
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")
# Not only "no 5xx": each answer's status, content type, body and required headers as declared.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@schema.parametrize()
@settings(
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_is_a_server_error_and_every_answer_is_as_declared(case, api_token, world):
    # Requests point at the fixture's proposal half the time, so some get past the 404.
    if "proposal_id" in (case.path_parameters or {}) and hash(repr(case.body)) % 2:
        case.path_parameters["proposal_id"] = world.proposal.pk
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CONFORMANCE)


def test_the_token_the_fuzzing_uses_gets_past_authentication(api_schema, api_token, world):
    # The property above would pass against an API that refused every request before its views
    # ran: the schema lists the operations, and the token reads the fixture's proposal.
    assert len(list(api_schema.get_all_operations())) >= 10
    url = f"/api/proposals/{world.proposal.pk}"
    assert Client().get(url, headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    assert Client().get(url).status_code == 401


# Text fields of the API's inputs, with what a JSON client can send and a form cannot (lone
# surrogates): never a 5xx, and a refusal names the field that holds the bad text.
TEXT_BODIES = {
    "/api/proposals": {"title": "t", "problem": "p"},
    "/api/proposals/{pk}/stakeholders": {"name": "Pat", "email": "pat@example.test", "role": "product"},
    "/api/proposals/{pk}/review": {"action": "withdraw", "reason": ""},
    "/api/proposals/{pk}/answers": {"answers": {"problem_statement": ""}},
}


@FUZZ
@given(where=st.sampled_from(list(TEXT_BODIES)), text=json_text, data=st.data())
def test_text_the_api_is_sent_is_kept_or_refused_by_name(world, api_token, where, text, data):
    body = json.loads(json.dumps(TEXT_BODIES[where]))
    holder = body.get("answers", body)
    field = data.draw(st.sampled_from(sorted(holder)))
    holder[field] = text
    url = where.format(pk=world.proposal.pk)
    method = "put" if where.endswith("answers") else "post"
    response = getattr(Client(raise_request_exception=False), method)(
        url, json.dumps(body), content_type="application/json", headers={"Authorization": f"Bearer {api_token}"}
    )
    assert response.status_code < 500, response.content[:1000]
    if response.status_code == 422 and any(0xD800 <= ord(c) <= 0xDFFF or c == "\x00" for c in text):
        assert field in response.content.decode(), response.content[:1000]
