"""What people type is shown as they typed it, everywhere, and never runs.

The hostile fixture (conftest.py) puts markup, an attribute breakout, template syntax and a script
URL into every free-text field: organisation, team and person names, every proposal field,
suitability answers, stakeholder names and requirement notes, a conflict's decision and rationale.
Each place that shows them is read back: the pages through a parser (no <script> that would run, no
on*= handler, no <img src=x>, no javascript: link, and the text there, unescaped, exactly as typed),
the exports with their content types, the emails (plain text literal, any HTML part escaped) and
the PDF through pdftotext.
"""

import csv
import io
import shutil
import subprocess

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.services import invitation_create
from reports.pdf import render_pdf
from tests.conftest import REQUIRE_SERVICES
from tests.html import Page, parse
from tests.security.conftest import BREAKOUT, PAYLOAD, SCRIPT, SCRIPT_URL, TEMPLATE

# Where each page shows the payload at least this often: the organisation's name in the top bar
# (every page), and what the page is about.
SHOWN_AT_LEAST = {
    "proposal list": 3,  # organisation, the two proposals' titles
    "proposal detail": 13,  # organisation, title, nine text fields, team, owner
    "proposal edit": 11,  # organisation, title, nine text fields in the inputs
    "new proposal": 2,  # organisation, the team in the team select
    "wizard step": 3,  # organisation, title, the free-text answer in its textarea
    "wizard review": 3,  # organisation, title, the answer
    "result": 2,  # organisation, title
    "stakeholders matrix": 4,  # organisation, title, the stakeholder, the requirement's note
    "stakeholder detail": 3,  # organisation, title, the stakeholder's name
    "stakeholder questionnaire": 3,  # organisation, title, the stakeholder's name
    "conflict": 4,  # organisation, title, decision, rationale
    "report list": 2,  # organisation, title
    "report": 3,  # organisation, title, the stakeholder in the satisfaction table
    "report library": 2,  # organisation, title
    "members": 2,  # organisation, the owner's name
    "organisations": 2,  # organisation in the top bar and in the list
}


def assert_harmless(html: str, where: str) -> Page:
    page = Page(html)
    assert not page.script_problems(), (where, page.script_problems())
    # The raw markup never reaches the page unescaped, not even somewhere the parser forgives.
    for raw in (SCRIPT, BREAKOUT):
        assert raw not in html, (where, raw)
    return page


def count_shown(page: Page) -> int:
    return page.times_shown(PAYLOAD)


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return [value] if isinstance(value, str) else []


def test_every_main_page_shows_the_text_as_typed_and_runs_none_of_it(hostile):
    assert set(SHOWN_AT_LEAST) == set(hostile.pages())
    client = hostile.world.client_for(hostile.world.admin)
    for name, url in hostile.pages().items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        page = assert_harmless(response.content.decode(), name)
        assert count_shown(page) >= SHOWN_AT_LEAST[name], (name, count_shown(page))
        # Template syntax stays text: nothing renders user input as a template.
        assert TEMPLATE in page.raw_text, name


def test_the_htmx_partials_escape_too(hostile):
    client = hostile.world.client_for(hostile.world.admin)
    p = hostile.proposal.pk
    for url in (
        reverse("stakeholders:conflicts_panel", args=[p]),
        reverse("stakeholders:cell", args=[p, hostile.stakeholder.pk, "latency"]),
        reverse("stakeholders:cell", args=[p, hostile.stakeholder.pk, "latency"]) + "?edit=1",
        reverse("reports:status", args=[p, hostile.report.pk]),
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert_harmless(response.content.decode(), url)


def test_the_exports_carry_the_text_literally_with_their_own_content_types(hostile):
    client = hostile.world.client_for(hostile.world.admin)
    p, r = hostile.proposal.pk, hostile.report.pk

    response = client.get(reverse("reports:json", args=[p, r]))
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"  # never sniffed as HTML
    assert PAYLOAD in strings_in(response.json())

    response = client.get(reverse("reports:csv", args=[p, r]))
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")  # downloaded, never rendered
    # The CSV holds the ranking only: approach and criterion labels from the catalogue, numbers, and
    # no text a person typed. Still, nothing in it is HTML-escaped (CSV is not HTML), nor markup.
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert len(cells) > 10
    assert not any("&lt;" in cell or "<" in cell for cell in cells)


def test_emails_carry_the_text_literally_and_escape_it_in_html(hostile, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=hostile.world.org,
            email="newcomer@example.test",
            role="member",
            invited_by=hostile.world.owner,
            accept_url=lambda raw: f"http://testserver/accounts/invitations/{raw}/",
        )

    assert len(mail.outbox) >= 5, [m.subject for m in mail.outbox]  # four stakeholders, one member
    shown_in = 0
    for message in mail.outbox:
        assert "&lt;" not in message.body and "&quot;" not in message.body, message.subject
        if PAYLOAD in message.body:
            shown_in += 1
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                page = assert_harmless(content, message.subject)
                assert PAYLOAD in page.raw_text or PAYLOAD not in message.body, message.subject
    # The hostile stakeholder's invitation (their name, the proposal, who invited them) and the
    # member's (the organisation, who invited them), at least.
    assert shown_in >= 2


def test_the_pdf_shows_the_text_literally(hostile, tmp_path):
    if not shutil.which("pdftotext"):
        message = "pdftotext not installed: apt-get install poppler-utils"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_pdf(hostile.report))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    for part in (SCRIPT, BREAKOUT, TEMPLATE, SCRIPT_URL):
        assert part in text, part


@pytest.mark.parametrize("target", [SCRIPT_URL, "https://evil.example/", "//evil.example/", PAYLOAD])
def test_sign_in_never_follows_a_foreign_or_script_next(world, target):
    client = Client()
    page = parse(client.get(reverse("login"), {"next": target}))
    assert not page.script_problems()
    response = client.post(
        reverse("login") + "?next=x", {"username": "member@acme.test", "password": "password-for-tests", "next": target}
    )
    assert response.status_code == 302
    # Django keeps a relative next (the payload is one, percent-encoded); nothing off-site or script.
    assert not response["Location"].lower().startswith(("javascript:", "//", "http:", "https:"))
    if target != PAYLOAD:
        assert response["Location"] == reverse("projects:landing")
