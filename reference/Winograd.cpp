// winograd_conv2d and winograd_conv1d as docs/ops.md defines them, by the
// algorithm itself rather than by the direct conv it equals, so that tests
// of the winograd pass measure the algorithm's rounding: on the dilated grid of every residue
// (ry, rx) (outputs oy = qy * dy + ry), each m_y x m_x tile of q's takes its
// input patch (element (i, j) at ((ty * m_y + i) * dy + ry - pad_top, ...),
// zero outside the input; alpha x alpha, or 4 x 4 into 3 x 3 positions for
// a bounded tile), transforms it, multiplies it with
// the transformed kernel U (stored in blocks of output channels, docs/ops.md)
// position by position summing over input channels, and transforms the
// products back. Everything runs in double from the f32 input and U, so the
// only f32 rounding left is U's own.
#include "ir/Winograd.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

// left * x * right^T for row-major left (r x ky), x (ky x kx) and right
// (c x kx): r x c.
std::vector<double> sandwich(const std::vector<double> &left, int r, const std::vector<double> &x,
                             int ky, int kx, const std::vector<double> &right, int c) {
  std::vector<double> half(static_cast<size_t>(r * kx), 0.0), out(static_cast<size_t>(r * c), 0.0);
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < kx; ++j)
      for (int l = 0; l < ky; ++l)
        half[static_cast<size_t>(i * kx + j)] +=
            left[static_cast<size_t>(i * ky + l)] * x[static_cast<size_t>(l * kx + j)];
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j)
      for (int l = 0; l < kx; ++l)
        out[static_cast<size_t>(i * c + j)] +=
            half[static_cast<size_t>(i * kx + l)] * right[static_cast<size_t>(j * kx + l)];
  return out;
}

// How many q have q * dilation + residue < extent.
int64_t residueCount(int64_t extent, int64_t dilation, int64_t residue) {
  return residue < extent ? (extent - residue + dilation - 1) / dilation : 0;
}

} // namespace

Tensor winogradConv(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias) {
  // A winograd_conv1d as the conv of one row: its tensors' memory is that of
  // [N, C, 1, L].
  const WinogradWindow w = winogradWindow(node, x.shape());
  const WindowGeometry &g = w.g;
  const WinogradTransform &ty = *w.y, &tx = *w.x;
  const int my = ty.m, mx = tx.m, ay = ty.alpha, ax = tx.alpha, py = ty.patch, px = tx.patch;
  const int64_t batch = x.shape()[0], channels = x.shape()[1], inH = g.in[0], inW = g.in[1];
  const int64_t outChannels = node.type.shape[1], outH = g.out[0], outW = g.out[1];
  const int64_t dy = g.dilation[0], dx = g.dilation[1];
  const int64_t block = kWinogradOutBlock, blocks = (outChannels + block - 1) / block;
  Tensor y(node.type);
  const float *xs = x.f32(), *us = weight.f32();
  float *ys = y.f32();
  const size_t positions = static_cast<size_t>(ay * ax);
  std::vector<std::vector<double>> v(static_cast<size_t>(channels));
  std::vector<double> patch(static_cast<size_t>(py * px)), product(positions);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t ry = 0; ry < dy; ++ry)
      for (int64_t rx = 0; rx < dx; ++rx) {
        const int64_t tilesY = (residueCount(outH, dy, ry) + my - 1) / my;
        const int64_t tilesX = (residueCount(outW, dx, rx) + mx - 1) / mx;
        for (int64_t tileY = 0; tileY < tilesY; ++tileY)
          for (int64_t tileX = 0; tileX < tilesX; ++tileX) {
            for (int64_t c = 0; c < channels; ++c) {
              for (int i = 0; i < py; ++i)
                for (int j = 0; j < px; ++j) {
                  const int64_t iy = (tileY * my + i) * dy + ry - g.padBegin[0];
                  const int64_t ix = (tileX * mx + j) * dx + rx - g.padBegin[1];
                  const bool inside = iy >= 0 && iy < inH && ix >= 0 && ix < inW;
                  patch[static_cast<size_t>(i * px + j)] =
                      inside ? xs[((n * channels + c) * inH + iy) * inW + ix] : 0.0;
                }
              v[static_cast<size_t>(c)] = sandwich(ty.bt, ay, patch, py, px, tx.bt, ax);
            }
            for (int64_t o = 0; o < outChannels; ++o) {
              for (size_t p = 0; p < positions; ++p) {
                // U[p][c][o] of the weight's blocks [p][o / block][c][o % block].
                const float *u =
                    us + ((static_cast<int64_t>(p) * blocks + o / block) * channels) * block +
                    o % block;
                double sum = 0.0;
                for (int64_t c = 0; c < channels; ++c)
                  sum += static_cast<double>(u[c * block]) * v[static_cast<size_t>(c)][p];
                product[p] = sum;
              }
              std::vector<double> out = sandwich(ty.at, my, product, ay, ax, tx.at, mx);
              for (int i = 0; i < my; ++i)
                for (int j = 0; j < mx; ++j) {
                  const int64_t oy = (tileY * my + i) * dy + ry, ox = (tileX * mx + j) * dx + rx;
                  if (oy >= outH || ox >= outW) continue;
                  const double b = bias ? bias->f32()[o] : 0.0;
                  ys[((n * outChannels + o) * outH + oy) * outW + ox] =
                      static_cast<float>(b + out[static_cast<size_t>(i * mx + j)]);
                }
            }
          }
      }
  return y;
}

} // namespace atrous::reference
