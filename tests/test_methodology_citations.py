"""Citations of docs/methodology.md point at sections that exist.

The code, the questionnaires and the rules files cite the methodology as
"docs/methodology.md §2.3"; a renumbering of the document must not leave a citation dangling,
and the old citations of the methodology that lived outside the repository must not come back.
Plain pytest, no Django, no database.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODOLOGY = ROOT / "docs" / "methodology.md"
SUFFIXES = {".py", ".yaml", ".yml", ".html", ".md"}
SKIPPED_DIRS = {".venv", ".git", "node_modules", "staticfiles", "__pycache__"}

# "## 2 Is ML the right tool..." or "### 2.3 Patterns exist (`patterns_exist`)".
HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)*) ", re.MULTILINE)
# One citation, possibly of several sections: "docs/methodology.md §4.2, §6.4",
# "docs/methodology.md §4, §6 and §8", "docs/methodology.md §7.3 to §7.6". A line break may
# fall anywhere a space does (wrapped docstrings and YAML).
SECTION = r"§(\d+(?:\.\d+)*)"
CITATION = re.compile(
    r"docs/methodology\.md\s+" + SECTION + r"((?:(?:,\s*|\s+and\s+|\s+or\s+|\s+to\s+|-)" + SECTION + ")*)"
)
# Built in two parts so that this file does not match itself.
OLD_CITATION = re.compile("METHODOLOGY" + r"(?:\.md)?\s+§")

# Version 1 of the suitability questionnaire, kept verbatim for the upgrade tests: published
# versions never change, old citations included.
OLD_CITATIONS_ALLOWED = ("tests/assessments/data/ml_suitability_v1.yaml",)


def _files():
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        if SKIPPED_DIRS & set(relative.parts):
            continue
        if relative.as_posix().startswith("docs/cases/"):
            continue
        yield relative.as_posix(), path.read_text(encoding="utf-8", errors="replace")


def _sections() -> set[str]:
    return set(HEADING.findall(METHODOLOGY.read_text(encoding="utf-8")))


def test_the_methodology_has_its_numbered_sections():
    sections = _sections()
    assert {str(n) for n in range(1, 12)} <= sections
    assert {f"2.{n}" for n in range(1, 13)} <= sections
    assert {f"3.{n}" for n in range(1, 9)} <= sections
    assert {f"4.{n}" for n in range(1, 9)} <= sections
    assert {f"7.{n}" for n in range(1, 9)} <= sections


def test_every_cited_section_exists():
    sections = _sections()
    dangling = []
    cited = 0
    for name, text in _files():
        for match in CITATION.finditer(text):
            numbers = [match.group(1), *re.findall(SECTION, match.group(2))]
            cited += len(numbers)
            line = text.count("\n", 0, match.start()) + 1
            dangling += [f"{name}:{line}: §{n}" for n in numbers if n not in sections]
    assert cited > 100, "the scan found almost no citations: is the pattern still right?"
    assert not dangling, "citations of sections that docs/methodology.md does not have:\n" + "\n".join(dangling)


def test_no_citation_of_the_old_methodology_outside_docs():
    stale = []
    for name, text in _files():
        if name.startswith("docs/") or name.startswith(OLD_CITATIONS_ALLOWED):
            continue
        for match in OLD_CITATION.finditer(text):
            stale.append(f"{name}:{text.count(chr(10), 0, match.start()) + 1}")
    assert not stale, "cite docs/methodology.md §N instead:\n" + "\n".join(stale)
