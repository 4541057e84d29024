"""Streamed CSV exports: a line at a time, with text a spreadsheet would run as a formula defused."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_safe(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (=, +, -, @ at the start)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The header, then each row, as CSV lines; every cell through csv_safe."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_safe(value) for value in row])
