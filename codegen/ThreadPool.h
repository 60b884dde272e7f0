// The thread pool of generated code (codegen/ThreadPool.c: why it replaces
// Halide's), compiled for a target into the runtimes atrousc builds: the
// archive of `atrousc runtime` and the shared runtime of in-process runs.
#pragma once

#include <string>

#include <Halide.h>

namespace atrous::codegen {

// codegen/ThreadPool.c, as atrousc carries it.
const std::string &threadPoolSource();

// Compiles the pool for `target` to `object` (its source goes beside it for
// the compile: `object`.c).
void compileThreadPool(const Halide::Target &target, const std::string &object);

} // namespace atrous::codegen
