#include "ir/ResidualInPlace.h"

#include <algorithm>
#include <string>

#include "ir/Epilogue.h"
#include "ir/InPlace.h"
#include "ir/Layout.h"

namespace atrous {

bool isResidualInPlace(const Node &node) {
  return node.attrs.has("residual_in_place") && node.attrs.getBool("residual_in_place");
}

std::string residualInPlaceProblem(const Graph &graph, ValueId id) {
  const Node &node = graph.node(id);
  if (node.op != OpKind::Conv1d && node.op != OpKind::Conv2d)
    return "only a conv1d or a conv2d can write over its residual";
  if (!hasResidual(node)) return "it has no residual";
  if (activationOf(node) == Activation::Gated)
    return "its gated activation halves the accumulator's channels";
  if (layoutOf(node) != Layout::ChannelsLast) return "it is planar, not channels_last";
  if (node.type.shape[1] % kChannelsLastBlock != 0)
    return "its " + std::to_string(node.type.shape[1]) + " channels fill no whole blocks of " +
           std::to_string(kChannelsLastBlock);
  auto isOutput = [&](ValueId v) {
    return std::count(graph.outputs.begin(), graph.outputs.end(), v) != 0;
  };
  if (isOutput(id)) return "it is a graph output";
  if (placementOf(graph, id).root != id) return "it is a part of an in-place node";
  const ValueId residual = node.inputs.back();
  const Node &r = graph.node(residual);
  const std::string name = "its residual '" + r.name + "'";
  if (r.op == OpKind::Input) return name + " is a graph input";
  if (isOutput(residual)) return name + " is a graph output";
  if (r.type != node.type) return name + " is " + r.type.str() + ", not " + node.type.str();
  if (layoutOf(r) != layoutOf(node)) return name + " is " + layoutName(layoutOf(r));
  if (isInPlace(r) || placementOf(graph, residual).root != residual) return name + " is in place";
  if (std::count(node.inputs.begin(), node.inputs.end(), residual) != 1)
    return name + " is its main input too";
  return "";
}

} // namespace atrous
