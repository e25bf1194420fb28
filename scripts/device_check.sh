#!/usr/bin/env bash
# Check graftlab on an accelerator in one short run (well under 8 minutes on one GPU):
#   1. install the CUDA build of the JAX already installed (same version; from PyPI, or from
#      $GRAFT_WHEELS, a folder of wheels, on a machine without network);
#   2. train the demo CNN and the Transformer experiment with graft run's trainer, time a
#      hand-written NNX loop on the same model and data, and train data-parallel over every
#      device; print one `NAME: key=value ...` line per result (steps/s side by side).
#
# Usage: scripts/device_check.sh [--cpu] [--no-install]
#   --cpu         dry mode (what the tests run): CPU backend, a few steps, no install,
#                 data parallelism over 2 simulated devices.
#   --no-install  use the JAX that is installed as it is.
# PYTHON picks the interpreter (default: the repository's .venv, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."

CPU=0
INSTALL=1
for arg in "$@"; do
  case "$arg" in
    --cpu) CPU=1; INSTALL=0 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"

if [[ $INSTALL == 1 ]]; then
  JAX_VERSION="$("$PYTHON" -c 'import jax; print(jax.__version__)')"
  CUDA="${GRAFT_CUDA:-cuda12}"
  echo "install: jax[$CUDA]==$JAX_VERSION"
  if [[ -n "${GRAFT_WHEELS:-}" ]]; then
    "$PYTHON" -m pip install -q --no-index --find-links "$GRAFT_WHEELS" "jax[$CUDA]==$JAX_VERSION"
  else
    timeout 300 "$PYTHON" -m pip install -q "jax[$CUDA]==$JAX_VERSION"
  fi
fi

if [[ $CPU == 1 ]]; then
  export JAX_PLATFORMS=cpu
  exec timeout 470 "$PYTHON" scripts/device_check.py --cpu
fi
exec timeout 470 "$PYTHON" scripts/device_check.py
