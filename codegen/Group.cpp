#include "codegen/Group.h"

#include <algorithm>

namespace atrous::codegen {

std::vector<Group> singleNodeGroups(const Graph &graph) {
  std::vector<Group> groups;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &n = graph.nodes[i];
    if (n.op == OpKind::Input) continue;
    Group g;
    g.nodes = {static_cast<ValueId>(i)};
    for (ValueId in : n.inputs)
      if (std::find(g.inputs.begin(), g.inputs.end(), in) == g.inputs.end()) g.inputs.push_back(in);
    groups.push_back(std::move(g));
  }
  return groups;
}

} // namespace atrous::codegen
