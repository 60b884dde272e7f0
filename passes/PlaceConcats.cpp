// place-concats and place-interleaves: a concat or an interleave whose parts
// are each read by it alone (or for their shape), are computed, are not graph
// outputs and share its layout (ir/InPlace.h; an interleave's phases must
// also hold exactly its pixels) gets `in_place=true`: each part's group then
// writes straight into its part of the node's buffer and the node itself
// moves no data. The node must be a group of its own and each part the last
// node of its group, since only a group's last value is written to memory;
// so the passes run after `group` and before `plan-memory`, which gives the
// node's buffer the lifetime of all its parts. Split-padding-taps' regions
// are the main case of concats: each region was copied into its row of
// regions and the row into the whole map, and a causal conv1d's long region
// could not skip a zero-padded copy of its input. The interleaves are the
// transposed convs that lower-conv-transpose turned into phases, whose
// interleave copied every output pixel once more (FCN's 64 channels at
// 256x256: 2 ms of 51).
#include "passes/PlaceConcats.h"

#include <map>

#include "ir/InPlace.h"
#include "passes/Grouping.h"

namespace atrous {

namespace {

class PlaceInPlacePass : public Pass {
public:
  PlaceInPlacePass(OpKind op, std::string name, std::string summary)
      : op_(op), name_(std::move(name)), summary_(std::move(summary)) {}
  std::string name() const override { return name_; }
  std::string summary() const override { return summary_; }

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
      if (node.op != op_ || isInPlace(node)) continue;
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

private:
  OpKind op_;
  std::string name_, summary_;
};

} // namespace

std::unique_ptr<Pass> createPlaceConcatsPass() {
  return std::make_unique<PlaceInPlacePass>(
      OpKind::Concat, "place-concats",
      "write the parts of concats into their slices, as in_place= attributes");
}

std::unique_ptr<Pass> createPlaceInterleavesPass() {
  return std::make_unique<PlaceInPlacePass>(
      OpKind::Interleave, "place-interleaves",
      "write the phases of interleaves into their pixels, as in_place= attributes");
}

} // namespace atrous
