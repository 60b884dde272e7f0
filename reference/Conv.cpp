// Direct convolution (conv1d, conv2d) as docs/ops.md defines it: every output
// position sums its taps over the group's input channels, and taps that land
// in the padding contribute zero. Padding, stride and dilation come from the
// node's resolved window geometry, so 'same', 'causal' and asymmetric padding
// need no special case here.
#include "reference/Kernels.h"

namespace atrous::reference {

Tensor conv(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
  const ConvExtents e = convExtents(node, x.shape());
  const WindowGeometry &g = e.geometry;
  Tensor y(node.type);
  const float *xs = x.f32();
  const float *ws = weight.f32();
  float *ys = y.f32();

  for (int64_t n = 0; n < e.batch; ++n)
    for (int64_t o = 0; o < e.outChannels; ++o) {
      const int64_t firstIn = (o / e.outPerGroup) * e.inPerGroup;
      for (int64_t oy = 0; oy < e.outH; ++oy)
        for (int64_t ox = 0; ox < e.outW; ++ox) {
          // Sums are accumulated in double: the reference is an oracle, and
          // double keeps its own rounding error far below the tolerance that
          // float implementations are compared with.
          double sum = bias ? bias->f32()[o] : 0.0;
          for (int64_t c = 0; c < e.inPerGroup; ++c)
            for (int64_t ky = 0; ky < e.kH; ++ky) {
              const int64_t iy = oy * g.stride[0] - g.padBegin[0] + ky * g.dilation[0];
              if (iy < 0 || iy >= e.inH) continue;
              for (int64_t kx = 0; kx < e.kW; ++kx) {
                const int64_t ix = ox * g.stride[1] - g.padBegin[1] + kx * g.dilation[1];
                if (ix < 0 || ix >= e.inW) continue;
                const double w = ws[((o * e.inPerGroup + c) * e.kH + ky) * e.kW + kx];
                const double v = xs[((n * e.inChannels + firstIn + c) * e.inH + iy) * e.inW + ix];
                sum += w * v;
              }
            }
          ys[((n * e.outChannels + o) * e.outH + oy) * e.outW + ox] = static_cast<float>(sum);
        }
    }
  return y;
}

} // namespace atrous::reference
