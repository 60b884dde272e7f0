#!/usr/bin/env bash
# Installs what atrous needs from Debian's packages. Idempotent: apt-get runs
# only when a package is missing, so a second call costs a dpkg query.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang
  libhalide14-0-dev
  libfmt-dev libgtest-dev libcli11-dev nlohmann-json3-dev libpng-dev
  llvm-14-tools llvm-14-dev clang-format
  python3 python3-numpy python3-torch python3-onnx
  libonnx-dev libprotobuf-dev protobuf-compiler
  libdnnl-dev nodejs
  pocl-opencl-icd ocl-icd-opencl-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
