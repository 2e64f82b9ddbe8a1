#!/usr/bin/env bash
# The demo in one command: installs what it needs (hls.js from npm, the playgate binary), then runs
# `playgate serve` on 127.0.0.1 with a dev config (keys generated at start) and prints the URL to
# open. Safe to run twice. PORT=9000 picks another port; other arguments go to `playgate serve`
# (e.g. --config gate.json --signing-key key.json).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
command -v npm >/dev/null || ensure_apt nodejs npm
ensure_npm cli/demo
log "cargo build -p playgate-cli"
cargo build --quiet -p playgate-cli
log "playgate serve (Ctrl-C to stop)"
exec "$ROOT/target/debug/playgate" serve --listen "127.0.0.1:${PORT:-8080}" "$@"
