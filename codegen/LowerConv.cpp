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

Expr biasOrZero(const NodeOperands &ops, const Expr &channel) {
  return ops.hasParam("bias") ? ops.param("bias").at({channel}) : Expr(0.0f);
}

// Whether every tap of a (forward) conv lands inside its input, so that it
// needs no zero exterior and no bounds test per load.
bool readsOnlyInside(const Node &node, const WindowGeometry &g, const Shape &input) {
  if (!isConv(node.op)) return false;
  for (int d = 0; d < g.rank; ++d) {
    const int64_t last = (node.type.shape[2 + static_cast<size_t>(d)] - 1) * g.stride[d] -
                         g.padBegin[d] + (g.kernel[d] - 1) * g.dilation[d];
    if (g.padBegin[d] > 0 || last > input[2 + static_cast<size_t>(d)] - 1) return false;
  }
  return true;
}

// A Func that reads `v`, which a schedule can store as a copy.
LoweredValue identity(const LoweredValue &v) {
  Func f(v.func.name() + "_read");
  const std::vector<Halide::Var> args = halideVars(v.type.rank());
  f(args) = v.func(args);
  return {f, v.type};
}

// What a conv and a transposed conv share: the zero-padded input, the
// window, the reduction over (input channel within the group, taps...), and
// the output's group; each then indexes its own way.
struct ConvParts {
  WindowGeometry g;
  int rank;
  int inPerGroup, outPerGroup;
  bool exterior; // whether `padded` extends the input by zeros
  LoweredValue padded;
  std::vector<Expr> out; // the output's logical indices
  RDom r;
  Expr channel; // the conv channel (of the weights and bias) that out[1] computes
  Expr group;   // its group
  Func conv;    // initialized to the bias; the caller adds the update

  ConvParts(const Node &node, const NodeOperands &ops, int gatedHalf = 0)
      : g(windowGeometry(node, ops.inputs[0].type.shape)), rank(node.type.rank()),
        exterior(!readsOnlyInside(node, g, ops.inputs[0].type.shape)),
        padded(exterior ? withConstantExterior(ops.inputs[0], 0.0f) : identity(ops.inputs[0])),
        out(logicalArgs(rank)), conv(funcName(node)) {
    const int64_t groups = node.attrs.getInt("groups");
    inPerGroup = static_cast<int>(ops.inputs[0].dim(1) / groups);
    outPerGroup = static_cast<int>(node.type.shape[1] / groups);
    std::vector<Halide::Range> ranges = {{0, inPerGroup}};
    for (int d = 0; d < g.rank; ++d)
      ranges.emplace_back(0, static_cast<int>(g.kernel[d]));
    r = RDom(ranges);
    channel = gatedHalf ? gatedConvChannel(out[1], gatedHalf) : out[1];
    group = channel / outPerGroup;
    defineLogical(conv, rank, biasOrZero(ops, channel));
  }
};

} // namespace

Func lowerConv(const Node &node, const NodeOperands &ops, LoweredNode *parts, int gatedHalf) {
  ConvParts c(node, ops, gatedHalf);
  if (parts) {
    parts->paddedInput = c.padded.func;
    parts->extended = c.exterior;
    parts->depthwise = c.inPerGroup == 1 && c.outPerGroup == 1;
  }
  std::vector<Expr> src = {c.out[0], c.group * c.inPerGroup + c.r[0]};
  std::vector<Expr> tap = {c.channel, c.r[0]};
  for (int d = 0; d < c.g.rank; ++d) {
    src.push_back(c.out[2 + d] * static_cast<int>(c.g.stride[d]) -
                  static_cast<int>(c.g.padBegin[d]) +
                  c.r[1 + d] * static_cast<int>(c.g.dilation[d]));
    tap.push_back(c.r[1 + d]);
  }
  c.conv(halideVars(c.rank)) += ops.param("weight").at(tap) * c.padded.at(src);
  return c.conv;
}

Func lowerConvTranspose(const Node &node, const NodeOperands &ops) {
  ConvParts c(node, ops);
  Expr channel = c.group * c.inPerGroup + c.r[0];
  std::vector<Expr> src = {c.out[0], channel};
  std::vector<Expr> tap = {channel, c.out[1] - c.group * c.outPerGroup};
  Expr hits = Halide::Internal::const_true();
  for (int d = 0; d < c.g.rank; ++d) {
    // Output p receives input i through tap t when p = i * stride - pad + t * dilation.
    Expr num = c.out[2 + d] + static_cast<int>(c.g.padBegin[d]) -
               c.r[1 + d] * static_cast<int>(c.g.dilation[d]);
    hits = hits && (num % static_cast<int>(c.g.stride[d]) == 0);
    src.push_back(num / static_cast<int>(c.g.stride[d]));
    tap.push_back(c.r[1 + d]);
  }
  c.conv(halideVars(c.rank)) +=
      Halide::select(hits, ops.param("weight").at(tap) * c.padded.at(src), 0.0f);
  return c.conv;
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
