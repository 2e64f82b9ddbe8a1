#!/usr/bin/env bash
# Differential testing against jose (tests/differential/): 10,000 generated valid and mutated
# HS256/ES384 tokens with a fixed seed, decided by the npm package and by jose; every disagreement
# must be explained by a reviewed rule (tests/differential/rules.mjs). Writes target/differential.json.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

ensure_pkg

ensure_npm "$ROOT/tests/differential"
log "node --test (tests/differential)"
rm -f target/differential.json
(cd tests/differential && node --test)
node -e '
const c = require(process.argv[1]);
const rules = Object.entries(c.by_rule).map(([k, v]) => `${k} ${v}`).join(", ");
console.log(`differential: ${c.cases} cases, ${c.agreed} agreed, ${c.deliberate} deliberate (by rule), ${c.unexplained} unexplained`);
console.log(`  agreed: ${c.both_accept} accepted by both, ${c.both_reject} rejected by both; by rule: ${rules}`);
' "$ROOT/target/differential.json"
