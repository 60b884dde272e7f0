#!/usr/bin/env bash
# The out-of-tree CMake test: installs a built atrous into a temporary prefix,
# builds tests/cmake_consumer against it with find_package(Atrous) and runs
# the program, then checks that touching one model recompiles that model
# only. Usage: run_test.sh BUILD_DIR (an already built atrous build tree).
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/atrous-cmake-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
  { cat "$work/install.log" >&2; exit 1; }
# The consumer's sources are copied so that touching a model does not dirty
# the source tree.
cp -r "$source_dir" "$work/src"
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/build" -j2
"$work/build/consumer"

# Only the touched model (and the program) are rebuilt.
touch "$work/src/pool_add.atr"
plan=$(cmake --build "$work/build" -- -n)
if ! grep -q "Compiling atrous model pooled " <<<"$plan" ||
  grep -q "Compiling atrous model conv_relu\|runtime" <<<"$plan"; then
  echo "after touching pool_add.atr, expected a rebuild of model pooled only, got:" >&2
  echo "$plan" >&2
  exit 1
fi
echo "cmake consumer test passed"
