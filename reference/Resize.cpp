// Spatial resize of rank-3 (NCW) and rank-4 (NCHW) tensors to the node's
// inferred output extents: nearest, and (bi)linear with align_corners true or
// false (half-pixel). Source coordinates are computed in float with the
// ratio in/out exactly as PyTorch's CPU kernels do, so that rounding at the
// borders of nearest (floor of dst * scale) agrees with PyTorch bit for bit.
#include <cmath>
#include <vector>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

// For one output position along one dimension: the two source positions and
// the weight of the second one (the first gets 1 - frac).
struct Taps {
  int64_t lo = 0, hi = 0;
  float frac = 0.0f;
};

std::vector<Taps> nearestTaps(int64_t in, int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t d = 0; d < out; ++d) {
    int64_t src = static_cast<int64_t>(std::floor(static_cast<float>(d) * scale));
    if (src > in - 1) src = in - 1;
    taps[static_cast<size_t>(d)] = {src, src, 0.0f};
  }
  return taps;
}

std::vector<Taps> linearTaps(int64_t in, int64_t out, bool alignCorners) {
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t d = 0; d < out; ++d) {
    float src;
    if (alignCorners) {
      const float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
      src = scale * static_cast<float>(d);
    } else {
      const float scale = static_cast<float>(in) / static_cast<float>(out);
      src = scale * (static_cast<float>(d) + 0.5f) - 0.5f;
      if (src < 0.0f) src = 0.0f;
    }
    const int64_t lo = static_cast<int64_t>(std::floor(src));
    const int64_t hi = lo + 1 < in ? lo + 1 : in - 1;
    taps[static_cast<size_t>(d)] = {lo, hi, src - static_cast<float>(lo)};
  }
  return taps;
}

} // namespace

Tensor resize(const Node &node, const Tensor &x) {
  const int rank = x.rank();
  if (rank != 3 && rank != 4)
    throw Error("node '" + node.name + "': resize needs a rank 3 or 4 input, got " +
                x.type().str());
  const std::string &mode = node.attrs.getString("mode");
  const bool alignCorners = node.attrs.getBool("align_corners");
  if (mode == "nearest" && alignCorners)
    throw Error("node '" + node.name + "': align_corners=true needs mode=bilinear");

  // A 1-D resize is a 2-D one whose height stays 1.
  const int64_t planes = x.shape()[0] * x.shape()[1];
  const int64_t inH = rank == 4 ? x.shape()[2] : 1;
  const int64_t inW = x.shape()[static_cast<size_t>(rank - 1)];
  const int64_t outH = rank == 4 ? node.type.shape[2] : 1;
  const int64_t outW = node.type.shape[static_cast<size_t>(rank - 1)];

  auto tapsFor = [&](int64_t in, int64_t out) {
    return mode == "nearest" ? nearestTaps(in, out) : linearTaps(in, out, alignCorners);
  };
  const std::vector<Taps> rows = tapsFor(inH, outH);
  const std::vector<Taps> cols = tapsFor(inW, outW);

  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  for (int64_t p = 0; p < planes; ++p) {
    const float *plane = xs + p * inH * inW;
    for (int64_t oy = 0; oy < outH; ++oy) {
      const Taps &r = rows[static_cast<size_t>(oy)];
      for (int64_t ox = 0; ox < outW; ++ox) {
        const Taps &c = cols[static_cast<size_t>(ox)];
        float &out = ys[(p * outH + oy) * outW + ox];
        if (mode == "nearest") {
          out = plane[r.lo * inW + c.lo];
          continue;
        }
        const float top =
            (1.0f - c.frac) * plane[r.lo * inW + c.lo] + c.frac * plane[r.lo * inW + c.hi];
        const float bottom =
            (1.0f - c.frac) * plane[r.hi * inW + c.lo] + c.frac * plane[r.hi * inW + c.hi];
        out = (1.0f - r.frac) * top + r.frac * bottom;
      }
    }
  }
  return y;
}

} // namespace atrous::reference
