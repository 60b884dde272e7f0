// Reductions along one axis: softmax (max-subtracted, so large logits do not
// overflow) and argmax (the first index of the maximum, as an i32).
#include "codegen/Lowering.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;

namespace {

int64_t normalizedAxis(const Node &node, int rank) {
  int64_t axis = node.attrs.getInt("axis");
  return axis < 0 ? axis + rank : axis;
}

// Logical indices of `out` with the axis replaced by `r`.
std::vector<Expr> alongAxis(std::vector<Expr> idx, int64_t axis, const Expr &r) {
  idx[static_cast<size_t>(axis)] = r;
  return idx;
}

} // namespace

LoweredNode lowerSoftmax(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const int rank = node.type.rank();
  const int64_t axis = normalizedAxis(node, rank);
  std::vector<Expr> out = logicalArgs(rank);
  RDom r(0, static_cast<int>(x.dim(static_cast<int>(axis))));
  // The three passes read the input through one identity Func, which a
  // schedule may stage (codegen/ScheduleSoftmax.h).
  Func input(funcName(node) + "_input");
  defineLogical(input, rank, x.at(out));
  const LoweredValue in{input, x.type};
  // The max and the sum are over the axis, so they are defined with the
  // axis index pinned to 0: one value per row, shared by the row.
  std::vector<Expr> row = alongAxis(out, axis, 0);
  Func rowMax(funcName(node) + "_max"), rowSum(funcName(node) + "_sum");
  defineLogical(rowMax, rank, Halide::maximum(in.at(alongAxis(out, axis, r))));
  LoweredValue maxValue{rowMax, x.type};
  defineLogical(rowSum, rank,
                Halide::sum(Halide::exp(in.at(alongAxis(out, axis, r)) - maxValue.at(out))));
  LoweredValue sumValue{rowSum, x.type};
  Func softmax(funcName(node));
  defineLogical(softmax, rank, Halide::exp(in.at(out) - maxValue.at(row)) / sumValue.at(row));
  LoweredNode lowered;
  lowered.func = softmax;
  lowered.shared = {rowMax, rowSum};
  lowered.paddedInput = input;
  return lowered;
}

Func lowerArgMax(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const int inRank = x.type.rank();
  const int rank = node.type.rank();
  const int64_t axis = normalizedAxis(node, inRank);
  const bool keep = node.attrs.getBool("keepdims");
  std::vector<Expr> out = logicalArgs(rank);
  std::vector<Expr> src = out;
  if (!keep) src.insert(src.begin() + axis, Expr(0));
  RDom r(0, static_cast<int>(x.dim(static_cast<int>(axis))));
  Func f(funcName(node));
  defineLogical(f, rank, Halide::argmax(x.at(alongAxis(src, axis, r)))[0]);
  return f;
}

} // namespace atrous::codegen
