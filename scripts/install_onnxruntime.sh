#!/usr/bin/env bash
# Installs onnxruntime-node (ONNX Runtime's CPU build for node) under
# BUILD/bench/ort when it is missing: the benchmark's ONNX Runtime peer and
# the test that checks the ONNX import goldens against ONNX Runtime use it.
# Every onnxruntime-node from 1.17 on downloads GPU binaries in its install
# script, which fails offline; ONNXRUNTIME_NODE_INSTALL=skip keeps the bundled
# CPU binaries. A failure is reported, not fatal: what needs ONNX Runtime then
# says it is missing. ORT_NODE_VERSION pins the release.
#
#   bash scripts/install_onnxruntime.sh BUILD
set -uo pipefail
build=${1:?usage: install_onnxruntime.sh BUILD}
version=${ORT_NODE_VERSION:-1.30.0}
dir=$build/bench/ort
[ -d "$dir/node_modules/onnxruntime-node" ] && exit 0
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "install_onnxruntime: node/npm not found; ONNX Runtime is not installed" >&2
  exit 0
fi
echo "install_onnxruntime: installing onnxruntime-node@$version into $dir" >&2
mkdir -p "$dir"
ONNXRUNTIME_NODE_INSTALL=skip timeout 600 npm install --prefix "$dir" --no-audit --no-fund \
  "onnxruntime-node@$version" >&2 ||
  echo "install_onnxruntime: npm install failed; ONNX Runtime is not installed" >&2
exit 0
