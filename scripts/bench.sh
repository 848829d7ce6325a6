#!/usr/bin/env bash
# bench.sh — time gomodoff against the go toolchain on one real project, with a warm module cache.
#
# Pairs, each best of 3 on a fresh copy of the project (the copy is not timed):
#   vendor   `go mod vendor`                 vs `gomodoff vendor --mode vendor --yes`
#   (first)  the same, gomodoff's first run only: no records of checked module-cache
#            directories yet (GOMODOFF_CACHE is a new directory for each bench run), so every
#            consulted module is hashed; the later runs find them recorded (see README)
#   verify   `go mod verify`                 vs `gomodoff verify` (after a replace-mode vendor)
#   extract  `unzip -q` of the build's zips  vs `gomodoff vendor --yes` (replace mode)
#   replace  `go mod vendor`                 vs `gomodoff vendor --yes` (replace mode, slim trees)
#   restore  that replace-mode `vendor`      vs `gomodoff restore --yes` undoing it
# and one line per target: replace ≤ 1.0 × go mod vendor, restore ≤ 0.2 × the vendor it undoes.
# Prints one table with seconds, peak MiB (from /usr/bin/time) and gomodoff ÷ reference, and
# checks that gomodoff's vendor/ is identical to go's. All timed commands run with GOPROXY=off.
# Exit 0 when every gomodoff run succeeded and vendor/ is identical, 1 otherwise.
#
# Networked (through the go command only, to fetch the project); never run by CI or `cargo test`.
#
# Both sides of the vendor pair mostly create files. On a VM disk their cost swings with the file
# system's state (ext4 scanning past recently deleted inodes, which this script's own copies and
# removals pile up), run to run, by several times; `TMPDIR=/dev/shm scripts/bench.sh` puts the
# project copies on tmpfs and takes that out (the module cache stays where it is).
#
# Usage: scripts/bench.sh [--runs N] [--modcache DIR] [--keep DIR] [--gomodoff FILE] [project]
#   --runs N    runs of each command, the best kept (default 3)
#   project     module@version, or a module path (or its last element) from projects.txt;
#               default: the listed project with the most modules

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

corpus_parse_common "$@"
runs=3
project=""
set -- ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"}
while (($#)); do
	case "$1" in
	--runs)
		[[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive number"
		runs=$2
		shift 2
		;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*)
		[[ -z $project ]] || die "one project at a time"
		project=$(corpus_resolve "$1")
		shift
		;;
	esac
done
if [[ -z $project ]]; then
	# The largest: the most modules, as noted "(N)" in the line's comment.
	project=$(awk '$1 !~ /^#/ && match($0, /\([0-9]+\)[^(]*$/) {
		print substr($0, RSTART + 1, RLENGTH) + 0, $1 }' "$CORPUS_PROJECTS_FILE" |
		sort -n | tail -n1 | cut -d' ' -f2)
	[[ -n $project ]] || die "no project with a module count in $CORPUS_PROJECTS_FILE"
fi

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
command -v unzip >/dev/null || die "unzip is missing (apt-get install unzip)"

corpus_setup
mkdir -p "$WORK/logs"
src="$WORK/src"
log "fetching $project"
corpus_fetch_project "$project" "$src" </dev/null >"$WORK/logs/fetch" 2>&1 || {
	tail -n 20 "$WORK/logs/fetch" >&2
	die "cannot fetch $project"
}
modules=$(corpus_build_list "$src" </dev/null | wc -l)
# The zips of the modules the build needs: what `go mod download` fetched for this project.
(cd "$src" && corpus_download_json) </dev/null | awk -F'\t' '$3 != "" && $8 == "" { print $3 }' \
	>"$WORK/zips.txt"
zips=$(wc -l <"$WORK/zips.txt")
log "$project: $modules modules in the build list, $zips zips"

export GOPROXY=off GOSUMDB=off
# gomodoff's records of checked module-cache directories: empty at the start of the bench.
export GOMODOFF_CACHE="$WORK/gomodoff-cache"

# measure NAME DIR CMD... — runs CMD in DIR under /usr/bin/time; appends "seconds kib status" to
# $WORK/NAME.runs. The command's output goes to $WORK/logs/NAME.N.
measure() {
	local name=$1 dir=$2 n status=0
	shift 2
	n=1
	[[ ! -f $WORK/$name.runs ]] || n=$(($(wc -l <"$WORK/$name.runs") + 1))
	(cd "$dir" && /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@") </dev/null \
		>"$WORK/logs/$name.$n" 2>&1 || status=$?
	echo "$(tail -n1 "$WORK/time.out" | awk '{ print $1, $2 }') $status" >>"$WORK/$name.runs"
	return "$status"
}

# best NAME — "seconds MiB" of the fastest successful run, or "FAIL".
best() {
	awk '$3 == 0 { if (!n || $1 < s) { s = $1; m = $2 } n++ }
		END { if (n) printf "%.2f %.1f\n", s, m / 1024; else print "FAIL" }' "$WORK/$1.runs"
}

# first NAME — "seconds MiB" of the first run, or "FAIL".
first() {
	awk 'NR == 1 { if ($3 == 0) printf "%.2f %.1f\n", $1, $2 / 1024; else print "FAIL" }' \
		"$WORK/$1.runs"
}

fresh() {
	corpus_copy "$src" "$WORK/copy"
	echo "$WORK/copy"
}

unzip_all() {
	local out=$1 i=0 z
	while read -r z; do
		i=$((i + 1))
		unzip -q -o "$z" -d "$out/$i"
	done <"$2"
}
export -f unzip_all

for ((r = 1; r <= runs; r++)); do
	log "run $r/$runs"
	# vendor mode
	d=$(fresh)
	measure go-vendor "$d" go mod vendor || true
	[[ $r -lt $runs ]] || mv "$d" "$WORK/ref-vendored"
	d=$(fresh)
	measure gmo-vendor "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode vendor --yes || true
	[[ $r -lt $runs ]] || mv "$d" "$WORK/gmo-vendored"

	# extraction: unzip every zip vs replace mode
	rm -rf "$WORK/unzipped" && mkdir -p "$WORK/unzipped"
	# shellcheck disable=SC2016 # expanded by the inner bash
	measure unzip "$WORK" bash -c 'unzip_all "$1" "$2"' _ "$WORK/unzipped" "$WORK/zips.txt" || true
	chmod -R u+w "$WORK/unzipped" && rm -rf "$WORK/unzipped"
	d=$(fresh)
	replaced_ok=true
	measure gmo-replace "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --yes || replaced_ok=false

	# verify: the module cache against go.sum vs the replace-mode tree against go.sum and the lock
	measure go-verify "$src" go mod verify || true
	if $replaced_ok; then
		measure gmo-verify "$d" "$GOMODOFF" verify || true
		measure gmo-restore "$d" "$GOMODOFF" restore --yes || true
	else
		echo "0 0 1" >>"$WORK/gmo-verify.runs"
		echo "0 0 1" >>"$WORK/gmo-restore.runs"
	fi
done

# The vendor-mode output must be identical to go's.
identical=false
if [[ -d $WORK/ref-vendored/vendor && -d $WORK/gmo-vendored/vendor ]] &&
	diff -r "$WORK/ref-vendored/vendor" "$WORK/gmo-vendored/vendor" >"$WORK/logs/vendor.diff" 2>&1; then
	identical=true
fi

row() { # what reference-label ref-name gomodoff-label gmo-name [first]
	local r g
	r=$(best "$3")
	if [[ ${6:-} == first ]]; then
		g=$(first "$5")
	else
		g=$(best "$5")
	fi
	awk -v what="$1" -v rl="$2" -v gl="$4" -v r="$r" -v g="$g" 'BEGIN {
		nr = split(r, a, " "); ng = split(g, b, " ")
		rs = nr == 2 ? sprintf("%8.2f %8.1f", a[1], a[2]) : sprintf("%8s %8s", "FAIL", "-")
		gs = ng == 2 ? sprintf("%8.2f %8.1f", b[1], b[2]) : sprintf("%8s %8s", "FAIL", "-")
		if (nr == 2 && ng == 2) {
			ts = a[1] > 0 ? sprintf("%9.2f", b[1] / a[1]) : sprintf("%9s", "-")
			ms = a[2] > 0 ? sprintf("%9.2f", b[2] / a[2]) : sprintf("%9s", "-")
		} else { ts = sprintf("%9s", "-"); ms = sprintf("%9s", "-") }
		printf "%-8s %-26s %s   %-30s %s   %s %s\n", what, rl, rs, gl, gs, ts, ms
	}'
}

echo
echo "bench: $project, $modules modules in the build list, $zips zips, best of $runs, $(nproc) cores"
printf "%-8s %-26s %8s %8s   %-30s %8s %8s   %9s %9s\n" "" "reference" "s" "MiB" "gomodoff" "s" "MiB" \
	"s ratio" "MiB ratio"
row vendor "go mod vendor" go-vendor "vendor --mode vendor" gmo-vendor
row "(first)" "go mod vendor" go-vendor "vendor --mode vendor, 1st run" gmo-vendor first
row verify "go mod verify" go-verify "verify (replace mode)" gmo-verify
row extract "unzip -q ($zips zips)" unzip "vendor (replace mode)" gmo-replace
row replace "go mod vendor" go-vendor "vendor (replace mode)" gmo-replace
row restore "vendor (replace mode)" gmo-replace "restore (replace mode)" gmo-restore
printf "runs (s, in order):"
for n in go-vendor gmo-vendor go-verify gmo-verify unzip gmo-replace gmo-restore; do
	printf " %s %s;" "$n" "$(awk '{ printf "%s%s", sep, ($3 == 0 ? $1 : "FAIL"); sep = "/" }' "$WORK/$n.runs")"
done
echo
if $identical; then
	echo "vendor mode: identical to go mod vendor"
else
	echo "vendor mode: DIFFERS from go mod vendor"
	if [[ -s $WORK/logs/vendor.diff ]]; then
		grep -E '^(Only in|diff -r)' "$WORK/logs/vendor.diff" | head -n 10 | sed "s|$WORK/||g; s/^/  | /"
	fi
fi
for n in gmo-vendor gmo-replace gmo-verify; do
	if [[ $(best "$n") == FAIL ]]; then
		last=$(find "$WORK/logs" -name "$n.*" -printf '%T@ %p\n' | sort -n | tail -n1 | cut -d' ' -f2-)
		if [[ -n $last ]]; then
			echo "$n failed (last lines of its output):"
		else
			echo "$n not run (replace mode failed)"
		fi
		[[ -z $last ]] || tail -n 4 "$last" | cut -c1-200 | sed 's/^/  | /'
	fi
done
# target NAME REF GMO LIMIT — whether best(GMO) ≤ LIMIT × best(REF).
target() {
	local r g
	r=$(best "$2")
	g=$(best "$3")
	if [[ $r == FAIL || $g == FAIL ]]; then
		echo "target: $1 ≤ $4×: not measured"
		return
	fi
	awk -v n="$1" -v r="${r%% *}" -v g="${g%% *}" -v l="$4" 'BEGIN {
		printf "target: %s ≤ %s×: %.2f× %s\n", n, l, g / r, (g <= l * r ? "met" : "NOT MET") }'
}
target "replace-mode vendor vs go mod vendor" go-vendor gmo-replace 1.0
target "restore vs the replace-mode vendor it undoes" gmo-replace gmo-restore 0.2
$identical || exit 1
for n in gmo-vendor gmo-replace gmo-verify go-vendor go-verify unzip; do
	[[ $(best "$n") != FAIL ]] || exit 1
done
