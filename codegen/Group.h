// A group: the nodes that become one Halide pipeline. Until the fusion passes
// form larger groups, every node that computes something is a group of its
// own; graph inputs are not groups.
#pragma once

#include <vector>

#include "ir/Graph.h"

namespace atrous::codegen {

struct Group {
  std::vector<ValueId> nodes;  // in graph order; the last one is the output
  std::vector<ValueId> inputs; // values read from outside the group, in first-use order

  ValueId output() const { return nodes.back(); }
};

std::vector<Group> singleNodeGroups(const Graph &graph);

} // namespace atrous::codegen
