// The reviewed list of deliberate disagreements between playgate and jose.
//
// A disagreement is explained only when playgate REJECTS, jose ACCEPTS, playgate's reason is one of
// the rule's reasons, and the rule's predicate holds on the token itself (never on how the
// generator made it). Each rule is a documented strictness (README.md, "Security model") or a
// policy jose has no option for. playgate accepting what jose rejects is never explained: it fails
// the run as a presumptive playgate bug.

import { members, readJson } from './json.mjs';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true }); // like jose: BOM stripped, bad bytes refused

// serde_json's recursion limit: the 128th nested array/object is refused.
export const MAX_DEPTH = 127;
// playgate reads alg/kid/cty/typ and keeps at most this many other header member names.
export const MAX_OTHER_HEADER_MEMBERS = 256;

const CANONICAL_B64U = /^[A-Za-z0-9_-]*$/;

function canonicalPart(part) {
  return CANONICAL_B64U.test(part) && part.length % 4 !== 1 && Buffer.from(part, 'base64url').toString('base64url') === part;
}

// jose's base64url decoding on Node 20 (no Uint8Array.fromBase64): `+`/`/` refused, then atob, which
// accepts padding, ASCII whitespace and non-zero trailing bits.
function joseDecode(part) {
  if (part.includes('+') || part.includes('/')) return null;
  try {
    return Buffer.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), 'latin1');
  } catch {
    return null;
  }
}

function readPart(part) {
  const bytes = joseDecode(part);
  if (bytes === null) return null;
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  let text;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return null;
  }
  return { bom, ...readJson(text) };
}

/** Facts about a token that the rule predicates read. */
export function analyze(token) {
  const parts = token.split('.');
  const a = { parts: parts.length, bytes: Buffer.byteLength(token, 'utf8'), nonCanonical: false, header: null, payload: null };
  if (parts.length !== 3) return a;
  a.nonCanonical = parts.some((p) => !canonicalPart(p));
  a.header = readPart(parts[0]);
  a.payload = readPart(parts[1]);
  return a;
}

const both = (a, f) => [a.header, a.payload].some((x) => x !== null && f(x));
const headerMembers = (a) => (a.header && a.header.ok ? members(a.header.value) : new Map());
const claims = (a) => (a.payload && a.payload.ok ? members(a.payload.value) : new Map());

const isUuid = (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s);
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n];

/** The IVS claims whose value is outside the contract (docs/contracts.md §1), by name. */
function badIvsClaims(a) {
  const c = claims(a);
  const bad = [];
  const check = (name, ok) => {
    const n = c.get(name);
    if (n !== undefined && !ok(n)) bad.push(name);
  };
  check('aws:channel-arn', (n) => n.t === 's');
  check('aws:access-control-allow-origin', (n) => n.t === 's');
  check('aws:single-use-uuid', (n) => n.t === 's' && isUuid(n.v));
  check('aws:viewer-id', (n) => n.t === 's' && n.v.length > 0 && [...n.v].length <= 40);
  check('aws:strict-origin-enforcement', (n) => n.t === 'b');
  // An integer literal in int64 range; `-0` is not one (serde_json reads it as the float -0.0).
  check('aws:viewer-session-version', (n) => n.t === 'n' && /^-?[0-9]+$/.test(n.raw) && n.raw !== '-0' && BigInt(n.raw) >= INT64[0] && BigInt(n.raw) <= INT64[1]);
  check('aws:maximum-resolution', (n) => n.t === 's' && ['SD', 'HD', 'FULL_HD'].includes(n.v));
  return bad;
}

/** docs/contracts.md §1 origin rule, written independently: is `origin` allowed by `list`? */
function originAllowed(list, origin) {
  for (const e of list.split(',').map((s) => s.trim())) {
    if (e === '*' || e === origin) return true;
    const m = /^([a-z]+:\/\/)\*\.(.+)$/.exec(e);
    if (m && origin !== undefined && origin.startsWith(m[1])) {
      const host = origin.slice(m[1].length);
      if (host.endsWith(`.${m[2]}`) && host.length > m[2].length + 1) return true;
    }
  }
  return false;
}

export const RULES = [
  {
    id: 'non_canonical_base64url',
    reasons: ['malformed_token'],
    doc: 'A part is not canonical unpadded base64url (padding `=`, whitespace, non-zero trailing bits); jose decodes it with atob, which tolerates all three.',
    applies: (a) => a.nonCanonical,
  },
  {
    id: 'duplicate_members',
    reasons: ['malformed_token'],
    doc: 'The header or the claims repeat a member name at some depth; JSON.parse keeps the last one.',
    applies: (a) => both(a, (x) => x.facts.duplicate),
  },
  {
    id: 'nesting_depth',
    reasons: ['malformed_token'],
    doc: `Header or claims nest more than ${MAX_DEPTH} arrays/objects (serde_json's recursion limit); JSON.parse has none that small.`,
    applies: (a) => both(a, (x) => x.facts.depth > MAX_DEPTH),
  },
  {
    id: 'lone_surrogate',
    reasons: ['malformed_token'],
    doc: 'A string holds a `\\uD800`–`\\uDFFF` escape that is not half of a valid pair (not Unicode text); JSON.parse keeps it.',
    applies: (a) => both(a, (x) => x.facts.loneSurrogate),
  },
  {
    id: 'number_out_of_range',
    reasons: ['malformed_token'],
    doc: 'A number literal overflows a double (`1e400`); JSON.parse turns it into Infinity.',
    applies: (a) => both(a, (x) => x.facts.overflow),
  },
  {
    id: 'byte_order_mark',
    reasons: ['malformed_token'],
    doc: 'The decoded header or claims start with a UTF-8 byte order mark; TextDecoder strips it before JSON.parse.',
    applies: (a) => both(a, (x) => x.bom),
  },
  {
    id: 'too_many_header_members',
    reasons: ['malformed_token'],
    doc: `The header has more than ${MAX_OTHER_HEADER_MEMBERS} members besides alg/kid/cty/typ.`,
    applies: (a) => [...headerMembers(a).keys()].filter((k) => !['alg', 'kid', 'cty', 'typ'].includes(k)).length > MAX_OTHER_HEADER_MEMBERS,
  },
  {
    id: 'key_choosing_header',
    reasons: ['forbidden_header'],
    doc: 'The header has `jwk`, `jku`, `x5u`, `x5c` or any `crit`; jose ignores the first four when given the key, and accepts `crit: ["b64"]` with `b64: true`.',
    applies: (a) => ['jwk', 'jku', 'x5u', 'x5c', 'crit'].some((k) => headerMembers(a).has(k)),
  },
  {
    id: 'content_type_not_json',
    reasons: ['forbidden_header'],
    doc: 'The header has a `cty` other than the string `json` (any case): no nested JWTs; jose does not read `cty`.',
    applies: (a) => {
      const n = headerMembers(a).get('cty');
      return n !== undefined && !(n.t === 's' && n.v.toLowerCase() === 'json');
    },
  },
  {
    id: 'kid_not_a_string',
    reasons: ['malformed_token'],
    doc: 'The header `kid` is not a string (number, null, array, object); jose ignores `kid` when given the key.',
    applies: (a) => {
      const n = headerMembers(a).get('kid');
      return n !== undefined && n.t !== 's';
    },
  },
  {
    id: 'kid_not_configured',
    reasons: ['unknown_key'],
    doc: 'The header names a `kid` that is not configured; jose, given the key directly, ignores `kid`.',
    applies: (a, cs) => {
      const n = headerMembers(a).get('kid');
      return n !== undefined && n.t === 's' && n.v !== cs.cfg.kid;
    },
  },
  {
    id: 'ivs_claim_type',
    reasons: ['invalid_claim'],
    doc: 'An `aws:` claim has a value outside the IVS contract (viewer-id 1..=40 chars, session version an int64 integer literal (not `-0`), resolution SD/HD/FULL_HD, UUID, booleans, strings); jose does not know these claims.',
    applies: (a) => badIvsClaims(a).length > 0,
  },
  {
    id: 'ivs_origin',
    reasons: ['origin_mismatch'],
    doc: 'The token restricts origins (`aws:access-control-allow-origin`) on a manifest request or with `aws:strict-origin-enforcement`, and the Origin header is absent or not listed: IVS policy jose does not know.',
    applies: (a, cs) => {
      const c = claims(a);
      const list = c.get('aws:access-control-allow-origin');
      if (list === undefined || list.t !== 's') return false;
      const strict = c.get('aws:strict-origin-enforcement');
      const checked = (strict !== undefined && strict.t === 'b' && strict.v) || /\.(m3u8|mpd)$/.test(cs.request.uri);
      return checked && !originAllowed(list.v, cs.request.headers.origin);
    },
  },
  {
    id: 'token_too_long',
    reasons: ['malformed_token'],
    doc: 'The token is longer than `token.max_length` bytes (default 4096).',
    applies: (a, cs) => a.bytes > cs.cfg.maxLength,
  },
];

/**
 * Classifies one decided case: `{ kind: 'agreed' }`, `{ kind: 'deliberate', rule }` or
 * `{ kind: 'unexplained', why }`.
 */
export function classify(cs, pg, jose) {
  if (pg.allow === jose.accept) return { kind: 'agreed' };
  if (pg.allow) return { kind: 'unexplained', why: 'playgate accepts, jose rejects' };
  const a = analyze(cs.token);
  for (const rule of RULES) {
    if (rule.reasons.includes(pg.reason) && rule.applies(a, cs)) return { kind: 'deliberate', rule: rule.id };
  }
  return { kind: 'unexplained', why: `playgate rejects (${pg.reason}), jose accepts; no rule applies` };
}
