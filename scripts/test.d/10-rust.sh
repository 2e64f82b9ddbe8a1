#!/usr/bin/env bash
# Rust gates: fmt, clippy (core lints deny unwrap/expect/panic/indexing), tests + doctests; among the
# tests, the fixture regeneration diff (fixtures/gen: `committed_corpus_is_current`). The no_std
# wasm32 build of the core is the npm gate's (pkg/ builds the core without `std` for wasm32).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo test --workspace (unit, integration, doc)"
set +e
cargo test --workspace --quiet >"$ROOT/target/rust-tests.log" 2>&1
rc=$?
set -e
grep -E "^test result|FAILED|panicked|^error" "$ROOT/target/rust-tests.log" || true
if [ $rc -ne 0 ]; then tail -60 "$ROOT/target/rust-tests.log"; exit $rc; fi
