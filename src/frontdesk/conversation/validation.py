"""Customer messages are checked once, at the edge, with errors a person can act on."""

from __future__ import annotations

import unicodedata

from frontdesk.errors import InvalidInputError

MAX_MESSAGE_CHARS = 4000
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def clean_message(text: str) -> str:
    """The message, NFC-normalised and trimmed; InvalidInputError when it cannot be a customer message."""
    if not isinstance(text, str):
        raise InvalidInputError("a message must be text", details={"field": "text"})
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError("the message is not valid UTF-8 text", details={"field": "text"}) from exc
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidInputError("the message is empty: type a question", details={"field": "text"})
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInputError(
            f"the message is too long ({len(text)} characters; the limit is {MAX_MESSAGE_CHARS})",
            details={"field": "text", "limit": MAX_MESSAGE_CHARS},
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
        raise InvalidInputError("the message contains control characters (binary data?)", details={"field": "text"})
    return text
