"""Clean Markdown/MDX (Docusaurus flavour) into plain, structure-preserving Markdown.

Headings, lists, tables and fenced code stay in Markdown form so the chunker can see structure;
links, emphasis, images, JSX components, HTML and admonition fences are reduced to their text.
Fenced and inline code are kept verbatim (an install snippet *is* the answer to many questions),
so markup may appear inside code but never outside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import yaml

from frontdesk.knowledge.markup import CodeVault, neutralise_tags, render_markup

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})")
_IMPORT = re.compile(r"^import\s+(?:['\"]|[\w*{}\s,$]+\s+from\s+['\"])")
_IMPORT_MULTILINE = re.compile(r"^import\s+(?:type\s+)?\{[^}]*$")
_EXPORT = re.compile(r"^export\s+(?:default\s+|const\s|let\s|var\s|function\s|async\s|class\s|\{)")
_ADMONITION_OPEN = re.compile(r"^(\s*):{3,}([A-Za-z]+)(?:\[(.*)\])?[ \t]*(.*?)\s*$")
_ADMONITION_CLOSE = re.compile(r"^\s*:{3,}\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
# Docusaurus line-highlighting directives inside code blocks (`// highlight-next-line`).
_HIGHLIGHT_DIRECTIVE = re.compile(
    r"^[ \t]*(?://|#|<!--|/\*|--|;)[ \t]*highlight-(?:next-line|start|end)[ \t]*(?:-->|\*/)?[ \t]*\n", re.MULTILINE
)
_SPECIAL_LINE_STARTS = frozenset("`~ie:=-*_")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#|>|\||<|:::|$)")

# Repeats are bounded so that a stray "[", "*" or "`" in a huge file cannot cost a scan to its end.
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).){1,5000}?)(?<!`)\1(?!`)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}", re.DOTALL)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^\s<>]+|[^\s<>@]+@[^\s<>@]+\.[A-Za-z]{2,})>")
_LINK_TARGET = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
_IMAGE = re.compile(r"!\[[^\]]{0,1000}\](?:" + _LINK_TARGET + r"|\[[^\]]{0,200}\])")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\[\]]{0,200}\]){0,1000})\](?:" + _LINK_TARGET + r"|\[[^\]]{0,200}\])")
_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.MULTILINE)
_STRONG = re.compile(
    r"(?<![\\*])\*\*(?=\S)((?:[^*\n]|\*(?!\*)){1,1000}?)(?<=\S)\*\*"
    r"|(?<![\w\\])__(?=\S)((?:[^_\n]|_(?!_)){1,1000}?)(?<=\S)__(?!\w)"
)
_EMPHASIS = re.compile(
    r"(?<![\\*\w])\*(?=[^\s*])([^*\n]{1,1000}?)(?<=[^\s*])\*(?![*\w])"
    r"|(?<![\w\\])_(?=\S)([^_\n]{1,1000}?)(?<=\S)_(?!\w)"
)
_STRIKE = re.compile(r"~~(?=\S)((?:[^~\n]|~(?!~)){1,1000}?)(?<=\S)~~")
_HEADING_ID = re.compile(r"^(#{1,6}[ \t].*?)[ \t]*\{#[^}\s]*\}[ \t]*$", re.MULTILINE)
_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")

_ADMONITION_LABELS = {
    "note": "Note",
    "tip": "Tip",
    "info": "Info",
    "caution": "Caution",
    "warning": "Warning",
    "danger": "Danger",
    "important": "Important",
    "success": "Success",
    "secondary": "Note",
}


class FrontMatterError(ValueError):
    """The YAML between the leading `---` lines does not parse."""


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (front-matter mapping, body). A file without front matter gives ({}, text)."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise FrontMatterError(f"invalid YAML front matter{where}") from exc
    return (data if isinstance(data, dict) else {}), text[match.end() :]


def clean_markdown(body: str) -> str:
    """Clean a Markdown/MDX body (front matter already removed) into plain Markdown."""
    vault = CodeVault()
    protect = vault.protect
    prose = _clean_lines(CodeVault.scrub(body), protect)
    prose = _COMMENT.sub("", prose)
    prose = _MDX_COMMENT.sub("", prose)
    prose = _INLINE_CODE.sub(lambda m: protect(m.group(0)), prose)
    prose = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), prose)
    prose = render_markup(prose, protect)
    prose = _clean_inline(prose, protect)
    prose = "\n".join(line.rstrip() for line in prose.split("\n"))
    prose = re.sub(r"\n{3,}", "\n\n", prose).strip("\n")
    return vault.restore(prose)


def first_heading(text: str, level: int = 1) -> str | None:
    """The text of the first ATX heading of `level` outside code, if any."""
    in_fence = False
    for line in text.split("\n"):
        if _FENCE_OPEN.match(line):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#" * level + " "):
            return line[level + 1 :].strip().strip("#").strip() or None
    return None


def _clean_lines(body: str, protect: Callable[[str], str]) -> str:
    """Line-level pass: code fences to placeholders, MDX imports/exports, admonitions, setext headings."""
    lines = body.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip()[:1] not in _SPECIAL_LINE_STARTS:  # the common case: nothing to rewrite
            out.append(line)
            i += 1
            continue
        fence = _FENCE_OPEN.match(line)
        if fence:
            end = _fence_end(lines, i, fence.group(2))
            out.append(protect(_HIGHLIGHT_DIRECTIVE.sub("", "\n".join(lines[i:end]))))
            i = end
            continue
        if _IMPORT.match(line) or _IMPORT_MULTILINE.match(line) or _EXPORT.match(line):
            i = _statement_end(lines, i)
            continue
        admonition = _ADMONITION_OPEN.match(line)
        if admonition:
            indent, kind, bracket_title, title = admonition.groups()
            label = _ADMONITION_LABELS.get(kind.lower(), kind.capitalize())
            title = (bracket_title or title).strip()
            out.extend(["", f"{indent}{label}: {title}" if title else f"{indent}{label}:"])
        elif _ADMONITION_CLOSE.match(line):
            out.append("")
        elif _SETEXT.match(line) and out and _is_paragraph_line(out[-1]) and not _THEMATIC_BREAK.match(out[-1]):
            out[-1] = ("# " if "=" in line else "## ") + out[-1].strip()
        elif _THEMATIC_BREAK.match(line):
            out.append("")
        else:
            out.append(line)
        i += 1
    return "\n".join(out)


def _fence_end(lines: list[str], start: int, marker: str) -> int:
    """Index just past the closing fence (or the end, for an unclosed fence)."""
    closing = re.compile(rf"^\s*{re.escape(marker[0])}{{{len(marker)},}}\s*$")
    for j in range(start + 1, len(lines)):
        if closing.match(lines[j]):
            return j + 1
    return len(lines)


def _statement_end(lines: list[str], start: int) -> int:
    """Index past an MDX import/export statement, which may span lines."""
    if _IMPORT_MULTILINE.match(lines[start]):  # import {\n  a,\n} from '...'
        for j in range(start + 1, len(lines)):
            if re.search(r"\bfrom\s+['\"]", lines[j]):
                return j + 1
        return len(lines)
    depth = 0  # an export runs until its brackets balance
    for j in range(start, len(lines)):
        depth += sum(lines[j].count(c) for c in "{[(") - sum(lines[j].count(c) for c in "}])")
        if depth <= 0:
            return j + 1
    return len(lines)


def _is_paragraph_line(line: str) -> bool:
    return bool(line.strip()) and not _BLOCK_START.match(line) and not CodeVault.holds_placeholder(line)


def _clean_inline(text: str, protect: Callable[[str], str]) -> str:
    text = _IMAGE.sub("", text)
    # Links may wrap only an image (a badge); the emptied brackets then vanish with the link.
    for _ in range(2):  # a second round unwraps links nested in link text
        text = _LINK.sub(lambda m: m.group(1), text)
    text = _LINK_DEFINITION.sub("", text)
    for _ in range(2):  # ***x*** is strong around emphasis
        text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
        text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _STRIKE.sub(r"\1", text)
    text = _HEADING_ID.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = html.unescape(text)
    return neutralise_tags(text, protect)
