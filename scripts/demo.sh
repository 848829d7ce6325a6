#!/usr/bin/env bash
# The main job on the bundled example (testdata/projects/basic): vendor it offline with gomodoff,
# then prove the offline build with the real go command.
#
# Works on a fresh clone with only cargo and go installed and no network: the "connected
# machine" is simulated by a GOPROXY=file:// tree built from the fixture modules in
# testdata/modules. Everything go writes goes to a temporary directory (removed on exit): its own
# HOME, GOPATH, module cache and go env; your ~/go, module cache and go env are never touched.
# The build cache is temporary too (so the first build compiles the standard library), unless
# GOCACHE is set in the environment, which is then used.
#
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null 2>&1 || die "cargo is not installed (https://rustup.rs)"
if ! command -v go >/dev/null 2>&1; then
    for d in /usr/local/go/bin /usr/lib/go/bin; do
        [ -x "$d/go" ] && PATH="$d:$PATH" && break
    done
fi
command -v go >/dev/null 2>&1 || die "go is not installed (https://go.dev/dl/)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-demo.XXXXXX")
# Module caches are read-only unless -modcacherw was in force, so make everything writable first.
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "1. Build gomodoff and the fixture GOPROXY tree"
# cargo runs with your environment (it needs its own crate cache); go gets a private one below.
show cargo build --release --locked --bin gomodoff --example fixture_proxy
cargo build --release --locked --quiet --bin gomodoff --example fixture_proxy
target=$(cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[ -n "$target" ] || target=$PWD/target
gomodoff="$target/release/gomodoff"
"$target/release/examples/fixture_proxy" testdata/modules "$tmp/proxy"

# A private go environment: nothing from the caller's go env, HOME or module cache.
mkdir -p "$tmp/home/.config/go/telemetry" "$tmp/home/.cache"
echo off >"$tmp/home/.config/go/telemetry/mode" # as `go telemetry off` writes it
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_CACHE_HOME="$tmp/home/.cache"
export GOENV=off GOTOOLCHAIN=local GOWORK=off GOFLAGS=-modcacherw
export GOPATH="$tmp/gopath" GOMODCACHE="$tmp/modcache" GOCACHE="${GOCACHE:-$tmp/gocache}"
export GOSUMDB=off GONOSUMDB= GOPRIVATE= GONOPROXY= GOINSECURE=
unset GOOS GOARCH GOBIN

step "2. Copy the bundled example (testdata/projects/basic)"
example="$tmp/example"
show "cp -R testdata/projects/basic $example"
cp -R testdata/projects/basic "$example"

step "3. On the connected machine: go mod tidy fills the module cache and go.sum"
export GOPROXY="file://$tmp/proxy"
show "GOPROXY=$GOPROXY GOMODCACHE=$GOMODCACHE go mod tidy"
(cd "$example" && go mod tidy)
echo "go.sum: $(wc -l <"$example/go.sum" | tr -d ' ') lines"

step "4. Vendor from the module cache into the repository (no network)"
export GOPROXY=off
# Run inside the example: `gomodoff -C DIR vendor` currently takes DIR as vendor's --dir too.
show "cd $example && gomodoff --modcache $GOMODCACHE vendor --yes"
(cd "$example" && "$gomodoff" --modcache "$GOMODCACHE" vendor --yes)

step "Going offline: removing the module cache and the proxy tree"
chmod -R u+w "$tmp/modcache" "$tmp/proxy"
rm -rf "$tmp/modcache" "$tmp/proxy"
mkdir "$tmp/modcache"
echo "from here on: GOPROXY=off, GOMODCACHE=$GOMODCACHE (empty)"

step "5. Prove the offline build: gomodoff check (GOPROXY=off, empty module cache)"
show "gomodoff -C $example check"
"$gomodoff" -C "$example" check

step "   gomodoff verify: every laid-out file against go.sum and gomodoff.lock"
show "gomodoff -C $example verify"
"$gomodoff" -C "$example" verify
modules=$("$gomodoff" -C "$example" --json verify | sed -n 's/.*"modules": *\([0-9][0-9]*\).*/\1/p')
[ -n "$modules" ] || die "cannot read the module count from \`gomodoff --json verify\`"

step "   Run the program offline"
show "gomodoff -C $example exec -- go run ."
"$gomodoff" -C "$example" exec -- go run .
fetched=$(find "$tmp/modcache" -type f | head -3)
[ -z "$fetched" ] || die "go put files in the empty module cache: $fetched"

printf '\ndemo: vendored %s modules; offline build proven\n' "$modules"
