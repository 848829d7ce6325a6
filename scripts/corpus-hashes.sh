#!/usr/bin/env bash
# corpus-hashes.sh — compare gomodoff's h1: hashes with the go command's on real modules.
#
# Collects the module versions named by zip lines in the go.sum of the projects listed in
# scripts/projects.txt, downloads them with `go mod download -json`, and for each one checks
#   gomodoff hash --zip  <Zip> --module m@v   against Sum
#   gomodoff hash --dir  <Dir> --module m@v   against Sum
#   gomodoff hash --gomod <GoMod>             against GoModSum
# Prints every mismatch and ends with `zip: N/N equal`, `dir: N/N equal`, `go.mod: N/N equal`.
# Exit 0 when all are equal, 1 on any mismatch, 2 on a setup error.
#
# Networked (through the go command only); never run by CI or `cargo test`.
#
# Usage: scripts/corpus-hashes.sh [--limit N | --all] [--modcache DIR] [--keep DIR]
#                                 [--gomodoff FILE] [project...]
#   --limit N   compare N module versions, spread evenly over the sorted set (default 300)
#   --all       compare every module version found
#   project     module@version, or a module path (or its last element) from projects.txt;
#               default: every listed project

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

corpus_parse_common "$@"
limit=300
projects=()
set -- ${CORPUS_ARGS[@]+"${CORPUS_ARGS[@]}"}
while (($#)); do
	case "$1" in
	--limit)
		[[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || die "--limit needs a number"
		limit=$2
		shift 2
		;;
	--all)
		limit=0
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
if ((${#projects[@]} == 0)); then
	mapfile -t projects < <(corpus_projects)
fi

corpus_setup
cd "$WORK"

# 1. The projects' own go.sum files (the project modules alone, not their dependencies).
log "reading go.sum of ${#projects[@]} projects"
: >"$WORK/all.txt"
while IFS=$'\t' read -r path version _ dir _ _ _ err; do
	if [[ -n $err ]]; then
		echo "skip project $path@$version: $err" >&2
		continue
	fi
	echo "$path $version" >>"$WORK/all.txt"
	if [[ -f $dir/go.sum ]]; then
		awk '$2 !~ /\/go\.mod$/ && NF == 3 { print $1, $2 }' "$dir/go.sum" >>"$WORK/all.txt"
	fi
done < <(corpus_download_json "${projects[@]}")
sort -u "$WORK/all.txt" >"$WORK/distinct.txt"
found=$(wc -l <"$WORK/distinct.txt")
if ((limit > 0 && found > limit)); then
	awk -v n="$found" -v k="$limit" 'int((NR - 1) * k / n) != int(NR * k / n)' \
		"$WORK/distinct.txt" >"$WORK/selected.txt"
else
	cp "$WORK/distinct.txt" "$WORK/selected.txt"
fi
selected=$(wc -l <"$WORK/selected.txt")
log "$found distinct module versions found, $selected selected"

# 2. Download them all (the go command checks each against the checksum database).
log "go mod download -json ($selected modules)"
mapfile -t args < <(awk '{ print $1 "@" $2 }' "$WORK/selected.txt")
corpus_download_json "${args[@]}" >"$WORK/downloaded.tsv"

# 3. Compare.
last_field() {
	awk 'NF { f = $NF } END { print f }'
}

declare -A total=([zip]=0 [dir]=0 [go.mod]=0) equal=([zip]=0 [dir]=0 [go.mod]=0)
skipped=0
mismatches=0
shown=0
report() { # kind module want got detail
	mismatches=$((mismatches + 1))
	if ((shown < 50)); then
		printf 'MISMATCH %-6s %s: go %s, gomodoff %s%s\n' "$1" "$2" "$3" "$4" "${5:+ ($5)}"
		shown=$((shown + 1))
	elif ((shown == 50)); then
		echo "(further mismatches not shown)"
		shown=$((shown + 1))
	fi
}
compare() { # kind module want gomodoff-args...
	local kind=$1 mv=$2 want=$3 out got detail=""
	shift 3
	total[$kind]=$((total[$kind] + 1))
	if out=$("$GOMODOFF" hash "$@" </dev/null 2>"$WORK/err"); then
		got=$(last_field <<<"$out")
	else
		got="(exit $?)"
		detail=$(head -n1 "$WORK/err")
	fi
	if [[ $got == "$want" ]]; then
		equal[$kind]=$((equal[$kind] + 1))
	else
		report "$kind" "$mv" "$want" "$got" "$detail"
	fi
}

start=$(now)
while IFS=$'\t' read -r path version zip dir gomod sum gomodsum err; do
	mv="$path@$version"
	if [[ -n $err || -z $sum || -z $gomodsum ]]; then
		echo "skip $mv: ${err:-go gave no hash}"
		skipped=$((skipped + 1))
		continue
	fi
	compare zip "$mv" "$sum" --zip "$zip" --module "$mv"
	compare dir "$mv" "$sum" --dir "$dir" --module "$mv"
	compare go.mod "$mv" "$gomodsum" --gomod "$gomod"
done <"$WORK/downloaded.tsv"

echo "compared ${total[zip]} module versions ($skipped skipped) in $(elapsed "$start")s"
((total[zip] >= 200)) || echo "warning: fewer than 200 module versions compared"
echo "zip: ${equal[zip]}/${total[zip]} equal"
echo "dir: ${equal[dir]}/${total[dir]} equal"
echo "go.mod: ${equal[go.mod]}/${total[go.mod]} equal"
((mismatches == 0)) || exit 1
