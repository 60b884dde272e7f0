// Everything a compiled model is made of, as object files in a work
// directory: the group objects (from the cache), the C driver and, unless the
// weights are external, the object that carries them. The AOT compiler
// archives these; the in-process backend links them into a shared object.
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

#include "codegen/WeightsBlob.h"
#include "ir/Graph.h"

namespace atrous::codegen {

struct ModelObjects {
  std::string name; // the C identifier the entry points are prefixed with
  std::vector<std::string> objects;
  std::string headerPath;
  WeightsBlob weights;
  uint64_t intermediateBytes = 0;         // the arena one call allocates
  uint64_t unsharedIntermediateBytes = 0; // what it would be without reuse
  int groups = 0;
  int cachedGroups = 0;
};

ModelObjects buildModelObjects(const Graph &graph, const Weights &weights,
                               const Halide::Target &target, const std::string &name,
                               const std::string &workDir, bool externalWeights,
                               const std::string &cacheDir, bool fuseGroups = true,
                               const std::vector<std::string> &outputNames = {});

} // namespace atrous::codegen
