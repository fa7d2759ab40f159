#!/bin/sh
# Set up and run the demo: the Kitewire help-center bot on http://127.0.0.1:8000 (SQLite, no API key),
# with a demo agent for the inbox at http://127.0.0.1:8000/inbox.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install.sh
config=examples/helpcenter/bot.yaml
token_file=examples/helpcenter/.frontdesk/demo-agent-token  # the demo's own data folder, git-ignored
if [ ! -s "$token_file" ]; then
  mkdir -p "$(dirname "$token_file")"
  .venv/bin/frontdesk agents remove demo --config "$config" >/dev/null 2>&1 || true
  (umask 077 && .venv/bin/frontdesk agents add demo --team '*' --config "$config" --json \
    | sed -n 's/.*"token": "\(.*\)".*/\1/p' > "$token_file")
fi
echo "Agent inbox: /inbox on the address below (default http://127.0.0.1:8000/inbox); demo agent token: $(cat "$token_file")" >&2
exec .venv/bin/frontdesk serve --config "$config" "$@"
