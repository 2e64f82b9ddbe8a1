#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the repository's own fixtures (configs, request documents,
tokens, paths). Idempotent: a seed is named by the hash of its content."""
import glob, hashlib, json, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
corpus = os.path.join(root, "fuzz", "corpus")


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    p = os.path.join(d, name)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)


for p in sorted(glob.glob(os.path.join(root, "fixtures", "conformance", "*.config.json"))):
    put("config", open(p, "rb").read())
for p in sorted(glob.glob(os.path.join(root, "fixtures", "conformance", "*.cases.json"))):
    for case in json.load(open(p))["cases"]:
        if isinstance(case.get("config"), dict):
            put("config", json.dumps(case["config"]))
        req = case["request"]
        put("event", json.dumps(req))
        text = json.dumps(req)
        for tok in re.findall(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*", text):
            put("token", tok)
        uri = req.get("uri") if isinstance(req.get("uri"), str) else None
        if uri:
            put("path", "/**/*.ts\n" + uri)
for p in ["/live/../a/%2e%2e/b//c/", "/a/%7e%41/%c3%a9", "/channels/x/720p/seg.ts"]:
    put("path", "/channels/*/720p/**\n" + p)
# A well-formed filter body (the target appends the SHA-256 trailer itself): 2 blocks of 64
# bytes, k = 3, one generation of 2 elements, one viewer entry; layout in docs/revocation.md.
import struct
body = b"PGRF" + struct.pack(">HBBI", 1, 9, 3, 2) + bytes(range(12))
body += struct.pack(">QQQIIII", 1_799_990_000, 1_800_086_400, 2, 7, 1, 1, 0)
body += struct.pack(">QQ", 1_800_000_000, 2)
body += bytes([0x11] * 128)
body += bytes(range(16)) + struct.pack(">qQ", 3, 1_800_086_400)
put("revocation_filter", body)
put("request", b"")
print("seeded", {t: len(os.listdir(os.path.join(corpus, t))) for t in sorted(os.listdir(corpus))}, file=sys.stderr)
