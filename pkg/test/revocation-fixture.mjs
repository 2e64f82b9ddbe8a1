// Revocation filters for the tests, built with the real builder (`playgate revoke build`, the CLI).
// Shared by the npm package's and the Lambda@Edge handler's test suites.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './corpus.mjs';

export const NOW = 1_800_000_000;
export const EXPIRES = NOW + 100_000;

/**
 * Builds a filter revoking `sids` (and `jtis`) with `created` = `now`; returns its bytes.
 * `seed` (24 hex digits) makes the file reproducible.
 */
export function buildFilter({ sids = [], jtis = [], now = NOW, seed = '00112233445566778899aabb' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'playgate-pgrf-'));
  try {
    const list = join(dir, 'list.csv');
    const lines = [...sids.map((s) => `sid,${s},${EXPIRES}`), ...jtis.map((j) => `jti,${j},${EXPIRES}`)];
    writeFileSync(list, lines.join('\n') + '\n');
    const out = join(dir, 'f.pgrf');
    execFileSync('cargo', ['run', '-q', '-p', 'playgate-cli', '--', 'revoke', 'build', '-i', list,
      '--now', String(now), '--seed', seed, '-o', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
