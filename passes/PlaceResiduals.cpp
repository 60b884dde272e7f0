// place-residuals: a channels_last conv whose epilogue adds a residual that
// no later group reads gets `residual_in_place=true`: plan-memory then gives
// its value the residual's bytes, and its group reads each residual element
// just before writing its sum there. The rules (ir/ResidualInPlace.h) ask
// for a conv that is a group of its own, after the groups are known, and
// for a residual no later group reads, after the concats and interleaves are
// placed (a part of one has no bytes of its own), so the pass runs after
// `place-interleaves` and before `plan-memory`. WaveNet is the case: its skip
// sum and its residual stream each go through a chain of 1x1 convs that add
// into them, 20 of 64 -> 256 channels over 16000 samples for the skips.
#include "passes/PlaceResiduals.h"

#include "ir/ResidualInPlace.h"
#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"

namespace atrous {

namespace {

class PlaceResidualsPass : public Pass {
public:
  std::string name() const override { return "place-residuals"; }
  std::string summary() const override {
    return "write convs over the residuals they add, as residual_in_place= attributes";
  }

  bool run(Graph &graph, Weights *) override {
    const std::vector<std::vector<ValueId>> steps = graphGroups(graph);
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto id = static_cast<ValueId>(i);
      if (isResidualInPlace(graph.nodes[i]) || !residualInPlaceProblem(graph, id).empty() ||
          !residualStepProblem(graph, steps, id).empty())
        continue;
      graph.nodes[i].attrs.set("residual_in_place", true);
      changed = true;
    }
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createPlaceResidualsPass() {
  return std::make_unique<PlaceResidualsPass>();
}

} // namespace atrous
