// One-block revocation lookup from a CloudFront KeyValueStore, exactly as docs/revocation.md §3
// describes it: the reference for the CloudFront Function port. Written for the cloudfront-js-2.0
// engine (njs): no WebAssembly, only crypto.createHash and Buffer. `kvsGet(key)` returns the value
// string or throws when the key is absent (like `kvs.get(key)`), and may be async.
//
// revokedId(kvsGet, prefix, kind, id) → true | false | 'unavailable'
//   kind: 's' session id, 'j' token id.

function pgBitField(d, start, w) {
  var v = 0;
  for (var b = start; b < start + w; b++) v = (v << 1) | ((d[b >> 3] >> (7 - (b & 7))) & 1);
  return v;
}

// njs 0.7.9 crashes (segfault) on `await` nested inside a call such as `JSON.parse(await get())`:
// every awaited value is assigned to a variable first.
async function pgRevokedId(crypto, kvsGet, prefix, kind, id) {
  var h, raw, s;
  try {
    s = await kvsGet(prefix + 'h');
    h = JSON.parse(s);
  } catch (e) {
    return 'unavailable';
  }
  if (h.v !== 1) return 'unavailable';
  var w = h.log2_block_bits, k = h.k, blockBytes = (1 << w) >> 3;
  var d = crypto.createHash('sha256')
    .update(Buffer.concat([Buffer.from('pgr1'), Buffer.from(h.seed, 'hex'), Buffer.from(kind), Buffer.from(id, 'utf8')]))
    .digest();
  var block = (((d[0] << 24) >>> 0) + (d[1] << 16) + (d[2] << 8) + d[3]) % h.blocks;
  try {
    s = await kvsGet(h.block_prefix + block);
    raw = Buffer.from(s, 'base64');
  } catch (e) {
    return 'unavailable';
  }
  if (raw.length !== 22 + blockBytes + 16) return 'unavailable';
  var check = crypto.createHash('sha256').update(raw.slice(0, raw.length - 16)).digest();
  for (var i = 0; i < 16; i++) if (check[i] !== raw[raw.length - 16 + i]) return 'unavailable';
  if (raw.slice(0, 4).toString() !== 'PGRB' || raw[4] !== 0 || raw[5] !== 1) return 'unavailable';
  if (raw.slice(6, 14).toString('hex') !== h.lineage) return 'unavailable';
  var idx = (((raw[14] << 24) >>> 0) + (raw[15] << 16) + (raw[16] << 8) + raw[17]);
  if (idx !== block) return 'unavailable';
  for (var j = 0; j < k; j++) {
    var p = pgBitField(d, 32 + w * j, w);
    if (!(raw[22 + (p >> 3)] & (1 << (p & 7)))) return false;
  }
  return true;
}

// Viewer sessions: revoked iff an entry exists and version ≤ its max_version.
async function pgRevokedViewer(crypto, kvsGet, prefix, channelArn, viewerId, version) {
  var h, s;
  try {
    s = await kvsGet(prefix + 'h');
    h = JSON.parse(s);
  } catch (e) {
    return 'unavailable';
  }
  var arn = Buffer.from(channelArn, 'utf8');
  var len = Buffer.from([(arn.length >> 8) & 255, arn.length & 255]);
  var d = crypto.createHash('sha256')
    .update(Buffer.concat([Buffer.from('pgr1'), Buffer.from(h.seed, 'hex'), Buffer.from('v'), len, arn, Buffer.from(viewerId, 'utf8')]))
    .digest();
  var v;
  try {
    v = await kvsGet(prefix + 'v:' + d.slice(0, 16).toString('hex'));
  } catch (e) {
    return false; // absent: not revoked
  }
  return version <= Number(v.split(',')[0]);
}
