"""docs/api.md is run, not just read: every curl in its walk-through is sent through the test
client with a real token, in order, and must answer the status the page says; its error example
is what the API answers for that mistake."""

import json
import re
import shlex
from pathlib import Path

from django.test import Client

from accounts.models import ApiToken
from reports.services import report_run
from tests.conftest import membership

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def documented_requests() -> list[tuple[list[str], int]]:
    """(curl's arguments, the status the page promises) for each curl, in the page's order."""
    lines = DOC.read_text().splitlines()
    requests = []
    for i, line in enumerate(lines):
        if line.startswith("curl "):
            promise = re.match(r"# → (\d{3})", lines[i + 1])
            assert promise, f"docs/api.md: the line after {line[:60]!r} should say '# → <status>'"
            requests.append((shlex.split(line)[1:], int(promise.group(1))))
    return requests


def send(client: Client, args: list[str], names: dict[str, str]):
    method, url, headers, body = "GET", None, {}, None
    args = iter(args)
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, value = next(args).split(": ", 1)
            headers[name] = value
        elif arg == "-d":
            body = next(args)
        elif arg in ("-o", "-w"):
            next(args)
        elif arg.startswith("$MLFIT"):
            url = arg
    assert url, args
    for name, value in names.items():
        url = url.replace(f"${name}", value)
        headers = {k: v.replace(f"${name}", value) for k, v in headers.items()}
    content_type = headers.pop("Content-Type", "application/octet-stream")
    return client.generic(method, url.replace("$MLFIT", ""), body or "", content_type=content_type, headers=headers)


def test_the_walk_through_runs_as_written(world, questionnaire_version):
    # An admin's token: the walk ends with the webhooks, which are for admins.
    _, token = ApiToken.issue(membership=membership(world.admin, world.org), name="docs")
    names = {"TOKEN": token}
    client = Client()
    requests = documented_requests()
    assert len(requests) >= 9
    for args, status in requests:
        response = send(client, args, names)
        assert response.status_code == status, (args, response.content[:500])
        if response["Content-Type"] == "application/json; charset=utf-8" and isinstance(response.json(), dict):
            body = response.json()
            if status == 201 and "PROPOSAL" not in names:
                names["PROPOSAL"] = str(body["id"])
            if "links" in body and "REPORT" not in names:
                names["REPORT"] = str(body["id"])
                report_run(report_id=body["id"])  # what the worker does
    assert {"PROPOSAL", "REPORT"} <= set(names)


def test_the_error_example_is_what_the_api_answers(world, api):
    text = DOC.read_text()
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    response = api(world.owner).post(
        "/api/proposals", {"titel": "Route", "problem": "p"}, content_type="application/json"
    )
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == example


def test_every_code_in_the_table_is_one_the_api_raises():
    table = DOC.read_text().split("## Errors", 1)[1]
    codes = set(re.findall(r"`([a-z_]+)`", table.split("| status |", 1)[1]))
    # The API modules, the contract's (accounts/api_*.py) and the middleware that answers first.
    sources = "".join(
        path.read_text()
        for path in Path(DOC.parents[1]).glob("*/*.py")
        if path.name.startswith("api") or path.name == "middleware.py"
    )
    # extra_forbidden is pydantic's own code, passed through as it names it.
    missing = sorted(code for code in codes - {"extra_forbidden"} if f'"{code}"' not in sources)
    assert not missing, missing
