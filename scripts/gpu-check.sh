#!/usr/bin/env bash
# Checks atrous' CUDA code on a machine with an NVIDIA GPU: builds atrousc,
# compiles every model in models/ for the GPU and for the host CPU, runs both
# as stand-alone apps on the same inputs and weights, prints a table of
# differences and timings, and exits non-zero on a mismatch.
#
# Environment:
#   ATROUS_GPU_TARGET   the GPU target (default host-cuda). host-opencl runs
#                       through PoCL without a GPU; host checks the script.
#   ATROUS_BUILD_DIR    build directory (default build)
#   ATROUS_GPU_REPEATS  timed calls per app after the first (default 10)
#   ATROUS_SKIP_SETUP=1 do not run scripts/setup.sh
# Arguments are passed to tests/gpu/compare_targets.py (e.g. --only wavenet).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${ATROUS_GPU_TARGET:-host-cuda}
build=${ATROUS_BUILD_DIR:-build}

[ "${ATROUS_SKIP_SETUP:-0}" = 1 ] || bash scripts/setup.sh
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" >/dev/null
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target atrousc

export ATROUS_CACHE_DIR=${ATROUS_CACHE_DIR:-$PWD/$build/atrous-cache}
exec /usr/bin/python3 tests/gpu/compare_targets.py --atrousc "$build/bin/atrousc" \
  --target "$target" --work "$build/gpu-check" --repeats "${ATROUS_GPU_REPEATS:-10}" "$@"
