// The usual shape of a pass: build a new graph from the old one node by node,
// copying most nodes with their inputs renumbered and emitting replacements
// for the ones the pass rewrites. Value ids of the old graph map to ids of the
// new one; outputs follow the map.
#pragma once

#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Weights.h"

namespace atrous {

class Rewriter {
public:
  explicit Rewriter(const Graph &old);

  const Graph &old() const { return old_; }
  Graph &graph() { return new_; }

  // The new id of an old value (after copy() or setMap()).
  ValueId map(ValueId oldId) const;
  void setMap(ValueId oldId, ValueId newId) { map_.at(static_cast<size_t>(oldId)) = newId; }
  // Copies an old node (or input) with its inputs renumbered; maps it.
  ValueId copy(ValueId oldId);
  // Appends a node whose inputs are already new ids.
  ValueId add(Node node);
  // A node name not used yet in the new or the old graph, from `base`.
  std::string freshName(const std::string &base) const;

  // The new graph, with the old outputs renumbered.
  Graph finish();

private:
  const Graph &old_;
  Graph new_;
  std::vector<ValueId> map_;
};

// The nodes that some output depends on (inputs always count as live).
std::vector<bool> liveNodes(const Graph &graph);
// How many nodes read each value, outputs counted as readers.
std::vector<int> useCounts(const Graph &graph);
// Removes the weights of nodes that are no longer in the graph.
void pruneWeights(const Graph &graph, Weights &weights);
// Erases the weights a rewrite retired, then moves in those it made (a
// name may be in both, when a node keeps its name but not its weights).
void replaceWeights(Weights &weights, const std::vector<std::string> &retired, Weights &&made);

// Runs `sweep` (one pass over the graph that says whether it rewrote
// anything) until a sweep changes nothing, for passes where one rewrite can
// enable another. Returns whether any sweep changed the graph.
bool sweepUntilUnchanged(Graph &graph, Weights *weights, bool (*sweep)(Graph &, Weights *));

} // namespace atrous
