#!/usr/bin/env bash
# Installs the Debian packages t2i needs to build, and nothing else.
# Idempotent: a package already installed is left alone; prints what it did.
set -euo pipefail

packages=(pkg-config libopenblas-dev libpng-dev libjpeg62-turbo-dev libsentencepiece-dev libopenmpi-dev openmpi-bin)

missing=()
for p in "${packages[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        echo "bootstrap: $p already installed"
    else
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "bootstrap: nothing to install"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2
        exit 1
    fi
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: installed ${missing[*]}"
