#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install, build, then show what
# atrous does with the bundled DeepLab v3+ today: the per-layer table of
# `atrousc check`, and a run through the reference interpreter at 65x65 with
# seeded weights, writing the logits as .npy.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${ATROUS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target atrousc
atrousc="$build/bin/atrousc"
mkdir -p out
"$atrousc" check models/deeplabv3plus.atr
"$atrousc" run models/deeplabv3plus.atr --input-shape image=1x3x65x65 --weights random:1 \
  --output out/deeplabv3plus_logits.npy
