#!/usr/bin/env bash
# The one test command: installs what it needs, runs every gate in scripts/test.d/ in order, then
# prints the conformance summary (target/conformance.json). Safe to run twice.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
rm -rf target/conformance && mkdir -p target/conformance
failed=()
for t in scripts/test.d/*.sh; do
  log "$(basename "$t")"
  if ! bash "$t"; then failed+=("$(basename "$t")"); fi
done
python3 scripts/conformance-summary.py
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED gates: ${failed[*]}" >&2
  exit 1
fi
echo "all gates passed"
