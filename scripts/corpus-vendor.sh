#!/usr/bin/env bash
# corpus-vendor.sh — run gomodoff on real projects, starting from a module cache as a developer
# has it, and prove every result with the real go.
#
# For each project of scripts/projects.txt (or those named): fetch its source (itself a module),
# record its build list (`go list -m all`, in the shared cache only), and prepare its DEVELOPER
# CACHE: a new empty GOMODCACHE filled only by `go mod download` (no arguments) and
# `go list -deps -test ./...` — never `go list -m all`, never `go mod download all`. Then, all
# from that cache (OFFLINE below = GOPROXY=off or the printed file:// tree, GOSUMDB=off,
# GOFLAGS=-mod=readonly, a NEW empty GOMODCACHE):
#   vendor   `GOPROXY=off go mod vendor` and `gomodoff vendor --mode vendor --yes` on two copies:
#            both succeed and vendor/ is identical (`diff -r`), or both fail (go itself cannot
#            vendor offline from that cache; recorded as such). Ends with `N/N identical`.
#   replace  `gomodoff vendor --yes`, then OFFLINE `go list -deps -test ./...`, `go build ./...`,
#            `gomodoff check`; and `go list -m all` equals the build list whenever go itself can
#            list it offline from the developer cache. Ends with `N/N built offline`.
#            Then the sizes to commit: bytes and files of the slim tree directory (the default),
#            of `gomodoff vendor --whole`'s, and of `go mod vendor`'s vendor/ (from the vendor
#            step), with slim ÷ vendor/; a project of ≥ 100 modules must stay ≤ 3× in both
#            (`N/N slim ≤ 3× vendor/`).
#   proxy    `gomodoff vendor --mode proxy --yes`, then OFFLINE with `gomodoff env`:
#            `go list -deps -test ./...` and `go build ./...`. Ends with `N/N built offline`.
#   pack     `gomodoff pack`, `gomodoff unpack b.zip --to DIR` (another path), then OFFLINE with
#            the printed environment on an untouched copy: `go list -deps -test ./...` and
#            `go build ./...` (`bundle: N/N built offline`). Then the same project with a
#            POLLUTED CACHE (a copy of the developer cache plus another project's
#            `go mod download` and look-alike modules: prefix-path modules such as
#            cloud.google.com/go next to cloud.google.com/go/storage with their zips, `a` next to
#            `a/v2`, newer versions of graph modules): the bundle's sha256 must be the same
#            (`N/N same sha256`), and so must, byte for byte, the replace-mode result (tree,
#            gomodoff.lock, go.mod, go.sum), the proxy tree and vendor/ of each mode run.
# Prints one summary table per project and the totals.
# Exit 0 when every check passes, 1 otherwise, 2 on a setup error.
#
# Networked (through the go command only); never run by CI or `cargo test`. Offline builds reuse
# the build cache: with --keep DIR every path they compile from is stable across reruns.
#
# Usage: scripts/corpus-vendor.sh [--mode MODES] [--vet] [--no-pollute] [--modcache DIR]
#                                 [--keep DIR] [--gomodoff FILE] [project...]
#   --mode MODES  comma-separated: replace, vendor, proxy, pack, or all (the default)
#   --vet         replace mode: also run `go vet ./...` offline
#   --no-build    offline proofs list packages (`go list -deps -test ./...`) but build nothing,
#                 and `gomodoff check` is skipped: for a quick size table; not a proof of the build
#   --no-pollute  skip the polluted-cache comparisons
#   --modcache    the shared cache for project sources and build lists (never a developer cache;
#                 those are kept in the temp dir, or under --keep DIR/devcache)
#   project       module@version, or a module path (or its last element) from projects.txt;
#                 default: every listed project

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

corpus_parse_common "$@"
modes_arg=all
vet=false
build=true
pollute=true
projects=()
set -- ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"}
while (($#)); do
	case "$1" in
	--mode)
		[[ $# -ge 2 ]] || die "--mode needs replace, vendor, proxy, pack or all"
		modes_arg=$2
		shift 2
		;;
	--mode=*)
		modes_arg=${1#*=}
		shift
		;;
	--vet)
		vet=true
		shift
		;;
	--no-build)
		build=false
		shift
		;;
	--no-pollute)
		pollute=false
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
declare -A want=()
IFS=, read -r -a mode_list <<<"$modes_arg"
for m in "${mode_list[@]}"; do
	case "$m" in
	all) want=([vendor]=1 [replace]=1 [proxy]=1 [pack]=1) ;;
	vendor | replace | proxy | pack) want[$m]=1 ;;
	*) die "--mode takes replace, vendor, proxy, pack or all (comma-separated), not $m" ;;
	esac
done
((${#want[@]})) || die "--mode names no mode"
if ((${#projects[@]} == 0)); then
	mapfile -t projects < <(corpus_projects)
fi

corpus_setup
CORPUS_CACHE_RECIPE="go mod download; go list -deps -test ./..."
if [[ -n $CORPUS_KEEP ]]; then
	CACHES="$(cd "$CORPUS_KEEP" && pwd)/devcache"
else
	CACHES="$WORK/devcache"
fi
mkdir -p "$CACHES"

# tail_of FILE — the last lines of a failing step's output, indented.
tail_of() {
	tail -n 15 "$1" | sed 's/^/    | /'
}

# offline DIR ENVFILE CMD... — runs CMD in DIR with no network: the `export K=V` lines ENVFILE
# holds (what gomodoff printed: GOPROXY, GOSUMDB, GOFLAGS, …; read as data, not run), a new empty
# module cache, and GOPROXY=off unless ENVFILE names a file:// tree. Refuses an ENVFILE that
# would reach a server.
offline() {
	local dir=$1 envfile=$2 line k v proxy=off flags=-mod=readonly
	shift 2
	local vars=()
	while IFS= read -r line; do
		[[ $line =~ ^export\ ([A-Z0-9_]+)=(.*)$ ]] || continue
		k=${BASH_REMATCH[1]}
		v=${BASH_REMATCH[2]}
		v=${v#\'}
		v=${v%\'}
		case $k in
		GOPROXY) proxy=$v ;;
		GOFLAGS) flags=$v ;;
		GOMODCACHE | GOPATH) ;;
		*) vars+=("$k=$v") ;;
		esac
	done <"$envfile"
	case $proxy in
	off | file://*) ;;
	*)
		echo "the printed environment sets GOPROXY=$proxy, which is not offline" >&2
		return 3
		;;
	esac
	corpus_rm "$offline_cache"
	mkdir -p "$offline_cache" "$offline_gopath"
	(cd "$dir" && env -u GONOSUMDB -u GOPRIVATE -u GONOPROXY -u GOINSECURE \
		${vars[@]+"${vars[@]}"} GOPROXY="$proxy" GOSUMDB=off GOFLAGS="$flags -modcacherw" \
		GOMODCACHE="$offline_cache" GOPATH="$offline_gopath" "$@") </dev/null
}

# go_offline_checks NAME DIR ENVFILE TAG — OFFLINE `go list -deps -test ./...` and
# `go build ./...` in DIR; sets note (the time) or fail_why.
go_offline_checks() {
	local name=$1 dir=$2 envfile=$3 logs="$WORK/logs/$1.$4" t
	t=$(now)
	if ! offline "$dir" "$envfile" go list -deps -test ./... >"$logs.listdeps" 2>&1; then
		fail_why="offline go list -deps -test ./... failed"
		tail_of "$logs.listdeps"
		return 1
	fi
	if ! $build; then
		note="list $(elapsed "$t")s (no build: --no-build)"
		return 0
	fi
	if ! offline "$dir" "$envfile" go build ./... >"$logs.build" 2>&1; then
		fail_why="offline go build ./... failed"
		tail_of "$logs.build"
		return 1
	fi
	note="list+build $(elapsed "$t")s"
}

# step_vendor NAME SRC — go mod vendor vs gomodoff vendor --mode vendor, same developer cache.
step_vendor() {
	local name=$1 src=$2 ref="$SCRATCH/run/$1.go" ours="$SCRATCH/run/$1.vendor" logs="$WORK/logs/$1" t go_ok=true ours_ok=true
	corpus_copy "$src" "$ref"
	corpus_copy "$src" "$ours"
	t=$(now)
	(cd "$ref" && GOPROXY=off GOMODCACHE=$devcache go mod vendor) </dev/null >"$logs.govendor" 2>&1 || go_ok=false
	local tg
	tg=$(elapsed "$t")
	t=$(now)
	"$GOMODOFF" -C "$ours" --modcache "$devcache" vendor --mode vendor --yes </dev/null >"$logs.vendor" 2>&1 || ours_ok=false
	note="go ${tg}s, gomodoff $(elapsed "$t")s"
	if ! $go_ok && ! $ours_ok; then
		note="both fail offline: go: $(grep -m1 -E '^go: |error' "$logs.govendor" | cut -c1-100)"
		return 3
	fi
	if ! $go_ok; then
		fail_why="go mod vendor fails offline on this cache but gomodoff succeeds"
		tail_of "$logs.govendor"
		return 1
	fi
	if ! $ours_ok; then
		fail_why="gomodoff vendor --mode vendor failed; GOPROXY=off go mod vendor succeeds"
		tail_of "$logs.vendor"
		return 1
	fi
	if [[ ! -d $ref/vendor && ! -d $ours/vendor ]]; then
		note="$note; no vendor/ on either side"
		return 0
	fi
	if ! diff -r "$ref/vendor" "$ours/vendor" >"$logs.vendor.diff" 2>&1; then
		fail_why="vendor/ differs: $(grep -c '^Only in' "$logs.vendor.diff") only on one side, $(grep -c '^diff -r' "$logs.vendor.diff") files differ"
		grep -E '^(Only in|diff -r|Binary)' "$logs.vendor.diff" | head -n 20 | sed "s|$SCRATCH/run/||g; s/^/    | /"
		if grep -q '^diff -r .*modules.txt' "$logs.vendor.diff"; then
			echo "    modules.txt:"
			diff "$ref/vendor/modules.txt" "$ours/vendor/modules.txt" | head -n 20 | sed 's/^/    | /'
		fi
		return 1
	fi
	note="$note; $(grep -c '^# ' "$ours/vendor/modules.txt") modules"
}

# step_replace NAME SRC — replace mode, then the offline proofs.
step_replace() {
	local name=$1 src=$2 dir="$SCRATCH/run/$1.replace" logs="$WORK/logs/$1" t
	corpus_copy "$src" "$dir"
	t=$(now)
	if ! "$GOMODOFF" -C "$dir" --modcache "$devcache" vendor --yes </dev/null >"$logs.replace" 2>&1; then
		fail_why="gomodoff vendor exited non-zero"
		tail_of "$logs.replace"
		return 1
	fi
	local tv
	tv=$(elapsed "$t")
	"$GOMODOFF" -C "$dir" env </dev/null >"$logs.replace.env" 2>"$logs.replace.env.err" || {
		fail_why="gomodoff env failed"
		tail_of "$logs.replace.env.err"
		return 1
	}
	go_offline_checks "$name" "$dir" "$logs.replace.env" replace || return 1
	local built=$note
	# The build list, where go itself can list it offline from the developer cache.
	local listed
	if offline "$dir" "$logs.replace.env" go list -m -f '{{.Path}} {{.Version}}' all >"$logs.list" 2>"$logs.list.err"; then
		sort "$logs.list" >"$logs.list.sorted"
		if ! diff -u "$logs.buildlist" "$logs.list.sorted" >"$logs.list.diff"; then
			fail_why="offline go list -m all differs from the build list ($(grep -c '^[-+][^-+]' "$logs.list.diff") lines)"
			tail_of "$logs.list.diff"
			return 1
		fi
		listed="list -m all same"
	elif (cd "$src" && GOPROXY=off GOMODCACHE=$devcache GOFLAGS=-mod=readonly go list -m all) </dev/null >/dev/null 2>&1; then
		fail_why="offline go list -m all fails, though go lists it offline from the developer cache"
		tail_of "$logs.list.err"
		return 1
	else
		listed="list -m all: n/a (go cannot either)"
	fi
	if $vet; then
		if ! offline "$dir" "$logs.replace.env" go vet ./... >"$logs.vet" 2>&1; then
			fail_why="offline go vet ./... failed"
			tail_of "$logs.vet"
			return 1
		fi
		listed="$listed; vet ok"
	fi
	t=$(now)
	if ! $build; then
		note="vendor ${tv}s; $built; $listed; $(du -sh "$dir" | cut -f1)"
		return 0
	fi
	if ! offline "$dir" /dev/null "$GOMODOFF" check >"$logs.check" 2>&1; then
		fail_why="gomodoff check failed"
		tail_of "$logs.check"
		return 1
	fi
	note="vendor ${tv}s; $built; check $(elapsed "$t")s; $listed; $(du -sh "$dir" | cut -f1)"
}

# size_of DIR — "<bytes> <files>" of everything below DIR (apparent sizes), or "- -".
size_of() {
	if [[ -d $1 ]]; then
		echo "$(du -sb "$1" | cut -f1) $(find "$1" -type f | wc -l)"
	else
		echo "- -"
	fi
}

# human BYTES — MiB with one decimal.
human() {
	[[ $1 == - ]] && { echo -; return; }
	awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}

# step_sizes NAME SRC — the slim tree (left by step_replace), a whole one, and go's vendor/ (left
# by step_vendor): sizes_row holds the figures, sizes_ok whether slim stays within 3× vendor/.
step_sizes() {
	local name=$1 src=$2 whole="$SCRATCH/run/$1.whole" logs="$WORK/logs/$1" sb sf wb wf vb vf
	read -r sb sf < <(size_of "$SCRATCH/run/$name.replace/third_party/gomod")
	corpus_copy "$src" "$whole"
	if "$GOMODOFF" -C "$whole" --modcache "$devcache" vendor --whole --yes </dev/null >"$logs.whole" 2>&1; then
		read -r wb wf < <(size_of "$whole/third_party/gomod")
	else
		wb=- wf=-
	fi
	corpus_rm "$whole"
	read -r vb vf < <(size_of "$SCRATCH/run/$name.go/vendor")
	local ratio="-" modules
	modules=$(wc -l <"$logs.buildlist")
	sizes_ok=true
	sizes_measured=false
	if [[ $sb != - && $vb != - ]]; then
		sizes_measured=true
		ratio=$(awk -v sb="$sb" -v vb="$vb" -v sf="$sf" -v vf="$vf" 'BEGIN { printf "%.2f× bytes, %.2f× files", sb / vb, sf / vf }')
		if ((modules >= 100)) && awk -v sb="$sb" -v vb="$vb" -v sf="$sf" -v vf="$vf" 'BEGIN { exit !(sb > 3 * vb || sf > 3 * vf) }'; then
			sizes_ok=false
		fi
	fi
	sizes_row="slim $(human "$sb") $sf files; whole $(human "$wb") $wf files; vendor/ $(human "$vb") $vf files; slim÷vendor/ $ratio"
	sizes_summary+=("$(printf '%-52s %12s %7s %12s %7s %12s %7s  %s' "$mv" "$(human "$sb")" "$sf" "$(human "$wb")" "$wf" "$(human "$vb")" "$vf" "$ratio$($sizes_ok || echo '  OVER 3×')")")
}

# step_proxy NAME SRC — proxy mode, then the offline proofs with `gomodoff env`.
step_proxy() {
	local name=$1 src=$2 dir="$SCRATCH/run/$1.proxy" logs="$WORK/logs/$1" t
	corpus_copy "$src" "$dir"
	t=$(now)
	if ! "$GOMODOFF" -C "$dir" --modcache "$devcache" vendor --mode proxy --yes </dev/null >"$logs.proxy" 2>&1; then
		fail_why="gomodoff vendor --mode proxy exited non-zero"
		tail_of "$logs.proxy"
		return 1
	fi
	local tv
	tv=$(elapsed "$t")
	"$GOMODOFF" -C "$dir" env </dev/null >"$logs.proxy.env" 2>"$logs.proxy.env.err" || {
		fail_why="gomodoff env failed"
		tail_of "$logs.proxy.env.err"
		return 1
	}
	grep -q '^export GOPROXY=file://' "$logs.proxy.env" || {
		fail_why="gomodoff env printed no GOPROXY=file://"
		tail_of "$logs.proxy.env"
		return 1
	}
	go_offline_checks "$name" "$dir" "$logs.proxy.env" proxy || return 1
	note="vendor ${tv}s; $note; $(find "$dir/.gomodoff/proxy" -name '*.zip' | wc -l) zips"
}

# step_pack NAME SRC — pack, unpack --to another path, build an untouched copy with the printed env.
step_pack() {
	local name=$1 src=$2 dir="$SCRATCH/run/$1.pack" build="$SCRATCH/run/$1.bundle" tree="$SCRATCH/bundles/$1.tree"
	local logs="$WORK/logs/$1" t
	corpus_copy "$src" "$dir"
	t=$(now)
	if ! "$GOMODOFF" -C "$dir" --modcache "$devcache" pack -o "$SCRATCH/bundles/$name.dev.zip" </dev/null >"$logs.pack" 2>&1; then
		fail_why="gomodoff pack exited non-zero"
		tail_of "$logs.pack"
		return 1
	fi
	pack_sha=$(sha256sum "$SCRATCH/bundles/$name.dev.zip" | cut -d' ' -f1)
	local tp
	tp=$(elapsed "$t")
	corpus_rm "$tree"
	if ! "$GOMODOFF" -q unpack "$SCRATCH/bundles/$name.dev.zip" --to "$tree" </dev/null >"$logs.unpack.env" 2>"$logs.unpack.err"; then
		fail_why="gomodoff unpack --to exited non-zero"
		tail_of "$logs.unpack.err"
		return 1
	fi
	grep -q '^export GOPROXY=file://' "$logs.unpack.env" || {
		fail_why="gomodoff unpack printed no GOPROXY=file://"
		tail_of "$logs.unpack.env"
		return 1
	}
	corpus_copy "$src" "$build"
	go_offline_checks "$name" "$build" "$logs.unpack.env" bundle || return 1
	note="pack ${tp}s, $(stat -c %s "$SCRATCH/bundles/$name.dev.zip") bytes; $note"
}

# step_polluted NAME SRC OTHER — the same runs from the polluted cache; compares bytes.
# Sets poll_res[KIND] for pack, replace, proxy, vendor (the modes that ran).
step_polluted() {
	local name=$1 src=$2 other=$3 logs="$WORK/logs/$1" pc="$CACHES/$1.polluted" d
	if ! corpus_polluted_cache "$devcache" "$pc" "$logs.buildlist" "$other" >"$logs.pollute" 2>&1; then
		for k in pack replace proxy vendor; do poll_res[$k]="FAIL cannot prepare the polluted cache"; done
		tail_of "$logs.pollute"
		return
	fi
	poll_counts=$(corpus_cache_counts "$pc")
	if [[ -n ${want[pack]:-} && -n $pack_sha ]]; then
		d="$SCRATCH/run/$name.ppack"
		corpus_copy "$src" "$d"
		if "$GOMODOFF" -C "$d" --modcache "$pc" pack -o "$SCRATCH/bundles/$name.polluted.zip" </dev/null >"$logs.ppack" 2>&1; then
			local sha
			sha=$(sha256sum "$SCRATCH/bundles/$name.polluted.zip" | cut -d' ' -f1)
			if [[ $sha == "$pack_sha" ]]; then
				poll_res[pack]="ok ${sha:0:16}"
			else
				poll_res[pack]="FAIL sha256 ${pack_sha:0:16} vs ${sha:0:16}"
				diff <(unzip -Z1 "$SCRATCH/bundles/$name.dev.zip" | sort) \
					<(unzip -Z1 "$SCRATCH/bundles/$name.polluted.zip" | sort) | head -n 10 | sed 's/^/    | /'
			fi
		else
			poll_res[pack]="FAIL gomodoff pack failed"
			tail_of "$logs.ppack"
		fi
	fi
	local kind mode_args
	for kind in replace proxy vendor; do
		[[ -n ${want[$kind]:-} && ${res[$kind]:-} == ok ]] || continue
		d="$SCRATCH/run/$name.p$kind"
		corpus_copy "$src" "$d"
		mode_args=(--mode "$kind")
		if "$GOMODOFF" -C "$d" --modcache "$pc" vendor "${mode_args[@]}" --yes </dev/null >"$logs.p$kind" 2>&1; then
			if diff -r "$SCRATCH/run/$name.$kind" "$d" >"$logs.p$kind.diff" 2>&1; then
				poll_res[$kind]="ok same bytes"
			else
				poll_res[$kind]="FAIL differs: $(grep -c '^Only in' "$logs.p$kind.diff") only on one side, $(grep -c '^diff -r' "$logs.p$kind.diff") files differ"
				grep -E '^(Only in|diff -r|Binary)' "$logs.p$kind.diff" | head -n 10 | sed "s|$SCRATCH/run/||g; s/^/    | /"
			fi
		else
			poll_res[$kind]="FAIL gomodoff vendor --mode $kind failed"
			tail_of "$logs.p$kind"
		fi
	done
}

mkdir -p "$WORK/src" "$WORK/logs" "$SCRATCH/run" "$SCRATCH/offline" "$SCRATCH/bundles"
declare -A pass=() agree_fail=()
steps=(vendor replace proxy pack)
total=0
failed=()
summary=()
sizes_summary=()
# Another project whose `go mod download` pollutes the cache: the one after it in projects.txt
# (cyclic; the first listed one for a project not listed).
mapfile -t listed < <(corpus_projects)
other_of() {
	local i
	for i in "${!listed[@]}"; do
		if [[ ${listed[$i]} == "$1" ]]; then
			echo "${listed[$(((i + 1) % ${#listed[@]}))]}"
			return
		fi
	done
	echo "${listed[0]:-}"
}
for mv in "${projects[@]}"; do
	name=$(echo "${mv%@*}" | tr '/' '_')
	total=$((total + 1))
	echo "$mv"
	src="$WORK/src/$name"
	logs="$WORK/logs/$name"
	devcache="$CACHES/$name"
	offline_cache="$SCRATCH/offline/$name/modcache"
	offline_gopath="$SCRATCH/offline/$name/gopath"
	declare -A res=() notes=() poll_res=()
	pack_sha=""
	t=$(now)
	if ! corpus_fetch_source "$mv" "$src" </dev/null >"$logs.fetch" 2>&1; then
		echo "  FAIL cannot fetch the project"
		tail_of "$logs.fetch"
		failed+=("$mv")
		continue
	fi
	if ! corpus_build_list "$src" </dev/null >"$logs.buildlist" 2>"$logs.buildlist.err"; then
		echo "  FAIL go list -m all (online, shared cache) failed"
		tail_of "$logs.buildlist.err"
		failed+=("$mv")
		continue
	fi
	if ! corpus_dev_cache "$src" "$devcache" </dev/null >"$logs.devcache" 2>&1; then
		echo "  FAIL cannot prepare the developer cache"
		tail_of "$logs.devcache"
		failed+=("$mv")
		continue
	fi
	echo "  build list: $(wc -l <"$logs.buildlist") modules; developer cache: $(corpus_cache_counts "$devcache") (ready in $(elapsed "$t")s)"
	ok=true
	for s in "${steps[@]}"; do
		[[ -n ${want[$s]:-} ]] || continue
		note="" fail_why=""
		rc=0
		"step_$s" "$name" "$src" || rc=$?
		case $rc in
		0)
			res[$s]=ok
			pass[$s]=$((${pass[$s]:-0} + 1))
			;;
		3)
			res[$s]="ok (both fail)"
			pass[$s]=$((${pass[$s]:-0} + 1))
			agree_fail[$s]=$((${agree_fail[$s]:-0} + 1))
			;;
		*)
			res[$s]="FAIL $fail_why"
			ok=false
			;;
		esac
		notes[$s]=$note
		if [[ $s == replace && $rc == 0 ]]; then
			step_sizes "$name" "$src"
			if ! $sizes_ok; then
				ok=false
			elif $sizes_measured; then
				pass[sizes]=$((${pass[sizes]:-0} + 1))
			fi
			$sizes_measured && pass[measured]=$((${pass[measured]:-0} + 1))
		fi
		if [[ $s == pack ]]; then
			res[bundle]=${res[pack]}
			res[pack]=$([[ -n $pack_sha ]] && echo "ok ${pack_sha:0:16}" || echo "FAIL")
		fi
	done
	if $pollute; then
		other=$(other_of "$mv")
		othersrc=""
		if [[ -n $other && $other != "$mv" ]]; then
			othersrc="$WORK/src/$(echo "${other%@*}" | tr '/' '_').other"
			corpus_fetch_source "$other" "$othersrc" </dev/null >>"$logs.pollute" 2>&1 || othersrc=""
		fi
		step_polluted "$name" "$src" "$othersrc"
		for k in "${!poll_res[@]}"; do
			[[ ${poll_res[$k]} == ok* ]] || ok=false
		done
	fi
	# The table.
	printf '  %-9s %-48s %s\n' step result detail
	row() { printf '  %-9s %-48s %s\n' "$1" "${2:0:48}" "$3"; }
	[[ -z ${want[vendor]:-} ]] || row vendor "${res[vendor]:-} (vs go mod vendor)" "${notes[vendor]:-}"
	[[ -z ${want[replace]:-} ]] || row replace "${res[replace]:-}" "${notes[replace]:-}"
	[[ -z ${want[replace]:-} || -z ${sizes_row:-} ]] || row sizes "$($sizes_ok && echo ok || echo 'FAIL slim tree over 3× vendor/')" "$sizes_row"
	sizes_row=""
	[[ -z ${want[proxy]:-} ]] || row proxy "${res[proxy]:-}" "${notes[proxy]:-}"
	if [[ -n ${want[pack]:-} ]]; then
		row pack "${res[pack]:-}" ""
		row bundle "${res[bundle]:-}" "${notes[pack]:-}"
	fi
	if $pollute; then
		for k in pack replace proxy vendor; do
			[[ -z ${poll_res[$k]:-} ]] || row "$k" "polluted: ${poll_res[$k]}" "$([[ $k == pack ]] && echo "${poll_counts:-}, other: ${other:-none}")"
		done
	fi
	for k in vendor replace proxy bundle pack; do
		[[ ${res[$k]:-ok} == ok* ]] || echo "  $k: ${res[$k]}"
	done
	# Totals.
	[[ ${res[bundle]:-} == ok* ]] && pass[bundle]=$((${pass[bundle]:-0} + 1))
	[[ ${poll_res[pack]:-} == ok* ]] && pass[sha]=$((${pass[sha]:-0} + 1))
	for k in replace proxy vendor; do
		[[ ${poll_res[$k]:-} == ok* ]] && pass[p$k]=$((${pass[p$k]:-0} + 1))
	done
	if $ok; then
		echo "  ok"
	else
		failed+=("$mv")
	fi
	# A mode not run has no result (set -u): print "-".
	cell() { local v=${1:--}; echo "${v:0:9}"; }
	summary+=("$(printf '%-52s %-9s %-9s %-9s %-9s %-9s %s' "$mv" \
		"$(cell "${res[vendor]:-}")" "$(cell "${res[replace]:-}")" "$(cell "${res[proxy]:-}")" "$(cell "${res[bundle]:-}")" \
		"$(cell "${poll_res[pack]:-}")" "$([[ ${poll_res[replace]:-} == ok* && ${poll_res[proxy]:-ok} == ok* && ${poll_res[vendor]:-ok} == ok* ]] && echo same || cell "${poll_res[replace]:-}")")")
	unset res notes poll_res
	# Keep the disk use of one run bounded: the copies are not needed any more.
	corpus_rm "$SCRATCH/run/$name".* "$SCRATCH/offline/$name" "$SCRATCH/bundles/$name".*
done

echo
printf '%-52s %-9s %-9s %-9s %-9s %-9s %s\n' project vendor replace proxy bundle sha256 "polluted trees"
printf '%s\n' "${summary[@]}"
echo
if ((${#failed[@]})); then
	echo "failed: ${failed[*]}"
fi
if [[ -n ${want[vendor]:-} ]]; then
	extra=""
	((${agree_fail[vendor]:-0} == 0)) || extra=" (${agree_fail[vendor]} where GOPROXY=off go mod vendor fails on the developer cache and gomodoff fails too)"
	echo "vendor: ${pass[vendor]:-0}/$total identical$extra"
fi
if [[ -n ${want[replace]:-} ]]; then
	echo "replace: ${pass[replace]:-0}/$total $($build && echo "built offline" || echo "listed offline (--no-build)")"
	if ((${#sizes_summary[@]})); then
		echo
		printf '%-52s %12s %7s %12s %7s %12s %7s  %s\n' "sizes to commit" slim files whole files vendor/ files "slim ÷ vendor/"
		printf '%s\n' "${sizes_summary[@]}"
		if ((${pass[measured]:-0})); then
			echo "replace: ${pass[sizes]:-0}/${pass[measured]} slim ≤ 3× vendor/ (required for ≥ 100 modules)"
		else
			echo "replace: slim ÷ vendor/ not measured (the vendor step makes vendor/: --mode vendor,replace)"
		fi
	fi
fi
[[ -z ${want[proxy]:-} ]] || echo "proxy: ${pass[proxy]:-0}/$total built offline"
[[ -z ${want[pack]:-} ]] || echo "bundle: ${pass[bundle]:-0}/$total built offline"
if $pollute; then
	[[ -z ${want[pack]:-} ]] || echo "pack: ${pass[sha]:-0}/$total same sha256 (developer cache vs polluted cache)"
	for k in replace proxy vendor; do
		[[ -z ${want[$k]:-} ]] || echo "$k from the polluted cache: ${pass[p$k]:-0}/$total same bytes"
	done
fi
((${#failed[@]} == 0)) || exit 1
