// Max and average pooling, windowed and global, as docs/ops.md (and PyTorch)
// define them. Windows come from the node's resolved geometry, which already
// applies ceil_mode and drops a last window that would start in the end
// padding. Max pooling never lets padding win; average pooling divides by the
// count_include_pad rule.
#include <limits>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

// The average-pool divisor along one dimension for the window starting at
// `start`: positions inside the padded input [-padBegin, in + padEnd) when
// padding counts, else positions inside the real input [0, in).
int64_t windowCount(int64_t start, int64_t kernel, int64_t dilation, int64_t in, int64_t padBegin,
                    int64_t padEnd, bool countPadding) {
  const int64_t lo = countPadding ? -padBegin : 0;
  const int64_t hi = countPadding ? in + padEnd : in;
  int64_t count = 0;
  for (int64_t t = 0; t < kernel; ++t) {
    const int64_t p = start + t * dilation;
    if (p >= lo && p < hi) ++count;
  }
  return count;
}

} // namespace

Tensor pool(const Node &node, const Tensor &x) {
  const bool isMax = node.op == OpKind::MaxPool1d || node.op == OpKind::MaxPool2d;
  const bool countPadding = !isMax && node.attrs.getBool("count_include_pad");
  const WindowGeometry g = liftTo2d(windowGeometry(node, x.shape()));
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t inH = g.in[0], inW = g.in[1], outH = g.out[0], outW = g.out[1];

  Tensor y(node.type);
  if (y.numel() != planes * outH * outW)
    throw Error("node '" + node.name + "': window geometry disagrees with type " + node.type.str());
  const float *xs = x.f32();
  float *ys = y.f32();

  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox) {
        const int64_t startY = oy * g.stride[0] - g.padBegin[0];
        const int64_t startX = ox * g.stride[1] - g.padBegin[1];
        double maxValue = -std::numeric_limits<double>::infinity();
        double sum = 0.0;
        for (int64_t ky = 0; ky < g.kernel[0]; ++ky) {
          const int64_t iy = startY + ky * g.dilation[0];
          if (iy < 0 || iy >= inH) continue;
          for (int64_t kx = 0; kx < g.kernel[1]; ++kx) {
            const int64_t ix = startX + kx * g.dilation[1];
            if (ix < 0 || ix >= inW) continue;
            const double v = xs[(p * inH + iy) * inW + ix];
            if (v > maxValue) maxValue = v;
            sum += v;
          }
        }
        double result = maxValue;
        if (!isMax) {
          const int64_t divisor = windowCount(startY, g.kernel[0], g.dilation[0], inH,
                                              g.padBegin[0], g.padEnd[0], countPadding) *
                                  windowCount(startX, g.kernel[1], g.dilation[1], inW,
                                              g.padBegin[1], g.padEnd[1], countPadding);
          result = sum / static_cast<double>(divisor);
        }
        ys[(p * outH + oy) * outW + ox] = static_cast<float>(result);
      }
  return y;
}

Tensor globalPool(const Node &node, const Tensor &x) {
  const bool isMax = node.op == OpKind::GlobalMaxPool;
  if (x.rank() < 3) throw Error("node '" + node.name + "': global pool needs rank >= 3");
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t area = planes == 0 ? 0 : x.numel() / planes;

  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  for (int64_t p = 0; p < planes; ++p) {
    double maxValue = -std::numeric_limits<double>::infinity();
    double sum = 0.0;
    for (int64_t i = 0; i < area; ++i) {
      const double v = xs[p * area + i];
      if (v > maxValue) maxValue = v;
      sum += v;
    }
    ys[p] = static_cast<float>(isMax ? maxValue : sum / static_cast<double>(area));
  }
  return y;
}

} // namespace atrous::reference
