// The fused epilogue of accumulating ops: the residual is added (with NumPy
// broadcasting), then the activation; `gated` combines the two halves of the
// channels as tanh(first) * sigmoid(second).
#include <cmath>

#include "ir/Epilogue.h"
#include "reference/Kernels.h"

namespace atrous::reference {

static float activate(Activation a, float v, float alpha) {
  switch (a) {
  case Activation::Relu:
    return v > 0.0f ? v : 0.0f;
  case Activation::Relu6:
    return v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
  case Activation::LeakyRelu:
    return v < 0.0f ? v * alpha : v;
  case Activation::Sigmoid:
    return 1.0f / (1.0f + std::exp(-v));
  case Activation::Tanh:
    return std::tanh(v);
  default:
    return v;
  }
}

Tensor epilogue(const Node &node, Tensor z, const Tensor *residual) {
  if (residual) {
    Node add;
    add.op = OpKind::Add;
    add.name = node.name;
    add.type = z.type();
    z = binary(add, z, *residual);
  }
  Activation act = activationOf(node);
  if (act == Activation::None) return z;
  const float alpha =
      node.attrs.has("alpha") ? static_cast<float>(node.attrs.getFloat("alpha")) : 0;
  if (act != Activation::Gated) {
    float *p = z.f32();
    for (int64_t i = 0; i < z.numel(); ++i)
      p[i] = activate(act, p[i], alpha);
    return z;
  }
  // Gated: output channel c reads accumulator channels c and c + half.
  Tensor y(node.type);
  const int64_t batch = z.shape()[0], half = node.type.shape[1];
  const int64_t inner = z.numel() / (batch * 2 * half);
  const float *zp = z.f32();
  float *yp = y.f32();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < half; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        float a = zp[((n * 2 * half) + c) * inner + i];
        float b = zp[((n * 2 * half) + half + c) * inner + i];
        yp[(n * half + c) * inner + i] = std::tanh(a) / (1.0f + std::exp(-b));
      }
  return y;
}

} // namespace atrous::reference
