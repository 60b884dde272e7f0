#include "ir/InPlace.h"

#include <algorithm>

#include "ir/Geometry.h"

namespace atrous {

namespace {

bool markedInPlace(const Node &node) {
  return node.attrs.has("in_place") && node.attrs.getBool("in_place");
}

} // namespace

bool isInPlaceConcat(const Node &node) {
  return node.op == OpKind::Concat && markedInPlace(node);
}

bool isInPlaceInterleave(const Node &node) {
  return node.op == OpKind::Interleave && markedInPlace(node);
}

bool isInPlace(const Node &node) {
  return isInPlaceConcat(node) || isInPlaceInterleave(node);
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

std::vector<int64_t> interleaveStrides(const Node &interleave) {
  return perDim(interleave.attrs.getInts("stride"), interleave.type.rank() - 2, "stride");
}

// Where phase `phase` of an interleave starts in its output (per spatial
// dim) and the output extents it covers: phases are numbered row-major over
// the spatial dims (docs/ops.md, interleave).
struct Phase {
  std::vector<int64_t> offset, extent;
};
Phase interleavePhase(const Node &interleave, size_t phase) {
  const size_t spatial = static_cast<size_t>(interleave.type.rank() - 2);
  const std::vector<int64_t> stride = interleaveStrides(interleave);
  Phase p{std::vector<int64_t>(spatial), std::vector<int64_t>(spatial)};
  int64_t rest = static_cast<int64_t>(phase);
  for (size_t d = spatial; d-- > 0;) {
    const int64_t s = stride[d];
    p.offset[d] = rest % s;
    rest /= s;
    const int64_t size = interleave.type.shape[2 + d];
    p.extent[d] = (size - p.offset[d] + s - 1) / s;
  }
  return p;
}

} // namespace

std::string inPlaceProblem(const Graph &graph, ValueId node) {
  return inPlaceProblem(graph, node, layoutOf(graph.node(node)));
}

std::string inPlaceProblem(const Graph &graph, ValueId id, Layout layout) {
  const Node &node = graph.node(id);
  if (node.op != OpKind::Concat && node.op != OpKind::Interleave)
    return "only a concat or an interleave can be in place";
  for (size_t index = 0; index < node.inputs.size(); ++index) {
    const ValueId part = node.inputs[index];
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
      return name + " is " + layoutName(layoutOf(p)) + ", the " + opName(node.op) + " " +
             layoutName(layout);
    if (node.op == OpKind::Interleave) {
      const Phase phase = interleavePhase(node, index);
      for (size_t d = 0; d < phase.extent.size(); ++d)
        if (p.type.shape[2 + d] != phase.extent[d])
          return name + " has extent " + std::to_string(p.type.shape[2 + d]) + " in spatial dim " +
                 std::to_string(d) + ", where the interleave takes " +
                 std::to_string(phase.extent[d]);
    }
  }
  return "";
}

Placement placementOf(const Graph &graph, ValueId value) {
  const size_t rank = static_cast<size_t>(graph.type(value).rank());
  Placement at{value, std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 1)};
  for (bool moved = true; moved;) {
    moved = false;
    for (size_t i = 0; i < graph.nodes.size() && !moved; ++i) {
      const Node &n = graph.nodes[i];
      auto part = std::find(n.inputs.begin(), n.inputs.end(), at.root);
      if (!isInPlace(n) || part == n.inputs.end()) continue;
      if (n.op == OpKind::Concat) {
        const size_t axis = static_cast<size_t>(concatAxis(n));
        for (auto before = n.inputs.begin(); before != part; ++before)
          at.offset[axis] += graph.type(*before).shape[axis];
      } else {
        // Phase index j lands on interleave index j * stride + offset.
        const Phase phase = interleavePhase(n, static_cast<size_t>(part - n.inputs.begin()));
        const std::vector<int64_t> stride = interleaveStrides(n);
        for (size_t d = 0; d < phase.offset.size(); ++d) {
          at.offset[2 + d] = at.offset[2 + d] * stride[d] + phase.offset[d];
          at.step[2 + d] *= stride[d];
        }
      }
      at.root = static_cast<ValueId>(i);
      moved = true;
    }
  }
  return at;
}

std::vector<int64_t> storageStrides(const Graph &graph, ValueId value) {
  const Placement at = placementOf(graph, value);
  const Node &root = graph.node(at.root);
  std::vector<int64_t> strides =
      layoutStrides(root.type.shape, innermostDim(layoutOf(root), root.type.rank()));
  for (size_t d = 0; d < strides.size(); ++d)
    strides[d] *= at.step[d];
  return strides;
}

} // namespace atrous
