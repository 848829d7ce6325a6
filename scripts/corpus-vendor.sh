#!/usr/bin/env bash
# corpus-vendor.sh — run `gomodoff vendor` on real projects and prove the result with the real go.
#
# For each project of scripts/projects.txt (or those named): fetch its source (itself a module),
# `go mod download` everything into a warm module cache and record `go list -m all`; then
#   replace mode (default): `gomodoff vendor --yes`, then, with a NEW empty module cache,
#     GOPROXY=off GOSUMDB=off GOFLAGS='-mod=readonly -modcacherw': `go list -m all` must equal the
#     recorded build list (path and version), `go build ./...` must pass, and `gomodoff check`
#     must pass. Ends with `N/N built offline`.
#   vendor mode: real `go mod vendor` in one copy, `gomodoff vendor --mode vendor --yes` in
#     another, `diff -r` of the two vendor/ trees. Ends with `N/N identical`.
# Prints per project the modules in the build list and the time gomodoff took.
# Exit 0 when every project passes, 1 otherwise, 2 on a setup error.
#
# Networked (through the go command only); never run by CI or `cargo test`.
#
# Usage: scripts/corpus-vendor.sh [--mode replace|vendor] [--vet] [--modcache DIR] [--keep DIR]
#                                 [--gomodoff FILE] [project...]
#   --vet       replace mode: also run `go vet ./...` offline
#   project     module@version, or a module path (or its last element) from projects.txt;
#               default: every listed project

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

corpus_parse_common "$@"
mode=replace
vet=false
projects=()
set -- ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"}
while (($#)); do
	case "$1" in
	--mode)
		[[ $# -ge 2 ]] || die "--mode needs replace or vendor"
		mode=$2
		shift 2
		;;
	--mode=*)
		mode=${1#*=}
		shift
		;;
	--vet)
		vet=true
		shift
		;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*)
		projects+=("$(corpus_resolve "$1")")
		shift
		;;
	esac
done
[[ $mode == replace || $mode == vendor ]] || die "--mode must be replace or vendor, not $mode"
if ((${#projects[@]} == 0)); then
	mapfile -t projects < <(corpus_projects)
fi

corpus_setup

# tail_of FILE — the last lines of a failing step's output, indented.
tail_of() {
	tail -n 15 "$1" | sed 's/^/    | /'
}

# offline CMD... — runs CMD with no network and a new empty module cache.
offline() {
	env GOPROXY=off GOSUMDB=off GONOSUMDB= GOPRIVATE= GONOPROXY= \
		GOFLAGS='-mod=readonly -modcacherw' GOMODCACHE="$offline_cache" GOPATH="$offline_gopath" \
		"$@"
}

# run_replace NAME SRC — replace mode for one project; prints `ok` or `FAIL <why>`.
run_replace() {
	local name=$1 src=$2 dir="$SCRATCH/run/$1" logs="$WORK/logs/$1" t
	corpus_copy "$src" "$dir"
	t=$(now)
	if ! (cd "$dir" && "$GOMODOFF" --modcache "$GOMODCACHE" vendor --yes) </dev/null >"$logs.vendor" 2>&1; then
		echo "  gomodoff vendor: $(elapsed "$t")s"
		echo "  FAIL gomodoff vendor exited non-zero"
		tail_of "$logs.vendor"
		return 1
	fi
	echo "  gomodoff vendor: $(elapsed "$t")s ($(du -sh "$dir" | cut -f1) tree)"

	offline_cache="$SCRATCH/offline/$name/modcache"
	offline_gopath="$SCRATCH/offline/$name/gopath"
	mkdir -p "$offline_cache" "$offline_gopath"
	if ! (cd "$dir" && offline go list -m -f '{{.Path}} {{.Version}}' all) </dev/null \
		>"$logs.list" 2>"$logs.list.err"; then
		echo "  FAIL offline go list -m all"
		tail_of "$logs.list.err"
		return 1
	fi
	sort "$logs.list" >"$logs.list.sorted"
	if ! diff -u "$logs.buildlist" "$logs.list.sorted" >"$logs.list.diff"; then
		echo "  FAIL offline build list differs ($(grep -c '^[-+][^-+]' "$logs.list.diff") lines)"
		tail_of "$logs.list.diff"
		return 1
	fi
	t=$(now)
	if ! (cd "$dir" && offline go build ./...) </dev/null >"$logs.build" 2>&1; then
		echo "  FAIL offline go build ./..."
		tail_of "$logs.build"
		return 1
	fi
	echo "  offline go build ./...: $(elapsed "$t")s"
	if $vet; then
		t=$(now)
		if ! (cd "$dir" && offline go vet ./...) </dev/null >"$logs.vet" 2>&1; then
			echo "  FAIL offline go vet ./..."
			tail_of "$logs.vet"
			return 1
		fi
		echo "  offline go vet ./...: $(elapsed "$t")s"
	fi
	t=$(now)
	if ! (cd "$dir" && offline "$GOMODOFF" check) </dev/null >"$logs.check" 2>&1; then
		echo "  FAIL gomodoff check"
		tail_of "$logs.check"
		return 1
	fi
	echo "  gomodoff check: $(elapsed "$t")s"
	return 0
}

# run_vendor NAME SRC — vendor mode for one project.
run_vendor() {
	local name=$1 src=$2 ref="$SCRATCH/run/$1.go" ours="$SCRATCH/run/$1.gomodoff" logs="$WORK/logs/$1" t
	corpus_copy "$src" "$ref"
	corpus_copy "$src" "$ours"
	t=$(now)
	if ! (cd "$ref" && go mod vendor) </dev/null >"$logs.govendor" 2>&1; then
		echo "  FAIL go mod vendor (the reference) failed"
		tail_of "$logs.govendor"
		return 1
	fi
	echo "  go mod vendor: $(elapsed "$t")s"
	t=$(now)
	if ! (cd "$ours" && "$GOMODOFF" --modcache "$GOMODCACHE" vendor --mode vendor --yes) </dev/null \
		>"$logs.vendor" 2>&1; then
		echo "  gomodoff vendor --mode vendor: $(elapsed "$t")s"
		echo "  FAIL gomodoff vendor --mode vendor exited non-zero"
		tail_of "$logs.vendor"
		return 1
	fi
	echo "  gomodoff vendor --mode vendor: $(elapsed "$t")s"
	if [[ ! -d $ref/vendor && ! -d $ours/vendor ]]; then
		return 0
	fi
	if ! diff -r "$ref/vendor" "$ours/vendor" >"$logs.diff" 2>&1; then
		echo "  FAIL vendor/ differs: $(grep -c '^Only in' "$logs.diff") only on one side," \
			"$(grep -c '^diff -r' "$logs.diff") files differ"
		grep -E '^(Only in|diff -r|Binary)' "$logs.diff" | head -n 20 | sed "s|$SCRATCH/run/||g; s/^/    | /"
		if grep -q '^diff -r .*modules.txt' "$logs.diff"; then
			echo "    modules.txt:"
			diff "$ref/vendor/modules.txt" "$ours/vendor/modules.txt" | head -n 20 | sed 's/^/    | /'
		fi
		return 1
	fi
	return 0
}

mkdir -p "$WORK/src" "$WORK/logs" "$SCRATCH/run" "$SCRATCH/offline"
passed=0
total=0
failed=()
for mv in "${projects[@]}"; do
	name=$(echo "${mv%@*}" | tr '/' '_')
	total=$((total + 1))
	echo "$mv"
	src="$WORK/src/$name"
	t=$(now)
	if ! corpus_fetch_project "$mv" "$src" </dev/null >"$WORK/logs/$name.fetch" 2>&1; then
		echo "  FAIL cannot fetch the project (go mod download)"
		tail_of "$WORK/logs/$name.fetch"
		failed+=("$mv")
		continue
	fi
	if ! corpus_build_list "$src" </dev/null >"$WORK/logs/$name.buildlist" 2>"$WORK/logs/$name.buildlist.err"; then
		echo "  FAIL go list -m all (online) failed"
		tail_of "$WORK/logs/$name.buildlist.err"
		failed+=("$mv")
		continue
	fi
	echo "  modules in the build list: $(wc -l <"$WORK/logs/$name.buildlist") (fetched in $(elapsed "$t")s)"
	if "run_$mode" "$name" "$src"; then
		echo "  ok"
		passed=$((passed + 1))
	else
		failed+=("$mv")
	fi
	# Keep the disk use of one run bounded: the copies are not needed any more.
	chmod -R u+w "$SCRATCH/run" "$SCRATCH/offline" 2>/dev/null || true
	rm -rf "$SCRATCH/run/$name" "$SCRATCH/run/$name".* "$SCRATCH/offline/$name"
done

if ((${#failed[@]})); then
	echo "failed: ${failed[*]}"
fi
if [[ $mode == replace ]]; then
	echo "$passed/$total built offline"
else
	echo "$passed/$total identical"
fi
((passed == total)) || exit 1
