#!/usr/bin/env bash
# Networked corpus for the checksum database carried in a bundle: real projects fetched from the
# Go module proxy, with GOSUMDB at go's default (sum.golang.org, reached through the proxy).
#
# For each project, "machine A" (a scratch module cache and GOPATH) runs
# `gomodoff pack --download`, which has go look every module up in the checksum database, and
# carries the records, tiles and signed tree head. "Machine B" (another path, an empty module
# cache, a GOPATH that never saw the database, and every network request sent to a dead proxy)
# unpacks the bundle as a GOPROXY tree and, with only the printed environment (GOSUMDB left at
# its default): `go mod verify` passes, and `go get` of a carried module that a fresh module's
# go.sum lacks succeeds (go checks it against the carried database) and writes go.sum.
# Each project is also mirrored on machine A (`gomodoff mirror`, a tree of its own carrying the
# database part), and machine B, with that tree as its only GOPROXY and GOSUMDB at its default,
# runs `go mod verify` and `go get` of a carried module not in go.sum.
# Then one project is packed again with `--toolchain` of a go newer than the installed one
# (TOOLCHAIN, default: the newest release the proxy lists), and machine B builds it with that
# toolchain under GOTOOLCHAIN=auto (`go version` names it).
# Prints one line per project. Everything is written under a temp dir, removed at the end
# (KEEP=1 keeps it).
#
#   scripts/corpus-sumdb.sh [module@version …]
set -euo pipefail
cd "$(dirname "$0")/.."

projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
    projects=(
        github.com/spf13/cobra@v1.8.0
        github.com/Masterminds/sprig/v3@v3.2.3
        github.com/sirupsen/logrus@v1.9.3
    )
fi

if [ -z "${GOMODOFF:-}" ]; then
    cargo build --quiet
    GOMODOFF="$PWD/target/debug/gomodoff"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus-sumdb.XXXXXX")
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
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" HOME="$work/home"
unset GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY
mkdir -p "$HOME"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# Run "$@" on machine B in $1 (a directory) with the environment lines $2 and no network.
machine_b() {
    local dir=$1 env_lines=$2 gopath=$3 cache=$4
    shift 4
    (cd "$dir" && env -i PATH="$PATH" HOME="$HOME" GOPATH="$gopath" GOCACHE="$GOCACHE" \
        GOENV=off GOMODCACHE="$cache" HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
        bash -c "$env_lines"$'\n'"$*")
}

printf '%-42s %7s %7s %6s %10s %7s %7s %s\n' project modules records tiles bundle pack_s unpack_s offline
failed=0
first_a=""
for pv in "${projects[@]}"; do
    name=$(echo "$pv" | tr '/@' '__')
    a="$work/a/$name" b="$work/b/$name"
    mkdir -p "$a" "$b"
    dir=$(GOMODCACHE="$work/fetch" GOPATH="$work/fetch-gopath" go mod download -json "$pv" |
        sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    cp -r "$dir" "$a/src"
    chmod -R u+w "$a/src"
    export GOMODCACHE="$a/modcache" GOPATH="$a/gopath"
    (cd "$a/src" && go mod download) >/dev/null 2>&1 || true
    [ -n "$first_a" ] || first_a=$a

    t=$(now)
    "$GOMODOFF" -C "$a/src" --json pack --download -o "$a/bundle.zip" >"$a/pack.json" 2>"$a/pack.log" ||
        { sed 's/^/    /' "$a/pack.log"; failed=1; continue; }
    pack_s=$(since "$t")
    read -r modules records tiles carried < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sumdb"]
print(d["modules"], s.get("records", 0), s.get("tiles", 0), s["carried"])' "$a/pack.json")
    size=$(stat -c %s "$a/bundle.zip")

    cp -r "$a/src" "$b/src"
    t=$(now)
    tree_env=$("$GOMODOFF" -q unpack "$a/bundle.zip" --to "$b/goproxy" 2>"$b/unpack.log") ||
        { sed 's/^/    /' "$b/unpack.log"; failed=1; continue; }
    unpack_s=$(since "$t")
    ok=yes
    if [ "$carried" != True ] || ! grep -q "^export GOSUMDB=sum.golang.org$" <<<"$tree_env"; then
        ok="no (GOSUMDB not kept on: carried=$carried)"
    fi
    mkdir -p "$b/gopath" "$b/cache1" "$b/cache2" "$b/fresh"
    if [ "$ok" = yes ] && ! machine_b "$b/src" "$tree_env" "$b/gopath" "$b/cache1" \
        'export GOFLAGS="$GOFLAGS -modcacherw"; go mod verify' >"$b/verify.log" 2>&1; then
        ok="no (go mod verify)"
        sed 's/^/    /' "$b/verify.log" | head -20
    fi
    # A carried module with a zip, required by no go.sum on machine B yet.
    carried_mod=$(unzip -Z1 "$a/bundle.zip" | grep '\.zip$' | grep -v '^golang.org/toolchain/' | head -1 |
        sed 's|/@v/\(.*\)\.zip$| \1|')
    read -r mpath mver <<<"$carried_mod"
    mpath=$(echo "$mpath" | sed 's/!\([a-z]\)/\U\1/g')
    mver=$(echo "$mver" | sed 's/!\([a-z]\)/\U\1/g')
    printf 'module example.com/fresh\n\ngo 1.21\n' >"$b/fresh/go.mod"
    if [ "$ok" = yes ] && ! machine_b "$b/fresh" "$tree_env" "$b/gopath" "$b/cache2" \
        "export GOFLAGS=-modcacherw; go get $mpath@$mver && grep -q '^$mpath $mver h1:' go.sum" \
        >"$b/get.log" 2>&1; then
        ok="no (go get $mpath@$mver)"
        sed 's/^/    /' "$b/get.log" | head -20
    fi
    [ "$ok" = yes ] || failed=1
    printf '%-42s %7s %7s %6s %10s %7s %7s %s\n' "$pv" "$modules" "$records" "$tiles" "$size" \
        "$pack_s" "$unpack_s" "$ok"
    [ "$ok" != yes ] || echo "    go get $mpath@$mver on machine B: verified against the carried database, go.sum written"

    # The mirror row: machine A mirrors the project (its module cache as go filled it) into a
    # GOPROXY tree; machine B (new GOPATH and module cache, no network, GOSUMDB at its default)
    # uses that tree as its only GOPROXY.
    m="$work/mirror/$name" mb="$work/mb/$name"
    mkdir -p "$mb/gopath" "$mb/cache1" "$mb/cache2" "$mb/fresh" "$(dirname "$m")"
    t=$(now)
    mok=yes
    if ! "$GOMODOFF" -C "$a/src" --json mirror "$m" >"$a/mirror.json" 2>"$a/mirror.log"; then
        sed 's/^/    /' "$a/mirror.log"
        failed=1
        continue
    fi
    mirror_s=$(since "$t")
    read -r mmodules mrecords mtiles mcarried mhead < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sumdb"]
print(d["modules"], s.get("records", 0), s.get("tiles", 0), s["carried"], s.get("head"))' "$a/mirror.json")
    [ "$mcarried" = True ] || mok="no (database not carried: $(grep -m1 warning "$a/mirror.log"))"
    if [ "$mok" = yes ] && ! "$GOMODOFF" -q mirror --verify "$m" >"$a/mirror-verify.log" 2>&1; then
        mok="no (mirror --verify)"
        sed 's/^/    /' "$a/mirror-verify.log" | head -20
    fi
    cp -r "$a/src" "$mb/src"
    mirror_env="export GOPROXY=file://$m GOFLAGS=-modcacherw"
    if [ "$mok" = yes ] && ! machine_b "$mb/src" "$mirror_env" "$mb/gopath" "$mb/cache1" \
        'go mod verify' >"$mb/verify.log" 2>&1; then
        mok="no (go mod verify)"
        sed 's/^/    /' "$mb/verify.log" | head -20
    fi
    carried_zip=$(cd "$m" && find . -path ./sumdb -prune -o -name '*.zip' -print | grep -v '^\./golang.org/toolchain/' | sort | head -1)
    mpath=$(echo "$carried_zip" | sed 's|^\./\(.*\)/@v/.*$|\1|; s/!\([a-z]\)/\U\1/g')
    mver=$(echo "$carried_zip" | sed 's|^.*/@v/\(.*\)\.zip$|\1|; s/!\([a-z]\)/\U\1/g')
    printf 'module example.com/fresh\n\ngo 1.21\n' >"$mb/fresh/go.mod"
    if [ "$mok" = yes ] && ! machine_b "$mb/fresh" "$mirror_env" "$mb/gopath" "$mb/cache2" \
        "go get $mpath@$mver && grep -q '^$mpath $mver h1:' go.sum" >"$mb/get.log" 2>&1; then
        mok="no (go get $mpath@$mver)"
        sed 's/^/    /' "$mb/get.log" | head -20
    fi
    [ "$mok" = yes ] || failed=1
    printf '  mirror: %s modules, %s records, %s tiles, head %s, %s bytes, %ss; --verify, go mod verify and go get %s@%s on machine B (GOSUMDB default, no network): %s\n' \
        "$mmodules" "$mrecords" "$mtiles" "$mhead" "$(du -sb "$m" | cut -f1)" "$mirror_s" "$mpath" "$mver" "$mok"
done

# The toolchain: a go newer than the installed one, packed with its database record.
installed=$(go env GOVERSION)
toolchain=${TOOLCHAIN:-$(GOMODCACHE="$work/fetch" GOPATH="$work/fetch-gopath" go list -m -versions golang.org/toolchain |
    tr ' ' '\n' | sed -n "s/^v0\.0\.1-\(go[0-9]*\.[0-9]*\.[0-9]*\)\.$(go env GOOS)-$(go env GOARCH)$/\1/p" |
    sort -V | tail -1)}
a=$first_a
b="$work/b-toolchain"
mkdir -p "$b/gopath" "$b/cache"
export GOMODCACHE="$a/modcache" GOPATH="$a/gopath"
t=$(now)
if ! "$GOMODOFF" -C "$a/src" --json pack --download --toolchain "$toolchain" -o "$a/toolchain.zip" \
    >"$a/toolchain.json" 2>"$a/toolchain.log"; then
    sed 's/^/    /' "$a/toolchain.log"
    exit 1
fi
pack_s=$(since "$t")
cp -r "$a/src" "$b/src"
chmod -R u+w "$b/src"
tree_env=$("$GOMODOFF" -q unpack "$a/toolchain.zip" --to "$b/goproxy")
(cd "$b/src" && go mod edit -toolchain="$toolchain")
if machine_b "$b/src" "$tree_env" "$b/gopath" "$b/cache" \
    'export GOFLAGS="$GOFLAGS -modcacherw"; go version && go build ./... && echo built' >"$b/build.log" 2>&1 &&
    grep -q "go version $toolchain" "$b/build.log" && grep -q '^built$' "$b/build.log"; then
    ok=yes
else
    ok=no
    failed=1
fi
printf 'toolchain %s (installed %s), %s bytes, packed in %ss, offline switch and build: %s\n' \
    "$toolchain" "$installed" "$(stat -c %s "$a/toolchain.zip")" "$pack_s" "$ok"
sed 's/^/    /' "$b/build.log" | head -5
exit $failed
