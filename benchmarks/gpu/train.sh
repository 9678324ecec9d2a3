#!/usr/bin/env bash
# On a lent GPU machine, in one device call: the first trained ATW bundle.
#   here:   bash benchmarks/gpu/prepare.sh && bash benchmarks/gpu/prepare_training.sh
#   device: run(command="bash benchmarks/gpu/train.sh", carry=[".whl", ".gpu_data"], timeout_s=600)
# Measures the step time first, then trains for as many steps as fit BUDGET_S seconds (bf16 autocast,
# the gradient penalty in float32), and leaves the run — losses.csv, sample grids, checkpoint and
# bundle/ — under $OUT/run. Here afterwards: `atw eval --model <run>/bundle` against the rig, and
# commit the bundle (fp16, `atw_ofx.models.bundle.save_bundle(half=True)`) with its record.
set -uo pipefail
source "$(dirname "$0")/env.sh"
DATA=${DATA:-.gpu_data/crops}
BUDGET_S=${BUDGET_S:-450}
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" || true
DEVICE=${DEVICE:-cuda}
atw bench train --device "$DEVICE" --amp --steps 2 --json "$OUT/train_probe.json" 2>&1 | tee "$OUT/train.txt"
STEPS=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))[-1]; \
print(max(10, int(0.9 * $BUDGET_S * 1000 / r['ms_per_generator_step'])))" "$OUT/train_probe.json")
echo "training $STEPS steps" | tee -a "$OUT/train.txt"
start=$(date +%s)
atw train --data "$DATA" --out "$OUT/run" --device "$DEVICE" --amp --steps "$STEPS" \
  --sample-every 500 --checkpoint-every 500 -q 2>&1 | tee -a "$OUT/train.txt"
echo "wall_s $(( $(date +%s) - start ))" | tee -a "$OUT/train.txt"
rm -rf "$OUT/run/checkpoint"  # optimiser states: large, and not needed to keep the bundle
