// group: partitions the graph into fused groups (passes/Grouping.h: an anchor
// and the chain of elementwise ops that consume it, TVM's "output-fusable"
// class followed by injective and elementwise ops) and records each node's
// group as its `group=` attribute. Code generation builds one Halide pipeline
// per group, inlining the chain into the anchor's loops, so only a group's
// last value is ever written to memory. Writing the partition into the IR
// makes it visible in `atrousc opt` output and editable: a hand-edited
// partition is checked against the same rules before code is generated.
#include "passes/AnnotateGroups.h"

#include "passes/Grouping.h"

namespace atrous {

namespace {

class GroupPass : public Pass {
public:
  std::string name() const override { return "group"; }
  std::string summary() const override {
    return "partition into fused groups (one Halide pipeline each) as group= attributes";
  }

  bool run(Graph &graph, Weights *) override {
    bool changed = false;
    const std::vector<std::vector<ValueId>> groups = groupNodes(graph);
    for (size_t g = 0; g < groups.size(); ++g)
      for (ValueId id : groups[g]) {
        Node &node = graph.nodes[static_cast<size_t>(id)];
        const int64_t group = static_cast<int64_t>(g);
        if (node.attrs.has("group") && node.attrs.getInt("group") == group) continue;
        node.attrs.set("group", group);
        changed = true;
      }
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createGroupPass() {
  return std::make_unique<GroupPass>();
}

} // namespace atrous
