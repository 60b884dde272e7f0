// `atrousc opt`: run named passes (or an -O pipeline) on a model and print the
// IR, the way LLVM's opt is used to test passes; and the shared helper that
// runs the -O pipeline before code generation.
#include <fmt/core.h>

#include <iostream>

#include "ir/Error.h"
#include "ir/Printer.h"
#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"
#include "passes/PassManager.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

bool optimize(Graph &graph, Weights &weights, const std::string &level, const std::string &passes) {
  if (!passes.empty()) {
    runPasses(graph, &weights, splitPassList(passes));
    return true;
  }
  runPasses(graph, &weights, pipelinePasses("O" + level));
  return level != "0";
}

// The arena the generated driver would allocate: graph inputs and outputs
// live in the caller's buffers, every other group output in the arena.
static void printMemoryPlan(const Graph &graph, const std::vector<std::vector<ValueId>> &groups) {
  MemoryPlan plan = graphMemoryPlan(graph, groups, callerBuffers(graph));
  for (const auto &[id, offset] : plan.offset)
    fmt::print("arena {}: offset {}, {} bytes\n", graph.node(id).name, offset,
               arenaBytes(graph.type(id)));
  fmt::print("arena peak {} bytes ({} without reuse)\n", plan.peakBytes, plan.totalBytes);
}

int optCommand(const OptOptions &options) {
  if (options.listPasses) {
    for (const std::string &name : allPassNames())
      fmt::print("{:<22} {}\n", name, createPass(name)->summary());
    std::string o2;
    for (const std::string &name : pipelinePasses("O2"))
      o2 += (o2.empty() ? "" : ",") + name;
    fmt::print("-O2: {}\n", o2);
    return 0;
  }
  if (options.model.model.empty()) throw Error("opt needs a MODEL");
  Graph graph = options.model.load();
  std::vector<std::string> passes =
      options.passes.empty() ? pipelinePasses("O" + options.level) : splitPassList(options.passes);
  PassRunOptions run;
  run.printAfterAll = options.printAfterAll;
  run.printAfter.insert(options.printAfter.begin(), options.printAfter.end());
  run.out = &std::cout;
  for (const std::string &name : run.printAfter)
    if (!createPass(name)) throw Error("--print-after: unknown pass '" + name + "'");
  runPasses(graph, nullptr, passes, run);
  if (!run.printAfterAll) fmt::print("{}", printGraph(graph));
  std::vector<std::vector<ValueId>> groups = graphGroups(graph);
  if (options.printGroups) fmt::print("{}", describeGroups(graph, groups));
  if (options.printMemoryPlan) printMemoryPlan(graph, groups);
  return 0;
}

} // namespace atrous::cli
