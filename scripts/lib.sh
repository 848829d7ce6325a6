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

# corpus_fetch_source MODULE@VERSION DEST — puts the project's source (itself a module) at DEST
# as a writable checkout with go.mod and go.sum; only the project's own zip is downloaded (into
# GOMODCACHE), none of its dependencies.
corpus_fetch_source() {
	local mv=$1 dest=$2 line dir err
	line=$(corpus_download_json "$mv" | head -n1)
	dir=$(cut -f4 <<<"$line")
	err=$(cut -f8 <<<"$line")
	[[ -z $err && -n $dir && -d $dir ]] || {
		echo "cannot download $mv: ${err:-no Dir}" >&2
		return 1
	}
	chmod -R u+w "$dest" 2>/dev/null || true
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -R "$dir" "$dest"
	chmod -R u+w "$dest"
}

# corpus_fetch_project MODULE@VERSION DEST — corpus_fetch_source, then `go mod download` of what
# the project requires into GOMODCACHE.
corpus_fetch_project() {
	local mv=$1 dest=$2
	corpus_fetch_source "$mv" "$dest" || return 1
	(cd "$dest" && go mod download) || {
		echo "go mod download failed in $mv" >&2
		return 1
	}
}

# corpus_rm DIR... — removes directories that may hold read-only module cache files.
corpus_rm() {
	chmod -R u+w "$@" 2>/dev/null || true
	rm -rf "$@"
}

# corpus_inputs_id SRC — one line naming what a prepared module cache depends on: the project's
# go.mod and go.sum, the go version, and the script revision of the recipe (CORPUS_CACHE_RECIPE).
corpus_inputs_id() {
	{
		echo "${CORPUS_CACHE_RECIPE:-1}"
		go version
		cat "$1/go.mod" "$1/go.sum" 2>/dev/null
	} | sha256sum | cut -c1-16
}

# corpus_dev_cache SRC CACHE — fills CACHE, a new empty module cache, the way a developer's is
# after cloning SRC and working in it: `go mod download` (no arguments: the modules go.mod
# requires), then `go list -deps -test ./...` (what loading every package and test needs).
# Never `go list -m all` or `go mod download all`: go.mod files and zips that only those read are
# not there. Reused as it is when CACHE.ready names the same inputs (a --keep rerun).
corpus_dev_cache() {
	local src=$1 cache=$2 id
	id=$(corpus_inputs_id "$src")
	if [[ -d $cache && -f $cache.ready && $(cat "$cache.ready") == "$id" ]]; then
		echo "reusing $cache (prepared for the same go.mod, go.sum and go)"
		return 0
	fi
	corpus_rm "$cache" "$cache.ready"
	mkdir -p "$cache"
	(cd "$src" && GOMODCACHE=$cache go mod download) || {
		echo "go mod download failed" >&2
		return 1
	}
	(cd "$src" && GOMODCACHE=$cache go list -deps -test ./... >/dev/null) || {
		echo "go list -deps -test ./... failed" >&2
		return 1
	}
	echo "$id" >"$cache.ready"
}

# corpus_pollution_targets BUILDLIST — module@version queries for modules that are not in the
# project's needs but resemble them, read from BUILDLIST ("path version" lines, `go list -m all`):
#   - every build-list module whose path is a proper prefix of another build-list module's path
#     (cloud.google.com/go vs cloud.google.com/go/storage, a monolith vs its split-out modules),
#     at its build-list version (its zip, which a developer cache normally lacks) and @latest;
#   - for every `…/vN` module (N ≥ 2), the path without the suffix @latest (a/v2 vs a);
#   - every tenth build-list module @latest (a newer version of a module in the graph).
corpus_pollution_targets() {
	awk '
		{ path[NR] = $1; ver[NR] = $2; have[$1] = 1 }
		END {
			for (i = 1; i <= NR; i++) {
				n = split(path[i], e, "/"); p = e[1]
				for (j = 2; j < n; j++) {
					p = p "/" e[j]
					if (p in have && !(p in done)) { done[p] = 1; prefix[p] = 1 }
				}
				if (path[i] ~ /\/v[0-9]+$/) {
					q = path[i]; sub(/\/v[0-9]+$/, "", q); out[q "@latest"] = 1
				}
				if (i % 10 == 0 && ver[i] != "") out[path[i] "@latest"] = 1
			}
			for (i = 1; i <= NR; i++) {
				if (path[i] in prefix && ver[i] != "") { out[path[i] "@" ver[i]] = 1; out[path[i] "@latest"] = 1 }
			}
			for (q in out) print q
		}
	' "$1" | sort
}

# corpus_polluted_cache DEVCACHE CACHE BUILDLIST [OTHER_SRC] — CACHE: a copy of DEVCACHE that
# also holds unrelated modules: OTHER_SRC's `go mod download` (another project worked on with the
# same cache) and corpus_pollution_targets BUILDLIST. Failures of single queries (a path that is no
# module, a retracted @latest) are ignored. Reused when CACHE.ready names the same inputs.
corpus_polluted_cache() {
	local dev=$1 cache=$2 buildlist=$3 other=${4:-} id empty
	id=$( { cat "$dev.ready" "$buildlist"; [[ -z $other ]] || cat "$other/go.sum"; } | sha256sum | cut -c1-16)
	if [[ -d $cache && -f $cache.ready && $(cat "$cache.ready") == "$id" ]]; then
		echo "reusing $cache"
		return 0
	fi
	corpus_rm "$cache" "$cache.ready"
	cp -a "$dev" "$cache"
	if [[ -n $other ]]; then
		echo "go mod download in $other"
		(cd "$other" && GOMODCACHE=$cache go mod download) || echo "(go mod download in $other failed; ignored)"
	fi
	empty=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-corpus-empty.XXXXXX")
	mapfile -t targets < <(corpus_pollution_targets "$buildlist")
	echo "go mod download of ${#targets[@]} look-alike module versions: ${targets[*]}"
	if ((${#targets[@]})); then
		(cd "$empty" && GOMODCACHE=$cache GOFLAGS=-modcacherw go mod download "${targets[@]}") ||
			echo "(some of them failed; ignored)"
	fi
	rmdir "$empty"
	echo "$id" >"$cache.ready"
}

# corpus_cache_counts CACHE — "Z zips, M go.mod files" in a module cache's download directory.
corpus_cache_counts() {
	local d=$1/cache/download
	echo "$(find "$d" -name '*.zip' 2>/dev/null | wc -l) zips, $(find "$d" -name '*.mod' 2>/dev/null | wc -l) go.mod files"
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
