'use strict';
// Keeps a gate's revocation filter current in a Lambda@Edge container: an optional copy bundled in
// the zip, refreshed from an HTTPS URL (S3, CloudFront…) every `ttl` seconds. Every filter is verified
// by the core (`gate.setRevocationFilter`) before it replaces the current one; a failed download, an
// error status, a corrupt or older file keeps the last good copy. A request never waits for a
// download longer than `timeoutMs`; with no copy at all the gate applies `revocation.on_unavailable`.

const DEFAULTS = {
  ttl: 60, // seconds between refreshes of a good copy
  retry: 5, // seconds before retrying after a failed refresh (capped at ttl)
  timeoutMs: 300, // the longest a request waits for a refresh
  downloadTimeoutMs: 10_000, // a download is aborted after this (it may outlive one request)
  maxBytes: 16 * 1024 * 1024, // a larger response is refused (1M ids at 1e-6 is ≈ 3.6 MB)
};

/** `https:` anywhere; plain `http:` only to the loopback address (local tests). */
function checkUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw configError(`revocation.url: not a URL: ${String(url).slice(0, 200)}`);
  }
  const loopback = u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost';
  if (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) return u.toString();
  throw configError('revocation.url: must be https:// (http:// only for 127.0.0.1)');
}

function configError(message) {
  const e = new TypeError(message);
  e.code = 'invalid_config';
  e.field = 'revocation';
  return e;
}

function positive(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(`revocation.${name}: expected a non-negative number, got ${String(value)}`);
  }
  return value;
}

/** Reads the body up to `maxBytes`; throws on a larger one. */
async function readBody(res, maxBytes) {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw new Error(`filter larger than ${maxBytes} bytes`);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const chunks = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > maxBytes) throw new Error(`filter larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, size));
}

/**
 * Attaches a revocation source to `gate`. Options: `bytes` (a bundled filter), `url`, `ttl`, `retry`
 * (seconds), `timeoutMs`, `downloadTimeoutMs`, `maxBytes`; for tests: `fetch`, `clockMs()`, `log()`.
 * Returns `{ ready(): Promise<void>, state() }`; `ready()` is awaited before each check.
 */
function createRevocation(gate, opts, { log, clockMs = () => performance.now() } = {}) {
  const url = opts.url === undefined ? null : checkUrl(opts.url);
  const ttlMs = positive(opts.ttl, 'ttl', DEFAULTS.ttl) * 1000;
  const retryMs = Math.min(positive(opts.retry, 'retry', DEFAULTS.retry) * 1000, ttlMs);
  const timeoutMs = positive(opts.timeoutMs, 'timeoutMs', DEFAULTS.timeoutMs);
  const downloadTimeoutMs = positive(opts.downloadTimeoutMs, 'downloadTimeoutMs', DEFAULTS.downloadTimeoutMs);
  const maxBytes = positive(opts.maxBytes, 'maxBytes', DEFAULTS.maxBytes);
  const doFetch = opts.fetch || globalThis.fetch;

  const st = {
    loaded: false, // a good copy is in the gate
    source: null, // 'bundled' | 'url'
    created: -1, // `created` of the copy in use (an older file never replaces it)
    etag: null,
    nextRefresh: 0, // clockMs() after which the URL is asked again
    inflight: null, // the running refresh
    fetches: 0,
    failures: 0,
  };

  function install(bytes, source) {
    gate.setRevocationFilter(bytes); // throws on a corrupt file: the previous filter stays
    const info = gate.revocationFilterInfo();
    st.loaded = true;
    st.source = source;
    st.created = info.created;
  }

  if (opts.bytes) {
    try {
      install(opts.bytes, 'bundled');
    } catch (e) {
      log({ event: 'revocation_filter_rejected', source: 'bundled', code: e.code, detail: e.detail, message: String(e.message) });
    }
  }

  async function refresh() {
    st.fetches++;
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), downloadTimeoutMs);
    try {
      const headers = st.etag && st.loaded ? { 'if-none-match': st.etag } : {};
      const res = await doFetch(url, { signal: ac.signal, headers, redirect: 'error' });
      if (res.status === 304 && st.loaded) {
        st.nextRefresh = clockMs() + ttlMs;
        return;
      }
      if (res.status !== 200) throw Object.assign(new Error(`HTTP ${res.status}`), { code: 'http_status' });
      const bytes = await readBody(res, maxBytes);
      // A file built before the one in use (a stale cache, a rollback) would un-revoke sessions:
      // refuse it. (`created`, header offset 24, is only trusted because an older-looking file is
      // refused, never used; a newer-looking one is fully verified by install.)
      if (st.loaded && bytes.length >= 32) {
        const created = Number(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).readBigUInt64BE(24));
        if (created < st.created) {
          throw Object.assign(new Error(`filter built at ${created}, older than the copy in use (${st.created})`), { code: 'stale_filter' });
        }
      }
      install(bytes, 'url');
      st.etag = res.headers.get('etag');
      st.nextRefresh = clockMs() + ttlMs;
    } catch (e) {
      st.failures++;
      st.nextRefresh = clockMs() + retryMs;
      log({
        event: 'revocation_refresh_failed',
        url,
        error: e && e.name,
        code: e && e.code,
        detail: e && e.detail,
        message: String(e && e.message).slice(0, 300),
        kept: st.loaded ? st.source : null,
      });
    } finally {
      clearTimeout(timer);
      st.inflight = null;
    }
  }

  function wait(promise) {
    if (timeoutMs === 0) return Promise.resolve();
    let timer;
    const timeout = new Promise((ok) => {
      timer = setTimeout(ok, timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  return {
    /** Starts a refresh when due and waits for it at most `timeoutMs`. Never throws. */
    ready() {
      if (url === null) return null;
      if (st.inflight === null && clockMs() >= st.nextRefresh) st.inflight = refresh();
      if (st.inflight === null) return null;
      return wait(st.inflight);
    },
    state() {
      const { inflight, ...rest } = st;
      return { ...rest, refreshing: inflight !== null };
    },
  };
}

module.exports = { createRevocation, DEFAULTS };
