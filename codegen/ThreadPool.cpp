#include "codegen/ThreadPool.h"

#include <filesystem>
#include <fstream>

#include "codegen/ThreadPoolSource.h"
#include "codegen/Toolchain.h"

namespace atrous::codegen {

const std::string &threadPoolSource() {
  static const std::string source = kThreadPoolSource;
  return source;
}

void compileThreadPool(const Halide::Target &target, const std::string &object) {
  // Named after the object, which callers make unique per process.
  const std::string source = object + ".c";
  std::ofstream(source) << threadPoolSource();
  try {
    compileC(target, source, object, {halideIncludeDir()});
  } catch (...) {
    std::filesystem::remove(source);
    throw;
  }
  std::filesystem::remove(source);
}

} // namespace atrous::codegen
