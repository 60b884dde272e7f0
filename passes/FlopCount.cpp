// FLOP counting (see FlopCount.h and docs/analysis.md). Sliding-window ops
// count only the (output position, tap) pairs that read a real input element;
// the count factorizes over spatial dims, and each dim's count is computed in
// closed form per tap so that full-size models cost nothing to analyse.
#include "passes/FlopCount.h"

#include <algorithm>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"

namespace atrous {

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t ceilDiv(int64_t a, int64_t b) {
  return -floorDiv(-a, b);
}

// Number of p in [0, count) with lo <= p * stride + offset < hi.
int64_t positionsLanding(int64_t count, int64_t stride, int64_t offset, int64_t lo, int64_t hi) {
  int64_t first = std::max<int64_t>(0, ceilDiv(lo - offset, stride));
  int64_t last = std::min<int64_t>(count - 1, floorDiv(hi - 1 - offset, stride));
  return std::max<int64_t>(0, last - first + 1);
}

// Conv and pool: pairs (output o, tap t) of dim d whose input position
// o * stride - padBegin + t * dilation lies in [0, in).
int64_t realTaps(const WindowGeometry &g, int d) {
  int64_t pairs = 0;
  for (int64_t t = 0; t < g.kernel[d]; ++t)
    pairs += positionsLanding(g.out[d], g.stride[d], t * g.dilation[d] - g.padBegin[d], 0, g.in[d]);
  return pairs;
}

// Transposed conv: pairs (input i, tap t) of dim d whose output position
// i * stride - padBegin + t * dilation lies in [0, out).
int64_t landingTaps(const WindowGeometry &g, int d) {
  int64_t pairs = 0;
  for (int64_t t = 0; t < g.kernel[d]; ++t)
    pairs += positionsLanding(g.in[d], g.stride[d], t * g.dilation[d] - g.padBegin[d], 0, g.out[d]);
  return pairs;
}

int64_t windowPairs(const WindowGeometry &g, int64_t (*perDimPairs)(const WindowGeometry &, int)) {
  int64_t pairs = 1;
  for (int d = 0; d < g.rank; ++d)
    pairs *= perDimPairs(g, d);
  return pairs;
}

int64_t spatialSize(const Shape &shape) {
  int64_t n = 1;
  for (size_t i = 2; i < shape.size(); ++i)
    n *= shape[i];
  return n;
}

// The fused epilogue: 1 per accumulator element for a residual add, and the
// activation's cost per output element as if it were its own op.
int64_t epilogueFlops(const Node &node) {
  int64_t accElems = numElements(accumulatorType(node).shape),
          outElems = numElements(node.type.shape);
  int64_t flops = hasResidual(node) ? accElems : 0;
  switch (activationOf(node)) {
  case Activation::None:
    break;
  case Activation::Relu:
  case Activation::Relu6:
  case Activation::LeakyRelu:
    flops += outElems;
    break;
  case Activation::Sigmoid:
  case Activation::Tanh:
    flops += 4 * outElems;
    break;
  case Activation::Gated:
    flops += 9 * outElems;
    break;
  }
  return flops;
}

int64_t accumulatorFlops(const Graph &graph, const Node &node);

} // namespace

int64_t nodeFlops(const Graph &graph, ValueId id) {
  const Node &node = graph.node(id);
  const Shape &out = node.type.shape;
  int64_t outElems = node.op == OpKind::Input ? 0 : numElements(out);
  auto inShape = [&](size_t i) -> const Shape & { return graph.type(node.inputs.at(i)).shape; };

  switch (node.op) {
  case OpKind::Conv1d:
  case OpKind::Conv2d:
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d:
  case OpKind::Linear:
  case OpKind::WinogradConv2d:
  case OpKind::WinogradConv1d:
    return accumulatorFlops(graph, node) + epilogueFlops(node);
  case OpKind::Input:
  case OpKind::Interleave:
  case OpKind::Concat:
  case OpKind::Slice:
  case OpKind::Copy:
  case OpKind::Pad:
  case OpKind::Reshape:
  case OpKind::Flatten:
    return 0;

  case OpKind::BatchNorm:
    return 2 * outElems;
  case OpKind::Bias:
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Add:
  case OpKind::Mul:
    return outElems;
  case OpKind::Sigmoid:
  case OpKind::Tanh:
    return 4 * outElems;
  case OpKind::Softmax:
    return 5 * outElems;

  case OpKind::MaxPool1d:
  case OpKind::MaxPool2d:
  case OpKind::AvgPool1d:
  case OpKind::AvgPool2d: {
    const Shape &in = inShape(0);
    WindowGeometry g = windowGeometry(node, in);
    int64_t reads = in[0] * in[1] * windowPairs(g, realTaps);
    bool average = node.op == OpKind::AvgPool1d || node.op == OpKind::AvgPool2d;
    return reads + (average ? outElems : 0);
  }
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool: {
    const Shape &in = inShape(0);
    int64_t reads = in[0] * in[1] * spatialSize(in);
    return reads + (node.op == OpKind::GlobalAvgPool ? outElems : 0);
  }
  case OpKind::Resize: {
    if (node.attrs.getString("mode") != "bilinear") return 0;
    int64_t neighbours = int64_t(1) << (out.size() - 2);
    return 2 * neighbours * outElems;
  }
  case OpKind::ResizeArgMax: {
    // The blend of every channel at each output pixel, then the compare.
    const Shape &in = inShape(0);
    int64_t perChannel =
        node.attrs.getString("mode") == "bilinear" ? 2 * (int64_t(1) << (in.size() - 2)) : 0;
    return outElems * in[1] * (perChannel + 1);
  }
  case OpKind::ArgMax:
    return numElements(inShape(0));
  }
  throw Error("flop count: unknown op of node '" + node.name + "'");
}

std::vector<int64_t> flopCounts(const Graph &graph) {
  std::vector<int64_t> flops(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    flops[i] = nodeFlops(graph, ValueId(i));
  return flops;
}

namespace {

int64_t accumulatorFlops(const Graph &graph, const Node &node) {
  const Shape out = accumulatorType(node).shape;
  int64_t outElems = numElements(out);
  auto inShape = [&](size_t i) -> const Shape & { return graph.type(node.inputs.at(i)).shape; };
  switch (node.op) {
  case OpKind::Conv1d:
  case OpKind::Conv2d:
  case OpKind::WinogradConv2d:
  case OpKind::WinogradConv1d: {
    // Winograd counts as the conv it computes, so that FLOP/s figures of
    // the two algorithms compare.
    const Shape &in = inShape(0);
    WindowGeometry g = windowGeometry(node, in);
    int64_t groups = node.attrs.has("groups") ? node.attrs.getInt("groups") : 1;
    int64_t macs = in[0] * out[1] * (in[1] / groups) * windowPairs(g, realTaps);
    return 2 * macs + (node.attrs.getBool("bias") ? outElems : 0);
  }
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d: {
    const Shape &in = inShape(0);
    WindowGeometry g = windowGeometry(node, in);
    int64_t groups = node.attrs.getInt("groups");
    int64_t macs = in[0] * in[1] * (out[1] / groups) * windowPairs(g, landingTaps);
    return 2 * macs + (node.attrs.getBool("bias") ? outElems : 0);
  }
  case OpKind::Linear: {
    const Shape &in = inShape(0);
    int64_t macs = in[0] * in[1] * out[1];
    return 2 * macs + (node.attrs.getBool("bias") ? outElems : 0);
  }

  default:
    return 0;
  }
}

} // namespace

} // namespace atrous
