// The grouping analysis: a single forward walk. Every open group is keyed by
// its last member; a chain op that reads one of those, under the rules in
// Grouping.h, extends that group, anything else starts a new one. Because a
// member other than the last has exactly one reader (the next member), and a
// binary member's other operand predates the group, no other group can read
// into the middle of a group, which is what makes the group order a schedule.
#include "passes/Grouping.h"

#include <map>
#include <optional>

#include "passes/Rewriter.h"

namespace atrous {

std::vector<std::vector<ValueId>> groupNodes(const Graph &graph) {
  const std::vector<int> uses = useCounts(graph); // outputs count as readers
  std::vector<std::vector<ValueId>> groups;
  std::map<ValueId, size_t> groupEndingAt; // last member -> its group

  // The group `node` can extend through its input `k`, if any.
  auto joinable = [&](const Node &node, size_t k) -> std::optional<size_t> {
    const ValueId prev = node.inputs[k];
    auto it = groupEndingAt.find(prev);
    if (it == groupEndingAt.end() || uses[static_cast<size_t>(prev)] != 1) return std::nullopt;
    const ValueId first = groups[it->second].front();
    for (size_t j = 0; j < node.inputs.size(); ++j)
      if (j != k && node.inputs[j] >= first) return std::nullopt;
    return it->second;
  };

  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &node = graph.nodes[i];
    const ValueId id = static_cast<ValueId>(i);
    if (node.op == OpKind::Input) continue;
    std::optional<size_t> target;
    if (isElementwise(node.op))
      for (size_t k = 0; k < node.inputs.size() && !target; ++k)
        target = joinable(node, k);
    size_t group;
    if (target) {
      group = *target;
      groupEndingAt.erase(groups[group].back());
      groups[group].push_back(id);
    } else {
      group = groups.size();
      groups.push_back({id});
    }
    groupEndingAt[id] = group;
  }
  return groups;
}

std::string describeGroups(const Graph &graph, const std::vector<std::vector<ValueId>> &groups) {
  std::string text;
  for (size_t g = 0; g < groups.size(); ++g) {
    text += "group " + std::to_string(g) + ":";
    for (size_t k = 0; k < groups[g].size(); ++k)
      text += (k ? ", " : " ") + graph.node(groups[g][k]).name;
    text += "\n";
  }
  return text;
}

} // namespace atrous
