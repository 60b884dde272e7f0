// winograd: rewrites conv2d nodes with 1 to 3 taps per axis (not 1x1),
// stride 1 and groups 1 into winograd_conv2d, and conv1d nodes of 2 or 3
// taps into winograd_conv1d (docs/ops.md), when that is estimated to be
// faster. Besides the 3x3 convs these are the phases of transposed convs
// (lower-conv-transpose): FCN's 4 phases of 256 -> 64 channels at 128x128
// went from 8.6 GFLOP of direct products to 3.6 in F(3x4, 2x2), and the
// model from 50.5 to 42.0 ms (paired runs, faster in 6 of 6); the 2x1 and
// 1x2 phases of a k3 s2 one, an axis of one tap being plain tiling, took the
// 256 -> 128 case at 64x64 from 10.9 to 9.6 ms. The 1-D benchmark stack (64
// channels, 16000 samples, kernel 2, dilations 1 to 512) took 0.90 of its
// direct time (faster in 5 of 6 pairs); WaveNet, whose 20 gated convs (64 ->
// 128 channels) then go through Winograd too, about 0.97 (faster in 7 of
// 10). Tiles of 5 and 6, where their kernel fits the cache, against tiles
// up to 4 (paired runs): 128 -> 128 channels at 65x65 rate 12, F(6x6) for
// F(3x3), 0.79 (faster in 5 of 5); at 129x129 rate 1, F(5x5) for F(4x4),
// 0.90 (4 of 5); 64 channels there 0.85 (4 of 5); DeepLab v3+, whose 64-
// and 128-channel convs take tiles of 5, 0.97 (5 of 6), and 0.92 more (4 of
// 6) once its 512-channel convs, whose kernels are read once, take tiles of
// 6; the ASPP block, whose rate-12 conv takes F(6x6) for F(3x3), 0.92 to
// 0.94 (7 of 8). Bounded tiles (ir/Winograd.h) for the direct conv of a
// rate at least half the map: 33x33 rate 18 (256 channels), 0.73 (5 of 5),
// as their 3x3 positions per residue against 63^2 / 18^2 real taps predict;
// the ASPP block, whose rate-36 conv takes them, 0.93 (3 of 4). A residue
// of one output then computes position 0 alone (ir/Winograd.h,
// BoundedResidues): 33x33 rate 24 (256 channels), which then takes bounded
// tiles, 0.90 of its direct time (3 of 3); the ASPP block 0.97 more (3 of
// 3); DeepLab v3+, whose 33x33 rate-18 ASPP conv then takes them, 0.98 (4
// of 4); two 256-channel convs at 9x9 rate 6, 0.80 (3 of 3).
// The node keeps its name, inputs, dilation, padding, bias and epilogue; its
// weight [out, C, r_y, r_x] is replaced by U = Gy g Gx^T laid out in blocks of
// output channels, [alpha_y, alpha_x, out / 32, C, 32] (ir/Winograd.h;
// [alpha_x, out / 32, C, 32] from a conv1d's [out, C, r]), computed in double
// and rounded to f32 once.
// Without weights only the graph is rewritten.
//
// The cost model (parameters in WinogradCostModel), per image, in FLOPs at
// peak. The direct conv performs the multiply-adds of its real taps only:
//   direct = 2 * C * out * Py * Px / directEfficiency,
// Pd being the (output, tap) pairs of axis d that read the input, not the
// padding (as FlopCount counts them). Winograd computes on the dilated grid:
// with Td(m) tiles on axis d (ir/Winograd.h, WinogradAxis: a residue whose
// q's do not fill its last tile still pays for all of it), T = Ty * Tx, and
// alpha = m + r - 1,
//   gemm      = 2 * T * alpha_y * alpha_x * C * out / gemmEfficiency
//   transform = T * (C * alpha_y alpha_x (alpha_y + alpha_x)             input
//                    + out * alpha_x m_y (alpha_y + m_x)) / transformEff. output
//   memory    = 4 bytes * T * 2 (C alpha_y alpha_x + out m_y m_x) * flopsPerByte
//   weights   = 4 bytes * alpha_y alpha_x C out * flopsPerByte
// (separable transforms, every coefficient counted as a multiply-add; the
// transformed input and output tiles written once and read once, except in
// 1-D, where the output tiles are made per run of outputs and stay in the
// cache with the input tiles of their blocks (ScheduleWinograd.cpp), so
// memory is 0; the kernel read once, which the direct conv pays too, for
// r_y r_x taps). So per
// output pixel the product costs C * out * alpha_y alpha_x / (m_y m_x) against
// the direct r_y r_x C * out, and the transforms and tile traffic grow with C + out
// only. So few channels make the transforms dominate; maps of a few tiles
// make the transformed kernel's traffic dominate; small maps and large rates
// make tiles run past the outputs (rate 24 on 65 pixels leaves 17 residues
// with 3 q's and 7 with 2) while the direct conv skips many padding taps.
// Each axis' tile is chosen from 2 to maxTile, tiles above kNarrowTile only
// where the products read the transformed kernel from the cache or once
// (wideTileKernelBytes); where both axes take bounded tiles, they are priced
// with alpha = 3 for a residue of two outputs and 1 for one of a single
// output (each pair of kinds as tiles of its own), and win a tie. Winograd is used when
// direct >= minSpeedup * (gemm + transform + memory + weights) for the
// cheapest tile pair, and among pairs within accuracyTieBreak of the
// cheapest the smallest tiles win, since rounding grows with m.
#include "passes/Winograd.h"

#include <algorithm>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Winograd.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

// The largest tile whose transformed kernel needs no cache check: the
// calibration of gemmEfficiency ran tiles up to 4 on kernels up to 9.4 MB.
constexpr int64_t kNarrowTile = 4;

// Pairs (output o, tap t) of one axis of a stride-1 window whose input
// position o - padBegin + t * dilation lies in [0, in).
int64_t realTaps(const WindowGeometry &g, int d) {
  int64_t pairs = 0;
  for (int64_t t = 0; t < g.kernel[d]; ++t) {
    const int64_t shift = t * g.dilation[d] - g.padBegin[d];
    const int64_t first = std::max<int64_t>(0, -shift);
    const int64_t last = std::min<int64_t>(g.out[d] - 1, g.in[d] - 1 - shift);
    pairs += std::max<int64_t>(0, last - first + 1);
  }
  return pairs;
}

// Reading a kernel of `taps` positions once per image: what makes a
// transformed kernel (alpha_y * alpha_x positions against r_y * r_x) too
// dear for a map of a few tiles.
double weightTraffic(double taps, double channels, double outChannels,
                     const WinogradCostModel &model) {
  return 4.0 * taps * channels * outChannels * model.flopsPerByte;
}

double winogradCost(const WindowGeometry &g, int64_t my, int64_t mx, bool bounded, double channels,
                    double outChannels, bool tilesStayInCache, const WinogradCostModel &model) {
  const WinogradTransform &ty = winogradTransform(my, g.kernel[0], bounded),
                          &tx = winogradTransform(mx, g.kernel[1], bounded);
  // Each pair of parts (ir/Winograd.h, WinogradPart) with its own tiles and
  // transforms.
  double cost = 0.0;
  for (const WinogradPart &y : winogradParts(g, 0, ty))
    for (const WinogradPart &x : winogradParts(g, 1, tx)) {
      const double tiles = double(y.tiles) * double(x.tiles), ay = y.t->alpha, ax = x.t->alpha;
      const double outY = y.t->m, outX = x.t->m;
      const double gemm = 2.0 * tiles * ay * ax * channels * outChannels / model.gemmEfficiency;
      const double transform =
          tiles * (channels * ay * ax * (ay + ax) + outChannels * ax * outY * (ay + outX)) /
          model.transformEfficiency;
      const double memory =
          tilesStayInCache ? 0.0
                           : 4.0 * tiles * 2.0 * (channels * ay * ax + outChannels * outY * outX) *
                                 model.flopsPerByte;
      cost += gemm + transform + memory;
    }
  return cost + weightTraffic(double(ty.alpha) * double(tx.alpha), channels, outChannels, model);
}

bool isCandidate(const Node &node) {
  if (!isConv(node.op) || node.attrs.getInt("groups") != 1) return false;
  std::vector<int64_t> kernel = node.attrs.getInts("kernel");
  std::vector<int64_t> stride = node.attrs.getInts("stride");
  auto all = [](const std::vector<int64_t> &v, int64_t x) {
    return std::all_of(v.begin(), v.end(), [x](int64_t e) { return e == x; });
  };
  // A negative (cropping) pad is split-padding-taps' region form: left direct.
  if (node.attrs.has("pad") && !node.attrs.isString("pad")) {
    const std::vector<int64_t> pads = node.attrs.getInts("pad");
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) return false;
  }
  const std::vector<int64_t> k = perDim(kernel, opInfo(node.op).spatialRank, "kernel");
  return std::all_of(k.begin(), k.end(), isWinogradKernel) && !all(k, 1) && all(stride, 1);
}

class WinogradPass : public Pass {
public:
  explicit WinogradPass(WinogradCostModel model) : model_(model) {}

  std::string name() const override { return "winograd"; }
  std::string summary() const override {
    return "compute stride-1 convs of 1 to 3 taps per axis by Winograd F(m, r) where the cost "
           "model "
           "says so";
  }

  bool run(Graph &graph, Weights *weights) override {
    Rewriter rw(graph);
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto id = static_cast<ValueId>(i);
      const Node &node = graph.nodes[i];
      if (!isCandidate(node)) {
        rw.copy(id);
        continue;
      }
      const Shape &in = graph.type(node.inputs[0]).shape;
      const TensorType acc = accumulatorType(node);
      WinogradChoice choice =
          chooseWinograd(windowGeometry(node, in), in[0], in[1], acc.shape[1], model_);
      if (!choice.use) {
        rw.copy(id);
        continue;
      }
      if (weights) {
        auto it = weights->find(node.name + ".weight");
        if (it == weights->end())
          throw Error("winograd: weight '" + node.name + ".weight' is missing");
        it->second = winogradWeight(it->second, choice.tileY, choice.tileX, choice.bounded);
      }
      Node w = winogradNodeFor(node, choice.tileY, choice.tileX, choice.bounded);
      for (ValueId &v : w.inputs)
        v = rw.map(v);
      rw.setMap(id, rw.add(std::move(w)));
      changed = true;
    }
    if (changed) graph = rw.finish();
    return changed;
  }

private:
  WinogradCostModel model_;
};

} // namespace

WinogradChoice chooseWinograd(const WindowGeometry &geometry, int64_t batch, int64_t inChannels,
                              int64_t outChannels, const WinogradCostModel &model) {
  // A 1-D conv is the 2-D conv of one row, whose y axis has tiles of 1.
  const bool oneRow = geometry.rank == 1;
  const WindowGeometry g = asRows(geometry);
  const int64_t minTileY = oneRow ? 1 : kMinWinogradTile;
  WinogradChoice best;
  const double c = double(inChannels), o = double(outChannels), n = double(batch);
  best.directCost =
      n * (2.0 * c * o * double(realTaps(g, 0)) * double(realTaps(g, 1)) / model.directEfficiency +
           weightTraffic(double(g.kernel[0] * g.kernel[1]), c, o, model));
  const int64_t maxTile = std::min<int64_t>(model.maxTile, kMaxWinogradTile);
  if (maxTile < kMinWinogradTile) return best;
  const int64_t maxTileY = oneRow ? 1 : maxTile;
  auto kernelFits = [&](int64_t my, int64_t mx) {
    const int64_t positions = (my + g.kernel[0] - 1) * (mx + g.kernel[1] - 1);
    return std::max(my, mx) <= kNarrowTile ||
           positions * inChannels * outChannels * int64_t{sizeof(float)} <=
               model.wideTileKernelBytes ||
           readsKernelOnce(positions, inChannels, outChannels);
  };
  double cheapest = -1;
  for (int64_t my = minTileY; my <= maxTileY; ++my)
    for (int64_t mx = kMinWinogradTile; mx <= maxTile; ++mx) {
      if (!kernelFits(my, mx)) continue;
      double cost = n * winogradCost(g, my, mx, false, c, o, oneRow, model);
      if (cheapest < 0 || cost < cheapest) cheapest = cost;
    }
  // The smallest tiles (by m_y + m_x, then cost) among the near-cheapest.
  for (int64_t my = minTileY; my <= maxTileY; ++my)
    for (int64_t mx = kMinWinogradTile; mx <= maxTile; ++mx) {
      if (!kernelFits(my, mx)) continue;
      double cost = n * winogradCost(g, my, mx, false, c, o, oneRow, model);
      if (cost > cheapest * (1.0 + model.accuracyTieBreak)) continue;
      bool better = best.tileY == 0 || my + mx < best.tileY + best.tileX ||
                    (my + mx == best.tileY + best.tileX && cost < best.winogradCost);
      if (!better) continue;
      best.tileY = my;
      best.tileX = mx;
      best.winogradCost = cost;
    }
  // Bounded tiles, where they apply, do the fewest products and are exact
  // but for the rounding of 3 positions.
  if (!oneRow && boundsTiles(g, 0) && boundsTiles(g, 1)) {
    const double cost = n * winogradCost(g, 2, 2, true, c, o, false, model);
    if (best.tileY == 0 || cost <= best.winogradCost) {
      best.tileY = best.tileX = 2;
      best.bounded = true;
      best.winogradCost = cost;
    }
  }
  best.use = best.tileY != 0 && best.directCost >= model.minSpeedup * best.winogradCost;
  return best;
}

Node winogradNodeFor(const Node &conv, int64_t tileY, int64_t tileX, bool bounded) {
  if (!isCandidate(conv))
    throw Error("winograd: node '" + conv.name +
                "' is not a stride-1 ungrouped conv of 1 to 3 taps per axis");
  const bool oneD = conv.op == OpKind::Conv1d;
  if (oneD && tileY != 1)
    throw Error("winograd: conv1d '" + conv.name + "' takes tiles of 1 along y, not " +
                std::to_string(tileY));
  Node w;
  w.name = conv.name;
  w.op = oneD ? OpKind::WinogradConv1d : OpKind::WinogradConv2d;
  w.inputs = conv.inputs;
  w.loc = conv.loc;
  w.attrs.set("out", conv.attrs.getInt("out"));
  w.attrs.set("tile", oneD || tileY == tileX ? std::vector<int64_t>{tileX}
                                             : std::vector<int64_t>{tileY, tileX});
  const std::vector<int64_t> kernel =
      perDim(conv.attrs.getInts("kernel"), opInfo(conv.op).spatialRank, "kernel");
  w.attrs.set("kernel", kernel.front() == kernel.back() ? std::vector<int64_t>{kernel[0]} : kernel);
  for (const char *copied : {"dilation", "pad", "bias", "act", "alpha", "layout"})
    w.attrs.set(copied, conv.attrs.get(copied));
  if (!oneD)
    w.attrs.set("bounded", bounded);
  else if (bounded)
    throw Error("winograd: conv1d '" + conv.name + "' takes no bounded tiles");
  return w;
}

Tensor winogradWeight(const Tensor &convWeight, int64_t tileY, int64_t tileX, bool bounded) {
  const Shape &shape = convWeight.shape();
  const bool oneD = shape.size() == 3;
  // A conv1d's kernel is the one row of a 2-D kernel, with tiles of 1 along y.
  const int64_t ry = oneD ? 1 : shape.size() == 4 ? shape[2] : 0, rx = shape.back();
  if ((shape.size() != 3 && shape.size() != 4) || !isWinogradKernel(ry) || !isWinogradKernel(rx) ||
      ry * rx == 1 || (oneD && tileY != 1))
    throw Error("winograd: a conv weight must be [out, C, r_y, r_x] or [out, C, r] with r of 1 "
                "to 3, not all 1 (a conv1d with tiles of 1 along y), got " +
                shapeStr(shape) + " for tiles " + std::to_string(tileY) + "x" +
                std::to_string(tileX));
  if (bounded && oneD)
    throw Error("winograd: bounded tiles take a 3x3 kernel, got " + shapeStr(shape));
  const WinogradTransform &ty = winogradTransform(tileY, ry, bounded),
                          &tx = winogradTransform(tileX, rx, bounded);
  const int64_t out = shape[0], channels = shape[1], block = kWinogradOutBlock;
  const int64_t blocks = (out + block - 1) / block, taps = ry * rx;
  Shape uShape = {ty.alpha, tx.alpha, blocks, channels, block};
  if (oneD) uShape.erase(uShape.begin());
  Tensor u(DType::F32, uShape);
  std::vector<double> g(static_cast<size_t>(taps));
  for (int64_t o = 0; o < out; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t k = 0; k < taps; ++k)
        g[static_cast<size_t>(k)] = convWeight.f32()[(o * channels + c) * taps + k];
      std::vector<double> t = transformKernel(ty, tx, g.data());
      for (int i = 0; i < ty.alpha; ++i)
        for (int j = 0; j < tx.alpha; ++j)
          u.f32()[(((i * tx.alpha + j) * blocks + o / block) * channels + c) * block + o % block] =
              static_cast<float>(t[static_cast<size_t>(i * tx.alpha + j)]);
    }
  return u;
}

std::unique_ptr<Pass> createWinogradPass(WinogradCostModel model) {
  return std::make_unique<WinogradPass>(model);
}

} // namespace atrous
