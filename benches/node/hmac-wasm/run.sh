#!/usr/bin/env bash
# Builds the HMAC bench for wasm32 with and without simd128 and times both in node.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}/hmac-wasm-bench"
out="$target/out"
mkdir -p "$out"
cd "$here"
CARGO_TARGET_DIR="$target/soft" cargo build --quiet --release --target wasm32-unknown-unknown
CARGO_TARGET_DIR="$target/simd" RUSTFLAGS="-C target-feature=+simd128" cargo build --quiet --release --target wasm32-unknown-unknown
cp "$target/soft/wasm32-unknown-unknown/release/hmac_wasm_bench.wasm" "$out/soft.wasm"
cp "$target/simd/wasm32-unknown-unknown/release/hmac_wasm_bench.wasm" "$out/simd.wasm"
node run.mjs "$out/soft.wasm" "$out/simd.wasm"
