// dce: a node that no graph output depends on is computed for nothing, so it
// is removed together with its weights; graph inputs stay even when unused,
// because they are the model's calling convention. Other passes leave such
// nodes behind when they bypass a value (CSE, folding), and a hand-written
// model may hold some; removing them here keeps every other pass simple.
#include "passes/DeadCode.h"

#include "ir/Error.h"
#include "passes/Rewriter.h"

namespace atrous {

Graph keepNodes(const Graph &graph, std::vector<bool> keep) {
  if (keep.size() != graph.nodes.size()) throw Error("keepNodes: one mark per node is needed");
  for (ValueId out : graph.outputs)
    if (!keep[static_cast<size_t>(out)])
      throw Error("keepNodes: output '" + graph.node(out).name + "' is not kept");
  for (size_t i = graph.nodes.size(); i-- > 0;) {
    const Node &n = graph.nodes[i];
    if (n.op == OpKind::Input) keep[i] = true;
    if (!keep[i]) continue;
    for (ValueId in : n.inputs)
      keep[static_cast<size_t>(in)] = true;
  }
  Rewriter rw(graph);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (keep[i]) rw.copy(static_cast<ValueId>(i));
  return rw.finish();
}

namespace {

class DcePass : public Pass {
public:
  std::string name() const override { return "dce"; }
  std::string summary() const override {
    return "remove nodes no output depends on, and their weights";
  }

  bool run(Graph &graph, Weights *weights) override {
    std::vector<bool> live = liveNodes(graph);
    bool anyDead = false;
    for (bool l : live)
      anyDead = anyDead || !l;
    if (!anyDead) return false;
    graph = keepNodes(graph, live);
    if (weights) pruneWeights(graph, *weights);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createDcePass() {
  return std::make_unique<DcePass>();
}

} // namespace atrous
