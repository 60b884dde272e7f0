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

Func lowerGlobalPool(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const int rank = node.type.rank();
  std::vector<Halide::Range> ranges;
  int64_t count = 1;
  for (int d = 2; d < rank; ++d) {
    ranges.emplace_back(0, static_cast<int>(x.dim(d)));
    count *= x.dim(d);
  }
  RDom r(ranges);
  std::vector<Expr> out = logicalArgs(rank);
  std::vector<Expr> src = {out[0], out[1]};
  for (int d = 2; d < rank; ++d)
    src.push_back(r[d - 2]);
  Func pool(funcName(node));
  if (node.op == OpKind::GlobalMaxPool)
    defineLogical(pool, rank, Halide::maximum(x.at(src)));
  else
    defineLogical(pool, rank, Halide::sum(x.at(src)) / static_cast<float>(count));
  return pool;
}

} // namespace atrous::codegen
