#!/usr/bin/env bash
# Networked corpus for `gomodoff licenses`: real projects fetched from the Go module proxy, each
# vendored in proxy mode, then the licence of every module version compared with what
# github.com/google/go-licenses (a widely used Go licence tool, licenseclassifier inside) says
# about the same modules, and with what pkg.go.dev's own licence detector (golang.org/x/pkgsite's
# internal/licenses) finds in each module version. Prints per project the module versions
# gomodoff reports and the ones both tools report, then the agreement over all of them and every
# disagreement, each with both answers and the licence files (to judge who is right by reading
# them). The network is
# used only through the go command; everything is written under a temp dir removed at the end
# (KEEP=1 keeps it; WORK=DIR uses and keeps DIR, so a second run reuses its module cache and
# tools). The comparison itself is scripts/corpus-licenses-compare.py (its docstring
# says how the two tools' answers are matched and what each verdict means).
#
#   scripts/corpus-licenses.sh [module@version …]
#
# GOLICENSES=FILE uses that go-licenses binary instead of `go install`ing v1.6.0 into the temp dir;
# PKGSITE_DRIVER=FILE that pkg.go.dev driver instead of building it (PKGSITE=golang.org/x/pkgsite@V
# another pkgsite release to build it from); GOMODOFF=FILE that gomodoff instead of
# `cargo build --release`.
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

# The second reference: pkg.go.dev's own licence detection, golang.org/x/pkgsite's
# internal/licenses package (github.com/google/licensecheck v0.3.1 inside) at the pkgsite release
# PKGSITE names, run as pkg.go.dev runs it, not re-implemented: a small driver built inside a copy
# of that pkgsite module (an internal package can only be imported from its own module) calls
# licenses.NewDetectorFS on each module version's directory in the module cache and prints
# AllLicenses(): the licence files pkg.go.dev reads (its list of names including COPYING.LESSER,
# compared without case, at the root and below, not in a nested vendor/, its per-module ignored
# files), each file's licence types by its scanner (licensecheck's built-in licences plus
# pkgsite's exception texts, their IDs mapped to pkgsite's types), UNKNOWN when licensecheck
# covers less than 75 % of the file. Left out: the three types of pkgsite's ignorableLicenseTypes
# that are no licence and have no SPDX identifier (CC-Notice, GooglePatentClause,
# GooglePatentsFile: notices and patent grants, which gomodoff reports as notices); kept: the
# two others of that list, blessing and OFL-1.1, SPDX licences pkg.go.dev shows on its licence
# page (it only leaves them out of its redistributability decision). Input: gomodoff's
# `licenses --json` (which module versions); output: JSON per module with every file's types.
PKGSITE=${PKGSITE:-golang.org/x/pkgsite@v0.6.0}
if [ -z "${PKGSITE_DRIVER:-}" ] && [ -x "$work/bin/pkgsite-licenses" ]; then
    PKGSITE_DRIVER="$work/bin/pkgsite-licenses"
fi
if [ -z "${PKGSITE_DRIVER:-}" ]; then
    echo "== build the pkg.go.dev licence driver ($PKGSITE, its internal/licenses)" >&2
    pkgsite_dir=$(go mod download -json "$PKGSITE" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    rm -rf "$work/pkgsite"
    cp -r "$pkgsite_dir" "$work/pkgsite"
    chmod -R u+w "$work/pkgsite"
    mkdir -p "$work/pkgsite/cmd/gomodoff-corpus-licenses"
    cat >"$work/pkgsite/cmd/gomodoff-corpus-licenses/main.go" <<'GO'
// Command gomodoff-corpus-licenses: for every module version `gomodoff licenses --json` lists
// with files, the licence files pkg.go.dev's detector (this module's internal/licenses) reads in
// the module cache's copy of it and the licence types it finds in each.
// Usage: gomodoff-corpus-licenses GOMODCACHE < gomodoff.json > pkgsite.json
package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/module"
	"golang.org/x/pkgsite/internal/licenses"
)

// The types of pkgsite's ignorableLicenseTypes (internal/licenses/licenses.go, unexported: "not
// technically licenses") that have no SPDX identifier: a notice and patent grants. Its other two,
// blessing and OFL-1.1, are SPDX licences pkg.go.dev shows, and are kept.
var ignorable = map[string]bool{"CC-Notice": true, "GooglePatentClause": true,
	"GooglePatentsFile": true}

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
	out := []result{}
	for _, m := range doc.Modules {
		if m.LaidOut != "files" {
			continue
		}
		r := result{Module: m.Module, Version: m.Version, Files: []file{}}
		ep, err1 := module.EscapePath(m.Module)
		ev, err2 := module.EscapeVersion(m.Version)
		root := filepath.Join(os.Args[1], ep+"@"+ev)
		if _, err := os.Stat(root); err1 != nil || err2 != nil || err != nil {
			r.Missing = true
			out = append(out, r)
			continue
		}
		d := licenses.NewDetectorFS(m.Module, m.Version, os.DirFS(root), nil)
		for _, l := range d.AllLicenses() {
			types := []string{}
			for _, t := range l.Types {
				if !ignorable[t] {
					types = append(types, t)
				}
			}
			sort.Strings(types)
			r.Files = append(r.Files, file{Path: l.FilePath, Types: types, Percent: l.Coverage.Percent})
		}
		sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
GO
    (cd "$work/pkgsite" && GOFLAGS=-mod=mod nice -n 19 go build -o "$work/bin/pkgsite-licenses" ./cmd/gomodoff-corpus-licenses)
    PKGSITE_DRIVER="$work/bin/pkgsite-licenses"
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
    "$PKGSITE_DRIVER" "$GOMODCACHE" <"$work/out/$name.gomodoff.json" >"$work/out/$name.pkgsite.json"
    # go-licenses reads the packages ./... links, from the module cache filled above.
    (cd "$src" && GOPROXY=off GOFLAGS=-mod=mod nice -n 19 "$GOLICENSES" csv ./... \
        >"$work/out/$name.golicenses.csv" 2>"$work/out/$name.golicenses.log") ||
        echo "   go-licenses exited non-zero (see its log); its partial output is used" >&2
done

python3 scripts/corpus-licenses-compare.py "$work/out" "${projects[@]}"
