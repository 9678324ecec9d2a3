#!/usr/bin/env bash
# On a lent GPU machine, in one device call: what only a GPU can show.
#   here:   bash benchmarks/gpu/prepare.sh
#   device: run(command="bash benchmarks/gpu/run.sh", carry=[".whl"], timeout_s=600)
# Writes under $OUT (the device tool's) — the GPU's name, the CUDA/Triton parity tests of
# tests/test_kernels.py and tests/test_reswarp.py, `atw bench reswarp --device cuda`,
# `atw bench render --device cuda` (the whole frame) and `atw bench train --device cuda` (fp32 and
# --amp) — to copy into benchmarks/results/.
set -uo pipefail
source "$(dirname "$0")/env.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" \
  >> "$OUT/gpu.txt"
python3 -m pytest -q -p no:cacheprovider -o addopts="" tests/test_kernels.py tests/test_reswarp.py \
  -k "gpu or cuda" 2>&1 | tee "$OUT/parity.txt"
atw bench reswarp --device cuda --json "$OUT/reswarp_gpu.json" 2>&1 | tee "$OUT/bench.txt"
atw bench render --device cuda --json "$OUT/render_gpu.json" 2>&1 | tee -a "$OUT/bench.txt"
atw bench train --device cuda --json "$OUT/train_gpu.json" 2>&1 | tee -a "$OUT/bench.txt"
atw bench train --device cuda --amp --json "$OUT/train_gpu_amp.json" 2>&1 | tee -a "$OUT/bench.txt"
