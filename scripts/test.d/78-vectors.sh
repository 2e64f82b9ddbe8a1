#!/usr/bin/env bash
# Public test vectors (fixtures/third_party/, tests/vectors.rs): already run by the Rust gate; run
# again here with output so that the per-file counts appear in the test command's log. Counts are
# also in target/vectors.json. `--workspace`, as in 10-rust.sh: the same features, so nothing rebuilds
# (`-p playgate` alone resolved other features and rebuilt the core and the P-384 stack).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
log "public vectors (Wycheproof, RFC 7515 A.1, RFC 6979 A.2.6)"
out=$(cargo test --quiet --workspace --test vectors -- --nocapture --test-threads=1 2>&1) && rc=0 || rc=$?
sed -E 's/^\.+//' <<<"$out" | grep -E '^vectors |^test result' || true
[ $rc = 0 ] || { echo "$out" | tail -40 >&2; exit 1; }
