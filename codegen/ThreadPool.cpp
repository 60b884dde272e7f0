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
  std::filesystem::path source =
      std::filesystem::path(object).parent_path() / "atrous_thread_pool.c";
  std::ofstream(source) << threadPoolSource();
  compileC(target, source.string(), object, {halideIncludeDir()});
}

} // namespace atrous::codegen
