#!/bin/sh
# Set up and run every check: lint, types, and the whole test suite.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install.sh --dev
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
