#include "codegen/AotCompiler.h"

#include <chrono>
#include <filesystem>

#include "codegen/ModelObjects.h"
#include "codegen/Target.h"
#include "codegen/ThreadPool.h"
#include "codegen/Toolchain.h"
#include "ir/Error.h"

namespace fs = std::filesystem;

namespace atrous::codegen {

AotResult compileModel(const Graph &graph, const Weights &weights, const AotOptions &options) {
  auto start = std::chrono::steady_clock::now();
  if (options.outputPrefix.empty()) throw Error("compile needs an output: -o DIR/NAME");
  Halide::Target target = parseTarget(options.target);
  fs::path prefix(options.outputPrefix);
  fs::path dir = prefix.parent_path().empty() ? fs::path(".") : prefix.parent_path();
  std::string name = prefix.filename().string();
  if (name.empty()) throw Error("-o " + options.outputPrefix + " names no library");
  fs::create_directories(dir);
  fs::path work = dir / (name + ".objects");
  fs::remove_all(work);

  ModelObjects objs =
      buildModelObjects(graph, weights, target, name, work.string(), options.externalWeights,
                        options.cacheDir, options.fuseGroups, options.outputNames);
  AotResult result;
  result.library = (dir / (objs.name + ".a")).string();
  result.header = (dir / (objs.name + ".h")).string();
  archive(objs.objects, result.library);
  fs::copy_file(objs.headerPath, result.header, fs::copy_options::overwrite_existing);
  if (options.externalWeights) {
    result.weightsFile = (dir / (objs.name + ".weights")).string();
    writeWeightsFile(result.weightsFile, objs.weights);
  }
  fs::remove_all(work);
  result.groups = objs.groups;
  result.intermediateBytes = objs.intermediateBytes;
  result.unsharedIntermediateBytes = objs.unsharedIntermediateBytes;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

void compileRuntime(const std::string &target, const std::string &path) {
  Halide::Target t = parseTarget(target).with_feature(Halide::Target::UserContext);
  fs::path p(path);
  if (!p.parent_path().empty()) fs::create_directories(p.parent_path());
  fs::path work = p.string() + ".objects";
  fs::remove_all(work);
  fs::create_directories(work);
  fs::path halideRuntime = work / "halide_runtime.o", threadPool = work / "thread_pool.o";
  try {
    Halide::compile_standalone_runtime({{Halide::OutputFileType::object, halideRuntime.string()}},
                                       t);
  } catch (const Halide::Error &e) {
    throw Error(std::string("Halide could not build the runtime: ") + e.what());
  }
  compileThreadPool(t, threadPool.string());
  archive({halideRuntime.string(), threadPool.string()}, path);
  fs::remove_all(work);
}

} // namespace atrous::codegen
