#!/usr/bin/env bash
# Revocation filters across languages: `playgate revoke` builds a filter and its KeyValueStore
# export; the JS one-block lookup of docs/revocation.md (tests/revocation/kvs_lookup.js, the
# reference for the CloudFront Function) must agree with Rust, under Node and under njs (the
# CloudFront Functions engine family).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
ensure_apt njs python3

log "playgate revoke: build + KeyValueStore export"
cargo build --quiet -p playgate-cli
pg="$ROOT/target/debug/playgate"
work="$ROOT/target/revocation-test"
rm -rf "$work" && mkdir -p "$work"
now=1800000000
python3 - "$work" "$now" <<'PY'
import sys
d, now = sys.argv[1], int(sys.argv[2])
with open(f"{d}/list.csv", "w") as f, open(f"{d}/members.txt", "w") as m:
    f.write("kind,id,expires\n")
    for i in range(3000):
        sid = f"sess-{i:05d}-{(i * 2654435761) % 2**32:08x}"
        f.write(f"sid,{sid},{now + 600 + i}\n")
        m.write(sid + "\n")
    f.write("sid,long-gone,%d\n" % (now - 7200))
with open(f"{d}/viewers.jsonl", "w") as f:
    f.write('{"channel_arn":"arn:aws:ivs:us-west-2:123456789012:channel/abcd","viewer_id":"viewer-1","max_version":3,"exp":%d}\n' % (now + 600))
with open(f"{d}/probes.txt", "w") as f:
    for i in range(5000):
        f.write(f"stranger-{i}\n")
PY
"$pg" revoke build -i "$work/list.csv" -i "$work/viewers.jsonl" --fp 1e-2 --now "$now" \
  --seed 0102030405060708090a0b0c -o "$work/f.pgrf" --kvs "$work/kvs.json" >/dev/null
"$pg" revoke inspect "$work/f.pgrf" > "$work/inspect.json"
# Rust's answers for the non-member probes (exit 1 just means "some were revoked").
mapfile -t probes < "$work/probes.txt"
args=(); for p in "${probes[@]}"; do args+=(--sid "$p"); done
"$pg" revoke query --filter "$work/f.pgrf" "${args[@]}" > "$work/rust-probes.json" || [ $? -eq 1 ]
# Expired entries are left out; the query of a member says revoked.
"$pg" revoke query --filter "$work/f.pgrf" --sid "$(head -1 "$work/members.txt")" >/dev/null && { echo "member not revoked" >&2; exit 1; }
# A corrupt filter is refused with an error (exit 2), never read.
head -c 2000 "$work/f.pgrf" > "$work/truncated.pgrf"
if "$pg" revoke inspect "$work/truncated.pgrf" 2>/dev/null; then echo "truncated filter accepted" >&2; exit 1; fi

log "node --test tests/revocation"
PG_REVOCATION_DIR="$work" node --test tests/revocation/

log "njs: the same lookup in the CloudFront Functions engine family"
python3 - "$work" <<'PY'
import json, sys
d = sys.argv[1]
kvs = {e["key"]: e["value"] for e in json.load(open(f"{d}/kvs.json"))["data"]}
members = open(f"{d}/members.txt").read().split()[:50]
lookup = open("tests/revocation/kvs_lookup.js").read()
driver = f"""
import crypto from 'crypto';
{lookup}
var store = {json.dumps(kvs)};
function get(k) {{ if (!(k in store)) throw new Error('KeyNotFound'); return store[k]; }}
var members = {json.dumps(members)};
async function main() {{
  var found = 0;
  for (var i = 0; i < members.length; i++) if ((await pgRevokedId(crypto, get, 'pg:', 's', members[i])) === true) found++;
  var v3 = await pgRevokedViewer(crypto, get, 'pg:', 'arn:aws:ivs:us-west-2:123456789012:channel/abcd', 'viewer-1', 3);
  var v4 = await pgRevokedViewer(crypto, get, 'pg:', 'arn:aws:ivs:us-west-2:123456789012:channel/abcd', 'viewer-1', 4);
  console.log(JSON.stringify({{found: found, of: members.length, v3: v3, v4: v4}}));
}}
main();
"""
open(f"{d}/njs_lookup.mjs", "w").write(driver)
PY
out=$(njs "$work/njs_lookup.mjs")
echo "njs: $out"
[ "$out" = '{"found":50,"of":50,"v3":true,"v4":false}' ] || { echo "njs lookup disagrees with Rust" >&2; exit 1; }
echo "revocation: 1 passed, 0 failed"
