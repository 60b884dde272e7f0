#include "codegen/Lowering.h"

#include "codegen/DriverSource.h"

#include <cctype>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Layout.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

std::vector<Var> halideVars(int rank) {
  static const std::vector<std::vector<std::string>> names = {
      {}, {"x"}, {"x", "n"}, {"x", "c", "n"}, {"x", "y", "c", "n"}};
  std::vector<Var> vars;
  for (int k = 0; k < rank; ++k)
    vars.emplace_back(rank < 5 ? names[rank][k] : "d" + std::to_string(k));
  return vars;
}

std::vector<Expr> logicalArgs(int rank) {
  std::vector<Var> vars = halideVars(rank);
  return std::vector<Expr>(vars.rbegin(), vars.rend());
}

Expr LoweredValue::at(const std::vector<Expr> &logical) const {
  return func(std::vector<Expr>(logical.rbegin(), logical.rend()));
}

std::string funcName(const Node &node) {
  return cIdentifierFor(node.name);
}

void defineLogical(Func &f, int rank, const Expr &value) {
  f(halideVars(rank)) = value;
}

static Halide::Region regionOf(const TensorType &t) {
  Halide::Region r;
  for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it)
    r.emplace_back(0, static_cast<int>(*it));
  return r;
}

LoweredValue withConstantExterior(const LoweredValue &v, Expr value) {
  return {Halide::BoundaryConditions::constant_exterior(v.func, std::move(value), regionOf(v.type)),
          v.type};
}

LoweredValue withMirrorExterior(const LoweredValue &v) {
  return {Halide::BoundaryConditions::mirror_interior(v.func, regionOf(v.type)), v.type};
}

LoweredValue withEdgeExterior(const LoweredValue &v) {
  return {Halide::BoundaryConditions::repeat_edge(v.func, regionOf(v.type)), v.type};
}

const LoweredValue &NodeOperands::param(const std::string &suffix) const {
  auto it = params.find(suffix);
  if (it == params.end()) throw Error("lowering: missing parameter '" + suffix + "'");
  return it->second;
}

// Ops that lower to a single Func.
static Func lowerPlain(const Node &node, const NodeOperands &ops) {
  switch (node.op) {
  case OpKind::Conv1d:
  case OpKind::Conv2d:
    return lowerConv(node, ops);
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d:
    return lowerConvTranspose(node, ops);
  case OpKind::Linear:
    return lowerLinear(node, ops);
  case OpKind::MaxPool1d:
  case OpKind::MaxPool2d:
  case OpKind::AvgPool1d:
  case OpKind::AvgPool2d:
    return lowerPool(node, ops);
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool:
    return lowerGlobalPool(node, ops);
  case OpKind::Resize:
    return lowerResize(node, ops);
  case OpKind::ArgMax:
    return lowerArgMax(node, ops);
  case OpKind::Interleave:
    return lowerInterleave(node, ops);
  case OpKind::ResizeArgMax:
    return lowerResizeArgMax(node, ops);
  case OpKind::Concat:
  case OpKind::Slice:
  case OpKind::Copy:
  case OpKind::Pad:
  case OpKind::Reshape:
  case OpKind::Flatten:
    return lowerDataMovement(node, ops);
  default:
    break;
  }
  if (isElementwise(node.op)) return lowerElementwise(node, ops);
  throw Error("lowering: no rule for " + opName(node.op));
}

LoweredNode lowerNode(const Node &node, const NodeOperands &ops) {
  if (node.op == OpKind::Softmax) return lowerSoftmax(node, ops);
  if ((node.op == OpKind::Resize || node.op == OpKind::ResizeArgMax) &&
      layoutOf(node) == Layout::Planar) {
    // Vectorized along x, a planar resize gathers its input: the rows it
    // blends along x are stored once (lowerResize).
    LoweredNode lowered;
    lowered.func = node.op == OpKind::Resize ? lowerResize(node, ops, &lowered.shared)
                                             : lowerResizeArgMax(node, ops, &lowered.shared);
    return lowered;
  }
  if (node.op == OpKind::GlobalAvgPool || node.op == OpKind::GlobalMaxPool) {
    LoweredNode lowered;
    lowered.func = lowerGlobalPool(node, ops, &lowered.shared);
    return lowered;
  }
  if (isWinogradConv(node.op)) return lowerWinograd(node, ops);
  if (hasEpilogue(node.op)) {
    // The accumulator has the type before a gated epilogue halves it.
    Node accumulatorNode = node;
    accumulatorNode.type = accumulatorType(node);
    LoweredNode lowered;
    const int gatedHalf = pairsGatedChannels(node) ? static_cast<int>(node.type.shape[1]) : 0;
    lowered.accumulator = isConv(node.op) ? lowerConv(accumulatorNode, ops, &lowered, gatedHalf)
                                          : lowerPlain(accumulatorNode, ops);
    lowered.func = lowerEpilogue(node, lowered.accumulator, ops);
    return lowered;
  }
  LoweredNode lowered;
  lowered.func = lowerPlain(node, ops);
  return lowered;
}

} // namespace atrous::codegen
