// fuse-aspp: a 1x1 conv2d C (stride 1, no padding, one group; dilation does
// not matter for a 1x1 kernel) over `concat(parts..., axis=1)` that nothing
// else reads is a sum of 1x1 convs over the parts, each with the columns of
// C's weight that meet that part. It becomes a chain in which every conv adds
// the previous one in through its residual input, so DeepLab's ASPP
// concatenation buffer is never made: the first conv of the chain keeps C's
// bias and C's own residual, the last one takes C's activation and C's name,
// and the others are named `<C>.<part>` with weights `<C>.<part>.weight`.
// A part `resize(v, ...)` of a v whose spatial extent is 1x1 (the image-pooling
// branch, in either resize mode) is constant over the map: its conv runs on v
// itself, giving [N, out, 1, 1], and heads the chain, so the next conv takes
// it as a broadcast residual: the branch becomes a per-channel bias computed
// at run time, and its full-size resize disappears when the concat was its
// only reader. Such parts are kept as ordinary full-size parts when none of
// the parts is full-size, or when C's residual does not broadcast to
// [N, out, 1, 1] (it must sit on the head of the chain). The chain sums in
// another order than the single conv, so results differ by rounding only.
// Without weights the rewrite is the same; the graph then expects weights
// in the rewritten form.
#include "passes/FuseAspp.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/Rewriter.h"

namespace atrous {
namespace {

// One term of the chain: a 1x1 conv over `input` with the weight columns
// [offset, offset + channels) of C. `part` is the concat input it stands for;
// for a broadcast term `input` is the 1x1 value that `part` resizes.
struct Term {
  ValueId part;
  ValueId input;
  int64_t offset;
  int64_t channels;
  bool broadcast;
};

bool isPointwiseConv2d(const Graph &graph, const Node &node) {
  if (node.op != OpKind::Conv2d || node.attrs.getInt("groups") != 1) return false;
  WindowGeometry g = windowGeometry(node, graph.type(node.inputs[0]).shape);
  for (int d = 0; d < g.rank; ++d)
    if (g.kernel[d] != 1 || g.stride[d] != 1 || g.padBegin[d] != 0 || g.padEnd[d] != 0)
      return false;
  return true;
}

// NumPy broadcasting of `from` to exactly `to`.
bool broadcastsTo(const Shape &from, const Shape &to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != 1 && from[d] != to[lead + d]) return false;
  return true;
}

// The source of a part that is constant over the map: v in `resize(v, ...)`
// with v's spatial extent 1x1; -1 otherwise.
ValueId broadcastSource(const Graph &graph, ValueId part) {
  const Node &node = graph.node(part);
  if (node.op != OpKind::Resize) return -1;
  const Shape &v = graph.type(node.inputs[0]).shape;
  for (size_t d = 2; d < v.size(); ++d)
    if (v[d] != 1) return -1;
  return node.inputs[0];
}

// The chain's terms for C over `concat`: broadcast terms first, then the
// full-size parts in concat order; or every part in concat order at full size
// when broadcast terms cannot head the chain.
std::vector<Term> chainTerms(const Graph &graph, const Node &conv, const Node &concat) {
  std::vector<Term> plain, broadcast, full;
  int64_t offset = 0;
  for (ValueId part : concat.inputs) {
    const int64_t channels = graph.type(part).shape[1];
    const ValueId source = broadcastSource(graph, part);
    plain.push_back({part, part, offset, channels, false});
    if (source >= 0)
      broadcast.push_back({part, source, offset, channels, true});
    else
      full.push_back(plain.back());
    offset += channels;
  }
  Shape head = accumulatorType(conv).shape;
  for (size_t d = 2; d < head.size(); ++d)
    head[d] = 1;
  const bool residualFitsHead =
      !hasResidual(conv) || broadcastsTo(graph.type(conv.inputs.back()).shape, head);
  if (full.empty() || !residualFitsHead) return plain;
  broadcast.insert(broadcast.end(), full.begin(), full.end());
  return broadcast;
}

// Columns [offset, offset + channels) of a [out, C, 1, 1] weight.
Tensor weightColumns(const Tensor &w, int64_t offset, int64_t channels) {
  const int64_t out = w.shape()[0], in = w.shape()[1];
  Tensor cols(DType::F32, {out, channels, 1, 1});
  for (int64_t o = 0; o < out; ++o)
    for (int64_t c = 0; c < channels; ++c)
      cols.f32()[o * channels + c] = w.f32()[o * in + offset + c];
  return cols;
}

class FuseAsppPass : public Pass {
public:
  std::string name() const override { return "fuse-aspp"; }
  std::string summary() const override {
    return "split a 1x1 conv over a concat into accumulating convs over its parts";
  }

  bool run(Graph &graph, Weights *weights) override {
    const std::vector<int> uses = useCounts(graph);
    const size_t n = graph.nodes.size();
    std::vector<bool> fused(n, false), dropped(n, false);
    for (size_t i = 0; i < n; ++i) {
      const Node &node = graph.nodes[i];
      if (!isPointwiseConv2d(graph, node)) continue;
      const ValueId cat = node.inputs[0];
      const Node &concat = graph.node(cat);
      if (concat.op != OpKind::Concat || uses[static_cast<size_t>(cat)] != 1) continue;
      int64_t axis = concat.attrs.getInt("axis");
      if (axis < 0) axis += concat.type.rank();
      if (axis != 1) continue;
      fused[i] = true;
      dropped[static_cast<size_t>(cat)] = true;
    }
    // A broadcast part's resize goes when the concat was its only reader.
    for (size_t i = 0; i < n; ++i) {
      if (!fused[i]) continue;
      const Node &concat = graph.node(graph.nodes[i].inputs[0]);
      for (const Term &t : chainTerms(graph, graph.nodes[i], concat)) {
        const auto reads = std::count(concat.inputs.begin(), concat.inputs.end(), t.part);
        if (t.broadcast && uses[static_cast<size_t>(t.part)] == reads)
          dropped[static_cast<size_t>(t.part)] = true;
      }
    }
    if (std::find(fused.begin(), fused.end(), true) == fused.end()) return false;

    Rewriter rw(graph);
    Weights added;
    std::vector<std::string> replaced;
    for (size_t i = 0; i < n; ++i) {
      const auto id = static_cast<ValueId>(i);
      if (fused[i])
        rw.setMap(id, emitChain(rw, id, weights, added, replaced));
      else if (!dropped[i])
        rw.copy(id);
    }
    graph = rw.finish();
    if (weights) {
      replaceWeights(*weights, replaced, std::move(added));
      pruneWeights(graph, *weights);
    }
    return true;
  }

private:
  // Emits C's chain into the new graph; returns the id of its last conv.
  static ValueId emitChain(Rewriter &rw, ValueId c, const Weights *weights, Weights &added,
                           std::vector<std::string> &replaced) {
    const Graph &old = rw.old();
    const Node &conv = old.node(c);
    const std::vector<Term> terms = chainTerms(old, conv, old.node(conv.inputs[0]));
    const bool hasBias = conv.attrs.getBool("bias");
    const Tensor *weight = nullptr;
    if (weights) {
      auto w = weights->find(conv.name + ".weight");
      if (w == weights->end()) throw Error("fuse-aspp: missing weight '" + conv.name + ".weight'");
      weight = &w->second;
      replaced.push_back(conv.name + ".weight");
      if (hasBias) replaced.push_back(conv.name + ".bias");
    }
    ValueId previous = hasResidual(conv) ? rw.map(conv.inputs.back()) : -1;
    for (size_t k = 0; k < terms.size(); ++k) {
      const Term &t = terms[k];
      const bool first = k == 0, last = k + 1 == terms.size();
      Node step = conv;
      step.name = last ? conv.name : rw.freshName(conv.name + "." + old.node(t.part).name);
      step.inputs = {rw.map(t.input)};
      if (previous >= 0) step.inputs.push_back(previous);
      step.attrs.set("bias", first && hasBias);
      if (!last) step.attrs.set("act", std::string("none"));
      if (weight) {
        added[step.name + ".weight"] = weightColumns(*weight, t.offset, t.channels);
        if (first && hasBias) {
          auto b = weights->find(conv.name + ".bias");
          if (b == weights->end())
            throw Error("fuse-aspp: missing weight '" + conv.name + ".bias'");
          added[step.name + ".bias"] = b->second;
        }
      }
      previous = rw.add(std::move(step));
    }
    return previous;
  }
};

} // namespace

std::unique_ptr<Pass> createFuseAsppPass() {
  return std::make_unique<FuseAsppPass>();
}

} // namespace atrous
