#include "passes/Rewriter.h"

#include <set>

#include "ir/Error.h"
#include "ir/Layout.h"
#include "ir/Weights.h"

namespace atrous {

Rewriter::Rewriter(const Graph &old) : old_(old), map_(old.nodes.size(), -1) {
  new_.name = old.name;
  new_.channelsLastIo = old.channelsLastIo;
}

ValueId Rewriter::map(ValueId oldId) const {
  ValueId id = map_.at(static_cast<size_t>(oldId));
  if (id < 0)
    throw Error("rewriter: value '" + old_.node(oldId).name + "' used before it is mapped");
  return id;
}

ValueId Rewriter::copy(ValueId oldId) {
  const Node &n = old_.node(oldId);
  ValueId id;
  if (n.op == OpKind::Input) {
    id = new_.addInput(n.name, n.type, n.loc);
    new_.nodes[static_cast<size_t>(id)].attrs = n.attrs; // its layout
  } else {
    Node copy = n;
    for (ValueId &in : copy.inputs)
      in = map(in);
    id = new_.addNode(std::move(copy));
  }
  setMap(oldId, id);
  return id;
}

ValueId Rewriter::add(Node node) {
  return new_.addNode(std::move(node));
}

std::string Rewriter::freshName(const std::string &base) const {
  if (new_.find(base) < 0 && old_.find(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string name = base + "_" + std::to_string(k);
    if (new_.find(name) < 0 && old_.find(name) < 0) return name;
  }
}

Graph Rewriter::finish() {
  for (ValueId out : old_.outputs)
    new_.outputs.push_back(map(out));
  // A node that became an output (an epilogue fused into a conv, say)
  // takes the model's I/O layout, as the one it replaced had.
  for (ValueId out : new_.outputs) {
    Node &node = new_.nodes.at(static_cast<size_t>(out));
    if (node.op != OpKind::Input)
      node.attrs.set("layout", std::string(layoutName(ioLayout(new_, node.type))));
  }
  return std::move(new_);
}

std::vector<bool> liveNodes(const Graph &graph) {
  std::vector<bool> live(graph.nodes.size(), false);
  for (ValueId out : graph.outputs)
    live[static_cast<size_t>(out)] = true;
  for (size_t i = graph.nodes.size(); i-- > 0;) {
    const Node &n = graph.nodes[i];
    if (n.op == OpKind::Input) live[i] = true;
    if (!live[i]) continue;
    for (ValueId in : n.inputs)
      live[static_cast<size_t>(in)] = true;
  }
  return live;
}

std::vector<int> useCounts(const Graph &graph) {
  std::vector<int> uses(graph.nodes.size(), 0);
  for (const Node &n : graph.nodes)
    for (ValueId in : n.inputs)
      ++uses[static_cast<size_t>(in)];
  for (ValueId out : graph.outputs)
    ++uses[static_cast<size_t>(out)];
  return uses;
}

void pruneWeights(const Graph &graph, Weights &weights) {
  std::set<std::string> wanted;
  for (const ParamSpec &p : paramSpecs(graph))
    wanted.insert(p.name);
  for (auto it = weights.begin(); it != weights.end();)
    it = wanted.count(it->first) ? std::next(it) : weights.erase(it);
}

void replaceWeights(Weights &weights, const std::vector<std::string> &retired, Weights &&made) {
  for (const std::string &name : retired)
    weights.erase(name);
  for (auto &[name, tensor] : made)
    weights[name] = std::move(tensor);
}

bool sweepUntilUnchanged(Graph &graph, Weights *weights, bool (*sweep)(Graph &, Weights *)) {
  bool changed = false;
  while (sweep(graph, weights))
    changed = true;
  return changed;
}

} // namespace atrous
