// Transposed convolution (conv_transpose1d, conv_transpose2d) written as the
// scatter docs/ops.md defines: input position i, tap t adds into output
// position i*stride - padBegin + t*dilation when that lies inside the output.
// Output extents (including output_padding) come from the window geometry.
#include <vector>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

Tensor convTranspose(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
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

  // Accumulated in double (see Conv.cpp): the reference is the oracle.
  std::vector<double> sums(static_cast<size_t>(y.numel()), 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < inChannels; ++c) {
      const int64_t firstOut = (c / inPerGroup) * outPerGroup;
      for (int64_t iy = 0; iy < inH; ++iy)
        for (int64_t ix = 0; ix < inW; ++ix) {
          const double v = xs[((n * inChannels + c) * inH + iy) * inW + ix];
          for (int64_t j = 0; j < outPerGroup; ++j)
            for (int64_t ky = 0; ky < kH; ++ky) {
              const int64_t oy = iy * g.stride[0] - g.padBegin[0] + ky * g.dilation[0];
              if (oy < 0 || oy >= outH) continue;
              for (int64_t kx = 0; kx < kW; ++kx) {
                const int64_t ox = ix * g.stride[1] - g.padBegin[1] + kx * g.dilation[1];
                if (ox < 0 || ox >= outW) continue;
                const double w = ws[((c * outPerGroup + j) * kH + ky) * kW + kx];
                sums[static_cast<size_t>(((n * outChannels + firstOut + j) * outH + oy) * outW +
                                         ox)] += w * v;
              }
            }
        }
    }

  float *ys = y.f32();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t o = 0; o < outChannels; ++o)
      for (int64_t p = 0; p < outH * outW; ++p) {
        const size_t i = static_cast<size_t>((n * outChannels + o) * outH * outW + p);
        ys[i] = static_cast<float>(sums[i] + (bias ? bias->f32()[o] : 0.0));
      }
  return y;
}

} // namespace atrous::reference
