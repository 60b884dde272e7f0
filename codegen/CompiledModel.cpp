#include "codegen/CompiledModel.h"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "codegen/GroupCompiler.h"
#include "codegen/Hash.h"
#include "codegen/ModelObjects.h"
#include "codegen/Target.h"
#include "codegen/ThreadPool.h"
#include "codegen/Toolchain.h"
#include "ir/Error.h"
#include "ir/Layout.h"

namespace fs = std::filesystem;

namespace atrous::codegen {

namespace {

// One Halide runtime per target and process, loaded globally so that every
// model's shared object resolves its halide_* calls to it.
void loadRuntime(const Halide::Target &target, const std::string &cacheDir) {
  static std::mutex mutex;
  static std::string loaded;
  std::lock_guard<std::mutex> lock(mutex);
  // The pool's source is part of the key: a runtime built before a change
  // to it is not reused.
  std::string key = target.without_feature(Halide::Target::NoRuntime).to_string() + "-" +
                    hexDigest(fnv1a(threadPoolSource()));
  if (loaded == key) return;
  // A second runtime would not be used: the first one's halide_* symbols,
  // loaded globally, already resolve every model's calls.
  if (!loaded.empty())
    throw Error("this process already runs models for " + loaded + "; models for " + key +
                " need a process of their own");
  fs::path dir = fs::path(cacheDir) / "runtimes";
  fs::create_directories(dir);
  fs::path so = dir / ("halide_runtime-" + key + ".so");
  if (!fs::exists(so)) {
    std::string tmp = "." + std::to_string(getpid());
    fs::path object = dir / ("halide_runtime-" + key + ".o" + tmp);
    fs::path pool = dir / ("thread_pool-" + key + ".o" + tmp);
    try {
      Halide::compile_standalone_runtime(object.string(), target);
    } catch (const Halide::Error &e) {
      throw Error(std::string("Halide could not build its runtime: ") + e.what());
    }
    compileThreadPool(target, pool.string());
    linkShared({object.string(), pool.string()}, so.string() + tmp);
    fs::remove(object);
    fs::remove(pool);
    fs::rename(so.string() + tmp, so);
  }
  if (!dlopen(so.c_str(), RTLD_NOW | RTLD_GLOBAL))
    throw Error(std::string("cannot load the Halide runtime: ") + dlerror());
  loaded = key;
}

} // namespace

std::unique_ptr<CompiledModel> CompiledModel::compile(const Graph &graph, const Weights &weights,
                                                      const CompileOptions &options) {
  Halide::Target target = parseTarget(options.target);
  if (!runsOnHost(target))
    throw Error("target " + target.to_string() +
                " cannot run on this machine; use `atrousc compile` to build it");
  std::string cacheDir = resolveCacheDir(options.cacheDir);
  loadRuntime(target, cacheDir);

  static std::atomic<int> counter{0};
  std::unique_ptr<CompiledModel> model(new CompiledModel());
  model->graph_ = graph;
  fs::path work =
      fs::path(cacheDir) / "work" / (std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(work);
  model->tempDir_ = work.string();
  ModelObjects objs = buildModelObjects(graph, weights, target, "model", work.string(), false,
                                        cacheDir, options.fuseGroups);
  fs::path so = work / "model.so";
  linkShared(objs.objects, so.string());
  model->library_ = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->library_) throw Error(std::string("cannot load the compiled model: ") + dlerror());
  model->prefix_ = objs.name + "_";
  model->runArrays_ = reinterpret_cast<int (*)(void **)>(model->entryPoint("run_arrays"));
  model->lastError_ = reinterpret_cast<const char *(*)()>(model->entryPoint("last_error"));
  return model;
}

void *CompiledModel::entryPoint(const std::string &suffix) const {
  void *p = dlsym(library_, (prefix_ + suffix).c_str());
  if (!p) throw Error("the compiled model has no entry point " + prefix_ + suffix);
  return p;
}

// The library stays mapped: the Halide runtime may hold a pointer to the
// error handler it contains (halide_set_error_handler is process-wide), and
// unmapping it would leave that pointer dangling. Its files can go.
CompiledModel::~CompiledModel() {
  std::error_code ec;
  if (!tempDir_.empty()) fs::remove_all(tempDir_, ec);
}

void CompiledModel::runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const {
  std::vector<ValueId> ids = graph_.inputs();
  if (inputs.size() != ids.size())
    throw Error("model '" + graph_.name + "' takes " + std::to_string(ids.size()) +
                " inputs, got " + std::to_string(inputs.size()));
  std::vector<void *> arrays;
  for (size_t i = 0; i < ids.size(); ++i) {
    const TensorType expected = ioType(graph_, graph_.type(ids[i]));
    if (inputs[i].type() != expected)
      throw Error("input '" + graph_.node(ids[i]).name + "' expects " + expected.str() + ", got " +
                  inputs[i].type().str());
    arrays.push_back(const_cast<void *>(inputs[i].raw()));
  }
  if (outputs.size() != graph_.outputs.size())
    throw Error("model '" + graph_.name + "' has " + std::to_string(graph_.outputs.size()) +
                " outputs, got " + std::to_string(outputs.size()) + " tensors for them");
  for (size_t j = 0; j < outputs.size(); ++j) {
    const TensorType expected = ioType(graph_, graph_.type(graph_.outputs[j]));
    if (outputs[j].type() != expected)
      throw Error("output '" + graph_.node(graph_.outputs[j]).name + "' is " + expected.str() +
                  ", got a tensor of " + outputs[j].type().str());
    arrays.push_back(outputs[j].raw());
  }
  if (runArrays_(arrays.data()) != 0)
    throw Error("generated code for '" + graph_.name + "' failed: " + lastError_());
}

std::vector<Tensor> CompiledModel::run(const std::vector<Tensor> &inputs) const {
  std::vector<Tensor> outputs;
  for (ValueId out : graph_.outputs)
    outputs.emplace_back(ioType(graph_, graph_.type(out)));
  // A planar model runs on the caller's tensors as they are; only a
  // channels_last one pays for moving them.
  if (!graph_.channelsLastIo) {
    runInto(inputs, outputs);
    return outputs;
  }
  std::vector<Tensor> given;
  for (const Tensor &input : inputs)
    given.push_back(toIoLayout(graph_, input));
  runInto(given, outputs);
  for (size_t j = 0; j < outputs.size(); ++j)
    outputs[j] = fromIoLayout(graph_, outputs[j], graph_.type(graph_.outputs[j]));
  return outputs;
}

} // namespace atrous::codegen
