"""Writes benches/results/summary.md and chart.svg from the interleaved native harness JSON
(target/bench-native.json), criterion estimates, the Node harness JSON and the budgets the test
command measured (target/conformance/budgets-*.json)."""
import glob, json, os

ROOT = os.path.join(os.path.dirname(__file__), "..")
T = os.path.join(ROOT, "target")
OUT = os.path.join(ROOT, "benches", "results")
os.makedirs(OUT, exist_ok=True)


def criterion(group, fn):
    p = os.path.join(T, "criterion", group, fn, "new", "estimates.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)["median"]["point_estimate"]  # ns


def fmt_ns(ns):
    return f"{ns / 1000:.2f} µs" if ns < 1e6 else f"{ns / 1e6:.2f} ms"


lines = ["# Benchmark results", "", "Regenerate with `benches/report.sh` (figures from one run on this machine;",
         "compare ratios, not absolute times).", ""]
bars = []

native_json = os.path.join(T, "bench-native.json")
if os.path.exists(native_json):
    with open(native_json) as f:
        nat = json.load(f)
    lines += ["## Native HS256, interleaved (`benches/interleaved.rs`; issue 8's native targets)", "",
              f"{nat['rounds']} rounds of ~{nat['batch_us']} µs batches per subject, order rotated per round; clock "
              f"{nat['clock']}; ratios are medians of per-round ratios; load average {nat['loadavg_before']} before, "
              f"{nat['loadavg_after']} after.", "",
              "| subject | median per check | IQR | jsonwebtoken ÷ subject (IQR) |", "|---|---|---|---|"]
    for row in nat["subjects"]:
        r = row["ratio_vs_jsonwebtoken"]
        lines.append(f"| {row['subject']} | {row['median_ns']:,.0f} ns | {row['q1_ns']:,.0f}–{row['q3_ns']:,.0f} ns "
                     f"| {r['median']:.2f}× ({r['q1']:.2f}–{r['q3']:.2f}) |")
    lines += ["", "| issue 8 target | median | IQR | verdict |", "|---|---|---|---|"]
    for t in nat["targets"]:
        f = (lambda x: f"{x:.2f}×") if t["unit"] == "×" else (lambda x: f"{x:,.0f} ns")
        lo, hi = sorted((t["worse_quartile"], t["better_quartile"]))
        lines.append(f"| {t['target']} | {f(t['median'])} | {f(lo)}–{f(hi)} | {t['verdict']} |")
    lines.append("")

lines += ["## Native (criterion, median per full check; not interleaved)", "",
          "Criterion runs the subjects one after another, so a change in the host's speed between them shows up",
          "in the ratios (±15% on a shared machine); the interleaved table above is the one to judge targets by.", "", "| check | playgate | playgate, cache hit | jsonwebtoken | jwt-simple | jsonwebtoken ÷ playgate | jwt-simple ÷ playgate |", "|---|---|---|---|---|---|---|"]
for group, label in (("hs256_full_check", "HS256"), ("es384_full_check", "ES384 (IVS claims)")):
    pg, hit, jw = criterion(group, "playgate"), criterion(group, "playgate_cache_hit"), criterion(group, "jsonwebtoken")
    js = criterion(group, "jwt_simple")
    if None in (pg, hit, jw):
        continue
    simple = (fmt_ns(js), f"{js / pg:.2f}×") if js else ("—", "—")
    lines.append(f"| {label} | {fmt_ns(pg)} | {fmt_ns(hit)} | {fmt_ns(jw)} | {simple[0]} | {jw / pg:.2f}× (cache hit {jw / hit:.0f}×) | {simple[1]} |")
    bars += [(f"native {label}: playgate", 1e9 / pg), (f"native {label}: playgate cache hit", 1e9 / hit), (f"native {label}: jsonwebtoken", 1e9 / jw)]
    if js:
        bars.append((f"native {label}: jwt-simple", 1e9 / js))

node_json = os.path.join(T, "bench-node.json")
if os.path.exists(node_json):
    with open(node_json) as f:
        node = json.load(f)
    for alg, subjects in node.items():
        names = list(subjects)
        base = subjects[names[0]]["median"]
        lines += ["", f"## Node, {alg} (ops per CPU second, median of interleaved rounds)", "", "| subject | ops/s | ratio to playgate |", "|---|---|---|"]
        for n in names:
            m = subjects[n]["median"]
            lines.append(f"| {n} | {m:,.0f} | {m / base:.2f} |")
            bars.append((f"node {alg}: {n}", m))

budgets = {}
for p in glob.glob(os.path.join(T, "conformance", "budgets-*.json")):
    with open(p) as f:
        budgets.update(json.load(f))
if budgets:
    lines += ["", "## Sizes and cold start (from the test command)", "", "| budget | value |", "|---|---|"]
    for k in sorted(budgets):
        lines.append(f"| `{k}` | {budgets[k]} |")

with open(os.path.join(OUT, "summary.md"), "w") as f:
    f.write("\n".join(lines) + "\n")

# A log-scale horizontal bar chart of ops/s.
import math
W, ROW, LEFT = 900, 22, 360
h = ROW * len(bars) + 40
top = max((v for _, v in bars), default=1)
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" font-family="sans-serif" font-size="12">',
       f'<text x="10" y="18" font-weight="bold">checks per second (log scale), higher is better</text>']
for i, (name, v) in enumerate(bars):
    y = 30 + i * ROW
    width = max(2, (W - LEFT - 90) * math.log10(max(v, 1)) / math.log10(max(top, 10)))
    color = "#2b6cb0" if "playgate" in name else "#a0aec0"
    svg.append(f'<text x="{LEFT - 6}" y="{y + 14}" text-anchor="end">{name}</text>')
    svg.append(f'<rect x="{LEFT}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" fill="{color}"/>')
    svg.append(f'<text x="{LEFT + width + 4:.1f}" y="{y + 14}">{v:,.0f}/s</text>')
svg.append("</svg>")
with open(os.path.join(OUT, "chart.svg"), "w") as f:
    f.write("\n".join(svg) + "\n")
print("\n".join(lines))
