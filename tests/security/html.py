"""Reading a page the way a browser would (html.parser), to find what the browser would run or apply."""

from html.parser import HTMLParser

# <script type="..."> values a browser executes; anything else (application/json...) is data.
SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


class Page(HTMLParser):
    """What in one HTML document would run script or apply inline CSS, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_scripts: list[str] = []  # <script> without src, described by where it starts
        self.handlers: list[str] = []  # on*= attributes
        self.script_urls: list[str] = []  # javascript: in a URL attribute
        self.injected_images: list[str] = []  # <img src=x>: the attribute-breakout payload, parsed
        self.style_elements = 0
        self.style_attributes: list[str] = []
        self.texts: list[str] = []
        self.attribute_values: list[str] = []
        self._in_script = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        where = f"<{tag}> at line {self.getpos()[0]}"
        if tag == "script":
            self._in_script = True
            if not attributes.get("src") and attributes.get("type", "").strip().lower() in SCRIPT_TYPES:
                self.inline_scripts.append(where)
        if tag == "style":
            self.style_elements += 1
        if tag == "img" and attributes.get("src") == "x":
            self.injected_images.append(where)
        for name, value in attributes.items():
            if name.startswith("on"):
                self.handlers.append(f"{where}: {name}={value!r}")
            if name == "style":
                self.style_attributes.append(f"{where}: style={value!r}")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.script_urls.append(f"{where}: {name}={value!r}")
            self.attribute_values.append(value)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def shows(self, literal: str) -> bool:
        """The literal is on the page as text or in an attribute's value, i.e. as the person typed it."""
        return literal in self.text or any(literal in value for value in self.attribute_values)

    def script_problems(self) -> list[str]:
        return self.inline_scripts + self.handlers + self.script_urls + self.injected_images
