#!/usr/bin/env bash
# Here, before a GPU training call: the training set, into the git-ignored .gpu_data/ the device
# call carries (../shared does not travel; its data is never committed). Aligned 128 px crops of
# the clips in ../shared/data/video (every 5th frame, labelled by the AU estimator, the last clip
# held out), plus the 81 OpenFace-labelled frames of au_labeled/atw_sequence with their own split.
#   then:   run(command="bash benchmarks/gpu/train.sh", carry=[".whl", ".gpu_data"], timeout_s=600)
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared/data}
ATW=${ATW:-.venv/bin/atw}
rm -rf .gpu_data && mkdir -p .gpu_data
"$ATW" data crops "$SHARED"/video/liveportrait_d*.mp4 -o .gpu_data/crops --every 5
.venv/bin/python - "$SHARED/au_labeled/atw_sequence" .gpu_data/crops <<'PY'
"""Append the labelled frames to the crops folder (images, labels.csv rows, split ids)."""
import csv, shutil, sys
from pathlib import Path

from atw_ofx.conventions import AU_NAMES
from atw_ofx.train.data import read_labels

source, crops = Path(sys.argv[1]), Path(sys.argv[2])
labels = read_labels(source / "aus.txt")
with open(crops / "labels.csv", "a", newline="") as fh:
    rows = csv.writer(fh)
    for name, aus in sorted(labels.items()):
        image = source / "imgs" / name
        if image.is_file():
            shutil.copy(image, crops / "imgs" / f"seq_{name}")
            rows.writerow([f"seq_{name}", *(f"{a:.3f}" for a in aus)])
for split in ("train", "test"):
    ids = [line.strip() for line in (source / f"{split}_ids.csv").read_text().splitlines()
           if line.strip()]
    with open(crops / f"{split}_ids.csv", "a") as fh:
        fh.writelines(f"seq_{i}\n" for i in ids)
print(f"added {len(labels)} labelled frames ({', '.join(AU_NAMES[:3])}, ...)")
PY
du -sh .gpu_data
