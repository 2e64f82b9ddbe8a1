// The whole conformance corpus through the npm package: the same verdict as the Rust core, case by
// case (allow, status, reason, and the forwarded uri/query when the case gives one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from 'playgate';
import { loadCases, assertExpected, writeSurface, applyRevocation } from './corpus.mjs';

const cases = loadCases({ withFilterCases: true });
const results = { passed: 0, failed: 0, skipped: 0, skipped_reasons: {} };
const gates = new Map();
const gateFor = (c) => {
  if (!gates.has(c.configName)) gates.set(c.configName, Gate.fromConfig(c.config));
  return gates.get(c.configName);
};

after(() => writeSurface('npm', results));

test('the corpus is not empty', () => {
  assert.ok(cases.length > 100, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(c.id, () => {
    try {
      const gate = gateFor(c);
      applyRevocation(gate, c);
      const d = gate.check(c.request, c.now);
      assertExpected(d, c.expect);
      results.passed++;
    } catch (e) {
      results.failed++;
      throw e;
    }
  });
}
