#!/usr/bin/env bash
# Regenerates benches/results/summary.md and benches/results/chart.svg: the interleaved native
# harness (benches/interleaved.rs: issue 8's native targets), native criterion figures (playgate vs
# jsonwebtoken, cache hits; not interleaved), the Node harness (npm package vs fast-jwt, jose,
# jsonwebtoken, node:crypto), and the size/cold-start budgets measured by the test command.
# Not part of the test command: it takes minutes and wants a quiet machine.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
log "interleaved native harness: benches/interleaved.rs (writes target/bench-native.json)"
cargo bench --quiet --bench interleaved
log "criterion: benches/check.rs"
cargo bench --quiet --bench check -- --noplot >/dev/null
log "node harness (needs the npm package: scripts/test.d/40-npm.sh builds it)"
[ -f pkg/dist/node/index.cjs ] || bash pkg/build.sh
ensure_npm "$ROOT/benches/node"
BENCH_JSON="$ROOT/target/bench-node.json" node benches/node/bench.mjs "${BENCH_SECONDS:-3}"
python3 benches/report.py
