#!/bin/sh
# Set up and run the demo: the Kitewire help-center bot on http://127.0.0.1:8000 (SQLite, no API key).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install.sh
exec .venv/bin/frontdesk serve --config examples/helpcenter/bot.yaml "$@"
