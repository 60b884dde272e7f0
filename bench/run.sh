#!/usr/bin/env bash
# The benchmark in one command: installs missing Debian packages
# (scripts/setup.sh, as demo.sh and test.sh do), builds the runners
# (atrous_bench, fma_peak, onednn_bench), installs onnxruntime-node under the
# build tree if it is missing, and runs bench/bench.py, which prints the table.
#
#   bash bench/run.sh [--quick] [--json FILE] [--only REGEX] [--isa avx2]
#
# The build is ATROUS_BUILD_DIR (default build/); everything the run writes
# (generated cases, weights, outputs, ONNX files, compiled groups) goes to
# BUILD/bench/work. ORT_NODE_VERSION pins the onnxruntime-node release
# (scripts/install_onnxruntime.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATROUS_BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build=$PWD/$build ;; esac

bash "$root/scripts/setup.sh" >&2
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=(atrous_bench fma_peak)
if cmake --build "$build" --target help | grep -q '^onednn_bench:'; then
  targets+=(onednn_bench)
else
  echo "run.sh: oneDNN (libdnnl-dev) not found; the oneDNN columns will read n/a" >&2
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >&2

ort_dir=$build/bench/ort
bash "$root/scripts/install_onnxruntime.sh" "$build"
[ -d "$ort_dir/node_modules/onnxruntime-node" ] || echo "run.sh: the ORT column will read n/a" >&2

exec /usr/bin/python3 "$root/bench/bench.py" --bin "$build/bench" --work "$build/bench/work" \
  --node-modules "$ort_dir/node_modules" "$@"
