#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install, build atrousc, print
# the per-layer table of the bundled DeepLab v3+, compile it to a static
# library (examples/segment/CMakeLists.txt calls atrous_add_model), link it
# into the example app, and segment the bundled image.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${ATROUS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target atrousc
"$build/bin/atrousc" check models/deeplabv3plus.atr
cmake --build "$build" -j"$(nproc)" --target segment
mkdir -p out
"$build/examples/segment/segment" examples/segment/sample.png out/mask.png --runs "${RUNS:-3}"
echo "mask written to out/mask.png"
