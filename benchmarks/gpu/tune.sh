#!/usr/bin/env bash
# On a lent GPU machine, one device call: launch shapes of the fused Triton ResWarp
# (benchmarks/gpu/triton_tune.py), the CUDA parity cases the earlier GPU runs failed or did not
# reach (errors printed), and `atw bench reswarp` at 4K with the launch shapes in use.
#   here:   bash benchmarks/gpu/prepare.sh
#   device: run(command="bash benchmarks/gpu/tune.sh", carry=[".whl"], timeout_s=300)
set -uo pipefail
source "$(dirname "$0")/env.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$OUT/gpu.txt"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)" \
  >> "$OUT/gpu.txt"
timeout 60 python3 benchmarks/gpu/triton_tune.py --variants shipped \
  --shapes 256:4,32:1,64:1,64:2,128:4,32:2 \
  --json "$OUT/triton_tune.json" 2>&1 | tee "$OUT/triton_tune.txt"
timeout 120 python3 -m pytest -v -rf --tb=line -p no:cacheprovider -o addopts="" -k "(gpu and paper \
and not bilinear and dtype1 and (size2 or (lanczos and size0))) or cuda_matches_cpu or cuda_finds \
or (gpu and delta and lanczos and size2)" tests/test_kernels.py tests/test_reswarp.py \
  tests/test_face_mesh.py 2>&1 | tee "$OUT/parity.txt"
timeout 90 python3 -m atw_ofx.cli bench reswarp --device cuda --min-seconds 0.25 \
  --sizes 3840x2160 --filter bilinear,cubic,lanczos --reswarp vanilla,multiscale \
  --impls memcpy_bound,fused_triton --json "$OUT/reswarp_gpu.json" 2>&1 | tee "$OUT/bench.txt"
