#!/usr/bin/env bash
# Feeds t2i bad inputs and tallies how each ended: "clean" (non-zero exit with one error line and
# nothing on disk changed), "trap" (killed by a signal: a crash, or a hang past 60 s), "exit 0"
# (accepted: wrong for a bad input), "changed" (refused, but files in the scratch folder changed),
# "ok" (an odd but valid input, accepted as it should be: check_ok), "interrupted" (SIGINT/SIGTERM
# part way, exit 130 with its checkpoint or clean-up: check_signal).
# Usage: scripts/bad_inputs.sh [path/to/t2i]   (default .build/release/t2i); prints one line a case
# and the counts. Works in a scratch folder; needs the shipped model in Data/models/shapes-32.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
t2i=$(cd "$root" && realpath "${1:-.build/release/t2i}")
model="$root/Data/models/shapes-32"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
p="a large red circle in the center on a white background"
clean=0 traps=0 zero=0 changed=0 ok=0 interrupted=0 total=0
# Files by size, time and mode; folders, links and FIFOs by name (a folder's own time changes when
# a temporary file is made and removed in it, which loses nothing).
fingerprint() { { find . -type f -printf '%p %s %T@ %m\n'; find . ! -type f -printf '%p %y\n'; } 2>/dev/null | sort | md5sum; }
check() {  # check NAME ARGS... : runs t2i ARGS with a 60 s limit; a refusal must change no file
    local name=$1; shift
    local before; before=$(fingerprint)
    local out; out=$(timeout 60 "$t2i" "$@" 2>&1 >/dev/null </dev/null); local rc=$?
    total=$((total + 1))
    local first; first=$(printf '%s\n' "$out" | grep -v '^Usage: \|^  See \|^denoising\|^note: ' | head -1)
    if [ $rc -ge 128 ] || [ $rc -eq 124 ]; then traps=$((traps + 1)); echo "TRAP($rc)  $name"
    elif [ $rc -eq 0 ]; then zero=$((zero + 1)); echo "EXIT 0    $name"
    elif [ "$before" != "$(fingerprint)" ]; then changed=$((changed + 1)); echo "CHANGED   $name: ${first:0:150}"
    else clean=$((clean + 1)); echo "clean($rc) $name: ${first:0:150}"; fi
}
check_ok() {  # check_ok NAME ARGS... : an odd but valid input; exit 0 is right
    local name=$1; shift
    local out; out=$(timeout 60 "$t2i" "$@" 2>&1 >/dev/null </dev/null); local rc=$?
    total=$((total + 1))
    if [ $rc -ge 128 ] || [ $rc -eq 124 ]; then traps=$((traps + 1)); echo "TRAP($rc)  $name"
    elif [ $rc -eq 0 ]; then ok=$((ok + 1)); echo "ok        $name"
    else zero=$((zero + 1)); echo "REFUSED   $name (a valid input): $(printf '%s\n' "$out" | grep -v '^Usage: ' | head -1 | cut -c1-150)"; fi
}
check_signal() {  # check_signal NAME SIGNAL SECONDS ARGS... : signal part way; exit 130 is right
    local name=$1 sig=$2 after=$3; shift 3
    "$t2i" "$@" >/dev/null 2>sig.err </dev/null & local pid=$!
    sleep "$after"; kill -"$sig" $pid 2>/dev/null
    local waited=0
    while kill -0 $pid 2>/dev/null && [ $waited -lt 20 ]; do sleep 0.5; waited=$((waited + 1)); done
    if kill -0 $pid 2>/dev/null; then kill -9 $pid; wait $pid; traps=$((traps + 1)); total=$((total + 1)); echo "TRAP(hang) $name"; return; fi
    wait $pid; local rc=$?
    total=$((total + 1))
    if [ $rc -eq 130 ]; then interrupted=$((interrupted + 1)); echo "int(130)  $name ($((waited / 2)) s): $(grep -v '^\r' sig.err | tail -1 | cut -c1-150)"
    elif [ $rc -ge 128 ]; then traps=$((traps + 1)); echo "TRAP($rc)  $name"
    else zero=$((zero + 1)); echo "EXIT $rc    $name (expected 130)"; fi
    rm -f sig.err
}
# setup: broken files
printf 'not a png' > notes.png; : > empty.png
"$t2i" generate "$p" --run "$model" --steps 5 --out good.png >/dev/null 2>&1
head -c 100 good.png > cut.png
mkfifo fifo.png; mkdir dir.png
python3 - <<'PY' 2>/dev/null || true
import zlib, struct
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
sig = b"\x89PNG\r\n\x1a\n"
open("huge.png", "wb").write(sig + chunk(b"IHDR", struct.pack(">IIBBBBB", 1000000, 1000000, 8, 2, 0, 0, 0)) + chunk(b"IEND", b""))
PY
cp -r "$model" m-nan; cp -r "$model" m-mix; cp -r "$model" m-nounet; rm -rf m-nounet/unet
rm -rf m-mix/unet; cp -r "$root/Tests/Fixtures/unet/tiny" m-mix/unet
printf '{"_class_name": "UNet2DConditionModel"' > m-badjson.json
cp -r "$model" m-badcfg; printf '{"_class_name": "UNet2DConditionModel",' > m-badcfg/unet/config.json
cp -r "$model" m-trunc; head -c 1000 "$model/unet/diffusion_pytorch_model.safetensors" > m-trunc/unet/diffusion_pytorch_model.safetensors
printf 'unet_training:\n  steps: [1, 2]\n' > bad-type.yaml; printf 'unet:\n  layerz_per_block: 1\n' > bad-key.yaml
printf 'a: [\n' > bad-yaml.yaml
mkdir -p ds; printf '{"file": "../notes.png", "text": "x"}\n' > ds/captions.jsonl

check "generate: no prompt" generate --run "$model"
check "generate: --count 0" generate "$p" --run "$model" --count 0
check "generate: --count 10^9" generate "$p" --run "$model" --count 1000000000
check "generate: --count 5000 --grid" generate "$p" --run "$model" --count 5000 --grid
check "generate: --steps 0" generate "$p" --run "$model" --steps 0
check "generate: --steps 100000" generate "$p" --run "$model" --steps 100000
check "generate: --steps -3" generate "$p" --run "$model" --steps -3
check "generate: --seed -1" generate "$p" --run "$model" --seed -1
check "generate: --guidance nan" generate "$p" --run "$model" --guidance nan
check "generate: --guidance 1e38" generate "$p" --run "$model" --guidance 1e38 --steps 10
check "generate: --eta -1" generate "$p" --run "$model" --eta -1
check "generate: --sampler euler" generate "$p" --run "$model" --sampler euler
check "generate: --run missing" generate "$p" --run nowhere
check "generate: --run a file" generate "$p" --run notes.png
check "generate: model without unet" generate "$p" --run m-nounet
check "generate: unet from another pipeline" generate "$p" --run m-mix
check "generate: unet config not JSON" generate "$p" --run m-badcfg
check "generate: truncated unet weights" generate "$p" --run m-trunc
check "generate: --out onto FIFO" generate "$p" --run "$model" --steps 5 --out fifo.png
check "generate: --out onto folder" generate "$p" --run "$model" --steps 5 --out dir.png
check "generate: --out onto foreign file" generate "$p" --run "$model" --steps 5 --out notes.png
check "generate: --out in missing read-only place" generate "$p" --run "$model" --steps 5 --out /proc/x.png
check "generate: --from not a PNG" generate --from notes.png
check "generate: --from empty file" generate --from empty.png
check "generate: --from truncated PNG" generate --from cut.png
check "generate: --from missing" generate --from gone.png
check "generate: --from PNG without metadata" generate --from huge.png
check "generate: --from with a prompt" generate "$p" --from good.png
check "generate: --init-image missing" generate "$p" --run "$model" --init-image gone.png
check "generate: --init-image not a PNG" generate "$p" --run "$model" --init-image notes.png
check "generate: --init-image empty" generate "$p" --run "$model" --init-image empty.png
check "generate: --init-image truncated" generate "$p" --run "$model" --init-image cut.png
check "generate: --init-image huge declared size" generate "$p" --run "$model" --init-image huge.png
check "generate: --strength 0" generate "$p" --run "$model" --init-image good.png --strength 0
check "generate: --strength 2" generate "$p" --run "$model" --init-image good.png --strength 2
check "generate: --strength nan" generate "$p" --run "$model" --init-image good.png --strength nan
check "generate: --strength 0.001" generate "$p" --run "$model" --init-image good.png --strength 0.001
check "generate: --mask without init" generate "$p" --run "$model" --mask good.png
check "generate: --mask missing" generate "$p" --run "$model" --init-image good.png --mask gone.png
check "generate: --mask not a PNG" generate "$p" --run "$model" --init-image good.png --mask notes.png
for s in unet_training.steps=-1 unet_training.batch_size=0 unet.norm_num_groups=7 unet.attention_head_dim=3 \
         sampling.guidance=nan unet_training.learning_rate=inf sampling.sampler=foo text_encoder.num_attention_heads=3 \
         vae.norm_num_groups=5 unet.layers_per_block=100000000 tokenizer.max_length=100000000000 sampling.eta=-1 \
         unet.sample_size=7 scheduler.beta_schedule=cosine data.kind=images data.size=0 data.count=-5 \
         diffusion.ema_decay=2 diffusion.caption_dropout=-0.1 vae.block_out_channels=[] unet.block_out_channels=[64,0] \
         tokenizer.vocab_size=3 seed=-1 nosuch.key=1 unet.layerz=1 'unet.layers_per_block=abc' sampling.steps=0 \
         vae_loss.kl_weight=nan clip.projection_dim=0 vision_encoder.patch_size=5; do
    check "config validate --set $s" config validate "$root/Configs/shapes-32.yaml" --set "$s"
done
check "config validate: wrong type in file" config validate bad-type.yaml
check "config validate: unknown key in file" config validate bad-key.yaml
check "config validate: not YAML" config validate bad-yaml.yaml
check "config validate: missing file" config validate gone.yaml
check "train-unet: bad --set on a new run" train-unet --run runs/new --set unet_training.learning_rate=nan
check "train-unet: no earlier stages" train-unet --run runs/empty
check "train-ae: --resume and --restart" train-ae --run runs/x --resume --restart
check "export: incomplete run" export --run m-nounet --out out-model
check "export: --force onto own run" export --run "$model" --out "$model" --force
check "export: --force onto a folder of notes" export --run "$model" --out dir.png --force
check "export: --dtype f8" export --run "$model" --out x --dtype f8
check "data info: missing folder" data info gone
check "data info: entry outside the folder" data info ds
check "eval shapes: missing run" eval shapes --run gone
check "eval edits: --strength 0" eval edits --run "$model" --strength 0
check "diffuse: not a PNG" diffuse notes.png --run "$model"
check "tokenizer encode: missing model" tokenizer encode --model gone.model "hello"
source "$root/scripts/bad_inputs_more.sh"
echo "total $total: clean $clean, ok $ok, interrupted $interrupted, trap $traps, exit 0 $zero, changed $changed"
