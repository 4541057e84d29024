"""The import (transfer and the import_proposals command), fed generated junk.

A file is imported whole or refused with the path of each bad value: whatever the bytes or the
shape, the only outcomes are a list of imported proposals or ImportRejected, and a refusal
writes nothing. The documents start from the documented example, with one value replaced by
junk, a key removed or a key added, so that most of them get deep into the checks.
"""

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from projects.models import Proposal
from questionnaires.models import Answer, Assessment
from stakeholders.models import Conflict, Objective, Requirement, Stakeholder
from tests.fuzz.conftest import FUZZ, json_text, nasty_text
from transfer.document import ImportRejected, parse_document
from transfer.write import import_proposals

EXAMPLE = json.loads((Path(settings.BASE_DIR) / "docs" / "example-import.json").read_text())

# What a JSON parser can hand over: inf comes from "1e400", huge integers from long digit runs.
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**200),
    st.floats(allow_nan=False),
    json_text,
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(json_text, children, max_size=3)),
    max_leaves=8,
)


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Proposal, Assessment, Answer, Stakeholder, Requirement, Objective, Conflict)
    )


def places(doc, path=()):
    """Every (path) to a value inside the document, containers included."""
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from places(value, (*path, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from places(value, (*path, i))


@st.composite
def mutated_documents(draw):
    doc = copy.deepcopy(EXAMPLE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(list(places(doc))[1:]))
        *parent_path, last = path
        parent = doc
        for step in parent_path:
            parent = parent[step]
        operation = draw(st.sampled_from(["replace", "delete", "add"]))
        if operation == "replace":
            parent[last] = draw(json_value)
        elif operation == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(json_text)] = draw(json_value)
        else:
            parent.append(draw(json_value))
    return doc


def assert_imports_or_refuses(world, data) -> None:
    before = counts()
    try:
        imported = import_proposals(organisation=world.org, data=data, by=world.admin)
    except ImportRejected as rejected:
        assert rejected.errors, "a refusal must say why"
        assert all(isinstance(error, str) and error for error in rejected.errors)
        for error in rejected.errors:
            error.encode("utf-8")  # printable and renderable: no lone surrogate quoted back
        assert counts() == before, "a refused file wrote something"
    else:
        assert len(imported) == len(data["proposals"])


@FUZZ
@given(data=mutated_documents())
def test_a_document_with_junk_in_it_is_imported_or_refused_never_crashes(world, questionnaire_version, data):
    assert_imports_or_refuses(world, data)


@FUZZ
@given(data=json_value)
def test_any_json_at_all_is_refused_cleanly(world, questionnaire_version, data):
    # Not the format's header, so refused: never a TypeError or KeyError from a wrong shape.
    with pytest.raises(ImportRejected):
        import_proposals(organisation=world.org, data=data, by=world.admin)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=200), nasty_text, nasty_text.map(lambda t: f'{{"format": {t!r}')))
def test_any_bytes_parse_or_are_refused(raw):
    try:
        parse_document(raw)
    except ImportRejected as rejected:
        assert rejected.errors[0].startswith("file: ")


@FUZZ
@given(data=st.one_of(mutated_documents(), json_value), garbage=st.binary(max_size=20))
def test_the_import_command_reports_errors_without_a_traceback(world, questionnaire_version, tmp_path, data, garbage):
    path = tmp_path / "import.json"
    path.write_bytes(json.dumps(data).encode() + garbage)
    before = counts()
    try:
        call_command("import_proposals", str(path), "--organisation", world.org.slug)
    except CommandError as error:
        assert str(error).startswith("Nothing was imported"), str(error)
        assert counts() == before
