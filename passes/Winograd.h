// winograd: a stride-1, ungrouped conv2d of 1 to 3 taps per axis, not 1x1
// (any dilation, padding and fused epilogue), becomes a winograd_conv2d,
// and such a conv1d of 2 or 3 taps a winograd_conv1d, whose
// kernel is transformed at compile time, when the cost model below says
// Winograd's F(m_y x m_x, r_y x r_x) on the dilated grid beats the direct
// conv. See Winograd.cpp for the model.
#pragma once

#include <cstdint>
#include <memory>

#include "ir/Geometry.h"
#include "passes/Pass.h"

namespace atrous {

// The cost model's parameters: properties of the machine and of the two
// implementations, not thresholds fitted to one layer. Costs are in FLOPs at
// peak, so each kind of work is divided by the fraction of the peak it runs
// at. Calibrated on one core here (256 channels, 65x65, rates 1 to 24, tiles
// 2 to 4): the model's times are within 12% of the measured ones.
struct WinogradCostModel {
  // The batched products over input channels (one GEMM per transform
  // position) run at this fraction of the FMA peak.
  double gemmEfficiency = 0.75;
  // Our direct conv, which skips the taps in the padding (split-padding-taps'
  // regions): its inner loops ran at 0.7 to 0.8 of the peak in the profiler,
  // and the whole conv lower with its copies and region calls. At 0.9,
  // oneDNN's figure (0.87 to 0.91 on these layers), the model kept 65x65 at
  // rate 24 (256 channels) direct, 16-20 ms, where F(3x3, 3x3) takes
  // 11-13 ms; 33x33 at rate 12 went from 3.9-4.4 to 2.4-2.9 ms the same way.
  double directEfficiency = 0.75;
  // The input and output transforms: adds and multiplies by small constants
  // over gathered elements, far from FMA-bound.
  double transformEfficiency = 0.25;
  // Peak FLOP/s over memory bandwidth (232 GFLOP/s and 45 GB/s here): what
  // moving a byte costs, for the transformed tiles that leave the cache.
  double flopsPerByte = 5.0;
  // Winograd must be estimated this much faster: the model's error, so that a
  // rewrite it chooses is a measured gain.
  double minSpeedup = 1.15;
  // Largest tile per axis: rounding grows with the tile. In f32 on 64
  // channels (CodegenWinogradTest), F(2x2, 3x3) errs 3.9e-7 relative to the
  // output, F(4x4, 3x3) 1.9e-6, F(5x5, 3x3) 7.0e-6 and F(6x6, 3x3) 8.4e-6.
  int64_t maxTile = 6;
  // Tiles above 4 only where the transformed kernel, alpha_y alpha_x C out
  // floats, stays below this, or is read once (ir/Winograd.h,
  // readsKernelOnce). Otherwise the products of each block of tiles stream
  // the whole kernel, which grows with alpha^2, and they slow down once it
  // leaves the cache: one thread, F(6x6, 3x3) ran its products at 97% of the
  // peak with a 4.2 MB kernel (128 -> 128 channels) and at 68-73% with a
  // 16.8 MB one (256 -> 256), F(5x5, 3x3) at 74% with 12.8 MB, which undid
  // the products they save (65x65 rate 12, 256 channels: 1.03 of F(3x3)'s
  // time, paired runs).
  int64_t wideTileKernelBytes = int64_t{8} << 20;
  // Tiles whose cost is within this fraction of the cheapest are equally
  // good; among them the smallest (most accurate) wins.
  double accuracyTieBreak = 0.05;
};

// What the model decided for one conv.
struct WinogradChoice {
  bool use = false;
  int64_t tileY = 0, tileX = 0;
  bool bounded = false;                    // bounded tiles of 2 (ir/Winograd.h) on both axes
  double directCost = 0, winogradCost = 0; // FLOPs at peak, for the best tile
};

// The choice for a stride-1 conv of `geometry` over `batch` images; a 1-D
// geometry gets tileY 1.
WinogradChoice chooseWinograd(const WindowGeometry &geometry, int64_t batch, int64_t inChannels,
                              int64_t outChannels, const WinogradCostModel &model);

// The rewrite itself, for a chosen tile pair: the winograd_conv2d node that
// computes `conv` (a stride-1, groups-1 conv2d of 1 to 3 taps per axis; same
// name, inputs, dilation, padding, bias and epilogue), and its transformed
// weight [alpha_y, alpha_x, ceil(out / 32), C, 32] from the conv's
// [out, C, r_y, r_x] (U[xi][nu][c][o] at [xi, nu, o / 32, c, o % 32], zeros
// past out), computed in double and rounded once; for a conv1d (tileY 1),
// the winograd_conv1d node and [alpha_x, ceil(out / 32), C, 32] from
// [out, C, r]. `bounded` takes bounded tiles (tiles 2x2 of a 3x3 conv;
// weight [3, 3, ceil(out / 32), C, 32]). Throws atrous::Error when `conv` or
// the tiles do not qualify.
Node winogradNodeFor(const Node &conv, int64_t tileY, int64_t tileX, bool bounded = false);
Tensor winogradWeight(const Tensor &convWeight, int64_t tileY, int64_t tileX, bool bounded = false);

std::unique_ptr<Pass> createWinogradPass(WinogradCostModel model = {});

} // namespace atrous
