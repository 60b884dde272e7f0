// Reductions along one axis: softmax (subtracting the maximum first, so large
// logits do not overflow exp) and argmax (the first index of the maximum, as
// an i32 tensor, with or without the reduced axis kept).
#include <cmath>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

// Splits a shape around `axis` into outer * extent * inner.
struct AxisSplit {
  int64_t outer = 1, extent = 1, inner = 1;
};

AxisSplit splitAt(const Shape &shape, int axis) {
  AxisSplit s;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (static_cast<int>(d) < axis)
      s.outer *= shape[d];
    else if (static_cast<int>(d) == axis)
      s.extent = shape[d];
    else
      s.inner *= shape[d];
  }
  return s;
}

} // namespace

Tensor softmax(const Node &node, const Tensor &x) {
  const int axis = normalizeAxis(node.attrs.getInt("axis"), x.rank());
  const AxisSplit s = splitAt(x.shape(), axis);
  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      auto at = [&](int64_t k) { return (o * s.extent + k) * s.inner + i; };
      double maxValue = xs[at(0)];
      for (int64_t k = 1; k < s.extent; ++k)
        maxValue = std::fmax(maxValue, xs[at(k)]);
      double sum = 0.0;
      for (int64_t k = 0; k < s.extent; ++k)
        sum += std::exp(xs[at(k)] - maxValue);
      for (int64_t k = 0; k < s.extent; ++k)
        ys[at(k)] = static_cast<float>(std::exp(xs[at(k)] - maxValue) / sum);
    }
  return y;
}

Tensor argmax(const Node &node, const Tensor &x) {
  const int axis = normalizeAxis(node.attrs.getInt("axis"), x.rank());
  const AxisSplit s = splitAt(x.shape(), axis);
  Tensor y(node.type);
  if (y.numel() != s.outer * s.inner)
    throw Error("node '" + node.name + "': argmax disagrees with type " + node.type.str());
  const float *xs = x.f32();
  int32_t *ys = y.i32();
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < s.extent; ++k)
        if (xs[(o * s.extent + k) * s.inner + i] > xs[(o * s.extent + best) * s.inner + i])
          best = k;
      ys[o * s.inner + i] = static_cast<int32_t>(best);
    }
  return y;
}

} // namespace atrous::reference
