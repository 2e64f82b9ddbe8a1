#!/usr/bin/env bash
# Browser end-to-end gate: `playgate serve` + the demo page in Debian's Chromium, driven by
# playwright-core (tests/browser/). Installs chromium (apt) and playwright-core (npm, no browser
# download), builds the binary, runs the tests; screenshots land in tests/artifacts/.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
ensure_apt chromium
command -v npm >/dev/null || ensure_apt nodejs npm
ensure_npm cli/demo
ensure_npm tests/browser
log "cargo build -p playgate-cli"
cargo build --quiet -p playgate-cli
mkdir -p tests/artifacts target
log "node --test tests/browser"
set +e
PLAYGATE_BIN="$ROOT/target/debug/playgate" node --test --test-reporter=spec tests/browser/demo.test.mjs 2>&1 | tee target/browser-test.log
rc=${PIPESTATUS[0]}
set -e
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' target/browser-test.log | tail -1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' target/browser-test.log | tail -1)
echo "browser: ${pass:-0} passed, ${fail:-0} failed"
if [ "$rc" -ne 0 ] || [ "${pass:-0}" -eq 0 ]; then exit 1; fi
