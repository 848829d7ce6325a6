# shellcheck shell=bash
# Shared helpers for the networked real-world corpus scripts (corpus-hashes.sh, corpus-vendor.sh,
# bench.sh). Sourced, never run. These scripts use the network only through the `go` command
# (the Go module proxy) and are never called from `cargo test` or CI.
#
# Common options, parsed by `corpus_parse_common`:
#   --modcache DIR   reuse this module cache (GOMODCACHE) instead of a fresh one in the temp dir
#   --keep DIR       keep the module cache, GOPATH and build cache in DIR across runs (fast reruns;
#                    one run at a time per DIR: its scratch/ is emptied when a run starts)
#   --gomodoff FILE  use this gomodoff binary instead of building one with `cargo build --release`

set -euo pipefail

CORPUS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS_PROJECTS_FILE="$CORPUS_ROOT/scripts/projects.txt"
CORPUS_MODCACHE=""
CORPUS_KEEP=""
CORPUS_GOMODOFF=""
CORPUS_ARGS=()
WORK=""
SCRATCH=""
GOMODOFF=""

die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

log() {
	echo "== $*" >&2
}

# corpus_parse_common ARGS... — takes the common options out of ARGS; what is left is in
# CORPUS_ARGS (callers parse their own options from there).
corpus_parse_common() {
	CORPUS_ARGS=()
	while (($#)); do
		case "$1" in
		--modcache)
			[[ $# -ge 2 ]] || die "--modcache needs a directory"
			CORPUS_MODCACHE=$2
			shift 2
			;;
		--modcache=*)
			CORPUS_MODCACHE=${1#*=}
			shift
			;;
		--keep)
			[[ $# -ge 2 ]] || die "--keep needs a directory"
			CORPUS_KEEP=$2
			shift 2
			;;
		--keep=*)
			CORPUS_KEEP=${1#*=}
			shift
			;;
		--gomodoff)
			[[ $# -ge 2 ]] || die "--gomodoff needs a file"
			CORPUS_GOMODOFF=$2
			shift 2
			;;
		--gomodoff=*)
			CORPUS_GOMODOFF=${1#*=}
			shift
			;;
		*)
			CORPUS_ARGS+=("$1")
			shift
			;;
		esac
	done
}

corpus_cleanup() {
	if [[ -n $WORK && -d $WORK ]]; then
		chmod -R u+w "$WORK" 2>/dev/null || true
		rm -rf "$WORK"
	fi
}

# corpus_setup — makes the temp dir (removed on exit), sets up the go environment and builds
# gomodoff. Exports GOMODCACHE, GOPATH, GOCACHE, GOFLAGS, GOTOOLCHAIN, GOWORK; sets WORK (the
# temp dir), SCRATCH (where to put project copies) and GOMODOFF (the binary).
corpus_setup() {
	command -v go >/dev/null || die "go is not installed"
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus.XXXXXX")
	trap corpus_cleanup EXIT
	trap 'exit 130' INT TERM

	local state="$WORK/state"
	if [[ -n $CORPUS_KEEP ]]; then
		mkdir -p "$CORPUS_KEEP"
		state=$(cd "$CORPUS_KEEP" && pwd)
	fi
	mkdir -p "$state/gopath" "$state/gocache"
	export GOPATH="$state/gopath"
	export GOCACHE="$state/gocache"
	if [[ -n $CORPUS_MODCACHE ]]; then
		mkdir -p "$CORPUS_MODCACHE"
		GOMODCACHE=$(cd "$CORPUS_MODCACHE" && pwd)
	else
		mkdir -p "$state/modcache"
		GOMODCACHE="$state/modcache"
	fi
	export GOMODCACHE
	# Project copies that the go command builds: at a stable path under --keep, so that a rerun
	# finds their packages in the build cache (the cache key includes the source directory).
	SCRATCH=$WORK
	if [[ -n $CORPUS_KEEP ]]; then
		SCRATCH="$state/scratch"
		chmod -R u+w "$SCRATCH" 2>/dev/null || true
		rm -rf "$SCRATCH"
		mkdir -p "$SCRATCH"
	fi
	export GOFLAGS=-modcacherw
	export GOTOOLCHAIN=local
	export GOWORK=off
	log "go: $(go version)"
	log "GOMODCACHE=$GOMODCACHE"
	corpus_build_gomodoff
}

corpus_build_gomodoff() {
	if [[ -n $CORPUS_GOMODOFF ]]; then
		GOMODOFF=$(cd "$(dirname "$CORPUS_GOMODOFF")" && pwd)/$(basename "$CORPUS_GOMODOFF")
	else
		log "cargo build --release"
		(cd "$CORPUS_ROOT" && cargo build --release --quiet) >&2
		GOMODOFF="${CARGO_TARGET_DIR:-$CORPUS_ROOT/target}/release/gomodoff"
	fi
	[[ -x $GOMODOFF ]] || die "no gomodoff binary at $GOMODOFF"
	log "gomodoff: $GOMODOFF ($("$GOMODOFF" --version))"
}

# corpus_projects — prints the module@version of every project in projects.txt, in order.
corpus_projects() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$CORPUS_PROJECTS_FILE" |
		awk 'NF { print $1 }'
}

# corpus_resolve NAME — the module@version for NAME: given whole, or the projects.txt line whose
# module path is NAME or ends in /NAME (a /vN suffix aside: `echo` finds github.com/labstack/echo/v4).
corpus_resolve() {
	local name=$1 p
	if [[ $name == *@* ]]; then
		echo "$name"
		return
	fi
	while read -r p; do
		local path=${p%@*}
		if [[ $path == "$name" || $path == */"$name" || $path =~ /$name/v[0-9]+$ ]]; then
			echo "$p"
			return
		fi
	done < <(corpus_projects)
	die "no project $name in $CORPUS_PROJECTS_FILE"
}

# corpus_download_json ARGS... — runs `go mod download -json ARGS` and prints one tab-separated
# line per module: path, version, zip, dir, gomod, sum, gomodsum, error. The go command prints
# indented JSON with one field per line, which is all this parser relies on.
# A module that fails to download has its message in the error column (go exits 1; not fatal here).
corpus_download_json() {
	go mod download -json "$@" | awk -F'\t' '
		function val(s) {
			sub(/^\t"[A-Za-z]+": "?/, "", s); sub(/"?,?$/, "", s)
			gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
			return s
		}
		/^{/ { delete f; next }
		/^\t"[A-Za-z]+": / {
			k = $0; sub(/^\t"/, "", k); sub(/".*/, "", k)
			f[k] = val($0)
			next
		}
		/^}/ {
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f["Path"], f["Version"], f["Zip"], f["Dir"],
				f["GoMod"], f["Sum"], f["GoModSum"], f["Error"]
		}
	' || true
}

# corpus_fetch_project MODULE@VERSION DEST — puts the project's source (itself a module) at DEST
# as a writable checkout with go.mod and go.sum, and downloads what it needs into GOMODCACHE.
corpus_fetch_project() {
	local mv=$1 dest=$2 line dir err
	line=$(corpus_download_json "$mv" | head -n1)
	dir=$(cut -f4 <<<"$line")
	err=$(cut -f8 <<<"$line")
	[[ -z $err && -n $dir && -d $dir ]] || {
		echo "cannot download $mv: ${err:-no Dir}" >&2
		return 1
	}
	mkdir -p "$(dirname "$dest")"
	cp -R "$dir" "$dest"
	chmod -R u+w "$dest"
	(cd "$dest" && go mod download) || {
		echo "go mod download failed in $mv" >&2
		return 1
	}
}

# corpus_copy SRC DEST — a fresh writable copy of a fetched project.
corpus_copy() {
	rm -rf "$2"
	cp -R "$1" "$2"
	chmod -R u+w "$2"
}

# corpus_build_list DIR — `go list -m all` reduced to "path version" (replacements dropped), sorted.
corpus_build_list() {
	(cd "$1" && go list -m -f '{{.Path}} {{.Version}}' all) | sort
}

# now — seconds since the epoch, with nanoseconds.
now() {
	date +%s.%N
}

# elapsed START — seconds since START, two decimals.
elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
}
