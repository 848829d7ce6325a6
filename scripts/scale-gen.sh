#!/usr/bin/env bash
# A synthetic, hermetic Go module graph for measuring gomodoff at scale (scripts/scale.sh uses it).
#
#   scripts/scale-gen.sh --out DIR [-n N] [--fanout F] [--file-mb MB] [--big K]
#
# Writes into DIR (created; it must not exist or be empty):
#   proxy/     a GOPROXY=file:// tree of N modules example.com/gen/mNNNN@v1.0.0, a tree of
#              requires and imports (module i → F*i+1 … F*i+F, default F=2), built by
#              scripts/scale-gen.go (`go run`, standard library only)
#   main/      a main module importing the root, made tidy by `go mod tidy` against proxy/, so
#              go.mod lists every module and go.sum is written by go (no hash is made here)
#   modcache/  the module cache that tidy filled (GOMODCACHE), the input of gomodoff
#   env        the variables to use it: `. DIR/env`
# --file-mb MB gives each of the first K modules (--big K, default all) a blob.bin of MB MiB
# (pseudo-random, stored), so that a bundle reaches gigabytes with few modules: each module zip
# must stay under go's 500 MiB limit, so `-n 8 --file-mb 400` is a bundle of about 3.2 GB.
# Needs only go; never touches the network (GOPROXY is the file tree, GOSUMDB is off). Scratch
# files (the go build cache of the generator) stay under DIR and are removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

out="" n=100 fanout=2 file_mb=0 big=-1
while (($#)); do
	case "$1" in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	-n) n=${2:?-n needs a number}; shift 2 ;;
	--fanout) fanout=${2:?--fanout needs a number}; shift 2 ;;
	--file-mb) file_mb=${2:?--file-mb needs a number}; shift 2 ;;
	--big) big=${2:?--big needs a number}; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument \`$1\` (see --help)" ;;
	esac
done
[[ -n $out ]] || die "--out DIR is required"
command -v go >/dev/null || die "needs go (https://go.dev/dl/) on PATH"
if [[ -e $out ]] && [[ -n $(ls -A "$out") ]]; then
	die "\`$out\` exists and is not empty"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Everything go does happens under $out, offline, with go's own checks.
export GOTOOLCHAIN=local GOWORK=off GOENV=off GOTELEMETRY=off
export GOPATH="$out/gopath" GOMODCACHE="$out/modcache" GOCACHE="$out/gocache"
export HOME="$out/home"
mkdir -p "$HOME"
scratch() {
	chmod -R u+w "$out/gocache" "$out/gopath" 2>/dev/null || true
	rm -rf "$out/gocache" "$out/gopath" "$out/home"
}
trap scratch EXIT

# The generator runs outside any module, with no module flags.
(cd "$out" && GOFLAGS= GO111MODULE=on go run "$here/scale-gen.go" -n "$n" -fanout "$fanout" \
	-file-mb "$file_mb" -big "$big" -proxy "$out/proxy" -main "$out/main")

cat >"$out/env" <<EOF
export GOTOOLCHAIN=local GOWORK=off GOENV=off GOTELEMETRY=off
export GOPROXY=off GOSUMDB=off GONOSUMDB='*' GOFLAGS=-modcacherw
export GOMODCACHE='$out/modcache'
EOF
# go writes go.mod's requirements and go.sum (every h1: hash) itself.
(cd "$out/main" && GOPROXY="file://$out/proxy" GOSUMDB=off GONOSUMDB='*' \
	GOFLAGS='-mod=mod -modcacherw' go mod tidy)
echo "$out: $n modules ($(du -sh "$out/proxy" | cut -f1) of proxy tree), . $out/env to use them"
