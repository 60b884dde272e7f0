// fuse-epilogue: a conv, conv_transpose or linear node P whose value has a
// single reader (and is not a graph output) absorbs that reader into its
// epilogue (docs/ops.md, "Epilogues"): a `bias` op (its vector is added into
// P's bias, which P then has), an activation (relu, relu6, leaky_relu with its
// alpha, sigmoid, tanh) when P has none yet, a residual `add(P, r)` or
// `add(r, P)` when P has no residual and no activation yet, and WaveNet's
// gated unit `mul(tanh(slice(P, 0:h)), sigmoid(slice(P, h:2h)))` over P's
// channels (operands of the mul in either order), which becomes act=gated.
// The fused node keeps P's name, because its weights are named after it, and
// its place in the order; it stands for the last op it absorbed, whose readers
// and output slot now read P. Keeping P in place is why a residual must be
// defined before P: in `add(conv_a, conv_b)` it is the later conv that takes
// the earlier one as its residual (ResNet's conv -> add(shortcut) -> relu
// becomes one node). Rounds repeat until nothing fuses, so a bias, a residual
// and an activation all land in one node. Scaling by `mul` is not fused: the
// IR has no constants, so the other operand of a mul is a run-time tensor, not
// a scale that could be folded into P's weights. Without weights the rewrite
// is the same (a fused `bias` op makes P's bias=true); the graph then expects
// weights in the rewritten form, like every pass that changes parameters.
#include "passes/FuseEpilogue.h"

#include <algorithm>
#include <string>
#include <vector>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/Rewriter.h"

namespace atrous {
namespace {

// One absorption: `fused` is P with its new epilogue (inputs in old ids), and
// it replaces `last`; `absorbed` are the ops that disappear (`last` included).
struct Fusion {
  ValueId producer = -1;
  Node fused;
  ValueId last = -1;
  std::vector<ValueId> absorbed;
  ValueId biasOp = -1; // a fused `bias` op, whose vector joins P's bias
};

class Matcher {
public:
  explicit Matcher(const Graph &graph) : graph_(graph), uses_(useCounts(graph)) {
    readers_.resize(graph.nodes.size());
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      for (ValueId in : graph.nodes[i].inputs)
        readers_[static_cast<size_t>(in)].push_back(static_cast<ValueId>(i));
  }

  // The node that alone reads `id`, or -1 (several readers, or an output).
  ValueId soleReader(ValueId id) const {
    const std::vector<ValueId> &r = readers_[static_cast<size_t>(id)];
    return uses_[static_cast<size_t>(id)] == 1 && r.size() == 1 ? r[0] : -1;
  }

  bool match(ValueId p, Fusion &f) const {
    const Node &producer = graph_.node(p);
    if (!hasEpilogue(producer.op) || activationOf(producer) != Activation::None) return false;
    f.producer = p;
    f.fused = producer;
    if (matchGated(p, f)) return true;
    ValueId u = soleReader(p);
    if (u < 0) return false;
    const Node &user = graph_.node(u);
    f.last = u;
    f.absorbed = {u};
    if (user.op == OpKind::Bias) {
      f.fused.attrs.set("bias", true);
      f.biasOp = u;
      return true;
    }
    if (isEpilogueActivation(user.op)) {
      // The activation ops are spelled as the act= choices they become.
      f.fused.attrs.set("act", opName(user.op));
      if (user.op == OpKind::LeakyRelu) f.fused.attrs.set("alpha", user.attrs.getFloat("alpha"));
      return true;
    }
    if (user.op == OpKind::Add && !hasResidual(producer) && user.type == producer.type) {
      ValueId other = user.inputs[0] == p ? user.inputs[1] : user.inputs[0];
      if (other >= p) return false; // the residual must be defined before P
      f.fused.inputs.push_back(other);
      return true;
    }
    return false;
  }

private:
  // The channel range [start, end) a slice takes along axis 1, or false.
  bool channelRange(const Node &slice, int64_t &start, int64_t &end) const {
    SliceRange r = sliceRange(slice, graph_.type(slice.inputs[0]).shape);
    if (r.axis != 1 || r.step != 1) return false;
    start = r.start;
    end = r.end;
    return true;
  }

  bool matchGated(ValueId p, Fusion &f) const {
    const Node &producer = graph_.node(p);
    const std::vector<ValueId> &r = readers_[static_cast<size_t>(p)];
    if (uses_[static_cast<size_t>(p)] != 2 || r.size() != 2 || producer.type.rank() < 2)
      return false;
    const int64_t channels = producer.type.shape[1];
    if (channels % 2 != 0) return false;
    const int64_t half = channels / 2;
    ValueId filter = -1, gate = -1;
    for (ValueId s : r) {
      const Node &slice = graph_.node(s);
      int64_t start = 0, end = 0;
      if (slice.op != OpKind::Slice || !channelRange(slice, start, end)) return false;
      if (start == 0 && end == half)
        filter = s;
      else if (start == half && end == channels)
        gate = s;
    }
    if (filter < 0 || gate < 0) return false;
    ValueId tanhOp = soleReader(filter), sigmoidOp = soleReader(gate);
    if (tanhOp < 0 || sigmoidOp < 0 || graph_.node(tanhOp).op != OpKind::Tanh ||
        graph_.node(sigmoidOp).op != OpKind::Sigmoid)
      return false;
    ValueId mul = soleReader(tanhOp);
    if (mul < 0 || mul != soleReader(sigmoidOp) || graph_.node(mul).op != OpKind::Mul) return false;
    f.fused.attrs.set("act", std::string("gated"));
    f.last = mul;
    f.absorbed = {filter, gate, tanhOp, sigmoidOp, mul};
    return true;
  }

  const Graph &graph_;
  std::vector<int> uses_;
  std::vector<std::vector<ValueId>> readers_;
};

// Adds the vector of a fused `bias` op into P's bias (made if P had none).
void mergeBias(const Graph &old, const Fusion &f, Weights &weights) {
  const std::string from = old.node(f.biasOp).name + ".bias";
  const std::string into = old.node(f.producer).name + ".bias";
  auto source = weights.find(from);
  if (source == weights.end()) throw Error("fuse-epilogue: missing weight '" + from + "'");
  if (!old.node(f.producer).attrs.getBool("bias")) {
    weights[into] = source->second;
    return;
  }
  auto target = weights.find(into);
  if (target == weights.end()) throw Error("fuse-epilogue: missing weight '" + into + "'");
  if (target->second.numel() != source->second.numel())
    throw Error("fuse-epilogue: '" + from + "' and '" + into + "' differ in size");
  float *dst = target->second.f32();
  const float *src = source->second.f32();
  for (int64_t i = 0; i < target->second.numel(); ++i)
    dst[i] += src[i];
}

// One round: every producer absorbs at most one reader (or one gated unit);
// fusions that would share a node are left for the next round.
bool fuseRound(Graph &graph, Weights *weights) {
  Matcher matcher(graph);
  const size_t n = graph.nodes.size();
  std::vector<bool> claimed(n, false);
  std::vector<Fusion> fusions;
  std::vector<int> fusionAt(n, -1), lastOf(n, -1);
  for (size_t i = 0; i < n; ++i) {
    Fusion f;
    if (claimed[i] || !matcher.match(static_cast<ValueId>(i), f)) continue;
    bool free = std::none_of(f.absorbed.begin(), f.absorbed.end(),
                             [&](ValueId a) { return claimed[static_cast<size_t>(a)]; });
    if (!free) continue;
    claimed[i] = true;
    for (ValueId a : f.absorbed)
      claimed[static_cast<size_t>(a)] = true;
    fusionAt[i] = static_cast<int>(fusions.size());
    lastOf[static_cast<size_t>(f.last)] = static_cast<int>(fusions.size());
    fusions.push_back(std::move(f));
  }
  if (fusions.empty()) return false;

  if (weights)
    for (const Fusion &f : fusions)
      if (f.biasOp >= 0) mergeBias(graph, f, *weights);

  Rewriter rw(graph);
  for (size_t i = 0; i < n; ++i) {
    const auto id = static_cast<ValueId>(i);
    if (fusionAt[i] >= 0) {
      Node fused = fusions[static_cast<size_t>(fusionAt[i])].fused;
      for (ValueId &in : fused.inputs)
        in = rw.map(in);
      rw.setMap(id, rw.add(std::move(fused)));
    } else if (lastOf[i] >= 0) {
      rw.setMap(id, rw.map(fusions[static_cast<size_t>(lastOf[i])].producer));
    } else if (!claimed[i]) {
      rw.copy(id);
    }
  }
  graph = rw.finish();
  if (weights) pruneWeights(graph, *weights);
  return true;
}

class FuseEpiloguePass : public Pass {
public:
  std::string name() const override { return "fuse-epilogue"; }
  std::string summary() const override {
    return "fuse bias, activations, residual adds and gated units into convs and linears";
  }
  bool run(Graph &graph, Weights *weights) override {
    bool changed = false;
    while (fuseRound(graph, weights))
      changed = true;
    return changed;
  }
};

} // namespace

std::unique_ptr<Pass> createFuseEpiloguePass() {
  return std::make_unique<FuseEpiloguePass>();
}

} // namespace atrous
