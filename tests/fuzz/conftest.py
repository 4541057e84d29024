"""Shared pieces of the bad-input tests: what junk looks like, and what a good answer to it is.

Every test here posts generated input through the Django test client (so through the middleware,
the forms and the services, down to the database) and asserts two things: the answer is never a
5xx, and a form refused for its errors is drawn again with what the person typed.
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.html import parse

# The world fixture is made once per test, not once per example: the examples share its rows,
# which is what a person posting junk again and again does too. Few examples, so the whole
# bad-input suite stays within seconds in CI; MLFIT_FUZZ_EXAMPLES=500 digs deeper by hand.
FUZZ = settings(
    deadline=None,
    max_examples=int(os.environ.get("MLFIT_FUZZ_EXAMPLES", "25")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The characters accounts.inputs refuses (NUL, other controls, line breaks in one-line fields),
# and those it keeps beside them (tab, right-to-left marks, non-ASCII digits), mixed into words.
control_chars = st.characters(categories=["Cc"])
line_breaks = st.sampled_from(["\n", "\r", "\r\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"])
non_ascii_digits = st.characters(categories=["Nd", "No"], exclude_characters="0123456789")
boundary_text = st.lists(
    st.one_of(st.text(max_size=6), control_chars, line_breaks, non_ascii_digits), min_size=1, max_size=6
).map("".join)
# Text that breaks things: control characters (NUL is refused by PostgreSQL text and JSONB),
# right-to-left marks, emoji, combining characters, very long runs. No lone surrogate: a form
# post cannot carry one (the test client, as a browser, cannot encode it); JSON can (json_text).
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=40),
    boundary_text,
    st.sampled_from(["\x00", "a\x00b", "\u202e", "😀" * 3, "e\u0301", "<script>", "' OR 1=1 --", "%s%n", "{{ x }}"]),
    st.sampled_from(["Title\r\nBcc: x@example.test", "a\nb", "bell\x07", "\x1b[31m", "tab\there"]),
    st.text(max_size=3).map(lambda s: s * 4000),  # past every max_length
)
# What JSON can spell and a form cannot: lone surrogates ("\ud800"), alone or inside words.
surrogates = st.characters(categories=["Cs"])
json_text = st.one_of(
    nasty_text,
    st.lists(st.one_of(st.text(max_size=6), surrogates, control_chars), min_size=1, max_size=5).map("".join),
)
# Numbers as a form posts them: text, some huge, some not numbers at all.
nasty_number = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**63 - 5, max_value=2**70).map(str),
    st.integers(max_value=-1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "NaN", "inf", "-0", "1e309", "²", "١٢", "０", "0x10", "9" * 400, "1_000", "1\x00"]),
    st.lists(non_ascii_digits, min_size=1, max_size=4).map("".join),  # "²".isdigit() is true
)
junk = st.one_of(nasty_text, nasty_number)


def assert_answered(response, allowed=(200, 302, 400, 403, 404, 405, 409, 413)) -> None:
    """A 5xx, or any status this form should never answer, fails with the body for the reader."""
    assert response.status_code < 500, f"{response.status_code}:\n{response.content[:3000]!r}"
    assert response.status_code in allowed, f"{response.status_code}:\n{response.content[:1500]!r}"


def same_text(shown: str, typed: str) -> bool:
    """Shown as typed, give or take what no browser sends: NUL, and line breaks around a one-line
    input's value (html.parser drops NUL; browsers strip line breaks from text inputs)."""
    return shown.replace("\x00", "").strip() == typed.replace("\x00", "").strip()


def shown_values(response) -> dict[str, list[str]]:
    """The values the page's fields show, by name (tests/html.py's `form_lists`): the value must be
    in its field, not merely somewhere on the page."""
    return parse(response).form_lists()


__all__ = [
    "FUZZ",
    "assert_answered",
    "json_text",
    "junk",
    "nasty_number",
    "nasty_text",
    "same_text",
    "shown_values",
]
