"""Load knowledge sources from disk into cleaned `Document`s.

One bad file never aborts an ingest: it becomes a `LoadFailure` with a short reason and loading
continues with the next file.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from frontdesk.knowledge.documents import Document, LoadFailure
from frontdesk.knowledge.faq import faq_documents
from frontdesk.knowledge.html import parse_html
from frontdesk.knowledge.markdown import FrontMatterError, clean_markdown, first_heading, split_front_matter

__all__ = ["MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "load_directory", "load_faq", "load_file", "prettify_file_name"]

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".txt", ".pdf"}
MAX_FILE_BYTES = 20 * 1024 * 1024
_URL_KEYS = ("url", "slug", "permalink")
_BOMS = (("\ufeff".encode(), "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


class _Unloadable(Exception):
    """A file-level problem whose message is the LoadFailure reason."""


def load_directory(root: Path) -> Iterator[Document | LoadFailure]:
    """Every supported file below `root` (recursively, sorted by path, hidden entries skipped)."""
    if not root.is_dir():
        raise NotADirectoryError(f"knowledge directory not found: {root}")
    for path, source_id in _walk(root):
        yield load_file(path, source_id)


def load_file(path: Path, source_id: str | None = None) -> Document | LoadFailure:
    """Load one file; `source_id` defaults to the file name."""
    source_id = source_id or path.name
    try:
        return _load(path, source_id)
    except _Unloadable as exc:
        return LoadFailure(source_id, str(exc))
    except OSError as exc:
        return LoadFailure(source_id, f"cannot read file: {exc.strerror or exc}")
    except Exception as exc:  # a parser bug on one odd file must not stop the ingest
        return LoadFailure(source_id, f"could not parse: {type(exc).__name__}: {exc}"[:300])


def load_faq(path: Path) -> Iterator[Document | LoadFailure]:
    """Curated FAQ entries from a YAML/JSON list, JSON Lines or CSV file (format by suffix)."""
    try:
        text = _decode(_read(path))
    except _Unloadable as exc:
        yield LoadFailure(str(path), str(exc))
        return
    except OSError as exc:
        yield LoadFailure(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    yield from faq_documents(text, path.suffix, str(path))


def _walk(root: Path) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            path = Path(directory, name)
            if not name.startswith(".") and path.suffix.lower() in SUPPORTED_SUFFIXES:
                found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item[1])


def _read(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise _Unloadable(f"file too large ({size / 1024 / 1024:.1f} MB > {MAX_FILE_BYTES // 1024 // 1024} MB)")
    return path.read_bytes()


def _load(path: Path, source_id: str) -> Document:
    data = _read(path)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _load_pdf(data, path, source_id)
    text = _decode(data)
    if suffix in MARKDOWN_SUFFIXES:
        return _load_markdown(text, path, source_id)
    if suffix in HTML_SUFFIXES:
        page = parse_html(text)
        return Document(source_id=source_id, title=page.title or prettify_file_name(path), text=page.text, url=page.url)
    return Document(source_id=source_id, title=prettify_file_name(path), text=text)


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError as exc:
                raise _Unloadable(f"not valid {encoding} text") from exc
    if b"\x00" in data:
        raise _Unloadable("binary content")
    try:
        return _normalise_newlines(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _Unloadable("not valid UTF-8 text") from exc


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_markdown(text: str, path: Path, source_id: str) -> Document:
    try:
        front_matter, body = split_front_matter(text)
    except FrontMatterError as exc:
        raise _Unloadable(str(exc)) from exc
    cleaned = clean_markdown(body)
    title = _scalar(front_matter.get("title")) or first_heading(cleaned) or prettify_file_name(path)
    url_key = next((key for key in _URL_KEYS if _is_absolute_url(front_matter.get(key))), None)
    metadata = {
        str(key): value
        for key, raw in front_matter.items()
        if key not in {"title", url_key} and (value := _scalar(raw)) is not None
    }
    return Document(
        source_id=source_id,
        title=title,
        text=cleaned,
        url=str(front_matter[url_key]) if url_key else None,
        metadata=metadata,
    )


def _scalar(value: Any) -> str | None:
    """Front-matter scalars as strings; lists, mappings and empty values are left out."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None


def _is_absolute_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"https?://\S+$", value.strip()) is not None


def _load_pdf(data: bytes, path: Path, source_id: str) -> Document:
    # pypdf reports recoverable damage through logging and warnings; the outcome is judged by the text we get.
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise _Unloadable("encrypted PDF")
            pages = [(page.extract_text() or "").strip() for page in reader.pages]
            info_title = reader.metadata.title if reader.metadata else None
    except PdfReadError as exc:
        raise _Unloadable(f"unreadable PDF: {exc}"[:200]) from exc
    finally:
        pypdf_logger.setLevel(level)
    text = _normalise_newlines("\n\n".join(page for page in pages if page))
    if not text.strip():
        raise _Unloadable("no extractable text (scanned PDF?)")
    title = info_title.strip() if isinstance(info_title, str) and info_title.strip() else prettify_file_name(path)
    return Document(source_id=source_id, title=title, text=text)


def prettify_file_name(path: Path) -> str:
    """`cancel-subscription.md` -> "Cancel subscription"."""
    words = " ".join(re.split(r"[-_\s.]+", path.stem)).strip()
    return words[:1].upper() + words[1:] if words else path.name
