#!/usr/bin/env bash
# bench.sh — time gomodoff against the go toolchain on real projects, with a warm module cache.
#
# For each project, pairs, each best of N on a fresh copy of the project (the copy is not timed):
#   vendor   `go mod vendor`                 vs `gomodoff vendor --mode vendor --yes`
#   (first)  the same, as a first run: no records of checked module-cache directories yet
#            (each of these runs gets a new, empty GOMODOFF_CACHE), so every consulted module
#            is hashed; best of N like every row, so both sides read a module cache the
#            operating system has in memory (the `vendor` row's runs share one GOMODOFF_CACHE
#            per project and find the directories recorded; see README)
#   (again)  that first vendor-mode run   vs `gomodoff vendor --mode vendor --yes` again, nothing
#            changed
#   verify   `go mod verify`                 vs `gomodoff verify` (after a replace-mode vendor)
#   hash     `sha256sum` of every file of the replace-mode trees, one process, one core
#            vs `gomodoff verify`, which hashes the same bytes on every core
#   extract  `unzip -q` of the build's zips  vs `gomodoff vendor --yes` (replace mode)
#   replace  `go mod vendor`                 vs `gomodoff vendor --yes` (replace mode, slim trees)
#   (again)  the first replace-mode `vendor` vs `gomodoff vendor --yes` again, nothing changed
#   proxy    `go mod vendor`                 vs `gomodoff vendor --mode proxy --yes`
#   (again)  the first proxy-mode `vendor`   vs the same again, nothing changed
#   restore  that replace-mode `vendor`      vs `gomodoff restore --yes` undoing it
# Prints one table per project with seconds (the shell's clock), peak MiB (GNU time) and gomodoff ÷
# reference, checks that gomodoff's vendor/ is identical to go's, and one line per target
# (met / NOT MET), then every target of every project again as a summary:
#   vendor mode ≤ 0.33 × go mod vendor; its first run ≤ 1.0 ×; replace mode ≤ 1.0 ×;
#   a no-change re-run (vendor, replace, proxy mode) ≤ 0.02 × the first run; restore ≤ 0.2 × the
#   vendor it undoes; verify ≤ 0.15 × go mod verify; hashing ≥ 0.7 × sha256sum's throughput per
#   core, every core used (verify's time ≤ sha256sum's ÷ (0.7 × cores)); every gomodoff run's
#   peak RSS ≤ 64 MiB.
# All timed commands run with GOPROXY=off. Exit 0 when every gomodoff run succeeded and vendor/
# is identical on every project (targets not met do not fail the script), 1 otherwise.
#
# Networked (through the go command only, to fetch the projects); never run by CI or `cargo test`.
#
# Both sides of the vendor pair mostly create files. On a VM disk their cost swings with the file
# system's state (ext4 scanning past recently deleted inodes, which this script's own copies and
# removals pile up), run to run, by several times; `TMPDIR=/dev/shm scripts/bench.sh` puts the
# project copies on tmpfs and takes that out (the module cache stays where it is).
#
# Usage: scripts/bench.sh [--runs N] [--modcache DIR] [--keep DIR] [--gomodoff FILE] [project…]
#   --runs N    runs of each command, the best kept (default 3)
#   project     module@version, or a module path (or its last element) from projects.txt;
#               default: the listed project with the most modules. Several: one table each, one
#               module cache for all (each project's modules are unrelated ones for the others).

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

corpus_parse_common "$@"
runs=3
projects=()
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
		projects+=("$(corpus_resolve "$1")")
		shift
		;;
	esac
done
if ((${#projects[@]} == 0)); then
	# The largest: the most modules, as noted "(N)" in the line's comment.
	p=$(awk '$1 !~ /^#/ && match($0, /\([0-9]+\)[^(]*$/) {
		print substr($0, RSTART + 1, RLENGTH) + 0, $1 }' "$CORPUS_PROJECTS_FILE" |
		sort -n | tail -n1 | cut -d' ' -f2)
	[[ -n $p ]] || die "no project with a module count in $CORPUS_PROJECTS_FILE"
	projects=("$p")
fi

[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
command -v unzip >/dev/null || die "unzip is missing (apt-get install unzip)"

corpus_setup
export GOSUMDB=off
CORES=$(nproc)
# Every target line of every project, for the summary at the end.
SUMMARY="$WORK/summary"
: >"$SUMMARY"
failed=false

# measure NAME DIR CMD... — runs CMD in DIR under /usr/bin/time; appends "seconds kib status" to
# $P/NAME.runs. The command's output goes to $P/logs/NAME.N.
measure() {
	local name=$1 dir=$2 n status=0 t0 t1
	shift 2
	n=1
	[[ ! -f $P/$name.runs ]] || n=$(($(wc -l <"$P/$name.runs") + 1))
	# Seconds from the shell's clock (microseconds; GNU time's %e has 10 ms steps, too coarse for
	# a no-change run), peak RSS from GNU time.
	t0=${EPOCHREALTIME/,/.}
	(cd "$dir" && GOPROXY=off /usr/bin/time -f '%M' -o "$P/time.out" "$@") </dev/null \
		>"$P/logs/$name.$n" 2>&1 || status=$?
	t1=${EPOCHREALTIME/,/.}
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(tail -n1 "$P/time.out") $status" \
		>>"$P/$name.runs"
	return "$status"
}

# not_run NAME — records a run that could not happen (what it needed failed).
not_run() {
	echo "0 0 1" >>"$P/$1.runs"
}

# best NAME — "seconds MiB" of the fastest successful run, or "FAIL".
best() {
	awk '$3 == 0 { if (!n || $1 < s) { s = $1; m = $2 } n++ }
		END { if (n) printf "%.3f %.1f\n", s, m / 1024; else print "FAIL" }' "$P/$1.runs"
}

# first NAME — "seconds MiB" of the first run, or "FAIL".
first() {
	awk 'NR == 1 { if ($3 == 0) printf "%.3f %.1f\n", $1, $2 / 1024; else print "FAIL" }' \
		"$P/$1.runs"
}

# peak NAME — the largest peak MiB of any successful run, or "FAIL".
peak() {
	awk '$3 == 0 { if ($2 > m) m = $2; n++ } END { if (n) printf "%.1f\n", m / 1024; else print "FAIL" }' \
		"$P/$1.runs"
}

fresh() {
	corpus_copy "$src" "$P/copy"
	echo "$P/copy"
}

unzip_all() {
	local out=$1 i=0 z
	while read -r z; do
		i=$((i + 1))
		unzip -q -o "$z" -d "$out/$i"
	done <"$2"
}
export -f unzip_all

# sha256_tree DIR — sha256sum of every regular file under DIR, one process.
sha256_tree() {
	find "$1" -type f -print0 | sort -z | xargs -0 cat | sha256sum >/dev/null
}
export -f sha256_tree

row() { # what reference-label ref-value gomodoff-label gmo-value
	awk -v what="$1" -v rl="$2" -v gl="$4" -v r="$3" -v g="$5" 'BEGIN {
		nr = split(r, a, " "); ng = split(g, b, " ")
		rs = nr == 2 ? sprintf("%8.3f %8.1f", a[1], a[2]) : sprintf("%8s %8s", "FAIL", "-")
		gs = ng == 2 ? sprintf("%8.3f %8.1f", b[1], b[2]) : sprintf("%8s %8s", "FAIL", "-")
		if (nr == 2 && ng == 2) {
			ts = a[1] > 0 ? sprintf("%9.3f", b[1] / a[1]) : sprintf("%9s", "-")
			ms = a[2] > 0 ? sprintf("%9.2f", b[2] / a[2]) : sprintf("%9s", "-")
		} else { ts = sprintf("%9s", "-"); ms = sprintf("%9s", "-") }
		printf "%-8s %-28s %s   %-34s %s   %s %s\n", what, rl, rs, gl, gs, ts, ms
	}'
}

# target LABEL REF-VALUE GMO-VALUE LIMIT — whether gomodoff's seconds ≤ LIMIT × the reference's;
# printed, and kept for the summary.
target() {
	local line
	if [[ $2 == FAIL || $3 == FAIL ]]; then
		line="target: $1 ≤ $4×: not measured"
	else
		line=$(awk -v n="$1" -v r="${2%% *}" -v g="${3%% *}" -v l="$4" 'BEGIN {
			printf "target: %s ≤ %s×: %.3f× %s\n", n, l, (r > 0 ? g / r : 0), (g <= l * r ? "met" : "NOT MET") }')
	fi
	echo "$line"
	echo "$NAME: $line" >>"$SUMMARY"
}

# memory_target — every gomodoff run's peak RSS ≤ 64 MiB.
memory_target() {
	local n m worst=0 which="" line
	for n in gmo-first gmo-vendor gmo-vendor-again gmo-verify gmo-replace gmo-replace-again gmo-proxy \
		gmo-proxy-again gmo-restore; do
		m=$(peak "$n")
		[[ $m != FAIL ]] || continue
		if awk -v a="$m" -v b="$worst" 'BEGIN { exit !(a > b) }'; then
			worst=$m
			which=$n
		fi
	done
	line=$(awk -v w="$worst" -v n="$which" 'BEGIN {
		printf "target: peak RSS of every gomodoff run ≤ 64 MiB: %.1f MiB (%s) %s\n", w, n, (w <= 64 ? "met" : "NOT MET") }')
	echo "$line"
	echo "$NAME: $line" >>"$SUMMARY"
}

# bench_project MODULE@VERSION — fetch, time, print the table and the targets.
bench_project() {
	local project=$1 r d replaced_ok identical=false
	NAME=${project%@*}
	# helm.sh/helm/v3 is `helm`, not `v3`.
	[[ ! $NAME =~ /v[0-9]+$ ]] || NAME=${NAME%/*}
	NAME=${NAME##*/}
	P="$WORK/$NAME"
	mkdir -p "$P/logs"
	src="$P/src"
	log "fetching $project"
	corpus_fetch_project "$project" "$src" </dev/null >"$P/logs/fetch" 2>&1 || {
		tail -n 20 "$P/logs/fetch" >&2
		die "cannot fetch $project"
	}
	local modules zips
	modules=$(corpus_build_list "$src" </dev/null | wc -l)
	# The zips of the modules the build needs: what `go mod download` fetched for this project.
	(cd "$src" && corpus_download_json) </dev/null | awk -F'\t' '$3 != "" && $8 == "" { print $3 }' \
		>"$P/zips.txt"
	zips=$(wc -l <"$P/zips.txt")
	log "$project: $modules modules in the build list, $zips zips"
	# gomodoff's records of checked module-cache directories: empty at the start of each project.
	export GOMODOFF_CACHE="$P/gomodoff-cache"

	for ((r = 1; r <= runs; r++)); do
		log "$NAME: run $r/$runs"
		# vendor mode, then again with nothing changed
		d=$(fresh)
		measure go-vendor "$d" go mod vendor || true
		[[ $r -lt $runs ]] || mv "$d" "$P/ref-vendored"
		d=$(fresh)
		# shellcheck disable=SC2030 # the first run's own cache, in a subshell on purpose
		(
			export GOMODOFF_CACHE="$P/first-cache"
			rm -rf "$GOMODOFF_CACHE"
			measure gmo-first "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode vendor --yes
		) || true
		rm -rf "$P/first-cache"
		d=$(fresh)
		if measure gmo-vendor "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode vendor --yes; then
			measure gmo-vendor-again "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode vendor --yes || true
		else
			not_run gmo-vendor-again
		fi
		[[ $r -lt $runs ]] || mv "$d" "$P/gmo-vendored"

		# extraction: unzip every zip vs replace mode
		rm -rf "$P/unzipped" && mkdir -p "$P/unzipped"
		# shellcheck disable=SC2016 # expanded by the inner bash
		measure unzip "$P" bash -c 'unzip_all "$1" "$2"' _ "$P/unzipped" "$P/zips.txt" || true
		corpus_rm "$P/unzipped"
		d=$(fresh)
		replaced_ok=true
		measure gmo-replace "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --yes || replaced_ok=false

		# verify: the module cache against go.sum vs the replace-mode tree against go.sum and the
		# lock; hashing: the same files through sha256sum
		measure go-verify "$src" go mod verify || true
		if $replaced_ok; then
			measure gmo-replace-again "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --yes || true
			measure gmo-verify "$d" "$GOMODOFF" verify || true
			# shellcheck disable=SC2016 # expanded by the inner bash
			measure sha256sum "$d" bash -c 'sha256_tree "$1"' _ "$d/third_party/gomod" || true
			measure gmo-restore "$d" "$GOMODOFF" restore --yes || true
		else
			for n in gmo-replace-again gmo-verify sha256sum gmo-restore; do not_run "$n"; done
		fi

		# proxy mode, then again with nothing changed
		d=$(fresh)
		if measure gmo-proxy "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode proxy --yes; then
			measure gmo-proxy-again "$d" "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode proxy --yes || true
		else
			not_run gmo-proxy-again
		fi
	done

	# The vendor-mode output must be identical to go's.
	if [[ -d $P/ref-vendored/vendor && -d $P/gmo-vendored/vendor ]] &&
		diff -r "$P/ref-vendored/vendor" "$P/gmo-vendored/vendor" >"$P/logs/vendor.diff" 2>&1; then
		identical=true
	fi

	local go_vendor gmo_vendor gmo_first gmo_replace gmo_proxy gmo_verify sha gmo_restore
	go_vendor=$(best go-vendor)
	gmo_vendor=$(best gmo-vendor)
	gmo_first=$(best gmo-first)
	gmo_replace=$(best gmo-replace)
	gmo_proxy=$(best gmo-proxy)
	gmo_verify=$(best gmo-verify)
	sha=$(best sha256sum)
	gmo_restore=$(best gmo-restore)
	echo
	echo "bench: $project, $modules modules in the build list, $zips zips, best of $runs, $CORES cores"
	printf "%-8s %-28s %8s %8s   %-34s %8s %8s   %9s %9s\n" "" "reference" "s" "MiB" "gomodoff" "s" "MiB" \
		"s ratio" "MiB ratio"
	row vendor "go mod vendor" "$go_vendor" "vendor --mode vendor" "$gmo_vendor"
	row "(first)" "go mod vendor" "$go_vendor" "vendor --mode vendor, a 1st run" "$gmo_first"
	row "(again)" "vendor --mode vendor, a 1st run" "$gmo_first" "the same again, no change" "$(best gmo-vendor-again)"
	row verify "go mod verify" "$(best go-verify)" "verify (replace mode)" "$gmo_verify"
	row hash "sha256sum, 1 process" "$sha" "verify (replace mode), $CORES cores" "$gmo_verify"
	row extract "unzip -q ($zips zips)" "$(best unzip)" "vendor (replace mode)" "$gmo_replace"
	row replace "go mod vendor" "$go_vendor" "vendor (replace mode)" "$gmo_replace"
	row "(again)" "vendor (replace mode), 1st run" "$(first gmo-replace)" "the same again, no change" "$(best gmo-replace-again)"
	row proxy "go mod vendor" "$go_vendor" "vendor --mode proxy" "$gmo_proxy"
	row "(again)" "vendor --mode proxy, 1st run" "$(first gmo-proxy)" "the same again, no change" "$(best gmo-proxy-again)"
	row restore "vendor (replace mode)" "$gmo_replace" "restore (replace mode)" "$gmo_restore"
	printf "runs (s, in order):"
	for n in go-vendor gmo-first gmo-vendor gmo-vendor-again go-verify gmo-verify sha256sum unzip gmo-replace \
		gmo-replace-again gmo-proxy gmo-proxy-again gmo-restore; do
		printf " %s %s;" "$n" "$(awk '{ printf "%s%s", sep, ($3 == 0 ? $1 : "FAIL"); sep = "/" }' "$P/$n.runs")"
	done
	echo
	if $identical; then
		echo "vendor mode: identical to go mod vendor"
	else
		echo "vendor mode: DIFFERS from go mod vendor"
		echo "$NAME: vendor mode DIFFERS from go mod vendor" >>"$SUMMARY"
		failed=true
		if [[ -s $P/logs/vendor.diff ]]; then
			grep -E '^(Only in|diff -r)' "$P/logs/vendor.diff" | head -n 10 | sed "s|$P/||g; s/^/  | /"
		fi
	fi
	for n in gmo-vendor gmo-vendor-again gmo-replace gmo-replace-again gmo-verify gmo-proxy \
		gmo-proxy-again gmo-restore; do
		if [[ $(best "$n") == FAIL ]]; then
			failed=true
			last=$(find "$P/logs" -name "$n.*" -printf '%T@ %p\n' | sort -n | tail -n1 | cut -d' ' -f2-)
			if [[ -n $last ]]; then
				echo "$n failed (last lines of its output):"
				tail -n 4 "$last" | cut -c1-200 | sed 's/^/  | /'
			else
				echo "$n not run (what it needed failed)"
			fi
		fi
	done
	target "vendor mode vs go mod vendor" "$go_vendor" "$gmo_vendor" 0.33
	target "vendor mode's first run vs go mod vendor" "$go_vendor" "$gmo_first" 1.0
	target "replace mode vs go mod vendor" "$go_vendor" "$gmo_replace" 1.0
	target "vendor mode, no-change re-run vs its first run" "$gmo_first" "$(best gmo-vendor-again)" 0.02
	target "replace mode, no-change re-run vs its first run" "$(first gmo-replace)" "$(best gmo-replace-again)" 0.02
	target "proxy mode, no-change re-run vs its first run" "$(first gmo-proxy)" "$(best gmo-proxy-again)" 0.02
	target "restore vs the replace-mode vendor it undoes" "$gmo_replace" "$gmo_restore" 0.2
	target "verify vs go mod verify" "$(best go-verify)" "$gmo_verify" 0.15
	# Throughput per core ≥ 0.7 × sha256sum's: verify's time ≤ sha256sum's ÷ (0.7 × cores).
	target "verify vs sha256sum of the same files (0.7 of its throughput per core, $CORES cores)" \
		"$sha" "$gmo_verify" "$(awk -v c="$CORES" 'BEGIN { printf "%.3f", 1 / (0.7 * c) }')"
	memory_target
	# Only the copies kept for the diff are large; the rest is removed as it goes.
	corpus_rm "$P/ref-vendored" "$P/gmo-vendored" "$P/copy"
}

for project in "${projects[@]}"; do
	bench_project "$project"
done

echo
echo "summary: ${#projects[@]} projects"
cat "$SUMMARY"
! $failed
