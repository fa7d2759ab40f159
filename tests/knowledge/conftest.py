"""Shared fixtures for the knowledge tests."""

from __future__ import annotations

from pathlib import Path

import pytest

# In CI the shared data checkout sits next to the repository.
SHARED_DIR = Path(__file__).parents[2].parent / "shared"
PLAUSIBLE_DOCS = SHARED_DIR / "data" / "plausible_docs" / "docs"


@pytest.fixture
def plausible_docs() -> Path:
    if not PLAUSIBLE_DOCS.is_dir():
        pytest.skip(f"Plausible docs corpus not found at {PLAUSIBLE_DOCS} (expected ../shared next to the repo)")
    return PLAUSIBLE_DOCS
