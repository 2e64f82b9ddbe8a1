#!/usr/bin/env bash
# CloudFront Function gate (edge-handlers/cloudfront-function): the generator, the runtime-2.0
# syntax check, size budget, fault cases, hand-made edge cases decided by the core's CLI, and the
# conformance corpus through the generated function in Node and under njs (Debian package `njs`).
# Writes target/conformance/cloudfront-{node,njs}.json and budgets-cloudfront.json.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v npm >/dev/null || ensure_apt nodejs npm
ensure_apt njs
ensure_npm edge-handlers/cloudfront-function
log "cargo build -p playgate-cli (the oracle for hand-made cases)"
cargo build --quiet -p playgate-cli
log "node --test edge-handlers/cloudfront-function/test"
cd edge-handlers/cloudfront-function
PLAYGATE_CLI="$ROOT/target/debug/playgate" node --test test/
