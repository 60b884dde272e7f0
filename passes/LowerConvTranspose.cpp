// lower-conv-transpose: a transposed conv with stride s > 1 computes output
// pixel o from the taps t whose scatter i*s - padBegin + t*dilation lands on
// o, and for a given phase r = o % s those taps are fixed. So the op splits
// into prod(s) stride-1 convolutions over its input, one per output phase
// (the "sub-pixel" form), each with the phase's taps in reverse order,
// dilation / gcd(stride, dilation) between them and its own (possibly
// asymmetric) padding; negative padding becomes a slice of the input. An
// `interleave` named as the original node reassembles the output, so no
// multiply ever touches an inserted zero. A phase that no tap reaches (kernel
// smaller than the stride, or stride and dilation sharing a factor) is the
// bias alone: it is built from zeros (a phase padded with zeros, sliced down
// to the padding) plus a `bias` node, with no multiply at all; phases of
// equal extents share it. The pass only fires on nodes with no fused
// epilogue (act=none, no residual), since an activation would have to follow
// the interleave; run it before fuse-epilogue.
#include "passes/LowerConvTranspose.h"

#include <map>
#include <numeric>
#include <optional>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

// The largest stride `interleave` takes (docs/ops.md); beyond it the node
// stays a transposed conv.
constexpr int64_t kMaxInterleaveStride = 64;

int64_t floorMod(int64_t a, int64_t b) {
  return ((a % b) + b) % b;
}

// What one output phase r of a transposed conv is along one spatial dim: a
// stride-1 conv over the input window [cropBegin, cropEnd).
struct PhaseDim {
  std::vector<int64_t> taps; // original taps in the order the phase conv reads them
  int64_t dilation = 1;
  int64_t padBegin = 0, padEnd = 0;
  int64_t cropBegin = 0, cropEnd = 0;
  int64_t extent = 1; // phase output extent (at least 1, as interleave needs)
};

PhaseDim phaseDim(const WindowGeometry &g, int d, int64_t r) {
  const int64_t s = g.stride[d], dil = g.dilation[d], in = g.in[d], out = g.out[d];
  PhaseDim p;
  p.extent = std::max<int64_t>(r < out ? (out - r + s - 1) / s : 0, 1);
  // Tap t writes output q*s + r from input q + (r + padBegin - t*dil) / s
  // when that division is exact; larger taps read earlier inputs.
  for (int64_t t = g.kernel[d] - 1; t >= 0; --t)
    if (floorMod(r + g.padBegin[d] - t * dil, s) == 0) p.taps.push_back(t);
  if (p.taps.empty()) return p;
  p.dilation = dil / std::gcd(s, dil);
  const int64_t span = p.dilation * (static_cast<int64_t>(p.taps.size()) - 1);
  const int64_t padBegin = -(r + g.padBegin[d] - p.taps.front() * dil) / s;
  const int64_t padEnd = p.extent - in - padBegin + span;
  p.cropBegin = std::max<int64_t>(0, -padBegin);
  p.cropEnd = in - std::max<int64_t>(0, -padEnd);
  p.padBegin = std::max<int64_t>(0, padBegin);
  p.padEnd = std::max<int64_t>(0, padEnd);
  // No tap reaches a real input pixel of this phase: only the bias remains.
  if (p.cropEnd <= p.cropBegin) p.taps.clear();
  return p;
}

// One value per spatial dim, or a single value when they are all equal.
std::vector<int64_t> compact(const std::vector<int64_t> &v) {
  for (int64_t x : v)
    if (x != v.front()) return v;
  return {v.front()};
}

class ConvTransposeLowering {
public:
  ConvTransposeLowering(Rewriter &rw, const Node &node, Weights *weights)
      : rw_(rw), node_(node), weights_(weights),
        geometry_(windowGeometry(node, rw.old().type(node.inputs[0]).shape)),
        rank_(geometry_.rank) {
    int64_t phases = 1;
    for (int d = 0; d < rank_; ++d)
      phases *= geometry_.stride[d];
    for (int64_t p = 0; p < phases; ++p)
      phases_.push_back(phaseOf(p));
  }

  // Whether some phase does any multiply; otherwise there is nothing to
  // interleave the bias-only phases with and the node stays as it is.
  bool worthwhile() const {
    for (const std::vector<PhaseDim> &phase : phases_)
      if (!isEmpty(phase)) return true;
    return false;
  }

  // Emits the phases and the interleave; returns the interleave.
  ValueId emit() {
    std::vector<ValueId> values(phases_.size(), -1);
    std::optional<size_t> reference;
    for (size_t p = 0; p < phases_.size(); ++p) {
      if (isEmpty(phases_[p])) continue;
      values[p] = emitConv(p);
      if (!reference) reference = p;
    }
    for (size_t p = 0; p < phases_.size(); ++p)
      if (values[p] < 0) values[p] = emitBiasOnly(p, values[*reference], *reference);

    Node join;
    join.name = node_.name;
    join.op = OpKind::Interleave;
    join.inputs = values;
    join.loc = node_.loc;
    join.attrs.set("stride", compact(geometry_.stride));
    join.attrs.set("size", compact(geometry_.out));
    return rw_.add(std::move(join));
  }

private:
  std::vector<PhaseDim> phaseOf(int64_t p) const {
    std::vector<PhaseDim> dims(static_cast<size_t>(rank_));
    for (int d = rank_ - 1; d >= 0; --d) {
      dims[d] = phaseDim(geometry_, d, p % geometry_.stride[d]);
      p /= geometry_.stride[d];
    }
    return dims;
  }

  static bool isEmpty(const std::vector<PhaseDim> &phase) {
    for (const PhaseDim &d : phase)
      if (d.taps.empty()) return true;
    return false;
  }

  Node makeNode(const std::string &name, OpKind op, std::vector<ValueId> inputs) const {
    Node n;
    n.name = rw_.freshName(name);
    n.op = op;
    n.inputs = std::move(inputs);
    n.loc = node_.loc;
    return n;
  }

  // The input restricted to the window a phase reads; shared by phases that
  // read the same window.
  ValueId croppedInput(const std::vector<PhaseDim> &phase) {
    std::vector<int64_t> key;
    for (const PhaseDim &d : phase)
      key.insert(key.end(), {d.cropBegin, d.cropEnd});
    auto it = crops_.find(key);
    if (it != crops_.end()) return it->second;
    ValueId x = rw_.map(node_.inputs[0]);
    for (int d = 0; d < rank_; ++d) {
      const PhaseDim &pd = phase[d];
      if (pd.cropBegin == 0 && pd.cropEnd == geometry_.in[d]) continue;
      Node slice = makeNode(node_.name + ".crop", OpKind::Slice, {x});
      slice.attrs.set("axis", int64_t{2 + d});
      slice.attrs.set("start", pd.cropBegin);
      slice.attrs.set("end", pd.cropEnd);
      x = rw_.add(std::move(slice));
    }
    crops_[key] = x;
    return x;
  }

  ValueId emitConv(size_t p) {
    const std::vector<PhaseDim> &phase = phases_[p];
    Node conv = makeNode(node_.name + ".phase" + std::to_string(p),
                         rank_ == 1 ? OpKind::Conv1d : OpKind::Conv2d, {croppedInput(phase)});
    std::vector<int64_t> kernel, dilation, pads(2 * static_cast<size_t>(rank_));
    for (int d = 0; d < rank_; ++d) {
      kernel.push_back(static_cast<int64_t>(phase[d].taps.size()));
      dilation.push_back(phase[d].dilation);
      pads[d] = phase[d].padBegin;
      pads[rank_ + d] = phase[d].padEnd;
    }
    conv.attrs.set("out", node_.attrs.getInt("out"));
    conv.attrs.set("kernel", compact(kernel));
    conv.attrs.set("dilation", compact(dilation));
    conv.attrs.set("pad", compact(pads));
    conv.attrs.set("groups", node_.attrs.getInt("groups"));
    conv.attrs.set("bias", node_.attrs.getBool("bias"));
    std::string name = conv.name;
    ValueId id = rw_.add(std::move(conv));
    if (weights_) {
      (*weights_)[name + ".weight"] = phaseWeight(phase);
      if (node_.attrs.getBool("bias")) (*weights_)[name + ".bias"] = originalWeight("bias");
    }
    return id;
  }

  // Zeros of the phase's extents (the zero padding of an existing phase,
  // sliced out of it) plus the bias: a phase no tap reaches. Shared by every
  // such phase of the same extents.
  ValueId emitBiasOnly(size_t p, ValueId reference, size_t referencePhase) {
    std::vector<int64_t> extents;
    for (const PhaseDim &d : phases_[p])
      extents.push_back(d.extent);
    auto it = biasOnly_.find(extents);
    if (it != biasOnly_.end()) return it->second;

    std::vector<int64_t> pads(2 * static_cast<size_t>(rank_), 0);
    for (int d = 0; d < rank_; ++d)
      pads[rank_ + d] = extents[d];
    Node pad = makeNode(node_.name + ".zeros", OpKind::Pad, {reference});
    pad.attrs.set("pad", pads);
    ValueId zeros = rw_.add(std::move(pad));
    for (int d = 0; d < rank_; ++d) {
      const int64_t start = phases_[referencePhase][d].extent;
      Node slice = makeNode(node_.name + ".zeros", OpKind::Slice, {zeros});
      slice.attrs.set("axis", int64_t{2 + d});
      slice.attrs.set("start", start);
      slice.attrs.set("end", start + extents[d]);
      zeros = rw_.add(std::move(slice));
    }
    ValueId value = zeros;
    if (node_.attrs.getBool("bias")) {
      Node bias = makeNode(node_.name + ".phase" + std::to_string(p), OpKind::Bias, {zeros});
      std::string name = bias.name;
      value = rw_.add(std::move(bias));
      if (weights_) (*weights_)[name + ".bias"] = originalWeight("bias");
    }
    biasOnly_[extents] = value;
    return value;
  }

  const Tensor &originalWeight(const std::string &suffix) const {
    auto it = weights_->find(node_.name + "." + suffix);
    if (it == weights_->end())
      throw Error("lower-conv-transpose: no weight '" + node_.name + "." + suffix + "'");
    return it->second;
  }

  // The phase conv's weight [out, C/groups, taps...] from the transposed
  // conv's [C, out/groups, k...]: channel roles swap within each group and
  // only the phase's taps are kept, in the order the phase conv reads them.
  Tensor phaseWeight(const std::vector<PhaseDim> &phase) const {
    const Tensor &w = originalWeight("weight");
    const int64_t inChannels = w.shape()[0], outPerGroup = w.shape()[1];
    const int64_t groups = node_.attrs.getInt("groups");
    const int64_t inPerGroup = inChannels / groups;
    const int64_t kH = rank_ == 2 ? geometry_.kernel[0] : 1, kW = geometry_.kernel[rank_ - 1];
    const std::vector<int64_t> one = {0};
    const std::vector<int64_t> &tapsH = rank_ == 2 ? phase[0].taps : one;
    const std::vector<int64_t> &tapsW = phase[rank_ - 1].taps;
    const int64_t mH = static_cast<int64_t>(tapsH.size()), mW = static_cast<int64_t>(tapsW.size());

    Shape shape = {outPerGroup * groups, inPerGroup};
    for (const PhaseDim &d : phase)
      shape.push_back(static_cast<int64_t>(d.taps.size()));
    Tensor out(DType::F32, shape);
    const float *src = w.f32();
    float *dst = out.f32();
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < outPerGroup; ++j)
        for (int64_t c = 0; c < inPerGroup; ++c)
          for (int64_t a = 0; a < mH; ++a)
            for (int64_t b = 0; b < mW; ++b) {
              const int64_t o = g * outPerGroup + j, ci = g * inPerGroup + c;
              dst[((o * inPerGroup + c) * mH + a) * mW + b] =
                  src[((ci * outPerGroup + j) * kH + tapsH[a]) * kW + tapsW[b]];
            }
    return out;
  }

  Rewriter &rw_;
  const Node &node_;
  Weights *weights_;
  WindowGeometry geometry_;
  int rank_;
  std::vector<std::vector<PhaseDim>> phases_; // row-major over the dims
  std::map<std::vector<int64_t>, ValueId> crops_;
  std::map<std::vector<int64_t>, ValueId> biasOnly_;
};

bool isCandidate(const Node &node) {
  if (!isConvTranspose(node.op) || activationOf(node) != Activation::None || hasResidual(node))
    return false;
  bool strided = false;
  for (int64_t s : node.attrs.getInts("stride")) {
    if (s > kMaxInterleaveStride) return false;
    strided = strided || s > 1;
  }
  return strided;
}

class LowerConvTransposePass : public Pass {
public:
  std::string name() const override { return "lower-conv-transpose"; }
  std::string summary() const override {
    return "strided transposed convs as stride-phase convs joined by interleave (sub-pixel)";
  }

  bool run(Graph &graph, Weights *weights) override {
    Rewriter rw(graph);
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const ValueId id = static_cast<ValueId>(i);
      const Node &node = graph.nodes[i];
      if (isCandidate(node)) {
        ConvTransposeLowering lowering(rw, node, weights);
        if (lowering.worthwhile()) {
          rw.setMap(id, lowering.emit());
          changed = true;
          continue;
        }
      }
      rw.copy(id);
    }
    if (!changed) return false;
    Graph result = rw.finish();
    graph = std::move(result);
    if (weights) pruneWeights(graph, *weights);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createLowerConvTransposePass() {
  return std::make_unique<LowerConvTransposePass>();
}

} // namespace atrous
