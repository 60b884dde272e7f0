// The split of a bounded axis into full and center residues (ir/Winograd.h,
// BoundedResidues) against a count from the definition, output by output
// and tap by tap, on drawn bounded geometries, with the parts the lowering
// and the cost model take from it (winogradParts); and the center tile
// against the bounded tile it stands for.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ir/Winograd.h"

namespace atrous {
namespace {

// Axis 0 of a 3-tap stride-1 window; axis 1 a plain 3-tap one.
WindowGeometry axis(int64_t in, int64_t dilation, int64_t padBegin, int64_t padEnd) {
  WindowGeometry g;
  g.rank = 2;
  g.kernel = {3, 3};
  g.stride = {1, 1};
  g.dilation = {dilation, 1};
  g.in = {in, 8};
  g.padBegin = {padBegin, 1};
  g.padEnd = {padEnd, 1};
  g.outputPadding = {0, 0};
  g.out = {in + padBegin + padEnd - 2 * dilation, 8};
  return g;
}

TEST(BoundedResidues, SplitTheResiduesAsTheirOutputsAndTapsSay) {
  std::mt19937 rng(20261130);
  auto range = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int made = 0, withCenter = 0, fellBack = 0;
  for (int attempt = 0; made < 200 && attempt < 20000; ++attempt) {
    const int64_t dilation = range(1, 30), in = range(1, 2 * dilation + 2);
    const WindowGeometry g =
        axis(in, dilation, range(dilation, dilation + 3), range(0, dilation + 3));
    if (g.out[0] < 1 || !boundsTiles(g, 0)) continue;
    ++made;
    SCOPED_TRACE("in " + std::to_string(in) + ", dilation " + std::to_string(dilation) + ", pad " +
                 std::to_string(g.padBegin[0]) + " " + std::to_string(g.padEnd[0]));
    // Per residue: its outputs, and whether a single output reads the input
    // through a tap other than the center one.
    int64_t holding = 0, twice = 0;
    bool singlesCentered = true;
    for (int64_t r = 0; r < dilation; ++r) {
      int64_t outputs = 0;
      for (int64_t o = r; o < g.out[0]; o += dilation)
        ++outputs;
      holding += outputs > 0;
      twice += outputs == 2;
      if (outputs != 1) continue;
      for (int64_t tap : {0, 2}) {
        const int64_t at = r + tap * dilation - g.padBegin[0];
        if (at >= 0 && at < in) singlesCentered = false;
      }
    }
    const BoundedResidues b = boundedResidues(g, 0);
    EXPECT_EQ(b.full + b.center, holding);
    EXPECT_EQ(b.full + b.center, winogradAxis(g.out[0], dilation, 2).tiles());
    if (singlesCentered) {
      EXPECT_EQ(b.full, twice);
      EXPECT_EQ(b.center, holding - twice);
    } else {
      EXPECT_EQ(b.center, 0);
    }
    // The parts the lowering and the cost model take: the full residues,
    // then the center ones, together every residue, none empty.
    const std::vector<WinogradPart> parts = winogradParts(g, 0, boundedWinogradTransform());
    int64_t next = 0;
    for (const WinogradPart &p : parts) {
      EXPECT_EQ(p.first, next);
      EXPECT_GT(p.tiles, 0);
      next += p.tiles;
    }
    EXPECT_EQ(next, holding);
    EXPECT_EQ(parts.back().t == &centerWinogradTransform(), b.center > 0);
    withCenter += b.center > 0;
    fellBack += !singlesCentered;
  }
  EXPECT_EQ(made, 200);
  // The draws reach both outcomes.
  EXPECT_GT(withCenter, 20);
  EXPECT_GT(fellBack, 20);
}

// The center tile's one position is the bounded tile's position 0, and on a
// patch with only d1 inside the input both give y0 = g1 d1.
TEST(BoundedResidues, TheCenterTileIsTheBoundedTilesFirstPosition) {
  const WinogradTransform &b = boundedWinogradTransform(), &c = centerWinogradTransform();
  ASSERT_EQ(c.alpha, 1);
  ASSERT_EQ(c.m, 1);
  ASSERT_EQ(c.patch, b.patch);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(c.G(0, k), b.G(0, k));
  const double g[3] = {0.7, -1.3, 2.1}, d[4] = {0.0, 1.9, 0.0, 0.0};
  auto y0 = [&](const WinogradTransform &t) {
    double y = 0.0;
    for (int p = 0; p < t.alpha; ++p) {
      double u = 0.0, v = 0.0;
      for (int k = 0; k < 3; ++k)
        u += t.G(p, k) * g[k];
      for (int j = 0; j < t.patch; ++j)
        v += t.BT(p, j) * d[j];
      y += t.AT(0, p) * u * v;
    }
    return y;
  };
  EXPECT_DOUBLE_EQ(y0(c), g[1] * d[1]);
  EXPECT_DOUBLE_EQ(y0(b), g[1] * d[1]);
}

} // namespace
} // namespace atrous
