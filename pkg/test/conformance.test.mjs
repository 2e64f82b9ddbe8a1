// The whole conformance corpus through the npm package: the same verdict as the Rust core, case by
// case (allow, status, reason, and the forwarded uri/query when the case gives one).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from 'playgate';
import { loadCases, cloudFrontQueryString, writeSurface, applyRevocation } from './corpus.mjs';

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
      assert.deepEqual(
        { allow: d.allow, status: d.status, reason: d.reason },
        { allow: c.expect.allow, status: c.expect.status, reason: c.expect.reason },
      );
      if (c.expect.forward) {
        assert.deepEqual(d.forward, c.expect.forward);
        // The forwarded request keeps the shape it came in.
        assert.equal(d.request.uri, c.expect.forward.uri);
        const qs = typeof d.request.querystring === 'string'
          ? d.request.querystring
          : cloudFrontQueryString(d.request.querystring);
        assert.equal(qs, c.expect.forward.querystring);
      }
      if (!d.allow) assert.equal(d.request, null);
      results.passed++;
    } catch (e) {
      results.failed++;
      throw e;
    }
  });
}
