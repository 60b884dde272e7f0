#!/usr/bin/env bash
# Builds atrous and runs every test: unit tests (GoogleTest) and FileCheck
# tests (lit), through ctest. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${ATROUS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
# ONNX Runtime (from npm) checks the ONNX import goldens.
bash scripts/install_onnxruntime.sh "$build"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure
