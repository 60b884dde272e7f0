// `atrousc compile` and `atrousc runtime`: a model to NAME.a + NAME.h, and
// the Halide runtime that apps link once.
#include <fmt/core.h>

#include "codegen/AotCompiler.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

int compileCommand(const CompileCommandOptions &options) {
  LoadedModel model = options.model.loadModel();
  Weights weights = resolveWeights(model, options.weights);
  Graph graph = std::move(model.graph);
  codegen::AotOptions aot;
  for (ValueId out : graph.outputs)
    aot.outputNames.push_back(graph.node(out).name);
  aot.fuseGroups = optimize(graph, weights, options.level, options.passes);
  aot.target = options.target;
  aot.outputPrefix = options.output;
  aot.externalWeights = options.externalWeights;
  aot.cacheDir = options.cacheDir;
  codegen::AotResult r = codegen::compileModel(graph, weights, aot);
  fmt::print("compiled {} ({} groups) for {} in {:.1f} s\n", graph.name, r.groups, options.target,
             r.seconds);
  fmt::print("  {}\n  {}\n", r.library, r.header);
  if (!r.weightsFile.empty()) fmt::print("  {}\n", r.weightsFile);
  fmt::print("  peak intermediate bytes: {} ({} without reuse)\n", r.intermediateBytes,
             r.unsharedIntermediateBytes);
  return 0;
}

int runtimeCommand(const RuntimeOptions &options) {
  codegen::compileRuntime(options.target, options.output);
  fmt::print("Halide runtime for {}: {}\n", options.target, options.output);
  return 0;
}

} // namespace atrous::cli
