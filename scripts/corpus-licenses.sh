#!/usr/bin/env bash
# Networked corpus for `gomodoff licenses`: real projects fetched from the Go module proxy, each
# vendored in proxy mode, then the licence of every module version compared with what
# github.com/google/go-licenses (a widely used Go licence tool, licenseclassifier inside) says
# about the same modules. Prints per project the module versions gomodoff reports and the ones
# both tools report, then the agreement over all of them and every disagreement, each with both
# answers and gomodoff's licence files (to judge who is right by reading them). The network is
# used only through the go command; everything is written under a temp dir removed at the end
# (KEEP=1 keeps it). The comparison itself is scripts/corpus-licenses-compare.py (its docstring
# says how the two tools' answers are matched and what each verdict means).
#
#   scripts/corpus-licenses.sh [module@version …]
#
# GOLICENSES=FILE uses that go-licenses binary instead of `go install`ing v1.6.0 into the temp dir;
# GOMODOFF=FILE that gomodoff instead of `cargo build --release`.
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
    )
fi

if [ -z "${GOMODOFF:-}" ]; then
    nice -n 19 cargo build --release --quiet
    GOMODOFF="$PWD/target/release/gomodoff"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus-licenses.XXXXXX")
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
    # go-licenses reads the packages ./... links, from the module cache filled above.
    (cd "$src" && GOPROXY=off GOFLAGS=-mod=mod nice -n 19 "$GOLICENSES" csv ./... \
        >"$work/out/$name.golicenses.csv" 2>"$work/out/$name.golicenses.log") ||
        echo "   go-licenses exited non-zero (see its log); its partial output is used" >&2
done

python3 scripts/corpus-licenses-compare.py "$work/out" "${projects[@]}"
