// cse: two nodes with the same op, attributes and inputs compute the same
// value, so the later one is dropped and its users, graph outputs included,
// read the first (whose name survives; an output list may then name one value
// twice). `add` and `mul` are commutative in floating point too, so their
// inputs are compared as a set. Nodes that own weights (conv, transposed
// conv, linear, batchnorm, bias) are never merged: equal attributes do not
// mean equal weights. Nodes are visited in order with their inputs already
// merged, so whole duplicated chains (two equal branches) collapse in one run.
#include "passes/CommonSubexpressions.h"

#include <algorithm>
#include <map>
#include <utility>

#include "passes/Rewriter.h"

namespace atrous {

namespace {

class CsePass : public Pass {
public:
  std::string name() const override { return "cse"; }
  std::string summary() const override {
    return "merge weightless nodes with the same op, attributes and inputs";
  }

  // Merged nodes own no weights, so the weights stay as they are.
  bool run(Graph &graph, Weights *) override {
    using Key = std::pair<OpKind, std::vector<ValueId>>;
    std::map<Key, std::vector<ValueId>> seen; // new ids of candidate nodes
    Rewriter rw(graph);
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto id = static_cast<ValueId>(i);
      const Node &n = graph.nodes[i];
      if (n.op == OpKind::Input || !paramSpecs(graph, n).empty()) {
        rw.copy(id);
        continue;
      }
      Key key{n.op, {}};
      for (ValueId in : n.inputs)
        key.second.push_back(rw.map(in));
      if (n.op == OpKind::Add || n.op == OpKind::Mul)
        std::sort(key.second.begin(), key.second.end());
      std::vector<ValueId> &candidates = seen[key];
      auto same = std::find_if(candidates.begin(), candidates.end(),
                               [&](ValueId c) { return rw.graph().node(c).attrs == n.attrs; });
      if (same != candidates.end()) {
        rw.setMap(id, *same);
        changed = true;
        continue;
      }
      candidates.push_back(rw.copy(id));
    }
    if (!changed) return false;
    graph = rw.finish();
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createCsePass() {
  return std::make_unique<CsePass>();
}

} // namespace atrous
