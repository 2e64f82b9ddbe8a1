#!/usr/bin/env bash
# Load and soak for `playgate serve` (not part of the test command; takes ~2.5 min).
#
# wrk (Debian) on 127.0.0.1 against two servers started by this script, in the same run:
#   gate    = playgate serve --config <HS256 + revocation config> --no-demo   (the real gate path)
#   no-gate = playgate serve --no-gate                                        (same files, no gate)
# Targets: a 64 KB segment (what players fetch most) and a 315-byte variant playlist (where the
# gate's share of the work is largest). The gated URL carries a valid path token with a session id
# (`/<sid>.<jwt>/...`), so every request runs the full check including a revocation lookup.
# Then a soak: 60 s of wrk on the gated segment URL while the server's RSS is sampled every 5 s.
#
# Environment: DURATION (s per comparison run, default 15), SOAK (s, default 60), CONNS (default
# 32), THREADS (wrk threads, default 1; the machine has 2 cores shared by wrk and the server).
# Output: a table on stdout and target/load/results.json. Exits non-zero on any error response.
# Requests/s and p99 swing by ±15% between identical runs when other work shares the two cores;
# the server's CPU time per request (from /proc) is the steadier figure for the gate's cost.
source "$(dirname "$0")/../../scripts/lib.sh"
cd "$ROOT"
ensure_apt wrk curl
DURATION=${DURATION:-15}
SOAK=${SOAK:-60}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}

log "cargo build --release -p playgate-cli"
cargo build --release --quiet -p playgate-cli
BIN="$ROOT/target/release/playgate"
OUT="$ROOT/target/load"
mkdir -p "$OUT"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

"$BIN" keygen --alg hs256 --kid load-1 > "$work/key.json"
python3 - "$work" <<'EOF'
import json, sys
w = sys.argv[1]
key = json.load(open(f"{w}/key.json"))
json.dump({
    "keys": [key["config_key"]],
    "token": {"sources": [{"path_segment": True}, {"query": "token"}]},
    "revocation": {"path_session": True, "on_unavailable": "deny"},
}, open(f"{w}/gate.json", "w"))
EOF
echo '{"sid": "load-session"}' > "$work/claims.json"
token=$("$BIN" mint --key "$work/key.json" --claims "$work/claims.json" --ttl 3600)

# start NAME ARGS... : starts a server on a free port, sets ${NAME}_URL and ${NAME}_PID.
start() {
  local name=$1; shift
  "$BIN" serve --listen 127.0.0.1:0 "$@" > "$work/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.log" | head -1 || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/$name.log"; echo "server $name did not start" >&2; exit 1; }
  printf -v "${name}_URL" '%s' "$url"
  printf -v "${name}_PID" '%s' "$pid"
}
start gate --config "$work/gate.json" --no-demo
start nogate --no-gate

seg="/240p/seg_000.ts"
pl="/240p/index.m3u8"
tok="/load-session.$token"
check() { # URL EXPECTED_STATUS
  local got
  got=$(curl -s -o /dev/null -w '%{http_code}' "$1")
  [ "$got" = "$2" ] || { echo "sanity check failed: $1 -> $got (expected $2)" >&2; exit 1; }
}
check "$gate_URL$tok$seg" 200
check "$gate_URL$seg" 401
check "$nogate_URL$seg" 200
cmp <(curl -s "$gate_URL$tok$seg") "fixtures/hls$seg" || { echo "gated body differs from the file" >&2; exit 1; }

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# CPU time (user + system, clock ticks) the server has used: per-request CPU is steadier than
# requests/s when other work shares the machine's two cores.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

# bench LABEL SERVER_PID URL SECONDS -> one JSON line in $OUT/runs.jsonl, summary on stdout
: > "$OUT/runs.jsonl"
bench() {
  local label=$1 pid=$2 url=$3 secs=$4 f="$work/wrk-$1.txt" c0 c1
  c0=$(cpu_ticks "$pid")
  wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency "$url" > "$f"
  c1=$(cpu_ticks "$pid")
  python3 - "$label" "$f" "$((c1 - c0))" "$CLK_TCK" >> "$OUT/runs.jsonl" <<'EOF'
import json, re, sys
label, path, ticks, clk = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = open(path).read()
def unit(v, u):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
p = {m.group(1): unit(m.group(2), m.group(3)) for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)}
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
total = int(re.search(r"(\d+) requests in", t).group(1))
non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", t)) else 0
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
sock_errors = sum(int(x) for x in sock.groups()) if sock else 0
print(json.dumps({"run": label, "rps": rps, "requests": total, "p50_ms": p.get("50"), "p99_ms": p.get("99"),
                  "server_cpu_us_per_req": round(ticks / clk * 1e6 / max(total, 1), 2),
                  "non2xx": non2xx, "socket_errors": sock_errors}))
EOF
  tail -1 "$OUT/runs.jsonl"
}

log "comparison: ${DURATION}s per run, $CONNS connections, $THREADS wrk thread(s), alternating"
for round in 1 2; do
  bench "gate-segment-$round" "$gate_PID" "$gate_URL$tok$seg" "$DURATION"
  bench "nogate-segment-$round" "$nogate_PID" "$nogate_URL$seg" "$DURATION"
  bench "gate-playlist-$round" "$gate_PID" "$gate_URL$tok$pl" "$DURATION"
  bench "nogate-playlist-$round" "$nogate_PID" "$nogate_URL$pl" "$DURATION"
done

log "soak: ${SOAK}s on the gated segment URL, RSS sampled every 5 s"
rss_start=$(rss_kb "$gate_PID")
: > "$OUT/rss.txt"
( for _ in $(seq $((SOAK / 5))); do sleep 5; echo "$(date +%s) $(rss_kb "$gate_PID") $(awk '/^Threads:/ {print $2}' "/proc/$gate_PID/status")" >> "$OUT/rss.txt"; done ) &
sampler=$!
bench "gate-soak" "$gate_PID" "$gate_URL$tok$seg" "$SOAK"
wait "$sampler" || true
rss_end=$(rss_kb "$gate_PID")

python3 - "$OUT" "$rss_start" "$rss_end" "$CONNS" "$THREADS" "$SOAK" <<'EOF'
import json, sys, statistics
out, rss_start, rss_end, conns, threads, soak_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
runs = [json.loads(l) for l in open(f"{out}/runs.jsonl")]
rss = [int(l.split()[1]) for l in open(f"{out}/rss.txt") if l.strip()]
def agg(prefix):
    rs = [r for r in runs if r["run"].startswith(prefix) and "soak" not in r["run"]]
    return {"rps": statistics.mean(r["rps"] for r in rs), "p99_ms": max(r["p99_ms"] for r in rs),
            "p50_ms": statistics.mean(r["p50_ms"] for r in rs),
            "cpu_us_per_req": statistics.mean(r["server_cpu_us_per_req"] for r in rs)}
summary = {"connections": int(conns), "wrk_threads": int(threads)}
print(f"\n{'target':<10} {'server':<8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11}")
for target in ("segment", "playlist"):
    g, n = agg(f"gate-{target}"), agg(f"nogate-{target}")
    summary[target] = {"gate": g, "no_gate": n, "gate_rps_ratio": g["rps"] / n["rps"]}
    for name, a in (("gate", g), ("no-gate", n)):
        print(f"{target:<10} {name:<8} {a['rps']:>10.0f} {a['p50_ms']:>8.2f} {a['p99_ms']:>8.2f} {a['cpu_us_per_req']:>11.1f}")
    summary[target]["gate_cpu_us_per_req_extra"] = g["cpu_us_per_req"] - n["cpu_us_per_req"]
    print(f"{target:<10} gate/no-gate throughput: {g['rps'] / n['rps']:.3f}; "
          f"server CPU per request: +{g['cpu_us_per_req'] - n['cpu_us_per_req']:.1f} us with the gate")
soak = next(r for r in runs if r["run"] == "gate-soak")
errors = sum(r["non2xx"] + r["socket_errors"] for r in runs)
summary["soak"] = {"seconds": soak_s, "rps": soak["rps"], "p99_ms": soak["p99_ms"], "requests": soak["requests"],
                   "rss_kb_start": rss_start, "rss_kb_samples": rss, "rss_kb_end": rss_end, "rss_kb_max": max(rss + [rss_end])}
summary["errors"] = errors
summary["runs"] = runs
json.dump(summary, open(f"{out}/results.json", "w"), indent=2)
print(f"\nsoak: {soak['requests']} requests, {soak['rps']:.0f} req/s, p99 {soak['p99_ms']:.2f} ms")
print(f"RSS (KB): start {rss_start}, samples {rss}, end {rss_end}")
print(f"server threads during the soak: {sorted(set(int(l.split()[2]) for l in open(f'{out}/rss.txt') if l.strip()))}")
print(f"errors (non-2xx + socket) across all runs: {errors}")
print(f"written: {out}/results.json")
sys.exit(1 if errors else 0)
EOF
