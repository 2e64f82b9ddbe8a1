#!/usr/bin/env bash
# Fault injection (issue 9): hostile requests, events and files on every surface must be denied or
# refused at startup; never allowed, never a crash. Collects the counts each fault suite writes to
# target/faults/<surface>.json into target/faults.json and fails on any allow, crash or wrong answer.
#
# The suites are ordinary tests, also run by the other gates: the Rust ones by `cargo test
# --workspace` (10-rust.sh), the Lambda@Edge one by 50-lambda-edge.sh, the CloudFront one by
# 60-cloudfront-function.sh. A suite runs here only when its counts are missing or older than its
# inputs (this gate run alone, or after an edit), so a full ./scripts/test.sh does not run the Rust
# suites twice. (On a clean machine the CloudFront suite, whose gate comes later, runs here and
# again in 60: a few seconds.)
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
mkdir -p target/faults

# fresh REPORT PATH... : the report exists and is newer than every file under the paths.
fresh() {
  local report="$1"; shift
  [ -f "$report" ] || return 1
  [ -z "$(find "$@" -type f -newer "$report" -not -path '*/node_modules/*' -print -quit 2>/dev/null)" ]
}

rust_inputs=(src Cargo.toml Cargo.lock tower/src tower/tests/fault_catalogue)
if ! fresh target/faults/tower.json "${rust_inputs[@]}" tower/tests/faults.rs tower/Cargo.toml; then
  log "cargo test -p playgate-tower --test faults"
  cargo test --quiet -p playgate-tower --test faults
fi
if ! fresh target/faults/serve.json "${rust_inputs[@]}" cli/src cli/Cargo.toml cli/tests/faults.rs; then
  log "cargo test -p playgate-cli --test faults"
  cargo test --quiet -p playgate-cli --test faults
fi

le=edge-handlers/lambda-edge
if ! fresh target/faults/lambda-edge.json "$le/src" "$le/build.mjs" "$le/test/faults.test.mjs" pkg/dist src; then
  command -v npm >/dev/null || ensure_apt nodejs npm
  ensure_pkg
  ensure_npm "$ROOT/$le"
  log "node --test $le/test/faults.test.mjs"
  (cd "$le" && node --test test/faults.test.mjs)
fi

cf=edge-handlers/cloudfront-function
if ! fresh target/faults/cloudfront-function.json "$cf/template.js" "$cf/build.mjs" "$cf/test"; then
  command -v npm >/dev/null || ensure_apt nodejs npm
  ensure_apt njs
  ensure_npm "$ROOT/$cf"
  log "node --test $cf/test/faults.test.mjs"
  (cd "$cf" && node --test test/faults.test.mjs)
fi

log "target/faults.json"
python3 - <<'PY'
import json, os, sys
surfaces = ["serve", "tower", "lambda-edge", "cloudfront-function"]
out, bad = {}, []
for s in surfaces:
    path = f"target/faults/{s}.json"
    if not os.path.exists(path):
        bad.append(f"{s}: no counts ({path})")
        continue
    d = json.load(open(path))
    keep = ["faults", "denials", "http_rejections", "connection_rejections", "fail_closed", "startup_errors",
            "allows", "hangs", "crashes", "wrong_answers"]
    out[s] = {k: d[k] for k in keep if k in d}
    out[s]["failures"] = len(d.get("failures", []))
    for k in ("allows", "hangs", "crashes", "wrong_answers", "failures"):
        if out[s].get(k, 0):
            bad.append(f"{s}: {k} = {out[s][k]}")
    answered = sum(out[s].get(k, 0) for k in ("denials", "http_rejections", "connection_rejections", "startup_errors"))
    if answered != out[s]["faults"]:
        bad.append(f"{s}: {out[s]['faults']} faults but {answered} denied or refused")
total = {k: sum(v.get(k, 0) for v in out.values()) for k in ("faults", "denials", "startup_errors", "allows", "crashes")}
json.dump({"surfaces": out, "total": total}, open("target/faults.json", "w"), indent=2)
for s, d in out.items():
    rest = ", ".join(f"{k} {v}" for k, v in d.items() if k != "faults")
    print(f"faults {s}: {d['faults']} injected ({rest})")
print(f"faults: {total['faults']} injected, {total['denials']} denied, {total['startup_errors']} startup errors, "
      f"{total['allows']} allowed, {total['crashes']} crashes")
if bad:
    print("fault injection FAILED:\n  " + "\n  ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
