#!/usr/bin/env bash
# The composition study of issue 16: text-encoder size against U-Net size (Imagen's finding, in
# miniature), the two-object share of the data, caption dropout and guidance — each run's U-Net
# trained on the same compute budget, then scored by `t2i eval shapes` (single objects, two objects,
# held-out colour–shape combinations).
#
#   scripts/composition_study.sh [-b GFLOP] [-s SEEDS] [-g "G1 G2 …"] CONFIG.yaml…
#   e.g. scripts/composition_study.sh -g "2 4 7.5" Configs/experiments/*.yaml
#
# -b  the U-Net's training budget in GFLOP (default 120000: 2035 steps of the default U-Net, which
#     counts 58.97 GFLOP per step at batch 64 — about 55 min on 2 quiet cores). Each run gets
#     ⌈budget / its GFLOP per step⌉ steps, the GFLOP per step counted by `t2i bench train-unet`
#     (the products that ran, forward and backward), so a wider U-Net trains fewer steps and the
#     budget does not depend on how busy the machine is.
# -s  images per eval prompt (default 2).
# -g  guidance scales to score every run at (default: the config's sampling.guidance, 4).
#
# The text encoder and the autoencoder are trained once per distinct config of theirs (keyed by a
# hash of their sections, and for the encoder the data) for the steps their config says — outside
# the budget, as Imagen's frozen text encoders were — and copied into each run. (A trained
# autoencoder of the same config can be put in $STUDY/shared/ae-KEY/vae beforehand to skip its
# hour: the script prints the key.) Everything is resumable: run the same command again after a
# stop and finished stages and evals are kept.
#
# Writes $STUDY (default runs/study): one run folder per config, shared/ (encoders and autoencoders),
# results.csv (one row per run and guidance scale). Plot with scripts/plot_composition_study.py.
# T2I (default .build/release/t2i) is the binary.
set -euo pipefail

T2I=${T2I:-.build/release/t2i}
STUDY=${STUDY:-runs/study}
budget=120000
seeds=2
guidances=""
while getopts "b:s:g:" option; do
    case $option in
        b) budget=$OPTARG ;;
        s) seeds=$OPTARG ;;
        g) guidances=$OPTARG ;;
        *) echo "usage: $0 [-b GFLOP] [-s SEEDS] [-g \"G1 G2 …\"] CONFIG.yaml…" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-b GFLOP] [-s SEEDS] [-g \"G1 G2 …\"] CONFIG.yaml…" >&2; exit 2; }
[ -x "$T2I" ] || { echo "$T2I: no such binary (swift build -c release)" >&2; exit 1; }
for config in "$@"; do
    "$T2I" config validate "$config" >/dev/null || exit 1
done
mkdir -p "$STUDY/shared"
results=$STUDY/results.csv
[ -f "$results" ] || echo "run,text_width,text_layers,clip_params,unet_channels,unet_params,gflop_per_step,steps,guidance,single_full,pairs_full,pairs_colours,pairs_shapes,pairs_relation,pairs_count,held_out_full" > "$results"

# The top-level sections $2… of the resolved config $1, as YAML.
sections() {
    local config=$1
    shift
    "$T2I" config show "$config" | awk -v keep=" $* " '
        /^[a-z_]+:/ { name = $1; sub(":", "", name); on = index(keep, " " name " ") > 0 }
        on { print }'
}
# The value of `section.key` in the resolved config $1 (a list as its items joined by "/").
value() {
    "$T2I" config show "$1" | awk -v section="$2:" -v key="  $3:" '
        $0 ~ "^[a-z_]+:" { on = ($1 == section); if (list) exit }
        list && /^  - / { sub("^  - ", ""); out = out (out == "" ? "" : "/") $0; next }
        list { exit }
        on && index($0, key) == 1 { sub(key " *", ""); if ($0 != "") { print; exit } list = 1 }
        END { if (list) print out }'
}
# The share fully right ("fully right  12.5 %") of the eval section whose title line matches $2 in file $1.
fully_right() {
    awk -v title="$2" '
        index($0, title) > 0 { on = 1; next }
        on && /^  fully right/ { print $3; exit }' "$1"
}
# The share of part $3 (colours, shapes, …) in the section titled $2 of file $1.
part() {
    awk -v title="$2" -v name="  $3 " '
        index($0, title) > 0 { on = 1; next }
        on && index($0, name) == 1 { print $2; exit }' "$1"
}

for config in "$@"; do
    name=$(basename "$config" .yaml)
    run=$STUDY/$name
    encoder_key=$(sections "$config" seed data tokenizer text_encoder vision_encoder clip encoder_training | sha256sum | cut -c1-12)
    # the autoencoder does not read captions: runs that differ only in their data mix share one
    ae_key=$( (sections "$config" seed vae vae_loss vae_training; value "$config" data size) | sha256sum | cut -c1-12)
    encoder=$STUDY/shared/encoder-$encoder_key
    ae=$STUDY/shared/ae-$ae_key
    echo "== $name (encoder $encoder_key, autoencoder $ae_key)"

    if [ ! -f "$encoder/text_encoder/config.json" ]; then
        resume=(); [ -d "$encoder/state" ] && resume=(--resume)
        "$T2I" train-encoder --config "$config" --run "$encoder" "${resume[@]}"
    fi
    if [ ! -f "$ae/vae/config.json" ]; then
        resume=(); [ -d "$ae/state" ] && resume=(--resume)
        "$T2I" train-ae --config "$config" --run "$ae" "${resume[@]}"
    fi

    bench=$("$T2I" bench train-unet --config "$config" --steps 1)
    gflop=$(sed -n 's/.*(\([0-9.]*\) GFLOP per step).*/\1/p' <<<"$bench")
    unet_params=$(sed -n 's/.*UNet2DConditionModel \([0-9]*\) parameters.*/\1/p' <<<"$bench")
    clip_params=$("$T2I" bench train-encoder --config "$config" --steps 1 | sed -n 's/.*CLIP \([0-9]*\) parameters.*/\1/p')  # text and image towers
    steps=$(awk -v b="$budget" -v g="$gflop" 'BEGIN { s = b / g; print (s == int(s)) ? s : int(s) + 1 }')

    if [ ! -f "$run/unet/config.json" ]; then
        mkdir -p "$run"
        for part in tokenizer text_encoder clip; do rm -rf "${run:?}/$part"; cp -r "$encoder/$part" "$run/"; done
        rm -rf "${run:?}/vae"; cp -r "$ae/vae" "$run/"
        resume=(); [ -d "$run/state" ] && resume=(--resume)
        [ -f "$run/config.yaml" ] || "$T2I" config show "$config" --set "unet_training.steps=$steps" > "$run/config.yaml"
        "$T2I" train-unet --run "$run" "${resume[@]}"
    fi

    default_guidance=$(value "$run/config.yaml" sampling guidance | awk '{ printf "%g", $1 }')
    for guidance in ${guidances:-$default_guidance}; do
        eval_file=$run/eval-guidance-$guidance.txt
        if [ ! -s "$eval_file" ]; then
            "$T2I" eval shapes --run "$run" --prompts single pairs held-out --seeds "$seeds" --guidance "$guidance" \
                --grid "$run/previews/eval-guidance-$guidance.png" > "$eval_file.partial"
            mv "$eval_file.partial" "$eval_file"
        fi
        awk -F, -v n="$name" -v g="$guidance" '$1 == n && $9 == g { found = 1 } END { exit !found }' "$results" && continue
        echo "$name,$(value "$run/config.yaml" text_encoder hidden_size),$(value "$run/config.yaml" text_encoder num_hidden_layers),$clip_params,$(value "$run/config.yaml" unet block_out_channels),$unet_params,$gflop,$steps,$guidance,$(fully_right "$eval_file" "shapes probe: "),$(fully_right "$eval_file" "two-object probe:"),$(part "$eval_file" "two-object probe:" colours),$(part "$eval_file" "two-object probe:" shapes),$(part "$eval_file" "two-object probe:" relation),$(part "$eval_file" "two-object probe:" count),$(fully_right "$eval_file" "held out (")" >> "$results"
    done
done
column -s, -t < "$results"
