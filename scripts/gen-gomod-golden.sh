#!/usr/bin/env bash
# Regenerates the go.mod editing goldens with the real go command.
#
# For each testdata/gomod/<case>/: copies in.mod to a temporary go.mod, runs
# `go mod edit <flags> go.mod` with the flags listed in edits.txt (one flag per line; blank lines
# and lines starting with # are skipped) and stores the result as want.mod.
# Directories starting with _ are skipped (testdata/gomod/_fuzzed holds fuzzer finds).
# Every in.mod must be canonical (unchanged by `go mod edit -fmt`, up to CRLF line endings), since
# that is where gomodoff promises byte-for-byte equality with go.
#
# Usage: scripts/gen-gomod-golden.sh            # rewrite every want.mod
#        scripts/gen-gomod-golden.sh --check    # exit 1 if any want.mod is stale or missing
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
    --check) check=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "error: go is not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOTOOLCHAIN=local GOWORK=off GOFLAGS=-modcacherw GOSUMDB=off GONOSUMDB='*' GOPRIVATE=
export GOPROXY=off GOENV=off GOMODCACHE="$tmp/modcache" GOPATH="$tmp/gopath" GOCACHE="$tmp/gocache"

status=0
count=0
for dir in testdata/gomod/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    case "$name" in _*) continue ;; esac  # _fuzzed: fuzzer finds, not goldens
    [ -f "$dir/in.mod" ] && [ -f "$dir/edits.txt" ] || { echo "error: $dir lacks in.mod or edits.txt" >&2; exit 2; }
    work="$tmp/$name"
    mkdir -p "$work"

    cp "$dir/in.mod" "$work/go.mod"
    go mod edit -fmt "$work/go.mod"
    if ! cmp -s "$work/go.mod" <(tr -d '\r' < "$dir/in.mod"); then
        echo "error: $dir/in.mod is not canonical (go mod edit -fmt changes it):" >&2
        diff -u <(tr -d '\r' < "$dir/in.mod") "$work/go.mod" >&2 || true
        exit 2
    fi

    args=()
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line%$'\r'}
        case "$line" in ''|'#'*) continue ;; esac
        args+=("$line")
    done < "$dir/edits.txt"

    cp "$dir/in.mod" "$work/go.mod"
    go mod edit "${args[@]}" "$work/go.mod"
    count=$((count + 1))
    if [ "$check" = 1 ]; then
        if ! cmp -s "$work/go.mod" "$dir/want.mod"; then
            echo "stale: $dir/want.mod" >&2
            diff -u "$dir/want.mod" "$work/go.mod" >&2 || true
            status=1
        fi
    else
        cp "$work/go.mod" "$dir/want.mod"
    fi
done

if [ "$check" = 1 ]; then
    [ "$status" = 0 ] && echo "$count goldens up to date ($(go version))"
else
    echo "wrote $count goldens ($(go version))"
fi
exit "$status"
