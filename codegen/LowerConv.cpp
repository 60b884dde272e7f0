// Direct convolution and transposed convolution. Dilation is plain indexing
// of the real taps (x * stride - pad + k * dilation), never a dilated kernel
// full of zeros. The transposed conv here is the gather form with a parity
// test per tap; the sub-pixel rewrite that skips the zero taps is a pass.
#include "codegen/Lowering.h"
#include "ir/Geometry.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;
using Halide::RDom;

namespace {

// The reduction domain over (input channel within the group, taps...).
RDom channelAndTaps(int64_t channels, const WindowGeometry &g) {
  std::vector<Halide::Range> ranges = {{0, static_cast<int>(channels)}};
  for (int d = 0; d < g.rank; ++d)
    ranges.emplace_back(0, static_cast<int>(g.kernel[d]));
  return RDom(ranges);
}

Expr biasOrZero(const NodeOperands &ops, const Expr &channel) {
  return ops.hasParam("bias") ? ops.param("bias").at({channel}) : Expr(0.0f);
}

} // namespace

Func lowerConv(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const LoweredValue &w = ops.param("weight");
  WindowGeometry g = windowGeometry(node, x.type.shape);
  const int rank = node.type.rank();
  const int64_t groups = node.attrs.getInt("groups");
  const int64_t inPerGroup = x.dim(1) / groups, outPerGroup = node.type.shape[1] / groups;

  LoweredValue padded = withConstantExterior(x, 0.0f);
  std::vector<Expr> out = logicalArgs(rank);
  RDom r = channelAndTaps(inPerGroup, g);
  Expr group = out[1] / static_cast<int>(outPerGroup);
  std::vector<Expr> src = {out[0], group * static_cast<int>(inPerGroup) + r[0]};
  std::vector<Expr> tap = {out[1], r[0]};
  for (int d = 0; d < g.rank; ++d) {
    src.push_back(out[2 + d] * static_cast<int>(g.stride[d]) - static_cast<int>(g.padBegin[d]) +
                  r[1 + d] * static_cast<int>(g.dilation[d]));
    tap.push_back(r[1 + d]);
  }
  Func conv(funcName(node));
  defineLogical(conv, rank, biasOrZero(ops, out[1]));
  conv(halideVars(rank)) += w.at(tap) * padded.at(src);
  return conv;
}

Func lowerConvTranspose(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const LoweredValue &w = ops.param("weight");
  WindowGeometry g = windowGeometry(node, x.type.shape);
  const int rank = node.type.rank();
  const int64_t groups = node.attrs.getInt("groups");
  const int64_t inPerGroup = x.dim(1) / groups, outPerGroup = node.type.shape[1] / groups;

  LoweredValue padded = withConstantExterior(x, 0.0f);
  std::vector<Expr> out = logicalArgs(rank);
  RDom r = channelAndTaps(inPerGroup, g);
  Expr group = out[1] / static_cast<int>(outPerGroup);
  Expr channel = group * static_cast<int>(inPerGroup) + r[0];
  std::vector<Expr> src = {out[0], channel};
  std::vector<Expr> tap = {channel, out[1] - group * static_cast<int>(outPerGroup)};
  Expr hits = Halide::Internal::const_true();
  for (int d = 0; d < g.rank; ++d) {
    // Output p receives input i through tap t when p = i * stride - pad + t * dilation.
    Expr num =
        out[2 + d] + static_cast<int>(g.padBegin[d]) - r[1 + d] * static_cast<int>(g.dilation[d]);
    hits = hits && (num % static_cast<int>(g.stride[d]) == 0);
    src.push_back(num / static_cast<int>(g.stride[d]));
    tap.push_back(r[1 + d]);
  }
  Func conv(funcName(node));
  defineLogical(conv, rank, biasOrZero(ops, out[1]));
  conv(halideVars(rank)) += Halide::select(hits, w.at(tap) * padded.at(src), 0.0f);
  return conv;
}

Func lowerLinear(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const LoweredValue &w = ops.param("weight");
  std::vector<Expr> out = logicalArgs(2);
  RDom r(0, static_cast<int>(x.dim(1)));
  Func linear(funcName(node));
  defineLogical(linear, 2, biasOrZero(ops, out[1]));
  linear(halideVars(2)) += w.at({out[1], r}) * x.at({out[0], r});
  return linear;
}

} // namespace atrous::codegen
