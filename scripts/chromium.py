"""Debian's Chromium as these machines launch it, for the browser tests (tests/browser/conftest.py)
and `make screenshots` (scripts/screenshots.py): one list of flags, so both draw the same pages."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# The flags these machines need (ARCHITECTURE.md, known traps): no sandbox in containers, no GPU,
# and nothing that phones home, which would hang or slow down a machine without internet access.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
