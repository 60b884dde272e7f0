// A group: the nodes that become one Halide pipeline, as the `group`
// analysis (passes/Grouping.h) partitions them: an anchor node and the chain
// of elementwise ops that consume it, inlined into its loops so that only the
// group's last value is written to memory. Graph inputs are not groups.
#pragma once

#include <vector>

#include "ir/Graph.h"

namespace atrous::codegen {

struct Group {
  std::vector<ValueId> nodes;  // in graph order; the last one is the output
  std::vector<ValueId> inputs; // values read from outside the group, in first-use order
  // An in-place concat (ir/InPlace.h), alone in its group: its parts' groups
  // write its buffer, so it has no code of its own.
  bool inPlace = false;

  ValueId output() const { return nodes.back(); }
};

// The groups of `graph` in execution order: the `group` pass's when it ran.
std::vector<Group> fusedGroups(const Graph &graph);
// Every computing node a group of its own (-O0 and tests of single ops).
std::vector<Group> singleNodeGroups(const Graph &graph);

} // namespace atrous::codegen
