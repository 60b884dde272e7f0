// Transposed convolution (conv_transpose1d, conv_transpose2d) written as the
// scatter docs/ops.md defines: input position i, tap t adds into output
// position i*stride - padBegin + t*dilation when that lies inside the output.
// Output extents (including output_padding) come from the window geometry.
#include <vector>

#include "reference/Kernels.h"

namespace atrous::reference {

Tensor convTranspose(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
  const ConvExtents e = convExtents(node, x.shape());
  const WindowGeometry &g = e.geometry;
  Tensor y(node.type);
  const float *xs = x.f32();
  const float *ws = weight.f32();

  // Accumulated in double (see Conv.cpp): the reference is the oracle.
  std::vector<double> sums(static_cast<size_t>(y.numel()), 0.0);
  for (int64_t n = 0; n < e.batch; ++n)
    for (int64_t c = 0; c < e.inChannels; ++c) {
      const int64_t firstOut = (c / e.inPerGroup) * e.outPerGroup;
      for (int64_t iy = 0; iy < e.inH; ++iy)
        for (int64_t ix = 0; ix < e.inW; ++ix) {
          const double v = xs[((n * e.inChannels + c) * e.inH + iy) * e.inW + ix];
          for (int64_t j = 0; j < e.outPerGroup; ++j)
            for (int64_t ky = 0; ky < e.kH; ++ky) {
              const int64_t oy = iy * g.stride[0] - g.padBegin[0] + ky * g.dilation[0];
              if (oy < 0 || oy >= e.outH) continue;
              for (int64_t kx = 0; kx < e.kW; ++kx) {
                const int64_t ox = ix * g.stride[1] - g.padBegin[1] + kx * g.dilation[1];
                if (ox < 0 || ox >= e.outW) continue;
                const double w = ws[((c * e.outPerGroup + j) * e.kH + ky) * e.kW + kx];
                sums[static_cast<size_t>(
                    ((n * e.outChannels + firstOut + j) * e.outH + oy) * e.outW + ox)] += w * v;
              }
            }
        }
    }

  float *ys = y.f32();
  for (int64_t n = 0; n < e.batch; ++n)
    for (int64_t o = 0; o < e.outChannels; ++o)
      for (int64_t p = 0; p < e.outH * e.outW; ++p) {
        const size_t i = static_cast<size_t>((n * e.outChannels + o) * e.outH * e.outW + p);
        ys[i] = static_cast<float>(sums[i] + (bias ? bias->f32()[o] : 0.0));
      }
  return y;
}

} // namespace atrous::reference
