#!/usr/bin/env bash
# Fuzz smoke runs: every cargo-fuzz target in fuzz/ for FUZZ_SMOKE_SECONDS (default 15) each, on a
# corpus seeded from the repository's fixtures. Long runs: fuzz/long-run.sh (not part of this gate).
#
# cargo fuzz needs nightly-only flags (-Zsanitizer=address and friends). Only a stable toolchain can
# be had here, so they are unlocked with RUSTC_BOOTSTRAP=1 on the stable compiler, whose rust-std
# ships the sanitizer runtimes.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT/fuzz"
ensure_apt g++ python3
command -v cargo-fuzz >/dev/null || { log "cargo install cargo-fuzz"; cargo install --locked --quiet cargo-fuzz; }
export RUSTC_BOOTSTRAP=1
secs="${FUZZ_SMOKE_SECONDS:-15}"

log "fuzz crate: cargo fmt --check"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
cargo fmt --check

log "cargo fuzz build"
python3 seed.py
cargo fuzz build --release 2>&1 | grep -vE '^\s+(Compiling|Blocking|Downloaded|Downloading)' || true
[ "${PIPESTATUS[0]}" = 0 ] || { echo "cargo fuzz build failed" >&2; exit 1; }

failed=()
for t in $(cargo fuzz list); do
  mkdir -p "corpus/$t" "artifacts/$t"
  logf="$ROOT/target/fuzz-smoke-$t.log"
  # regressions/<target>/ holds inputs that once failed: loaded (and so replayed) with the corpus.
  regress=(); [ -d "regressions/$t" ] && regress=("regressions/$t")
  # -timeout: an input running for more than 10 s is a hang (libFuzzer's default is 20 minutes).
  if cargo fuzz run --release "$t" "corpus/$t" "${regress[@]}" -- -max_total_time="$secs" -timeout=10 \
    -print_final_stats=1 >"$logf" 2>&1; then
    runs=$(grep -oE '^Done [0-9]+ runs' "$logf" | awk '{print $2}' || true)
    echo "fuzz smoke $t: ${runs:-?} executions in ${secs}s, no crash"
  else
    failed+=("$t")
    grep -E "panicked|ERROR|SUMMARY|Test unit written" -A3 "$logf" | head -20 >&2
    echo "fuzz smoke $t: CRASH (full log $logf; reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $t <artifact>)" >&2
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz targets crashed: ${failed[*]}" >&2; exit 1; }
