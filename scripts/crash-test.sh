#!/usr/bin/env bash
# crash-test.sh — the random half of the crash harness (tests/it/crash.rs is the deterministic half,
# with a kill at every fault point): real SIGKILLs of `gomodoff vendor` (replace, vendor and proxy
# mode, with user edits in the repository and a user-owned vendor/ in vendor mode) and of
# `gomodoff restore`, most of them inside the transaction (the kill waits for
# `.gomodoff-txn/journal.toml` to appear, then a random part of the time the transaction took when
# measured), some at a random moment of the whole run; in about half of the cases left with a
# journal, the run that repairs it (`vendor` or `restore`) is SIGKILLed too, during its rollback.
# Then each case is checked:
#   - the repair alone (`restore` whose own transaction fails at `journal`, GOMODOFF_FAIL_AT, so
#     it changes nothing after the repair) leaves the repository byte-exactly as before the killed
#     command or as after it (paths, file bytes, modes, link targets);
#   - nothing of the user's is lost: the go.mod comment, their files and script, and in vendor
#     mode their patched and added vendor/ files (in vendor/ or in gomodoff's backup of it);
#   - nothing is left over: .gomodoff-txn, .gomodoff-staging, .gomodoff-tmp-*, empty directories;
#   - a final clean `vendor` or `restore` gives what it gives from a clean "before" or "after"
#     (a leftover that clean run leaves too is counted as "known", not as the crash's), and
#     `gomodoff verify` passes wherever something is vendored.
# Prints a summary table. Exit 0 when every case is clean, 1 on any lost, leftover or wrong case,
# 2 on a setup error.
#
# Hermetic by default: the repositories are made from the test fixtures (testdata/projects:
# legacy116, and cgo for proxy mode) with a GOPROXY=file:// tree of testdata/modules. --project
# takes a real project from the Go module proxy instead (networked, through the go command only).
# Never run by CI or `cargo test`.
#
# Usage: scripts/crash-test.sh [-n N] [--seed S] [--gomodoff FILE] [--keep DIR]
#                              [--project NAME|MODULE@VERSION [--bump MODULE@VERSION]]
#   -n N           cases (default 300)
#   --seed S       seed of the random choices (default: random; printed, to repeat a run)
#   --gomodoff F   use this binary instead of building it with `cargo build --release`
#   --keep DIR     copy the repository of every failed case into DIR, with its log
#   --project P    a project of scripts/projects.txt or any module@version (networked)
#   --bump M@V     with --project: add the "over an older layout" scenario, re-vendoring after
#                  `go get M@V` (the fixtures use example.com/multi@v1.2.0)

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

cases=300
seed=$((RANDOM * 32768 + RANDOM))
keep=""
project=""
bump=""
corpus_parse_common "$@"
set -- ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"}
while (($#)); do
	case "$1" in
	-n)
		[[ $# -ge 2 ]] || die "-n needs a number"
		cases=$2
		shift 2
		;;
	--seed)
		[[ $# -ge 2 ]] || die "--seed needs a number"
		seed=$2
		shift 2
		;;
	--project)
		[[ $# -ge 2 ]] || die "--project needs a name or module@version"
		project=$2
		shift 2
		;;
	--bump)
		[[ $# -ge 2 ]] || die "--bump needs module@version"
		bump=$2
		shift 2
		;;
	-h | --help) usage ;;
	*) die "unknown argument $1" ;;
	esac
done
[[ $cases =~ ^[0-9]+$ ]] || die "-n must be a number"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a number"
keep=$CORPUS_KEEP # --keep (parsed by lib.sh) names where failed cases go
[[ -n $project ]] && project=$(corpus_resolve "$project")
[[ -z $project && -n $bump ]] && die "--bump goes with --project"
RANDOM=$seed

command -v go >/dev/null || die "go is not installed"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-crash.XXXXXX")
trap corpus_cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -------------------------------------------------------------------------------------

target=$(cd "$CORPUS_ROOT" && cargo metadata --format-version 1 --no-deps --locked |
	sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
[[ -n $target ]] || target=$CORPUS_ROOT/target
if [[ -n $CORPUS_GOMODOFF ]]; then
	GOMODOFF=$(cd "$(dirname "$CORPUS_GOMODOFF")" && pwd)/$(basename "$CORPUS_GOMODOFF")
	[[ -n $project ]] || (cd "$CORPUS_ROOT" && cargo build --release --locked --quiet --example fixture_proxy) >&2
else
	log "cargo build --release"
	(cd "$CORPUS_ROOT" && cargo build --release --locked --quiet --bin gomodoff --example fixture_proxy) >&2
	GOMODOFF=$target/release/gomodoff
fi
[[ -x $GOMODOFF ]] || die "no gomodoff binary at $GOMODOFF"
log "gomodoff: $GOMODOFF ($("$GOMODOFF" --version))"

# A sleep without a fork (read from a pipe nobody writes, with a timeout), for polling.
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
now_us() { echo "${EPOCHREALTIME/./}"; }
# rand_below N — a random integer in [0, N).
rand_below() { echo $(((RANDOM * 32768 + RANDOM) % ($1 > 0 ? $1 : 1))); }
seconds() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# A private go environment; gomodoff's own cache too.
mkdir -p "$WORK/home/.config/go/telemetry" "$WORK/gopath" "$WORK/modcache" "$WORK/gocache"
echo off >"$WORK/home/.config/go/telemetry/mode"
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/.config XDG_CACHE_HOME=$WORK/home/.cache
export GOENV=off GOTOOLCHAIN=local GOWORK=off GOFLAGS=-modcacherw
export GOPATH=$WORK/gopath GOMODCACHE=$WORK/modcache GOCACHE=$WORK/gocache
export GOMODOFF_CACHE=$WORK/gomodoff-cache
unset GOMODOFF_ABORT_AT GOMODOFF_FAIL_AT GOMODOFF_FAULT_TRACE
if [[ -z $project ]]; then
	"$target/release/examples/fixture_proxy" "$CORPUS_ROOT/testdata/modules" "$WORK/proxy" >/dev/null
	export GOPROXY=file://$WORK/proxy GOSUMDB=off GONOSUMDB= GOPRIVATE= GONOPROXY= GOINSECURE=
	bump=example.com/multi@v1.2.0
fi

# gmo DIR ARGS... — gomodoff on the repository DIR.
gmo() {
	local dir=$1
	shift
	"$GOMODOFF" --modcache "$GOMODCACHE" -q -C "$dir" "$@"
}

# gmo_start LOG DIR ARGS... — gmo in the background, its output appended to LOG; sets pid to the
# gomodoff process itself (a function run with `&` would be a subshell, and the kill would miss).
gmo_start() {
	local log=$1 dir=$2
	shift 2
	"$GOMODOFF" --modcache "$GOMODCACHE" -q -C "$dir" "$@" >>"$log" 2>&1 &
	pid=$!
}

# sum_of FILE — its SHA-256, or nothing when it is missing.
sum_of() {
	[[ -f $1 ]] && sha256sum <"$1" | cut -d' ' -f1
}

# snap DIR — every path with its type, mode and link target, then every file's SHA-256.
snap() {
	(
		cd "$1" &&
			find . -mindepth 1 -printf '%y %m %p %l\n' | LC_ALL=C sort &&
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
	)
}

# strays DIR — what a crash may leave that a repair must clear, one relative path a line.
strays() {
	(cd "$1" && find . -mindepth 1 \( -name .gomodoff-txn -o -name .gomodoff-staging \
		-o -name '.gomodoff-tmp-*' -o \( -type d -empty \) \) -prune -print)
}

# --- the scenarios ------------------------------------------------------------------------------

# user_edits DIR TAG — a go.mod comment not committed, a notes file, an executable script.
user_edits() {
	local dir=$1 tag=$2
	{ echo "// $tag: a note of the user's, not committed"; cat "$dir/go.mod"; } >"$dir/go.mod.new"
	mv "$dir/go.mod.new" "$dir/go.mod"
	echo "# $tag" >"$dir/NOTES-$tag.md"
	printf '#!/bin/sh\necho hi\n' >"$dir/tools-$tag.sh"
	chmod 755 "$dir/tools-$tag.sh"
}

# user_lost DIR TAGS USERVENDOR — prints what of the user's is missing in DIR.
user_lost() {
	local dir=$1 tag rel sum
	for tag in $2; do
		grep -qxF "// $tag: a note of the user's, not committed" "$dir/go.mod" 2>/dev/null ||
			echo "go.mod comment ($tag)"
		[[ $(cat "$dir/NOTES-$tag.md" 2>/dev/null) == "# $tag" ]] || echo "NOTES-$tag.md"
		[[ -x $dir/tools-$tag.sh ]] || echo "tools-$tag.sh"
	done
	[[ -n $3 ]] || return 0
	while read -r sum rel; do
		[[ $(sum_of "$dir/vendor/$rel") == "$sum" ||
			$(sum_of "$dir/.gomodoff/vendor-backup/vendor/$rel") == "$sum" ]] ||
			echo "vendor/$rel"
	done <"$3"
}

S_NAME=() S_DIR=() S_CMD=() S_VENDOR=() S_TAGS=() S_USERV=()
add_scenario() { # NAME DIR CMD VENDOR TAGS USERVENDOR
	S_NAME+=("$1") S_DIR+=("$2") S_CMD+=("$3") S_VENDOR+=("$4") S_TAGS+=("$5") S_USERV+=("$6")
}

P=$WORK/pristine
mkdir -p "$P"
base_of() { # NAME DEST — a fixture project, or the --project, with go.sum and the module cache
	if [[ -n $project ]]; then
		corpus_fetch_project "$project" "$2" >&2 || die "cannot fetch $project"
	else
		cp -R "$CORPUS_ROOT/testdata/projects/$1" "$2"
		(cd "$2" && go mod tidy 2>/dev/null) || die "go mod tidy failed in $1"
	fi
	user_edits "$2" user
}
log "preparing the repositories"
base_of legacy116 "$P/base"
if [[ -n $project ]]; then cp -a "$P/base" "$P/small"; else base_of cgo "$P/small"; fi
REPLACE="vendor --yes" VMODE="vendor --mode vendor --yes" PMODE="vendor --mode proxy --yes"
vendoring=() # the scenarios whose vendored state `restore` is tried on
cp -a "$P/base" "$P/replace"
add_scenario "replace" "$P/replace" "$REPLACE" "$REPLACE" "user" ""
vendoring+=($((${#S_NAME[@]} - 1)))
if [[ -n $bump ]]; then
	cp -a "$P/base" "$P/update"
	gmo "$P/update" $REPLACE || die "vendor before the bump failed"
	(cd "$P/update" && go get "$bump" 2>/dev/null) || die "go get $bump failed"
	add_scenario "replace, older layout" "$P/update" "$REPLACE" "$REPLACE" "user" ""
fi
cp -a "$P/base" "$P/owned"
(cd "$P/owned" && go mod vendor) || die "go mod vendor failed"
patched=$(cd "$P/owned/vendor" && find . -name '*.go' -type f | LC_ALL=C sort | head -n1)
patched=${patched#./}
[[ -n $patched ]] || die "go mod vendor wrote no .go file"
echo "// patched by the user" >>"$P/owned/vendor/$patched"
echo "the user's own notes" >"$P/owned/vendor/NOTES.txt"
for rel in "$patched" NOTES.txt; do
	echo "$(sum_of "$P/owned/vendor/$rel") $rel"
done >"$P/owned.user-vendor"
add_scenario "vendor mode, user vendor/" "$P/owned" "$VMODE" "$VMODE" "user" "$P/owned.user-vendor"
vendoring+=($((${#S_NAME[@]} - 1)))
cp -a "$P/small" "$P/proxy"
add_scenario "proxy mode" "$P/proxy" "$PMODE" "$PMODE" "user" ""
vendoring+=($((${#S_NAME[@]} - 1)))
# restore of each mode, from its vendored state with one more user edit made since.
for s in "${vendoring[@]}"; do
	d=$P/restore-$s
	cp -a "${S_DIR[s]}" "$d"
	gmo "$d" ${S_CMD[s]} >/dev/null || die "${S_CMD[s]} failed in ${S_NAME[s]}"
	user_edits "$d" later
	add_scenario "restore of ${S_NAME[s]%%,*}" "$d" "restore --yes" "${S_CMD[s]}" "user later" "${S_USERV[s]}"
done
N_SCEN=${#S_NAME[@]}

# --- references and timings -------------------------------------------------------------------

set +e # from here on the runs may fail (and be killed) on purpose: every check is explicit

REF=$WORK/ref
mkdir -p "$REF"
T_JOURNAL=() T_TXN=() T_TOTAL=() T_ROLLBACK=()
# timed_run DIR CMD — runs it in the background, polling: sets t_journal (µs from the start until
# journal.toml appeared; 0 if never seen), t_total, run_status.
timed_run() {
	local dir=$1 start pid
	start=$(now_us)
	t_journal=0
	: >"$WORK/timed_run.log"
	gmo_start "$WORK/timed_run.log" "$dir" $2
	while kill -0 "$pid" 2>/dev/null; do
		if ((t_journal == 0)) && [[ -e $dir/.gomodoff-txn/journal.toml ]]; then
			t_journal=$(($(now_us) - start))
		fi
		nap 0.0005
	done
	run_status=0
	wait "$pid" || run_status=$?
	t_total=$(($(now_us) - start))
}
log "reference runs"
for ((s = 0; s < N_SCEN; s++)); do
	snap "${S_DIR[s]}" >"$REF/$s.before"
	d=$REF/$s.after.dir
	cp -a "${S_DIR[s]}" "$d"
	timed_run "$d" "${S_CMD[s]}"
	((run_status == 0)) || die "${S_NAME[s]}: ${S_CMD[s]} failed: $(cat "$WORK/timed_run.log")"
	snap "$d" >"$REF/$s.after"
	cmp -s "$REF/$s.before" "$REF/$s.after" && die "${S_NAME[s]}: the command changed nothing"
	T_TOTAL[s]=$t_total
	T_JOURNAL[s]=$t_journal
	# The transaction: from the journal to the end (when the poll missed it, the last fifth).
	if ((t_journal > 0)); then T_TXN[s]=$((t_total - t_journal)); else T_TXN[s]=$((t_total / 5)); fi
	for from in before after; do
		src=${S_DIR[s]}
		[[ $from == after ]] && src=$d
		for cmd in vendor restore; do
			x=$REF/$s.$from.$cmd.dir
			cp -a "$src" "$x"
			if [[ $cmd == vendor ]]; then gmo "$x" ${S_VENDOR[s]} >/dev/null 2>&1; else gmo "$x" restore --yes >/dev/null 2>&1; fi
			snap "$x" >"$REF/$s.$from.$cmd"
			rm -rf "$x"
		done
	done
	# How long a repairing run takes to finish a rollback: kill as soon as the journal is there,
	# then time `restore` until journal.toml is gone.
	x=$REF/$s.calibrate
	cp -a "${S_DIR[s]}" "$x"
	gmo_start /dev/null "$x" ${S_CMD[s]}
	until [[ -e $x/.gomodoff-txn/journal.toml ]] || ! kill -0 "$pid" 2>/dev/null; do nap 0.0002; done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	T_ROLLBACK[s]=20000
	if [[ -e $x/.gomodoff-txn/journal.toml ]]; then
		start=$(now_us)
		gmo_start /dev/null "$x" restore --yes
		while [[ -e $x/.gomodoff-txn/journal.toml ]] && kill -0 "$pid" 2>/dev/null; do nap 0.0002; done
		T_ROLLBACK[s]=$(($(now_us) - start))
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$x"
	printf '== %-28s run %6.1f ms, journal after %6.1f ms, rollback within %6.1f ms\n' "${S_NAME[s]}" \
		"$(seconds "${T_TOTAL[s]}")e3" "$(seconds "${T_JOURNAL[s]}")e3" "$(seconds "${T_ROLLBACK[s]}")e3" >&2
done

# --- the cases ------------------------------------------------------------------------------------

declare -A C # counters: C[<scenario>,<what>]
count() { C[$1,$2]=$((${C[$1,$2]:-0} + 1)); }
CASE=$WORK/case
fail_log=$WORK/failures.log
: >"$fail_log"
started=$(now_us)
D_MAX=("${T_TXN[@]}") # the longest delay after the journal appeared, adapted as cases run
log "$cases cases, seed $seed"
for ((i = 1; i <= cases; i++)); do
	s=$(rand_below "$N_SCEN")
	rm -rf "$CASE"
	cp -a "${S_DIR[s]}" "$CASE"
	log_case=$WORK/case.log
	echo "case $i: ${S_NAME[s]}: ${S_CMD[s]}" >"$log_case"
	count "$s" cases

	# The kill: mostly inside the transaction, sometimes anywhere in the run.
	start=$(now_us)
	gmo_start "$log_case" "$CASE" ${S_CMD[s]}
	in_txn_mode=false
	if (($(rand_below 100) < 85)); then
		in_txn_mode=true
		until [[ -e $CASE/.gomodoff-txn/journal.toml ]] || ! kill -0 "$pid" 2>/dev/null; do nap 0.0002; done
		delay=$(rand_below $((D_MAX[s] + 1)))
		how="journal + $(seconds "$delay")s"
	else
		delay=$(rand_below $((T_TOTAL[s] * 6 / 5 + 1)))
		how="start + $(seconds "$delay")s"
	fi
	nap "$(seconds "$delay")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	st=$?
	echo "first kill at $how: status $st" >>"$log_case"
	if ((st != 137)); then
		count "$s" finished
		# Too late: aim earlier next time (the measured time includes the process's exit).
		$in_txn_mode && D_MAX[s]=$((D_MAX[s] * 3 / 4 + 100))
	elif [[ -e $CASE/.gomodoff-txn ]]; then
		count "$s" in_txn
		$in_txn_mode && ((D_MAX[s] < 2 * T_TXN[s])) && D_MAX[s]=$((D_MAX[s] * 21 / 20 + 100))
	else
		count "$s" outside
	fi

	# Sometimes the run that repairs it is killed too, during its rollback.
	repairing=${S_VENDOR[s]}
	(($(rand_below 2) == 0)) && repairing="restore --yes"
	if [[ -e $CASE/.gomodoff-txn/journal.toml ]] && (($(rand_below 100) < 50)); then
		gmo_start "$log_case" "$CASE" $repairing
		delay=$(rand_below $((T_ROLLBACK[s] + 1)))
		nap "$(seconds "$delay")"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		st=$?
		echo "second kill ($repairing) at start + $(seconds "$delay")s: status $st" >>"$log_case"
		if ((st == 137)); then
			count "$s" double
			[[ -e $CASE/.gomodoff-txn ]] && count "$s" double_in_txn
		fi
	fi

	# The repair alone, then the checks.
	problem="" lost="" left=""
	out=$(GOMODOFF_FAIL_AT=journal gmo "$CASE" restore --yes 2>&1)
	echo "repair: $out" >>"$log_case"
	grep -q panicked <<<"$out" && problem+="the repair panicked; "
	lost=$(user_lost "$CASE" "${S_TAGS[s]}" "${S_USERV[s]}")
	left=$(strays "$CASE")
	snap "$CASE" >"$WORK/state"
	from=""
	if cmp -s "$WORK/state" "$REF/$s.before"; then
		from=before
	elif cmp -s "$WORK/state" "$REF/$s.after"; then
		from=after
	elif [[ -n $left ]]; then
		# Equal to one of them but for the leftovers?
		grep -vF -f <(sed 's|^\./||' <<<"$left") "$WORK/state" >"$WORK/state.clean"
		grep -vF -f <(sed 's|^\./||' <<<"$left") "$REF/$s.before" | cmp -s - "$WORK/state.clean" ||
			grep -vF -f <(sed 's|^\./||' <<<"$left") "$REF/$s.after" | cmp -s - "$WORK/state.clean" ||
			problem+="after the repair neither before nor after; "
	else
		problem+="after the repair neither before nor after; "
	fi
	echo "repaired to: ${from:-?}" >>"$log_case"

	# The final clean run.
	if [[ -n $from && -z $lost && -z $left ]]; then
		final=${S_VENDOR[s]} ref=vendor
		(($(rand_below 2) == 0)) && final="restore --yes" ref=restore
		gmo "$CASE" $final >>"$log_case" 2>&1
		snap "$CASE" >"$WORK/state"
		cmp -s "$WORK/state" "$REF/$s.$from.$ref" ||
			problem+="the final \`$final\` gave another result than from a clean $from; "
		while read -r p; do
			[[ -z $p ]] && continue
			if grep -qF -- " $p " "$REF/$s.$from.$ref"; then
				count "$s" known
				echo "known leftover (a clean run leaves it too): $p" >>"$log_case"
			else
				left+="$p (after the final run)"$'\n'
			fi
		done < <(strays "$CASE")
		if [[ -e $CASE/gomodoff.lock ]]; then
			gmo "$CASE" verify >>"$log_case" 2>&1 || problem+="verify failed; "
		fi
	fi

	if [[ -n $lost ]]; then
		count "$s" lost
	elif [[ -n $left ]]; then
		count "$s" leftovers
	fi
	[[ -n $problem ]] && count "$s" wrong
	if [[ -z $lost && -z $left && -z $problem ]]; then
		count "$s" clean
	else
		{
			cat "$log_case"
			[[ -n $lost ]] && echo "LOST: $lost"
			[[ -n $left ]] && echo "LEFT: $left"
			[[ -n $problem ]] && echo "WRONG: $problem"
			echo
		} >>"$fail_log"
		if [[ -n $keep ]]; then
			mkdir -p "$keep"
			cp -a "$CASE" "$keep/case-$i"
			cp "$log_case" "$keep/case-$i.log"
		fi
	fi
done

# --- summary --------------------------------------------------------------------------------------

cols=(cases in_txn outside finished double double_in_txn clean known lost leftovers wrong)
heads=(cases "killed in txn" "killed outside" "finished first" "double kills" "in rollback" clean known lost leftovers wrong)
printf '\n%-28s' "scenario"
for h in "${heads[@]}"; do printf ' %14s' "$h"; done
echo
declare -A T
for ((s = 0; s < N_SCEN; s++)); do
	printf '%-28s' "${S_NAME[s]}"
	for c in "${cols[@]}"; do
		v=${C[$s,$c]:-0}
		T[$c]=$((${T[$c]:-0} + v))
		printf ' %14s' "$v"
	done
	echo
done
printf '%-28s' "total"
for c in "${cols[@]}"; do printf ' %14s' "${T[$c]:-0}"; done
echo
echo
echo "seed $seed, $cases cases in $(seconds $(($(now_us) - started)))s; project: ${project:-test fixtures}"
echo "killed in txn: .gomodoff-txn present after the SIGKILL; finished first: the run ended before"
echo "the kill; in rollback: the second SIGKILL left .gomodoff-txn; known: a leftover the same"
echo "command leaves from a clean state too (not the crash's doing)"
bad=$((${T[lost]:-0} + ${T[leftovers]:-0} + ${T[wrong]:-0}))
if ((bad > 0)); then
	echo
	echo "FAILED: $bad cases; their logs:"
	cat "$fail_log"
	exit 1
fi
