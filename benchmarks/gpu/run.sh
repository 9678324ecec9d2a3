#!/usr/bin/env bash
# On a lent GPU machine, in one device call: what only a GPU can show.
#   here:   bash benchmarks/gpu/prepare.sh
#   device: run(command="bash benchmarks/gpu/run.sh", carry=[".whl"], timeout_s=580)
# Writes under $OUT (the device tool's) — the GPU's name, the CUDA tests (Triton ResWarp parity for
# every filter, formulation and dtype in tests/test_kernels.py and tests/test_reswarp.py; the face
# mesh on CUDA in tests/test_face_mesh.py), the launch shapes (benchmarks/gpu/triton_tune.py),
# `atw bench reswarp --device cuda` for every filter at 4K, `atw bench render --device cuda` (the
# whole frame) — to copy into benchmarks/results/.
# Each step has its own time limit, so one that hangs or fails leaves the others' results. The
# benchmarks measure each case in a fresh process (~8 s there with CUDA's start): few cases.
set -uo pipefail
source "$(dirname "$0")/env.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" \
  >> "$OUT/gpu.txt"
# -v: each test's verdict as it ends (a run stopped by its limit still names what failed);
# -n 8 (where pytest-xdist is): most of a case's time is Triton compiling its kernel on the
# CPU (the machine has 16 cores; one at a time, 70 of 79 cases took the first run's 200 s).
parallel=$(python3 -c "import xdist" 2>/dev/null && echo "-n 8")  # the image has pytest-xdist
timeout 240 python3 -m pytest -v $parallel --tb=line -rf -p no:cacheprovider -o addopts="" \
  -k "gpu or cuda" tests/test_kernels.py tests/test_reswarp.py tests/test_face_mesh.py 2>&1 \
  | tee "$OUT/parity.txt"
# The Triton kernels' launch shapes (kernels/triton_reswarp.py LAUNCH), timed again here.
timeout 90 python3 benchmarks/gpu/triton_tune.py \
  --shapes 256:4,64:2,32:1,32:1:72,64:2:64 \
  --json "$OUT/triton_tune.json" 2>&1 | tee "$OUT/triton_tune.txt"
# With the CPU composite (cv2.remap, the host's cores) in the same run: issue 15 measures the
# default filter against it.
timeout 130 python3 -m atw_ofx.cli bench reswarp --device cuda --min-seconds 0.25 \
  --impls memcpy_bound,cv2_remap,fused_triton \
  --sizes 3840x2160 --filter bilinear,cubic,lanczos --reswarp vanilla,multiscale \
  --json "$OUT/reswarp_gpu.json" 2>&1 | tee "$OUT/bench.txt"
timeout 90 python3 -m atw_ofx.cli bench render --device cuda --sizes 3840x2160 \
  --json "$OUT/render_gpu.json" 2>&1 | tee -a "$OUT/bench.txt"
