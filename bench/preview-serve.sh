#!/usr/bin/env bash
# Preview benchmark at 100,000 subscribers (bench/make-config.py): the time of one digest
# request and of the index from `preview --serve`, the server's peak memory, then the time
# and peak memory of `preview --out` writing all 300,000 files.
#
#   bench/preview-serve.sh [SUBSCRIBERS]        (default 100000)
#
# Needs: curl, GNU time, python3 and a release build (`cargo build --release`; PAPERBOY=path
# overrides). Everything stays on 127.0.0.1. The work folder is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SUBSCRIBERS=${1:-100000}
PAPERBOY=${PAPERBOY:-$PWD/target/release/paperboy}
DATE=2025-08-05
for tool in "$PAPERBOY" /usr/bin/time curl python3; do
    command -v "$tool" >/dev/null || { echo "bench: missing $tool" >&2; exit 2; }
done

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
python3 bench/make-config.py "$SUBSCRIBERS" "$work/paperboy.toml"
config="$work/paperboy.toml"

/usr/bin/time -f "%M" -o "$work/serve.time" \
    "$PAPERBOY" --config "$config" preview --serve --listen 127.0.0.1:0 --date "$DATE" \
    > "$work/serve.out" 2> "$work/serve.err" &
server_pid=$!
for _ in $(seq 600); do
    grep -q 'http://' "$work/serve.out" 2>/dev/null && break
    sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$work/serve.out")

fetch() { # PATH -> seconds
    curl -sS -o "$work/page" -w '%{time_total}' "$base$1"
}
middle=$((SUBSCRIBERS / 2))
for round in 1 2 3; do
    echo "round $round: digest .html $(fetch "/reader$middle@example.com.html") s," \
        ".txt $(fetch "/reader$middle@example.com.txt") s, index $(fetch /) s" \
        "($(wc -c < "$work/page") bytes)"
done
# The server is GNU time's child: stop it, and time reports.
kill "$(pgrep -P "$server_pid")"
wait "$server_pid" 2>/dev/null || true
server_pid=
echo "preview --serve peak memory: $(( $(tail -1 "$work/serve.time") / 1024 )) MB"

/usr/bin/time -f "%e %M" -o "$work/out.time" \
    "$PAPERBOY" --config "$config" preview --out "$work/out" --date "$DATE" > /dev/null
read -r seconds kb < "$work/out.time"
echo "preview --out: $(ls "$work/out" | wc -l) files in $seconds s, peak memory $((kb / 1024)) MB"
