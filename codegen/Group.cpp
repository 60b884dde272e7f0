#include "codegen/Group.h"

#include <algorithm>

#include "ir/Error.h"
#include "ir/InPlace.h"
#include "passes/Grouping.h"

namespace atrous::codegen {

static Group makeGroup(const Graph &graph, std::vector<ValueId> nodes) {
  Group g;
  g.nodes = std::move(nodes);
  for (ValueId id : g.nodes)
    if (isInPlace(graph.node(id))) {
      // Only a group's last value is stored, and an in-place concat or
      // interleave is nothing but its stored parts.
      if (g.nodes.size() != 1)
        throw Error(opName(graph.node(id).op) + " '" + graph.node(id).name +
                    "' is in_place, so it must be a group of its own");
      g.inPlace = true;
    }
  for (ValueId id : g.nodes)
    for (ValueId in : graph.node(id).inputs)
      if (std::find(g.nodes.begin(), g.nodes.end(), in) == g.nodes.end() &&
          std::find(g.inputs.begin(), g.inputs.end(), in) == g.inputs.end())
        g.inputs.push_back(in);
  return g;
}

std::vector<Group> fusedGroups(const Graph &graph) {
  std::vector<Group> groups;
  for (std::vector<ValueId> &nodes : graphGroups(graph))
    groups.push_back(makeGroup(graph, std::move(nodes)));
  return groups;
}

std::vector<Group> singleNodeGroups(const Graph &graph) {
  std::vector<Group> groups;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].op != OpKind::Input)
      groups.push_back(makeGroup(graph, {static_cast<ValueId>(i)}));
  return groups;
}

} // namespace atrous::codegen
