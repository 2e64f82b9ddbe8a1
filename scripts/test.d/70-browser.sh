#!/usr/bin/env bash
# Browser end-to-end gate: `playgate serve` + the demo page in Debian's Chromium, driven by
# playwright-core (tests/browser/demo.test.mjs), and the npm package's web modules (full and
# verify-only) running the whole conformance corpus in the same browser (tests/browser/wasm.test.mjs).
# Installs chromium (apt) and playwright-core (npm, no browser download), builds the binary (and the
# npm package when stale), runs the tests; screenshots land in tests/artifacts/.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
ensure_apt chromium
command -v npm >/dev/null || ensure_apt nodejs npm
ensure_npm cli/demo
ensure_npm tests/browser
log "cargo build -p playgate-cli"
cargo build --quiet -p playgate-cli
ensure_pkg
mkdir -p tests/artifacts target
log "node --test tests/browser"
rm -f target/browser-wasm.json
set +e
PLAYGATE_BIN="$ROOT/target/debug/playgate" node --test --test-reporter=spec \
  tests/browser/demo.test.mjs tests/browser/wasm.test.mjs 2>&1 | tee target/browser-test.log
rc=${PIPESTATUS[0]}
set -e
pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' target/browser-test.log | tail -1)
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' target/browser-test.log | tail -1)
echo "browser: ${pass:-0} passed, ${fail:-0} failed"
if [ -f target/browser-wasm.json ]; then
  node -e '
const s = require(process.argv[1]);
console.log(`browser wasm: ${s.cases} cases x ${s.modules} modules, ${s.failed} failed, ${s.skipped} skipped; minted HS256/ES384 tokens: ${s.tokens} (${(s.user_agent || "").match(/Chrome\/[\d.]+/)?.[0] ?? "no browser"})`);
process.exitCode = s.failed === 0 && s.passed === s.cases * s.modules && s.tokens === "ok" ? 0 : 1;
' "$ROOT/target/browser-wasm.json" || rc=1
else
  echo "browser wasm: no summary (target/browser-wasm.json not written)"
  rc=1
fi
if [ "$rc" -ne 0 ] || [ "${pass:-0}" -eq 0 ]; then exit 1; fi
