#!/usr/bin/env bash
# Lambda@Edge handler: the corpus as Lambda@Edge events (target/conformance/lambda-edge.json), the
# response shapes, failing closed, the deployable zip (≤ 1 MiB, target/conformance/budgets-lambda-edge.json)
# and the deployment template (cfn-lint).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
# The handler uses the npm package.
ensure_pkg
ensure_npm "$ROOT/edge-handlers/lambda-edge"

venv="$ROOT/target/venv-cfn-lint"
if [ ! -x "$venv/bin/cfn-lint" ]; then
  log "python venv with cfn-lint"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==${CFN_LINT_VERSION:-1.58.0}"
fi
log "cfn-lint edge-handlers/lambda-edge/template.yaml"
"$venv/bin/cfn-lint" edge-handlers/lambda-edge/template.yaml

log "node --test (lambda-edge)"
cd edge-handlers/lambda-edge
# build.test.mjs (the bundle, its size and its cold start: wall time of fresh processes) runs alone
# after the rest, so the parallel test files do not slow the cold-start figure.
node --test $(ls test/*.test.mjs | grep -v '/build.test.mjs$')
node --test test/build.test.mjs
