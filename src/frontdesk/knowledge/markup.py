"""HTML and JSX embedded in Markdown, reduced to text with Markdown structure.

A hand-rolled tag scanner rather than an HTML parser: MDX attributes hold JSX expressions
(`src={useBaseUrl('img/a.png')}`, `style={{color: 'red'}}`) that HTML parsers mangle, and the text
between tags is Markdown whose line structure must survive.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

# Elements whose content is never customer-facing text.
_DROP = frozenset(
    {
        "script",
        "style",
        "head",
        "noscript",
        "svg",
        "template",
        "iframe",
        "video",
        "audio",
        "object",
        "canvas",
        "math",
        "select",
        "textarea",
    }
)
# Tags that start a new paragraph; shared with the .html loader.
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "header",
        "footer",
        "nav",
        "details",
        "summary",
        "blockquote",
        "figure",
        "figcaption",
        "dl",
        "dt",
        "dd",
        "hr",
        "center",
        "form",
        "fieldset",
        "address",
        "body",
        "html",
        "caption",
    }
)
_HEADING = re.compile(r"h([1-6])")
_TAG_START = re.compile(r"<(/?)([A-Za-z][\w.:-]*)")
_ATTR_NAME = re.compile(r"[^\s\"'<>/={}`]+")
_UNQUOTED = re.compile(r"[^\s>]+")
_MAX_TAG_CHARS = 10_000  # a tag (multi-line JSX included) is never longer
# Characters that failed tag scans may cost per text. Real documents spend next to nothing; past this
# (adversarial input) the rest of the text is left to `neutralise_tags`, keeping the time linear.
_SCAN_BUDGET = 2_000_000
_TAG_LIKE = re.compile(r"</?[A-Za-z!?][^<>\n]*>")
_DANGLING_TAG = re.compile(r"<(?=[A-Za-z!?/])")
# Private-use characters mark protected code while the prose around it is rewritten.
_PH_OPEN, _PH_CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_PH_OPEN}(\\d+){_PH_CLOSE}")


class CodeVault:
    """Holds code (kept verbatim) out of the way of prose rewriting, leaving placeholders behind."""

    def __init__(self) -> None:
        self._items: list[str] = []

    @staticmethod
    def scrub(text: str) -> str:
        """Remove stray placeholder characters from input so they cannot be confused with ours."""
        return text.replace(_PH_OPEN, "").replace(_PH_CLOSE, "")

    @staticmethod
    def holds_placeholder(text: str) -> bool:
        return _PH_OPEN in text

    def protect(self, code: str) -> str:
        self._items.append(code)
        return f"{_PH_OPEN}{len(self._items) - 1}{_PH_CLOSE}"

    def restore(self, text: str) -> str:
        # Code can nest placeholders (an HTML <pre> holding inline code), hence the loop.
        while _PLACEHOLDER.search(text):
            text = _PLACEHOLDER.sub(lambda m: self._items[int(m.group(1))], text)
        return text


def neutralise_tags(text: str, protect: Callable[[str], str]) -> str:
    """Tag-like text left in prose (from entities such as &lt;div&gt;) is shown as inline code, not markup."""
    text = _TAG_LIKE.sub(lambda m: protect(f"`{m.group(0)}`"), text)
    return _DANGLING_TAG.sub("< ", text)


@dataclass(frozen=True)
class _Tag:
    name: str  # lower-cased
    closing: bool
    self_closing: bool
    component: bool  # a capitalised JSX component such as <Tabs>
    end: int


def render_markup(text: str, protect: Callable[[str], str]) -> str:
    """Replace HTML/JSX tags in Markdown text by their text, keeping structure as Markdown.

    `protect` stores code that later passes must not touch and returns a placeholder for it.
    """
    tokens = _tokenize(text)
    last_close = {token.name: i for i, token in enumerate(tokens) if isinstance(token, _Tag) and token.closing}
    renderer = _Renderer(protect)
    for i, token in enumerate(tokens):
        if isinstance(token, _Tag):
            # An unclosed <script> or <iframe> drops only itself, not the rest of the page.
            unclosed = not token.closing and last_close.get(token.name, -1) < i
            renderer.tag(_Tag(token.name, False, True, token.component, token.end) if unclosed else token)
        elif not (_is_jsx_expression(token) and _next_to_tag(tokens, i)):
            renderer.text(token)
    return renderer.finish()


def _tokenize(text: str) -> list[str | _Tag]:
    tokens: list[str | _Tag] = []
    pos = start = 0
    budget = _SCAN_BUDGET
    while budget > 0 and (pos := text.find("<", pos)) != -1:
        if pos > 0 and text[pos - 1] == "\\":  # "\<b>" is escaped text
            pos += 1
            continue
        tag, reached = _scan_tag(text, pos, min(len(text), pos + _MAX_TAG_CHARS))
        if tag is None:
            budget -= reached - pos
            pos += 1
            continue
        if pos > start:
            tokens.append(text[start:pos])
        tokens.append(tag)
        pos = start = tag.end
    if start < len(text):
        tokens.append(text[start:])
    return tokens


def _scan_tag(text: str, pos: int, limit: int) -> tuple[_Tag | None, int]:
    """Parse the HTML/JSX tag at text[pos] == "<" (None if this "<" is just text) and say how far it looked."""
    match = _TAG_START.match(text, pos)
    if match is None:
        return None, pos
    closing, raw_name = bool(match.group(1)), match.group(2)

    def make(self_closing: bool, end: int) -> tuple[_Tag, int]:
        return _Tag(raw_name.lower(), closing, self_closing, raw_name[0].isupper(), end), end

    p = match.end()
    while p < limit:
        char = text[p]
        if char.isspace():
            p += 1
        elif char == ">":
            return make(False, p + 1)
        elif char == "/":  # JSX tolerates "<hr / >"
            q = p + 1
            while q < limit and text[q].isspace():
                q += 1
            return make(True, q + 1) if q < limit and text[q] == ">" else (None, q)
        elif closing:
            return None, p
        elif char == "{":  # JSX spread attribute {...props}
            p = _skip_braces(text, p, limit)
        else:
            name = _ATTR_NAME.match(text, p)
            if name is None:
                return None, p
            p = name.end()
            while p < limit and text[p].isspace():
                p += 1
            if p < limit and text[p] == "=":
                p = _skip_value(text, p + 1, limit)
        if p < 0:
            return None, limit
    return None, limit


def _skip_value(text: str, p: int, limit: int) -> int:
    while p < limit and text[p].isspace():
        p += 1
    if p >= limit:
        return -1
    if text[p] in "\"'":
        end = text.find(text[p], p + 1, limit)
        return -1 if end == -1 else end + 1
    if text[p] == "{":
        return _skip_braces(text, p, limit)
    value = _UNQUOTED.match(text, p)
    return -1 if value is None else value.end()


def _skip_braces(text: str, p: int, limit: int) -> int:
    """Index past the JSX expression opening at text[p] == "{" (strings may hold braces), or -1."""
    depth, quote = 0, ""
    while p < limit:
        char = text[p]
        if quote:
            if char == "\\":
                p += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return p + 1
        p += 1
    return -1


def _is_jsx_expression(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("{") and _skip_braces(stripped, 0, len(stripped)) == len(stripped)


def _next_to_tag(tokens: list[str | _Tag], i: int) -> bool:
    return (i > 0 and isinstance(tokens[i - 1], _Tag)) or (i + 1 < len(tokens) and isinstance(tokens[i + 1], _Tag))


def _collapse(text: str) -> str:
    return " ".join(text.split())


class _Renderer:
    """Streams tokens into Markdown text; headings, table cells and code are buffered until closed."""

    def __init__(self, protect: Callable[[str], str]) -> None:
        self._protect = protect
        self._out: list[str] = []
        self._skip: tuple[str, int] | None = None  # (element name, nesting depth) being dropped
        self._heading: tuple[int, list[str]] | None = None
        self._rows: list[tuple[list[str], bool]] | None = None  # (cells, is header row)
        self._cell: list[str] | None = None
        self._code: tuple[str, list[str]] | None = None  # ("code" | "pre", text)
        self._list_depth = 0

    def _sink(self) -> list[str]:
        if self._code is not None:
            return self._code[1]
        if self._cell is not None:
            return self._cell
        if self._heading is not None:
            return self._heading[1]
        return self._out

    def text(self, text: str) -> None:
        if self._skip is None and (self._rows is None or self._cell is not None):
            self._sink().append(text)

    def tag(self, tag: _Tag) -> None:
        name = tag.name
        if self._skip is not None:
            skipped, depth = self._skip
            if name == skipped and not tag.self_closing:
                depth += -1 if tag.closing else 1
                self._skip = None if depth == 0 else (skipped, depth)
            return
        if name in _DROP:
            if not tag.closing and not tag.self_closing:
                self._skip = (name, 1)
            return
        if self._code is not None:  # markup inside code keeps only its text
            if tag.closing and name == self._code[0]:
                self._end_code()
            return
        if tag.self_closing and tag.component:
            return
        heading = _HEADING.fullmatch(name)
        if heading:
            self._heading_tag(int(heading.group(1)), tag)
        elif name in {"table", "tr", "td", "th"}:
            self._table_tag(tag)
        elif name in {"pre", "code"} and not tag.closing and not tag.self_closing:
            self._code = (name, [])
        elif name == "br":
            self._sink().append("\n")
        elif name in {"ul", "ol"}:
            self._list_depth = max(0, self._list_depth + (-1 if tag.closing else 1))
            if self._list_depth == (0 if tag.closing else 1):  # a nested list continues its item's lines
                self._sink().append("\n\n")
        elif name == "li":
            indent = "  " * max(0, self._list_depth - 1)
            if not tag.closing:
                self._sink().append(f"\n{indent}- ")
        elif name in BLOCK_TAGS or tag.component:
            self._sink().append("\n\n")

    def _heading_tag(self, level: int, tag: _Tag) -> None:
        if not tag.closing and not tag.self_closing:
            self._heading = (level, [])
        elif tag.closing and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            title = _collapse("".join(parts))
            if title:
                self._sink().append(f"\n\n{'#' * level} {title}\n\n")

    def _table_tag(self, tag: _Tag) -> None:
        if tag.name == "table":
            if not tag.closing:
                self._rows = []
            elif self._rows is not None:
                self._end_cell()
                rows, self._rows = self._rows, None
                self._out.append(_render_table(rows))
        elif self._rows is None:
            return
        elif tag.name == "tr":
            self._end_cell()
            if not tag.closing:
                self._rows.append(([], False))
        elif not tag.closing:  # td / th
            self._end_cell()
            if not self._rows:
                self._rows.append(([], False))
            if tag.name == "th":
                self._rows[-1] = (self._rows[-1][0], True)
            self._cell = []
        else:
            self._end_cell()

    def _end_cell(self) -> None:
        if self._cell is not None and self._rows:
            self._rows[-1][0].append(_collapse("".join(self._cell)).replace("|", "\\|"))
        self._cell = None

    def _end_code(self) -> None:
        assert self._code is not None
        kind, parts = self._code
        self._code = None
        code = html.unescape("".join(parts))
        if kind == "pre":
            self._sink().append("\n\n" + self._protect(f"```\n{code.strip(chr(10))}\n```") + "\n\n")
        elif code.strip():
            ticks = "``" if "`" in code else "`"
            self._sink().append(self._protect(f"{ticks}{code}{ticks}"))

    def finish(self) -> str:
        if self._code is not None:
            self._end_code()
        if self._rows is not None:
            self._end_cell()
            self._out.append(_render_table(self._rows))
        if self._heading is not None:  # unclosed heading: keep its words as a paragraph
            self._out.append("\n\n" + _collapse("".join(self._heading[1])))
        return "".join(self._out)


def _render_table(rows: list[tuple[list[str], bool]]) -> str:
    lines: list[str] = []
    for index, (cells, header) in enumerate(row for row in rows if row[0]):
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0 and header:
            lines.append("|" + " --- |" * len(cells))
    return "\n\n" + "\n".join(lines) + "\n\n" if lines else ""
