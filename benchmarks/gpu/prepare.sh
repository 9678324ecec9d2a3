#!/usr/bin/env bash
# Here, before a GPU session's first device call: the wheels the lent machine lacks (its image has
# torch, Triton, numba, OpenCV and pytest, but not OpenImageIO, OpenColorIO or fileseq), for its
# Python 3.12, into the git-ignored .whl/ that the device call carries (about 16 MB).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
  OpenImageIO==3.2.2 opencolorio==2.6.0 fileseq==3.4.0
ls -la .whl
