"""Compare `gomodoff licenses --json` with go-licenses' csv, module by module.

Usage: corpus-licenses-compare.py OUT_DIR PROJECT@VERSION...

OUT_DIR holds, per project (its path with / and @ as _), `<name>.gomodoff.json` and
`<name>.golicenses.csv` (scripts/corpus-licenses.sh writes them). go-licenses names one licence per
library (the licence file nearest to the packages the build links); each library is the module
holding it (the longest module path that is a prefix), so a module gets the set of licences
go-licenses found for its linked packages. A module agrees when that set equals the set of
licence identifiers in gomodoff's expression, or when neither tool identifies a licence. Each disagreement is printed with a verdict:
- `scope`: gomodoff's identifiers include all of go-licenses' and more: licence files of parts of
  the module the build does not link, or a licence file holding several texts (gomodoff reports
  every licence the module carries; go-licenses only those nearest the linked packages);
- `gomodoff unknown`: gomodoff found no confident match (a modified or unusual text) where
  go-licenses names one: gomodoff declines to guess;
- `go-licenses unknown`: the reverse;
- `differ`: different identifiers; to be judged by reading the files (listed).
"""

import csv
import json
import os
import re
import sys


def main():
    out, projects = sys.argv[1], sys.argv[2:]
    total_gm = total_both = agree = 0
    rows = []
    print(f"{'project':48} {'gomodoff':>9} {'both':>6} {'agree':>6}")
    for pv in projects:
        name = pv.replace("/", "_").replace("@", "_")
        doc = json.load(open(os.path.join(out, name + ".gomodoff.json")))
        mods = {m["module"]: m for m in doc["modules"] if m["laid_out"] == "files"}
        total_gm += len(mods)
        found = {}
        with open(os.path.join(out, name + ".golicenses.csv")) as f:
            for row in csv.reader(f):
                if len(row) < 3:
                    continue
                owners = [m for m in mods if row[0] == m or row[0].startswith(m + "/")]
                if owners:
                    found.setdefault(max(owners, key=len), set()).add(row[2])
        n = ok = 0
        for mod, gl in sorted(found.items()):
            m = mods[mod]
            expr = m["expression"] or m["status"]
            gm = set(re.findall(r"[A-Za-z0-9.+-]+", expr)) - {"AND", "OR", "WITH"}
            n += 1
            # Neither identifies a licence (gomodoff: unknown or none; go-licenses: Unknown).
            if gm == gl or (m["expression"] is None and gl == {"Unknown"}):
                ok += 1
                continue
            if m["expression"] is None:
                verdict = "gomodoff unknown"
            elif gl == {"Unknown"}:
                verdict = "go-licenses unknown"
            elif gl < gm:
                verdict = "scope"
            else:
                verdict = "differ"
            files = "; ".join(
                f["path"]
                + " ("
                + (", ".join(f"{x['id']} {x['score']:.2f}" for x in f["matches"]) or f["verdict"])
                + ")"
                for f in m["files"]
            )
            rows.append((verdict, pv, mod, m["version"], expr, ", ".join(sorted(gl)), files))
        total_both += n
        agree += ok
        print(f"{pv:48} {len(mods):9} {n:6} {ok:6}")
    pct = 100.0 * agree / total_both if total_both else 0.0
    print(
        f"\nmodule versions: {total_gm} with files reported by gomodoff, {total_both} also by"
        f" go-licenses; agreement {agree}/{total_both} = {pct:.1f}%"
    )
    by = {}
    for r in rows:
        by[r[0]] = by.get(r[0], 0) + 1
    scope = by.get("scope", 0)
    pct2 = 100.0 * (agree + scope) / total_both if total_both else 0.0
    print(
        f"gomodoff names every licence go-licenses names (equal, or more: `scope`):"
        f" {agree + scope}/{total_both} = {pct2:.1f}%"
    )
    print(f"\n{len(rows)} disagreements: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    for verdict, pv, mod, ver, expr, gl, files in sorted(rows):
        print(f"- [{verdict}] {mod}@{ver} ({pv}): gomodoff `{expr}` | go-licenses `{gl}`; files: {files}")


if __name__ == "__main__":
    main()
