"""Merges target/conformance/<surface>.json and budgets-*.json into target/conformance.json and prints it."""
import glob, json, os, sys

root = os.path.join(os.path.dirname(__file__), "..", "target", "conformance")
surfaces, budgets = {}, {}
for path in sorted(glob.glob(os.path.join(root, "*.json"))):
    name = os.path.basename(path)[:-5]
    with open(path) as f:
        data = json.load(f)
    if name.startswith("budgets-"):
        budgets.update(data)
    else:
        surfaces[name] = data
summary = {"surfaces": surfaces, "budgets": budgets}
with open(os.path.join(root, "..", "conformance.json"), "w") as f:
    json.dump(summary, f, indent=2, sort_keys=True)
print("\nconformance summary (target/conformance.json):")
total_p = total_f = 0
for name, s in surfaces.items():
    total_p += s.get("passed", 0); total_f += s.get("failed", 0)
    skipped = s.get("skipped", 0)
    why = ", ".join(f"{k}: {v}" for k, v in s.get("skipped_reasons", {}).items())
    print(f"  {name:18} passed {s.get('passed', 0):4}  failed {s.get('failed', 0):3}  skipped {skipped:3}" + (f"  ({why})" if why else ""))
for k, v in sorted(budgets.items()):
    print(f"  budget {k}: {v}")
print(f"conformance: {total_p} passed, {total_f} failed")
