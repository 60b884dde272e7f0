#include "ir/InPlace.h"

#include <algorithm>

namespace atrous {

bool isInPlaceConcat(const Node &node) {
  return node.op == OpKind::Concat && node.attrs.has("in_place") && node.attrs.getBool("in_place");
}

namespace {

int64_t concatAxis(const Node &concat) {
  const int64_t axis = concat.attrs.getInt("axis");
  return axis < 0 ? axis + concat.type.rank() : axis;
}

// Whether `reader` takes its input `index` for its shape alone (resize's
// `like=`), so that the value's elements may live anywhere.
bool readsShapeOnly(const Node &reader, size_t index) {
  const OpInfo &info = opInfo(reader.op);
  if (info.maxInputs < 0 || index < static_cast<size_t>(info.maxInputs)) return false;
  const size_t keyword = index - static_cast<size_t>(info.maxInputs);
  return keyword < info.keywordInputs.size() && info.keywordInputs[keyword] == "like";
}

} // namespace

std::string inPlaceProblem(const Graph &graph, ValueId concat) {
  return inPlaceProblem(graph, concat, layoutOf(graph.node(concat)));
}

std::string inPlaceProblem(const Graph &graph, ValueId concat, Layout layout) {
  const Node &node = graph.node(concat);
  if (node.op != OpKind::Concat) return "only a concat can be in place";
  for (ValueId part : node.inputs) {
    const Node &p = graph.node(part);
    const std::string name = "its part '" + p.name + "'";
    if (p.op == OpKind::Input) return name + " is a graph input";
    if (std::count(graph.outputs.begin(), graph.outputs.end(), part))
      return name + " is a graph output";
    int readers = 0;
    for (const Node &n : graph.nodes)
      for (size_t k = 0; k < n.inputs.size(); ++k)
        readers += n.inputs[k] == part && !readsShapeOnly(n, k);
    if (readers != 1) return name + " has other readers";
    if (layoutOf(p) != layout)
      return name + " is " + layoutName(layoutOf(p)) + ", the concat " + layoutName(layout);
  }
  return "";
}

Placement placementOf(const Graph &graph, ValueId value) {
  Placement at{value, std::vector<int64_t>(static_cast<size_t>(graph.type(value).rank()), 0)};
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t i = 0; i < graph.nodes.size() && !moved; ++i) {
      const Node &n = graph.nodes[i];
      auto part = std::find(n.inputs.begin(), n.inputs.end(), at.root);
      if (!isInPlaceConcat(n) || part == n.inputs.end()) continue;
      const size_t axis = static_cast<size_t>(concatAxis(n));
      for (auto before = n.inputs.begin(); before != part; ++before)
        at.offset[axis] += graph.type(*before).shape[axis];
      at.root = static_cast<ValueId>(i);
      moved = true;
    }
  }
  return at;
}

std::vector<int64_t> storageStrides(const Graph &graph, ValueId value) {
  const Node &root = graph.node(placementOf(graph, value).root);
  return layoutStrides(root.type.shape, innermostDim(layoutOf(root), root.type.rank()));
}

} // namespace atrous
