// A model compiled for this machine and loaded into the process: the same
// code `atrousc compile` puts in a static library, linked as a shared object
// and opened with dlopen. This is the `halide` backend of `atrousc run` and
// what the differential tests run. Group objects are cached on disk, keyed by
// a hash of the group's IR, its schedule version and the target, so a test
// suite compiles each distinct group once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "ir/Weights.h"

namespace atrous::codegen {

struct CompileOptions {
  std::string target = "host";
  // Where compiled groups and runtimes are kept between runs. Empty: the
  // ATROUS_CACHE_DIR environment variable, else ~/.cache/atrous.
  std::string cacheDir;
  bool fuseGroups = true; // one pipeline per fused group, or per node
};

class CompiledModel {
public:
  // Compiles (or finds in the cache) every group, links them with the driver
  // and the weights, and loads the result. Throws atrous::Error.
  static std::unique_ptr<CompiledModel> compile(const Graph &graph, const Weights &weights,
                                                const CompileOptions &options = {});
  ~CompiledModel();

  // One tensor per graph input in order; returns one per output, all of
  // their logical types (a model whose I/O layout is channels_last gets
  // them moved to and from it here). Throws atrous::Error when a type does
  // not match or the generated code fails.
  std::vector<Tensor> run(const std::vector<Tensor> &inputs) const;
  // The same into `outputs`, as an app that keeps its buffers between calls
  // runs it, every tensor as the model takes and gives it (ir/Layout.h,
  // ioType): NHWC data shaped [N, H, W, C] where the I/O layout is
  // channels_last. Throws as run does.
  void runInto(const std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) const;

  const Graph &graph() const { return graph_; }

  // An entry point of the generated C API by its suffix ("run",
  // "run_buffers", "last_error", ...; docs/generated-api.md), for tests and
  // bindings that call it directly. Throws atrous::Error if there is none.
  void *entryPoint(const std::string &suffix) const;

private:
  CompiledModel() = default;
  Graph graph_;
  void *library_ = nullptr;
  std::string prefix_;
  int (*runArrays_)(void **) = nullptr;
  const char *(*lastError_)() = nullptr;
  std::string tempDir_;
};

} // namespace atrous::codegen
