// The fused epilogue of conv, conv_transpose and linear (ir/Epilogue.h):
// residual add and activation applied to the accumulator as it is read, so
// the op's output is written once, already activated.
#include "codegen/Lowering.h"
#include "codegen/VectorMath.h"
#include "ir/Epilogue.h"
#include "ir/Layout.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;

bool pairsGatedChannels(const Node &node) {
  return isConv(node.op) && activationOf(node) == Activation::Gated && tilesOutputChannels(node);
}

Expr gatedTanhChannel(const Expr &c) {
  const int block = static_cast<int>(kChannelsLastBlock);
  return c / block * (2 * block) + c % block;
}

Expr gatedConvChannel(const Expr &p, int half) {
  const int block = static_cast<int>(kChannelsLastBlock);
  return p / (2 * block) * block + p % block + Halide::select(p % (2 * block) >= block, half, 0);
}

Func lowerEpilogue(const Node &node, const Func &accumulator, const NodeOperands &ops) {
  const int rank = node.type.rank();
  const TensorType accType = accumulatorType(node);
  LoweredValue acc{accumulator, accType};
  std::vector<Expr> out = logicalArgs(rank);
  // The accumulator at `at` plus the residual at `idx`, the same indices in
  // the conv's channel order (they differ for gated pairs only).
  auto z = [&](const std::vector<Expr> &at, const std::vector<Expr> &idx) {
    Expr v = acc.at(at);
    if (hasResidual(node)) {
      const LoweredValue &r = ops.inputs.back();
      int offset = rank - r.type.rank();
      std::vector<Expr> ridx;
      for (int d = 0; d < r.type.rank(); ++d)
        ridx.push_back(r.dim(d) == 1 ? Expr(0) : idx[static_cast<size_t>(d + offset)]);
      v = v + r.at(ridx);
    }
    return v;
  };
  Expr value;
  switch (activationOf(node)) {
  case Activation::None:
    value = z(out, out);
    break;
  case Activation::Relu:
    value = Halide::max(z(out, out), 0.0f);
    break;
  case Activation::Relu6:
    value = Halide::clamp(z(out, out), 0.0f, 6.0f);
    break;
  case Activation::LeakyRelu: {
    Expr v = z(out, out);
    value = Halide::select(v < 0.0f, v * static_cast<float>(node.attrs.getFloat("alpha")), v);
    break;
  }
  case Activation::Sigmoid:
    value = 1.0f / (1.0f + Halide::exp(-z(out, out)));
    break;
  case Activation::Tanh:
    value = vectorTanh(z(out, out));
    break;
  case Activation::Gated: {
    std::vector<Expr> tanhAt = out, sigmoidAt = out;
    sigmoidAt[1] = out[1] + static_cast<int>(node.type.shape[1]);
    const std::vector<Expr> sigmoidChannel = sigmoidAt;
    if (pairsGatedChannels(node)) {
      tanhAt[1] = gatedTanhChannel(out[1]);
      sigmoidAt[1] = tanhAt[1] + static_cast<int>(kChannelsLastBlock);
    }
    value = vectorTanh(z(tanhAt, out)) / (1.0f + Halide::exp(-z(sigmoidAt, sigmoidChannel)));
    break;
  }
  }
  Func f(funcName(node) + "_epilogue");
  defineLogical(f, rank, value);
  return f;
}

Func lowerInterleave(const Node &node, const NodeOperands &ops) {
  const int rank = node.type.rank();
  const int spatial = rank - 2;
  std::vector<int64_t> stride = node.attrs.getInts("stride");
  if (stride.size() == 1) stride.assign(static_cast<size_t>(spatial), stride[0]);
  std::vector<Expr> out = logicalArgs(rank);
  Expr phaseIndex = 0;
  for (int d = 0; d < spatial; ++d)
    phaseIndex =
        phaseIndex * static_cast<int>(stride[d]) + out[2 + d] % static_cast<int>(stride[d]);
  Expr value;
  for (size_t p = ops.inputs.size(); p-- > 0;) {
    const LoweredValue &phase = ops.inputs[p];
    std::vector<Expr> idx = {out[0], out[1]};
    for (int d = 0; d < spatial; ++d)
      idx.push_back(Halide::clamp(out[2 + d] / static_cast<int>(stride[d]), 0,
                                  static_cast<int>(phase.dim(2 + d) - 1)));
    value = value.defined()
                ? Halide::select(phaseIndex == static_cast<int>(p), phase.at(idx), value)
                : phase.at(idx);
  }
  Func f(funcName(node));
  defineLogical(f, rank, value);
  return f;
}

Func lowerResizeArgMax(const Node &node, const NodeOperands &ops, std::vector<Func> *shared) {
  const LoweredValue &x = ops.inputs[0];
  const bool keep = node.attrs.getBool("keepdims");
  Node resized = node;
  resized.op = OpKind::Resize;
  resized.type = {DType::F32, x.type.shape};
  for (size_t d = 2; d < resized.type.shape.size(); ++d)
    resized.type.shape[d] = node.type.shape[keep ? d : d - 1];
  // The resized logits stay an inlined expression: only the label is stored.
  LoweredValue logits{lowerResize(resized, ops, shared), resized.type};
  const int rank = node.type.rank();
  std::vector<Expr> out = logicalArgs(rank);
  std::vector<Expr> src = out;
  if (!keep) src.insert(src.begin() + 1, Expr(0));
  Halide::RDom r(0, static_cast<int>(x.dim(1)));
  src[1] = r;
  Func f(funcName(node));
  defineLogical(f, rank, Halide::argmax(logits.at(src))[0]);
  return f;
}

} // namespace atrous::codegen
