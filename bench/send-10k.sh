#!/usr/bin/env bash
# Delivery benchmark: paperboy sends 10,000 digests to Postfix's smtp-sink on loopback, and in
# the same run Postfix's smtp-source sends 10,000 messages of the same (mean) size over the
# same number of reused connections to the same sink. Prints both rates, their ratio and
# paperboy's peak memory; exits 1 when the ratio is below MIN_RATIO or memory above MAX_MB.
#
#   bench/send-10k.sh [MIN_RATIO] [MAX_MB]      (defaults: 0.5 and 100, the targets)
#
# Needs: smtp-sink and smtp-source (Debian: postfix; the postfix daemon need not run), GNU
# time, python3, and a release build (`cargo build --release`; PAPERBOY=path overrides).
# Environment: SUBSCRIBERS (10000), CONNECTIONS (4), ROUNDS (3: each side's best counts),
# PORT (a free one is picked), OWN (0; 1: every subscriber has interests of their own: half
# keywords of their own, half a library of their own (CSL-JSON, 20 of the sample's papers,
# 1,000 distinct files), and their own max_papers from 3 to 10).
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_RATIO=${1:-0.5}
MAX_MB=${2:-100}
SUBSCRIBERS=${SUBSCRIBERS:-10000}
CONNECTIONS=${CONNECTIONS:-4}
PAPERBOY=${PAPERBOY:-$PWD/target/release/paperboy}
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
for tool in "$PAPERBOY" "$SINK" "$SOURCE" /usr/bin/time; do
    [ -x "$tool" ] || { echo "bench: missing $tool" >&2; exit 2; }
done

work=$(mktemp -d)
sink_pid=
cleanup() {
    if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

PORT=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
cp examples/hf-daily-papers-aug5.txt "$work/listing.txt"

# Every subscriber follows one of these keyword sets, so digests differ in size and content
# (1 to 10 papers each) the way a real list's do.
python3 - "$work" "$SUBSCRIBERS" "$CONNECTIONS" "$PORT" "${OWN:-0}" <<'EOF'
import json, os, random, sys
work, count, connections, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
own = sys.argv[5] == "1"
interests = [
    ["Mamba", "state space model"], ["knowledge distillation", "distill*"], ["diffusion model*"],
    ["agent*"], ["reinforcement learning"], ["vision transformer", "ViT"], ["benchmark*"],
    ["LLM*", "language model*"], ["reasoning"], ["video"], ["robot*"], ["speech", "audio"],
]
head = f'''[newsletter]
title = "Daily Papers Digest"
from = "Paper Digest <digest@example.org>"
reply_to = "editor@example.org"
unsubscribe_url = "https://example.org/unsubscribe?email={{email}}"
send_empty = true

[[sources]]
name = "hf"
path = "listing.txt"

[delivery]
transport = "%s"
dir = "outbox"
state = "%s.db"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout_secs = 30
max_connections = {connections}
'''
subscribers = []
if own:
    # The sample's papers (title and abstract paragraphs after the page chrome) and words.
    paragraphs = [p.strip() for p in open(f"{work}/listing.txt").read().split("\n\n") if p.strip()][6:]
    papers = list(zip(paragraphs[0::2], paragraphs[1::2]))
    words = sorted({w.lower() for t, _ in papers for w in t.replace(":", " ").split() if len(w) > 5})
    rng = random.Random(5)
    os.makedirs(f"{work}/libraries", exist_ok=True)
    for n in range(1000):
        items = [{"id": f"i{k}", "type": "article-journal", "title": t, "abstract": a}
                 for k, (t, a) in enumerate(rng.sample(papers, 20))]
        json.dump(items, open(f"{work}/libraries/{n}.json", "w"))
for i in range(count):
    if own and i % 2:
        interest = f'library = "libraries/{(i // 2) % 1000}.json"\n'
    elif own:
        keywords = ", ".join(f'"{w}"' for w in random.Random(i).sample(words, 3))
        interest = f'keywords = [{keywords}]\n'
    else:
        keywords = ", ".join(f'"{k}"' for k in interests[i % len(interests)])
        interest = f'keywords = [{keywords}]\n'
    if own:
        interest += f'max_papers = {3 + i % 8}\n'
    subscribers.append(f'[[subscribers]]\nemail = "reader{i}@lab{i % 97}.example.com"\n'
                       f'name = "Reader {i}"\n{interest}')
body = "\n".join(subscribers)
open(f"{work}/smtp.toml", "w").write(head % ("smtp", "smtp") + "\n" + body)
open(f"{work}/file.toml", "w").write(head % ("file", "file") + "\n" + body)
EOF

# The same digests written as files first: their mean size is what smtp-source sends.
(cd "$work" && "$PAPERBOY" --config file.toml send --date 2025-08-05 > /dev/null)
size=$(find "$work/outbox" -name '*.eml' -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d", s / n }')

sink_user=()
if [ "$(id -u)" = 0 ]; then sink_user=(-u nobody); fi
"$SINK" "${sink_user[@]}" 127.0.0.1:"$PORT" 1000 > /dev/null 2>&1 &
sink_pid=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" 2>/dev/null && break
    sleep 0.1
done

now() { date +%s.%N; }

# Each side runs ROUNDS times, alternating, and its best time counts: the machine may be
# shared, and both sides deserve their quietest moment.
ROUNDS=${ROUNDS:-3}
source_secs=999999
paperboy_secs=999999
peak_kb=0
for _ in $(seq "$ROUNDS"); do
    start=$(now)
    "$SOURCE" -d -s "$CONNECTIONS" -m "$SUBSCRIBERS" -l "$size" \
        -f digest@example.org -t reader@example.com 127.0.0.1:"$PORT"
    source_secs=$(python3 -c "print(min($source_secs, $(now) - $start))")

    rm -f "$work"/smtp.db "$work"/smtp.db-wal "$work"/smtp.db-shm
    start=$(now)
    (cd "$work" && /usr/bin/time -f '%M' -o "$work/rss" "$PAPERBOY" --config smtp.toml send --date 2025-08-05 > "$work/summary")
    paperboy_secs=$(python3 -c "print(min($paperboy_secs, $(now) - $start))")
    peak_kb=$(python3 -c "print(max($peak_kb, $(cat "$work/rss")))")
    cat "$work/summary"
done
peak_mb=$(python3 -c "print($peak_kb / 1024)")

# The journal of the last round: every digest must be recorded as sent.
sent=$(cd "$work" && "$PAPERBOY" --config smtp.toml history --format json |
    python3 -c 'import json, sys; print(sum(d["status"] == "sent" for d in json.load(sys.stdin)["digests"]))')

python3 - "$SUBSCRIBERS" "$CONNECTIONS" "$size" "$source_secs" "$paperboy_secs" "$peak_mb" "$sent" "$MIN_RATIO" "$MAX_MB" <<'EOF'
import sys
n, conns, size = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
source_secs, paperboy_secs, peak_mb = map(float, sys.argv[4:7])
sent, min_ratio, max_mb = int(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
source_rate, paperboy_rate = n / source_secs, n / paperboy_secs
ratio = paperboy_rate / source_rate
print(f"{n} messages of {size} bytes (mean) over {conns} connections to smtp-sink on loopback")
print(f"  smtp-source -d -s {conns}: {source_secs:6.2f} s  {source_rate:8.0f} msg/s  (best of the rounds)")
print(f"  paperboy send:      {paperboy_secs:6.2f} s  {paperboy_rate:8.0f} msg/s  "
      f"(read, pick, render, send, journal), peak RSS {peak_mb:.1f} MB")
print(f"  ratio: {ratio:.0%} of smtp-source (target >= {min_ratio:.0%}); journal: {sent} sent")
ok = ratio >= min_ratio and peak_mb <= max_mb and sent == n
print("bench: ok" if ok else "bench: FAILED")
sys.exit(0 if ok else 1)
EOF
