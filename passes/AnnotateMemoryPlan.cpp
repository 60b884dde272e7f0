// plan-memory: every value a group writes to memory, other than the model's
// inputs and outputs (which live in the caller's buffers), gets a byte offset
// in one arena, recorded as its `arena_offset=` attribute. Values whose
// lifetimes (from the step that writes them to the last step that reads them,
// steps being the groups in order) do not overlap share bytes, so the
// generated code allocates the peak of what is live at once rather than the
// sum; passes/MemoryPlan.h has the greedy best-fit planner. The groups are
// the `group` pass's when it ran. The generated driver uses the recorded
// offsets, and `atrousc compile` reports the peak and the header exposes it.
#include "passes/AnnotateMemoryPlan.h"

#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"

namespace atrous {

namespace {

class PlanMemoryPass : public Pass {
public:
  std::string name() const override { return "plan-memory"; }
  std::string summary() const override {
    return "place intermediates in one reused arena, as arena_offset= attributes";
  }

  bool run(Graph &graph, Weights *) override {
    bool changed = false;
    for (Node &node : graph.nodes)
      if (node.attrs.has("arena_offset")) {
        node.attrs.erase("arena_offset");
        changed = true;
      }
    const MemoryPlan plan = planMemory(graph, graphGroups(graph), callerBuffers(graph));
    for (const auto &[id, offset] : plan.offset) {
      graph.nodes[static_cast<size_t>(id)].attrs.set("arena_offset", static_cast<int64_t>(offset));
      changed = true;
    }
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createPlanMemoryPass() {
  return std::make_unique<PlanMemoryPass>();
}

} // namespace atrous
