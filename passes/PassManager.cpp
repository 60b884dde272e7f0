#include "passes/PassManager.h"

#include "ir/Error.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

namespace atrous {

std::vector<std::string> splitPassList(const std::string &list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(start, comma - start);
    if (!name.empty()) names.push_back(name);
    start = comma + 1;
  }
  return names;
}

void runPasses(Graph &graph, Weights *weights, const std::vector<std::string> &passes,
               const PassRunOptions &options) {
  std::vector<std::unique_ptr<Pass>> pipeline;
  for (const std::string &name : passes) {
    std::unique_ptr<Pass> pass = createPass(name);
    if (!pass) {
      std::string known;
      for (const std::string &n : allPassNames())
        known += (known.empty() ? "" : ", ") + n;
      throw Error("unknown pass '" + name + "' (passes: " + known + ")");
    }
    pipeline.push_back(std::move(pass));
  }
  for (const std::unique_ptr<Pass> &pass : pipeline) {
    try {
      pass->run(graph, weights);
    } catch (const std::exception &e) {
      throw Error("in pass " + pass->name() + ": " + e.what());
    }
    try {
      verify(graph);
      if (weights) checkWeights(graph, *weights);
    } catch (const Error &e) {
      throw Error("after pass " + pass->name() + ": " + e.what());
    }
    if (options.out && (options.printAfterAll || options.printAfter.count(pass->name())))
      *options.out << "# IR after " << pass->name() << "\n" << printGraph(graph);
  }
}

} // namespace atrous
