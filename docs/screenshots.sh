#!/bin/sh
# Screenshots of the sample digest for the book: `paperboy preview --out` renders Alice's
# digest of config.example.toml, and headless Chromium takes it at a phone's width (390 px,
# light and dark) and a desktop window's (900 px), cropped to the first screens, into
# docs/src/images/.
#
#     docs/screenshots.sh
#
# Run it from anywhere after changing a template, and commit the PNGs. It builds paperboy
# first (set PAPERBOY to use another binary) and needs chromium.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
images="$root/docs/src/images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${PAPERBOY:-}" ]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml"
    PAPERBOY="${CARGO_TARGET_DIR:-$root/target}/debug/paperboy"
fi
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome)

# Alice follows a topic and a keyword of her own: five papers, marks, links and details.
(cd "$root" && "$PAPERBOY" --quiet --config config.example.toml preview --date 2025-08-05 \
    --subscriber alice@example.com --out "$work/preview")

shot() { # width height file [chromium flag]
    "$chromium" ${4:-} --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$work/profile" --window-size="$1,$2" \
        --screenshot="$images/$3" "file://$work/preview/alice@example.com.html" 2>/dev/null
    echo "wrote docs/src/images/$3 ($(wc -c <"$images/$3") bytes)"
}

mkdir -p "$images"
shot 390 1400 digest-390.png
shot 900 1200 digest-900.png
shot 390 800 digest-390-dark.png --force-dark-mode
