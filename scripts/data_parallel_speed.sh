#!/usr/bin/env bash
# Steps per second of each training stage of a config: one process × T threads against mpirun
# -np N × 1 thread, alternating, with the communication time per step (issue 18).
#
#   scripts/data_parallel_speed.sh [CONFIG] [STEPS] [ROUNDS]
#
# Environment: NP (processes, 2), T2I (the binary), SET (extra "--set k=v" words for the run, e.g.
# SET="--set data.count=2048 --set data.path=/tmp/shapes-2048": less data, the same step).
#
# Trains a throwaway run in a temporary folder (the encoder and autoencoder for 1 step each, so the
# U-Net has something to stand on), then for each stage and round: 1 process with the whole batch
# at once, 1 process with micro-batches of batch/N, and N processes; seconds per step are the
# median over the logged steps after the first two. Run it with nothing else on the machine.
set -euo pipefail
config=${1:-Configs/shapes-32.yaml}
steps=${2:-12}
rounds=${3:-3}
processes=${NP:-2}
t2i=${T2I:-.build/release/t2i}
threads=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
work=$(mktemp -d /tmp/t2i-dp-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT

batch() { "$t2i" config show "$config" | awk -v k="$1:" '$1 == k { f = 1 } f && $1 == "batch_size:" { print $2; exit }'; }
base="$work/base"
# shellcheck disable=SC2086
"$t2i" train-encoder --config "$config" --run "$base" --set encoder_training.steps=1 ${SET:-} >/dev/null
"$t2i" train-ae --run "$base" --set vae_training.steps=1 >/dev/null

median() { python3 -c "import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(f'{statistics.median(v):.4f}' if v else '-')" "$@"; }
column() {  # column LOG KEY: the key's values after step 2
    python3 -c "
import json,sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get('step', 0) > 2 and sys.argv[2] in o: print(o[sys.argv[2]])" "$1" "$2"
}

printf '%-8s %-28s %10s %10s %12s %12s\n' stage setup s/step steps/s comm_s/step wait_s/step
for stage in encoder ae unet; do
    section=$stage; [ "$stage" = ae ] && section=vae
    b=$(batch "${section}_training")
    micro=$((b / processes))
    declare -A times=() comms=() waits=()
    for round in $(seq "$rounds"); do
        for setup in one-whole one-micro mpi; do
            run="$work/$stage-$setup-$round"
            # The encoder's settings are fixed when its run starts: a new run each time. The other
            # stages start from the base run's encoder (and autoencoder).
            if [ "$stage" = encoder ]; then
                # shellcheck disable=SC2086
                set -- train-encoder --config "$config" --run "$run" ${SET:-}
            else
                cp -r "$base" "$run"
                set -- "train-$stage" --run "$run" --restart
            fi
            set -- "$@" --set "${section}_training.steps=$steps" --set "${section}_training.log_every=1" \
                --set "${section}_training.preview_every=0" --set "${section}_training.checkpoint_every=100000"
            case $setup in
                one-whole) T2I_THREADS=$threads "$t2i" "$@" >/dev/null 2>&1 ;;
                one-micro) T2I_THREADS=$threads "$t2i" "$@" --set "${section}_training.micro_batch_size=$micro" >/dev/null 2>&1 ;;
                mpi) mpirun -np "$processes" --oversubscribe "$t2i" "$@" --set "${section}_training.micro_batch_size=$micro" >/dev/null 2>&1 ;;
            esac
            times[$setup]+=" $(column "$run/logs/$stage.jsonl" seconds_per_step | tr '\n' ' ')"
            comms[$setup]+=" $(column "$run/logs/$stage.jsonl" communication_seconds | tr '\n' ' ')"
            waits[$setup]+=" $(column "$run/logs/$stage.jsonl" wait_seconds | tr '\n' ' ')"
            rm -rf "$run"
        done
    done
    for setup in one-whole one-micro mpi; do
        label="1 × $threads threads, batch $b"
        [ "$setup" = one-micro ] && label="1 × $threads threads, micro $micro"
        [ "$setup" = mpi ] && label="$processes × 1 thread, micro $micro"
        s=$(median ${times[$setup]})
        printf '%-8s %-28s %10s %10s %12s %12s\n' "$stage" "$label" "$s" "$(python3 -c "print(f'{1/float(\"$s\"):.3f}')")" \
            "$(median ${comms[$setup]})" "$(median ${waits[$setup]})"
    done
    unset times comms waits
done
