"""Oversized requests are refused with 413 and a message, before their body is read.

config.middleware.RequestSizeLimitMiddleware judges by Content-Length: form posts and JSON may carry
DATA_UPLOAD_MAX_MEMORY_SIZE (plus room for field names), multipart uploads MLFIT_MAX_UPLOAD_SIZE.
There is no upload page in the web app yet (proposals are imported with `manage.py
import_proposals`), so the upload allowance is tested on the intake form posted as multipart, which
is what an upload form would send.
"""

import json

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from projects.models import Proposal
from tests.conftest import membership
from tests.html import parse

MB = 1024 * 1024


def message_of(response) -> str:
    return parse(response).text()


def test_a_form_post_over_the_limit_is_refused_with_413(world):
    client = world.client_for(world.member)
    body = "title=x&problem=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 100 * 1024)

    response = client.post(reverse("projects:create"), body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 413
    assert "The request is too large: at most 2.0 MB can be sent at once." in message_of(response)
    assert response["Connection"] == "close"
    assert not Proposal.objects.filter(title="x").exists()


def test_a_form_post_under_the_limit_goes_through(world):
    client = world.client_for(world.member)
    response = client.post(reverse("projects:create"), {"title": "Short", "problem": "a" * 4000})
    # The form's own answer (this one lacks required fields), not a refusal of the request.
    assert response.status_code != 413
    assert "Request too large" not in message_of(response) and "Bad request" not in message_of(response)


def test_a_body_within_the_overhead_but_over_djangos_own_limit_gets_400(world):
    # Within the middleware's allowance but over DATA_UPLOAD_MAX_MEMORY_SIZE: Django's 400 backstop.
    client = world.client_for(world.member)
    body = "title=x&problem=" + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)
    response = client.post(reverse("projects:create"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_too_many_fields_are_refused(world):
    client = world.client_for(world.member)
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(reverse("projects:create"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_an_htmx_autosave_over_the_limit_is_refused_with_413(world):
    client = world.client_for(world.member)
    body = "title=" + "a" * (3 * MB)
    response = client.post(
        reverse("projects:autosave_new"), body, content_type="application/x-www-form-urlencoded", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 413


def test_an_upload_may_be_larger_than_a_form_post(world):
    client = world.client_for(world.member)
    upload = SimpleUploadedFile("proposals.json", b"x" * (5 * MB), content_type="application/json")

    response = client.post(reverse("projects:create"), {"title": "With a file", "problem": "p", "file": upload})

    assert response.status_code != 413
    assert "Request too large" not in message_of(response)


def test_an_upload_over_its_limit_is_refused_with_413(world):
    client = world.client_for(world.member)
    upload = SimpleUploadedFile("proposals.json", b"x" * (settings.MLFIT_MAX_UPLOAD_SIZE + 1), content_type="text/csv")

    response = client.post(reverse("projects:create"), {"title": "Huge", "problem": "p", "file": upload})

    assert response.status_code == 413
    assert "at most 10.0 MB" in message_of(response)
    assert not Proposal.objects.filter(title="Huge").exists()


def test_the_api_refuses_an_oversized_json_body_with_413_in_json(world):
    _, raw = ApiToken.issue(membership=membership(world.member, world.org))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = json.dumps({"title": "Big", "problem": "a" * (3 * MB)})

    response = client.post("/api/proposals", body, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["detail"]) == (
        "too_large",
        "The request is too large: at most 2.0\xa0MB can be sent at once.",
    )
    assert not Proposal.objects.filter(title="Big").exists()


def test_the_api_accepts_a_normal_body(world):
    _, raw = ApiToken.issue(membership=membership(world.member, world.org))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = json.dumps({"title": "Normal", "problem": "a" * 1000})
    response = client.post("/api/proposals", body, content_type="application/json")
    assert response.status_code == 201, response.content
