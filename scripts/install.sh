#!/usr/bin/env bash
# Builds t2i in release mode, installs the binary and the shipped model so that `t2i generate`,
# `t2i eval` and `t2i serve` find a model from any folder.
#
#   scripts/install.sh [--prefix DIR]      binary to DIR/bin (default ~/.local, so ~/.local/bin/t2i)
#
# The model goes to ${XDG_DATA_HOME:-~/.local/share}/t2i/models/shapes-32, the last place the
# model lookup tries (after --model/--run, T2I_MODEL, ./runs/shapes-32, ./Data/models/shapes-32).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="$HOME/.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        -h|--help) sed -n 2,8p "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (use --prefix DIR)" >&2; exit 2 ;;
    esac
done

data_home="${XDG_DATA_HOME:-}"
case "$data_home" in /*) ;; *) data_home="$HOME/.local/share" ;; esac   # XDG: relative or unset → default
models="$data_home/t2i/models"

swift build -c release --product t2i
bin="$(swift build -c release --show-bin-path)/t2i"

mkdir -p "$prefix/bin" "$models"
install -m 0755 "$bin" "$prefix/bin/t2i.tmp" && mv -f "$prefix/bin/t2i.tmp" "$prefix/bin/t2i"
# Replace the installed model as a whole: copy beside it, then swap.
rm -rf "$models/shapes-32.tmp"
cp -R Data/models/shapes-32 "$models/shapes-32.tmp"
rm -rf "$models/shapes-32"
mv "$models/shapes-32.tmp" "$models/shapes-32"

echo "installed $prefix/bin/t2i and the model $models/shapes-32"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "note: $prefix/bin is not on PATH; add it, or run $prefix/bin/t2i" ;; esac
