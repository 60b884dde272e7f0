#include "ir/Verifier.h"

#include <unordered_set>

#include "ir/Error.h"
#include "ir/InPlace.h"
#include "ir/Layout.h"
#include "ir/ResidualInPlace.h"
#include "ir/ShapeInference.h"

namespace atrous {

[[noreturn]] static void fail(const Node &node, const std::string &problem) {
  std::string who = node.op == OpKind::Input ? "input" : opName(node.op);
  throw SourceError(node.loc, who + " '" + node.name + "': " + problem);
}

static void verifyNode(const Graph &graph, size_t index) {
  const Node &node = graph.nodes[index];
  if (node.op == OpKind::Input) {
    if (!node.inputs.empty()) fail(node, "an input reads no values");
    if (node.type.rank() == 0) fail(node, "an input needs a shape");
    for (int64_t d : node.type.shape)
      if (d < 1) fail(node, "dimension " + std::to_string(d) + " is not positive");
    return;
  }
  std::vector<TensorType> inputTypes;
  for (ValueId id : node.inputs) {
    if (id < 0 || static_cast<size_t>(id) >= graph.nodes.size())
      fail(node, "reads value #" + std::to_string(id) + ", which does not exist");
    if (static_cast<size_t>(id) >= index)
      fail(node, "reads '" + graph.nodes[id].name +
                     "', which is defined after it (a cycle or a use before definition)");
    inputTypes.push_back(graph.type(id));
  }
  Attrs normalized = node.attrs;
  TensorType inferred;
  try {
    normalizeAttrs(node.op, normalized);
    inferred = inferType(node, inputTypes);
  } catch (const Error &e) {
    fail(node, e.what());
  }
  if (normalized != node.attrs) fail(node, "attributes are not normalized against the op schema");
  if (inferred != node.type)
    fail(node, "has type " + node.type.str() + " but its inputs give " + inferred.str());
  if (layoutOf(node) == Layout::ChannelsLast && !supportsChannelsLast(node.type))
    fail(node, "layout=channels_last needs a rank-3 or rank-4 value, not " + node.type.str());
  for (const char *annotation : {"group", "arena_offset"})
    if (node.attrs.has(annotation) && node.attrs.getInt(annotation) < 0)
      fail(node, std::string(annotation) + " must not be negative");
  if (isInPlace(node))
    if (std::string problem = inPlaceProblem(graph, static_cast<ValueId>(index)); !problem.empty())
      fail(node, "cannot be in_place: " + problem);
  if (isResidualInPlace(node))
    if (std::string problem = residualInPlaceProblem(graph, static_cast<ValueId>(index));
        !problem.empty())
      fail(node, "cannot write over its residual: " + problem);
}

void verify(const Graph &graph) {
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &node = graph.nodes[i];
    if (node.name.empty())
      throw SourceError(node.loc, "node #" + std::to_string(i) + " has no name");
    if (!names.insert(node.name).second) fail(node, "the name is used by an earlier node");
    verifyNode(graph, i);
  }
  if (graph.outputs.empty()) throw SourceError({}, "model '" + graph.name + "' has no outputs");
  for (ValueId id : graph.outputs)
    if (id < 0 || static_cast<size_t>(id) >= graph.nodes.size())
      throw SourceError({}, "model '" + graph.name + "' outputs value #" + std::to_string(id) +
                                ", which does not exist");
  // Callers exchange inputs and outputs in the model's I/O layout, which
  // the generated code's buffers assume.
  auto checkIo = [&](const Node &node, const char *what) {
    const Layout expected = ioLayout(graph, node.type), actual = layoutOf(node);
    if (actual != expected)
      fail(node, std::string("a model ") + what + " must be " + layoutName(expected) +
                     ", the model's I/O layout (it is layout=" + layoutName(actual) + ")");
  };
  for (const Node &node : graph.nodes)
    if (node.op == OpKind::Input) checkIo(node, "input");
  for (ValueId id : graph.outputs)
    checkIo(graph.node(id), "output");
}

} // namespace atrous
