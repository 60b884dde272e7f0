// Elementwise ops: per-channel batchnorm and bias (channel = dim 1), the
// activations, and add/mul with NumPy broadcasting (shapes aligned at the
// right, a dimension of 1 repeats).
#include <algorithm>
#include <cmath>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

// Calls f(index, channel) for every element of a rank >= 2 tensor.
template <typename F> void forEachWithChannel(const Shape &shape, F f) {
  if (shape.size() < 2) throw Error("per-channel op needs rank >= 2, got " + shapeStr(shape));
  const int64_t channels = shape[1];
  const int64_t inner = numElements(shape) / std::max<int64_t>(1, shape[0] * channels);
  int64_t i = 0;
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t k = 0; k < inner; ++k)
        f(i++, c);
}

} // namespace

Tensor batchNorm(const Node &node, const Tensor &x, const Tensor &weight, const Tensor &bias,
                 const Tensor &mean, const Tensor &var) {
  const double eps = node.attrs.getFloat("eps");
  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  forEachWithChannel(x.shape(), [&](int64_t i, int64_t c) {
    const double normalized = (xs[i] - mean.f32()[c]) / std::sqrt(var.f32()[c] + eps);
    ys[i] = static_cast<float>(normalized * weight.f32()[c] + bias.f32()[c]);
  });
  return y;
}

Tensor addBias(const Node &node, const Tensor &x, const Tensor &bias) {
  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  forEachWithChannel(x.shape(), [&](int64_t i, int64_t c) { ys[i] = xs[i] + bias.f32()[c]; });
  return y;
}

Tensor unary(const Node &node, const Tensor &x) {
  // In float, as PyTorch multiplies by the slope.
  const float alpha =
      node.op == OpKind::LeakyRelu ? static_cast<float>(node.attrs.getFloat("alpha")) : 0.0f;
  auto apply = [&](float v) -> float {
    switch (node.op) {
    case OpKind::Relu:
      return v > 0.0f ? v : 0.0f;
    case OpKind::Relu6:
      return std::min(std::max(v, 0.0f), 6.0f);
    case OpKind::LeakyRelu:
      return v > 0.0f ? v : alpha * v;
    case OpKind::Sigmoid:
      return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v))));
    case OpKind::Tanh:
      return static_cast<float>(std::tanh(static_cast<double>(v)));
    default:
      throw Error("node '" + node.name + "': '" + opName(node.op) + "' is not an activation");
    }
  };
  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  for (int64_t i = 0; i < x.numel(); ++i)
    ys[i] = apply(xs[i]);
  return y;
}

Tensor binary(const Node &node, const Tensor &a, const Tensor &b) {
  const bool isAdd = node.op == OpKind::Add;
  const Shape &outShape = node.type.shape;
  const int rank = static_cast<int>(outShape.size());

  // Row-major strides of an operand seen at the output's rank, with stride 0
  // along broadcast (missing or size-1) dimensions.
  auto broadcastStrides = [&](const Shape &s) {
    std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
    const int offset = rank - static_cast<int>(s.size());
    int64_t stride = 1;
    for (int d = static_cast<int>(s.size()) - 1; d >= 0; --d) {
      const int64_t extent = s[static_cast<size_t>(d)];
      const int64_t want = outShape[static_cast<size_t>(d + offset)];
      if (extent != want && extent != 1)
        throw Error("node '" + node.name + "': cannot broadcast " + shapeStr(s) + " to " +
                    shapeStr(outShape));
      strides[static_cast<size_t>(d + offset)] = extent == 1 ? 0 : stride;
      stride *= extent;
    }
    return strides;
  };
  const std::vector<int64_t> aStrides = broadcastStrides(a.shape());
  const std::vector<int64_t> bStrides = broadcastStrides(b.shape());

  Tensor y(node.type);
  const float *as = a.f32();
  const float *bs = b.f32();
  float *ys = y.f32();
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < y.numel(); ++i) {
    int64_t ai = 0, bi = 0;
    for (int d = 0; d < rank; ++d) {
      ai += index[static_cast<size_t>(d)] * aStrides[static_cast<size_t>(d)];
      bi += index[static_cast<size_t>(d)] * bStrides[static_cast<size_t>(d)];
    }
    ys[i] = isAdd ? as[ai] + bs[bi] : as[ai] * bs[bi];
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<size_t>(d)] < outShape[static_cast<size_t>(d)]) break;
      index[static_cast<size_t>(d)] = 0;
    }
  }
  return y;
}

} // namespace atrous::reference
