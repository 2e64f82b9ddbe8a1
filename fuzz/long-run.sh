#!/usr/bin/env bash
# Long fuzz runs (not part of the test command): each target for FUZZ_SECONDS (default 600), one at a
# time, at the lowest priority. Binaries are copied first so that editing the tree meanwhile does not
# change what runs. Prints "target executions" per target; logs in target/fuzz-long/.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT/fuzz"
secs="${FUZZ_SECONDS:-600}"
targets=("${@:-token request config event revocation_filter path}")
read -r -a targets <<<"${targets[*]}"
out="$ROOT/target/fuzz-long"; mkdir -p "$out/bin"
python3 seed.py
RUSTC_BOOTSTRAP=1 cargo fuzz build --release >/dev/null 2>&1 || RUSTC_BOOTSTRAP=1 cargo fuzz build --release
for t in "${targets[@]}"; do cp "target/x86_64-unknown-linux-gnu/release/$t" "$out/bin/$t"; done
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  regress=(); [ -d "regressions/$t" ] && regress=("regressions/$t")
  nice -n 19 "$out/bin/$t" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/" "corpus/$t" "${regress[@]}" >"$out/$t.log" 2>&1 || true
  runs=$(grep -oE '^Done [0-9]+ runs' "$out/$t.log" | awk '{print $2}' || true)
  crash=$(grep -c "panicked\|ERROR: libFuzzer\|SUMMARY: AddressSanitizer" "$out/$t.log" || true)
  # libFuzzer stops at the first crash: report how far it got instead.
  [ -n "$runs" ] || runs=$(grep -oE 'number_of_executed_units: [0-9]+' "$out/$t.log" | awk '{print $2}' || true)
  echo "$t executions=${runs:-?} crashes=$crash seconds=$secs" | tee -a "$out/summary.txt"
done
