"""The Content-Security-Policy: sent on every page, and nothing on the main pages needs an exception.

The policy forbids inline script and inline CSS, so a page holding either would break in the
browser (tests/browser/test_accessibility.py watches the console for that); these tests find the
same thing without a browser, in the HTML of each page, read with a parser.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.html import parse

POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def directives(response) -> set[str]:
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


def test_the_sign_in_page_sends_the_policy(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert set(POLICY) <= directives(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_no_main_page_has_inline_script_or_inline_css(hostile):
    client = hostile.world.client_for(hostile.world.admin)
    for name, url in hostile.pages().items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert set(POLICY) <= directives(response), name
        page = parse(response)
        assert not page.script_problems(), (name, page.script_problems())
        assert page.style_elements == 0, name
        assert not page.style_attributes, (name, page.style_attributes[:3])


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_the_signed_out_pages_have_no_inline_script(db, name):
    page = parse(Client().get(reverse(name)))
    assert not page.script_problems()
    assert not page.style_attributes and page.style_elements == 0


def test_the_api_docs_load_swagger_from_this_site(db):
    # The CDN copy of Swagger UI would be blocked by default-src 'self'.
    response = Client().get("/api/docs")
    assert response.status_code == 200
    page = parse(response)
    assert not page.script_problems()
    assert "cdn." not in response.content.decode()
