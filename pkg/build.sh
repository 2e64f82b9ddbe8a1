#!/usr/bin/env bash
# Builds the npm package into pkg/dist/:
#   cargo (wasm32-unknown-unknown, profile wasm-release) → wasm-bindgen (CLI pinned to the crate version) →
#   wasm-opt (npm `binaryen`; Debian's is too old) → JS entries (esbuild) and types.
# Two modules: the full one (node/, web/: gate + minting) and a verify-only one for edge gates
# (`playgate/verify`, built without the `mint` feature; about a sixth smaller): verify/ for web and
# workers, verify-node/ for `require('playgate/verify')` in Node (the Lambda@Edge handler ships it).
# Prints the .wasm sizes, raw and gzipped. Safe to run twice.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
ensure_wasm_target
ensure_wasm_bindgen
ensure_npm "$ROOT/pkg"

# The CLI and the crate must be the same version, or the generated glue does not match the module.
locked="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock)"
if [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
  echo "wasm-bindgen crate $locked in Cargo.lock, CLI pinned to $WASM_BINDGEN_VERSION (scripts/lib.sh)" >&2
  exit 1
fi

# Profile `wasm-release` (root Cargo.toml): release with opt-level 2, measured smaller at the same speed.
# WebAssembly SIMD (simd128): sha2 then compresses SHA-256/-512 blocks with its wasm32_simd128 backend
# (HS256 first sight, see README "Costs"). Needs Node >= 16.4, Chrome 91, Firefox 89, Safari 16.4,
# workerd, Deno. For the wasm32 builds here only (RUSTFLAGS with --target do not reach build scripts).
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-C target-feature=+simd128"
log "cargo build playgate-wasm (wasm32, profile wasm-release, simd128)"
cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown -p playgate-wasm
# A cdylib's file name carries no feature hash: each module is copied out before the other is built.
# Both builds share the target dir, so the dependencies (the core included: `mint` only changes the
# bindings crate) compile once.
built="${CARGO_TARGET_DIR:-$ROOT/target}/wasm32-unknown-unknown/wasm-release/playgate_wasm.wasm"
modules="${CARGO_TARGET_DIR:-$ROOT/target}/wasm-modules"
mkdir -p "$modules/full" "$modules/verify"
wasm="$modules/full/playgate_wasm.wasm"
cp "$built" "$wasm"
log "cargo build playgate-wasm --no-default-features (verify only)"
cargo build --quiet --profile wasm-release --target wasm32-unknown-unknown -p playgate-wasm --no-default-features
verify_wasm="$modules/verify/playgate_wasm.wasm"
cp "$built" "$verify_wasm"

dist="$ROOT/pkg/dist"
bin="$ROOT/pkg/node_modules/.bin"
rm -rf "$dist"
mkdir -p "$dist/node" "$dist/web" "$dist/verify" "$dist/verify-node"

log "wasm-bindgen $WASM_BINDGEN_VERSION"
wasm-bindgen --target nodejs --out-dir "$dist/node" --no-typescript "$wasm"
wasm-bindgen --target web --out-dir "$dist/web" --no-typescript "$wasm"
# Package type is commonjs: the web glue is ESM, so it gets the .mjs extension.
mv "$dist/web/playgate_wasm.js" "$dist/web/playgate_wasm.mjs"
wasm-bindgen --target web --out-dir "$dist/verify" --no-typescript "$verify_wasm"
mv "$dist/verify/playgate_wasm.js" "$dist/verify/playgate_wasm.mjs"
wasm-bindgen --target nodejs --out-dir "$dist/verify-node" --no-typescript "$verify_wasm"

log "wasm-opt (binaryen $("$bin/wasm-opt" --version | awk '{print $3}'))"
# --one-caller-inline-max-function-size: by default wasm-opt inlines every function that has one
# caller, however big; the config reader became one 41 KB function, which V8's baseline compiler
# (Liftoff, lazily, on the first `Gate.fromConfig`) took ≈ 5 ms to compile. Capped at 100, no function
# passes 11 KB: cold start −2.7 ms wall / −3.8 ms CPU (pkg/README.md "Cold start"), check speed and
# size unchanged.
for t in node web verify verify-node; do
  f="$dist/$t/playgate_wasm_bg.wasm"
  "$bin/wasm-opt" -O3 --one-caller-inline-max-function-size=100 --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-simd \
    -o "$f.opt" "$f"
  mv "$f.opt" "$f"
done

log "JS entries and types"
# Whitespace and syntax minified, names kept (stack traces still name the functions): the API module
# is parsed on every cold start, and 24 → 16 KB took ≈ 1 ms off it (pkg/README.md "Cold start").
minify="--minify-whitespace --minify-syntax"
"$bin/esbuild" --log-level=warning $minify --format=cjs --platform=neutral pkg/js/api.js --outfile="$dist/node/api.cjs"
"$bin/esbuild" --log-level=warning $minify --format=esm --platform=neutral pkg/js/api.js --outfile="$dist/web/api.mjs"
cp pkg/js/node.cjs "$dist/node/index.cjs"
cp pkg/js/node.mjs "$dist/node/index.mjs"
cp pkg/js/web.mjs "$dist/web/index.mjs"
# The verify entry shares the web entry's API module (one copy of the JS in the package).
cp pkg/js/verify.mjs "$dist/verify/index.mjs"
cp pkg/js/verify.d.mts "$dist/verify/index.d.mts"
for t in node web; do cp pkg/js/types.d.ts "$dist/$t/types.d.ts"; done
cp pkg/js/node.d.ts "$dist/node/index.d.ts"
# The verify-only Node entry is the Node entry over the verify-only module (same API module),
# exporting the gate only.
sed -e "s#require('./api.cjs')#require('../node/api.cjs')#" \
  -e "s#^module.exports = bindApi(\(.*\));\$#module.exports = { Gate: bindApi(\1).Gate };#" \
  pkg/js/node.cjs > "$dist/verify-node/index.cjs"
grep -q "require('../node/api.cjs')" "$dist/verify-node/index.cjs"
grep -q "^module.exports = { Gate: bindApi(.*).Gate };$" "$dist/verify-node/index.cjs"
cp pkg/js/verify-node.d.ts "$dist/verify-node/index.d.ts"
cp pkg/js/node.d.mts "$dist/node/index.d.mts"
cp pkg/js/web.d.ts "$dist/web/index.d.mts"

for t in web verify; do
  f="$dist/$t/playgate_wasm_bg.wasm"
  echo "$t/playgate_wasm_bg.wasm: $(stat -c %s "$f") bytes, $(gzip -9 -c "$f" | wc -c) bytes gzip -9"
done
