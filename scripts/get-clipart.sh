#!/usr/bin/env bash
# Makes a "folder of your own images" from Debian's Tux Paint stamps (issue 15): about 790 photos
# and drawings of every size (12×36 to 1226×309), in PNG and JPEG, each with a sidecar caption file
# NAME.txt — the convention of the LoRA-training tools — taken from the stamp's own English
# description. A third of the images are written as JPEG (a seventh of those grayscale), so both
# decoders and the colour conversions are exercised on real files.
#
# Installs with apt (as root or through sudo): tuxpaint-stamps-default (the art, GPL-2+; see
# /usr/share/doc/tuxpaint-stamps-default/copyright), netpbm and libjpeg-turbo-progs (to write JPEGs).
# Idempotent: an existing destination is left alone.
#
# Usage: scripts/get-clipart.sh [DIR]     (DIR defaults to data/clipart, which git ignores)
set -euo pipefail

dest="${1:-data/clipart}"
stamps=/usr/share/tuxpaint/stamps

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
[ -d "$stamps" ] || missing+=(tuxpaint-stamps-default)
command -v pngtopnm >/dev/null 2>&1 || missing+=(netpbm)
command -v cjpeg >/dev/null 2>&1 || missing+=(libjpeg-turbo-progs)
if [ ${#missing[@]} -gt 0 ]; then
    echo "get-clipart: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -n "$(find "$dest" -name '*.txt' -print -quit 2>/dev/null)" ]; then
    echo "get-clipart: $dest already holds captioned images; remove it to make it again"
    exit 0
fi
mkdir -p "$dest"

n=0; jpeg=0; gray=0; skipped=0
while IFS= read -r png; do
    base="${png%.png}"
    # The stamp's description: the first line of NAME.txt (the others are translations).
    caption="$(head -n 1 "$base.txt" 2>/dev/null | tr -d '\r' | sed 's/[[:space:]]*$//' || true)"
    if [ -z "$caption" ]; then skipped=$((skipped + 1)); continue; fi
    rel="${base#"$stamps"/}"
    out="$dest/$(dirname "$rel")"
    mkdir -p "$out"
    name="$(basename "$rel")"
    n=$((n + 1))
    if [ $((n % 3)) -eq 0 ]; then
        # JPEG has no alpha: composite over white, as t2i does when it reads a PNG.
        if [ $((n % 21)) -eq 0 ]; then
            pngtopnm -mix -background white "$png" 2>/dev/null | ppmtopgm | cjpeg -quality 92 > "$out/$name.jpg"
            gray=$((gray + 1))
        else
            pngtopnm -mix -background white "$png" 2>/dev/null | cjpeg -quality 92 > "$out/$name.jpg"
        fi
        jpeg=$((jpeg + 1))
    else
        cp "$png" "$out/$name.png"
    fi
    printf '%s\n' "$caption" > "$out/$name.txt"
done < <(find "$stamps" -name '*.png' | LC_ALL=C sort)

echo "get-clipart: $n captioned images in $dest ($jpeg JPEG, $gray of them grayscale; $skipped stamps without a description left out)"
