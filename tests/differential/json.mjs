// An independent JSON reader for the rule predicates. JSON.parse hides exactly what the rules need to
// see (it keeps the last of two duplicate members, turns 1e400 into Infinity, accepts lone surrogate
// escapes, rounds big integers), so this reader keeps the facts instead: every member in order, the
// source text of every number, the deepest nesting, and whether a string held a lone surrogate.
// RFC 8259 grammar; anything else is `ok: false`.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Reads `text` as one JSON value. Returns `{ ok, value, facts }` where `value` is a tree of
 * `{t:'o', m:[[name, node]]} | {t:'a', v:[node]} | {t:'s', v} | {t:'n', raw, v} | {t:'b', v} | {t:'z'}`
 * and `facts` = `{ duplicate, depth, loneSurrogate, overflow, members }` (`members`: the number of
 * members of the top-level object).
 */
export function readJson(text) {
  const facts = { duplicate: false, depth: 0, loneSurrogate: false, overflow: false, members: 0 };
  let i = 0;
  const fail = () => {
    throw new SyntaxError(`bad JSON at ${i}`);
  };
  const ws = () => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const str = () => {
    // at the opening quote
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        break;
      }
      if (c < 0x20) fail();
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      i += 2;
      const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
      if (simple !== undefined) {
        out += simple;
        continue;
      }
      if (e !== 'u') fail();
      const hex = text.slice(i, i + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail();
      i += 4;
      out += String.fromCharCode(parseInt(hex, 16));
    }
    // A lone surrogate (escaped or, impossible after strict UTF-8 decoding, raw).
    for (let k = 0; k < out.length; k++) {
      const c = out.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = out.charCodeAt(k + 1);
        if (d >= 0xdc00 && d <= 0xdfff) k++;
        else facts.loneSurrogate = true;
      } else if (c >= 0xdc00 && c <= 0xdfff) facts.loneSurrogate = true;
    }
    return out;
  };
  const NUM = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const value = (depth) => {
    ws();
    if (i >= text.length) fail();
    const c = text[i];
    if (c === '{' || c === '[') {
      const d = depth + 1;
      if (d > facts.depth) facts.depth = d;
      i++;
      ws();
      if (c === '[') {
        const v = [];
        if (text[i] === ']') {
          i++;
          return { t: 'a', v };
        }
        for (;;) {
          v.push(value(d));
          ws();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === ']') {
            i++;
            return { t: 'a', v };
          }
          fail();
        }
      }
      const m = [];
      const seen = new Set();
      if (text[i] === '}') {
        i++;
        return { t: 'o', m };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const name = str();
        if (seen.has(name)) facts.duplicate = true;
        seen.add(name);
        ws();
        if (text[i] !== ':') fail();
        i++;
        m.push([name, value(d)]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { t: 'o', m };
        }
        fail();
      }
    }
    if (c === '"') return { t: 's', v: str() };
    for (const [lit, node] of [['true', { t: 'b', v: true }], ['false', { t: 'b', v: false }], ['null', { t: 'z' }]]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return node;
      }
    }
    NUM.lastIndex = i;
    const m = NUM.exec(text);
    if (!m) fail();
    i += m[0].length;
    const v = Number(m[0]);
    if (!Number.isFinite(v)) facts.overflow = true;
    return { t: 'n', raw: m[0], v };
  };
  try {
    const v = value(0);
    ws();
    if (i !== text.length) fail();
    if (v.t === 'o') facts.members = v.m.length;
    return { ok: true, value: v, facts };
  } catch (e) {
    // Nesting too deep for this reader's stack counts as deep nesting, not as a syntax error.
    if (e instanceof RangeError) return { ok: false, value: null, facts: { ...facts, depth: Infinity } };
    return { ok: false, value: null, facts };
  }
}

/** The members of an object node as a Map of name → the last node (JSON.parse's view). */
export function members(node) {
  const out = new Map();
  if (node && node.t === 'o') for (const [k, v] of node.m) out.set(k, v);
  return out;
}
