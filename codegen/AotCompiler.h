// Ahead-of-time compilation: a graph and its weights become `NAME.a` and
// `NAME.h`. The archive holds one object per group (compiled with Halide's
// no_runtime, so several models link into one app beside one runtime), the
// generated C driver, and the weights in a read-only data section (or, with
// external weights, a packed file the library maps at start-up).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Weights.h"

namespace atrous::codegen {

struct AotOptions {
  std::string target = "host";
  std::string outputPrefix;     // DIR/NAME: writes DIR/NAME.a and DIR/NAME.h
  bool externalWeights = false; // also writes DIR/NAME.weights
  std::string cacheDir;         // as CompileOptions::cacheDir
  // The outputs' names as the user wrote them, for the C API (passes may
  // rename the nodes that compute them).
  std::vector<std::string> outputNames;
  bool fuseGroups = true; // one pipeline per fused group, or per node
};

struct AotResult {
  std::string library, header, weightsFile;
  int groups = 0;
  uint64_t intermediateBytes = 0, unsharedIntermediateBytes = 0;
  double seconds = 0;
};

AotResult compileModel(const Graph &graph, const Weights &weights, const AotOptions &options);

// Halide's runtime for `target`, once per app: DIR/atrous_runtime.a.
void compileRuntime(const std::string &target, const std::string &path);

} // namespace atrous::codegen
