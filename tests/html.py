"""Reading a page the way a browser would, to assert on its structure rather than on substrings.

    page = parse(response)
    assert page.text("main h1") == "Portfolio"
    assert page.one("form#approve button[type=submit]")
    assert ("Open the report", report_url) in page.links("main")
    assert page.table("table#signoffs")[0]["Decision in this round"] == "Waiting"
    assert page.form_values("form#intake")["title"] == "Route support tickets"
    assert [o.label for o in page.options("select[name=owner]")] == ["Anyone", "Dana"]

BeautifulSoup over the standard library's html.parser (the pretix habit: a parser, not substring
soup). CSS selectors are soupsieve's. Attribute values are kept as written (`class` is one string),
and an attribute written twice keeps its first value, as in a browser; the later ones are kept in
`duplicate_attributes` for the checks in tests/security that look for anything a browser might run.
"""

from __future__ import annotations

from typing import NamedTuple

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction, Script, Tag

# <script type="..."> values a browser executes; anything else (application/json...) is data.
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}
# Form fields whose value is sent only when checked, and buttons, whose value is sent only when pressed.
_CHECKABLE = {"checkbox", "radio"}
_BUTTONS = {"submit", "button", "reset", "image"}
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction, Script)
# Elements a browser lays out on lines of their own (or, for cells, apart from their neighbours).
_BREAKS = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
]


def squash(text: str) -> str:
    """Whitespace as a reader sees it: runs collapsed to one space, none at either end."""
    return " ".join(text.split())


class Link(NamedTuple):
    text: str
    href: str


class Option(NamedTuple):
    value: str
    label: str
    selected: bool


class Page:
    """One HTML document, parsed."""

    def __init__(self, html: str) -> None:
        self.duplicate_attributes: list[tuple[str, str]] = []
        self.soup = BeautifulSoup(
            html, "html.parser", multi_valued_attributes=None, on_duplicate_attribute=self._keep_first
        )
        # A line break or a block reads as a break between words, not as nothing: "Name<br>role" and
        # "<dt>title</dt><dd>Route</dd>" read "Name role" and "title Route", as on the screen.
        for element in self.soup.find_all(_BREAKS):
            element.insert_before("\n")
            element.insert_after("\n")

    def _keep_first(self, attributes: dict, name: str, value: str) -> None:
        self.duplicate_attributes.append((name, value))

    # Finding elements -----------------------------------------------------------------------

    def all(self, css: str) -> list[Tag]:
        return self.soup.select(css)

    def one(self, css: str) -> Tag:
        """The one element `css` matches; fails when it matches none, or more than one."""
        found = self.soup.select(css)
        shown = [squash(str(tag))[:200] for tag in found[:5]]
        assert len(found) == 1, f"{css!r} matches {len(found)} elements, not one: {shown}"
        return found[0]

    def has(self, css: str) -> bool:
        return self.soup.select_one(css) is not None

    def count(self, css: str) -> int:
        return len(self.soup.select(css))

    # Reading what the page says --------------------------------------------------------------

    def text(self, css: str | None = None) -> str:
        """The text of the one element `css` matches (of the whole page without it), whitespace
        squashed. Script and style are not text."""
        return squash((self.soup if css is None else self.one(css)).get_text())

    def texts(self, css: str) -> list[str]:
        """The text of every element `css` matches, in page order, whitespace squashed."""
        return [squash(tag.get_text()) for tag in self.soup.select(css)]

    def table(self, css: str) -> list[dict[str, str]]:
        """The body rows of the one table `css` matches, each a dict from its column's heading (the
        text of the <thead> cells) to the text of the row's cell in that column."""
        table = self.one(css)
        headings = [squash(cell.get_text()) for cell in table.select("thead th, thead td")]
        rows = []
        for row in table.select("tbody > tr"):
            cells = [squash(cell.get_text()) for cell in row.find_all(["th", "td"], recursive=False)]
            assert len(cells) == len(headings), f"a row of {css!r} has {len(cells)} cells for {headings}: {cells}"
            rows.append(dict(zip(headings, cells, strict=True)))
        return rows

    def definitions(self, css: str = "dl") -> dict[str, str]:
        """The terms of the one description list `css` matches, each with its description's text."""
        return {
            squash(term.get_text()): squash(term.find_next_sibling("dd").get_text())
            for term in self.one(css).find_all("dt", recursive=False)
        }

    def links(self, css: str | None = None) -> list[Link]:
        """Every <a href> on the page, or inside the elements `css` matches: (text, href)."""
        scopes = [self.soup] if css is None else self.soup.select(css)
        return [Link(squash(a.get_text()), a["href"]) for scope in scopes for a in scope.select("a[href]")]

    def hrefs(self, css: str | None = None) -> list[str]:
        return [link.href for link in self.links(css)]

    def options(self, css: str) -> list[Option]:
        """The options of the one <select> (or <datalist>) `css` matches: value, label, selected."""
        options = []
        for option in self.one(css).select("option"):
            label = squash(option.get_text())
            options.append(Option(option.get("value", label), label, option.has_attr("selected")))
        return options

    def form_lists(self, css: str | None = None) -> dict[str, list[str]]:
        """The values the form `css` matches (every field on the page without it) shows, by name,
        each name with all its values: inputs' value, checked boxes, textareas' text, selected
        options. Buttons are left out, as is a select with nothing selected (nothing is chosen)."""
        scope = self.soup if css is None else self.one(css)
        values: dict[str, list[str]] = {}
        for field in scope.select("input[name], textarea[name], select[name]"):
            kind = field.get("type", "text").lower() if field.name == "input" else field.name
            if kind in _BUTTONS:
                continue
            shown = values.setdefault(field["name"], [])
            if kind == "textarea":
                text = field.get_text()
                # The line break right after <textarea> belongs to the markup (browsers drop it).
                shown.append(text[1:] if text.startswith("\n") else text)
            elif kind == "select":
                shown.extend(o.get("value", squash(o.get_text())) for o in field.select("option[selected]"))
            elif kind in _CHECKABLE:
                if field.has_attr("checked"):
                    shown.append(field.get("value", "on"))
            else:
                shown.append(field.get("value", ""))
        return values

    def form_values(self, css: str | None = None) -> dict[str, str]:
        """As `form_lists`, for forms whose fields each have one value (an unchecked box: absent)."""
        values = {}
        for name, shown in self.form_lists(css).items():
            assert len(shown) <= 1, f"{name!r} has several values {shown}: read it with form_lists"
            if shown:
                values[name] = shown[0]
        return values

    # What a browser would run or apply (tests/security) ---------------------------------------

    def _where(self, tag: Tag) -> str:
        return f"<{tag.name}> at line {tag.sourceline}"

    @property
    def inline_scripts(self) -> list[str]:
        """<script> elements without src that a browser would run, by where they start."""
        return [
            self._where(s)
            for s in self.soup.find_all("script")
            if not s.get("src") and s.get("type", "").strip().lower() in SCRIPT_TYPES
        ]

    def _attributes(self) -> list[tuple[Tag | None, str, str]]:
        written = [(tag, name, value or "") for tag in self.soup.find_all(True) for name, value in tag.attrs.items()]
        return written + [(None, name, value or "") for name, value in self.duplicate_attributes]

    def _describe(self, tag: Tag | None, name: str, value: str) -> str:
        return f"{self._where(tag) if tag else 'a repeated attribute'}: {name}={value!r}"

    @property
    def handlers(self) -> list[str]:
        """on*= attributes."""
        return [self._describe(*a) for a in self._attributes() if a[1].startswith("on")]

    @property
    def script_urls(self) -> list[str]:
        """javascript: in a URL attribute."""
        return [
            self._describe(*a)
            for a in self._attributes()
            if a[1] in URL_ATTRIBUTES and a[2].strip().lower().startswith("javascript:")
        ]

    @property
    def injected_images(self) -> list[str]:
        """<img src=x>: the attribute-breakout payload of tests/security, parsed."""
        return [self._where(img) for img in self.soup.find_all("img", src="x")]

    @property
    def style_elements(self) -> int:
        return len(self.soup.find_all("style"))

    @property
    def style_attributes(self) -> list[str]:
        return [self._describe(*a) for a in self._attributes() if a[1] == "style"]

    @property
    def attribute_values(self) -> list[str]:
        return [value for _, _, value in self._attributes()]

    @property
    def raw_text(self) -> str:
        """Every piece of text as the parser saw it but script (style included), unsquashed."""
        return "".join(s for s in self.soup.find_all(string=True) if not isinstance(s, _NOT_TEXT))

    def shows(self, literal: str) -> bool:
        """The literal is on the page as text or in an attribute's value, i.e. as the person typed it."""
        return self.times_shown(literal) > 0

    def times_shown(self, literal: str) -> int:
        return self.raw_text.count(literal) + sum(value.count(literal) for value in self.attribute_values)

    def script_problems(self) -> list[str]:
        return self.inline_scripts + self.handlers + self.script_urls + self.injected_images


def parse(response_or_html) -> Page:
    """A page from a test client's response, or from HTML as str or bytes."""
    html = getattr(response_or_html, "content", response_or_html)
    return Page(html.decode() if isinstance(html, bytes) else html)


__all__ = ["Link", "Option", "Page", "parse", "squash"]
