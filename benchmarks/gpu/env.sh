# Sourced by the device scripts: install the carried wheels (.whl/, from prepare.sh) for the
# lent machine's Python and put the checkout on PYTHONPATH; OUT defaults under benchmarks/.
OUT=${OUT:-benchmarks/results/gpu}
mkdir -p "$OUT"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
fi
# The AVX-512 CPU kernel, where this machine can build it (else the Numba kernel runs).
python3 setup.py -q build_ext --inplace > /dev/null 2>&1 || echo "AVX-512 kernel not built here"
atw() { python3 -m atw_ofx.cli "$@"; }
