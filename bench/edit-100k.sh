#!/usr/bin/env bash
# Memory and time of editing a big config: `subscriber add`, `subscriber set` and
# `subscriber remove` on a config of SUBSCRIBERS (100,000) made by bench/make-config.py, next
# to `subscriber list` (the loader alone) on the same file. Prints each command's wall time
# and peak memory (GNU time's %M); exits 1 when an edit's peak memory is above MAX_MB.
#
#   bench/edit-100k.sh [MAX_MB]        (default: 150, the target)
#
# Needs: GNU time, python3, and a release build (`cargo build --release`; PAPERBOY=path
# overrides). Environment: SUBSCRIBERS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_MB=${1:-150}
SUBSCRIBERS=${SUBSCRIBERS:-100000}
PAPERBOY=${PAPERBOY:-$PWD/target/release/paperboy}
for tool in "$PAPERBOY" /usr/bin/time; do
    [ -x "$tool" ] || { echo "bench: missing $tool" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config="$work/paperboy.toml"
python3 bench/make-config.py "$SUBSCRIBERS" "$config"
echo "config: $SUBSCRIBERS subscribers, $(du -h "$config" | cut -f1)"

over=0
# Runs paperboy with the arguments and prints "NAME  SECONDS s  MB MB".
measure() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$work/time" "$PAPERBOY" --config "$config" "$@" >/dev/null
    read -r seconds kb <"$work/time"
    local mb=$((kb / 1024))
    printf '%-28s %6s s %6s MB\n' "$name" "$seconds" "$mb"
    if [ "$name" != "subscriber list (loading)" ] && [ "$mb" -gt "$MAX_MB" ]; then over=1; fi
}

middle="reader$((SUBSCRIBERS / 2))@example.com"
measure "subscriber list (loading)" subscriber list
measure "subscriber add" subscriber add newcomer@example.com --keyword "protein folding"
measure "subscriber set" subscriber set "$middle" --max-papers 3
measure "subscriber remove" subscriber remove "$middle"
measure "subscriber remove (the new)" subscriber remove newcomer@example.com
exit $over
