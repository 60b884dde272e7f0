// The C toolchain atrous drives for what Halide does not emit: the model's C
// driver, the object that carries the weights, archives and (for the
// in-process backend) shared objects. Clang is used for every target, with
// --target for cross compilation, so an arm-64 library builds on an x86 host
// without a cross gcc; the driver includes no libc header for that reason.
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

namespace atrous::codegen {

// Runs argv[0] with the arguments, without a shell. Throws atrous::Error with
// `what`, the command line and its output when it fails.
void runProcess(const std::vector<std::string> &argv, const std::string &what);

// `clang [--target=TRIPLE] -c -O2 -fPIC ... SOURCE -o OBJECT`.
void compileC(const Halide::Target &target, const std::string &source, const std::string &object,
              const std::vector<std::string> &includeDirs);
// Builds a static archive from objects (replacing an existing one).
void archive(const std::vector<std::string> &objects, const std::string &library);
// Links objects into a shared object for this machine.
void linkShared(const std::vector<std::string> &objects, const std::string &library);

// The directory of HalideRuntime.h, which the driver includes.
std::string halideIncludeDir();

} // namespace atrous::codegen
