// The demo page's logic: get a playback URL, play it with hls.js, show the token and the gate's
// decisions. `?src=<url>` plays a given URL as is (the browser test uses it for missing, tampered
// and expired tokens); `?mode=query` asks for a query-parameter token instead of a path token.
'use strict';

const $ = (id) => document.getElementById(id);
const video = $('video');
const params = new URLSearchParams(location.search);
let hls = null;
let current = null; // { url, token, mode, session }

// State for people and tests alike.
window.playgateDemo = { errors: [], fatal: null, fragsLoaded: 0, current: null };

function setStatus(text, cls) {
  const s = $('status');
  s.textContent = text;
  s.className = cls || '';
}

function b64urlJson(part) {
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return '(not decodable: ' + e.message + ')';
  }
}

function showToken(token) {
  if (!token) {
    $('decoded').textContent = '(no token)';
    return;
  }
  const [h, p] = token.split('.');
  const header = b64urlJson(h || '');
  const claims = b64urlJson(p || '');
  let note = '';
  if (claims && typeof claims.exp === 'number') {
    const left = Math.round(claims.exp - Date.now() / 1000);
    note = left > 0 ? `\n// expires in ${left} s` : `\n// expired ${-left} s ago`;
  }
  $('decoded').textContent = JSON.stringify(header, null, 2) + '\n' + JSON.stringify(claims, null, 2) + note;
}

// The token in a playback URL: the first path segment (`[sid.]h.p.s`) or the `token` parameter.
function tokenOf(url) {
  const u = new URL(url, location.href);
  const q = u.searchParams.get('token');
  if (q) return { token: q, mode: 'query', session: null };
  const first = u.pathname.split('/')[1] || '';
  const parts = first.split('.');
  if (parts.length === 3) return { token: first, mode: 'path', session: null };
  if (parts.length === 4) return { token: parts.slice(1).join('.'), mode: 'path', session: parts[0] };
  return { token: null, mode: 'none', session: null };
}

function play(url, session) {
  const t = tokenOf(url);
  if (session) t.session = session;
  current = { url, ...t };
  window.playgateDemo.current = current;
  window.playgateDemo.fatal = null;
  window.playgateDemo.errors = [];
  window.playgateDemo.fragsLoaded = 0;
  window.playgateDemo.revoked = null;
  $('url').textContent = url;
  showToken(t.token);
  $('revoke').disabled = !t.session;
  if (hls) hls.destroy();
  setStatus('loading…');
  hls = new Hls({
    // A small forward buffer keeps segment requests coming while the video plays, so a revoked or
    // expired session is noticed within a few seconds (and the gate's log stays interesting).
    maxBufferLength: 6,
    maxMaxBufferLength: 8,
    backBufferLength: 10,
    // Give up quickly on denials instead of retrying for a minute.
    manifestLoadPolicy: { default: { maxTimeToFirstByteMs: 8000, maxLoadTimeMs: 10000, timeoutRetry: null, errorRetry: null } },
    playlistLoadPolicy: { default: { maxTimeToFirstByteMs: 8000, maxLoadTimeMs: 10000, timeoutRetry: null, errorRetry: null } },
    fragLoadPolicy: { default: { maxTimeToFirstByteMs: 8000, maxLoadTimeMs: 20000, timeoutRetry: null,
      errorRetry: { maxNumRetry: 1, retryDelayMs: 300, maxRetryDelayMs: 300 } } },
    // Query tokens do not survive relative URI resolution: add the token to every request.
    xhrSetup(xhr, reqUrl) {
      if (t.mode === 'query') {
        const u = new URL(reqUrl, location.href);
        if (!u.searchParams.has('token')) u.searchParams.set('token', t.token);
        xhr.open('GET', u.toString(), true);
      }
    },
  });
  window.playgateDemo.hls = hls;
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    video.play().catch((e) => setStatus('press play (' + e.message + ')'));
  });
  hls.on(Hls.Events.FRAG_LOADED, () => {
    window.playgateDemo.fragsLoaded += 1;
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    const code = data.response && data.response.code;
    window.playgateDemo.errors.push({ details: data.details, fatal: data.fatal, code });
    if (data.fatal) {
      window.playgateDemo.fatal = { details: data.details, code };
      // No more requests; what is already buffered plays out, then the video stalls.
      hls.stopLoad();
      const played = video.currentTime > 0;
      setStatus(`stopped: ${data.details}${code ? ' (HTTP ' + code + ')' : ''}${played ? ' · playing out the buffer' : ''}`, 'bad');
    }
  });
  hls.loadSource(url);
  hls.attachMedia(video);
}

async function newToken() {
  const mode = $('mode').value;
  setStatus('asking /tokengenerate…');
  const res = await fetch(`/tokengenerate?asset=master.m3u8&mode=${mode}`);
  if (!res.ok) {
    setStatus(`/tokengenerate: HTTP ${res.status} ${await res.text()}`, 'bad');
    return;
  }
  const body = await res.json();
  play(body.playback_url, body.session_id);
}

function tampered(url) {
  const t = tokenOf(url);
  if (!t.token) return url;
  // Change one character in the middle of the signature: same claims, signature no longer verifies.
  const i = t.token.length - 10;
  const bad = t.token.slice(0, i) + (t.token[i] === 'A' ? 'B' : 'A') + t.token.slice(i + 1);
  return url.replace(t.token, bad);
}

async function revoke() {
  if (!current || !current.session) return;
  const res = await fetch(`/sessionrevoke?session=${encodeURIComponent(current.session)}`, { method: 'POST' });
  if (res.ok) window.playgateDemo.revoked = current.session;
  setStatus(res.ok ? `session ${current.session} revoked: the next segment request will be refused` : `revoke: HTTP ${res.status}`,
    res.ok ? 'bad' : '');
}

video.addEventListener('playing', () => setStatus('playing', 'ok'));
video.addEventListener('timeupdate', () => {
  if (window.playgateDemo.fatal || video.paused) return;
  if (window.playgateDemo.revoked) setStatus(`session revoked · playing what is buffered · ${video.currentTime.toFixed(1)} s`, 'bad');
  else setStatus(`playing · ${video.currentTime.toFixed(1)} s`, 'ok');
});
video.addEventListener('waiting', () => {
  if (window.playgateDemo.fatal) setStatus(`stopped at ${video.currentTime.toFixed(1)} s: ${window.playgateDemo.fatal.details} (HTTP ${window.playgateDemo.fatal.code})`, 'bad');
});
video.addEventListener('ended', () => setStatus('ended (press “New token & play” to watch again)'));

$('play').addEventListener('click', () => newToken());
$('notoken').addEventListener('click', () => play('/master.m3u8'));
$('tamper').addEventListener('click', async () => {
  if (!current || !current.token) await newToken();
  if (current && current.token) play(tampered(current.url));
});
$('revoke').addEventListener('click', () => revoke());

async function pollDecisions() {
  try {
    const res = await fetch('/api/decisions');
    const d = await res.json();
    $('revoke').hidden = !d.revocation;
    $('counts').textContent = `gate: ${d.allowed} allowed, ${d.denied} denied`;
    const rows = (d.recent || []).slice(0, 25).map((r) => {
      const tr = document.createElement('tr');
      if (r.status !== 200) tr.className = 'deny';
      const cells = [new Date(r.at_ms).toLocaleTimeString(), r.status, r.reason || 'allowed', r.session || '', r.path];
      cells.forEach((c, i) => {
        const td = document.createElement('td');
        td.textContent = String(c);
        if (i === 4) td.className = 'path';
        tr.appendChild(td);
      });
      return tr;
    });
    $('decisions').replaceChildren(...rows);
  } catch (_) {
    // The server went away; keep the last table.
  }
}
setInterval(pollDecisions, 1000);
pollDecisions();

if (!window.Hls || !Hls.isSupported()) {
  setStatus('hls.js is not available in this browser (MediaSource missing?)', 'bad');
} else if (params.get('src')) {
  play(params.get('src'));
} else {
  if (params.get('mode') === 'query') $('mode').value = 'query';
  newToken();
}
