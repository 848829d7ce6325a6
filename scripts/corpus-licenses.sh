#!/usr/bin/env bash
# Networked corpus for `gomodoff licenses`: real projects fetched from the Go module proxy, each
# vendored in proxy mode, then the licence of every module version compared with what
# github.com/google/go-licenses (a widely used Go licence tool, licenseclassifier inside) says
# about the same modules. Prints per project the module versions gomodoff reports and the ones
# both tools report, then the agreement over all of them and every disagreement, each with both
# answers and gomodoff's licence files (to judge who is right by reading them). The network is
# used only through the go command; everything is written under a temp dir removed at the end
# (KEEP=1 keeps it; WORK=DIR uses and keeps DIR, so a second run reuses its module cache and
# tools). The comparison itself is scripts/corpus-licenses-compare.py (its docstring
# says how the two tools' answers are matched and what each verdict means).
#
#   scripts/corpus-licenses.sh [module@version …]
#
# GOLICENSES=FILE uses that go-licenses binary instead of `go install`ing v1.6.0 into the temp dir;
# LICENSECHECK=FILE that licensecheck driver instead of building it; GOMODOFF=FILE that gomodoff
# instead of `cargo build --release`.
set -euo pipefail
cd "$(dirname "$0")/.."

projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
    projects=(
        helm.sh/helm/v3@v3.22.0
        github.com/ethereum/go-ethereum@v1.17.10
        github.com/prometheus/prometheus@v0.316.0
        github.com/hashicorp/go-getter@v1.8.10
        github.com/gin-gonic/gin@v1.12.0
        github.com/mikefarah/yq/v4@v4.54.3
        github.com/google/go-containerregistry@v0.22.1
        github.com/grpc-ecosystem/grpc-gateway/v2@v2.34.0
        github.com/caddyserver/caddy/v2@v2.11.9
        github.com/labstack/echo/v4@v4.16.0
        github.com/junegunn/fzf@v0.65.2
        github.com/spf13/viper@v1.21.0
        gorm.io/driver/sqlite@v1.6.0
        github.com/urfave/cli/v2@v2.27.7
        github.com/spf13/cobra@v1.10.2
    )
fi

if [ -z "${GOMODOFF:-}" ]; then
    nice -n 19 cargo build --release --quiet
    GOMODOFF="$PWD/target/release/gomodoff"
fi
if [ -n "${WORK:-}" ]; then
    work=$WORK KEEP=1
    mkdir -p "$work"
    rm -rf "$work/src" "$work/out"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus-licenses.XXXXXX")
fi
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $work" >&2
    else
        chmod -R u+w "$work" 2>/dev/null || true
        rm -rf "$work"
    fi
}
trap cleanup EXIT

export GOTOOLCHAIN=local GOWORK=off GOENV=off GOFLAGS=-modcacherw GOPROXY=https://proxy.golang.org
export GOPATH="$work/gopath" GOMODCACHE="$work/modcache" HOME="$work/home"
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
mkdir -p "$HOME" "$work/out"

# The second reference: github.com/google/licensecheck, the library pkg.go.dev uses, through a
# small driver applying pkg.go.dev's public rules (internal/licenses in golang/pkgsite): the
# licence files it reads (its fixed list of names, compared without case, at the root and in
# subdirectories, not in a nested vendor/ directory), a file counts when licensecheck covers at
# least 75 % of its words, else it is UNKNOWN; the licence IDs of the matches, `-Short` and
# `-Header` suffixes removed; CC-Notice and GooglePatentClause ignored (pkg.go.dev ignores them
# too). Not replicated: pkg.go.dev's per-module exception files. Input: gomodoff's
# `licenses --json` (which module versions); output: JSON per module with every file's IDs.
if [ -z "${LICENSECHECK:-}" ] && [ -x "$work/bin/lcdriver" ]; then
    LICENSECHECK="$work/bin/lcdriver"
fi
if [ -z "${LICENSECHECK:-}" ]; then
    echo "== build the licensecheck driver (github.com/google/licensecheck@v0.3.1)" >&2
    mkdir -p "$work/lcdriver"
    cat >"$work/lcdriver/main.go" <<'GO'
// Command lcdriver: for every module version `gomodoff licenses --json` lists with files, the
// licences github.com/google/licensecheck finds in it by pkg.go.dev's rules.
// Usage: lcdriver GOMODCACHE < gomodoff.json > licensecheck.json
package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// pkg.go.dev's FileNames (internal/licenses/licenses.go), compared lowercased.
var names = map[string]bool{}

func init() {
	for _, n := range []string{"COPYING", "COPYING.md", "COPYING.markdown", "COPYING.txt",
		"LICENCE", "LICENCE.md", "LICENCE.markdown", "LICENCE.txt", "LICENSE", "LICENSE.md",
		"LICENSE.markdown", "LICENSE.txt", "LICENSE-2.0.txt", "LICENCE-2.0.txt", "LICENSE-APACHE",
		"LICENCE-APACHE", "LICENSE-APACHE-2.0.txt", "LICENCE-APACHE-2.0.txt", "LICENSE-MIT",
		"LICENCE-MIT", "LICENSE.MIT", "LICENCE.MIT", "LICENSE.code", "LICENCE.code", "LICENSE.docs",
		"LICENCE.docs", "LICENSE.rst", "LICENCE.rst", "MIT-LICENSE", "MIT-LICENCE", "MIT-LICENSE.md",
		"MIT-LICENCE.md", "MIT-LICENSE.markdown", "MIT-LICENCE.markdown", "MIT-LICENSE.txt",
		"MIT-LICENCE.txt", "MIT_LICENSE", "MIT_LICENCE", "UNLICENSE", "UNLICENCE"} {
		names[strings.ToLower(n)] = true
	}
}

var ignorable = map[string]bool{"CC-Notice": true, "GooglePatentClause": true}

type file struct {
	Path    string   `json:"path"`
	Types   []string `json:"types"`
	Percent float64  `json:"percent"`
}

type result struct {
	Module  string `json:"module"`
	Version string `json:"version"`
	Missing bool   `json:"missing"` // not extracted in the module cache
	Files   []file `json:"files"`
}

// escape is the module cache's case encoding (golang.org/x/mod/module.EscapePath).
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// vendored: a file in a subdirectory of a vendor directory (pkg.go.dev's isVendoredFile).
func vendored(name string) bool {
	off := -1
	if strings.HasPrefix(name, "vendor/") {
		off = len("vendor/")
	} else if i := strings.Index(name, "/vendor/"); i >= 0 {
		off = i + len("/vendor/")
	}
	return off >= 0 && strings.Contains(name[off:], "/")
}

func detect(text []byte) ([]string, float64) {
	cov := licensecheck.Scan(text)
	if cov.Percent < 75 {
		return []string{"UNKNOWN"}, cov.Percent
	}
	set := map[string]bool{}
	for _, m := range cov.Match {
		id := strings.TrimSuffix(strings.TrimSuffix(m.ID, "-Short"), "-Header")
		if !ignorable[id] {
			set[id] = true
		}
	}
	var ids []string
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, cov.Percent
}

func main() {
	var doc struct {
		Modules []struct {
			Module  string `json:"module"`
			Version string `json:"version"`
			LaidOut string `json:"laid_out"`
		} `json:"modules"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&doc); err != nil {
		panic(err)
	}
	var out []result
	for _, m := range doc.Modules {
		if m.LaidOut != "files" {
			continue
		}
		root := filepath.Join(os.Args[1], escape(m.Module)+"@"+escape(m.Version))
		r := result{Module: m.Module, Version: m.Version, Files: []file{}}
		if _, err := os.Stat(root); err != nil {
			r.Missing = true
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !names[strings.ToLower(d.Name())] {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if vendored(rel) {
				return nil
			}
			info, err := d.Info()
			if err != nil || info.Size() > 1e7 {
				r.Files = append(r.Files, file{Path: rel, Types: []string{"UNKNOWN"}})
				return nil
			}
			text, err := os.ReadFile(p)
			if err != nil {
				r.Files = append(r.Files, file{Path: rel, Types: []string{"UNKNOWN"}})
				return nil
			}
			types, pct := detect(text)
			r.Files = append(r.Files, file{Path: rel, Types: types, Percent: pct})
			return nil
		})
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
GO
    rm -f "$work/lcdriver/go.mod"
    (cd "$work/lcdriver" && go mod init example.com/lcdriver >/dev/null 2>&1 &&
        nice -n 19 go get github.com/google/licensecheck@v0.3.1 >/dev/null 2>&1 &&
        nice -n 19 go build -o "$work/bin/lcdriver" .)
    LICENSECHECK="$work/bin/lcdriver"
fi

if [ -z "${GOLICENSES:-}" ] && [ -x "$work/bin/go-licenses" ]; then
    GOLICENSES="$work/bin/go-licenses"
fi
if [ -z "${GOLICENSES:-}" ]; then
    echo "== go install github.com/google/go-licenses@v1.6.0" >&2
    GOBIN="$work/bin" nice -n 19 go install github.com/google/go-licenses@v1.6.0
    GOLICENSES="$work/bin/go-licenses"
fi

for pv in "${projects[@]}"; do
    name=$(echo "$pv" | tr '/@' '__')
    echo "== $pv" >&2
    dir=$(GOMODCACHE="$work/fetch" go mod download -json "$pv" |
        sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    src="$work/src/$name"
    mkdir -p "$work/src"
    cp -r "$dir" "$src"
    chmod -R u+w "$src"
    (cd "$src" && nice -n 19 go mod download) >/dev/null
    "$GOMODOFF" -C "$src" -q vendor --mode proxy --yes >/dev/null
    "$GOMODOFF" -C "$src" licenses --json >"$work/out/$name.gomodoff.json"
    "$LICENSECHECK" "$GOMODCACHE" <"$work/out/$name.gomodoff.json" >"$work/out/$name.licensecheck.json"
    # go-licenses reads the packages ./... links, from the module cache filled above.
    (cd "$src" && GOPROXY=off GOFLAGS=-mod=mod nice -n 19 "$GOLICENSES" csv ./... \
        >"$work/out/$name.golicenses.csv" 2>"$work/out/$name.golicenses.log") ||
        echo "   go-licenses exited non-zero (see its log); its partial output is used" >&2
done

python3 scripts/corpus-licenses-compare.py "$work/out" "${projects[@]}"
