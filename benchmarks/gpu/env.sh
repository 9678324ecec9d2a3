# Sourced by the device scripts: install the carried wheels (.whl/, from prepare.sh) for the
# lent machine's Python and put the checkout on PYTHONPATH; OUT defaults under benchmarks/.
OUT=${OUT:-benchmarks/results/gpu}
mkdir -p "$OUT"
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
fi
atw() { python3 -m atw_ofx.cli "$@"; }
