// Compilation targets as users name them: `host`, `host-cuda` (CUDA with a
// compute capability of 8.0 unless one is given), or any Halide target string
// (`x86-64-linux-avx2`, `arm-64-linux`, `host-opencl`, ...).
#pragma once

#include <string>

#include <Halide.h>

namespace atrous::codegen {

// Throws atrous::Error naming the spelling when Halide does not know it.
Halide::Target parseTarget(const std::string &spec);

bool isGpuTarget(const Halide::Target &target);

// Whether code for `target` can run on this machine (same architecture and
// OS, no missing CPU features, no GPU API).
bool runsOnHost(const Halide::Target &target);

} // namespace atrous::codegen
