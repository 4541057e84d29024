"""The one input boundary: what text and ids MLFit accepts from a person, an API client or a file.

Every way in (Django forms, the JSON API's schemas, the import, ids read from a query string or a
post) checks its values here, so that they all refuse the same things with the same words:

- NUL: PostgreSQL stores none in text or JSONB, so it was a 500 at the INSERT;
- a lone surrogate ("\\ud800", which JSON can spell): not a character, so encoding it to UTF-8
  for the database or a page was a 500;
- other control characters (C0, DEL and C1) but tab and, in text that may span lines, the line
  breaks: nobody types them, and they garble pages, CSV exports and logs;
- a line break in a one-line field (a title, a name): it ends up in an email subject or header,
  where it made every email about the proposal fail in the worker.

Ids are ASCII digits only and fit a PostgreSQL bigint: "²".isdigit() and "١٢".isdigit() are
true, and int() turns the second into 12 and raises on the first.

The lowest app holds this so that every app may import it; it imports nothing from the apps.
"""

import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# The largest id PostgreSQL's bigint (and so any id column) holds.
MAX_ID = 2**63 - 1
# Line breaks as str.splitlines() and email headers see them, beyond \n and \r: vertical tab,
# form feed, the file/group/record separators, NEL and the Unicode line and paragraph separators.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_MULTILINE_ALLOWED = frozenset("\t\n\r")


class InputRefused(ValueError):
    """A value refused at the boundary; str() names the field, then says what to change."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why `value` cannot be accepted as text, or None. The reason reads after the field's name."""
    for char in value:
        code = ord(char)
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code in (0x2028, 0x2029):
            reason = _char_problem(char, multiline=multiline)
            if reason:
                return reason
    return None


def _char_problem(char: str, *, multiline: bool) -> str | None:
    code = ord(char)
    if code == 0:
        return "contains a null character (U+0000); remove it"
    if 0xD800 <= code <= 0xDFFF:
        return f"contains U+{code:04X}, half of a character (a lone surrogate); remove it"
    if char in _MULTILINE_ALLOWED and multiline:
        return None
    if char == "\t":
        return None
    if char in _LINE_BREAKS and not multiline:
        return "must be on one line; remove the line break"
    if unicodedata.category(char) == "Cc":
        return f"contains the control character U+{code:04X}; remove it"
    return None


def clean_text(value: str, *, field: str, multiline: bool, max_length: int | None = None) -> str:
    """`value`, unchanged, if it may be stored and shown; InputRefused naming `field` otherwise."""
    if not isinstance(value, str):
        raise InputRefused(field, "must be text")
    reason = text_problem(value, multiline=multiline)
    if reason:
        raise InputRefused(field, reason)
    if max_length is not None and len(value) > max_length:
        raise InputRefused(field, f"at most {max_length:,} characters (this has {len(value):,})")
    return value


def parse_id(value: object, *, field: str) -> int:
    """A positive id that fits a bigint, from ASCII digits (or an int); InputRefused otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        # Length first: int() of thousands of digits is slow, and refused past 4,300 of them.
        number = int(value) if len(value.lstrip("0")) <= 19 else MAX_ID + 1
    else:
        raise InputRefused(field, "must be an id: digits 0-9 only")
    if not 1 <= number <= MAX_ID:
        raise InputRefused(field, f"must be an id: a whole number from 1 to {MAX_ID}")
    return number


def parse_ids(values: list[str], *, field: str) -> list[int]:
    """Each of a list of posted ids, parsed by parse_id: one bad id refuses the list."""
    return [parse_id(value, field=field) for value in values]


def text_problems(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, reason) for each string in a JSON-like value (keys too) that clean_text refuses.

    For values whose shape the schema does not fix (answers, imported documents): multi-line
    text is allowed, since which strings are one-line is known only where the shape is.
    """
    if isinstance(value, str):
        reason = text_problem(value, multiline=True)
        if reason:
            yield path, reason
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            reason = text_problem(key, multiline=False) if isinstance(key, str) else None
            if reason:
                # The key is shown as repr(): the path is read by a person, and the key is the problem.
                yield (f"{path}.{key!r}" if path else repr(key)), f"the key {reason}"
            else:
                yield from text_problems(item, where)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from text_problems(item, f"{path}[{i}]")


def json_kind(value: object) -> str:
    """A JSON value's type in the words of a refusal ("expected a list of requirements, got text"),
    for input whose shape is checked by hand (an imported document, a stakeholder's requirements)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --- the same checks on every text field of a Django form --------------------------------------


class _TextValidator:
    """A form field's validator: refuses what clean_text refuses, with the field's label."""

    def __init__(self, field: forms.Field, name: str) -> None:
        self.field, self.name = field, name

    def __call__(self, value: str) -> None:
        # Read at validation, not when attached: a form may swap the widget after __init__.
        multiline = isinstance(self.field.widget, forms.Textarea)
        label = str(self.field.label) if self.field.label else self.name.replace("_", " ").capitalize()
        try:
            clean_text(value, field=label, multiline=multiline)
        except InputRefused as refused:
            raise ValidationError(str(refused), code="text_refused") from refused


class CleanTextForm:
    """Mix into every form (first among the bases): each CharField (EmailField and the others
    built on it) refuses NUL, lone surrogates and control characters, and a line break unless its
    widget is a Textarea. Passwords are left alone: never stored as text nor shown, and a
    password manager may put anything in one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput):
                # Django's own NUL check goes: this one says the same, naming the field.
                kept = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
                field.validators = [*kept, _TextValidator(field, name)]


# --- the same checks as pydantic types, for the JSON API's input schemas ---------------------------


def _pydantic_text(multiline: bool):
    def check(value: Any, info: Any) -> Any:
        if isinstance(value, str):
            reason = text_problem(value, multiline=multiline)
            if reason:
                # A custom error, not a ValueError: pydantic would prefix "Value error, ".
                context = {"field": info.field_name, "reason": reason}
                raise PydanticCustomError("text_refused", "{field}: {reason}", context)
        return value

    return BeforeValidator(check)


def _pydantic_json(value: Any, info: Any) -> Any:
    for path, reason in text_problems(value, info.field_name or "value"):
        raise PydanticCustomError("text_refused", "{field}: {reason}", {"field": path, "reason": reason})
    return value


def _pydantic_id(value: Any, info: Any) -> Any:
    if value is None:
        return value
    try:
        return parse_id(value, field=info.field_name or "id")
    except InputRefused as refused:
        raise PydanticCustomError("id_refused", str(refused)) from refused


# Validators run before pydantic's own (BeforeValidator): a constrained str refuses a lone
# surrogate with "unable to parse raw data as a unicode string", which names nothing to fix.
OneLine = Annotated[str, _pydantic_text(multiline=False)]
MultiLine = Annotated[str, _pydantic_text(multiline=True)]
CleanJson = Annotated[Any, BeforeValidator(_pydantic_json)]
Id = Annotated[int, BeforeValidator(_pydantic_id)]

# The marker the API's sweep test looks for on every str field of an input schema.
TEXT_VALIDATORS = (OneLine.__metadata__[0], MultiLine.__metadata__[0], CleanJson.__metadata__[0])
