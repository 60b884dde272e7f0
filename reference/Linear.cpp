// Fully connected layer: y[n, o] = bias[o] + sum_f x[n, f] * weight[o, f]
// (PyTorch nn.Linear layout).
#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

Tensor linear(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
  if (x.rank() != 2) throw Error("node '" + node.name + "': linear needs a [N, F] input");
  const int64_t batch = x.shape()[0];
  const int64_t features = x.shape()[1];
  const int64_t outFeatures = node.attrs.getInt("out");
  Tensor y(node.type);
  const float *xs = x.f32();
  const float *ws = weight.f32();
  float *ys = y.f32();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outFeatures; ++o) {
      // Accumulated in double, as in Conv.cpp: the reference is the oracle.
      double sum = bias ? bias->f32()[o] : 0.0;
      for (int64_t f = 0; f < features; ++f)
        sum += static_cast<double>(xs[n * features + f]) * ws[o * features + f];
      ys[n * outFeatures + o] = static_cast<float>(sum);
    }
  return y;
}

} // namespace atrous::reference
