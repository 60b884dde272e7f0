// The grouping analysis: a single forward walk. Every open group is keyed by
// its last member; a chain op that reads one of those, under the rules in
// Grouping.h, extends that group, anything else starts a new one. Because a
// member other than the last has exactly one reader (the next member), and a
// binary member's other operand predates the group, no other group can read
// into the middle of a group, which is what makes the group order a schedule.
#include "passes/Grouping.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "ir/Error.h"
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

static void checkAnnotatedGroup(const Graph &graph, const std::vector<ValueId> &group,
                                const std::vector<int> &uses) {
  const std::set<ValueId> outputs(graph.outputs.begin(), graph.outputs.end());
  for (size_t k = 1; k < group.size(); ++k) {
    const Node &node = graph.node(group[k]);
    const ValueId prev = group[k - 1];
    auto reject = [&](const std::string &why) {
      throw Error("group " + std::to_string(node.attrs.getInt("group")) + ": '" + node.name +
                  "' cannot follow '" + graph.node(prev).name + "' in one pipeline: " + why);
    };
    if (!isElementwise(node.op)) reject(opName(node.op) + " is not elementwise");
    bool readsPrev = false;
    for (ValueId in : node.inputs)
      if (in == prev)
        readsPrev = true;
      else if (in >= group.front())
        reject("it reads '" + graph.node(in).name + "', defined inside the group's span");
    if (!readsPrev) reject("it does not read it");
    if (uses[static_cast<size_t>(prev)] != 1 || outputs.count(prev))
      reject("'" + graph.node(prev).name + "' has other readers");
  }
}

std::vector<std::vector<ValueId>> graphGroups(const Graph &graph) {
  std::map<int64_t, std::vector<ValueId>> byId;
  size_t annotated = 0, computing = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &node = graph.nodes[i];
    if (node.op == OpKind::Input) continue;
    ++computing;
    if (!node.attrs.has("group")) continue;
    ++annotated;
    byId[node.attrs.getInt("group")].push_back(static_cast<ValueId>(i));
  }
  if (annotated == 0) return groupNodes(graph);
  if (annotated != computing)
    throw Error("only " + std::to_string(annotated) + " of " + std::to_string(computing) +
                " nodes have a group= attribute; annotate all of them or none");
  const std::vector<int> uses = useCounts(graph);
  std::vector<std::vector<ValueId>> groups;
  for (auto &[id, members] : byId) {
    checkAnnotatedGroup(graph, members, uses);
    groups.push_back(std::move(members));
  }
  std::sort(groups.begin(), groups.end(),
            [](const auto &a, const auto &b) { return a.front() < b.front(); });
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
