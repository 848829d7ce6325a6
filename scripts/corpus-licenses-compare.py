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

When `<name>.pkgsite.json` is there too (pkg.go.dev's licence detector, golang.org/x/pkgsite's
internal/licenses, see scripts/corpus-licenses.sh), every module version gomodoff lists with files
is compared with it as well, file by file: each tool's set for a module is the union, over the
files it reads, of the licence IDs it identifies in each, plus `UNKNOWN` for each file it reads but
cannot identify (gomodoff: a licence or README file that is unknown or low confidence, the
expression's `LicenseRef-unknown-…`; pkg.go.dev: a file its licensecheck covers below 75 %). A
module agrees when the sets are equal. Each disagreement is printed with every file either tool
read and both answers for it, and a verdict:
- `scope`: on every file both tools read they agree; the difference comes from files only one of
  them reads (gomodoff: any `LICENSE*`/`COPYING*`/… name, notices, READMEs with a licence;
  pkg.go.dev: a fixed list of names, also under testdata/);
- `gomodoff unknown` / `pkg.go.dev unknown`: on a file both read, one names a licence, the
  other none;
- `differ`: on a file both read, both name licences, not the same ones.
Also printed: agreement file by file over the files both read.
"""

import csv
import json
import os
import re
import sys


def gomodoff_files(m):
    """path -> set of ids gomodoff found in that file (`UNKNOWN` when it found none)."""
    files = {}
    for f in m["files"]:
        if f["verdict"] == "identified":
            files[f["path"]] = {x["id"] for x in f["matches"]}
        elif f["verdict"] in ("unknown", "low_confidence"):
            files[f["path"]] = {"UNKNOWN"}
        # notices without a licence text say nothing about licences
    return files


def describe_gomodoff(f):
    what = ", ".join(f"{x['id']} {x['score']:.2f}" for x in f["matches"])
    if f["verdict"] != "identified":
        what = f["verdict"] + (f" ({what})" if what else "")
    if f.get("extra_words"):
        what += f", +{f['extra_words']} words"
    return what


def compare_pkgsite(out, projects):
    total = agree = files_both = files_agree = 0
    rows = []
    print(f"\n{'project':48} {'modules':>9} {'agree':>6}   (pkg.go.dev's detector)")
    for pv in projects:
        name = pv.replace("/", "_").replace("@", "_")
        path = os.path.join(out, name + ".pkgsite.json")
        if not os.path.exists(path):
            return False
        doc = json.load(open(os.path.join(out, name + ".gomodoff.json")))
        mods = {m["module"]: m for m in doc["modules"] if m["laid_out"] == "files"}
        lc = {r["module"]: r for r in json.load(open(path)) or []}
        n = ok = 0
        for mod, m in sorted(mods.items()):
            r = lc.get(mod)
            if r is None or r["missing"]:
                rows.append(("pkg.go.dev missing", pv, mod, m["version"], "", "", ""))
                n += 1
                continue
            gf = gomodoff_files(m)
            lf = {f["path"]: set(f["types"]) for f in r["files"]}
            gs = set().union(*gf.values()) if gf else set()
            ls = set().union(*lf.values()) if lf else set()
            common = sorted(set(gf) & set(lf))
            files_both += len(common)
            files_agree += sum(1 for p in common if gf[p] == lf[p])
            n += 1
            if gs == ls:
                ok += 1
                continue
            diff = [p for p in common if gf[p] != lf[p]]
            if not diff:
                verdict = "scope"
            elif all(gf[p] == {"UNKNOWN"} for p in diff):
                verdict = "gomodoff unknown"
            elif all(lf[p] == {"UNKNOWN"} for p in diff):
                verdict = "pkg.go.dev unknown"
            else:
                verdict = "differ"
            gdesc = {f["path"]: describe_gomodoff(f) for f in m["files"]}
            ldesc = {
                f["path"]: ", ".join(f["types"]) + f" ({f['percent']:.0f}% covered)" for f in r["files"]
            }
            files = "; ".join(
                f"{p}: gomodoff {gdesc.get(p, 'not read')} | pkg.go.dev {ldesc.get(p, 'not read')}"
                for p in sorted(set(gdesc) | set(ldesc))
            )
            rows.append(
                (verdict, pv, mod, m["version"], ", ".join(sorted(gs)), ", ".join(sorted(ls)), files)
            )
        total += n
        agree += ok
        print(f"{pv:48} {n:9} {ok:6}")
    pct = 100.0 * agree / total if total else 0.0
    fpct = 100.0 * files_agree / files_both if files_both else 0.0
    print(
        f"\npkg.go.dev: module versions {total}; same licence set {agree}/{total} = {pct:.1f}%"
        f"\npkg.go.dev: files both tools read {files_both}; same licences {files_agree}/{files_both}"
        f" = {fpct:.1f}%"
    )
    by = {}
    for r in rows:
        by[r[0]] = by.get(r[0], 0) + 1
    print(f"\n{len(rows)} disagreements with pkg.go.dev: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    for verdict, pv, mod, ver, gs, ls, files in sorted(rows):
        print(f"- [{verdict}] {mod}@{ver} ({pv}): gomodoff `{gs}` | pkg.go.dev `{ls}`; {files}")
    return True


def main():
    out, projects = sys.argv[1], sys.argv[2:]
    print("== go-licenses v1.6.0")
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
    compare_pkgsite(sys.argv[1], sys.argv[2:])
