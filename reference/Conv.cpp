// Direct convolution (conv1d, conv2d) as docs/ops.md defines it: every output
// position sums its taps over the group's input channels, and taps that land
// in the padding contribute zero. Padding, stride and dilation come from the
// node's resolved window geometry, so 'same', 'causal' and asymmetric padding
// need no special case here.
#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

Tensor conv(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
  const WindowGeometry g = liftTo2d(windowGeometry(node, x.shape()));
  const int64_t batch = x.shape()[0];
  const int64_t inChannels = x.shape()[1];
  const int64_t outChannels = node.attrs.getInt("out");
  const int64_t groups = node.attrs.getInt("groups");
  const int64_t inPerGroup = inChannels / groups;
  const int64_t outPerGroup = outChannels / groups;
  const int64_t inH = g.in[0], inW = g.in[1], outH = g.out[0], outW = g.out[1];
  const int64_t kH = g.kernel[0], kW = g.kernel[1];

  Tensor y(node.type);
  if (y.numel() != batch * outChannels * outH * outW)
    throw Error("node '" + node.name + "': window geometry disagrees with type " + node.type.str());
  const float *xs = x.f32();
  const float *ws = weight.f32();
  float *ys = y.f32();

  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outChannels; ++o) {
      const int64_t firstIn = (o / outPerGroup) * inPerGroup;
      for (int64_t oy = 0; oy < outH; ++oy)
        for (int64_t ox = 0; ox < outW; ++ox) {
          // Sums are accumulated in double: the reference is an oracle, and
          // double keeps its own rounding error far below the tolerance that
          // float implementations are compared with.
          double sum = bias ? bias->f32()[o] : 0.0;
          for (int64_t c = 0; c < inPerGroup; ++c)
            for (int64_t ky = 0; ky < kH; ++ky) {
              const int64_t iy = oy * g.stride[0] - g.padBegin[0] + ky * g.dilation[0];
              if (iy < 0 || iy >= inH) continue;
              for (int64_t kx = 0; kx < kW; ++kx) {
                const int64_t ix = ox * g.stride[1] - g.padBegin[1] + kx * g.dilation[1];
                if (ix < 0 || ix >= inW) continue;
                const double w = ws[((o * inPerGroup + c) * kH + ky) * kW + kx];
                const double v = xs[((n * inChannels + firstIn + c) * inH + iy) * inW + ix];
                sum += w * v;
              }
            }
          ys[((n * outChannels + o) * outH + oy) * outW + ox] = static_cast<float>(sum);
        }
    }
  return y;
}

} // namespace atrous::reference
