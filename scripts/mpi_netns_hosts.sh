#!/usr/bin/env bash
# Two "hosts" on this machine, network namespaces joined by a veth pair, and a U-Net trained by
# `mpirun -np 2` across them over TCP (one rank in each), compared byte for byte with one process
# (issue 18, optional acceptance). Needs root (ip netns) and a trained encoder + autoencoder run:
#
#   sudo scripts/mpi_netns_hosts.sh RUN [STEPS]
#
# mpirun reaches the second "host" through a launch agent that enters its namespace instead of
# ssh; the run folder is shared as an NFS mount would share it. Cleans up after itself.
set -euo pipefail
base=${1:?usage: mpi_netns_hosts.sh RUN [STEPS]}
steps=${2:-6}
t2i=$(realpath "${T2I:-.build/release/t2i}")
work=$(mktemp -d /tmp/t2i-netns.XXXXXX)
cleanup() {
    ip netns del t2i-h1 2>/dev/null || true
    ip netns del t2i-h2 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add t2i-h1
ip netns add t2i-h2
ip link add t2i-v1 type veth peer name t2i-v2
ip link set t2i-v1 netns t2i-h1
ip link set t2i-v2 netns t2i-h2
ip -n t2i-h1 addr add 10.77.0.1/24 dev t2i-v1
ip -n t2i-h2 addr add 10.77.0.2/24 dev t2i-v2
for ns in t2i-h1 t2i-h2; do ip -n $ns link set lo up; done
ip -n t2i-h1 link set t2i-v1 up
ip -n t2i-h2 link set t2i-v2 up
ip -n t2i-h1 -br addr show t2i-v1 | grep -q UP || { echo "t2i-v1 is not up" >&2; exit 1; }

# The launch agent: called as `agent HOST COMMAND…` like ssh; runs COMMAND in HOST's namespace.
cat > "$work/netns-agent" <<'AGENT'
#!/bin/sh
host=$1; shift
case $host in
    10.77.0.1) ns=t2i-h1 ;;
    10.77.0.2) ns=t2i-h2 ;;
    *) echo "netns-agent: unknown host $host" >&2; exit 1 ;;
esac
exec ip netns exec "$ns" sh -c "$*"
AGENT
chmod +x "$work/netns-agent"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
settings=(--set "unet_training.steps=$steps" --set unet_training.log_every=1 --set unet_training.preview_every=0)
micro=$(( $("$t2i" config show "$base/config.yaml" | awk '$1 == "unet_training:" { f = 1 } f && $1 == "batch_size:" { print $2; exit }') / 2 ))
settings+=(--set "unet_training.micro_batch_size=$micro")
cp -r "$base" "$work/one"
cp -r "$base" "$work/two"
"$t2i" train-unet --run "$work/one" --restart "${settings[@]}" >/dev/null
ip netns exec t2i-h1 mpirun -np 2 --host 10.77.0.1:1,10.77.0.2:1 \
    --mca plm_rsh_agent "$work/netns-agent" \
    --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
    sh -c 'echo "rank $OMPI_COMM_WORLD_RANK on $(ip -br addr show | grep -o "10\.77\.0\.[0-9]*")" >&2; exec "$0" "$@"' \
    "$t2i" train-unet --run "$work/two" --restart "${settings[@]}" >/dev/null
for f in state/unet.safetensors unet/diffusion_pytorch_model.safetensors; do
    if cmp -s "$work/one/$f" "$work/two/$f"; then echo "same bytes: $f"; else echo "DIFFERENT: $f"; exit 1; fi
done
python3 - "$work/two/logs/unet.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r["step"] > 2] or rows
print(f"over TCP between the namespaces: {statistics.median(r['seconds_per_step'] for r in rows):.3f} s/step, "
      f"exchange {statistics.median(r['communication_seconds'] for r in rows):.4f} s/step, "
      f"wait {statistics.median(r['wait_seconds'] for r in rows):.4f} s/step")
PY
