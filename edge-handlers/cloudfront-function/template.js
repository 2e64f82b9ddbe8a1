// playgate viewer-request gate for CloudFront Functions (runtime cloudfront-js-2.0).
// A hand port of the Rust core's stages (src/gate.rs, jwt.rs, claims.rs, request.rs) for HS256 JWTs.
// build.mjs fills the __NAME__ placeholders from a playgate config and keeps only the
// `//#if feature` ... `//#endif` sections that config uses; lines starting with `//` are dropped.
// Written in the subset that both runtime 2.0 and njs 0.7 accept: no spread, destructuring,
// for-of, classes, optional chaining; `await` only as the whole right-hand side of an assignment.
import cf from 'cloudfront';
import crypto from 'crypto';
const kvs = cf.kvs();
// Key ids (not secrets) tried in order for tokens without `kid`; secrets are in KeyValueStore.
const KIDS = __KIDS__;
const MAL = 'malformed_token', AM = 'algorithm_mismatch', MT = 'missing_token', INV = 'invalid_claim', UK = 'unknown_key', FH = 'forbidden_header', BS = 'bad_signature', CA = 'aws:channel-arn', AO = 'aws:access-control-allow-origin', SO = 'aws:strict-origin-enforcement', SU = 'aws:single-use-uuid', VI = 'aws:viewer-id', VV = 'aws:viewer-session-version', MR = 'aws:maximum-resolution';

async function handler(event) {
    const q = event.request;
    let r;
    try {
        r = await check(q, Math.floor(Date.now() / 1000));
    } catch (e) {
        r = 'bad_request';
    }
    if (!r) return q;
    const s = r == MT ? __MISSING_STATUS__ : __STATUS__;
    return {
        statusCode: s,
        statusDescription: __STATUS_TEXT__,
//#if debug
        headers: { 'x-playgate-reason': { value: r } },
        body: { encoding: 'text', data: r },
//#endif
    };
}

// The one request path: returns a reason code, or '' after rewriting `q` for the origin.
async function check(q, now) {
    const qs = q.querystring || {};
    // The raw query as the core rebuilds it from the event: `k=v` (`k` when v is empty) joined by `&`.
    let n = -1;
    for (let k in qs) vals(qs[k]).forEach(v => n += blen(k) + (v ? blen(v) + 2 : 1));
    if (q.uri[0] != '/' || blen(q.uri) > 8192 || n > 8192) return 'bad_request';
    // Sources in config order; each answers undefined (absent), 0 (malformed) or {t, n?, u?}.
    const L = __SOURCES__;
    let f;
    for (let i = 0; i < L.length && f === undefined; i++) f = L[i][0](q, L[i][1]);
    if (f === undefined) return MT;
    const t = f && f.t;
    if (!t || blen(t) > __MAX_LENGTH__) return MAL;
    const p = t.split('.');
    if (p.length != 3 || !p[0] || !p[1]) return MAL;
    const h = js(p[0]), pl = js(p[1]), sig = b64(p[2]);
    if (!h || !pl || !sig) return MAL;
    const alg = h[0].alg, kid = h[0].kid, hd = h[0];
    if (!str(alg) || (kid !== undefined && !str(kid))) return MAL;
    if (['jwk', 'jku', 'x5u', 'x5c', 'crit'].some(m => m in hd)) return FH;
    if ('cty' in hd && !(str(hd.cty) && lc(hd.cty) == 'json')) return FH;
    const hp = p[0] + '.' + p[1];
    let v;
    if (kid !== undefined) {
        if (blen(kid) > 128) return UK;
        try {
            v = await kvs.get('key:' + kid, { format: 'json' });
        } catch (e) {
            return UK;
        }
        if (!v || !str(v.alg)) return UK;
        if (v.alg != alg) return AM;
        v = secret(v);
        if (!v) return UK;
        if (!mac(v, hp, sig)) return BS;
    } else {
        if (alg != 'HS256') return AM;
        // A key missing from (or malformed in) the store is a removed key: skip it.
        let u = 0, ok = 0;
        for (let i = 0; i < KIDS.length && !ok; i++) {
            try {
                v = await kvs.get('key:' + KIDS[i], { format: 'json' });
            } catch (e) {
                v = 0;
            }
            v = v && v.alg == 'HS256' && secret(v);
            if (v) u++, ok = mac(v, hp, sig);
        }
        if (!u) return UK;
        if (!ok) return BS;
    }
    const c = pl[0], raw = pl[1];
    const ty = (y) => (k) => !(k in c) || typeof c[k] == y;
    if (!['exp', 'nbf', 'iat', VV].every(ty('number')) || ![CA, AO, SU, VI, MR].every(ty('string')) || !ty('boolean')(SO)) return INV;
    if (SU in c && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c[SU])) return INV;
    if (VI in c && (!c[VI] || c[VI].replace(/[\ud800-\udbff][\udc00-\udfff]/g, '.').length > 40)) return INV;
    if (VV in c && !i64(raw[VV])) return INV;
    if (MR in c && ['SD', 'HD', 'FULL_HD'].indexOf(c[MR]) < 0) return INV;
    const exp = c.exp;
    if (exp === undefined) {
        if (__REQUIRE_EXP__) return 'missing_claim';
    } else if (exp + __LEEWAY__ <= now) return 'expired';
    // (An absent nbf/exp is undefined, and comparisons with undefined are false.)
    if (c.nbf > now + __LEEWAY__) return 'not_yet_valid';
    if (exp - now > (VI in c || SU in c ? __MAX_LIFETIME_SHORT__ : __MAX_LIFETIME__)) return 'lifetime_too_long';
    // Forward without the token; policies look at the path the origin will see.
    if (f.n) delete qs[f.n];
    if (f.u) q.uri = f.u;
    const uri = q.uri;
//#if channel
    if (!(CA in c)) return 'missing_claim';
//#endif
//#if channel_fixed
    if (__ARNS__.indexOf(c[CA]) < 0) return 'channel_mismatch';
//#endif
//#if channel_path
    const cp = __CHANNEL_PREFIX__, a = uri.slice(cp.length), j = a.indexOf('/'), id = j < 0 ? a : a.slice(0, j);
    if (!uri.startsWith(cp) || !id || !a.slice(id.length).startsWith(__CHANNEL_REST__) || c[CA] != __ARN_HEAD__ + id + __ARN_TAIL__) return 'channel_mismatch';
//#endif
    const ao = c[AO];
    if (ao !== undefined && !ao.split(',').some(e => tr(e) == '*') && (c[SO] === true || /\.(m3u8|mpd)$/.test(uri))) {
        const o = one(q.headers, 'origin');
        if (!str(o) || !origin(ao, tr(o))) return 'origin_mismatch';
    }
    return '';
}

//#if query
// ?name=<token>, percent-decoded once; the parameter is dropped before forwarding.
function Q(q, n) {
    const v = one(q.querystring, n);
    if (v === undefined || v === 0) return v;
    try {
        return { t: decodeURIComponent(v), n: n };
    } catch (e) {
        return 0;
    }
}
//#endif
//#if cookie
function C(q, n) {
    return tok(one(q.cookies, n));
}
//#endif
//#if bearer
function B(q) {
    const v = one(q.headers, 'authorization'), i = v ? v.indexOf(' ') : -1;
    if (v === 0) return 0;
    if (i >= 0 && lc(v.slice(0, i)) == 'bearer') return { t: tr(v.slice(i + 1)) };
}
//#endif
//#if header
// A request header's whole value (trimmed), e.g. `x-playgate-token`.
function X(q, n) {
    const v = one(q.headers, n);
    return tok(v && tr(v));
}
//#endif
//#if path
// First path segment `h.p.s` or `<sessionId>.h.p.s`; the segment is removed before forwarding.
function P(q) {
    const a = q.uri.slice(1), i = a.indexOf('/'), s = i < 0 ? a : a.slice(0, i), u = i < 0 ? '/' : a.slice(i), d = s.split('.').length;
    if (d == 3) return { t: s, u: u };
    if (d == 4) return { t: s.slice(s.indexOf('.') + 1), u: u };
}
//#endif

//#if cookie_or_header
function tok(v) {
    return v === undefined || v === 0 ? v : { t: v };
}
//#endif
// {value, multiValue?} entry → its values.
function vals(e) {
    const m = e && e.multiValue;
    return m && m.length ? m.map(x => x.value) : [e && e.value];
}
// The single value of a query parameter, header or cookie: undefined when absent, 0 when repeated.
function one(o, n) {
    if (!o || !{}.hasOwnProperty.call(o, n)) return;
    const v = vals(o[n]);
    return v.length > 1 ? 0 : v[0];
}
function str(v) {
    return typeof v == 'string';
}
function blen(s) {
    return Buffer.byteLength(s);
}
// ASCII-only lowercase (Rust's eq_ignore_ascii_case). A string is ASCII iff its UTF-8 length is its
// length; regexes are slow in njs, so the common case avoids them.
function lc(s) {
    return blen(s) == s.length ? s.toLowerCase() : s.replace(/[A-Z]+/g, m => m.toLowerCase());
}
// Rust's str::trim: Unicode White_Space, which has U+0085 but not U+FEFF, unlike JS's trim.
const WS = '[\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+', TRIM = new RegExp('^' + WS + '|' + WS + '$', 'g');
function tr(s) {
    return s.indexOf('\x85') < 0 && s.indexOf('\ufeff') < 0 ? s.trim() : s.replace(TRIM, '');
}
// Strict base64url: URL alphabet, no padding, canonical trailing bits. The decoder skips or accepts
// anything else (`+/=`, spaces), so only a canonical encoding survives the round trip.
function b64(s) {
    const b = Buffer.from(s, 'base64url');
    if (b.toString('base64url') == s) return b;
}
// A JSON object as the core accepts it → [object, {top-level member: raw number text}]. Refuses what
// JSON.parse lets through but serde_json does not: invalid UTF-8, duplicate members (at any depth,
// compared after unescaping), lone surrogate escapes, nesting deeper than 127, numbers out of f64 range.
function js(s) {
    const b = b64(s);
    if (!b) return;
    // Valid UTF-8 only: ASCII when no byte became a replacement character, else a round trip.
    const t = b.toString();
    if (t.length == b.length ? t.indexOf('\ufffd') >= 0 : !Buffer.from(t).equals(b)) return;
    let v;
    try {
        v = JSON.parse(t);
    } catch (e) {
        return;
    }
    if (!v || typeof v != 'object' || Array.isArray(v)) return;
    if (t.indexOf('\\u') >= 0 && /\\ud[89a-f]/i.test(t.replace(/\\\\/g, '').replace(/\\ud[89ab]..\\ud[c-f]../gi, ''))) return;
    const k = t.match(/"(?:[^"\\]|\\.)*"|[^\s"{}\[\]:,]+|[{}\[\]:]/g), st = [], raw = {};
    // (Character tests, not regexes, in the loop: njs runs a regex test in microseconds.)
    for (let i = 0; i < k.length; i++) {
        const x = k[i], o = st[st.length - 1], c = x[0];
        if (c == '{' || c == '[') {
            if (st.push(c == '{' ? {} : 0) > 127) return;
        } else if (c == '}' || c == ']') st.pop();
        else if (k[i + 1] == ':') {
            const m = '$' + name(x);
            if (o[m]) return;
            o[m] = 1;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (!isFinite(x)) return;
            if (st.length == 1) raw[name(k[i - 2])] = x;
        }
    }
    return [v, raw];
}
// A member name literal, unescaped.
function name(x) {
    return x.indexOf('\\') < 0 ? x.slice(1, -1) : JSON.parse(x);
}
// serde_json's as_i64: an integer literal (not -0, no fraction or exponent) within i64.
function i64(x) {
    const d = x && /^(0|-?[1-9]\d*)$/.test(x) && x.replace('-', '');
    return d && (d.length < 19 || (d.length == 19 && d <= (x[0] == '-' ? '9223372036854775808' : '9223372036854775807')));
}
// KVS value {"alg":"HS256","secret":"<base64url, >= 32 bytes>"} → secret bytes.
function secret(v) {
    const s = str(v.secret) && b64(v.secret);
    return v.alg == 'HS256' && s && s.length >= 32 && s;
}
// HMAC-SHA256 compared in constant time (no timingSafeEqual in CloudFront Functions).
function mac(k, d, s) {
    const h = crypto.createHmac('sha256', k).update(d).digest();
    let x = h.length ^ s.length;
    for (let i = 0; i < h.length; i++) x |= h[i] ^ s[i];
    return !x;
}
// Is origin `o` (trimmed) one of the comma-separated `list` entries (`*`, exact, `scheme://*.host`)?
function origin(list, o) {
    return list.split(',').some(e => {
        e = tr(e);
        if (e == '*') return true;
        const a = e.indexOf('://'), b = o.indexOf('://');
        if (!e || a < 0 || b < 0) return !!e && lc(e) == lc(o);
        if (lc(e.slice(0, a)) != lc(o.slice(0, b))) return false;
        const eh = e.slice(a + 3), oh = o.slice(b + 3);
        if (!eh.startsWith('*.')) return lc(eh) == lc(oh);
        const sf = eh.slice(2), l = oh.length - sf.length - 1;
        return l > 0 && lc(oh.slice(l + 1)) == lc(sf) && oh[l] == '.' && !/[\/:@]/.test(oh.slice(0, l));
    });
}
