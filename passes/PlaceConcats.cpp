// place-concats: a concat whose parts are each read by it alone (or for
// their shape), are computed, are not graph outputs and share its layout
// (ir/InPlace.h) gets `in_place=true`: each part's group then writes straight
// into its slice of the concat's buffer and the concat itself moves no data.
// The concat must be a group of its own and each part the last node of its
// group, since only a group's last value is written to memory; so the pass
// runs after `group` and before `plan-memory`, which gives a concat's buffer
// the lifetime of all its parts. Split-padding-taps' regions are the main
// case: each region was copied into its row of regions and the row into the
// whole map, and a causal conv1d's long region could not skip a zero-padded
// copy of its input.
#include "passes/PlaceConcats.h"

#include <map>

#include "ir/InPlace.h"
#include "passes/Grouping.h"

namespace atrous {

namespace {

class PlaceConcatsPass : public Pass {
public:
  std::string name() const override { return "place-concats"; }
  std::string summary() const override {
    return "write the parts of concats into their slices, as in_place= attributes";
  }

  bool run(Graph &graph, Weights *) override {
    std::map<ValueId, size_t> groupSize;
    std::map<ValueId, bool> groupOutput;
    for (const std::vector<ValueId> &group : graphGroups(graph))
      for (ValueId id : group) {
        groupSize[id] = group.size();
        groupOutput[id] = id == group.back();
      }
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      Node &node = graph.nodes[i];
      if (node.op != OpKind::Concat || isInPlaceConcat(node)) continue;
      const ValueId id = static_cast<ValueId>(i);
      bool placeable = groupSize[id] == 1 && inPlaceProblem(graph, id).empty();
      for (ValueId part : node.inputs)
        placeable = placeable && groupOutput[part];
      if (!placeable) continue;
      node.attrs.set("in_place", true);
      changed = true;
    }
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createPlaceConcatsPass() {
  return std::make_unique<PlaceConcatsPass>();
}

} // namespace atrous
