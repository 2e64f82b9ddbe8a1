"""Interop with an independent JWT implementation (PyJWT + cryptography):
PyJWT mints HS256/HS384/HS512/ES384 tokens that `playgate check` must accept in CloudFront Functions
and Lambda@Edge events (and refuse once tampered), and tokens minted by `playgate mint` must verify
in PyJWT. Prints 'N passed, N failed'."""
import base64, json, os, subprocess, sys, tempfile, time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PLAYGATE = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="playgate-interop-")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def write(name, obj):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cf_event(uri, token):
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.9"},
            "request": {"method": "GET", "uri": uri, "querystring": {"token": {"value": token}, "x": {"value": "1"}},
                        "headers": {"host": {"value": "example.cloudfront.net"}}, "cookies": {}}}


def le_event(uri, token):
    return {"Records": [{"cf": {"config": {"eventType": "viewer-request"}, "request": {
        "clientIp": "198.51.100.9", "method": "GET", "uri": uri, "querystring": f"x=1&token={token}",
        "headers": {"host": [{"key": "Host", "value": "example.cloudfront.net"}]}}}}]}


def run_check(config_path, event):
    out = subprocess.run([PLAYGATE, "check", "--config", config_path, "--request", write("event.json", event)],
                         capture_output=True, text=True)
    try:
        return out.returncode, json.loads(out.stdout)
    except json.JSONDecodeError:
        return out.returncode, {"stderr": out.stderr}


now = int(time.time())
arn = "arn:aws:ivs:us-west-2:123456789012:channel/interop"
claims = {"exp": now + 300, "aws:channel-arn": arn, "aws:access-control-allow-origin": "*"}

# HMAC keys.
for alg, size in (("HS256", 32), ("HS384", 48), ("HS512", 64)):
    secret = os.urandom(size)
    cfg = write(f"{alg}.json", {"keys": [{"kid": "py", "alg": alg, "secret": b64u(secret)}],
                                "claims": {"channel": {"arn": arn}}})
    token = jwt.encode(claims, secret, algorithm=alg, headers={"kid": "py"})
    for shape, ev in (("cloudfront", cf_event), ("lambda-edge", le_event)):
        code, d = run_check(cfg, ev("/live/index.m3u8", token))
        check(f"{alg} {shape} allow", code == 0 and d.get("allow") is True and d["forward"]["querystring"] == "x=1", d)
    bad = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    code, d = run_check(cfg, cf_event("/live/index.m3u8", bad))
    check(f"{alg} tampered deny", code == 1 and d.get("reason") in ("bad_signature", "malformed_token"), d)
    expired = jwt.encode({**claims, "exp": now - 5}, secret, algorithm=alg, headers={"kid": "py"})
    code, d = run_check(cfg, le_event("/live/index.m3u8", expired))
    check(f"{alg} expired deny", code == 1 and d.get("reason") == "expired", d)

# ES384, IVS style (no kid), public key as PEM and as JWK.
priv = ec.generate_private_key(ec.SECP384R1())
pem = priv.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
nums = priv.public_key().public_numbers()
jwk = {"kty": "EC", "crv": "P-384", "x": b64u(nums.x.to_bytes(48, "big")), "y": b64u(nums.y.to_bytes(48, "big"))}
for label, key in (("pem", {"kid": "ivs", "alg": "ES384", "public_key": pem}), ("jwk", {"kid": "ivs", "alg": "ES384", "jwk": jwk})):
    cfg = write(f"es-{label}.json", {"keys": [key], "claims": {"channel": {"arn": arn}}})
    token = jwt.encode(claims, priv, algorithm="ES384")
    for shape, ev in (("cloudfront", cf_event), ("lambda-edge", le_event)):
        code, d = run_check(cfg, ev("/live/index.m3u8", token))
        check(f"ES384 {label} {shape} allow", code == 0 and d.get("allow") is True, d)
    other = jwt.encode({**claims, "aws:channel-arn": arn + "x"}, priv, algorithm="ES384")
    code, d = run_check(cfg, cf_event("/live/index.m3u8", other))
    check(f"ES384 {label} channel mismatch", code == 1 and d.get("reason") == "channel_mismatch", d)

# The other direction: playgate mints, PyJWT verifies.
for alg in ("hs256", "es384"):
    keydoc = json.loads(subprocess.run([PLAYGATE, "keygen", "--alg", alg, "--kid", "pg"], capture_output=True, text=True, check=True).stdout)
    keyfile = write(f"pg-{alg}.json", keydoc)
    claimsfile = write("claims.json", {"sub": "viewer-1", "aws:channel-arn": arn})
    token = subprocess.run([PLAYGATE, "mint", "--key", keyfile, "--claims", claimsfile, "--ttl", "120"],
                           capture_output=True, text=True, check=True).stdout.strip()
    if alg == "hs256":
        vkey = base64.urlsafe_b64decode(keydoc["signing_key"]["secret"] + "==")
    else:
        vkey = serialization.load_pem_public_key(keydoc["public_key_pem"].encode())
    try:
        decoded = jwt.decode(token, vkey, algorithms=[alg.upper()], options={"require": ["exp"]})
        check(f"PyJWT verifies playgate {alg}", decoded["sub"] == "viewer-1" and jwt.get_unverified_header(token)["kid"] == "pg")
    except Exception as e:  # noqa: BLE001 - any failure is a test failure
        check(f"PyJWT verifies playgate {alg}", False, repr(e))

print(f"interop: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
