#!/usr/bin/env bash
# The benchmark in one command: installs missing Debian packages
# (scripts/setup.sh, as demo.sh and test.sh do), builds the runners
# (atrous_bench, fma_peak, onednn_bench), installs onnxruntime-node under the
# build tree if it is missing, and runs bench/bench.py, which prints the table.
#
#   bash bench/run.sh [--quick] [--json FILE] [--only REGEX]
#
# The build is ATROUS_BUILD_DIR (default build/); everything the run writes
# (generated cases, weights, outputs, ONNX files, compiled groups) goes to
# BUILD/bench/work. ORT_NODE_VERSION pins the onnxruntime-node release.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ATROUS_BUILD_DIR:-$root/build}
case "$build" in /*) ;; *) build=$PWD/$build ;; esac
ort_version=${ORT_NODE_VERSION:-1.30.0}

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

# Every onnxruntime-node from 1.17 on downloads GPU binaries in its install
# script, which fails offline; skipping the script keeps the bundled CPU
# binaries, all the benchmark needs.
ort_dir=$build/bench/ort
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  if command -v npm >/dev/null && command -v node >/dev/null; then
    echo "run.sh: installing onnxruntime-node@$ort_version into $ort_dir" >&2
    mkdir -p "$ort_dir"
    ONNXRUNTIME_NODE_INSTALL=skip npm install --prefix "$ort_dir" --no-audit --no-fund \
      "onnxruntime-node@$ort_version" >&2 ||
      echo "run.sh: npm install failed; the ORT column will read n/a" >&2
  else
    echo "run.sh: node/npm not found; the ORT column will read n/a" >&2
  fi
fi

exec /usr/bin/python3 "$root/bench/bench.py" --bin "$build/bench" --work "$build/bench/work" \
  --node-modules "$ort_dir/node_modules" "$@"
