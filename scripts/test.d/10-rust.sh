#!/usr/bin/env bash
# Rust gates: fmt, clippy (core lints deny unwrap/expect/panic/indexing), tests + doctests, the
# no_std wasm32 build of the core, and the fixture regeneration diff.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
ensure_wasm_target

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "core for wasm32-unknown-unknown, no default features"
cargo build --quiet -p playgate --no-default-features --target wasm32-unknown-unknown

log "fixture regeneration diff"
regen="$ROOT/target/fixtures-regen"
rm -rf "$regen"
cargo run --quiet -p playgate-fixtures -- "$regen"
diff -r "$ROOT/fixtures/conformance" "$regen" >/dev/null || {
  diff -r "$ROOT/fixtures/conformance" "$regen" | head -40
  echo "fixtures/conformance is stale: run 'cargo run -p playgate-fixtures' and commit" >&2
  exit 1
}

log "cargo test --workspace (unit, integration, doc)"
set +e
cargo test --workspace --quiet >"$ROOT/target/rust-tests.log" 2>&1
rc=$?
set -e
grep -E "^test result|FAILED|panicked|^error" "$ROOT/target/rust-tests.log" || true
if [ $rc -ne 0 ]; then tail -60 "$ROOT/target/rust-tests.log"; exit $rc; fi
