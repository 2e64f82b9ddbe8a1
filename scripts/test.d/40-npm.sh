#!/usr/bin/env bash
# npm package: build (cargo → wasm-bindgen → wasm-opt), then node's test runner: the conformance
# corpus (target/conformance/npm.json), the JS API, the packed tarball from CJS/ESM/web, the jose
# round trip, and the budgets (target/conformance/budgets-npm.json: wasm gzip ≤ 120 KiB, cold start).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
bash pkg/build.sh
log "node --test (pkg)"
cd pkg
# The budgets file runs on its own after the rest: its cold-start figure is wall time of fresh
# processes, which the other test files (run in parallel by node --test) would slow by ≈ 10 ms.
node --test $(ls test/*.test.mjs | grep -v '/budgets.test.mjs$')
node --test test/budgets.test.mjs
