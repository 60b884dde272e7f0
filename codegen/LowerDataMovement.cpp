// Ops that only move data: concat, slice, pad (constant / reflect / edge),
// reshape and flatten. Index arithmetic only; no values are computed.
#include "codegen/Lowering.h"

#include "ir/Error.h"
#include "ir/Geometry.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;

namespace {

int64_t axisOf(const Node &node, int rank) {
  int64_t axis = node.attrs.getInt("axis");
  return axis < 0 ? axis + rank : axis;
}

Expr concat(const Node &node, const NodeOperands &ops, const std::vector<Expr> &out) {
  const int rank = node.type.rank();
  const size_t axis = static_cast<size_t>(axisOf(node, rank));
  // Each part is read with its index clamped into its own extent so that
  // bounds inference never asks a part for rows it does not have; a later
  // part overrides the earlier ones from its first row on.
  Expr value;
  int64_t begin = 0;
  for (const LoweredValue &part : ops.inputs) {
    const int extent = static_cast<int>(part.dim(static_cast<int>(axis)));
    std::vector<Expr> idx = out;
    idx[axis] = Halide::clamp(out[axis] - static_cast<int>(begin), 0, extent - 1);
    value = value.defined()
                ? Halide::select(out[axis] >= static_cast<int>(begin), part.at(idx), value)
                : part.at(idx);
    begin += extent;
  }
  return value;
}

Expr slice(const Node &node, const NodeOperands &ops, const std::vector<Expr> &out) {
  const LoweredValue &x = ops.inputs[0];
  SliceRange r = sliceRange(node, x.type.shape);
  const size_t axis = static_cast<size_t>(r.axis);
  std::vector<Expr> idx = out;
  idx[axis] = static_cast<int>(r.start) + out[axis] * static_cast<int>(r.step);
  return x.at(idx);
}

Expr pad(const Node &node, const NodeOperands &ops, const std::vector<Expr> &out) {
  const LoweredValue &x = ops.inputs[0];
  const int spatial = x.type.rank() - 2;
  std::vector<int64_t> pads = node.attrs.getInts("pad");
  std::vector<int64_t> begin = pads.size() == static_cast<size_t>(2 * spatial)
                                   ? std::vector<int64_t>(pads.begin(), pads.begin() + spatial)
                                   : perDim(pads, spatial, "pad");
  const std::string &mode = node.attrs.getString("mode");
  LoweredValue ext =
      mode == "reflect" ? withMirrorExterior(x)
      : mode == "edge"  ? withEdgeExterior(x)
                        : withConstantExterior(x, static_cast<float>(node.attrs.getFloat("value")));
  std::vector<Expr> idx = out;
  for (int d = 0; d < spatial; ++d)
    idx[2 + d] = out[2 + d] - static_cast<int>(begin[d]);
  return ext.at(idx);
}

// Reshape and flatten keep the row-major order: the output's flat index is
// the input's.
Expr reshape(const Node &node, const NodeOperands &ops, const std::vector<Expr> &out) {
  const LoweredValue &x = ops.inputs[0];
  Expr flat = 0;
  for (int d = 0; d < node.type.rank(); ++d)
    flat = flat * static_cast<int>(node.type.shape[static_cast<size_t>(d)]) + out[d];
  std::vector<Expr> idx(static_cast<size_t>(x.type.rank()));
  for (int d = x.type.rank() - 1; d >= 0; --d) {
    int extent = static_cast<int>(x.dim(d));
    idx[static_cast<size_t>(d)] = d == 0 ? flat : flat % extent;
    flat = flat / extent;
  }
  return x.at(idx);
}

} // namespace

Func lowerDataMovement(const Node &node, const NodeOperands &ops) {
  const int rank = node.type.rank();
  std::vector<Expr> out = logicalArgs(rank);
  Expr value;
  switch (node.op) {
  case OpKind::Concat:
    value = concat(node, ops, out);
    break;
  case OpKind::Slice:
    value = slice(node, ops, out);
    break;
  case OpKind::Copy:
    value = ops.inputs[0].at(out);
    break;
  case OpKind::Pad:
    value = pad(node, ops, out);
    break;
  case OpKind::Reshape:
  case OpKind::Flatten:
    value = reshape(node, ops, out);
    break;
  default:
    throw Error("lowering: " + opName(node.op) + " is not a data movement op");
  }
  Func f(funcName(node));
  defineLogical(f, rank, value);
  return f;
}

} // namespace atrous::codegen
