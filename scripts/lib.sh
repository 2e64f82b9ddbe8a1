# Shared helpers for setup and test scripts: idempotent installers. Source, don't run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
export PATH="$HOME/.cargo/bin:$PATH"
# Pinned to the wasm-bindgen crate version in Cargo.lock (checked by scripts/test.d/*-npm).
WASM_BINDGEN_VERSION="0.2.130"

log() { printf '\n\033[1m== %s  [%s]\033[0m\n' "$*" "$(date -u +%H:%M:%S)" >&2; }

# ensure_apt PKG... : install Debian packages that are missing.
ensure_apt() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

ensure_wasm_bindgen() {
  if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # The CLI's own lockfile pins a since-yanked webpki-roots: fall back to a fresh resolution.
    cargo install --locked --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" \
      || cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

# ensure_npm DIR : npm ci in DIR when node_modules is missing or older than the lockfile.
ensure_npm() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "npm ci in ${dir#$ROOT/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# ensure_pkg : build the npm package (pkg/build.sh) when any of its dist entries is missing or older
# than its sources. 40-npm.sh builds it in a full run; gates that use it call this when run alone.
ensure_pkg() {
  local e stale=""
  for e in node/index.cjs node/playgate_wasm_bg.wasm web/index.mjs web/playgate_wasm_bg.wasm \
    verify/index.mjs verify/playgate_wasm_bg.wasm verify-node/index.cjs verify-node/playgate_wasm_bg.wasm; do
    if [ ! -f "$ROOT/pkg/dist/$e" ] || [ -n "$(cd "$ROOT" && find src pkg/src pkg/js pkg/build.sh \
      Cargo.toml Cargo.lock pkg/Cargo.toml -newer "pkg/dist/$e" -print -quit)" ]; then
      stale=1
      break
    fi
  done
  if [ -n "$stale" ]; then
    log "bash pkg/build.sh (the npm package is missing or older than its sources)"
    bash "$ROOT/pkg/build.sh"
  fi
}
