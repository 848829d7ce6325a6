#!/usr/bin/env bash
# Time and peak memory of gomodoff as a module graph grows (issue #15), hermetic: the graphs are
# made by scripts/scale-gen.sh (no network).
#
#   scripts/scale.sh [-n "500 1000 2000 5000"] [--file-mb MB] [--big K] [--fanout F]
#                    [--commands "…"] [--gomodoff FILE] [--keep DIR]
#
# For each N, a graph of N modules is generated, then each command runs on a fresh copy of its
# main module, under `/usr/bin/time` (GNU time). Prints one table: N, then seconds and peak RSS
# (MiB) per command, and the bundle's size. Commands (default: all):
#   replace vendor proxy   `gomodoff vendor --mode …` from the module cache
#   pack                   `gomodoff pack` (the bundle the commands below read)
#   unpack-tree            `gomodoff unpack BUNDLE --to DIR`
#   unpack-modcache        `gomodoff unpack BUNDLE --into-modcache DIR`
#   mirror mirror-verify   `gomodoff mirror DIR`, then `gomodoff mirror --verify DIR`
#   from-bundle            `gomodoff --from BUNDLE vendor --mode vendor`
# (unpack-*, from-bundle read pack's bundle, and mirror-verify mirror's tree: list those first.)
# Time and memory should grow at most linearly in N. A multi-GB bundle from few modules, for
# peak memory: `scripts/scale.sh -n 8 --file-mb 400 --commands "pack unpack-tree mirror"`.
# Everything is written under a temp dir (or --keep DIR, kept), removed at the end; each graph is
# removed once measured.
# Exit 0 when every run succeeded, 1 when one failed (the table is printed, `fail` in its cells),
# 2 on a usage error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

sizes="500 1000 2000 5000" file_mb=0 big=-1 fanout=2 keep="" gomodoff=""
commands="replace vendor proxy pack unpack-tree unpack-modcache mirror mirror-verify from-bundle"
while (($#)); do
	case "$1" in
	-n) sizes=${2:?-n needs sizes}; shift 2 ;;
	--file-mb) file_mb=${2:?--file-mb needs a number}; shift 2 ;;
	--big) big=${2:?--big needs a number}; shift 2 ;;
	--fanout) fanout=${2:?--fanout needs a number}; shift 2 ;;
	--commands) commands=${2:?--commands needs a list}; shift 2 ;;
	--gomodoff) gomodoff=${2:?--gomodoff needs a file}; shift 2 ;;
	--keep) keep=${2:?--keep needs a directory}; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument \`$1\` (see --help)" ;;
	esac
done
[[ -x /usr/bin/time ]] && /usr/bin/time -f %M true 2>/dev/null ||
	die "needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)"
command -v go >/dev/null || die "needs go (https://go.dev/dl/) on PATH"

if [[ -z $gomodoff ]]; then
	(cd "$root" && cargo build --release --quiet)
	gomodoff="$root/target/release/gomodoff"
fi
# Each command runs in its own directory: the binary by an absolute path.
[[ -f $gomodoff && -x $gomodoff ]] || die "--gomodoff $gomodoff: not an executable file"
gomodoff=$(cd "$(dirname "$gomodoff")" && pwd)/$(basename "$gomodoff")
if [[ -n $keep ]]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/gomodoff-scale.XXXXXX")
fi
cleanup() {
	if [[ -z $keep ]]; then
		chmod -R u+w "$work" 2>/dev/null || true
		rm -rf "$work"
	fi
}
trap cleanup EXIT
export TMPDIR="$work/tmp" GOMODOFF_CACHE="$work/gomodoff-cache"
mkdir -p "$TMPDIR"

# measure NAME DIR ARGS… — runs gomodoff in DIR; appends "seconds MiB" to the row, or "fail".
row="" failed=false
measure() {
	local name=$1 dir=$2 t="$work/time"
	shift 2
	if (cd "$dir" && /usr/bin/time -f '%e %M' -o "$t" "$gomodoff" -q "$@" >"$work/$name.out" 2>&1); then
		row+=$(awk '{ printf " %11.2f %6.0f", $1, $2 / 1024 }' "$t")
	else
		echo "$(basename "$0"): \`gomodoff $*\` failed (N=$n):" >&2
		tail -5 "$work/$name.out" >&2
		row+=$(printf " %11s %6s" fail fail)
		failed=true
	fi
}

header=$(printf '%6s' N)
for c in $commands; do
	header+=$(printf " %18s" "$c s/MiB")
done
header+=$(printf ' %10s' bundle)
lines=()
for n in $sizes; do
	g="$work/graph-$n"
	"$root/scripts/scale-gen.sh" --out "$g" -n "$n" --fanout "$fanout" --file-mb "$file_mb" \
		--big "$big" 2>&1 | grep -v '^go: downloading' >&2
	# shellcheck disable=SC1091
	. "$g/env"
	bundle="$g/bundle.zip"
	row=$(printf '%6s' "$n")
	for c in $commands; do
		repo="$g/repo-$c"
		cp -r "$g/main" "$repo"
		case "$c" in
		replace | vendor | proxy) measure "$c" "$repo" vendor --mode "$c" --yes ;;
		pack) measure "$c" "$repo" pack -o "$bundle" ;;
		unpack-tree) measure "$c" "$repo" unpack "$bundle" --to "$g/unpacked" ;;
		unpack-modcache) measure "$c" "$repo" unpack "$bundle" --into-modcache "$g/modcache-b" ;;
		mirror) measure "$c" "$repo" mirror "$g/mirror" ;;
		mirror-verify) measure "$c" "$repo" mirror --verify "$g/mirror" ;;
		from-bundle) measure "$c" "$repo" --from "$bundle" vendor --mode vendor --yes ;;
		*) die "unknown command \`$c\`" ;;
		esac
		chmod -R u+w "$repo" && rm -rf "$repo"
	done
	size=$(stat -c %s "$bundle" 2>/dev/null || echo 0)
	row+=$(printf ' %10s' "$(numfmt --to=iec "$size")")
	lines+=("$row")
	printf '%s\n%s\n' "$header" "$row" >&2
	chmod -R u+w "$g" && rm -rf "$g"
done
echo "$header"
printf '%s\n' "${lines[@]}"
# A table with a failed run is no curve.
if $failed; then
	exit 1
fi
