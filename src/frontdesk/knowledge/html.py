"""HTML files (exported help-centre pages) to the same Markdown-like text the Markdown loader produces."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

from frontdesk.knowledge.markup import BLOCK_TAGS, CodeVault, neutralise_tags

# Page chrome and non-text elements; their content never answers a customer.
_DROP = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "noscript",
        "head",
        "svg",
        "template",
        "iframe",
        "canvas",
        "video",
        "audio",
        "object",
        "button",
        "select",
        "textarea",
        "img",
    }
)
_HEADING = re.compile(r"h([1-6])")
_SPACES = re.compile(r"[ \t\r\f\v]+")


@dataclass(frozen=True)
class HtmlPage:
    text: str
    title: str | None
    url: str | None  # the canonical URL, when the page declares an absolute one


def parse_html(source: str) -> HtmlPage:
    with warnings.catch_warnings():  # bs4 warns about input that merely looks like a URL or XML
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(CodeVault.scrub(source), "html.parser")
    title = _title(soup)
    url = _canonical_url(soup)
    vault = CodeVault()
    parts: list[str] = []
    _render_children(soup, parts, vault, list_depth=0)
    text = neutralise_tags("".join(parts), vault.protect)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return HtmlPage(vault.restore(text), title, url)


def _title(soup: BeautifulSoup) -> str | None:
    for element in (soup.find("title"), soup.find("h1")):
        if isinstance(element, Tag) and (text := " ".join(element.get_text().split())):
            return text
    return None


def _canonical_url(soup: BeautifulSoup) -> str | None:
    for element in soup.find_all(["link", "meta"]):
        rel = element.get("rel")
        if element.name == "link" and isinstance(rel, list) and "canonical" in rel:
            value = element.get("href")
        elif element.name == "meta" and element.get("property") == "og:url":
            value = element.get("content")
        else:
            continue
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def _render_children(node: Tag, out: list[str], vault: CodeVault, list_depth: int) -> None:
    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA, processing instructions
            continue
        if isinstance(child, NavigableString):
            out.append(_SPACES.sub(" ", str(child).replace("\n", " ")))
        elif isinstance(child, Tag):
            _render_tag(child, out, vault, list_depth)


def _render_tag(tag: Tag, out: list[str], vault: CodeVault, list_depth: int) -> None:
    name = tag.name.lower()
    heading = _HEADING.fullmatch(name)
    if name in _DROP:
        return
    if heading:
        inner: list[str] = []
        _render_children(tag, inner, vault, list_depth)
        if title := " ".join("".join(inner).split()):
            out.append(f"\n\n{'#' * int(heading.group(1))} {title}\n\n")
    elif name == "pre":
        out.append("\n\n" + vault.protect(f"```{_code_language(tag)}\n{tag.get_text().strip(chr(10))}\n```") + "\n\n")
    elif name == "code":
        code = tag.get_text()
        ticks = "``" if "`" in code else "`"
        out.append(vault.protect(f"{ticks}{code}{ticks}") if code.strip() else "")
    elif name == "table":
        out.append(_render_table(tag, vault))
    elif name in {"ul", "ol"}:
        out.append("" if list_depth else "\n\n")  # a nested list continues its item's lines
        _render_children(tag, out, vault, list_depth + 1)
        out.append("" if list_depth else "\n\n")
    elif name == "li":
        # The indent is protected so that per-line whitespace clean-up keeps nested lists nested.
        indent = vault.protect("  " * (list_depth - 1)) if list_depth > 1 else ""
        out.append(f"\n{indent}- ")
        _render_children(tag, out, vault, list_depth)
    elif name == "br":
        out.append("\n")
    elif name == "hr":
        out.append("\n\n")
    elif name in BLOCK_TAGS:
        out.append("\n\n")
        _render_children(tag, out, vault, list_depth)
        out.append("\n\n")
    else:
        _render_children(tag, out, vault, list_depth)


def _code_language(pre: Tag) -> str:
    for element in (pre, pre.find("code")):
        classes = element.get("class") if isinstance(element, Tag) else None
        for cls in classes or []:
            if isinstance(cls, str) and cls.startswith(("language-", "lang-")):
                return cls.split("-", 1)[1]
    return ""


def _render_table(table: Tag, vault: CodeVault) -> str:
    lines: list[str] = []
    for row in table.find_all("tr"):
        cells = row.find_all(["td", "th"], recursive=False)
        if not cells:
            continue
        texts = []
        for cell in cells:
            inner: list[str] = []
            _render_children(cell, inner, vault, list_depth=0)
            texts.append(" ".join("".join(inner).split()).replace("|", "\\|"))
        lines.append("| " + " | ".join(texts) + " |")
        if len(lines) == 1 and all(cell.name == "th" for cell in cells):
            lines.append("|" + " --- |" * len(cells))
    return "\n\n" + "\n".join(lines) + "\n\n" if lines else ""
