#!/usr/bin/env bash
# Run THERE, on the device machine (one NVIDIA GPU, no registry), after `bash bench/gpu_kit.sh` here, in two calls that
# each fit the device tool's limits (a session holds 15 minutes of device time, the machine's start included):
#     run(command="bash bench/gpu_checks.sh targets", carry=[".gpu_kit"], timeout_s=480)   # steps of at most 440 s
#     run(command="bash bench/gpu_checks.sh paths", carry=[".gpu_kit"], timeout_s=540)     # steps of at most 500 s
# `targets` measures the GPU targets of issues 4 and 6; `paths` runs the GPU training paths end to end. Each step has its
# own time limit, so one that hangs costs only its share. Written without a GPU at hand: never run yet. Everything
# printed also goes to $OUT/gpu_checks.log, which comes back.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 MIDI_EMBEDDINGS_CACHE=$PWD/.gpu_kit/cache
log=${OUT:-/tmp}/gpu_checks.log
# step LIMIT COMMAND...: runs COMMAND for at most LIMIT seconds, logs its output without progress bars, then its exit status
step() { local limit=$1; shift; echo "== $* (limit ${limit}s)" | tee -a "$log"; timeout "$limit" "$@" 2>&1 | tr '\r' '\n' | grep -v '%|' | tee -a "$log"; echo "-> exit ${PIPESTATUS[0]}" | tee -a "$log"; }
part=${1:-}
[[ $part == targets || $part == paths ]] || { echo "usage: bash bench/gpu_checks.sh targets|paths" >&2; exit 2; }
step 60 python3 -m pip install -q --no-index --no-deps .gpu_kit/wheels/*.whl
if [[ $part == targets ]]; then
  step 10 nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  step 10 python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, torch.cuda.get_device_name())"
  # Most important first: a call cut short at its limit still returns the log of the steps that ran.
  # Issue 4: 2x BERT with bf16 on both, and MFU at least 40%, at large_model's shape; then at the CPU bench's shape.
  # At large_model's shape BERT runs with PyTorch's fused attention only: its products would keep 3 GiB of probabilities
  # a layer and take the step's time limit; at the CPU bench's shape both of its attention implementations run.
  step 150 python3 bench/train_throughput.py --device cuda --dtype bf16 --embed-dim 768 --layers 8 --heads 12 --seq-len 2048 \
    --batch-size 32 --vocab-size 8000 --steps 3 --rounds 5 --bert-attention sdpa
  step 90 python3 bench/train_throughput.py --device cuda --dtype bf16 --steps 5 --rounds 5
  # Issue 6: songs per second of `midi-embeddings embed` on the GPU against the plain loop, and its memory.
  step 120 python3 bench/embed.py --device cuda
else
  # The GPU training path end to end: bf16 autocast, torch.compile, checkpoints, test loss, report.
  step 200 python3 script.py --config-name=large_model dataset.limit=200 train.epochs=1 hydra.run.dir=/tmp/large_smoke
  # The contrastive path on the GPU: augmented windows made by data loader workers while the GPU trains.
  step 90 python3 script.py train.objective=contrastive dataset.limit=60 train.epochs=1 hydra.run.dir=/tmp/contrastive_smoke
  # torch.compile at large_model's shape.
  step 150 python3 bench/train_throughput.py --device cuda --dtype bf16 --embed-dim 768 --layers 8 --heads 12 --seq-len 2048 \
    --batch-size 32 --vocab-size 8000 --steps 3 --rounds 5 --compile --bert-attention sdpa
fi
