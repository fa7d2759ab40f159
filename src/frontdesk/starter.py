"""`frontdesk init`: a starter bot that works before it is edited."""

from __future__ import annotations

import re
from pathlib import Path

from frontdesk.config import NAME_PATTERN
from frontdesk.errors import InvalidInputError

TEMPLATE = Path(__file__).parent / "init_template"


def write_starter(directory: Path, *, name: str, force: bool = False) -> list[Path]:
    if not re.fullmatch(NAME_PATTERN, name):
        raise InvalidInputError(
            f"bot name {name!r}: use letters, digits, '-', '_' or '.', starting with a letter or digit"
        )
    config = directory / "bot.yaml"
    if config.exists() and not force:
        raise InvalidInputError(f"{config} already exists (use --force to overwrite it)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "knowledge").mkdir(exist_ok=True)
    files = {
        config: (TEMPLATE / "bot.yaml").read_text(encoding="utf-8").replace("{name}", name),
        directory / "knowledge" / "getting-started.md": (TEMPLATE / "getting-started.md").read_text(encoding="utf-8"),
        directory / "faq.yaml": (TEMPLATE / "faq.yaml").read_text(encoding="utf-8"),
        directory / "testset.jsonl": (TEMPLATE / "testset.jsonl").read_text(encoding="utf-8"),
    }
    created = []
    for path, content in files.items():
        if path.exists() and path != config and not force:
            continue
        path.write_text(content, encoding="utf-8")
        created.append(path)
    return created
