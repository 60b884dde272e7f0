// Windowed and global pooling. Max pools see padding as -inf so it never
// wins; average pools divide by the count docs/ops.md defines, which for
// count_include_pad=false varies at the borders and is computed per output.
#include "codegen/Lowering.h"
#include "ir/Geometry.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;

Func lowerPool(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  WindowGeometry g = windowGeometry(node, x.type.shape);
  const int rank = node.type.rank();
  const bool isMax = node.op == OpKind::MaxPool1d || node.op == OpKind::MaxPool2d;

  std::vector<Halide::Range> ranges;
  for (int d = 0; d < g.rank; ++d)
    ranges.emplace_back(0, static_cast<int>(g.kernel[d]));
  RDom r(ranges);
  std::vector<Expr> out = logicalArgs(rank);
  std::vector<Expr> src = {out[0], out[1]};
  std::vector<Expr> starts;
  for (int d = 0; d < g.rank; ++d) {
    Expr start = out[2 + d] * static_cast<int>(g.stride[d]) - static_cast<int>(g.padBegin[d]);
    starts.push_back(start);
    src.push_back(start + r[d] * static_cast<int>(g.dilation[d]));
  }
  Func pool(funcName(node));
  if (isMax) {
    LoweredValue padded = withConstantExterior(x, Halide::Float(32).min());
    defineLogical(pool, rank, Halide::maximum(padded.at(src)));
    return pool;
  }
  LoweredValue padded = withConstantExterior(x, 0.0f);
  const bool includePad = node.attrs.getBool("count_include_pad");
  Expr count = 1;
  for (int d = 0; d < g.rank; ++d) {
    Expr lo = starts[d], hi = starts[d] + static_cast<int>(g.kernel[d]);
    if (includePad) {
      hi = Halide::min(hi, static_cast<int>(g.in[d] + g.padEnd[d]));
    } else {
      lo = Halide::max(lo, 0);
      hi = Halide::min(hi, static_cast<int>(g.in[d]));
    }
    count = count * (hi - lo);
  }
  defineLogical(pool, rank, Halide::sum(padded.at(src)) / Halide::cast<float>(count));
  return pool;
}

Func lowerGlobalPool(const Node &node, const NodeOperands &ops, std::vector<Func> *shared) {
  const LoweredValue &x = ops.inputs[0];
  const int rank = node.type.rank();
  const bool isMax = node.op == OpKind::GlobalMaxPool;
  auto reduce = [isMax](const Expr &e) { return isMax ? Halide::maximum(e) : Halide::sum(e); };
  int64_t count = 1;
  for (int d = 2; d < rank; ++d)
    count *= x.dim(d);
  std::vector<Expr> out = logicalArgs(rank);
  Expr all;
  if (shared && rank == 4) {
    // Each column's sum down the rows first, a vector of columns (or of
    // channels) at a time, then the row of column sums: one add chain per
    // channel, as Halide::sum of the whole map is, waits on every add.
    RDom ry(0, static_cast<int>(x.dim(2)));
    Func rows(funcName(node) + "_rows");
    defineLogical(rows, rank, reduce(x.at({out[0], out[1], ry, out[3]})));
    shared->push_back(rows);
    RDom rx(0, static_cast<int>(x.dim(3)));
    all = reduce(LoweredValue{rows, x.type}.at({out[0], out[1], Expr(0), rx}));
  } else {
    std::vector<Halide::Range> ranges;
    for (int d = 2; d < rank; ++d)
      ranges.emplace_back(0, static_cast<int>(x.dim(d)));
    RDom r(ranges);
    std::vector<Expr> src = {out[0], out[1]};
    for (int d = 2; d < rank; ++d)
      src.push_back(r[d - 2]);
    all = reduce(x.at(src));
  }
  Func pool(funcName(node));
  defineLogical(pool, rank, isMax ? all : all / static_cast<float>(count));
  return pool;
}

} // namespace atrous::codegen
