'use strict';
// Lambda@Edge viewer-request handler around the playgate npm package (`playgate/verify`: the gate
// without minting, over the smaller verify-only module). It only translates: the event
// goes to the core unchanged, an allowed request comes back with the token removed, a denial
// becomes a Lambda@Edge response. Anything unexpected fails closed (never forwards) with one
// structured log line.
const { Gate } = require('playgate/verify');
const { createRevocation } = require('./revocation.js');

const STATUS_TEXT = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  410: 'Gone',
  429: 'Too Many Requests',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Status for a request the handler could not decide (configuration or runtime failure). */
const FAIL_CLOSED_STATUS = 503;

const single = (key, value) => [{ key, value }];

/** A Lambda@Edge generated response: status as a string, never cached, reason only in debug. */
function denyResponse(status, reason, debug) {
  const text = STATUS_TEXT[status] || 'Request Denied';
  const headers = {
    'cache-control': single('Cache-Control', 'no-store'),
    'content-type': single('Content-Type', 'text/plain; charset=utf-8'),
  };
  let body = `${status} ${text}\n`;
  if (debug && reason) {
    headers['x-playgate-reason'] = single('X-Playgate-Reason', reason);
    body = `${status} ${text}: ${reason}\n`;
  }
  return { status: String(status), statusDescription: text, headers, body };
}

function logLine(fields) {
  console.error(JSON.stringify({ level: 'error', source: 'playgate', ...fields }));
}

/** Verified-token cache entries per container (a container serves one request at a time). */
const DEFAULT_CACHE_SIZE = 1024;

/**
 * Builds the handler for one configuration (object or JSON text). Options: `cacheSize` (verified-
 * token cache entries, default 1024, 0 disables); `revocation` (`{ bytes, url, ttl, retry, timeoutMs,
 * downloadTimeoutMs, maxBytes, fetch }`, see src/revocation.js); for tests: `now()` in Unix seconds,
 * `log(fields)`, `clockMs()` (monotonic milliseconds, for the refresh schedule).
 */
function createHandler(
  config,
  { now = () => Date.now() / 1000, log = logLine, cacheSize = DEFAULT_CACHE_SIZE, revocation = null, clockMs } = {},
) {
  let gate = null;
  let debug = false;
  let initError = null;
  let revocationSource = null;
  try {
    const doc = typeof config === 'string' ? JSON.parse(config) : config;
    gate = Gate.fromConfig(doc, { cacheSize });
    debug = Boolean(doc.deny && doc.deny.debug);
    if (revocation) revocationSource = createRevocation(gate, revocation, { log, clockMs });
  } catch (e) {
    gate = null;
    initError = e;
  }

  async function handler(event) {
    try {
      if (gate === null) throw initError;
      // Only Lambda@Edge events reach this handler; anything else is a deployment mistake.
      if (!event || !Array.isArray(event.Records)) {
        const e = new TypeError('not a Lambda@Edge event');
        e.code = 'invalid_request';
        throw e;
      }
      // Refresh the revocation filter when due; waits at most its timeout, never throws.
      const pending = revocationSource && revocationSource.ready();
      if (pending) await pending;
      const d = gate.check(event, now());
      if (d.allow) return d.request;
      return denyResponse(d.status, d.reason, debug);
    } catch (e) {
      const cf = event && event.Records && event.Records[0] && event.Records[0].cf;
      log({
        event: 'fail_closed',
        phase: gate === null ? 'config' : 'check',
        error: e && e.name,
        code: e && e.code,
        field: e && e.field,
        message: String(e && e.message).slice(0, 300),
        requestId: cf && cf.config && cf.config.requestId,
      });
      return denyResponse(FAIL_CLOSED_STATUS, null, false);
    }
  }
  // For tests and diagnostics: the revocation source's state (null without one).
  handler.revocationState = () => (revocationSource ? revocationSource.state() : null);
  return handler;
}

module.exports = { createHandler, denyResponse, FAIL_CLOSED_STATUS, DEFAULT_CACHE_SIZE };
