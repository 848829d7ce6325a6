#!/usr/bin/env bash
# Networked corpus for `gomodoff pack` / `unpack`: real projects fetched from the Go module proxy.
#
# For each project: "machine A" is a scratch module cache that `gomodoff pack --download` fills
# through go; the bundle is then unpacked on "machine B" (another path, an empty module cache)
# as a GOPROXY tree and into a module cache, and the project builds there with only the printed
# environment (GOPROXY=file://… or off). The build list must equal machine A's. Prints one line
# per project: modules, bundle size, pack and unpack times. Everything is written under a temp
# dir, removed at the end (KEEP=1 keeps it).
#
#   scripts/corpus-pack.sh [module@version …]
set -euo pipefail
cd "$(dirname "$0")/.."

projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
    projects=(
        github.com/spf13/cobra@v1.8.0
        github.com/Masterminds/sprig/v3@v3.2.3
        github.com/gin-gonic/gin@v1.9.1
        github.com/prometheus/client_golang@v1.18.0
    )
fi

if [ -z "${GOMODOFF:-}" ]; then
    cargo build --quiet
    GOMODOFF="$PWD/target/debug/gomodoff"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus-pack.XXXXXX")
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $work"
    else
        chmod -R u+w "$work" 2>/dev/null || true
        rm -rf "$work"
    fi
}
trap cleanup EXIT

export GOTOOLCHAIN=local GOWORK=off GOENV=off GOFLAGS=-modcacherw
export GOPATH="$work/gopath" GOCACHE="${GOCACHE:-$(go env GOCACHE)}" HOME="$work/home"
mkdir -p "$HOME"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

printf '%-45s %8s %12s %8s %9s %s\n' project modules bundle pack_s unpack_s offline
failed=0
for pv in "${projects[@]}"; do
    name=$(echo "$pv" | tr '/@' '__')
    a="$work/a/$name" b="$work/b/$name"
    mkdir -p "$a" "$b"
    # The project's source, as the proxy serves it.
    dir=$(GOMODCACHE="$work/fetch" GOFLAGS=-modcacherw go mod download -json "$pv" |
        sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    cp -r "$dir" "$a/src"
    chmod -R u+w "$a/src"
    export GOMODCACHE="$a/modcache"
    (cd "$a/src" && go mod download) >/dev/null 2>&1 || true
    (cd "$a/src" && go list -m all) >"$a/online.txt"

    t=$(now)
    "$GOMODOFF" -q -C "$a/src" pack --download -o "$a/bundle.zip" >/dev/null
    pack_s=$(since "$t")
    size=$(stat -c %s "$a/bundle.zip")
    modules=$(unzip -Z1 "$a/bundle.zip" | grep -c '\.mod$' || true)

    # Machine B: another path, an empty module cache, only the printed environment.
    cp -r "$a/src" "$b/src"
    t=$(now)
    tree_env=$("$GOMODOFF" -q unpack "$a/bundle.zip" --to "$b/goproxy")
    unpack_s=$(since "$t")
    cache_env=$("$GOMODOFF" -q unpack "$a/bundle.zip" --into-modcache "$b/modcache")
    ok=yes
    for how in tree cache; do
        env_lines=$tree_env
        extra=("GOMODCACHE=$b/empty-$how")
        if [ "$how" = cache ]; then env_lines=$cache_env; extra=(); fi
        mkdir -p "$b/empty-$how"
        run() {
            (cd "$b/src" && env -i PATH="$PATH" HOME="$HOME" GOPATH="$GOPATH" GOCACHE="$GOCACHE" \
                GOENV=off "${extra[@]}" \
                bash -c "$env_lines"$'\n'"export GOFLAGS=\"\$GOFLAGS -modcacherw\"; $*")
        }
        if ! run go build ./... >"$b/build-$how.log" 2>&1; then
            ok="no (go build, $how: see below)"
            sed 's/^/    /' "$b/build-$how.log" | head -20
        elif ! run go list -m all >"$b/offline-$how.txt" 2>"$b/list-$how.log" ||
            ! diff -q "$a/online.txt" "$b/offline-$how.txt" >/dev/null; then
            ok="no (go list -m all, $how)"
            sed 's/^/    /' "$b/list-$how.log" | head -20
        fi
    done
    [ "$ok" = yes ] || failed=1
    printf '%-45s %8s %12s %8s %9s %s\n' "$pv" "$modules" "$size" "$pack_s" "$unpack_s" "$ok"
done
exit $failed
