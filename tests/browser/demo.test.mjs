// End-to-end: `playgate serve` and its demo page in Debian's Chromium (playwright-core, no browser
// download). What a viewer would notice: the stream plays with a token; without one, or with a
// tampered or expired one, the playlist is refused (401/403) and nothing plays; once the session is
// revoked, segment requests are refused and playback stops.
// Run through scripts/test.d/70-browser.sh (it installs chromium and builds the binary).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.PLAYGATE_BIN || join(ROOT, 'target/debug/playgate');
const ARTIFACTS = join(ROOT, 'tests/artifacts');
// From the machine notes: without the background-networking flags Chromium keeps dialling out.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
];

let browser;
let dev; // `playgate serve` with the built-in dev config (what scripts/demo.sh runs)
let fromFile; // `playgate serve --config --signing-key` (keys from `playgate keygen`)
let work;

/** Starts `playgate serve` on a free loopback port; resolves once it prints its URL. */
function serve(args) {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 20000);
    const onData = (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[0], proc });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => { out += d; });
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'playgate-browser-'));
  const key = JSON.parse(execFileSync(BIN, ['keygen', '--alg', 'hs256', '--kid', 'e2e-1'], { encoding: 'utf8' }));
  writeFileSync(join(work, 'key.json'), JSON.stringify(key));
  writeFileSync(join(work, 'gate.json'), JSON.stringify({
    keys: [key.config_key],
    token: { sources: [{ path_segment: true }, { query: 'token' }] },
    deny: { debug: true },
  }));
  dev = await serve([]);
  fromFile = await serve(['--config', join(work, 'gate.json'), '--signing-key', join(work, 'key.json')]);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  for (const s of [dev, fromFile]) s?.proc.kill('SIGTERM');
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A page that records every response the gate answered (playlists and segments). */
async function openPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const media = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(m3u8|ts)$/.test(path)) media.push({ path, status: r.status(), reason: r.headers()['x-playgate-reason'] });
  });
  return { page, media, close: () => context.close() };
}

const currentTime = (page) => page.evaluate(() => document.getElementById('video').currentTime);

async function waitForPlayback(page, seconds) {
  await page.waitForFunction((s) => document.getElementById('video').currentTime > s, seconds, { timeout: 30000 });
}

/** Waits until hls.js gives up, then checks that not one frame played. */
async function expectRefused(page, media, status, reason, shot) {
  await page.waitForFunction(() => window.playgateDemo && window.playgateDemo.fatal, null, { timeout: 20000 });
  await page.waitForTimeout(1000);
  const playlist = media.find((m) => m.path.endsWith('master.m3u8'));
  assert.ok(playlist, 'the playlist was requested');
  assert.equal(playlist.status, status);
  assert.equal(playlist.reason, reason);
  assert.equal(media.filter((m) => m.path.endsWith('.ts')).length, 0, 'no segment was requested');
  assert.equal(await currentTime(page), 0, 'nothing played');
  assert.match(await page.textContent('#status'), /stopped/);
  await page.screenshot({ path: join(ARTIFACTS, shot), fullPage: true });
}

async function tokenFrom(server, mode = 'path') {
  const res = await fetch(`${server.url}/tokengenerate?asset=master.m3u8&mode=${mode}`);
  assert.equal(res.status, 200);
  return res.json();
}

test('with a path token the demo page plays and the gate logs its decisions', { timeout: 60000 }, async () => {
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${dev.url}/demo/`);
    await waitForPlayback(page, 3);
    const segments = media.filter((m) => m.path.endsWith('.ts'));
    assert.ok(segments.length >= 1, 'segments were fetched');
    assert.ok(media.every((m) => m.status === 200), JSON.stringify(media));
    // Relative URIs inherited the token segment: every request carried `/<sid>.<jwt>/`.
    assert.ok(media.every((m) => /^\/[0-9a-f]+\.[\w-]+\.[\w-]+\.[\w-]+\//.test(m.path)), JSON.stringify(media.map((m) => m.path)));
    assert.match(await page.textContent('#decoded'), /"aws:viewer-id"/);
    const log = await (await fetch(`${dev.url}/api/decisions`)).json();
    assert.ok(log.allowed >= media.length, JSON.stringify(log));
    assert.ok(log.recent.every((d) => !/eyJ/.test(d.path)), 'tokens are redacted in the decision log');
    await page.waitForFunction(() => document.querySelectorAll('#decisions tr').length > 0);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-plays-path-token.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('with a query token (added to every request by the page) it plays too', { timeout: 60000 }, async () => {
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${dev.url}/demo/?mode=query`);
    await waitForPlayback(page, 2);
    assert.ok(media.some((m) => m.path.endsWith('.ts') && m.status === 200), JSON.stringify(media));
    assert.ok(media.every((m) => m.status === 200), JSON.stringify(media));
    await page.screenshot({ path: join(ARTIFACTS, 'browser-plays-query-token.png'), fullPage: true });
  } finally {
    await close();
  }
});

test('without a token the playlist fetch gets 401 and nothing plays', { timeout: 60000 }, async () => {
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${dev.url}/demo/?src=${encodeURIComponent('/master.m3u8')}`);
    await expectRefused(page, media, 401, 'missing_token', 'browser-no-token-401.png');
  } finally {
    await close();
  }
});

test('with a tampered token the playlist fetch gets 403 and nothing plays', { timeout: 60000 }, async () => {
  const { playback_url: url, token } = await tokenFrom(dev);
  const i = token.length - 10;
  const bad = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${dev.url}/demo/?src=${encodeURIComponent(url.replace(token, bad))}`);
    await expectRefused(page, media, 403, 'bad_signature', 'browser-tampered-403.png');
  } finally {
    await close();
  }
});

test('with an expired token (config file + keygen key) the playlist gets 403 and nothing plays', { timeout: 60000 }, async () => {
  // The same server plays a fresh token from its /tokengenerate (signed with --signing-key)...
  const fresh = await tokenFrom(fromFile);
  assert.equal((await fetch(fromFile.url + fresh.playback_url)).status, 200);
  // ...and refuses one that `playgate mint` signed with the same key but expired a minute ago.
  const claims = join(work, 'expired.json');
  writeFileSync(claims, JSON.stringify({ exp: Math.floor(Date.now() / 1000) - 60 }));
  const token = execFileSync(BIN, ['mint', '--key', join(work, 'key.json'), '--claims', claims], { encoding: 'utf8' }).trim();
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${fromFile.url}/demo/?src=${encodeURIComponent(`/${token}/master.m3u8`)}`);
    await expectRefused(page, media, 403, 'expired', 'browser-expired-403.png');
  } finally {
    await close();
  }
});

test('after the session is revoked, segment requests get 403 and playback stops', { timeout: 90000 }, async () => {
  const { page, media, close } = await openPage();
  try {
    await page.goto(`${dev.url}/demo/`);
    await waitForPlayback(page, 2);
    assert.ok(media.every((m) => m.status === 200), JSON.stringify(media));
    await page.click('#revoke'); // POST /sessionrevoke?session=<this page's session>
    await page.waitForFunction(() => window.playgateDemo.revoked);
    const revokedAt = media.length;
    // hls.js keeps a ~6 s buffer: the next segment request is refused, it gives up, and the video
    // stalls once the buffer is played out, well before the end of the 24 s stream.
    await page.waitForFunction(() => window.playgateDemo.fatal, null, { timeout: 30000 });
    const after = media.slice(revokedAt).filter((m) => m.path.endsWith('.ts'));
    const refused = after.filter((m) => m.status !== 200);
    assert.ok(refused.length >= 1, JSON.stringify(after));
    assert.ok(refused.every((m) => m.status === 403 && m.reason === 'revoked'), JSON.stringify(refused));
    // A request that reached the gate before the revocation may still be answered after it.
    assert.ok(after.length - refused.length <= 1, JSON.stringify(after));
    let last = -1;
    let t = await currentTime(page);
    for (let i = 0; i < 30 && t !== last; i++) {
      last = t;
      await page.waitForTimeout(1000);
      t = await currentTime(page);
    }
    assert.equal(t, last, 'playback stopped advancing');
    assert.ok(t < 20, `stopped before the end of the stream (at ${t} s)`);
    assert.equal(await page.evaluate(() => document.getElementById('video').ended), false);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-revoked-stops.png'), fullPage: true });
  } finally {
    await close();
  }
});
