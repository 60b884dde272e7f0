// The Winograd minimal-filtering transforms F(m, r) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016): m outputs of an r-tap
// correlation from an input tile of alpha = m + r - 1 elements with alpha
// multiplies, y = AT [(G g) . (BT d)]. In 2-D the transforms apply per axis,
// so an m_y x m_x output tile of an r_y x r_x kernel costs alpha_y * alpha_x
// multiplies per channel pair instead of r_y * r_x * m_y * m_x. Kernels of 3
// taps are the 3x3 convs; kernels of 2 and 1 taps are the phases of the
// transposed convs (passes/LowerConvTranspose.h). The matrices are built here, once, from
// their interpolation points (Toom-Cook), for the pass that transforms
// weights, the reference interpreter and code generation alike; docs/ops.md
// (winograd_conv2d) states the same construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ir/Geometry.h"
#include "ir/Layout.h"

namespace atrous {

struct WinogradTransform {
  int m = 0;     // output tile extent
  int r = 0;     // kernel taps
  int alpha = 0; // transformed positions, m + r - 1 (3 for a bounded tile)
  int patch = 0; // input tile extent, m + r - 1
  // The finite interpolation points p_0 .. p_{alpha-2}; the last point is
  // infinity. Chosen per count for f32 accuracy (see winogradTransform).
  std::vector<double> points;
  // Row-major: at is m x alpha, g is alpha x r, bt is alpha x patch.
  std::vector<double> at, g, bt;

  double AT(int i, int j) const { return at[static_cast<size_t>(i * alpha + j)]; }
  double G(int j, int k) const { return g[static_cast<size_t>(j * r + k)]; }
  double BT(int i, int j) const { return bt[static_cast<size_t>(i * patch + j)]; }
};

// The transformed kernel is stored in blocks of this many output channels,
// each block [C, 32] contiguous (the last one padded with zeros), so that the
// products over input channels read their kernel panel as one sequential
// stream: with out innermost instead, each channel step of a 32-channel
// register tile would start a new cache line a row of `out` floats away,
// which measured twice as slow. 32 is the widest register tile of output
// channels the CPU schedules use (two AVX-512 vectors); narrower targets
// split a block into more vectors. It is the block of a direct conv's
// weights (ir/Layout.h), for the same reasons.
inline constexpr int kWinogradOutBlock = static_cast<int>(kOutChannelBlock);

// A transformed kernel larger than this no longer stays in the cache between
// blocks of tiles: three quarters of the 32 MB L3 here, which also holds the
// activations. The CPU schedule (codegen/ScheduleWinograd.cpp) then splits
// the threads by blocks of output channels, each over all tiles, so that
// the kernel is read once rather than once per block of tiles; the
// winograd pass prices tiles by the same rule.
inline constexpr int64_t kStreamedKernelBytes = int64_t{24} << 20;
inline bool readsKernelOnce(int64_t positions, int64_t channels, int64_t outChannels) {
  return outChannels % kWinogradOutBlock == 0 &&
         positions * channels * outChannels * int64_t{sizeof(float)} > kStreamedKernelBytes;
}

// The output tile extents winograd_conv2d supports. Tiles of 5 and 6 (alpha
// 7 and 8 for 3 taps) fill more of a residue's q's on dilated grids (65
// pixels at rate 12: 5 or 6 q's, one tile of 6 against two of 3) and cost
// fewer products per output, at about 4x the rounding error of F(4, 3).
inline constexpr int kMinWinogradTile = 2;
inline constexpr int kMaxWinogradTile = 6;
inline bool isWinogradTile(int64_t m) {
  return m >= kMinWinogradTile && m <= kMaxWinogradTile;
}

// The kernel extents winograd_conv2d supports, per axis (not 1 on both: a
// 1x1 conv gains nothing). One tap makes the axis plain tiling.
inline bool isWinogradKernel(int64_t r) {
  return r >= 1 && r <= 3;
}

// F(m, r) for m in [kMinWinogradTile, kMaxWinogradTile] and r a Winograd
// kernel extent, and F(1, 1), the identity (the y axis of a 1-D conv, see
// winogradWindow); throws atrous::Error for any other m or r.
const WinogradTransform &winogradTransform(int64_t m, int64_t r = 3);

// The bounded tile: 2 outputs of a 3-tap correlation whose patch (d0, d1,
// d2, d3) lies in the zero padding at both ends, d0 = d3 = 0, so that y0 =
// g1 d1 + g2 d2 and y1 = g0 d1 + g1 d2: a 2x2 Toeplitz product, which takes 3
// multiplies, M0 = g1 (d1 + d2), M1 = (g2 - g1) d2, M2 = (g0 - g1) d1, y0 =
// M0 + M1, y1 = M0 + M2, against 4 for F(2, 3). It is exact where every
// residue of an axis holds at most 2 outputs and the padding bounds its
// patch (boundsTiles): dilated convs whose rate is half the map or more,
// where the direct conv's taps mostly read padding (33x33 at rate 18: 3
// positions per residue, 54 per axis, against 63 real taps).
const WinogradTransform &boundedWinogradTransform();

// F(m, r), or the bounded transform where `bounded` (m 2, r 3; otherwise
// atrous::Error): what a node's tile, kernel and `bounded=` attributes name
// along one axis.
const WinogradTransform &winogradTransform(int64_t m, int64_t r, bool bounded);

// Whether axis `d` of a 3-tap stride-1 window takes bounded tiles: each
// residue holds at most 2 outputs (out <= 2 dilation) and its patch's first
// and last elements lie outside the input (padBegin >= dilation, 3 dilation
// - padBegin >= in).
bool boundsTiles(const WindowGeometry &g, int d);

// The center tile: the one output of a bounded axis' residue whose patch
// has d1 alone inside the input, y0 = g1 d1, which is the bounded
// transform's position 0 (G row g1; BT row d1 + d2 with d2 = 0) and its
// output y0 = M0 + M1 with M1 = (g2 - g1) d2 = 0. So such a residue needs
// one position instead of 3, and reads the bounded transformed kernel's
// position 0: alpha 1, patch 4 (the bounded patch), m 1.
const WinogradTransform &centerWinogradTransform();

// How a bounded axis' residues split: residues [0, full) take the bounded
// transform's 3 positions, residues [full, full + center) the center tile's
// one (their single output's patch element d2 lies in the padding too:
// full + 2 dilation - padBegin >= in; otherwise they count as full). 33
// pixels at rate 24: 9 full and 15 center residues, 42 positions per axis
// against 72 for 24 bounded tiles and 51 real taps of the direct conv.
struct BoundedResidues {
  int64_t full = 0, center = 0;
};
BoundedResidues boundedResidues(const WindowGeometry &g, int d);

// Whether a winograd node takes bounded tiles (its `bounded=` attribute).
bool takesBoundedTiles(const Node &node);

// How one output axis of extent `extent` splits into tiles on the dilated
// grid of `dilation`: output o = q * dilation + r belongs to residue r, whose
// q's are cut into tiles of m. Residues r < residuesHigh hold one q more
// than the others, so they may need one tile more. Tiles are numbered
// residue fastest: tile t of residue r is t * dilation + r, so the tiles
// that hold a run of outputs are a run too (residues from residuesHigh on
// lack at most the last tile, so the numbers leave no gap).
struct WinogradAxis {
  int64_t m = 0, dilation = 1;
  int64_t residuesHigh = 0;            // residues with ceil(extent / dilation) q's
  int64_t tilesHigh = 0, tilesLow = 0; // tiles per residue below / from residuesHigh
  int64_t tiles() const { return residuesHigh * tilesHigh + (dilation - residuesHigh) * tilesLow; }
};
WinogradAxis winogradAxis(int64_t extent, int64_t dilation, int64_t m);

// One part of an axis' tiles, [first, first + tiles), computed through `t`.
// An axis is one part through its transform `t`; a bounded axis with center
// residues is two, the full residues' through the bounded transform and then
// the center residues' through the center tile (BoundedResidues; the tile
// of a bounded residue is the residue). Parts without tiles are left out.
// The lowering gives each pair of parts its own stages; the winograd pass
// prices each pair.
struct WinogradPart {
  const WinogradTransform *t = nullptr;
  int64_t first = 0, tiles = 0;
};
std::vector<WinogradPart> winogradParts(const WindowGeometry &g, int d, const WinogradTransform &t);

// A winograd_conv2d's or winograd_conv1d's window as a 2-D one, with each
// axis' transform. A winograd_conv1d is the conv of a single row: its y axis
// (extent 1, one tap, no padding) takes F(1, 1), so the 2-D formulation
// serves both ops unchanged (weights, reference, code generation), and its
// transformed kernel [alpha_x, out blocks, C, 32] is the 2-D one of
// alpha_y 1.
struct WinogradWindow {
  WindowGeometry g; // rank 2
  const WinogradTransform *y = nullptr, *x = nullptr;
};
WinogradWindow winogradWindow(const Node &node, const Shape &input);
// A window as a 2-D one: a rank-1 window gains a y axis of extent 1 and one
// tap; a rank-2 window is returned as it is.
WindowGeometry asRows(const WindowGeometry &g);

// U = Gy g Gx^T of one r_y x r_x kernel g (row-major, [ky][kx]) in double:
// alpha_y x alpha_x, row-major.
std::vector<double> transformKernel(const WinogradTransform &y, const WinogradTransform &x,
                                    const double *g);

} // namespace atrous
