#!/usr/bin/env bash
# Fuzzes one of t2i's parsers of outside bytes with libFuzzer and AddressSanitizer.
# Usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options…]
#   TARGET: safetensors, png, png-metadata, jpeg, captions or config (see Sources/FuzzTargets);
#   SECONDS: how long to run (default 600).
# Builds .build-fuzz/release/t2i-fuzz (-sanitize=fuzzer,address, -DT2I_LIBFUZZER, lld), then runs it on
# a working corpus in runs/fuzz/TARGET seeded from Tests/Fixtures/fuzz/TARGET. A crash leaves
# runs/fuzz/crash-TARGET-*; add it to Tests/Fixtures/fuzz/TARGET/ so CI replays it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options]}
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
cd "$root"
[ -d "Tests/Fixtures/fuzz/$target" ] || { echo "fuzz: no seed corpus Tests/Fixtures/fuzz/$target" >&2; exit 2; }
# -Xcc -fsanitize=…: the C targets (CJPEG's bridge code) get coverage and ASan too; system libraries
# (libpng, libjpeg) are not instrumented.
swift build -c release --scratch-path .build-fuzz --product t2i-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xcc -DT2I_LIBFUZZER -Xcc -fsanitize=fuzzer-no-link,address \
    -Xswiftc -use-ld=lld >&2  # gold fails to link ASan here
mkdir -p "runs/fuzz/$target"
exec .build-fuzz/release/t2i-fuzz "$target" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="runs/fuzz/crash-$target-" "$@" "runs/fuzz/$target" "Tests/Fixtures/fuzz/$target"
