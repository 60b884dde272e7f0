// split-padding-taps: along each spatial dim, the outputs of a conv fall into
// bands within which the same contiguous range of taps [k0, k1] lands inside
// the input (at rate d on a map of n with same padding: [0, d) misses the
// first tap, [n - d, n) the last). Every region, one band per dim, is a conv
// of its own: the same stride, dilation, groups and epilogue, the taps
// [k0, k1] of the weight, and a padding that is negative (a crop) where the
// region starts inside the input, chosen so that it reads exactly the
// region's window and no padding at all. The regions are joined by concats
// along the last spatial dim, then along the one before. This is what
// oneDNN's direct kernels do with their padding taps; here the graph says it,
// so each region gets the ordinary conv schedule with no bounds tests.
//
// Rules: a conv1d or conv2d without a residual input (a region would need
// the residual's slice) whose taps outside the input are at least
// kSplitPaddingFraction of all its taps (any, for a conv1d), and where every
// band keeps at least one tap (an output that reads only padding is left to
// the plain conv). A conv1d is split for a single padding tap: its regions
// are two or three, the concat of them is written in place (place-concats),
// and the long one then reads its input where it lies, instead of a
// zero-padded copy of a whole sequence per layer (the 1-D causal stack of
// the benchmarks, 64 channels x 16000 samples: 16.0 -> 14.4 ms).
// Regions are named `<conv>.r<i>` (1-D) or `<conv>.r<i>_<j>`, with weights
// `<region>.weight` and `<region>.bias`; the last concat, or the single
// region when there is one, keeps the conv's name. Without weights the
// rewrite is the same and the graph expects weights in the rewritten form.
// Each output sums its own taps in the same order as before, so results are
// unchanged up to the schedule's summation order.
#include "passes/SplitPaddingTaps.h"

#include <string>
#include <vector>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/Rewriter.h"

namespace atrous {
namespace {

// Outputs [begin, end) of one dim whose taps inside the input are [k0, k1].
struct Band {
  int64_t begin, end, k0, k1;
};

std::vector<Band> bandsOf(const WindowGeometry &g, int d) {
  std::vector<Band> bands;
  for (int64_t o = 0; o < g.out[d]; ++o) {
    int64_t k0 = -1, k1 = -2;
    for (int64_t k = 0; k < g.kernel[d]; ++k) {
      const int64_t i = o * g.stride[d] - g.padBegin[d] + k * g.dilation[d];
      if (i < 0 || i >= g.in[d]) continue;
      if (k0 < 0) k0 = k;
      k1 = k;
    }
    if (!bands.empty() && bands.back().k0 == k0 && bands.back().k1 == k1)
      bands.back().end = o + 1;
    else
      bands.push_back({o, o + 1, k0, k1});
  }
  return bands;
}

// A conv's window and the bands of every spatial dim; no bands when the
// conv is not split.
struct Split {
  WindowGeometry g;
  std::vector<std::vector<Band>> bands;
};

Split splitOf(const Graph &graph, const Node &node) {
  if (!isConv(node.op) || hasResidual(node)) return {};
  Split s{windowGeometry(node, graph.type(node.inputs[0]).shape), {}};
  double all = 1, inside = 1;
  for (int d = 0; d < s.g.rank; ++d) {
    s.bands.push_back(bandsOf(s.g, d));
    int64_t taps = 0;
    for (const Band &b : s.bands.back()) {
      if (b.k1 < b.k0) return {};
      taps += (b.end - b.begin) * (b.k1 - b.k0 + 1);
    }
    all *= static_cast<double>(s.g.out[d] * s.g.kernel[d]);
    inside *= static_cast<double>(taps);
  }
  if (s.g.rank == 1 ? inside == all : inside > (1 - kSplitPaddingFraction) * all) return {};
  return s;
}

// The taps [k0[d], k1[d]] of a [out, in/groups, k...] weight.
Tensor weightTaps(const Tensor &w, const std::vector<Band> &region) {
  const Shape &s = w.shape();
  Shape sub = {s[0], s[1]};
  for (const Band &b : region)
    sub.push_back(b.k1 - b.k0 + 1);
  Tensor taps(DType::F32, sub);
  const int64_t kh = region.size() == 2 ? s[2] : 1, kw = s.back();
  const int64_t subH = region.size() == 2 ? sub[2] : 1, subW = sub.back();
  const int64_t y0 = region.size() == 2 ? region[0].k0 : 0, x0 = region.back().k0;
  for (int64_t oc = 0; oc < s[0] * s[1]; ++oc)
    for (int64_t y = 0; y < subH; ++y)
      for (int64_t x = 0; x < subW; ++x)
        taps.f32()[(oc * subH + y) * subW + x] = w.f32()[(oc * kh + y0 + y) * kw + x0 + x];
  return taps;
}

class SplitPaddingTapsPass : public Pass {
public:
  std::string name() const override { return "split-padding-taps"; }
  std::string summary() const override {
    return "compute a conv2d that mostly reads padding, or a conv1d that reads any, region by "
           "region, each with its inner taps";
  }

  bool run(Graph &graph, Weights *weights) override {
    std::vector<Split> splits(graph.nodes.size());
    bool any = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      splits[i] = splitOf(graph, graph.nodes[i]);
      any = any || !splits[i].bands.empty();
    }
    if (!any) return false;
    Rewriter rw(graph);
    Weights added;
    std::vector<std::string> replaced;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto id = static_cast<ValueId>(i);
      if (splits[i].bands.empty())
        rw.copy(id);
      else
        rw.setMap(id, emitRegions(rw, id, splits[i], weights, added, replaced));
    }
    graph = rw.finish();
    if (weights) replaceWeights(*weights, replaced, std::move(added));
    return true;
  }

private:
  static ValueId emitRegions(Rewriter &rw, ValueId c, const Split &split, const Weights *weights,
                             Weights &added, std::vector<std::string> &replaced) {
    const Node &conv = rw.old().node(c);
    const WindowGeometry &g = split.g;
    const std::vector<std::vector<Band>> &bands = split.bands;
    const bool hasBias = conv.attrs.getBool("bias");
    const Tensor *weight = nullptr, *bias = nullptr;
    if (weights) {
      auto find = [&](const std::string &name) {
        auto it = weights->find(name);
        if (it == weights->end()) throw Error("split-padding-taps: missing weight '" + name + "'");
        replaced.push_back(name);
        return &it->second;
      };
      weight = find(conv.name + ".weight");
      if (hasBias) bias = find(conv.name + ".bias");
    }
    const size_t rows = bands.size() == 2 ? bands[0].size() : 1;
    const std::vector<Band> &columns = bands.back();
    const bool single = rows == 1 && columns.size() == 1;
    auto regionName = [&](size_t r, size_t k) {
      if (single) return conv.name;
      const std::string index =
          bands.size() == 2 ? std::to_string(r) + "_" + std::to_string(k) : std::to_string(k);
      return rw.freshName(conv.name + ".r" + index);
    };
    auto concat = [&](std::vector<ValueId> parts, int64_t axis, const std::string &name) {
      if (parts.size() == 1) return parts[0];
      Node join;
      join.op = OpKind::Concat;
      join.name = name;
      join.inputs = std::move(parts);
      join.attrs.set("axis", axis);
      join.loc = conv.loc;
      return rw.add(std::move(join));
    };

    std::vector<ValueId> bandRows;
    for (size_t r = 0; r < rows; ++r) {
      std::vector<ValueId> parts;
      for (size_t k = 0; k < columns.size(); ++k) {
        std::vector<Band> region;
        if (bands.size() == 2) region.push_back(bands[0][r]);
        region.push_back(columns[k]);
        Node part = conv;
        part.name = regionName(r, k);
        part.inputs = {rw.map(conv.inputs[0])};
        std::vector<int64_t> kernel, begins, ends;
        for (size_t d = 0; d < region.size(); ++d) {
          const Band &b = region[d];
          const int64_t taps = b.k1 - b.k0 + 1;
          const int64_t span = g.dilation[d] * (taps - 1) + 1;
          const int64_t begin = g.padBegin[d] - b.begin * g.stride[d] - b.k0 * g.dilation[d];
          kernel.push_back(taps);
          begins.push_back(begin);
          ends.push_back((b.end - b.begin - 1) * g.stride[d] + span - g.in[d] - begin);
        }
        begins.insert(begins.end(), ends.begin(), ends.end());
        part.attrs.set("kernel", kernel);
        part.attrs.set("pad", begins);
        if (weight) {
          added[part.name + ".weight"] = weightTaps(*weight, region);
          if (bias) added[part.name + ".bias"] = *bias;
        }
        parts.push_back(rw.add(std::move(part)));
      }
      const bool last = rows == 1;
      bandRows.push_back(
          concat(parts, conv.type.rank() - 1,
                 last ? conv.name : rw.freshName(conv.name + ".row" + std::to_string(r))));
    }
    return concat(bandRows, 2, conv.name);
  }
};

} // namespace

std::unique_ptr<Pass> createSplitPaddingTapsPass() {
  return std::make_unique<SplitPaddingTapsPass>();
}

} // namespace atrous
