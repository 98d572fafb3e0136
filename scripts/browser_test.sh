#!/usr/bin/env bash
# A real browser on t2i serve's page: headless Chromium (Debian's package, installed when
# missing) opens the page served with the shipped model, and scripts/browser_test.py types a
# prompt, clicks Generate, watches the progress, checks the image and its parameters in the
# gallery and "Use these settings", and saves a screenshot. A script, not part of CI.
#
#   scripts/browser_test.sh [SCREENSHOT.png]      (default /tmp/t2i-browser-test.png)
set -euo pipefail
cd "$(dirname "$0")/.."
shot="${1:-/tmp/t2i-browser-test.png}"

if ! command -v chromium >/dev/null; then
    sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium
fi
[ -x .build/release/t2i ] || swift build -c release --product t2i

work="$(mktemp -d)"
cleanup() {
    [ -n "${browser:-}" ] && kill "$browser" 2>/dev/null || true
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

.build/release/t2i serve --port 0 --model Data/models/shapes-32 > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 't2i serve: http' "$work/serve.log" && break; sleep 0.1; done
url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)"
[ -n "$url" ] || { echo "t2i serve did not start:"; cat "$work/serve.log"; exit 1; }
echo "t2i serve at $url"

devtools=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chromium --headless=new --no-sandbox --disable-gpu --no-first-run --no-default-browser-check --no-proxy-server \
    --user-data-dir="$work/profile" --remote-debugging-address=127.0.0.1 --remote-debugging-port="$devtools" about:blank \
    > "$work/chromium.log" 2>&1 &
browser=$!

python3 scripts/browser_test.py --page "$url" --devtools "$devtools" --screenshot "$shot"
