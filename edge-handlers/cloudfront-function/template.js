// playgate viewer-request gate for CloudFront Functions (runtime cloudfront-js-2.0).
// A hand port of the Rust core's stages (src/gate.rs, jwt.rs, claims.rs, request.rs) for HS256 JWTs.
// build.mjs fills the __NAME__ placeholders from a playgate config and keeps only the
// `//#if feature` ... `//#endif` sections that config uses; lines starting with `//` are dropped.
// Written in the subset that both runtime 2.0 and njs 0.7 accept: no spread, destructuring,
// for-of, classes, optional chaining; `await` only as the whole right-hand side of an assignment.
import cf from 'cloudfront';
import crypto from 'crypto';
const kvs = cf.kvs();
// `undefined` as a name: build.mjs renames the global `undefined` to it before minifying, so that it
// shrinks to one or two letters (terser writes the global as `void 0`, 6 bytes a use).
const UNDEFINED = [][0];
// Key ids (not secrets) tried in order for tokens without `kid`; secrets are in KeyValueStore.
const KIDS = __KIDS__;
//#if exempt
const EX = __EXEMPT__;
//#endif
//#if resolution
// Renditions [glob, lines], first match wins (globs as glob() returns them).
const RD = __RENDITIONS__;
//#endif
// Reason codes are numbers in the code (0: allowed); their names (docs/contracts.md §3) are needed
// only when a reason leaves the function (deny.debug): RN[code].
//#if debug
const RN = ' bad_request missing_token malformed_token forbidden_header algorithm_mismatch unknown_key bad_signature missing_claim invalid_claim expired not_yet_valid lifetime_too_long channel_mismatch origin_mismatch path_not_allowed binding_mismatch resolution_not_allowed revoked revocation_unavailable'.split(' ');
//#endif
const BR = 1, MT = 2, MAL = 3, FH = 4, AM = 5, UK = 6, BS = 7, MC = 8, INV = 9, EXPIRED = 10, NYV = 11, LTL = 12, CM = 13, OM = 14, PNA = 15, BM = 16, RNA = 17, RV = 18, RU = 19;
const CA = 'aws:channel-arn', AO = 'aws:access-control-allow-origin', SO = 'aws:strict-origin-enforcement', SU = 'aws:single-use-uuid', VI = 'aws:viewer-id', VV = 'aws:viewer-session-version', MR = 'aws:maximum-resolution', J = { format: 'json' }, isA = Array.isArray;

// Helpers are arrow functions in consts, not function declarations: ~16 bytes less each once minified.
// They come before the async functions that use them (handler, check, rev, edge, kv: declarations,
// since runtime 2.0 has no async closures): njs 0.7 throws "cannot access variable before
// initialization" when a `let`/`const` initializer names (without calling it) a const declared
// further down the file, e.g. `const f = [[Q, 'token']]` above `const Q = ...`.
//#if revocation
// SHA-256 of the parts in order (strings as UTF-8).
const sha = p => p.reduce((h, x) => h.update(x), crypto.createHash('sha256')).digest();
//#endif
// Decimal without leading zeros, at most 3 digits.
const HEX = 'hex', B64U = 'base64url', DN = /^(0|[1-9]\d{0,2})$/, MP = '0'.repeat(80) + '1'.repeat(16), CV = 'cloudfront-viewer-country', HDR = { country: CV, region: CV + '-region', ua: 'user-agent', referer: 'referer' };
// A binding item name (src/binding.rs Item::parse).
const item = x => /^(ip(\/(0|[1-9]\d?|1[01]\d|12[0-8]))?|session|country|region|ua|referer|header:[a-z0-9_-]+|query:[!-$'-<>-~]+)$/.test(x);
// IP text (src/ip.rs) → bit string ('0'/'1', 32 or 128 long), IPv4-mapped IPv6 folded to IPv4 unless
// `nf`; undefined when invalid.
const ip = (s, nf) => {
    if (!s.includes(':')) return v4(s);
    // (Without `::`, d[1] is undefined: an empty tail.)
    const d = s.split('::'), h = gr(d[0], len(d) < 2), t = gr(d[1], 1);
    if (len(d) > 2 || h === undefined || t === undefined || (len(d) < 2 ? len(h) != 128 : len(h) + len(t) > 112)) return;
    const b = h + '0'.repeat(128 - len(h) - len(t)) + t;
    return !nf && b.startsWith(MP) ? b.slice(96) : b;
};
const v4 = s => {
    const p = s.split('.');
    if (len(p) == 4 && p.every(x => DN.test(x) && x < 256)) return p.map(x => bits(x, 8)).join('');
};
const bits = (v, n) => (+v + (1 << n)).toString(2).slice(1);
// Colon-separated hex groups → bits; with `v`, the last group may be a dotted IPv4 address.
const gr = (s, v) => {
    const a = s ? s.split(':') : [], o = a.map((g, i) => (v && i == len(a) - 1 && v4(g)) || (/^[\da-f]{1,4}$/i.test(g) && bits(parseInt(g, 16), 16)));
    if (o.every(x => x)) return o.join('');
};
// `addr` or `addr/len` → [network prefix bits, address length] (src/ip.rs Cidr::parse).
const cidr = s => {
    const i = s.indexOf('/'), l = s.slice(i + 1);
    // (Without `/N`, n = 128 takes the whole address, IPv4 or IPv6.)
    let a = ip(s.split('/')[0], 1), n = i < 0 ? 128 : +l;
    if (!a || (i >= 0 && (!DN.test(l) || n > len(a)))) return;
    if (a.startsWith(MP) && n >= 96) a = a.slice(96), n -= 96;
    return [a.slice(0, n), len(a)];
};
//#if bind_digest
// Canonical text of the first `n` bits: dotted IPv4; RFC 5952 IPv6 (lowercase, the first longest run
// of >= 2 zero groups as `::`).
const ipt = (a, n) => {
    const g = (a.slice(0, n) + '0'.repeat(128)).slice(0, len(a)).match(len(a) > 32 ? /.{16}/g : /.{8}/g).map(x => parseInt(x, 2));
    let bs = 0, bl = 0, r = 0;
    if (len(a) == 32) return g.join('.');
    g.forEach((v, i) => {
        r = v ? 0 : r + 1;
        if (r > bl) bl = r, bs = i - r + 1;
    });
    // The run becomes one empty group (`1::2`), with one more colon at either end (`::1`, `1::`, `::`).
    const x = g.map(v => v.toString(16));
    if (bl > 1) x.splice(bs, bl, (bs ? '' : ':') + (bs + bl < 8 ? '' : ':'));
    return x.join(':');
};
//#endif
// src/path.rs: escapes of unreserved characters decoded, the rest upper-cased; encoded separators,
// backslashes, control characters (raw or encoded) and bad escapes throw.
const canon = s => {
    if (/[\x00-\x1f\x7f\\]|%(?![\da-f]{2})|%(2f|5c|[01]|7f)/i.test(s)) throw MAL;
    return s.replace(/%(..)/g, (m, h) => {
        const c = String.fromCharCode(parseInt(h, 16));
        return /[\w.~-]/.test(c) ? c : m.toUpperCase();
    });
};
// The normal form of a path (dot segments resolved, runs of `/` collapsed); throws when there is none.
const norm = r => {
    if (r[0] != '/') throw MAL;
    const st = [];
    let tl;
    // (The first segment, before the leading `/`, is empty: it changes nothing.)
    canon(r).split('/').forEach(x => {
        tl = !x || x == '.' || x == '..';
        if (x == '..') {
            // (Segments on the stack are never empty.)
            if (!st.pop()) throw MAL;
        } else if (!tl) st.push(x);
    });
    return '/' + st.join('/') + (tl && len(st) ? '/' : '');
};
// A scope glob → its segments (1 = `**`); throws when invalid.
const glob = p => {
    if (!str(p) || blen(p) > 1024) throw MAL;
    const b = norm(p).slice(1), s = b ? b.split('/').map(x => x == '**' ? 1 : x.includes('**') ? glob() : x) : [1];
    // A trailing `/` (an empty last segment; norm() leaves no other) is `**`.
    s.push(s.pop() || 1);
    return s;
};
const gm = (g, p) => wc(g, p.slice(1).split('/'), x => x === 1, (x, y) => x === 1 || gt(x, y));
// `*` any run, `?` one character (code point), within one text.
const gt = (p, t) => wc(cps(p), cps(t), x => x == '*', (x, y) => x == '?' || x == y);
// Code points (njs 0.7 has no Array.from; its strings are UTF-8, so the pair branch is V8's).
const cps = s => s.match(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g) || [];
const wc = (p, s, st, one) => {
    let i = 0, j = 0, sp = -1, ss = 0, pn = len(p), sn = len(s);
    while (j < sn) {
        if (i < pn && st(p[i])) {
            sp = i++;
            ss = j;
        } else if (i < pn && one(p[i], s[j])) i++, j++;
        else if (sp < 0) return false;
        else i = sp + 1, j = ++ss;
    }
    while (i < pn) if (!st(p[i++])) return false;
    return true;
};
// An own member's value (never an inherited one such as `constructor`).
const own = (o, k) => ({}).hasOwnProperty.call(o, k) ? o[k] : undefined;

//#if query
// ?name=<token>, percent-decoded once; the parameter is dropped before forwarding.
const Q = (q, n) => {
    const v = one(q.querystring, n);
    if (!str(v)) return v;
    try {
        return { t: decodeURIComponent(v), n: n };
    } catch (e) {
        return 0;
    }
};
//#endif
//#if cookie
const C = (q, n) => tok(one(q.cookies, n));
//#endif
//#if bearer
const B = q => {
    // `Bearer` (any ASCII case), then the first space, then the token (trimmed).
    const v = one(q.headers, 'authorization');
    return v && lc(v.slice(0, 7)) == 'bearer ' ? { t: tr(v.slice(7)) } : v === 0 ? 0 : undefined;
};
//#endif
//#if header
// A request header's whole value (trimmed), e.g. `x-playgate-token`.
const X = (q, n) => {
    const v = one(q.headers, n);
    return tok(v && tr(v));
};
//#endif
//#if path
// First path segment `h.p.s` or `<sessionId>.h.p.s`; the segment is removed before forwarding.
const P = q => {
    const s = q.uri.split('/')[1], u = q.uri.slice(len(s) + 1) || '/', d = s.split('.');
    return len(d) == 3 ? { t: s, u: u } : len(d) == 4 ? { t: s.slice(len(d[0]) + 1), u: u, s: d[0] } : undefined;
};
//#endif

//#if cookie_or_header
const tok = v => str(v) ? { t: v } : v;
//#endif
// {value, multiValue?} entry → its values.
const vals = e => {
    const m = e && e.multiValue;
    return m && len(m) ? m.map(x => x.value) : [e && e.value];
};
// The single value of a query parameter, header or cookie: undefined when absent, 0 when repeated.
const one = (o, n) => {
    if (!o || own(o, n) === undefined) return;
    const v = vals(o[n]);
    return len(v) > 1 ? 0 : v[0];
};
const str = v => typeof v == 'string';
// (A helper: `len(x)` is 4 bytes shorter than `x.length` once minified, at every use.)
// Buffer.from (a helper for the same reason).
const bf = (x, e) => Buffer.from(x, e);
const len = x => x.length;
const blen = s => Buffer.byteLength(s);
// ASCII-only lowercase (Rust's eq_ignore_ascii_case). A string is ASCII iff its UTF-8 length is its
// length; regexes are slow in njs (one here made a request ~12% slower), so the common case avoids them.
const lc = s => blen(s) == len(s) ? s.toLowerCase() : s.replace(/[A-Z]+/g, m => m.toLowerCase());
// Rust's str::trim: Unicode White_Space, which has U+0085 but not U+FEFF, unlike JS's trim.
// Characters are tested only at the ends (usually one each), with JS's own trim, which has U+FEFF and
// not U+0085.
const tr = s => {
    let i = 0, j = len(s);
    while (i < j && ws(s[i])) i++;
    while (j > i && ws(s[j - 1])) j--;
    return s.slice(i, j);
};
const ws = c => c != '\ufeff' && !(c != '\x85' && c.trim());
// Strict base64url: URL alphabet, no padding, canonical trailing bits. The decoder skips or accepts
// anything else (`+/=`, spaces), so only a canonical encoding survives the round trip.
const b64 = s => {
    const b = bf(s, B64U);
    if (b.toString(B64U) == s) return b;
};
// A JSON object as the core accepts it → [object, {top-level member: raw number text}]. Refuses what
// JSON.parse lets through but serde_json does not: invalid UTF-8, duplicate members (at any depth,
// compared after unescaping), lone surrogate escapes, nesting deeper than 127, numbers out of f64 range.
const js = s => {
    const b = b64(s), t = b && b.toString();
    // Valid UTF-8 only: invalid bytes become U+FFFD, which does not encode back to them.
    if (!b || !bf(t).equals(b)) return;
    let v;
    try {
        v = JSON.parse(t);
    } catch (e) {
        return;
    }
    if (t.includes('\\u') && /\\ud[89a-f]/i.test(t.replace(/\\\\/g, '').replace(/\\ud[89ab]..\\ud[c-f]../gi, ''))) return;
    const k = t.match(/"(?:[^"\\]|\\.)*"|[^\s"{}\[\]:,]+|[{}\[\]:]/g), st = [], raw = {};
    // An object: its first token is `{`.
    if (k[0] != '{') return;
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
        } else if (c >= '-' && c <= '9') {
            // A number (no other token of valid JSON starts with `-` to `9`; `:` is after `9`).
            if (!isFinite(x)) return;
            if (st.length == 1) raw[name(k[i - 2])] = x;
        }
    }
    return [v, raw];
};
// A member name literal, unescaped.
const name = x => x.includes('\\') ? JSON.parse(x) : x.slice(1, -1);
//#if i64
// serde_json's as_i64: an integer literal (not -0, no fraction or exponent) within i64.
const i64 = x => {
    const d = x && /^(0|-?[1-9]\d*)$/.test(x) && x.replace('-', '');
    return d && (len(d) < 19 || (len(d) == 19 && d <= '922337203685477580' + (x[0] == '-' ? 8 : 7)));
};
//#endif
// HMAC-SHA256 (`a`: the Akamai algorithm) compared in constant time (no timingSafeEqual in CloudFront Functions).
const mac = (k, d, s, a) => {
//#if akamai
    const h = (a ? crypto.createHmac(__AKAMAI_ALG__, k) : crypto.createHmac('sha256', k)).update(d).digest();
//#endif
//#if !akamai
    const h = crypto.createHmac('sha256', k).update(d).digest();
//#endif
    let x = len(h) ^ len(s);
    h.forEach((b, i) => x |= b ^ s[i]);
    return !x;
};
// Is the Origin header `o` (a string, else absent) one of the comma-separated `list` entries (`*`,
// exact, `scheme://*.host`)? `*` allows any origin, an absent one too.
const origin = (list, o) => {
    // Compared lowercased (ASCII only): `e == o` is the exact match, scheme and host alike; an absent
    // or empty Origin is a space, which no trimmed entry equals. `a`: where the entry's host starts.
    o = str(o) && lc(tr(o)) || ' ';
    return list.split(',').some(e => {
        e = lc(tr(e));
        const a = e.indexOf('://') + 3, sf = e.slice(a + 1), l = o.slice(a, -len(sf));
        // `scheme://*.suffix`: the same `scheme://` first in the Origin, then a non-empty label `l`
        // (no `/`, `:`, `@`), then `.suffix` at the end.
        return e == '*' || e == o || (a > 2 && e[a] == '*' && sf[0] == '.' && o.startsWith(e.slice(0, a)) && o.endsWith(sf) && l && !/[\/:@]/.test(l));
    });
};

async function handler(event) {
    // Inside the try: even an event without a request is a denial, never an exception.
    let q, r;
    try {
        q = event.request;
        r = await check(q, Math.floor(Date.now() / 1000), (event.viewer || {}).ip);
    } catch (e) {
        r = BR;
    }
    if (!r) return q;
    const s = r == MT ? __MISSING_STATUS__ : __STATUS__;
    return {
        statusCode: s,
        statusDescription: __STATUS_TEXT__,
//#if debug
        headers: { 'x-playgate-reason': { value: RN[r] } },
        body: { encoding: 'text', data: RN[r] },
//#endif
    };
}

// The one request path: returns a reason code, or 0 after rewriting `q` for the origin. `ci` is the
// viewer's IP. A thrown exception is `bad_request` (e.g. a path without normal form).
async function check(q, now, ci) {
    const qs = q.querystring || {};
    // The raw query as the core rebuilds it from the event: `k=v` (`k` when v is empty) joined by `&`.
    let n = -1;
    for (let k in qs) vals(qs[k]).forEach(v => n += blen(k) + (v ? blen(v) + 2 : 1));
    if (q.uri[0] != '/' || blen(q.uri) > 8192 || n > 8192) return BR;
//#if exempt
    // Exempt paths need no token; forwarded in normal form, the query unchanged.
    const xp = norm(q.uri);
    if (EX.some(g => gm(g, xp))) {
        q.uri = xp;
        return 0;
    }
//#endif
    // Sources in config order; each answers undefined (absent), 0 (malformed) or {t, n?, u?, s?}.
    // (The first answer carried through reduce, not written by a closure: njs 0.7 loses what a
    // closure wrote to an async function's variables at the next `await`.)
    const f = __SOURCES__.reduce((a, x) => a === undefined ? x[0](q, x[1]) : a, undefined);
    if (f === undefined) return MT;
    const t = f && f.t;
    if (!t || blen(t) > __MAX_LENGTH__) return MAL;
    let c, raw = {}, ak;
//#if akamai
    // Akamai EdgeAuth 2.0 (a JWS never holds `=` or `~`).
    if (/[=~]/.test(t)) {
        if (f.u) return MAL;
        c = await edge(t, q.uri);
        if (c.exp === undefined) return c;
        ak = c[''];
    } else {
//#endif
    // (An empty part is not a JSON object: js() refuses it.)
    const p = t.split('.'), h = len(p) == 3 && js(p[0]), pl = h && js(p[1]), sig = pl && b64(p[2]);
    if (!sig) return MAL;
    const hd = h[0], alg = hd.alg, kid = hd.kid;
    if (!str(alg) || (kid !== undefined && !str(kid))) return MAL;
    if ('jwk jku x5u x5c crit'.split(' ').some(m => m in hd) || ('cty' in hd && !(str(hd.cty) && lc(hd.cty) == 'json'))) return FH;
//#if jwt
    // With `kid`, its entry (an entry naming another algorithm: algorithm_mismatch). Without, every
    // listed key; one missing from (or malformed in) the store is a removed key: skipped.
    const hp = p[0] + '.' + p[1], ids = kid === undefined ? KIDS : blen(kid) > 128 ? [] : [kid];
    if (kid === undefined && alg != 'HS256') return AM;
    let u = 0, ok = 0, v;
    for (let i = 0; i < len(ids) && !ok; i++) {
        v = await kv('key:' + ids[i], J);
        if (kid !== undefined && v && str(v.alg) && v.alg != alg) return AM;
        // {"alg":"HS256","secret":"<base64url, >= 32 bytes>"}
        v = v && v.alg == 'HS256' && str(v.secret) && b64(v.secret);
        if (v && len(v) >= 32) u++, ok = mac(v, hp, sig);
    }
    if (!ok) return u ? BS : UK;
    c = pl[0], raw = pl[1];
//#endif
//#if !jwt
    // No JWT keys: a JWS is refused as the core refuses it (no key for its `kid` or `alg`).
    return kid !== undefined ? UK : AM;
//#endif
//#if akamai
    }
//#endif
//#if jwt
    const ty = (y) => (k) => !(k in c) || typeof c[k] == y;
    // (VV is typed by i64() and MR by its three values below; every failure here is the same reason.)
    if (!['exp', 'nbf', 'iat'].every(ty('number')) || ![CA, AO, SU, VI].every(ty('string')) || !ty('boolean')(SO) ||
        (SU in c && !/^[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12}$/i.test(c[SU])) ||
        (VI in c && (!c[VI] || len(cps(c[VI])) > 40)) ||
        (VV in c && !i64(raw[VV])) || (MR in c && !['SD', 'HD', 'FULL_HD'].includes(c[MR]))) return INV;
//#endif
    const exp = c.exp;
    if (exp === undefined) {
        if (__REQUIRE_EXP__) return MC;
    // (An absent nbf/exp is undefined, and comparisons with undefined are false.)
//#if leeway
    } else if (exp + __LEEWAY__ <= now) return EXPIRED;
    if (c.nbf > now + __LEEWAY__) return NYV;
//#endif
//#if !leeway
    } else if (exp <= now) return EXPIRED;
    if (c.nbf > now) return NYV;
//#endif
    if (exp - now > (VI in c || SU in c ? __MAX_LIFETIME_SHORT__ : __MAX_LIFETIME__)) return LTL;
    // Policies look at the path the origin will see (the token segment removed), in normal form
    // when a path policy applies.
    let uri = f.u || q.uri;
    const sc = own(c, __PATHS_CLAIM__);
    if (__NORMALISE__ || sc !== undefined || ak) uri = norm(uri);
//#if paths_required
    if (sc === undefined && !ak) return MC;
//#endif
    if (sc !== undefined) {
        if (!isA(sc) || !len(sc) || len(sc) > 32) return INV;
        // Every pattern must be valid, one must match.
        let g;
        try {
            g = sc.map(glob);
        } catch (e) {
            return INV;
        }
        if (!g.some(x => gm(x, uri))) return PNA;
    }
//#if akamai
    if (ak && ak.acl && !ak.acl.split('!').some(e => {
        try {
            return e && gt(canon(e), uri);
        } catch (x) {
        }
    })) return PNA;
//#endif
    // Viewer binding: the plain IP claim, an Akamai `ip`, the digest claim.
    const ipc = own(c, __IP_CLAIM__), bd = own(c, __BIND_CLAIM__), ai = ak && ak.ip;
    let it, tag;
    if (bd !== undefined) {
        it = bd && typeof bd == 'object' && !isA(bd) && len(Object.keys(bd)) == 2 && bd.v;
        if (!isA(it) || !str(bd.mac) || !len(it) || len(it) > 16 || it.some((x, i) => !str(x) || !item(x) || it.indexOf(x) < i) || !(tag = b64(bd.mac))) return INV;
    }
//#if bind_required
    const bound = r => r == 'ip' ? ipc !== undefined || ai || (it && it.some(x => x.startsWith('ip'))) : it && it.includes(r);
    if (!__BIND_REQUIRE__.every(bound)) return MC;
//#endif
    const va = ip(ci || '');
    if (ipc !== undefined) {
        const l = str(ipc) ? [ipc] : isA(ipc) && len(ipc) && len(ipc) <= 32 && ipc;
        const bl = l && l.map(x => str(x) && cidr(x));
        if (!bl || !bl.every(x => x)) return INV;
        if (!va || !bl.some(x => len(va) == x[1] && va.startsWith(x[0]))) return BM;
    }
    if (ai) {
        const w = ip(ai);
        if (!w || va != w) return w ? BM : INV;
    }
//#if !bind_digest
    // No binding key configured: a digest claim fails closed.
    if (it) return BM;
//#endif
//#if bind_digest
    if (it) {
        // (Lines returned by the closure, not appended by it: see the sources above.)
        let m = it.map(x => {
            let v;
            // `ip` (the whole address) or `ip/N` (item() allows no other name starting with `ip`).
            const nb = x.slice(3);
            if (x.startsWith('ip')) v = va && !(nb > len(va)) && ipt(va, nb || 128) + (nb && '/' + nb);
            else if (x == 'session') v = f.s;
            else if (x.startsWith('query:')) {
                v = one(q.querystring, x.slice(6));
                try {
                    v = str(v) && decodeURIComponent(v);
                } catch (e) {
                    v = 0;
                }
            } else v = one(q.headers, HDR[x] || x.slice(7));
            return str(v) && !v.includes('\n') && '\n' + x + '=' + v;
        }), k;
        if (!m.every(x => x)) return BM;
        m = 'playgate-bind-v1' + m.join('');
        k = await kv('bind', J);
        if (k === undefined || !k.some(s => mac(b64(s), m, tag))) return BM;
    }
//#endif
//#if resolution
    const rl = RD.find(x => gm(x[0], uri));
    if (MR in c && rl && rl[1] > { SD: 480, HD: 720, FULL_HD: 1080 }[c[MR]]) return RNA;
//#endif
//#if channel
    if (!(CA in c)) return MC;
//#endif
//#if channel_fixed
    if (!__ARNS__.includes(c[CA])) return CM;
//#endif
//#if channel_path
    // `claims.channel.path` as a regex: its prefix, the id (one non-empty segment), the rest.
    const id = __CHANNEL_RE__.exec(uri);
    if (!id || c[CA] != __ARN_HEAD__ + id[1] + __ARN_TAIL__) return CM;
//#endif
    if (c[AO] !== undefined && (c[SO] === true || /\.(m3u8|mpd)$/.test(uri)) && !origin(c[AO], one(q.headers, 'origin'))) return OM;
    // Forward without the token (a denial below forwards nothing: the changes do not matter then).
    if (f.n) delete qs[f.n];
    q.uri = uri;
//#if revocation
    // (Its promise, not awaited here: handler() awaits it.)
    return rev(c, raw, f, now);
//#endif
//#if !revocation
    return 0;
//#endif
}

//#if revocation
// Revocation (docs/revocation.md §3): one KeyValueStore block per id, verified; 0 (not revoked),
// 'revoked' or the unavailable answer (`on_unavailable`).
async function rev(c, raw, f, now) {
    const it = [], vw = __REV_VIEWERS__ && str(c[CA]) && str(c[VI]), U = __REV_UNAVAILABLE__;
    __REV_CLAIMS__.forEach(n => {
        const v = own(c, n);
        if (str(v) || i64(raw[n])) it.push((n == 'jti' ? 'j' : 's') + v);
    });
    if (__REV_PATH__ && f.s) it.push('s' + f.s);
    if (!len(it) && !vw) return 0;
    let u = 0, x, d;
    const h = await kv('pg:h', J);
    if (h === undefined || h.v !== 1 || now - h.created > __REV_MAX_AGE__) return U;
    // digest = SHA-256("pgr1" ‖ seed ‖ kind ‖ payload); the kind byte leads each item. (70677231: "pgr1")
    const w = h.log2_block_bits, pf = bf('70677231' + h.seed, HEX), dg = b => sha([pf].concat(b));
    for (let i = 0; i < len(it); i++) {
        d = dg(it[i]);
        const bl = d.readUInt32BE(0) % h.blocks;
        x = await kv(h.block_prefix + bl);
        const r = bf(x || '', 'base64'), n = len(r) - 16;
        // Framed block: "PGRB", version 1, lineage, index, serial, bits, SHA-256[0..16] of the rest.
        if (n != 22 + (1 << w) / 8 || sha([r.slice(0, n)]).toString(HEX, 0, 16) != r.toString(HEX, n) || r.toString(HEX, 0, 14) != '504752420001' + h.lineage || r.readUInt32BE(14) != bl) {
            u = 1;
            continue;
        }
        let m = 1;
        for (let j = 0, b = 32, p = 0; j < h.k; j++, p = 0) {
            for (; b < 32 + w * j + w; b++) p = p << 1 | d[b >> 3] >> 7 - (b & 7) & 1;
            m = m && r[22 + (p >> 3)] >> (p & 7) & 1;
        }
        if (m) return RV;
    }
    if (vw) {
        const a = bf(c[CA]);
        d = dg([bf([118, len(a) >> 8, len(a) & 255]), a, c[VI]]);
        // Absent: not revoked.
        x = await kv('pg:v:' + d.toString(HEX, 0, 16));
        if (x && (c[VV] || 0) <= +x.split(',')[0]) return RV;
    }
    return u ? U : 0;
}
//#endif
//#if akamai
// An Akamai EdgeAuth 2.0 token → claims {exp, nbf?, '': its fields} or a reason. The keys (current
// first, then transition keys) and the salt are in the KeyValueStore under `akamai`.
async function edge(t, url) {
    // The fields, then `~hmac=` and hex after the last one.
    const h = /^([\s\S]*)~hmac=((?:[\da-f]{2})*)$/i.exec(t), o = {};
    if (!h) return MAL;
    const sg = h[1];
    // Fields `name=value`: a known name, once, a non-empty value (`st`/`exp`: 1 to 19 digits).
    if (sg.split('~').some(x => {
        const m = /^(ip|acl|id|data|(?:st|exp)(?==\d{1,19}$))=([\s\S]+)$/.exec(x), k = m && m[1];
        return !m || o[k] || !(o[k] = m[2]);
    })) return MAL;
    const tag = bf(h[2], HEX);
    if (len(tag) != __AKAMAI_TAG__) return BS;
    const ks = await kv('akamai', J);
    if (ks === undefined || !ks.keys.some(k => mac(bf(k, HEX), sg + (o.acl ? '' : '~url=' + url) + (ks.salt ? '~salt=' + ks.salt : ''), tag, 1))) return BS;
    if (!o.exp) return MC;
    // (`akamai:id` undefined without `id`: read through own(), the same as absent.)
    const c = { exp: +o.exp, '': o, 'akamai:id': o.id };
    if (o.st) c.nbf = +o.st;
    return c;
}
//#endif

// A KeyValueStore entry (`o`: {format}), or undefined when it is absent or unreadable.
async function kv(k, o) {
    let v;
    try {
        v = await kvs.get(k, o);
    } catch (e) {
    }
    return v;
}
